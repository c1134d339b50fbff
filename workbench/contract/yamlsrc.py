"""Safe YAML (and JSON) loading that keeps the line and column of every value.

One pass over libyaml's event stream builds plain Python values and records where each one came
from; no node tree is composed and no tag is ever executed. Along the way we refuse what PyYAML
would accept silently or crash on: duplicate mapping keys, non-scalar keys, unsupported tags,
explicit tags with invalid values (``!!int notanint``), integers too long to be real, nesting
deeper than :data:`MAX_DEPTH`, and alias expansion beyond :data:`MAX_ALIAS_VALUES` (a "billion
laughs" document), counted incrementally as the document is built so no bomb is ever expanded.

Locations live in a compact side table (:class:`LocTable`): four integers per value, turned into
a :class:`Loc` only when someone asks.

``read_source`` is the one way the workbench reads a YAML or JSON file from disk: it refuses
anything that is not a regular file without blocking (a FIFO, a device, a directory), checks the
size before reading and reads at most :data:`MAX_BYTES`. ``load_yaml`` is the one parser: every
file the workbench reads (contracts, settings, the ignore file, amendment records, the TUI's
settings, artefacts) goes through it. A file whose name ends in ``.json`` is parsed as strict JSON
(see :mod:`workbench.contract.jsonsrc`), with the same limits and the same located results.
"""

from __future__ import annotations

import gc
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.resolver import Resolver

from workbench.contract.errors import ContractError, Problem

try:  # the libyaml parser is several times faster; fall back to pure Python where missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 8 * 1024 * 1024
"""The largest file the workbench reads (checked before reading)."""
MAX_DEPTH = 1000
"""The deepest nesting of collections (the document's root counts as depth 1)."""
MAX_ALIAS_VALUES = 100_000
"""How many values aliases may add to a document in total (each alias adds a copy of the whole
value it names, so a few hundred bytes of aliases could otherwise stand for billions)."""
MAX_INT_CHARS = 100
"""The longest integer literal accepted (Python refuses to convert beyond 4,300 digits, and no
contract value needs more than a few dozen)."""

Path = tuple  # a path into the loaded data: str keys and int list indices


@dataclass(frozen=True, slots=True)
class Loc:
    """Where a value sits in its file: 1-based line/column of its start, and its last line."""

    line: int
    column: int
    end_line: int

    def to_dict(self) -> dict:
        return {"line": self.line, "column": self.column}


class LocTable(Mapping):
    """Raw path -> :class:`Loc`, stored compactly.

    Each entry holds the 0-based ``(line, column, end_line, end_column)`` libyaml reported; the
    :class:`Loc` (with the end line of a block moved back over trailing blank and comment lines)
    is made on access. Reads like a ``dict[tuple, Loc]``.
    """

    __slots__ = ("_lines", "_raw", "_text", "_trim")

    def __init__(self, raw: dict[tuple, tuple], text: str = "", *, trim: bool = True):
        self._raw = raw
        self._text = text
        self._lines: list[str] | None = None
        self._trim = trim  # move block ends back over blank/comment lines (values, not keys)

    def _loc(self, pos: tuple) -> Loc:
        sl, sc, el, ec = pos
        end_line = el + 1
        if el > sl:
            lines = self._lines
            if lines is None and self._trim:
                lines = self._lines = self._text.split("\n")
            if ec == 0 or (lines is not None and el < len(lines) and not lines[el][:ec].strip()):
                end_line = el
            if lines is not None:
                while sl + 1 < end_line <= len(lines):
                    content = lines[end_line - 1].strip()
                    if content and not content.startswith("#"):
                        break
                    end_line -= 1
        return Loc(sl + 1, sc + 1, end_line)

    def __getitem__(self, raw: tuple) -> Loc:
        return self._loc(self._raw[raw])

    def get(self, raw: tuple, default: Any = None) -> Any:
        pos = self._raw.get(raw)
        return default if pos is None else self._loc(pos)

    def __contains__(self, raw: object) -> bool:
        return raw in self._raw

    def __iter__(self) -> Iterator[tuple]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __bool__(self) -> bool:
        return bool(self._raw)

    def __repr__(self) -> str:
        return f"LocTable({len(self._raw)} entries)"


