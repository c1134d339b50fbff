"""Sound inclusion proofs over the canonical form.

:meth:`Reasoner.sub` answers ``None`` only when every instance of ``A`` is an instance of
``B``; otherwise it returns the reason it could not prove it (which is not a proof of the
contrary: witnesses do that). The left side may be over-approximated (constraints it cannot
model are dropped), the right side never: a constraint on the right that is not understood
must appear identically on the left.
"""

from __future__ import annotations

import json
import re
from typing import Any

from workbench.engine.inclusion.nodes import KwNode, Node, Undecided
from workbench.engine.inclusion.normal import (
    ANY,
    TYPES,
    Model,
    Piece,
    Sub,
    base,
    empty,
    frac,
    int_bounds,
    is_number,
    json_type,
    meet,
    meet_all,
    replace,
    top,
    vkey,
)

_ANCHORS = re.compile(r"\\[AbBZz]|[$^]|\(\?[=!<]")
_SIMPLE = ("type", "$bool", "$ref")


def universal_pattern(p: str) -> bool:
    """A pattern every string matches (``re.search`` semantics): it matches the empty string
    and has no anchors or lookarounds, so it matches at position 0 of any string."""
    if _ANCHORS.search(p.replace("\\\\", "")):
        return p in _UNIVERSAL_ANCHORED
    try:
        return re.search(p, "") is not None
    except re.error:
        return False


_UNIVERSAL_ANCHORED = frozenset(
    ("^", "$", "^.*", ".*$", "^[\\s\\S]*$", "^[\\s\\S]*", "[\\s\\S]*$", "^[\\S\\s]*$")
)


_ANNOTATIONS = frozenset(
    ("type", "enum", "const", "title", "description", "default", "examples", "example",
     "deprecated", "readOnly", "writeOnly", "$comment", "nullable")
)  # fmt: skip
_TYPE_NAMES = frozenset(("null", "boolean", "number", "integer", "string", "array", "object"))


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int)  # bool is an int


