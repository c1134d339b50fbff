"""Located JSON, lazily: values come from ``json.loads`` (C speed), positions are found only for
the paths somebody asks about.

A judgement needs the lines of a handful of values (the findings); composing a YAML node tree
for a 2 MB JSON document just to know every position costs seconds. The locator walks the text
along the asked path instead, remembering each container's member offsets, so asking for many
paths under one container scans it once.
"""

from __future__ import annotations

import json
import re
import weakref
from _thread import _local, allocate_lock  # threading's local and Lock, without threading
from collections.abc import Iterator, Mapping
from itertools import islice
from typing import Any

from workbench.contract.loc import Loc
from workbench.contract.textspan import common_prefix
from workbench.sources.jsonedit import LINE_STEP, Index, Members

Path = tuple

_WS = re.compile(r"[ \t\n\r]*")
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]
_decoder = json.JSONDecoder()


class _Container:
    """How far one object or array has been scanned, and the members found so far."""

    __slots__ = ("close", "done", "index", "members", "object", "pending", "pos", "start")

    def __init__(self, text: str, start: int):
        self.start = start
        opener = text[start : start + 1]
        self.object = opener == "{"
        self.close = "}" if self.object else "]"
        self.done = opener not in ("{", "[")
        self.pos = _WS.match(text, start + 1).end()  # type: ignore[union-attr]
        self.index = 0
        self.pending = False  # pos is at the value of the last member found, not yet skipped
        self.members: dict[Any, tuple[int, int]] = {}  # key -> (key offset or -1, value offset)

    @classmethod
    def known(cls, members: Members) -> _Container:
        """A container whose members an index lists: scanned to its end already."""
        box = cls.__new__(cls)
        box.start = members.start
        box.object = members.keys is not None
        box.close = "}" if box.object else "]"
        box.done = True
        box.pos = members.end - 1
        box.index = len(members.value_at)
        box.pending = False
        # (the texts indexed have no repeated keys: they were parsed before being indexed)
        if members.keys is not None:
            places = zip(members.key_at, members.value_at, strict=True)
            box.members = dict(zip(members.keys, places, strict=True))
        else:  # an array's items have no key
            box.members = {i: (-1, at) for i, at in enumerate(members.value_at)}
        return box

    def copy(self, shared: int) -> _Container | None:
        """What this scan found in the first ``shared`` characters (of this text, and of
        another that begins with them): all of it when the scan stayed there, else the
        members up to the last one whose value starts there, that value not yet skipped."""
        box = _Container.__new__(_Container)
        for name in _Container.__slots__:
            setattr(box, name, getattr(self, name))
        if self.pos < shared:
            box.members = dict(self.members)
            return box
        kept: dict[Any, tuple[int, int]] = {}
        for key, member in self.members.items():
            if member[1] >= shared:
                break
            kept[key] = member
        if not kept:
            return None
        box.members = kept
        box.index = len(kept)
        box.pos = next(reversed(kept.values()))[1]
        box.pending = True
        box.done = False
        return box


_last = _local()  # the locator of the text this thread read last


