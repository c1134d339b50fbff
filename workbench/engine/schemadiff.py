"""Semantic comparison of embedded JSON Schemas (request and response bodies, token claims).

Both sides are read through *views*: ``$ref`` chains are resolved (a schema moved into
``components.schemas`` is no change), ``allOf`` parts that only add properties are merged into
their parent (splitting a schema into ``allOf`` pieces is no change), ``type`` becomes a set and
OpenAPI's ``nullable: true`` becomes the ``null`` type. Recursive references are followed once;
the second visit of the same reference on a path compares by name.

Differences are reported as *facts* (``property-required-added``, ``enum-value-removed``,
``type-widened`` ...) without a verdict: whether a fact breaks anyone depends on the direction
(``request``, ``response`` or ``claims``), which the rules in ``engine/rules/schemas.py`` decide.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from workbench.contract.model import REF_PREFIX, Contract
from workbench.contract.paths import join
from workbench.contract.record import Record
from workbench.engine.classify import canonical_json as canonical

if TYPE_CHECKING:
    from workbench.engine.schemajudge import Pending, SideDocs

# The inclusion machinery (schemajudge, engine.inclusion: a third of the engine's import time)
# is imported when a schema actually changed, in ``_judged``.
ANY_NAME = "*"  # as engine.inclusion.witness.ANY_NAME: a property no schema lists

Raw = tuple
COMPONENTS: Raw = ("components", "schemas")

LOWER_BOUNDS = (
    "minimum",
    "exclusiveMinimum",
    "minLength",
    "minItems",
    "minProperties",
    "minContains",
)
UPPER_BOUNDS = (
    "maximum",
    "exclusiveMaximum",
    "maxLength",
    "maxItems",
    "maxProperties",
    "maxContains",
)
ANNOTATIONS = (
    "title",
    "description",
    "examples",
    "example",
    "$comment",
    "externalDocs",
    "$id",
    "$schema",
    "$anchor",
)
# keywords compared by dedicated code below; everything else is a generic constraint
HANDLED = frozenset(
    (
        "type", "nullable", "enum", "const", "properties", "required", "items", "prefixItems",
        "additionalProperties", "unevaluatedProperties", "pattern", "format", "oneOf", "anyOf",
        "allOf", "multipleOf", "uniqueItems", "default", "deprecated", "$ref", "$recursive",
        *LOWER_BOUNDS, *UPPER_BOUNDS, *ANNOTATIONS,
    )
)  # fmt: skip
MAX_DEPTH = 64


def _ref_name(ref: str) -> str | None:
    if not ref.startswith(REF_PREFIX):
        return None
    return ref[len(REF_PREFIX) :].replace("~1", "/").replace("~0", "~")


class _View(Record):
    """One schema as the comparison sees it, with the raw path of every keyword it uses."""

    __slots__ = ("at", "entered", "kw", "origin", "props", "raw", "required")
    raw: Raw
    kw: dict[str, Any]
    at: dict[str, Raw]
    props: dict[str, tuple[Any, Raw]]
    required: dict[str, Raw]
    entered: tuple[str, ...]
    origin: Raw  # where the schema is written (before following $ref)

    def __init__(
        self,
        raw: Raw,
        kw: dict[str, Any] | None = None,
        at: dict[str, Raw] | None = None,
        props: dict[str, tuple[Any, Raw]] | None = None,
        required: dict[str, Raw] | None = None,
        entered: tuple[str, ...] = (),
        origin: Raw = (),
    ):
        self.raw = raw
        self.kw = dict() if kw is None else kw
        self.at = dict() if at is None else at
        self.props = dict() if props is None else props
        self.required = dict() if required is None else required
        self.entered = entered
        self.origin = origin

    def where(self, key: str) -> Raw:
        return self.at.get(key, self.raw)


class _Side:
    """One contract's components and the places that reference them."""

    def __init__(self, contract: Contract):
        self.contract = contract
        comps = (contract.norm.get("components") or {}).get("schemas") or {}
        self.components: dict[str, Any] = comps if isinstance(comps, dict) else {}
        self._ref_sites: list[tuple[Raw, str]] | None = None
        self._marks: set[str] = set()

    def marks(self) -> frozenset[str]:
        """What the walk of :meth:`ref_sites` saw besides references to shared schemas:
        ``"inner"`` if some ``$ref`` anywhere points elsewhere in the document (``#/...``),
        ``"nullable"`` if some mapping anywhere has a ``nullable`` key. The walk visits every
        mapping of the data, so an absent mark means none exists (durations, all that ``norm``
        changes, are neither keys nor references)."""
        self.ref_sites()
        return frozenset(self._marks)

    def ref_sites(self) -> list[tuple[Raw, str]]:
        """``(raw path of the mapping holding $ref, component name)`` for every reference.

        A walk of the data's collections: two to three times quicker than scanning the located
        keys, and the same for every contract, located or not (merged and aliased mappings are
        in the data as they are in the key table). Callers use the set of sites, not their
        order.
        """
        if self._ref_sites is None:
            sites: list[tuple[Raw, str]] = []
            _walk_refs(self.contract.data, (), sites, self._marks)
            self._ref_sites = sites
        return self._ref_sites