@dataclass(slots=True)
class LocatedDocument:
    """Plain data (dict/list/str/int/float/bool/None) plus a location for every node."""

    data: Any
    locs: Mapping[Path, Loc]  # value locations
    key_locs: Mapping[Path, Loc]  # locations of the mapping keys that lead to a value

    def nearest(self, raw: Path) -> Loc | None:
        """The location of ``raw``, or of its nearest located ancestor."""
        return nearest_loc(self.locs, raw)

    def problem(self, source: str, raw: Path, message: str, severity: str = "error") -> Problem:
        """A problem at the key leading to ``raw`` (else its value or nearest ancestor)."""
        loc = self.key_locs.get(raw) or self.nearest(raw)
        line, col = (loc.line, loc.column) if loc else (1, 1)
        return Problem(source, line, col, message, format_json_path(raw), severity)


def nearest_loc(locs: Mapping[Path, Loc], raw: Path) -> Loc | None:
    """``locs[raw]``, or the location of the nearest ancestor of ``raw`` that has one."""
    while True:
        found = locs.get(raw)
        if found is not None or not raw:
            return found
        raw = raw[:-1]


INT_TAG = "tag:yaml.org,2002:int"
FLOAT_TAG = "tag:yaml.org,2002:float"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"

# Plain scalars that start with a letter resolve (YAML 1.1, as PyYAML) only to these booleans and
# nulls; anything else starting with a letter is a string. One dict lookup answers both.
_WORDS: dict[str, Any] = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
}
_BOOL_WORDS = {k.lower(): v for k, v in _WORDS.items() if isinstance(v, bool)}
_NULL_WORDS = frozenset(k for k, v in _WORDS.items() if v is None)
# Plain scalars starting with one of these may resolve to a number, a timestamp, a merge key or
# the (unsupported) value tag: PyYAML's own resolvers decide, in PyYAML's order.
_SPECIAL_START = frozenset("-+.0123456789<=")
_RESOLVERS: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    ch: list(Resolver.yaml_implicit_resolvers.get(ch, [])) for ch in _SPECIAL_START
}
_TIMESTAMP = next(rx for tag, rx in Resolver.yaml_implicit_resolvers["0"] if tag == TIMESTAMP_TAG)


class _Fail(Exception):
    """A located refusal raised while building (0-based mark)."""

    def __init__(self, line0: int, col0: int, message: str, path: tuple = ()):
        super().__init__(message)
        self.line0, self.col0, self.message, self.path = line0, col0, message, path


class _AliasBomb(Exception):
    """Aliases added more than :data:`MAX_ALIAS_VALUES` values; diagnosed separately."""


def _int(value: str, mark: Any, path: tuple) -> int:
    """A YAML 1.1 integer (``0b``, ``0x``, octal ``0``-prefixed, ``1:30`` sexagesimal, ``_``)."""
    if len(value) > MAX_INT_CHARS:
        raise _Fail(
            mark.line,
            mark.column,
            f"integer of {len(value):,} characters is longer than the limit of {MAX_INT_CHARS}",
            path,
        )
    text = value.replace("_", "")
    try:
        sign = -1 if text[0] == "-" else 1
        if text[0] in "+-":
            text = text[1:]
        if text == "0":
            return 0
        if text.startswith("0b"):
            return sign * int(text[2:], 2)
        if text.startswith("0x"):
            return sign * int(text[2:], 16)
        if text[0] == "0":
            return sign * int(text, 8)
        if ":" in text:
            total = 0
            for part in text.split(":"):
                total = total * 60 + int(part)
            return sign * total
        return sign * int(text)
    except (ValueError, IndexError):
        raise _Fail(mark.line, mark.column, f"{value!r} is not an integer", path) from None


def _float(value: str, mark: Any, path: tuple) -> float:
    text = value.replace("_", "").lower()
    try:
        sign = -1.0 if text[0] == "-" else 1.0
        if text[0] in "+-":
            text = text[1:]
        if text == ".inf":
            return sign * float("inf")
        if text == ".nan":
            return float("nan")
        if ":" in text:
            total = 0.0
            for part in text.split(":"):
                total = total * 60 + float(part)
            return sign * total
        if "inf" in text or "nan" in text:
            raise ValueError(text)  # Python's float() spellings that YAML does not have
        return sign * float(text)
    except (ValueError, IndexError):
        raise _Fail(mark.line, mark.column, f"{value!r} is not a number", path) from None