class JsonLocator:
    """Positions of values and keys in one JSON text, computed on demand: a container is scanned
    only up to the member asked for, and a value's end only when its position is asked.

    The locator of the text read before on this thread (the next revision of the same file,
    in a log) lends what it scanned: a container whose scan stayed inside the part both texts
    begin with is taken over as it stands (the same characters give the same offsets), so the
    members before an amendment are not scanned again.
    """

    def __init__(self, text: str, index: Index | None = None):
        self.text = text
        self.index = index  # containers whose members are known already (see jsonedit)
        self._containers: dict[Path, _Container] = {}
        self._starts: dict[Path, tuple[int, int] | None] = {
            (): (-1, _WS.match(text, 0).end())  # type: ignore[union-attr]
        }
        self._lock = allocate_lock()  # a scan, or a copy of what was scanned, at a time
        last = getattr(_last, "ref", None)
        self._before: weakref.ref[JsonLocator] | None = last
        self._shared = -1  # how many characters this text begins with that the last one does
        _last.ref = weakref.ref(self)

    def _container(self, path: Path, start: int) -> _Container:
        """A new container at ``start``, or the one the text read before scanned there."""
        if self.index is not None:
            known = self.index.containers.get(path)
            if known is not None and known.start == start:
                return _Container.known(known)
        before = self._before() if self._before is not None else None
        if before is not None:
            lent = before._containers.get(path)
            if lent is not None and lent.start == start:
                if self._shared < 0:
                    self._shared = common_prefix(before.text, self.text)
                with before._lock:
                    box = lent.copy(self._shared)
                if box is not None:
                    return box
        return _Container(self.text, start)

    # --- positions -------------------------------------------------------------------------

    def _line_col(self, offset: int) -> tuple[int, int]:
        text = self.text
        return self._newlines(offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1

    def _newlines(self, offset: int) -> int:
        if self.index is not None:
            return self.index.newlines(self.text, offset)
        return self.text.count("\n", 0, offset)

    # --- walking ---------------------------------------------------------------------------

    def _skip(self, pos: int) -> int:
        """The offset just past the JSON value starting at ``pos``."""
        _, end = _decoder.raw_decode(self.text, pos)
        return end

    def _start(self, path: Path) -> tuple[int, int] | None:
        """``(key offset or -1, value offset)`` of the value at ``path``."""
        if path in self._starts:
            return self._starts[path]
        parent = path[:-1]
        box = self._containers.get(parent)
        if box is None:
            where = self._start(parent)
            if where is None:
                self._starts[path] = None
                return None
            box = self._containers[parent] = self._container(parent, where[1])
        found = box.members.get(path[-1])
        if found is None:
            with self._lock:  # found meanwhile by another thread, or scanned for here
                found = box.members.get(path[-1]) or self._scan_to(box, path[-1])
        self._starts[path] = found
        return found

    def _scan_to(self, box: _Container, wanted: Any) -> tuple[int, int] | None:
        text, n = self.text, len(self.text)
        pos = box.pos
        while not box.done:
            if box.pending:  # step over the value of the member found last time
                pos = _WS.match(text, self._skip(pos)).end()  # type: ignore[union-attr]
                if pos < n and text[pos] == ",":
                    pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
                box.pending = False
            if pos >= n or text[pos] == box.close:
                box.done = True
                break
            key: Any = box.index
            key_at = -1
            if box.object:
                key_at = pos
                key, pos = _scanstring(text, pos + 1)
                pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
                pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]  # past ':'
            member = (key_at, pos)
            box.members.setdefault(key, member)
            box.index += 1
            box.pos = pos
            box.pending = True
            if key == wanted:
                return member
        box.pos = pos
        return None

    def value(self, path: Path) -> Loc | None:
        try:
            found = self._start(path)
            if found is None:
                return None
            start = found[1]
            if not path:  # the document: valid JSON ends with its value, then blanks
                end = len(self.text.rstrip(" \t\n\r"))
            else:
                end = self.index.end(path) if self.index is not None else None
            if end is None:
                end = self._skip(start)
        except (ValueError, IndexError):
            return None
        line, col = self._line_col(start)
        last = max(start, end - 1)
        if self.index is not None and last - start > LINE_STEP:
            end_line = self._newlines(last) + 1
        else:
            end_line = line + self.text.count("\n", start, last)
        return Loc(line, col, end_line)

    def key(self, path: Path) -> Loc | None:
        try:
            found = self._start(path)
        except (ValueError, IndexError):
            return None
        if found is None or found[0] < 0:
            return None
        line, col = self._line_col(found[0])
        return Loc(line, col, line)


class _Located(Mapping):
    """A mapping of paths to positions that answers through ``get`` (``None``: not located)."""

    __slots__ = ()

    def __getitem__(self, path: Path) -> Loc:
        found = self.get(path)
        if found is None:
            raise KeyError(path)
        return found

    def __contains__(self, path: object) -> bool:
        return isinstance(path, tuple) and self.get(path) is not None


class LazyLocs(_Located):
    """``{source path: Loc}`` backed by a :class:`JsonLocator` (values or keys)."""

    def __init__(self, locator: JsonLocator, keys: bool = False):
        self.locator = locator
        self.keys = keys
        self._cache: dict[Path, Loc | None] = {}

    def get(self, path: Path, default: Any = None) -> Any:  # type: ignore[override]
        try:
            found = self._cache[path]
        except KeyError:
            found = self.locator.key(path) if self.keys else self.locator.value(path)
            self._cache[path] = found
        return default if found is None else found

    def __iter__(self) -> Iterator[Path]:
        return iter(self._cache)

    def __len__(self) -> int:
        return len(self._cache)


