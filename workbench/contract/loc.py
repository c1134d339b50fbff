"""Where a value sits in its file. Apart from the parser (``yamlsrc``, which re-exports it) so
that findings and reports, and the caches that hold them, can be read without PyYAML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


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