def _plain(value: str, mark: Any, path: tuple) -> Any:
    """An untagged plain scalar that starts like a number: resolve as PyYAML does."""
    for tag, rx in _RESOLVERS[value[0]]:
        if rx.match(value):
            if tag == INT_TAG:
                return _int(value, mark, path)
            if tag == FLOAT_TAG:
                return _float(value, mark, path)
            if tag == TIMESTAMP_TAG:
                return value  # keep dates as ISO text, as JSON Schema's "date" format expects
            raise _Fail(
                mark.line,
                mark.column,
                f"unsupported YAML tag {tag!r} (contracts use plain values)",
                path,
            )
    return value


def _tagged(ev: ScalarEvent, path: tuple) -> Any:
    """A scalar with an explicit tag: the core schema's tags, with their values checked."""
    tag, value, mark = ev.tag, ev.value, ev.start_mark
    if tag == STR_TAG:
        return value
    if tag == INT_TAG:
        return _int(value.strip(), mark, path)
    if tag == FLOAT_TAG:
        return _float(value.strip(), mark, path)
    if tag == BOOL_TAG:
        word = _BOOL_WORDS.get(value.strip().lower())
        if word is None:
            raise _Fail(mark.line, mark.column, f"{value!r} is not a boolean", path)
        return word
    if tag == NULL_TAG:
        if value.strip() not in _NULL_WORDS:
            raise _Fail(mark.line, mark.column, f"{value!r} is not null", path)
        return None
    if tag == TIMESTAMP_TAG:
        if not _TIMESTAMP.match(value.strip()):
            raise _Fail(mark.line, mark.column, f"{value!r} is not a date or timestamp", path)
        return value.strip()
    raise _Fail(
        mark.line, mark.column, f"unsupported YAML tag {tag!r} (contracts use plain values)", path
    )


def _scalar_value(ev: ScalarEvent, path: tuple) -> Any:
    """The value of any scalar event (the slow path of the builder's inline resolution)."""
    tag = ev.tag
    if tag is not None and tag != "!":
        return _tagged(ev, path)
    value = ev.value
    if not ev.implicit[0]:
        return value
    if value[:1] in _SPECIAL_START:
        return _plain(value, ev.start_mark, path)
    return _WORDS.get(value, value)


def _copy(value: Any) -> Any:
    """A deep copy of plain data, without recursion (values may nest :data:`MAX_DEPTH` deep)."""
    if type(value) is dict:
        root: Any = {}
    elif type(value) is list:
        root = []
    else:
        return value
    work = [(value, root)]
    while work:
        src, dst = work.pop()
        if type(src) is dict:
            for k, v in src.items():
                t = type(v)
                if t is dict or t is list:
                    c: Any = {} if t is dict else []
                    work.append((v, c))
                    dst[k] = c
                else:
                    dst[k] = v
        else:
            for v in src:
                t = type(v)
                if t is dict or t is list:
                    c = {} if t is dict else []
                    work.append((v, c))
                    dst.append(c)
                else:
                    dst.append(v)
    return root


_NOKEY = object()  # a mapping frame waiting for its next key
_MERGE = object()  # a mapping frame whose pending key is the merge key '<<'
MERGE_KEY = "<<"  # the path element under which merge sources are built, then removed


class _Anchor:
    __slots__ = ("base", "hi", "key_text", "lo", "open", "pos", "size", "value")

    def __init__(self, value: Any, size: int, base: tuple, lo: int, hi: int, pos: tuple):
        self.value, self.size, self.base, self.lo, self.hi, self.pos = (
            value,
            size,
            base,
            lo,
            hi,
            pos,
        )
        self.key_text: str | None = None  # the raw text of an anchored scalar (for alias keys)
        self.open = False  # a collection still being built (an alias to it would recurse)