class Layered(_Located):
    """A table of contract paths (to artefact paths) written as a reader wrote it: entries written
    directly, and the tables of units (a path item, a schema) each owning the paths under its
    prefixes (two or three keys long), without copying every unit's entries into one table
    again for each revision. Reads as the one table writing them in order would give (``merged``,
    built when somebody iterates); the reader checks that no entry lies under another owner's
    prefix, so a lookup by prefix finds what the merged table holds."""

    __slots__ = ("_merged", "direct", "marks", "owners")

    def __init__(self, direct: dict, owners: dict[Path, dict], marks: list[tuple[int, dict]]):
        self.direct = direct  # written outside any unit
        self.owners = owners  # a unit's prefix -> its table
        self.marks = marks  # (how many direct entries came before it, a unit's table), in order
        self._merged: dict | None = None

    def get(self, path: Path, default: Any = None) -> Any:  # type: ignore[override]
        if self._merged is not None:
            return self._merged.get(path, default)
        found = self.direct.get(path)
        if found is None and len(path) >= 2:
            table = self.owners.get(path[:2])
            if table is None and len(path) >= 3:
                table = self.owners.get(path[:3])
            if table is not None:
                found = table.get(path)
        return default if found is None else found

    def merged(self) -> dict:
        """The one table: the direct entries and the units' tables, updated in written order."""
        if self._merged is None:
            out: dict = {}
            items = iter(self.direct.items())
            done = 0
            for before, table in self.marks:
                out.update(islice(items, before - done))
                done = before
                out.update(table)
            out.update(items)
            self._merged = out
        return self._merged

    def setdefault(self, path: Path, default: Any) -> Any:
        found = self.get(path)
        if found is None:
            self.direct[path] = found = default
            if self._merged is not None:
                self._merged[path] = default
        return found

    def __iter__(self) -> Iterator[Path]:
        return iter(self.merged())

    def __len__(self) -> int:
        return len(self.merged())

    def __bool__(self) -> bool:
        return bool(self.direct) or any(table for _, table in self.marks)


class SourceLocs(_Located):
    """``{contract path: Loc}`` for a contract read from an artefact: each contract path names
    the artefact path its value came from (directly, or through the nearest subtree mapped path
    for path), resolved to a position only when asked. Iteration lists the direct entries."""

    def __init__(
        self,
        sources: dict[Path, Path],
        values: Mapping,
        keys: Mapping | None = None,
        trees: dict[Path, Path] | None = None,
    ):
        self.sources = sources
        self.values = values
        self.keys = keys  # when set: key positions, falling back to the value's
        self.trees = trees or {}

    def source(self, path: Path) -> Path | None:
        src = self.sources.get(path)
        if src is None and self.trees:
            for k in range(len(path) - 1, -1, -1):
                base = self.trees.get(path[:k])
                if base is not None:
                    return (*base, *path[k:])
        return src

    def get(self, path: Path, default: Any = None) -> Any:  # type: ignore[override]
        src = self.source(path)
        if src is None:
            return default
        found = self.keys.get(src) if self.keys is not None else None
        if found is None:
            found = self.values.get(src)
        return default if found is None else found

    def __iter__(self) -> Iterator[Path]:
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)


class PrefixedLocs(Mapping):
    """Positions of a document nested at ``prefix`` of another (a realm inside a list)."""

    def __init__(self, inner: Mapping, prefix: Path):
        self.inner = inner
        self.prefix = prefix

    def get(self, path: Path, default: Any = None) -> Any:  # type: ignore[override]
        return self.inner.get((*self.prefix, *path), default)

    def __getitem__(self, path: Path) -> Loc:
        return self.inner[(*self.prefix, *path)]

    def __contains__(self, path: object) -> bool:
        return isinstance(path, tuple) and (*self.prefix, *path) in self.inner

    def __iter__(self) -> Iterator[Path]:
        n = len(self.prefix)
        return (p[n:] for p in self.inner if p[:n] == self.prefix)

    def __len__(self) -> int:
        return sum(1 for _ in self)
