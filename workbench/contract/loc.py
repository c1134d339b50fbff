"""Where a value sits in its file. Apart from the parser (``yamlsrc``, which re-exports it) so
that findings and reports, and the caches that hold them, can be read without PyYAML."""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TypeVar

T = TypeVar("T", bound=type)


def packed_state(cls: T) -> T:
    """Pickle a frozen, slotted dataclass as the tuple of its values. The state functions
    ``dataclass`` gives such a class look its fields up on every call, which was a third of
    unpickling a cached report (a warm log reads a thousand)."""
    names = tuple(f.name for f in fields(cls))
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
@dataclass(frozen=True, slots=True)
class Loc:
    """Where a value sits in its file: 1-based line/column of its start, and its last line."""

    line: int
    column: int
    end_line: int

    def to_dict(self) -> dict:
        return {"line": self.line, "column": self.column}


def nearest_loc(locs: Mapping[tuple, Loc], raw: tuple) -> Loc | None:
    """``locs[raw]``, or the location of the nearest ancestor of ``raw`` that has one."""
    while True:
        found = locs.get(raw)
        if found is not None or not raw:
            return found
        raw = raw[:-1]