def _compose(parser: Any) -> tuple[Any, dict, dict]:
    """Build ``(data, locs, key_locs)`` from the events of one document, in one pass.

    The hot loop keeps the innermost open collection in local variables and pushes the others on
    a stack; scalars resolve inline (one dict lookup for words, PyYAML's regular expressions only
    for scalars that start like a number). Positions are 0-based ``(line, col, end_line,
    end_col)`` tuples. Values inside anchored collections are also listed in ``rec`` so that an
    alias can copy their locations under its own path.
    """
    get = parser.get_event
    get()  # StreamStartEvent
    ev = get()
    if type(ev) is StreamEndEvent:
        raise _Fail(0, 0, "empty document: expected a contract mapping")
    # ev is DocumentStartEvent

    locs: dict[tuple, tuple] = {}
    key_locs: dict[tuple, tuple] = {}
    anchors: dict[str, _Anchor] = {}
    rec: list[tuple] = []  # paths built inside anchored (or merge) collections, in order
    recording = 0  # how many anchored or merge collections are open
    aliased = 0  # values added by aliases so far
    stack: list[tuple] = []
    words = _WORDS
    special = _SPECIAL_START
    plain = _plain
    nokey = _NOKEY
    merge_key = _MERGE

    # The document root is built as the single value of a bottom frame.
    cont: Any = None
    path: tuple = ()
    ismap = False
    key: Any = nokey
    kpos: tuple | None = None
    merges: list | None = None
    depth = 0
    root: Any = None

    while True:
        ev = get()
        t = type(ev)
        if t is ScalarEvent:
            sm = ev.start_mark
            if ismap and key is nokey:  # a mapping key
                em = ev.end_mark
                value = ev.value
                tag = ev.tag
                if tag is not None and tag != "!":
                    if tag == MERGE_TAG:
                        value = MERGE_KEY
                    else:
                        _tagged(ev, path)  # a core tag with a valid value, else a located error
                if value == "<<" and (ev.implicit[0] or tag == MERGE_TAG):
                    if merges:
                        raise _Fail(sm.line, sm.column, "duplicate key '<<'", path)
                    key, kpos = merge_key, (sm.line, sm.column, em.line, em.column)
                    continue
                if value in cont:
                    first = key_locs.get((*path, value))
                    where = f" (first at line {first[0] + 1})" if first else ""
                    raise _Fail(
                        sm.line, sm.column, f"duplicate key {value!r}{where}", (*path, value)
                    )
                key, kpos = value, (sm.line, sm.column, em.line, em.column)
                if ev.anchor is not None:
                    _anchor_scalar(ev, anchors, (*path, value), kpos)
                continue
            # a value
            if ismap:
                vpath = (*path, key)
            elif cont is not None:
                vpath = (*path, len(cont))
            else:
                vpath = ()
            tag = ev.tag
            if tag is None or tag == "!":
                value = ev.value
                if ev.implicit[0]:
                    if value[:1] in special:
                        value = plain(value, sm, vpath)
                    else:
                        value = words.get(value, value)
            else:
                value = _tagged(ev, vpath)
            em = ev.end_mark
            pos = (sm.line, sm.column, em.line, em.column)
            locs[vpath] = pos
            if recording:
                rec.append(vpath)
            if ev.anchor is not None:
                _anchor_scalar(ev, anchors, vpath, pos)
                anchors[ev.anchor].value = value
            if ismap:
                if key is merge_key:
                    raise _Fail(
                        sm.line, sm.column, "a merge key '<<' needs a mapping or list of mappings",
                        path,
                    )  # fmt: skip
                cont[key] = value
                key_locs[vpath] = kpos
                key = nokey
            elif cont is not None:
                cont.append(value)
            else:
                root = value
                break
            continue

        if t is MappingStartEvent or t is SequenceStartEvent:
            sm = ev.start_mark
            if ismap:
                if key is nokey:
                    raise _Fail(sm.line, sm.column, "mapping keys must be plain scalars", path)
                vpath = (*path, MERGE_KEY if key is merge_key else key)
            elif cont is not None:
                vpath = (*path, len(cont))
            else:
                vpath = ()
            ismap_ev = t is MappingStartEvent
            depth += 1
            if depth > MAX_DEPTH:
                raise _Fail(
                    sm.line,
                    sm.column,
                    f"maximum nesting depth of {MAX_DEPTH} exceeded",
                    vpath,
                )
            tag = ev.tag
            if tag is not None and tag != "!" and tag != (MAP_TAG if ismap_ev else SEQ_TAG):
                raise _Fail(sm.line, sm.column, f"unsupported YAML tag {tag!r}", vpath)
            anchor = ev.anchor
            lo = -1
            if anchor is not None or (ismap and key is merge_key):
                recording += 1
                lo = len(rec)
                if anchor is not None:
                    if anchor in anchors:
                        raise _duplicate_anchor(anchor, anchors[anchor], sm)
                    a = anchors[anchor] = _Anchor(None, 0, vpath, lo, lo, ())
                    a.open = True
            stack.append(
                (cont, path, ismap, key, kpos, merges, sm.line, sm.column, anchor, lo, len(locs))
            )  # fmt: skip
            cont = {} if ismap_ev else []
            path = vpath
            ismap = ismap_ev
            key = nokey
            kpos = None
            merges = None
            continue

        if t is MappingEndEvent or t is SequenceEndEvent:
            em = ev.end_mark
            value = cont
            vpath = path
            if merges:
                value = _apply_merges(value, vpath, merges, locs, key_locs, rec, recording)
            (cont, path, ismap, key, kpos, merges, sl, sc, anchor, lo, nlocs0) = stack.pop()
            depth -= 1
            pos = (sl, sc, em.line, em.column)
            locs[vpath] = pos
            hi = len(rec)
            if lo >= 0:
                recording -= 1
                if anchor is not None:
                    a = anchors[anchor]
                    a.value, a.hi, a.pos, a.open = value, hi, pos, False
                    a.size = len(locs) - nlocs0  # the values inside, aliases expanded
            if recording:
                rec.append(vpath)
            if ismap:
                if key is merge_key:
                    (merges if merges is not None else (merges := [])).append(
                        (len(cont), value, vpath, lo, hi, kpos)
                    )
                else:
                    cont[key] = value
                    key_locs[vpath] = kpos
                key = nokey
            elif cont is not None:
                cont.append(value)
            else:
                root = value
                break
            continue

        if t is AliasEvent:
            sm = ev.start_mark
            name = ev.anchor
            a = anchors.get(name)
            if a is None:
                raise _Fail(sm.line, sm.column, f"found undefined alias {name!r}", path)
            if ismap and key is nokey:  # an alias as a mapping key: allowed for scalars
                if a.key_text is None:
                    raise _Fail(sm.line, sm.column, "mapping keys must be plain scalars", path)
                value = a.key_text
                if value in cont:
                    raise _Fail(sm.line, sm.column, f"duplicate key {value!r}", (*path, value))
                key, kpos = value, (sm.line, sm.column, sm.line, sm.column)
                continue
            if a.open:
                raise _Fail(
                    sm.line,
                    sm.column,
                    f"alias *{name} refers to the value that contains it (a recursive structure)",
                    path,
                )
            aliased += a.size
            if aliased > MAX_ALIAS_VALUES:
                raise _AliasBomb
            is_merge = ismap and key is merge_key
            if ismap:
                vpath = (*path, MERGE_KEY if is_merge else key)
            elif cont is not None:
                vpath = (*path, len(cont))
            else:
                vpath = ()
            value = _copy(a.value)
            locs[vpath] = a.pos
            if is_merge:
                recording += 1
            lo = len(rec)
            if recording:
                rec.append(vpath)
            _reroot(a, vpath, locs, key_locs, rec, recording)
            if ismap:
                if is_merge:
                    recording -= 1
                    (merges if merges is not None else (merges := [])).append(
                        (len(cont), value, vpath, lo + 1, len(rec), kpos)
                    )
                else:
                    cont[key] = value
                    key_locs[vpath] = kpos
                key = nokey
            elif cont is not None:
                cont.append(value)
            else:
                root = value
                break
            continue

        raise _Fail(
            ev.start_mark.line, ev.start_mark.column, "unexpected YAML event"
        )  # pragma: no cover

    ev = get()  # DocumentEndEvent
    if type(ev) is DocumentEndEvent:
        ev = get()
    if type(ev) is DocumentStartEvent:
        raise yaml.composer.ComposerError(
            "expected a single document in the stream",
            None,
            "but found another document",
            ev.start_mark,
        )
    return root, locs, key_locs


