"""The canonical form: a schema is a union of *pieces*, each restricted to one JSON type
(``null``, ``boolean``, ``number`` with an ``integral`` flag, ``string``, ``array``,
``object``) and carrying that type's constraints only. Subschemas stay lazy (:class:`Sub`, a
conjunction of nodes) so that recursive schemas are only unfolded as far as a question needs.

Values are compared as JSON values: ``1`` equals ``1.0``, ``true`` is not ``1``, object key
order does not matter (:func:`vkey`).
"""

from __future__ import annotations

import dataclasses
import math
import operator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

TYPES = ("null", "boolean", "number", "string", "array", "object")


def vkey(value: Any) -> Any:
    """A hashable key equal for equal JSON values (``1 == 1.0``, ``True != 1``)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int):
        return ("n", value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return ("n", int(value))
        return ("n", value)
    if isinstance(value, list | tuple):
        return ("a", tuple(vkey(v) for v in value))
    if isinstance(value, dict):
        return ("o", frozenset((str(k), vkey(v)) for k, v in value.items()))
    return ("?", repr(value))


def json_type(value: Any) -> str | None:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return None


def is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def frac(x: int | float) -> Fraction:
    return Fraction(x)


@dataclass(frozen=True, slots=True)
class Sub:
    """A conjunction of schema nodes (``()`` accepts everything)."""

    nodes: tuple = ()

    @property
    def key(self) -> tuple:
        return tuple(n.key for n in self.nodes)

    def __and__(self, other: Sub) -> Sub:
        if not other.nodes:
            return self
        if not self.nodes:
            return other
        return Sub(self.nodes + other.nodes)


ANY = Sub(())


@dataclass(frozen=True, slots=True)
class Model:
    """One object content model: listed properties, pattern properties, the rest."""

    props: tuple[tuple[str, Sub], ...] = ()
    patterns: tuple[tuple[str, Sub], ...] = ()
    additional: Sub = ANY

    def prop(self, name: str) -> Sub | None:
        for n, s in self.props:
            if n == name:
                return s
        return None


@dataclass(frozen=True, slots=True)
class Piece:
    t: str
    values: tuple | None = None  # a finite set: the piece is exactly these values
    excluded: tuple = ()  # values it does not accept (from `not: {enum: ...}`)
    extras: tuple = ()  # constraints kept opaque: ((kind, key), payload)
    # number
    lo: Fraction | None = None
    lo_x: bool = False
    hi: Fraction | None = None
    hi_x: bool = False
    integral: bool = False
    int_only: bool = False  # draft-04 integers: 1.0 is not one
    mults: tuple = ()
    # string
    min_len: int = 0
    max_len: int | None = None
    patterns: tuple = ()
    formats: tuple = ()
    # array
    min_items: int = 0
    max_items: int | None = None
    prefix: tuple = ()
    items: Sub = ANY
    unique: bool = False
    contains: tuple = ()  # ((Sub, min, max|None), ...)
    # object
    models: tuple = ()
    required: frozenset = frozenset()
    min_props: int = 0
    max_props: int | None = None
    names: Sub = ANY
    dep_required: tuple = ()  # ((name, frozenset(names)), ...)
    notes: tuple = field(default=(), compare=False)

    def item(self, i: int) -> Sub:
        return self.prefix[i] if i < len(self.prefix) else self.items

    def listed(self) -> list[str]:
        seen: dict[str, None] = {}
        for m in self.models:
            for n, _ in m.props:
                seen.setdefault(n, None)
        return list(seen)

    def pattern_list(self) -> list[str]:
        return [p for m in self.models for p, _ in m.patterns]


_PIECE_FIELDS = tuple(f.name for f in dataclasses.fields(Piece))
_PIECE_INDEX = {name: i for i, name in enumerate(_PIECE_FIELDS)}
_piece_values = operator.attrgetter(*_PIECE_FIELDS)
_set = object.__setattr__


def replace(obj: Any, /, **changes: Any) -> Any:
    """``dataclasses.replace``, twice as fast for a :class:`Piece` (the prover copies pieces
    hundreds of thousands of times on a large schema; a piece has no ``__post_init__``)."""
    if type(obj) is not Piece:
        return dataclasses.replace(obj, **changes)
    values = list(_piece_values(obj))
    for name, value in changes.items():
        index = _PIECE_INDEX.get(name)
        if index is None:
            raise TypeError(f"Piece has no field {name!r}")
        values[index] = value
    new = object.__new__(Piece)
    for name, value in zip(_PIECE_FIELDS, values, strict=True):
        _set(new, name, value)
    return new


def base(t: str) -> Piece:
    if t == "null":
        return Piece("null", values=(None,))
    if t == "boolean":
        return Piece("boolean", values=(False, True))
    if t == "integer":
        return Piece("number", integral=True)
    return Piece(t)


def top() -> list[Piece]:
    return [base(t) for t in TYPES]


def _dedupe(values: list) -> tuple:
    seen: dict[Any, Any] = {}
    for v in values:
        seen.setdefault(vkey(v), v)
    return tuple(seen.values())


def meet(a: Piece, b: Piece) -> Piece | None:
    """The intersection of two pieces, or None when they cannot share a value by type."""
    if a.t != b.t:
        return None
    values = a.values
    if a.values is not None and b.values is not None:
        keys = {vkey(v) for v in b.values}
        values = tuple(v for v in a.values if vkey(v) in keys)
    elif b.values is not None:
        values = b.values
    lo, lo_x = a.lo, a.lo_x
    if b.lo is not None and (lo is None or b.lo > lo or (b.lo == lo and b.lo_x)):
        lo, lo_x = b.lo, b.lo_x
    hi, hi_x = a.hi, a.hi_x
    if b.hi is not None and (hi is None or b.hi < hi or (b.hi == hi and b.hi_x)):
        hi, hi_x = b.hi, b.hi_x
    n = max(len(a.prefix), len(b.prefix))
    prefix = tuple(a.item(i) & b.item(i) for i in range(n))
    deps: dict[str, frozenset] = dict(a.dep_required)
    for k, names in b.dep_required:
        deps[k] = deps.get(k, frozenset()) | names
    return replace(
        a,
        values=values,
        excluded=_dedupe([*a.excluded, *b.excluded]),
        extras=tuple(dict([*a.extras, *b.extras]).items()),
        lo=lo,
        lo_x=lo_x,
        hi=hi,
        hi_x=hi_x,
        integral=a.integral or b.integral,
        int_only=a.int_only or b.int_only,
        mults=_dedupe([*a.mults, *b.mults]),
        min_len=max(a.min_len, b.min_len),
        max_len=_min(a.max_len, b.max_len),
        patterns=tuple(dict.fromkeys([*a.patterns, *b.patterns])),
        formats=tuple(dict.fromkeys([*a.formats, *b.formats])),
        min_items=max(a.min_items, b.min_items),
        max_items=_min(a.max_items, b.max_items),
        prefix=prefix,
        items=a.items & b.items,
        unique=a.unique or b.unique,
        contains=a.contains + b.contains,
        models=a.models + b.models,
        required=a.required | b.required,
        min_props=max(a.min_props, b.min_props),
        max_props=_min(a.max_props, b.max_props),
        names=a.names & b.names,
        dep_required=tuple(deps.items()),
        notes=a.notes + b.notes,
    )


def _min(a: int | None, b: int | None) -> int | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def meet_all(left: list[Piece], right: list[Piece], limit: int = 128) -> list[Piece]:
    from workbench.engine.inclusion.nodes import Undecided

    if len(left) * len(right) > limit * 8:
        raise Undecided("too many combinations of alternatives")
    out = []
    for a in left:
        for b in right:
            m = meet(a, b)
            if m is not None and not empty(m):
                out.append(m)
    if len(out) > limit:
        raise Undecided("too many combinations of alternatives")
    return out


def int_bounds(p: Piece) -> tuple[int | None, int | None]:
    """The smallest and largest integer inside the piece's interval."""
    lo = hi = None
    if p.lo is not None:
        lo = math.ceil(p.lo)
        if p.lo_x and lo == p.lo:
            lo += 1
    if p.hi is not None:
        hi = math.floor(p.hi)
        if p.hi_x and hi == p.hi:
            hi -= 1
    return lo, hi


def empty(p: Piece) -> bool:
    """Whether the piece certainly accepts nothing (cheap checks only)."""
    if p.values is not None:
        return not p.values
    if p.t == "number":
        if p.integral:
            lo, hi = int_bounds(p)
            return lo is not None and hi is not None and lo > hi
        if p.lo is not None and p.hi is not None:
            return p.lo > p.hi or (p.lo == p.hi and (p.lo_x or p.hi_x))
    if p.t == "string":
        return p.max_len is not None and p.min_len > p.max_len
    if p.t == "array":
        return p.max_items is not None and p.min_items > p.max_items
    return (
        p.t == "object"
        and p.max_props is not None
        and (p.min_props > p.max_props or len(p.required) > p.max_props)
    )