def _same(a: Any, b: Any) -> bool:
    """JSON equality of two plain values (``True`` is not ``1``), as the validator has it."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _typed(value: Any, name: str) -> bool:
    if value is None:
        return name == "null"
    if isinstance(value, bool):
        return name == "boolean"
    if isinstance(value, int):
        return name in ("integer", "number")
    return name == "string"


def enum_accepts(schema: Any, vocabulary: frozenset[str], value: Any) -> bool | None:
    """The validator's answer for ``value`` under ``schema``, worked out without building a
    validator where that is plain: the schema is an ``enum`` (and ``const``, where the dialect
    has it) with at most a ``type`` of known names beside it, annotations and ``x-``
    extensions aside, and the value and every listed value are null, strings, booleans or
    integers (no floats: ``1.0`` and ``integer`` differ by dialect). Then acceptance is a type
    test and JSON equality. ``None`` where the validator must be asked."""
    if not isinstance(schema, dict) or not _plain(value) or "enum" not in schema:
        return None
    for key in schema:
        if key not in _ANNOTATIONS and not (isinstance(key, str) and key.startswith("x-")):
            return None
    enum = schema["enum"]
    if not isinstance(enum, list) or not all(_plain(x) for x in enum):
        return None
    const = "const" in schema and "const" in vocabulary
    if const and not _plain(schema["const"]):
        return None
    t = schema.get("type")
    if t is not None:
        names = [t] if isinstance(t, str) else t if isinstance(t, list) else [None]
        if not all(isinstance(n, str) and n in _TYPE_NAMES for n in names):
            return None
        if not any(_typed(value, n) for n in names):
            return False
    if const and not _same(value, schema["const"]):
        return False
    return any(_same(value, x) for x in enum)


def _valid(node: Node, value: Any) -> bool:
    """``node.is_valid(value)``, without a validator where :func:`enum_accepts` knows."""
    try:
        known = enum_accepts(node.value, node.doc.dialect.vocabulary, value)
    except (KeyError, IndexError, ValueError, TypeError):  # the validator reports it
        known = None
    return known if known is not None else node.is_valid(value)


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


class Reasoner:
    """Normalises schemas and proves inclusions; one per pair of documents."""

    def __init__(self, budget: int = 50_000):
        self.budget = budget
        self._norm: dict[tuple, list[Piece]] = {}
        self._stack: set[tuple] = set()
        self._proved: set[tuple] = set()
        self._failed: dict[tuple, str] = {}
        self._assuming: set[tuple] = set()
        self._used_assumption = False

    def tick(self) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise Undecided("the schemas are too large to compare exhaustively")

    # --- normalisation --------------------------------------------------------------------

    def norm(self, sub: Sub) -> list[Piece]:
        if not sub.nodes:
            return top()
        pieces = self.norm_node(sub.nodes[0])
        for node in sub.nodes[1:]:
            if not pieces:
                return []
            pieces = meet_all(pieces, self.norm_node(node))
        return pieces

    def norm_node(self, node: Node | KwNode) -> list[Piece]:
        key = node.key
        hit = self._norm.get(key)
        if hit is not None:
            return hit
        if key in self._stack:
            raise Undecided("a schema refers to itself without describing any data in between")
        self._stack.add(key)
        try:
            self.tick()
            pieces = self._normalise(node)
        finally:
            self._stack.discard(key)
        self._norm[key] = pieces
        return pieces

    def _normalise(self, node: Node | KwNode) -> list[Piece]:
        kw = node.kw()
        if "$bool" in kw:
            return top() if kw["$bool"] else []
        doc = node.doc
        pieces = self._types(kw.get("type"))
        if not doc.dialect.integral_floats:
            pieces = [replace(p, int_only=True) if p.integral else p for p in pieces]
        if isinstance(kw.get("$ref"), str):
            target = Node(doc, doc.resolve(kw["$ref"], getattr(node, "ptr", ())))
            pieces = meet_all(pieces, self.norm_node(target))
        for keyword in ("$dynamicRef", "$recursiveRef"):
            if keyword in kw:
                raise Undecided(f"{keyword} is not supported")
        pieces = [self._constrain(p, kw, node) for p in pieces]
        pieces = [p for p in pieces if not empty(p)]
        if "enum" in kw or "const" in kw:
            values = list(kw["enum"]) if isinstance(kw.get("enum"), list) else None
            if "const" in kw:
                values = (
                    [kw["const"]]
                    if values is None
                    else [v for v in values if vkey(v) == vkey(kw["const"])]
                )
            pieces = self._finite(pieces, values or [], doc)
        for key in ("allOf", "anyOf", "oneOf"):
            parts = kw.get(key)
            if not isinstance(parts, list):
                continue
            if key == "allOf":
                for part in parts:
                    pieces = meet_all(pieces, self.norm_node(part))
            else:
                branches = [self.norm_node(part) for part in parts]
                union = [p for b in branches for p in b]
                pieces = meet_all(pieces, union)
                if key == "oneOf" and not self._disjoint(branches):
                    pieces = self._extra(pieces, ("oneOf", _key(parts)), ("oneOf", parts))
        if "not" in kw:
            pieces = self._negate(pieces, kw["not"])
        if "if" in kw and ("then" in kw or "else" in kw):
            pieces = self._conditional(pieces, kw)
        if node.validatable:
            pieces = [self._filter(p, node) for p in pieces]
        return [p for p in pieces if not empty(p)]

    @staticmethod
    def _types(t: Any) -> list[Piece]:
        if t is None:
            return top()
        names = [t] if isinstance(t, str) else [x for x in t if isinstance(x, str)]
        if "number" in names:
            names = [n for n in names if n != "integer"]
        return [base(n) for n in dict.fromkeys(names) if n in (*TYPES, "integer")]

    def _constrain(self, p: Piece, kw: dict, node: Any) -> Piece:
        q = self._keywords(Piece(p.t), kw, node)
        return meet(p, q) if q != Piece(p.t) else p

    def _keywords(self, p: Piece, kw: dict, node: Any) -> Piece:
        doc = node.doc
        if p.t == "number":
            lo, lo_x, hi, hi_x = p.lo, p.lo_x, p.hi, p.hi_x
            for key, x in (("minimum", False), ("exclusiveMinimum", True)):
                v = kw.get(key)
                if is_number(v):
                    f = frac(v)
                    if lo is None or f > lo or (f == lo and x):
                        lo, lo_x = f, x
            for key, x in (("maximum", False), ("exclusiveMaximum", True)):
                v = kw.get(key)
                if is_number(v):
                    f = frac(v)
                    if hi is None or f < hi or (f == hi and x):
                        hi, hi_x = f, x
            mults, integral = p.mults, p.integral
            m = kw.get("multipleOf")
            if is_number(m) and m > 0:
                mults = (*mults, m)
                # a multiple of an integer is integral, which 1.0-is-an-integer dialects accept
                if isinstance(m, int) and doc.dialect.integral_floats:
                    integral = True
            return replace(p, lo=lo, lo_x=lo_x, hi=hi, hi_x=hi_x, mults=mults, integral=integral)
        if p.t == "string":
            mn, mx = p.min_len, p.max_len
            if _count(kw.get("minLength")) is not None:
                mn = max(mn, kw["minLength"])
            if _count(kw.get("maxLength")) is not None:
                mx = kw["maxLength"] if mx is None else min(mx, kw["maxLength"])
            patterns = p.patterns
            if isinstance(kw.get("pattern"), str):
                patterns = (*patterns, kw["pattern"])
            formats = p.formats
            if isinstance(kw.get("format"), str):
                formats = (*formats, kw["format"])
            out = replace(p, min_len=mn, max_len=mx, patterns=patterns, formats=formats)
            if mx == 0 and out.values is None:
                out = replace(out, values=("",))
            return out
        if p.t == "array":
            mn, mx = p.min_items, p.max_items
            if _count(kw.get("minItems")) is not None:
                mn = max(mn, kw["minItems"])
            if _count(kw.get("maxItems")) is not None:
                mx = kw["maxItems"] if mx is None else min(mx, kw["maxItems"])
            prefix = tuple(Sub((n,)) for n in kw.get("prefixItems") or ())
            items = Sub((kw["items"],)) if "items" in kw else ANY
            out = replace(
                p,
                min_items=mn,
                max_items=mx,
                prefix=prefix,
                items=items,
                unique=p.unique or kw.get("uniqueItems") is True,
            )
            if "contains" in kw:
                lo = _count(kw.get("minContains"))
                hi = _count(kw.get("maxContains"))
                if "minContains" not in doc.dialect.vocabulary:
                    lo, hi = None, None
                lo = 1 if lo is None else lo
                out = replace(out, contains=(*out.contains, (Sub((kw["contains"],)), lo, hi)))
            if "unevaluatedItems" in kw:
                out = _add_extra(out, ("unevaluatedItems", _key([node])), ("opaque", node))
            return out
        if p.t == "object":
            props = tuple((str(k), Sub((v,))) for k, v in (kw.get("properties") or {}).items())
            patterns = tuple(
                (str(k), Sub((v,))) for k, v in (kw.get("patternProperties") or {}).items()
            )
            additional = Sub((kw["additionalProperties"],)) if "additionalProperties" in kw else ANY
            out = p
            if "unevaluatedProperties" in kw:
                simple = not any(
                    k in kw for k in ("allOf", "anyOf", "oneOf", "not", "if", "$ref",
                                      "dependentSchemas", "additionalProperties")
                )  # fmt: skip
                if simple:
                    additional = Sub((kw["unevaluatedProperties"],))
                else:
                    out = _add_extra(out, ("unevaluated", _key([node])), ("opaque", node))
            if props or patterns or additional.nodes:
                out = replace(out, models=(*out.models, Model(props, patterns, additional)))
            req = kw.get("required")
            if isinstance(req, list):
                out = replace(out, required=out.required | {str(r) for r in req})
            if _count(kw.get("minProperties")) is not None:
                out = replace(out, min_props=max(out.min_props, kw["minProperties"]))
            if _count(kw.get("maxProperties")) is not None:
                mx = kw["maxProperties"]
                out = replace(
                    out, max_props=mx if out.max_props is None else min(mx, out.max_props)
                )
            if "propertyNames" in kw:
                out = replace(out, names=out.names & Sub((kw["propertyNames"],)))
            deps = kw.get("dependentRequired")
            if isinstance(deps, dict):
                merged = dict(out.dep_required)
                for k, names in deps.items():
                    if isinstance(names, list):
                        merged[str(k)] = merged.get(str(k), frozenset()) | {str(n) for n in names}
                out = replace(out, dep_required=tuple(merged.items()))
            dschemas = kw.get("dependentSchemas")
            if isinstance(dschemas, dict) and dschemas:
                out = _add_extra(
                    out,
                    ("dependentSchemas", _key(list(dschemas.values()), list(dschemas))),
                    ("dependentSchemas", dschemas),
                )
            return out
        return p

    def _finite(self, pieces: list[Piece], values: list, doc: Any) -> list[Piece]:
        out = []
        for p in pieces:
            mine = [v for v in values if json_type(v) == p.t]
            if p.t == "number" and p.integral:
                mine = [
                    v for v in mine if _integral(v, doc) and (isinstance(v, int) or not p.int_only)
                ]
            if p.values is not None:
                keys = {vkey(v) for v in p.values}
                mine = [v for v in mine if vkey(v) in keys]
            if mine:
                out.append(replace(p, values=_dedupe(mine)))
        return out

    def _filter(self, p: Piece, node: Node) -> Piece:
        """A finite piece keeps only the values its own schema accepts (exact, by validator)."""
        if p.values is None:
            return p
        return replace(p, values=tuple(v for v in p.values if _valid(node, v)))

    def _disjoint(self, branches: list[list[Piece]]) -> bool:
        for i, a in enumerate(branches):
            for b in branches[i + 1 :]:
                for pa in a:
                    for pb in b:
                        if pa.t == pb.t and not self._pieces_disjoint(pa, pb, 0):
                            return False
        return True

    def _pieces_disjoint(self, a: Piece, b: Piece, depth: int) -> bool:
        if a.values is not None and b.values is not None:
            return not ({vkey(v) for v in a.values} & {vkey(v) for v in b.values})
        for x, y in ((a, b), (b, a)):
            if x.values is not None:
                return all(self.piece_accepts(y, v) is False for v in x.values)
        if a.t == "number":
            return _below(a, b) or _below(b, a)
        if a.t == "object" and depth < 3:
            for name in a.required:
                eb = self.eff(b, name)
                if name in b.required:
                    pa, pb = self.norm(self.eff(a, name)), self.norm(eb)
                    if all(
                        x.t != y.t or self._pieces_disjoint(x, y, depth + 1) for x in pa for y in pb
                    ):
                        return True
                elif not self.norm(eb):
                    return True
            for name in b.required:
                if name not in a.required and not self.norm(self.eff(a, name)):
                    return True
        return False

    def _negate(self, pieces: list[Piece], child: Any) -> list[Piece]:
        neg = self.norm_node(child)
        if not neg:
            return pieces
        out = pieces
        opaque = False
        for n in neg:
            if n.extras or n.excluded:
                opaque = True
                break
            if n.values is not None and n.t not in ("null", "boolean"):
                out = [replace(p, excluded=_dedupe([*p.excluded, *n.values])) if p.t == n.t else p
                       for p in out]  # fmt: skip
                continue
            if n.t in ("null", "boolean"):
                keys = {vkey(v) for v in n.values or ()}
                kept = []
                for p in out:
                    if p.t == n.t and p.values is not None:
                        p = replace(p, values=tuple(v for v in p.values if vkey(v) not in keys))
                    kept.append(p)
                out = kept
                continue
            if n == base(n.t) or (n.t == "number" and n == Piece("number")):
                out = [p for p in out if p.t != n.t]
                continue
            if n.t == "number" and not n.integral and not n.mults:
                bounds = [x for x in ((n.lo, n.lo_x), (n.hi, n.hi_x)) if x[0] is not None]
                if len(bounds) == 1:
                    kept = []
                    for p in out:
                        if p.t == "number":
                            if n.lo is not None:
                                p = _cap_hi(p, n.lo, not n.lo_x)
                            else:
                                p = _cap_lo(p, n.hi, not n.hi_x)
                        kept.append(p)
                    out = kept
                    continue
            opaque = True
            break
        if opaque:
            return self._extra(pieces, ("not", _key([child])), ("not", child))
        return [p for p in out if not empty(p)]

    def _conditional(self, pieces: list[Piece], kw: dict) -> list[Piece]:
        """``if``/``then``/``else`` as ``(if and then) or (not if and else)`` when ``not if``
        has an exact canonical form; otherwise an opaque constraint."""
        cond = self.norm_node(kw["if"])
        neg = self._negate(top(), kw["if"])
        if not any(k[0] == "not" for p in neg for k, _ in p.extras):
            yes = cond if kw.get("then") is None else meet_all(cond, self.norm_node(kw["then"]))
            no = neg if kw.get("else") is None else meet_all(neg, self.norm_node(kw["else"]))
            return meet_all(pieces, yes + no)
        parts = [kw["if"], kw.get("then"), kw.get("else")]
        return self._extra(pieces, ("if", _key(parts)), ("if", tuple(parts)))

    @staticmethod
    def _extra(pieces: list[Piece], key: tuple, payload: tuple) -> list[Piece]:
        return [_add_extra(p, key, payload) for p in pieces]

    # --- membership -----------------------------------------------------------------------

    def accepts(self, sub: Sub, value: Any) -> bool:
        """Whether every node of ``sub`` accepts ``value`` (exact; Undecided when unknown)."""
        for node in sub.nodes:
            if node.validatable:
                if not _valid(node, value):
                    return False
                continue
            pieces = self.norm_node(node)
            answers = [self.piece_accepts(p, value) for p in pieces]
            if True in answers:
                continue
            if None in answers:
                raise Undecided("cannot tell whether a value is accepted")
            return False
        return True

    def piece_accepts(self, p: Piece, v: Any) -> bool | None:
        t = json_type(v)
        if t != p.t:
            return False
        if p.values is not None and vkey(v) not in {vkey(x) for x in p.values}:
            return False
        if vkey(v) in {vkey(x) for x in p.excluded}:
            return False
        if p.extras:
            return None
        try:
            return self._core_accepts(p, v)
        except Undecided:
            return None

    # the checker of ``format`` keywords: set directly, or named by ``format_dialect`` and
    # built on first use (building it imports jsonschema, which most comparisons never need)
    _format_checker: Any = None
    format_dialect: Any = None

    @property
    def format_checker(self) -> Any:
        if self._format_checker is None and self.format_dialect is not None:
            from workbench.engine.inclusion.formats import format_checker

            self._format_checker = format_checker(self.format_dialect.validator_class)
        return self._format_checker

    @format_checker.setter
    def format_checker(self, checker: Any) -> None:
        self._format_checker = checker

    def _core_accepts(self, p: Piece, v: Any) -> bool:
        if p.t == "number":
            if p.int_only and not isinstance(v, int):
                return False
            if p.integral and not (isinstance(v, int) or float(v).is_integer()):
                return False
            f = frac(v)
            if p.lo is not None and (f < p.lo or (p.lo_x and f == p.lo)):
                return False
            if p.hi is not None and (f > p.hi or (p.hi_x and f == p.hi)):
                return False
            for m in p.mults:
                if isinstance(m, float) or isinstance(v, float):
                    q = v / m
                    try:
                        if int(q) != q:
                            return False
                    except (OverflowError, ValueError):
                        return False
                elif v % m:
                    return False
            return True
        if p.t == "string":
            if len(v) < p.min_len or (p.max_len is not None and len(v) > p.max_len):
                return False
            for name in p.formats:
                checker = self.format_checker
                if checker is None or name not in checker.checkers:
                    raise Undecided(f"format {name!r} cannot be checked")
                if not checker.conforms(v, name):
                    return False
            return all(re.search(pat, v) for pat in p.patterns)
        if p.t == "array":
            if len(v) < p.min_items or (p.max_items is not None and len(v) > p.max_items):
                return False
            if p.unique and len({vkey(x) for x in v}) != len(v):
                return False
            if not all(self.accepts(p.item(i), x) for i, x in enumerate(v)):
                return False
            for sub, lo, hi in p.contains:
                n = sum(1 for x in v if self.accepts(sub, x))
                if n < lo or (hi is not None and n > hi):
                    return False
            return True
        if p.t == "object":
            if not p.required <= set(v):
                return False
            if len(v) < p.min_props or (p.max_props is not None and len(v) > p.max_props):
                return False
            for k, names in p.dep_required:
                if k in v and not names <= set(v):
                    return False
            for k, x in v.items():
                if p.names.nodes and not self.accepts(p.names, k):
                    return False
                if not self.accepts(self.eff(p, k), x):
                    return False
            return True
        return True

    # --- objects --------------------------------------------------------------------------

    def eff(self, p: Piece, name: str) -> Sub:
        """The schema a property called ``name`` must satisfy in object piece ``p``: its
        ``properties`` entry and every matching ``patternProperties`` entry, else the
        ``additionalProperties`` schema."""
        out = ANY
        for m in p.models:
            s = m.prop(name)
            matched = [sub for pat, sub in m.patterns if _search(pat, name)]
            if s is None and not matched:
                out = out & m.additional
                continue
            if s is not None:
                out = out & s
            for sub in matched:
                out = out & sub
        return out

    def rest(self, p: Piece) -> Sub:
        """The schema of a property no model lists and no pattern matches."""
        out = ANY
        for m in p.models:
            out = out & m.additional
        return out

    # --- inclusion ------------------------------------------------------------------------

    def sub(self, a: Sub, b: Sub) -> str | None:
        """None when every instance of ``a`` is one of ``b`` (proved), else the reason not."""
        if not b.nodes:
            return None
        if a.key == b.key:
            return None
        key = (a.key, b.key)
        if key in self._proved:
            return None
        if key in self._failed:
            return self._failed[key]
        if key in self._assuming:
            self._used_assumption = True
            return None  # co-inductive hypothesis on recursive schemas (guarded positions)
        self.tick()
        self._assuming.add(key)
        outer = self._used_assumption
        self._used_assumption = False
        try:
            reason = self._sub(a, b)
        except Undecided as exc:
            reason = str(exc)
        finally:
            self._assuming.discard(key)
        if reason is None:
            if not self._used_assumption:
                self._proved.add(key)
        else:
            self._failed[key] = reason
        self._used_assumption = self._used_assumption or outer
        return reason

    def _sub(self, a: Sub, b: Sub) -> str | None:
        left = self.norm(a)
        right = None
        for pa in left:
            if empty(pa):
                continue
            if pa.values is not None:
                for v in pa.values:
                    if not self.accepts(b, v):
                        return f"the value {_show(v)} is no longer accepted"
                continue
            if right is None:
                right = self.norm(b)
            if pa.t == "object" and any(self._never(self.eff(pa, n)) for n in pa.required):
                continue  # requires a property it forbids: accepts nothing
            same = [pb for pb in right if pb.t == pa.t]
            if not same:
                return f"{_kind(pa)} values are no longer accepted"
            reason = self._covered(pa, same)
            if reason is not None:
                return reason
        return None

    def _covered(self, pa: Piece, same: list[Piece]) -> str | None:
        reasons = []
        for pb in same:
            r = self.piece_sub(pa, pb)
            if r is None:
                return None
            reasons.append(r)
        if len(same) > 1 and pa.t == "object":
            for parts in self._split(pa):
                if all(self._covered(part, same) is None for part in parts):
                    return None
        return reasons[0]

    def _split(self, p: Piece):
        """Case splits of an object piece on a required property with a few possible values
        (a discriminator), one piece per value."""
        for name in sorted(p.required):
            try:
                pieces = self.norm(self.eff(p, name))
            except Undecided:
                continue
            if not pieces or any(x.values is None for x in pieces):
                continue
            values = [v for x in pieces for v in x.values]
            if not 1 < len(values) <= 16:
                continue
            parts = []
            for v in values:
                node = KwNode(_CONST_DOC, {"const": v}, ("const", _canon(v)))
                model = Model(props=((name, Sub((node,))),))
                parts.append(replace(p, models=(*p.models, model)))
            yield parts

    def piece_sub(self, a: Piece, b: Piece) -> str | None:
        if b.values is not None:
            return f"only {len(b.values)} {_kind(b)} value(s) remain accepted"
        for v in b.excluded:
            if self.piece_accepts(a, v) is not False:
                return f"the value {_show(v)} is excluded"
        have = {k for k, _ in a.extras}
        for k, payload in b.extras:
            if k not in have:
                return f"a {payload[0]} constraint is not provably implied"
        return getattr(self, f"_sub_{a.t}")(a, b)

    def _sub_number(self, a: Piece, b: Piece) -> str | None:
        if (
            not a.integral
            and a.lo is not None
            and a.lo == a.hi
            and not (a.lo_x or a.hi_x)
            and a.lo.denominator == 1
            and not a.mults
        ):
            a = replace(a, integral=True)
        if b.integral and not a.integral:
            return "non-integer numbers are no longer accepted"
        if b.int_only and not a.int_only:
            return "integral numbers written with a fraction (1.0) are no longer accepted"
        if a.integral:
            alo, ahi = int_bounds(a)
            blo, bhi = int_bounds(b) if b.integral else (None, None)
            lo_ok = b.lo is None or (
                alo is not None
                and (alo > b.lo or (alo == b.lo and not b.lo_x))
                and (blo is None or alo >= blo)
            )
            hi_ok = b.hi is None or (
                ahi is not None
                and (ahi < b.hi or (ahi == b.hi and not b.hi_x))
                and (bhi is None or ahi <= bhi)
            )
        else:
            lo_ok = b.lo is None or (
                a.lo is not None and (a.lo > b.lo or (a.lo == b.lo and (a.lo_x or not b.lo_x)))
            )
            hi_ok = b.hi is None or (
                a.hi is not None and (a.hi < b.hi or (a.hi == b.hi and (a.hi_x or not b.hi_x)))
            )
        if not lo_ok:
            return "the lower bound rises"
        if not hi_ok:
            return "the upper bound falls"
        for mb in b.mults:
            if not any(_divides(ma, mb) for ma in a.mults) and not (a.integral and _one(mb)):
                return f"multipleOf {mb} is not implied"
        return None

    def _sub_string(self, a: Piece, b: Piece) -> str | None:
        if a.min_len < b.min_len:
            return "the minimum length rises"
        if b.max_len is not None and (a.max_len is None or a.max_len > b.max_len):
            return "the maximum length falls"
        for pat in b.patterns:
            if pat not in a.patterns and not universal_pattern(pat):
                return f"pattern {pat!r} is not provably implied"
        for f in b.formats:
            if f not in a.formats:
                return f"format {f!r} is not implied"
        return None

    def _sub_array(self, a: Piece, b: Piece) -> str | None:
        if self._never(a.items):
            cap = len(a.prefix) if a.max_items is None else min(a.max_items, len(a.prefix))
            a = replace(a, max_items=cap)
        if b.max_items is None and self._never(b.items):
            b = replace(b, max_items=len(b.prefix))
        if a.min_items < b.min_items:
            return "the minimum number of items rises"
        if b.max_items is not None and (a.max_items is None or a.max_items > b.max_items):
            return "the maximum number of items falls"
        if b.unique and not a.unique and not (a.max_items is not None and a.max_items <= 1):
            return "items must now be unique"
        n = max(len(a.prefix), len(b.prefix))
        for i in range(n):
            if a.max_items is not None and i >= a.max_items:
                return None
            r = self.sub(a.item(i), b.item(i))
            if r is not None:
                return f"item {i}: {r}"
        if a.max_items is None or a.max_items > n:
            r = self.sub(a.items, b.items)
            if r is not None:
                return f"items: {r}"
        for sb, lo, hi in b.contains:
            if lo == 0 and hi is None:
                continue
            ok = False
            for sa, alo, ahi in a.contains:
                counts = alo >= lo and (hi is None or (ahi is not None and ahi <= hi))
                if counts and self.sub(sa, sb) is None:
                    ok = True
                    break
            if not ok and hi is None and a.min_items >= lo and not a.prefix:
                ok = self.sub(a.items, sb) is None
            if not ok:
                return "a contains constraint is not provably implied"
        return None

    def _sub_object(self, a: Piece, b: Piece) -> str | None:
        missing = sorted(b.required - a.required)
        if missing:
            return f"property {missing[0]!r} is now required"
        if a.min_props < b.min_props and len(a.required) < b.min_props:
            return "the minimum number of properties rises"
        if b.max_props is not None and (a.max_props is None or a.max_props > b.max_props):
            return "the maximum number of properties falls"
        for name in dict.fromkeys([*a.listed(), *b.listed()]):
            r = self.sub(self.eff(a, name), self.eff(b, name))
            if r is not None:
                return f"property {name!r}: {r}"
        a_pat, b_pat = a.pattern_list(), b.pattern_list()
        a_closed = not a_pat and self._never(self.rest(a))
        if not a_closed:
            if not a_pat and not b_pat:
                r = self.sub(self.rest(a), self.rest(b))
                if r is not None:
                    return f"other properties: {r}"
            elif not (not b_pat and not self.rest(b).nodes):
                if set(a_pat) != set(b_pat):
                    return "patternProperties differ"
                for pat in dict.fromkeys(b_pat):
                    sa = _conj(s for m in a.models for p, s in m.patterns if p == pat)
                    sb = _conj(s for m in b.models for p, s in m.patterns if p == pat)
                    r = self.sub(sa, sb)
                    if r is not None:
                        return f"properties matching {pat!r}: {r}"
                r = self.sub(self.rest(a), self.rest(b))
                if r is not None:
                    return f"other properties: {r}"
        if b.names.nodes and self.sub(a.names, b.names) is not None:
            if a_pat or not a_closed:
                return "propertyNames is not provably implied"
            for name in a.listed():
                if not self._never(self.eff(a, name)) and not self.accepts(b.names, name):
                    return f"the property name {name!r} is no longer allowed"
        a_deps = dict(a.dep_required)
        for k, names in b.dep_required:
            if names <= a.required or names <= a_deps.get(k, frozenset()):
                continue
            if k not in a.required and self._never(self.eff(a, k)):
                continue
            return f"properties {sorted(names)} are now required with {k!r}"
        return None

    def _never(self, sub: Sub) -> bool:
        try:
            return not self.norm(sub)
        except Undecided:
            return False


class _ConstDoc:
    """The document of assembled ``const`` schemas (case splits): 2020-12 semantics."""

    @property
    def dialect(self) -> Any:
        from workbench.contract.dialects import dialect

        return dialect("2020-12")


_CONST_DOC = _ConstDoc()


def _below(a: Piece, b: Piece) -> bool:
    """Every number of ``a`` is below every number of ``b``."""
    if a.hi is None or b.lo is None:
        return False
    return a.hi < b.lo or (a.hi == b.lo and (a.hi_x or b.lo_x))


def _conj(subs) -> Sub:
    out = ANY
    for s in subs:
        out = out & s
    return out


def _add_extra(p: Piece, key: tuple, payload: tuple) -> Piece:
    return replace(p, extras=(*p.extras, (key, payload)))


def _key(nodes: list, names: list | None = None) -> str:
    """An identity for an opaque constraint: its JSON text when it has no references, else
    the node positions (equal only within one document)."""
    parts = []
    for n in nodes:
        if n is None:
            parts.append(None)
            continue
        value = n.value
        text = _canon(value) if value is not None else None
        if text is None or '"$ref"' in text:
            parts.append(repr(n.key))
        else:
            parts.append(text)
    return _canon([parts, names])


def _count(v: Any) -> int | None:
    if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
        return v
    if isinstance(v, float) and v.is_integer() and v >= 0:
        return int(v)
    return None


def _integral(v: Any, doc: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    return isinstance(v, float) and v.is_integer() and doc.dialect.integral_floats


def _dedupe(values: list) -> tuple:
    seen: dict[Any, Any] = {}
    for v in values:
        seen.setdefault(vkey(v), v)
    return tuple(seen.values())


def _divides(ma: Any, mb: Any) -> bool:
    """Every multiple of ``ma`` is a multiple of ``mb`` (by the validator's arithmetic)."""
    if ma == mb and type(ma) is type(mb):
        return True
    ia = isinstance(ma, int) or (isinstance(ma, float) and ma.is_integer())
    ib = isinstance(mb, int)
    if ia and ib:
        return int(ma) % mb == 0
    return False


def _one(m: Any) -> bool:
    return isinstance(m, int) and m == 1


def _search(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        raise Undecided(f"pattern {pattern!r} is not a regular expression Python reads") from None


def _cap_hi(p: Piece, value: Any, exclusive: bool) -> Piece:
    if p.hi is None or value < p.hi or (value == p.hi and exclusive):
        return replace(p, hi=value, hi_x=exclusive)
    return p


def _cap_lo(p: Piece, value: Any, exclusive: bool) -> Piece:
    if p.lo is None or value > p.lo or (value == p.lo and exclusive):
        return replace(p, lo=value, lo_x=exclusive)
    return p


def _kind(p: Piece) -> str:
    if p.t == "number" and p.integral:
        return "integer"
    return p.t


def _show(v: Any) -> str:
    text = json.dumps(v, sort_keys=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."