def _anchor_scalar(ev: ScalarEvent, anchors: dict, path: tuple, pos: tuple) -> None:
    name = ev.anchor
    if name in anchors:
        raise _duplicate_anchor(name, anchors[name], ev.start_mark)
    a = anchors[name] = _Anchor(_scalar_value(ev, path), 1, path, 0, 0, pos)
    a.key_text = ev.value


def _duplicate_anchor(name: str, first: _Anchor, mark: Any) -> yaml.YAMLError:
    return yaml.composer.ComposerError(
        f"found duplicate anchor {name!r}; first occurrence at line {first.pos[0] + 1}"
        if first.pos
        else f"found duplicate anchor {name!r}",
        None,
        "second occurrence",
        mark,
    )


def _reroot(
    a: _Anchor, vpath: tuple, locs: dict, key_locs: dict, rec: list, recording: int
) -> None:
    """Give the copy of an anchored collection at ``vpath`` the locations of the original."""
    n = len(a.base)
    for q in rec[a.lo : a.hi]:
        pos = locs.get(q)
        if pos is None:
            continue  # a merge source removed after it was built
        np = (*vpath, *q[n:])
        locs[np] = pos
        kp = key_locs.get(q)
        if kp is not None:
            key_locs[np] = kp
        if recording:
            rec.append(np)


