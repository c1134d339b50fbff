"""The severity of each schema fact, from set inclusion (see docs/schema-inclusion.md).

:class:`SchemaDiffer` reports *what moved* (``bound-tightened``, ``property-added`` ...); this
module decides *whether it matters* for the direction of the data:

- ``request`` (clients send, the server validates): every instance the old schema accepted
  must still be accepted (old included in new); otherwise ``breaking``;
- ``response`` (the server sends, clients read): every instance the new schema allows must
  have been allowed (new included in old); otherwise ``risky`` for tolerant readers, and
  ``breaking`` when the contract says clients validate responses strictly;
- ``claims``: the issuer produces, relying parties verify: narrowing breaks the issuer
  (``breaking``), widening breaks relying parties (the rule's severity).

A fact is ``safe`` when the whole schema is proved compatible in that direction, or its own
position is, or it only widens (request) / narrows (response) by construction. It is breaking
(or risky) only with a *witness*: an instance the ``jsonschema`` validator accepts under one
whole schema and rejects under the other, which fails the new schema at the fact's own
keyword. Everything else is ``risky`` with the reason it could not be decided.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from workbench.contract.model import Contract
from workbench.contract.paths import follow_pointer
from workbench.engine.inclusion import (
    ANY_NAME,
    DEFAULT_DIALECT,
    Doc,
    Node,
    Reasoner,
    Relation,
    Sub,
    Undecided,
    declared,
    dialect,
    dialect_name,
    included,
)
from workbench.engine.inclusion.nodes import pointer
from workbench.engine.inclusion.witness import Candidates

# facts that only widen what a schema accepts (request-safe) or only narrow it (response-safe)
WIDENING = frozenset(
    ("property-became-optional", "enum-value-added", "enum-removed", "type-widened",
     "became-nullable", "bound-relaxed", "pattern-removed", "format-removed",
     "additional-properties-opened", "constraint-removed", "variant-added")
)  # fmt: skip
NARROWING = frozenset(
    ("property-required-added", "property-became-required", "enum-value-removed", "enum-added",
     "type-narrowed", "became-non-nullable", "bound-tightened", "pattern-added", "format-added",
     "additional-properties-closed", "constraint-added", "variant-removed")
)  # fmt: skip
PROPERTY_FACTS = ("property-added", "property-removed")
NOT_JUDGED = frozenset(
    ("default-changed", "property-deprecated", "schema-added", "schema-removed")
)  # fmt: skip
KEYWORDS = {
    "type-narrowed": ("type",),
    "type-widened": ("type",),
    "type-changed": ("type",),
    "became-nullable": ("type",),
    "became-non-nullable": ("type",),
    "enum-value-added": ("enum", "const"),
    "enum-value-removed": ("enum", "const"),
    "enum-added": ("enum", "const"),
    "enum-removed": ("enum", "const"),
    "pattern-added": ("pattern",),
    "pattern-removed": ("pattern",),
    "pattern-changed": ("pattern",),
    "format-added": ("format",),
    "format-removed": ("format",),
    "format-changed": ("format",),
    "additional-properties-closed": ("additionalProperties", "unevaluatedProperties", "false"),
    "additional-properties-opened": ("additionalProperties", "unevaluatedProperties", "false"),
}
PAIRED = {
    "minimum": ("minimum", "exclusiveMinimum"),
    "exclusiveMinimum": ("minimum", "exclusiveMinimum"),
    "maximum": ("maximum", "exclusiveMaximum"),
    "exclusiveMaximum": ("maximum", "exclusiveMaximum"),
}
STRICT = "strict"


@dataclass(slots=True)
class Verdict:
    """How one fact is judged: severity override, witness and note (None = rule default)."""

    severity: str | None = None
    witness: dict | None = None
    note: str | None = None
    breaks: tuple[str, ...] | None = None


@dataclass(slots=True)
class Position:
    """Where a fact was found: the old and new schema positions and the instance path."""

    old_ptr: tuple
    new_ptr: tuple
    inst: tuple
    monotone: bool
    prop: tuple | None = None  # (name, old raw path or None, new raw path or None)


@dataclass(slots=True)
class Pending:
    fact: str
    args: tuple
    kwargs: dict
    pos: Position
    verdict: Verdict = field(default_factory=Verdict)


class SideDocs:
    """One contract's documents, one per dialect in use (references resolve in the contract)."""

    def __init__(self, contract: Contract, marks: frozenset[str] | None = None):
        self.contract = contract
        # what a walk of the whole contract found (see ``schemadiff._walk_refs``): without
        # ``"inner"`` no reference needs respelling, without ``"nullable"`` nothing converting
        self._marks = marks
        settings = contract.norm.get("json_schema")
        settings = settings if isinstance(settings, dict) else {}
        self.default = dialect_name(settings.get("dialect")) or DEFAULT_DIALECT
        self.strict = settings.get("response_validation") == STRICT
        self._docs: dict[str, Doc] = {}

    def dialect_at(self, schema: Any) -> str:
        """A root schema's dialect: its ``$schema``, the ``$schema`` of the component its
        top-level ``$ref`` names, else the contract default."""
        seen = 0
        node = schema
        while isinstance(node, dict) and seen < 16:
            name = dialect_name(declared(node)) if declared(node) else None
            if name:
                return name
            ref = node.get("$ref")
            if not isinstance(ref, str) or not ref.startswith("#/components/schemas/"):
                break
            comps = (self.contract.norm.get("components") or {}).get("schemas") or {}
            node = comps.get(ref.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~"))
            seen += 1
        return self.default

    def doc(self, name: str) -> Doc:
        d = self._docs.get(name)
        if d is None:
            # one per contract and dialect, kept while the contract lives: in a log each
            # revision is the new side of one amendment and the old side of the next
            kept = _CONTRACT_DOCS.get(self.contract)
            if kept is None:
                kept = _CONTRACT_DOCS.setdefault(self.contract, {})
            d = kept.get(name)
            if d is None:
                # nullable (OpenAPI 3.0) is honoured for every schema of a contract
                marks = self._marks
                norm = self.contract.norm
                root = norm if marks is not None and "inner" not in marks else absolute_refs(norm)
                plain = marks is not None and "nullable" not in marks
                d = kept.setdefault(
                    name,
                    Doc(root, dialect(name, nullable=True), standalone=False, no_nullable=plain),
                )
            self._docs[name] = d
        return d


_CONTRACT_DOCS: weakref.WeakKeyDictionary[Contract, dict[str, Doc]] = weakref.WeakKeyDictionary()


class RootJudge:
    """Judges the facts found under one request, response or claims schema."""

    def __init__(self, old: SideDocs, new: SideDocs, direction: str, o_raw: tuple, n_raw: tuple,
                 o_schema: Any, n_schema: Any):  # fmt: skip
        self.direction = direction
        self.old_doc = old.doc(old.dialect_at(o_schema))
        self.new_doc = new.doc(new.dialect_at(n_schema))
        self.strict = new.strict
        self.o_raw, self.n_raw = o_raw, n_raw
        self.reasoner = Reasoner(budget=20_000)
        self.reasoner.format_dialect = self.new_doc.dialect  # its checker is built on first use
        self._root: dict[str, Relation] = {}
        self._local: dict[tuple, Relation] = {}
        self._base: dict[str, list] = {}

    # --- relations ------------------------------------------------------------------------

    def _subs(self, old_ptr: tuple, new_ptr: tuple, narrowing: bool) -> tuple[Sub, Sub]:
        o = Sub((Node(self.old_doc, old_ptr),))
        n = Sub((Node(self.new_doc, new_ptr),))
        return (o, n) if narrowing else (n, o)

    def root(self, narrowing: bool) -> Relation:
        """``narrowing``: old included in new? else new included in old?"""
        key = "fwd" if narrowing else "bwd"
        if key not in self._root:
            a, b = self._subs(self.o_raw, self.n_raw, narrowing)
            self._root[key] = included(self.reasoner, a, b)
        return self._root[key]

    def root_proved(self, narrowing: bool) -> bool:
        """Whether the whole-schema inclusion is proved (no witness search)."""
        key = "fwd" if narrowing else "bwd"
        if key in self._root:
            return self._root[key].compatible
        a, b = self._subs(self.o_raw, self.n_raw, narrowing)
        try:
            return self.reasoner.sub(a, b) is None
        except (Undecided, RecursionError):
            return False

    def local(self, pos: Position, narrowing: bool, matches: Any) -> Relation:
        key = (pos.old_ptr, pos.new_ptr, narrowing, id(matches))
        if key not in self._local:
            a, b = self._subs(pos.old_ptr, pos.new_ptr, narrowing)
            b_node = b.nodes[0]

            def rejects(value: Any) -> bool:
                errors = b_node.doc.errors(b_node.ptr, value)
                return bool(errors) and any(matches(e) for e in errors)

            self._local[key] = included(self.reasoner, a, b, rejects_b=rejects, limit=200)
        return self._local[key]

    def lift(self, pos: Position, narrowing: bool, value: Any) -> Any:
        """A whole-document witness with ``value`` at the position's instance path: first a
        valid document of the accepting side with the value put in place, then generated
        documents built around it."""
        if not pos.inst:
            return _Found(value)
        a, b = self._subs(self.o_raw, self.n_raw, narrowing)
        a_node, b_node = a.nodes[0], b.nodes[0]
        for base in self._bases(narrowing, a):
            placed = _place(base, pos.inst, value)
            try:
                if (
                    placed is not None
                    and a_node.is_valid(placed[0])
                    and not b_node.is_valid(placed[0])
                ):
                    return _Found(placed[0])
            except Undecided:
                continue
        rel = included(self.reasoner, a, b, pin=pos.inst, pin_value=value, limit=30)
        return _Found(rel.witness) if rel.incompatible else None

    def _bases(self, narrowing: bool, a: Sub) -> list:
        """A few valid documents of the accepting side (computed once per root)."""
        key = "fwd" if narrowing else "bwd"
        if key not in self._base:
            found = []
            try:
                gen = Candidates(self.reasoner)
                for value in gen.minimal(a):
                    if a.nodes[0].is_valid(value):
                        found.append(value)
                if not found:
                    for value in gen.of(a, None)[:20]:
                        if a.nodes[0].is_valid(value):
                            found.append(value)
                            break
            except (Undecided, RecursionError):
                pass
            self._base[key] = found
        return self._base[key]

    def prop_included(self, pos: Position, narrowing: bool) -> bool:
        """For an added or removed property: is the property's schema on the including side
        at least what the other side allowed under that name (closed objects, open ones)?"""
        if pos.prop is None:
            return False
        name, o_prop, n_prop = pos.prop
        try:
            o_eff = self._effective(self.old_doc, pos.old_ptr, name, o_prop)
            n_eff = self._effective(self.new_doc, pos.new_ptr, name, n_prop)
        except Undecided:
            return False
        a, b = (o_eff, n_eff) if narrowing else (n_eff, o_eff)
        try:
            return self.reasoner.sub(a, b) is None
        except (Undecided, RecursionError):
            return False

    def _effective(self, doc: Doc, ptr: tuple, name: str, prop: tuple | None) -> Sub:
        if prop is not None:
            return Sub((Node(doc, prop),))
        pieces = [p for p in self.reasoner.norm(Sub((Node(doc, ptr),))) if p.t == "object"]
        if len(pieces) != 1:
            raise Undecided("the object has several shapes")
        return self.reasoner.eff(pieces[0], name)

    # --- verdicts -------------------------------------------------------------------------

    def judge(self, item: Pending, table: dict[str, tuple]) -> Verdict:
        fact, d = item.fact, self.direction
        if fact in NOT_JUDGED or fact not in table:
            return Verdict()
        if d == "claims":
            return self._claims(item, table)
        narrowing = d == "request"
        return self._one(item, narrowing, table)

    def _one(self, item: Pending, narrowing: bool, table: dict[str, tuple]) -> Verdict:
        """``narrowing`` checks old included in new (request, issuer); else new in old."""
        fact, pos = item.fact, item.pos
        safe_kind = WIDENING if narrowing else NARROWING
        if pos.monotone and fact in safe_kind and not _oneof(item):
            return Verdict(severity="safe")
        if fact in PROPERTY_FACTS and pos.monotone and self.prop_included(pos, narrowing):
            return Verdict(severity="safe")
        matches = _matcher(item)
        local = self.local(pos, narrowing, matches)
        if local.compatible and pos.monotone:
            return Verdict(severity="safe")
        if local.incompatible:
            found = self.lift(pos, narrowing, local.witness)
            if found is not None:
                return Verdict(severity=self._severity(narrowing), witness=self._witness(
                    found.value, narrowing))  # fmt: skip
        if self.root_proved(narrowing):
            return Verdict(severity="safe", note="the schema as a whole accepts the same data")
        if local.incompatible:
            return Verdict(
                severity="risky",
                note=f"undecided: {_show(local.witness)} here is rejected, but no whole "
                "document showing it was found",
            )
        reason = local.reason or "not provable"
        return Verdict(severity="risky", note=f"undecided: {reason}")

    def _claims(self, item: Pending, table: dict[str, tuple]) -> Verdict:
        # narrowing breaks tokens already issued; the issuer is their only producer and issued
        # no claim its schema did not list, so a new optional claim does not narrow for it
        if item.fact == "property-added":
            issuer = Verdict(severity="safe")
        else:
            issuer = self._one(item, True, table)
        if issuer.witness is not None:
            return Verdict("breaking", issuer.witness, issuer.note, ("issuer",))
        readers = self._one(item, False, table)  # widening breaks relying parties
        if readers.witness is not None:
            severity = table[item.fact][5][0]
            severity = severity if severity in ("breaking", "risky") else "risky"
            return Verdict(severity, readers.witness, readers.note, ("relying_parties",))
        if issuer.severity == "safe" and readers.severity == "safe":
            return Verdict(severity="safe")
        note = issuer.note if issuer.severity != "safe" else readers.note
        return Verdict(severity="risky", note=note)

    def _severity(self, narrowing: bool) -> str:
        if narrowing:
            return "breaking"
        return "breaking" if self.strict else "risky"

    def _witness(self, value: Any, narrowing: bool) -> dict:
        return {
            "instance": value,
            "valid": "old" if narrowing else "new",
            "invalid": "new" if narrowing else "old",
        }

    def net(self, items: list[Pending]) -> list[tuple[bool, Relation]]:
        """When the differ saw no fact although the schemas differ (a change it cannot
        describe), the whole-schema relation speaks: ``(narrowing, relation)`` for each
        direction that needs a finding of its own. Facts that were all proved or widen by
        construction compose (each keyword is a conjunct), so they need none."""
        if items:
            return []
        out = []
        wanted = {"request": (True,), "response": (False,), "claims": (True, False)}
        for narrowing in wanted[self.direction]:
            rel = self.root(narrowing)
            if not rel.compatible:
                out.append((narrowing, rel))
        return out


def absolute_refs(data: dict) -> dict:
    """The contract with references a schema makes inside itself (draft-07 style
    ``#/definitions/X``) spelled from the contract root, so that both the prover and the
    validator resolve them; ``data`` itself is returned when there are none."""
    from workbench.contract.loader import iter_embedded_schemas

    out = data
    for raw, schema in list(iter_embedded_schemas(data)):
        new = _rewritten(schema, raw)  # the pointer is spelled only where needed
        if new is schema:
            continue
        if out is data:
            out = dict(data)
        node = out
        for part in raw[:-1]:
            node[part] = dict(node[part])
            node = node[part]
        node[raw[-1]] = new
    return out


# Rewritten schemas by identity and place: revisions read one after another share every
# schema an amendment did not touch (see contract.dialects). Two generations, bounded; an
# entry holds its schema, so its id is not reused meanwhile.
_MEMO_SIZE = 1 << 13  # a 2 MB description embeds about 3,900 schemas
_memo: list[dict[tuple[int, tuple], tuple[Any, Any]]] = [{}, {}]


def _rewritten(schema: Any, raw: tuple) -> Any:
    if not isinstance(schema, dict):
        return _rewrite(schema, schema, raw, 0)
    key = (id(schema), raw)
    current, previous = _memo
    hit = current.get(key) or previous.get(key)
    new = hit[1] if hit is not None and hit[0] is schema else _rewrite(schema, schema, raw, 0)
    if len(current) >= _MEMO_SIZE:
        _memo[:] = [{}, current]
        current = _memo[0]
    current[key] = (schema, new)
    return new


def _rewrite(node: Any, root: Any, prefix: tuple, depth: int) -> Any:
    """``node`` with its inner references spelled from the contract root (``prefix`` is the
    path of the schema holding them); ``node`` itself when nothing changes."""
    if depth > 200:
        return node
    if isinstance(node, list):
        items = [_rewrite(v, root, prefix, depth + 1) for v in node]
        return node if all(a is b for a, b in zip(items, node, strict=True)) else items
    if not isinstance(node, dict):
        return node
    out = None
    for key, value in node.items():
        if key in ("enum", "const", "default", "examples", "example"):
            continue
        if key == "$ref" and isinstance(value, str):
            inner = value.startswith("#/") and not value.startswith("#/components/")
            if inner and follow_pointer(root, value) is not None:
                out = out or dict(node)
                out[key] = "#" + pointer(prefix) + value[1:]
            continue
        new = _rewrite(value, root, prefix, depth + 1)
        if new is not value:
            out = out or dict(node)
            out[key] = new
    return node if out is None else out


def _place(doc: Any, path: tuple, value: Any) -> tuple[Any] | None:
    """A copy of ``doc`` with ``value`` at instance ``path`` (missing objects are created;
    ``ANY_NAME`` is a property no schema lists, or the next array item)."""
    if not path:
        return (value,)
    step, rest = path[0], path[1:]
    if isinstance(doc, dict):
        key = "x_witness" if step == ANY_NAME else step
        if not isinstance(key, str):
            return None
        inner = _place(doc.get(key, {} if rest else None), rest, value)
        return None if inner is None else ({**doc, key: inner[0]},)
    if isinstance(doc, list):
        index = len(doc) if step == ANY_NAME else step
        if not isinstance(index, int) or index > len(doc):
            return None
        current = doc[index] if index < len(doc) else ({} if rest else None)
        inner = _place(current, rest, value)
        if inner is None:
            return None
        return ([*doc[:index], inner[0], *doc[index + 1 :]],)
    if doc is None and rest == () and isinstance(step, str):
        return None
    return None


@dataclass(slots=True)
class _Found:
    value: Any


def _oneof(item: Pending) -> bool:
    """Changes to oneOf alternatives are not monotone (a wider branch can overlap another)."""
    return "oneOf" in str(item.kwargs.get("edit_key", ""))


def _matcher(item: Pending):
    """Which validation errors of the including side show this fact's change."""
    fact = item.fact
    kw = item.kwargs

    if fact.startswith("bound-"):
        keys = PAIRED.get(str(kw.get("keyword")), (kw.get("keyword"),))
        return lambda e: e.validator in keys and not e.absolute_path
    if fact in KEYWORDS:
        keys = KEYWORDS[fact]
        return lambda e: (e.validator in keys or e.validator is None) and not e.absolute_path
    name = kw.get("edit_prop")
    if name is not None:

        def by_name(e: Any) -> bool:
            path = list(e.absolute_path)
            if path and path[0] == name:
                return True
            if not path and e.validator in ("required", "dependentRequired", "dependencies"):
                return repr(name) in e.message
            if not path and e.validator in ("additionalProperties", "unevaluatedProperties"):
                return repr(name) in e.message
            return False

        return by_name
    return lambda e: True


def instance_step(kind: str, name: Any = None) -> Any:
    """The instance path step of a subschema position."""
    if kind == "properties":
        return name
    if kind == "prefixItems":
        return name
    return ANY_NAME


def _show(value: Any) -> str:
    import json

    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