def _walk_refs(node: Any, raw: Raw, out: list[tuple[Raw, str]], marks: set[str]) -> None:
    """Append ``(raw path, component name)`` for every mapping under ``node`` (at ``raw``)
    whose ``$ref`` names a shared schema, in document order, and note in ``marks`` what else
    the walk saw (see :meth:`_Side.marks`)."""
    if isinstance(node, dict):
        _refs_in_map(node, raw, out, marks)
    elif isinstance(node, list):
        _refs_in_list(node, raw, out, marks)


def _refs_in_map(node: dict, raw: Raw, out: list[tuple[Raw, str]], marks: set[str]) -> None:
    ref = node.get("$ref")
    if ref is not None and isinstance(ref, str):
        if (name := _ref_name(ref)) is not None:
            out.append((raw, name))
        elif ref.startswith("#/"):
            marks.add("inner")
    if "nullable" in node:
        marks.add("nullable")
    for key, value in node.items():  # one call per collection: scalars are never visited
        if isinstance(value, dict):
            _refs_in_map(value, (*raw, key), out, marks)
        elif isinstance(value, list):
            _refs_in_list(value, (*raw, key), out, marks)


def _refs_in_list(node: list, raw: Raw, out: list[tuple[Raw, str]], marks: set[str]) -> None:
    for i, value in enumerate(node):
        if isinstance(value, dict):
            _refs_in_map(value, (*raw, i), out, marks)
        elif isinstance(value, list):
            _refs_in_list(value, (*raw, i), out, marks)


Emit = Callable[..., None]