def _apply_merges(
    explicit: dict, path: tuple, merges: list, locs: dict, key_locs: dict, rec: list, recording: int
) -> dict:
    """The mapping at ``path`` with its ``<<`` merge sources applied (YAML merge keys).

    Keys written in the mapping win over merged ones; among merge sources the first wins. Merged
    keys sit where their ``<<`` was written. Their locations are those of the source entries.
    """
    chosen: dict[Any, tuple[tuple, Any]] = {}  # key -> (source base path, value)
    slots: list[tuple[int, list]] = []
    for at, value, base, _lo, _hi, _kpos in merges:
        sources = [(value, base)] if type(value) is dict else None
        if type(value) is list:
            sources = [(item, (*base, i)) for i, item in enumerate(value)]
        if sources is None:
            pos = locs.get(base, (0, 0))
            raise _Fail(
                pos[0], pos[1], "a merge key '<<' needs a mapping or list of mappings", path
            )
        keys = []
        for src, src_base in sources:
            if type(src) is not dict:
                pos = locs.get(src_base, (0, 0))
                raise _Fail(
                    pos[0], pos[1], "a merge key '<<' needs a mapping or list of mappings", path
                )
            for k, v in src.items():
                if k not in explicit and k not in chosen:
                    chosen[k] = (src_base, v)
                    keys.append(k)
        slots.append((at, keys))
    # re-root the chosen entries' locations, then drop everything built under path + ('<<',)
    for _at, _value, base, lo, hi, _kpos in merges:
        for q in [base, *rec[lo:hi]]:
            pos = locs.pop(q, None)
            kp = key_locs.pop(q, None)
            if pos is None:
                continue
            for src_base_len in (len(base), len(base) + 1):
                if len(q) > src_base_len:
                    k = q[src_base_len]
                    hit = chosen.get(k)
                    if hit is not None and hit[0] == q[:src_base_len]:
                        np = (*path, *q[src_base_len:])
                        locs[np] = pos
                        if kp is not None:
                            key_locs[np] = kp
                        if recording:
                            rec.append(np)
                        break
    result: dict = {}
    items = list(explicit.items())
    i = 0
    for at, keys in slots:
        while i < at:
            result[items[i][0]] = items[i][1]
            i += 1
        for k in keys:
            result[k] = chosen[k][1]
    for k, v in items[i:]:
        result[k] = v
    return result


