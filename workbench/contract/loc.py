"""Where a value sits in its file. Apart from the parser (``yamlsrc``, which re-exports it) so
that findings and reports, and the caches that hold them, can be read without PyYAML."""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import TypeVar

from workbench.contract.record import Frozen

T = TypeVar("T", bound=type)


def packed_state(cls: T) -> T:
    """Pickle a frozen, slotted value class as the tuple of its values, set back in field order
    (a :class:`Frozen` record's ``_fields``). The state functions ``dataclass`` gives such a class
    look its fields up on every call, which was a third of unpickling a cached report (a warm log
    reads a thousand)."""
    names = cls._fields  # type: ignore[attr-defined]
    get = operator.attrgetter(*names)
    put = object.__setattr__

    def __getstate__(self: object) -> tuple:
        return get(self)

    def __setstate__(self: object, state: tuple) -> None:
        for name, value in zip(names, state, strict=True):
            put(self, name, value)

    cls.__getstate__ = __getstate__  # type: ignore[attr-defined]
    cls.__setstate__ = __setstate__  # type: ignore[attr-defined]
    return cls


@packed_state
class Loc(Frozen):
    """Where a value sits in its file: 1-based line/column of its start, and its last line.

    A read-only value (equal and hashed by its three fields, as the frozen dataclass it was);
    a plain class so that defining it compiles no code at import."""

    __slots__ = ("column", "end_line", "line")
    line: int
    column: int
    end_line: int

    def __init__(self, line: int, column: int, end_line: int):
        put = object.__setattr__
        put(self, "line", line)
        put(self, "column", column)
        put(self, "end_line", end_line)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return (self.line, self.column, self.end_line) == (
                other.line,  # type: ignore[attr-defined]
                other.column,  # type: ignore[attr-defined]
                other.end_line,  # type: ignore[attr-defined]
            )
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.line, self.column, self.end_line))

    def __repr__(self) -> str:
        return f"Loc(line={self.line!r}, column={self.column!r}, end_line={self.end_line!r})"

    def to_dict(self) -> dict:
        return {"line": self.line, "column": self.column}


def nearest_loc(locs: Mapping[tuple, Loc], raw: tuple) -> Loc | None:
    """``locs[raw]``, or the location of the nearest ancestor of ``raw`` that has one."""
    while True:
        found = locs.get(raw)
        if found is not None or not raw:
            return found
        raw = raw[:-1]