class SchemaDiffer:
    """Compares the JSON Schemas of two contracts and reports facts through ``emit``."""

    def __init__(self, old: Contract, new: Contract, emit: Emit):
        self.old, self.new = _Side(old), _Side(new)
        self.emit = self._emit = emit
        self._docs: tuple[SideDocs, SideDocs] | None = None
        self._pending: list[Pending] | None = None
        self._cur: tuple[_View, _View] | None = None
        # verdicts of roots that are references to shared components, by what decides them
        self._judged_refs: dict[tuple, tuple[list, list]] = {}
        self.dirty = self._dirty_components()
        self.any_dirty = bool(self.dirty)
        self._dirty_prefixes: set[Raw] | None = None

    # --- which shared schemas changed -------------------------------------------------------

    def _dirty_components(self) -> set[str]:
        o, n = self.old.components, self.new.components
        if o == n:
            return set()
        dirty = {k for k in o.keys() | n.keys() if k not in o or k not in n or o[k] != n[k]}
        # a component that references a changed one changed too
        uses: dict[str, set[str]] = {}
        for raw, name in self.old.ref_sites():
            if raw[:2] == COMPONENTS and len(raw) > 2:
                uses.setdefault(name, set()).add(raw[2])
        todo = list(dirty)
        while todo:
            name = todo.pop()
            for user in uses.get(name, ()):
                if user not in dirty:
                    dirty.add(user)
                    todo.append(user)
        return dirty

    def dirty_at(self, old_raw: Raw) -> bool:
        """Whether the old value at ``old_raw`` references (through ``$ref``) a changed shared
        schema, so that equal text there may still mean a changed schema."""
        if not self.any_dirty:
            return False
        if self._dirty_prefixes is None:
            prefixes: set[Raw] = set()
            for raw, name in self.old.ref_sites():
                if name in self.dirty:
                    for i in range(len(raw) + 1):
                        prefixes.add(raw[:i])
            self._dirty_prefixes = prefixes
        return old_raw in self._dirty_prefixes

    def compare_unused_components(self) -> None:
        """Shared schemas that nothing references: added, removed or changed (editorial)."""
        o, n = self.old.components, self.new.components
        if o == n:
            return
        used_o = self._used(self.old)
        used_n = self._used(self.new)
        unused = [
            *(("removed", k, k, None) for k in o if k not in n and k not in used_o),
            *(("added", k, None, k) for k in n if k not in o and k not in used_n),
            *(
                ("changed", k, k, k)
                for k in o
                if k in n and o[k] != n[k] and k not in used_o and k not in used_n
            ),
        ]
        for kind, name, old, new in unused:
            raw = (*COMPONENTS, name)
            self.emit(
                f"component.{kind}",
                kind,
                join("components.schemas", name),
                old,
                new,
                old_raw=raw if old is not None else None,
                new_raw=raw if new is not None else None,
                old_at=COMPONENTS,
                new_at=COMPONENTS,
            )

    @staticmethod
    def _used(side: _Side) -> set[str]:
        graph: dict[str, set[str]] = {}
        roots: set[str] = set()
        for raw, name in side.ref_sites():
            if raw[:2] == COMPONENTS and len(raw) > 2:
                graph.setdefault(raw[2], set()).add(name)
            else:
                roots.add(name)
        used, todo = set(), list(roots)
        while todo:
            name = todo.pop()
            if name in used:
                continue
            used.add(name)
            todo.extend(graph.get(name, ()))
        return used

    # --- views ------------------------------------------------------------------------------

    def view(self, side: _Side, schema: Any, raw: Raw, entered: tuple[str, ...] = ()) -> _View:
        v = _View(raw, entered=entered, origin=raw)
        node, node_raw = schema, raw
        siblings: list[tuple[str, Any, Raw]] = []
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            name = _ref_name(node["$ref"])
            if name is None or name not in side.components:
                break
            siblings.extend((k, val, (*node_raw, k)) for k, val in node.items() if k != "$ref")
            if name in v.entered:
                v.kw["$recursive"] = name
                v.at["$recursive"] = (*node_raw, "$ref")
                node = None
                break
            v.entered = (*v.entered, name)
            node, node_raw = side.components[name], (*COMPONENTS, name)
            v.raw = node_raw
        if node is not None:
            self._absorb(side, v, node, node_raw)
        for key, value, at in siblings:  # keywords next to a $ref apply too (2020-12)
            self._absorb(side, v, {key: value}, at[:-1])
        return v

    def _absorb(self, side: _Side, v: _View, node: Any, raw: Raw) -> None:
        if node is True or node is None:
            return
        if node is False:
            v.kw["not"], v.at["not"] = {}, raw
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                for name, sub in value.items():
                    v.props[name] = (sub, (*raw, "properties", name))
            elif key == "required" and isinstance(value, list):
                for i, name in enumerate(value):
                    v.required.setdefault(str(name), (*raw, "required", i))
            elif (
                key == "allOf"
                and isinstance(value, list)
                and self._merge_all_of(side, v, node, value, raw)
            ):
                continue
            else:
                v.kw[key], v.at[key] = value, (*raw, key)

    def _merge_all_of(self, side: _Side, v: _View, node: dict, parts: list, raw: Raw) -> bool:
        """Merge ``allOf`` parts into the parent when that changes nothing about validation."""
        if "additionalProperties" in node or "unevaluatedProperties" in node:
            return False
        views = [self.view(side, p, (*raw, "allOf", i), v.entered) for i, p in enumerate(parts)]
        seen_kw = {
            k: val for k, val in node.items() if k not in ("properties", "required", "allOf")
        }
        seen_props = dict(node.get("properties") or {})
        for pv in views:
            if (
                "$recursive" in pv.kw
                or "additionalProperties" in pv.kw
                or "unevaluatedProperties" in pv.kw
            ):
                return False
            for k, val in pv.kw.items():
                if k in ANNOTATIONS:
                    continue
                if k in seen_kw and canonical(seen_kw[k]) != canonical(val):
                    return False
                seen_kw[k] = val
            for name, (sub, _) in pv.props.items():
                if name in seen_props and canonical(seen_props[name]) != canonical(sub):
                    return False
                seen_props[name] = sub
        for pv in views:
            for k, val in pv.kw.items():
                if k not in v.kw:
                    v.kw[k], v.at[k] = val, pv.at[k]
            for name, entry in pv.props.items():
                v.props.setdefault(name, entry)
            for name, at in pv.required.items():
                v.required.setdefault(name, at)
        return True

    # --- comparison -------------------------------------------------------------------------

    def compare_root(
        self, direction: str, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw, **ctx: Any
    ) -> None:
        """Compare the schema of one request, response or token claims (either may be absent)."""
        ctx = {**ctx, "direction": direction}
        if o is None and n is None:
            return
        if o is None:
            nv = self.view(self.new, n, n_raw)
            req = sorted(nv.required)
            self.emit(
                "schema.schema-added",
                "added",
                path,
                None,
                _summary(nv),
                new_raw=n_raw,
                old_at=o_raw,
                required=req,
                detail="schema added" + (f" requiring {', '.join(req)}" if req else ""),
                **ctx,
            )
            return
        if n is None:
            self.emit(
                "schema.schema-removed",
                "removed",
                path,
                _summary(self.view(self.old, o, o_raw)),
                None,
                old_raw=o_raw,
                new_at=n_raw,
                detail="schema removed",
                **ctx,
            )
            return
        self._judged(direction, path, o, n, o_raw, n_raw, ctx)

    # --- judging by inclusion ---------------------------------------------------------------

    def _judged(self, direction: str, path: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw,
                ctx: dict) -> None:  # fmt: skip
        """Compare one root schema, then give each fact the severity inclusion allows."""
        from workbench.engine.rules.schemas import FACTS
        from workbench.engine.schemajudge import SideDocs

        if self._docs is None:
            # when the shared schemas differ, both sides are walked anyway (changed and unused
            # components): what the walk saw spares the documents two more passes each
            walked = self.any_dirty
            self._docs = (
                SideDocs(self.old.contract, self.old.marks() if walked else None),
                SideDocs(self.new.contract, self.new.marks() if walked else None),
            )
        pending: list[Pending] = []
        self._pending = pending
        self.emit = self._collect
        try:
            self.compare(
                self.view(self.old, o, o_raw),
                self.view(self.new, n, n_raw),
                path,
                {**ctx, "inst": (), "monotone": True},
                0,
            )
        finally:
            self.emit = self._emit
            self._pending = None
        key = _ref_root_key(direction, o, n, pending)
        memo = self._judged_refs.get(key) if key is not None else None
        if memo is None:
            memo = self._judge_root(direction, o, n, o_raw, n_raw, pending, FACTS)
            if key is not None:
                self._judged_refs[key] = memo
        verdicts, nets = memo
        for item, v in zip(pending, verdicts, strict=True):
            verdict = {"severity": v.severity, "witness": copy.deepcopy(v.witness),
                       "note": v.note, "breaks": v.breaks}  # fmt: skip
            self._emit(*item.args, **item.kwargs, verdict=verdict)
        for narrowing, incompatible, witness, severity, note in nets:
            breaks = None
            if direction == "claims":
                breaks = ("issuer",) if narrowing else ("relying_parties",)
            self._emit(
                "schema.schema-changed",
                "changed",
                path,
                None,
                None,
                old_raw=o_raw,
                new_raw=n_raw,
                detail="the schema as a whole "
                + ("no longer accepts data it accepted" if narrowing else "allows data it did not")
                if incompatible
                else "the schema changed in a way that could not be judged",
                verdict={
                    "severity": severity,
                    "witness": copy.deepcopy(witness),
                    "note": note,
                    "breaks": breaks,
                },
                **ctx,
            )

    def _judge_root(self, direction: str, o: Any, n: Any, o_raw: Raw, n_raw: Raw,
                    pending: list[Pending], facts: dict) -> tuple[list, list]:  # fmt: skip
        """The verdict of each pending fact of one root, and the whole-schema relations that
        need findings of their own: ``(narrowing, incompatible, witness, severity, note)``."""
        from workbench.engine.schemajudge import RootJudge

        assert self._docs is not None
        judge = RootJudge(*self._docs, direction, o_raw, n_raw, o, n)
        for item in pending:
            try:
                item.verdict = judge.judge(item, facts)
            except RecursionError:
                item.verdict.severity, item.verdict.note = "risky", "undecided: too deep"
        nets = []
        for narrowing, rel in judge.net(pending):
            witness = (
                judge._witness(rel.witness, narrowing) if rel.incompatible else None
            )  # fmt: skip
            severity = judge._severity(narrowing) if rel.incompatible else "risky"
            note = None if rel.incompatible else f"undecided: {rel.reason}"
            nets.append((narrowing, rel.incompatible, witness, severity, note))
        return [item.verdict for item in pending], nets

    def _collect(self, topic: str, *args: Any, **kwargs: Any) -> None:
        """Hold a fact found under the root being compared until it is judged."""
        inst = kwargs.pop("inst", ())
        monotone = kwargs.pop("monotone", True)
        if self._pending is None or not topic.startswith("schema.") or self._cur is None:
            self._emit(topic, *args, **kwargs)
            return
        from workbench.engine.schemajudge import Pending, Position  # loaded by _judged

        ov, nv = self._cur
        prop = kwargs.get("edit_prop")
        prop_at = None
        if prop is not None:
            o_entry, n_entry = ov.props.get(prop), nv.props.get(prop)
            prop_at = (prop, o_entry[1] if o_entry else None, n_entry[1] if n_entry else None)
        pos = Position(ov.origin, nv.origin, tuple(inst), bool(monotone), prop_at)
        self._pending.append(Pending(topic.split(".", 1)[1], (topic, *args), kwargs, pos))

    def fact(
        self,
        fact: str,
        path: str,
        ov: _View,
        nv: _View,
        key: str | None,
        old: Any,
        new: Any,
        detail: str,
        ctx: dict,
        **extra: Any,
    ) -> None:
        o_has = key is not None and key in ov.kw
        n_has = key is not None and key in nv.kw
        kind = (
            "added"
            if old is None and new is not None
            else "removed"
            if new is None and old is not None
            else "changed"
        )
        self.emit(
            f"schema.{fact}",
            kind,
            path,
            old,
            new,
            old_raw=ov.at[key] if o_has else None,
            new_raw=nv.at[key] if n_has else None,
            old_at=ov.raw,
            new_at=nv.raw,
            detail=detail,
            edit_key=key,
            **ctx,
            **extra,
        )

    def compare(self, ov: _View, nv: _View, path: str, ctx: dict, depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        outer, self._cur = self._cur, (ov, nv)
        try:
            self._compare(ov, nv, path, ctx, depth)
        finally:
            self._cur = outer

    def _compare(self, ov: _View, nv: _View, path: str, ctx: dict, depth: int) -> None:
        o_rec, n_rec = ov.kw.get("$recursive"), nv.kw.get("$recursive")
        if o_rec is not None or n_rec is not None:
            if o_rec != n_rec:
                self.fact(
                    "schema-changed",
                    path,
                    ov,
                    nv,
                    "$recursive",
                    o_rec,
                    n_rec,
                    "recursive reference changed",
                    ctx,
                )
            return
        self._types(ov, nv, path, ctx)
        self._enums(ov, nv, path, ctx)
        self._bounds(ov, nv, path, ctx)
        for key, fact in (("pattern", "pattern"), ("format", "format")):
            a, b = ov.kw.get(key), nv.kw.get(key)
            if a != b:
                what = "added" if a is None else "removed" if b is None else "changed"
                self.fact(
                    f"{fact}-{what}",
                    join(path, key),
                    ov,
                    nv,
                    key,
                    a,
                    b,
                    f"{key} {_show(a)} -> {_show(b)}",
                    ctx,
                )
        self._additional(ov, nv, path, ctx, depth)
        self._properties(ov, nv, path, ctx, depth)
        self._items(ov, nv, path, ctx, depth)
        for key in ("oneOf", "anyOf", "allOf"):
            self._variants(key, ov, nv, path, ctx, depth)
        self._misc(ov, nv, path, ctx)

    def _types(self, ov: _View, nv: _View, path: str, ctx: dict) -> None:
        a, b = _types(ov), _types(nv)
        if a == b:
            return
        p = join(path, "type")
        key = "type" if "type" in ov.kw or "type" in nv.kw else "nullable"
        if a is None or b is None:
            fact = "type-narrowed" if a is None else "type-widened"
            self.fact(
                fact,
                p,
                ov,
                nv,
                key,
                _sorted(a),
                _sorted(b),
                f"type {_show_types(a)} -> {_show_types(b)}",
                ctx,
            )
            return
        a_nn, b_nn = a - {"null"}, b - {"null"}
        lost = {t for t in a_nn if not _covered(t, b_nn)}
        gained = {t for t in b_nn if not _covered(t, a_nn)}
        if lost or gained or a_nn != b_nn:
            fact = (
                "type-changed" if lost and gained else "type-narrowed" if lost else "type-widened"
            )
            if a_nn != b_nn:
                self.fact(
                    fact,
                    p,
                    ov,
                    nv,
                    "type",
                    _sorted(a_nn),
                    _sorted(b_nn),
                    f"type {_show_types(a_nn)} -> {_show_types(b_nn)}",
                    ctx,
                )
        if ("null" in a) != ("null" in b):
            fact = "became-nullable" if "null" in b else "became-non-nullable"
            nkey = "nullable" if "nullable" in ov.kw or "nullable" in nv.kw else "type"
            self.fact(
                fact,
                p,
                ov,
                nv,
                nkey,
                "null" in a,
                "null" in b,
                "null is now allowed" if "null" in b else "null is no longer allowed",
                ctx,
            )

    def _enums(self, ov: _View, nv: _View, path: str, ctx: dict) -> None:
        a, b = _enum(ov), _enum(nv)
        if a == b:
            return
        key = "enum" if "enum" in ov.kw or "enum" in nv.kw else "const"
        p = join(path, key)
        if a is None:
            self.fact(
                "enum-added",
                p,
                ov,
                nv,
                key,
                None,
                list(b.values()),
                f"values restricted to {_show(list(b.values()))}",
                ctx,
            )
            return
        if b is None:
            self.fact(
                "enum-removed",
                p,
                ov,
                nv,
                key,
                list(a.values()),
                None,
                "any value allowed (enum dropped)",
                ctx,
            )
            return
        o_list = ov.kw.get("enum") if isinstance(ov.kw.get("enum"), list) else [ov.kw.get("const")]
        n_list = nv.kw.get("enum") if isinstance(nv.kw.get("enum"), list) else [nv.kw.get("const")]
        for i, (k, value) in enumerate(a.items()):
            if k not in b:
                at = (*ov.at[key], _index(o_list, value, i)) if "enum" in ov.kw else ov.at.get(key)
                self.emit(
                    "schema.enum-value-removed",
                    "removed",
                    join(p, _label(value), select=True),
                    value,
                    None,
                    old_raw=at,
                    new_at=nv.at.get(key, nv.raw),
                    detail=f"value {_show(value)} removed",
                    edit_key=key,
                    **ctx,
                )
        for i, (k, value) in enumerate(b.items()):
            if k not in a:
                at = (*nv.at[key], _index(n_list, value, i)) if "enum" in nv.kw else nv.at.get(key)
                self.emit(
                    "schema.enum-value-added",
                    "added",
                    join(p, _label(value), select=True),
                    None,
                    value,
                    new_raw=at,
                    old_at=ov.at.get(key, ov.raw),
                    detail=f"value {_show(value)} added",
                    edit_key=key,
                    **ctx,
                )

    def _bounds(self, ov: _View, nv: _View, path: str, ctx: dict) -> None:
        for key in (*LOWER_BOUNDS, *UPPER_BOUNDS, "multipleOf", "uniqueItems"):
            a, b = ov.kw.get(key), nv.kw.get(key)
            if a == b and type(a) is type(b):
                continue
            tighter = _tighter(key, a, b)
            p = join(path, key)
            detail = f"{key} {_show(a)} -> {_show(b)}"
            if tighter is None:
                self.fact("schema-changed", p, ov, nv, key, a, b, detail, ctx)
            else:
                self.fact(
                    "bound-tightened" if tighter else "bound-relaxed",
                    p,
                    ov,
                    nv,
                    key,
                    a,
                    b,
                    detail,
                    ctx,
                    keyword=key,
                )

    def _additional(self, ov: _View, nv: _View, path: str, ctx: dict, depth: int) -> None:
        for key in ("additionalProperties", "unevaluatedProperties"):
            a, b = ov.kw.get(key, True), nv.kw.get(key, True)
            a = True if a == {} else a
            b = True if b == {} else b
            if a == b:
                continue
            p = join(path, key)
            if isinstance(a, dict) and isinstance(b, dict):
                self.compare(
                    self.view(self.old, a, ov.at[key], ov.entered),
                    self.view(self.new, b, nv.at[key], nv.entered),
                    p,
                    _step(ctx, ANY_NAME),
                    depth + 1,
                )
            elif b is False or (a is True and isinstance(b, dict)):
                self.fact(
                    "additional-properties-closed",
                    p,
                    ov,
                    nv,
                    key,
                    a,
                    b,
                    f"{key}: {_show(a)} -> {_show(b)} (unknown properties are rejected)",
                    ctx,
                )
            elif a is False or (isinstance(a, dict) and b is True):
                self.fact(
                    "additional-properties-opened",
                    p,
                    ov,
                    nv,
                    key,
                    a,
                    b,
                    f"{key}: {_show(a)} -> {_show(b)} (unknown properties are accepted)",
                    ctx,
                )
            else:
                self.fact("schema-changed", p, ov, nv, key, a, b, f"{key} changed", ctx)

    def _properties(self, ov: _View, nv: _View, path: str, ctx: dict, depth: int) -> None:
        if not (ov.props or nv.props or ov.required or nv.required):
            return
        pp = join(path, "properties")
        closed = nv.kw.get("additionalProperties") is False
        for name, (_sub, raw) in ov.props.items():
            if name not in nv.props:
                self.emit(
                    "schema.property-removed",
                    "removed",
                    join(pp, name),
                    name,
                    None,
                    old_raw=raw,
                    new_at=nv.at.get("properties", nv.raw),
                    detail=f"property {name!r} removed"
                    + (" (was required)" if name in ov.required else ""),
                    was_required=name in ov.required,
                    closed=closed,
                    edit_prop=name,
                    **ctx,
                )
        for name, (_sub, raw) in nv.props.items():
            if name not in ov.props:
                required = name in nv.required
                fact = "property-required-added" if required else "property-added"
                self.emit(
                    f"schema.{fact}",
                    "added",
                    join(pp, name),
                    None,
                    name,
                    new_raw=raw,
                    old_at=ov.at.get("properties", ov.raw),
                    detail=f"{'required ' if required else 'optional '}property {name!r} added",
                    edit_prop=name,
                    **ctx,
                )
        for name in sorted(set(ov.required) | set(nv.required)):
            was, now = name in ov.required, name in nv.required
            if (
                was == now
                or (name not in ov.props and name in nv.props)
                or (name in ov.props and name not in nv.props)
            ):
                continue
            if now:
                self.emit(
                    "schema.property-became-required",
                    "changed",
                    join(pp, name),
                    False,
                    True,
                    new_raw=nv.required[name],
                    old_at=ov.props[name][1] if name in ov.props else ov.raw,
                    detail=f"property {name!r} is now required",
                    edit_prop=name,
                    **ctx,
                )
            else:
                self.emit(
                    "schema.property-became-optional",
                    "changed",
                    join(pp, name),
                    True,
                    False,
                    old_raw=ov.required[name],
                    new_at=nv.props[name][1] if name in nv.props else nv.raw,
                    detail=f"property {name!r} is no longer required",
                    edit_prop=name,
                    **ctx,
                )
        for name, (sub, raw) in ov.props.items():
            if name in nv.props:
                nsub, nraw = nv.props[name]
                if sub == nsub and not self._dirty_sub(sub, raw):
                    continue
                self.compare(
                    self.view(self.old, sub, raw, ov.entered),
                    self.view(self.new, nsub, nraw, nv.entered),
                    join(pp, name),
                    _step(ctx, name),
                    depth + 1,
                )

    def _dirty_sub(self, sub: Any, raw: Raw) -> bool:
        return self.any_dirty and self.dirty_at(raw)

    def _items(self, ov: _View, nv: _View, path: str, ctx: dict, depth: int) -> None:
        a, b = ov.kw.get("items"), nv.kw.get("items")
        if a is not None or b is not None:
            if isinstance(a, list) or isinstance(b, list):  # draft-4 style tuples
                if a != b:
                    self.fact(
                        "schema-changed",
                        join(path, "items"),
                        ov,
                        nv,
                        "items",
                        a,
                        b,
                        "tuple items changed",
                        ctx,
                    )
            elif a != b or self.any_dirty:
                self.compare(
                    self.view(
                        self.old, True if a is None else a, ov.at.get("items", ov.raw), ov.entered
                    ),
                    self.view(
                        self.new, True if b is None else b, nv.at.get("items", nv.raw), nv.entered
                    ),
                    join(path, "items"),
                    _step(ctx, ANY_NAME),
                    depth + 1,
                )
        a, b = ov.kw.get("prefixItems"), nv.kw.get("prefixItems")
        if (a != b or self.any_dirty) and (isinstance(a, list) or isinstance(b, list)):
            a, b = a or [], b or []
            for i in range(max(len(a), len(b))):
                p = f"{join(path, 'prefixItems')}[{i}]"
                if i >= len(a):
                    self.fact(
                        "constraint-added",
                        p,
                        ov,
                        nv,
                        "prefixItems",
                        None,
                        b[i],
                        f"prefixItems[{i}] added",
                        ctx,
                    )
                elif i >= len(b):
                    self.fact(
                        "constraint-removed",
                        p,
                        ov,
                        nv,
                        "prefixItems",
                        a[i],
                        None,
                        f"prefixItems[{i}] removed",
                        ctx,
                    )
                else:
                    self.compare(
                        self.view(self.old, a[i], (*ov.at["prefixItems"], i), ov.entered),
                        self.view(self.new, b[i], (*nv.at["prefixItems"], i), nv.entered),
                        p,
                        _step(ctx, i),
                        depth + 1,
                    )

    def _variants(self, key: str, ov: _View, nv: _View, path: str, ctx: dict, depth: int) -> None:
        a, b = ov.kw.get(key), nv.kw.get(key)
        if a is None and b is None:
            return
        if not isinstance(a, list) or not isinstance(b, list):
            if a is None:
                self.fact(
                    "constraint-added", join(path, key), ov, nv, key, None, b, f"{key} added", ctx
                )
            elif b is None:
                self.fact(
                    "constraint-removed",
                    join(path, key),
                    ov,
                    nv,
                    key,
                    a,
                    None,
                    f"{key} removed",
                    ctx,
                )
            return
        if a == b and not self.any_dirty:
            return
        p = join(path, key)
        # identical variants pair first (by resolved content), the rest by position
        a_keys = [canonical(self._resolved(self.old, x)) for x in a]
        b_keys = [canonical(self._resolved(self.new, x)) for x in b]
        unmatched_b = list(range(len(b)))
        pairs, left_a = [], []
        for i, k in enumerate(a_keys):
            j = next((j for j in unmatched_b if b_keys[j] == k), None)
            if j is None:
                left_a.append(i)
            else:
                unmatched_b.remove(j)
        for i, j in zip(left_a, list(unmatched_b), strict=False):
            pairs.append((i, j))
        gone = left_a[len(pairs) :]
        new = unmatched_b[len(pairs) :]
        widening = key != "allOf"
        for i in gone:
            fact = "variant-removed" if widening else "constraint-removed"
            self.emit(
                f"schema.{fact}",
                "removed",
                join(p, i, select=True),
                a[i],
                None,
                old_raw=(*ov.at[key], i),
                new_at=nv.at[key],
                detail=f"{key} alternative {_summary(self.view(self.old, a[i], (*ov.at[key], i), ov.entered))} removed",
                edit_key=key,
                **ctx,
            )
        for j in new:
            fact = "variant-added" if widening else "constraint-added"
            self.emit(
                f"schema.{fact}",
                "added",
                join(p, j, select=True),
                None,
                b[j],
                new_raw=(*nv.at[key], j),
                old_at=ov.at[key],
                detail=f"{key} alternative {_summary(self.view(self.new, b[j], (*nv.at[key], j), nv.entered))} added",
                edit_key=key,
                **ctx,
            )
        for i, j in pairs:
            self.compare(
                self.view(self.old, a[i], (*ov.at[key], i), ov.entered),
                self.view(self.new, b[j], (*nv.at[key], j), nv.entered),
                join(p, j, select=True),
                {**ctx, "monotone": False} if key == "oneOf" else ctx,
                depth + 1,
            )

    def _resolved(self, side: _Side, schema: Any, depth: int = 0) -> Any:
        """The schema with references inlined (recursion cut at depth 8), for identity."""
        if depth > 8:
            return schema
        if isinstance(schema, dict):
            ref = schema.get("$ref")
            if isinstance(ref, str):
                name = _ref_name(ref)
                if name in side.components:
                    rest = {k: v for k, v in schema.items() if k != "$ref"}
                    target = self._resolved(side, side.components[name], depth + 1)
                    return {**target, **rest} if isinstance(target, dict) else target
            return {k: self._resolved(side, v, depth + 1) for k, v in schema.items()}
        if isinstance(schema, list):
            return [self._resolved(side, v, depth + 1) for v in schema]
        return schema

    def _misc(self, ov: _View, nv: _View, path: str, ctx: dict) -> None:
        keys = list(ov.kw) + [k for k in nv.kw if k not in ov.kw]
        for key in keys:
            a, b = ov.kw.get(key), nv.kw.get(key)
            if a == b and type(a) is type(b):
                if not (
                    key not in HANDLED
                    and isinstance(a, dict | list)
                    and key in ov.at
                    and self._dirty_sub(a, ov.at[key])
                ):
                    continue
                # the same text, but a schema it references changed (contains, not, if ...)
                self.fact(
                    "schema-changed",
                    join(path, key),
                    ov,
                    nv,
                    key,
                    a,
                    b,
                    f"{key} refers to a shared schema that changed",
                    ctx,
                )
                continue
            p = join(path, key)
            if key in ANNOTATIONS:
                self.emit(
                    "text",
                    "added" if a is None else "removed" if b is None else "changed",
                    p,
                    a,
                    b,
                    old_raw=ov.at.get(key),
                    new_raw=nv.at.get(key),
                    old_at=ov.raw,
                    new_at=nv.raw,
                    **ctx,
                )
            elif key == "default":
                self.fact(
                    "default-changed",
                    p,
                    ov,
                    nv,
                    key,
                    a,
                    b,
                    f"default {_show(a)} -> {_show(b)}",
                    ctx,
                )
            elif key == "deprecated":
                self.fact(
                    "property-deprecated",
                    p,
                    ov,
                    nv,
                    key,
                    bool(a),
                    bool(b),
                    "marked deprecated" if b else "no longer deprecated",
                    ctx,
                )
            elif str(key).startswith("x-"):
                self.emit(
                    "extension",
                    "added" if a is None else "removed" if b is None else "changed",
                    p,
                    a,
                    b,
                    old_raw=ov.at.get(key),
                    new_raw=nv.at.get(key),
                    old_at=ov.raw,
                    new_at=nv.raw,
                    detail="",
                    **ctx,
                )
            elif key in HANDLED:
                continue
            elif a is None:
                self.fact("constraint-added", p, ov, nv, key, None, b, f"{key} added", ctx)
            elif b is None:
                self.fact("constraint-removed", p, ov, nv, key, a, None, f"{key} removed", ctx)
            else:
                self.fact("schema-changed", p, ov, nv, key, a, b, f"{key} changed", ctx)


# --- small helpers ----------------------------------------------------------------------------


def _step(ctx: dict, step: Any) -> dict:
    """The context of a subschema: its instance path one step deeper."""
    return {**ctx, "inst": (*ctx.get("inst", ()), step)}


def _types(v: _View) -> frozenset[str] | None:
    t = v.kw.get("type")
    if t is None:
        return None
    types = {t} if isinstance(t, str) else {str(x) for x in t} if isinstance(t, list) else set()
    if v.kw.get("nullable") is True:
        types.add("null")
    return frozenset(types)


def _covered(t: str, types: frozenset[str] | set[str]) -> bool:
    return t in types or (t == "integer" and "number" in types)


def _enum(v: _View) -> dict[str, Any] | None:
    if isinstance(v.kw.get("enum"), list):
        return {canonical(x): x for x in v.kw["enum"]}
    if "const" in v.kw:
        return {canonical(v.kw["const"]): v.kw["const"]}
    return None


def _index(values: list, value: Any, default: int) -> int:
    key = canonical(value)
    for i, x in enumerate(values):
        if canonical(x) == key:
            return i
    return default


def _tighter(key: str, a: Any, b: Any) -> bool | None:
    """True when ``b`` accepts less than ``a`` for this bound keyword, False when more."""
    if key == "uniqueItems":
        return bool(b) if bool(a) != bool(b) else None
    num = (int, float)
    if (a is not None and (isinstance(a, bool) or not isinstance(a, num))) or (
        b is not None and (isinstance(b, bool) or not isinstance(b, num))
    ):
        return None
    if a is None:
        return True
    if b is None:
        return False
    if key == "multipleOf":
        if a == 0 or b == 0 or (b / a).is_integer():
            return True
        return not (a / b).is_integer()
    if key in LOWER_BOUNDS:
        return b > a
    return b < a


def _sorted(types: frozenset[str] | None) -> list[str] | None:
    return None if types is None else sorted(types)


def _show_types(types: frozenset[str] | set[str] | None) -> str:
    if types is None:
        return "any"
    return "|".join(sorted(types)) or "none"


def _show(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, str):
        return repr(value)
    return canonical(value)


def _label(value: Any) -> str:
    return value if isinstance(value, str) else canonical(value)


def _summary(v: _View) -> str:
    """A short description of a schema for messages: its type and properties."""
    t = v.kw.get("type")
    if isinstance(v.kw.get("$recursive"), str):
        return v.kw["$recursive"]
    parts = []
    if v.entered:
        parts.append(v.entered[0])
    if t is not None:
        parts.append(t if isinstance(t, str) else "|".join(map(str, t)))
    if v.props:
        parts.append(
            "{" + ", ".join(list(v.props)[:4]) + (", ..." if len(v.props) > 4 else "") + "}"
        )
    return " ".join(parts) or "schema"


_JUDGED_KWARGS = ("keyword", "edit_prop", "edit_key")  # what the judge reads of a fact


def _ref_root_key(direction: str, o: Any, n: Any, pending: list[Pending]) -> tuple | None:
    """What decides the verdicts of a root whose two sides are each only a reference to a
    component (``{$ref: '#/components/schemas/X'}``), ``None`` for any other root.

    Such a root is judged on the components alone, so every endpoint referring to the same
    pair of components with the same facts gets the same verdicts: a contract where two
    hundred responses return one changed schema judges it once (answers are unchanged: a
    fresh judge on the same input decides the same)."""
    if not (_component_ref(o) and _component_ref(n)):
        return None
    facts = tuple(
        (
            item.fact,
            item.pos.old_ptr,
            item.pos.new_ptr,
            item.pos.inst,
            item.pos.monotone,
            item.pos.prop,
            tuple(repr(item.kwargs.get(k)) for k in _JUDGED_KWARGS),
        )
        for item in pending
    )
    return (direction, o["$ref"], n["$ref"], facts)


def _component_ref(schema: Any) -> bool:
    return (
        isinstance(schema, dict)
        and len(schema) == 1
        and isinstance(schema.get("$ref"), str)
        and schema["$ref"].startswith(REF_PREFIX)
    )