def _diagnose_alias_bomb(text: str, filename: str) -> Problem:
    """Where the aliases of ``text`` add too much: of the collections written in the file whose
    aliases add more than the limit while none of their written parts do, the one that adds the
    most (a second, data-free pass over the events; keys are not counted as values)."""
    parser = _Loader(text)
    anchors: dict[str, int] = {}
    stack: list[_Frame] = []
    culprit: _Frame | None = None
    try:
        get = parser.get_event
        while True:
            ev = get()
            t = type(ev)
            if t is StreamEndEvent:
                break
            top = stack[-1] if stack else None
            is_key = top is not None and top.ismap and top.count % 2 == 0
            if top is not None:
                top.count += 1
            if t is ScalarEvent or t is AliasEvent:
                if is_key:
                    top.key = ev.value if t is ScalarEvent else ev.anchor  # type: ignore[union-attr]
                    continue
                size = anchors.get(ev.anchor, 1) if t is AliasEvent else 1
                if t is ScalarEvent and ev.anchor is not None:
                    anchors[ev.anchor] = 1
                if top is not None:
                    top.size += size
                    top.added += size if t is AliasEvent else 0
                continue
            if t is MappingStartEvent or t is SequenceStartEvent:
                if top is None:
                    path: tuple = ()
                else:
                    path = (*top.path, top.key if top.ismap else top.count - 1)
                m = ev.start_mark
                stack.append(_Frame(path, m.line, m.column, ev.anchor, t is MappingStartEvent))
                continue
            if t is MappingEndEvent or t is SequenceEndEvent:
                frame = stack.pop()
                if frame.anchor is not None:
                    anchors[frame.anchor] = frame.size
                over = frame.added > MAX_ALIAS_VALUES
                if (
                    over
                    and not frame.over_child
                    and (culprit is None or frame.added > culprit.added)
                ):
                    culprit = frame
                if stack:
                    stack[-1].size += frame.size
                    stack[-1].added += frame.added
                    stack[-1].over_child |= over
    finally:
        parser.dispose()
    if culprit is None:  # pragma: no cover - the builder stopped, so some collection is over
        culprit = _Frame((), 0, 0, None, False)
    return Problem(
        filename,
        culprit.line0 + 1,
        culprit.col0 + 1,
        f"aliases expand this value to {culprit.size:,} values ({culprit.added:,} added through "
        f"aliases, over the limit of {MAX_ALIAS_VALUES:,}: a YAML alias bomb?)",
        format_json_path(culprit.path),
    )


class _Frame:
    __slots__ = (
        "added",
        "anchor",
        "col0",
        "count",
        "ismap",
        "key",
        "line0",
        "over_child",
        "path",
        "size",
    )  # fmt: skip

    def __init__(self, path: tuple, line0: int, col0: int, anchor: str | None, ismap: bool):
        self.path, self.line0, self.col0, self.anchor, self.ismap = path, line0, col0, anchor, ismap
        self.size, self.added, self.count, self.key, self.over_child = 1, 0, 0, None, False


# --- files and bytes --------------------------------------------------------------------------


def read_source(path: str | os.PathLike, display: str | None = None) -> str:
    """Read a YAML or JSON file as text, refusing what is not a regular file (without blocking:
    a FIFO, a device, a directory) and anything over :data:`MAX_BYTES` before reading it.

    Every OS-level failure becomes a positioned problem.
    """
    name = display or str(path)
    return decode_source(read_bytes(path, name), name)


def read_bytes(
    path: str | os.PathLike, display: str | None = None, limit: int = MAX_BYTES
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, else :class:`ContractError`."""
    name = display or str(path)

    def refuse(message: str) -> ContractError:
        return ContractError([Problem(name, 1, 1, message)])

    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise refuse("is a directory, not a contract file")
        if not stat.S_ISREG(st.st_mode):
            raise refuse(f"is not a regular file ({_kind(st.st_mode)}): refused")
        if st.st_size > limit:
            raise refuse(_too_big(st.st_size, limit))
        # O_NONBLOCK: a file swapped for a FIFO after the stat still cannot block the open
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise refuse(f"is not a regular file ({_kind(st.st_mode)}): refused")
            chunks = []
            remaining = limit + 1
            while remaining > 0:
                chunk = os.read(fd, min(remaining, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
        finally:
            os.close(fd)
    except FileNotFoundError:
        raise refuse("no such file") from None
    except PermissionError:
        raise refuse("permission denied") from None
    except IsADirectoryError:
        raise refuse("is a directory, not a contract file") from None
    except OSError as exc:
        raise refuse(f"cannot read: {exc.strerror or exc}") from None
    raw = b"".join(chunks)
    if len(raw) > limit:
        raise refuse(_too_big(len(raw), limit))
    return raw


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _too_big(size: int, limit: int) -> str:
    return f"file is {size / 1e6:.1f} MB, over the {limit // (1024 * 1024)} MB limit for a contract"


def decode_source(raw: bytes, filename: str) -> str:
    """Bytes to text, refusing binary and non-UTF-8 input with a positioned problem."""
    if len(raw) > MAX_BYTES:
        raise ContractError([Problem(filename, 1, 1, _too_big(len(raw), MAX_BYTES))])
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = _position(raw, nul)
        raise ContractError([Problem(filename, line, col, "binary file (NUL byte), not YAML")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(raw, exc.start)
        raise ContractError(
            [Problem(filename, line, col, f"not UTF-8: byte 0x{raw[exc.start]:02x} is invalid")]
        ) from None
    return text.removeprefix("\ufeff")


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


# --- the entry points ---------------------------------------------------------------------------


def load_file(path: str | os.PathLike, display: str | None = None) -> LocatedDocument:
    """Read and parse a YAML (or ``.json``) file with every limit; raise :class:`ContractError`."""
    name = display or str(path)
    return load_yaml(read_source(path, name), name)


def load_yaml(text: str, filename: str) -> LocatedDocument:
    """Parse one YAML document into located plain data, or raise :class:`ContractError`.

    A ``filename`` ending in ``.json`` is parsed as strict JSON instead (trailing commas,
    comments, single quotes and the like are located errors), with the same results.
    """
    if filename.lower().endswith(".json"):
        from workbench.contract.jsonsrc import load_json

        return load_json(text, filename)
    if len(text) > MAX_BYTES:
        raise ContractError([Problem(filename, 1, 1, _too_big(len(text), MAX_BYTES))])
    # Building creates hundreds of thousands of small acyclic objects; the cyclic garbage
    # collector would rescan the growing heap again and again (3-4x the parse time on large
    # contracts), so it pauses while we build.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _load_yaml(text, filename)
    finally:
        if enabled:
            gc.enable()


def _load_yaml(text: str, filename: str) -> LocatedDocument:
    parser = _Loader(text)
    try:
        data, locs, key_locs = _compose(parser)
    except _Fail as exc:
        raise ContractError(
            [
                Problem(
                    filename, exc.line0 + 1, exc.col0 + 1, exc.message, format_json_path(exc.path)
                )
            ]
        ) from None
    except _AliasBomb:
        parser.dispose()
        raise ContractError([_diagnose_alias_bomb(text, filename)]) from None
    except yaml.MarkedYAMLError as exc:
        raise ContractError([_yaml_problem(exc, text, filename)]) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = (
            exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        )
        raise ContractError(
            [Problem(filename, line, col, f"control character U+{char:04X} is not allowed in YAML")]
        ) from None
    except yaml.YAMLError as exc:
        raise ContractError([Problem(filename, 1, 1, f"invalid YAML: {exc}")]) from None
    finally:
        parser.dispose()
    return LocatedDocument(data, LocTable(locs, text), LocTable(key_locs, text, trim=False))


def _yaml_problem(exc: yaml.MarkedYAMLError, text: str, filename: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    message = str(exc.problem or exc.context or "invalid YAML")
    ctx = exc.context_mark
    same_place = (
        ctx is not None and mark is not None and (ctx.line, ctx.column) == (mark.line, mark.column)
    )
    if exc.context and exc.problem and ctx is not None and not same_place:
        message += f" ({exc.context} started at {ctx.line + 1}:{ctx.column + 1})"
    elif exc.context and exc.problem and ctx is None:
        message = f"{exc.context}: {message}"
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
        message = "a tab character: YAML indents with spaces only"
    return Problem(filename, line, col, f"invalid YAML: {message}")


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n", line + 1)
    if line < len(lines) and column < len(lines[line]):
        return lines[line][column]
    return ""


def format_json_path(path: Path) -> str:
    """``("tokens", "access_token", "audience", 0)`` -> ``tokens.access_token.audience[0]``."""
    out = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            out.append(("." if out else "") + str(part))
    return "".join(out)


__all__ = [
    "MAX_ALIAS_VALUES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_INT_CHARS",
    "Loc",
    "LocTable",
    "LocatedDocument",
    "decode_source",
    "format_json_path",
    "load_file",
    "load_yaml",
    "nearest_loc",
    "read_bytes",
    "read_source",
]
