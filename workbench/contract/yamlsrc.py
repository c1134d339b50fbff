"""Safe YAML (and JSON) loading that keeps the line and column of every value.

One pass over libyaml's event stream builds plain Python values and records where each one came
from; no node tree is composed and no tag is ever executed. Along the way we refuse what PyYAML
would accept silently or crash on: duplicate mapping keys, non-scalar keys, unsupported tags,
explicit tags with invalid values (``!!int notanint``), integers too long to be real, nesting
deeper than :data:`MAX_DEPTH`, and alias expansion beyond :data:`MAX_ALIAS_VALUES` (a "billion
laughs" document), counted incrementally as the document is built so no bomb is ever expanded.

Locations live in a compact side table (:class:`LocTable`): one packed int per value, in dicts
the garbage collector never tracks, turned into a :class:`Loc` only when someone asks.

``read_source`` is the one way the workbench reads a YAML or JSON file from disk: it refuses
anything that is not a regular file without blocking (a FIFO, a device, a directory), checks the
size before reading and reads at most :data:`MAX_BYTES`. ``load_yaml`` is the one parser: every
file the workbench reads (contracts, settings, the ignore file, amendment records, the TUI's
settings, artefacts) goes through it. A file whose name ends in ``.json`` is parsed as strict JSON
(see :mod:`workbench.contract.jsonsrc`), with the same limits and the same located results.
"""

from __future__ import annotations

import operator
import os
import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from itertools import accumulate, repeat
from typing import Any

from workbench.contract.pyyaml import yaml  # first: PyYAML without a regex it never runs

# isort: split
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

from workbench.contract.collector import collector_paused
from workbench.contract.errors import ContractError, Problem
from workbench.contract.files import (  # re-exported: the readers of files without a parser
    MAX_BYTES,
    _too_big,
    decode_source,
    read_bytes,
    read_regular,
    read_source,
)
from workbench.contract.loc import Loc, nearest_loc
from workbench.contract.record import Record

try:  # the libyaml parser is several times faster; fall back to pure Python where missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 1000
"""The deepest nesting of collections (the document's root counts as depth 1)."""
MAX_ALIAS_VALUES = 100_000
"""How many values aliases may add to a document in total (each alias adds a copy of the whole
value it names, so a few hundred bytes of aliases could otherwise stand for billions)."""
MAX_INT_CHARS = 100
"""The longest integer literal accepted (Python refuses to convert beyond 4,300 digits, and no
contract value needs more than a few dozen)."""

Path = tuple  # a path into the loaded data: str keys and int list indices


_M = 1 << 24  # positions pack two character offsets (files are at most 8 MiB) into one int
_KEY_SHIFT = 48  # an entry in a mapping: key position << 48 | value position (or node index)
_KEY = 1 << _KEY_SHIFT
_MASK = _KEY - 1


def _key_of(entry: int) -> int:
    """The key position carried by a mapping entry."""
    return (entry if entry >= 0 else ~entry) >> _KEY_SHIFT


_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")  # libyaml's line breaks


class _Lines:
    """Character offset -> 0-based (line, column), counting lines as libyaml does (or as JSON
    does); the table of line starts is made on first use and shared by a document's tables."""

    __slots__ = ("_starts", "breaks", "text")

    def __init__(self, text: str, breaks: re.Pattern[str] = _BREAK):
        self.text = text
        self.breaks = breaks
        self._starts: list[int] | None = None

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = _line_starts(self.text, self.breaks)
        return self._starts

    def at(self, index: int) -> tuple[int, int]:
        starts = self.starts
        line = bisect_right(starts, index) - 1
        return line, index - starts[line]

    def line(self, i: int) -> str:
        """The text of 0-based line ``i`` (without its line break)."""
        starts = self.starts
        end = starts[i + 1] if i + 1 < len(starts) else len(self.text)
        return self.breaks.sub("", self.text[starts[i] : end])


def _line_starts(text: str, breaks: re.Pattern[str]) -> list[int]:
    """The offset of every line's first character."""
    lone_cr = text.count("\r") != text.count("\r\n")
    if lone_cr or (breaks is _BREAK and ("\x85" in text or "\u2028" in text or "\u2029" in text)):
        return [0, *(m.end() for m in breaks.finditer(text))]
    # only \n and \r\n: every line ends with \n, so the starts add up line lengths (in C)
    lengths = map(operator.add, map(len, text.split("\n")), repeat(1))
    return list(accumulate(lengths, initial=0))[:-1]


class LocTable(Mapping):
    """Raw path -> :class:`Loc` for one loaded document, stored compactly.

    The loader keeps a shadow of the data made of ints and int-valued dicts, none of which the
    garbage collector has to track: ``nodes[i]`` is the shadow of one collection, a dict from
    each child's key (or index, in a sequence) to the child's entry, with the collection's own
    position under ``None`` and, in a mapping, a ``...`` marker. A position packs a start and an
    end character offset into one int; an entry ``>= 0`` is a scalar's position, ``< 0`` is
    ``~i`` for the child collection ``nodes[i]``, and an entry in a mapping also carries the
    position of its key in its high bits. A path is looked up by walking it (a few dict
    lookups); offsets become a :class:`Loc` on access (the end line of a block moved back over
    trailing blank and comment lines, as readers expect). Values copied from an anchor share the
    anchor's nodes.

    The value table (``locs``) has every value; the key table (``key_locs``) the entries of
    mappings, at their key. Both read like a ``dict[tuple, Loc]``.
    """

    __slots__ = ("_keys", "_len", "_lines", "_nodes", "_root")

    def __init__(self, nodes: list[dict], root: int | None, lines: _Lines, *, keys: bool = False):
        self._nodes = nodes
        self._root = root
        self._lines = lines  # shared by the value and key tables of one document
        self._keys = keys
        self._len: int | None = None

    def _find(self, raw: tuple) -> int | None:
        """The packed position of ``raw`` (its value's, or its key's in the key table)."""
        entry = self._root
        if entry is None:
            return None
        nodes = self._nodes
        node: dict | None = None
        try:
            for part in raw:
                if entry >= 0:
                    return None
                node = nodes[~entry & _MASK]
                entry = node.get(part)
                if entry is None or part is None or part is ...:
                    return None
        except TypeError:  # an unhashable path element
            return None
        if self._keys:
            if node is None or ... not in node:
                return None  # the root, or an item of a sequence: no key
            return (entry if entry >= 0 else ~entry) >> _KEY_SHIFT
        return entry & _MASK if entry >= 0 else nodes[~entry & _MASK][None]

    def _loc(self, packed: int) -> Loc:
        lines = self._lines
        start, end = divmod(packed, _M)
        sl, sc = lines.at(start)
        el, ec = lines.at(end)
        if self._keys:
            return Loc(sl + 1, sc + 1, el if el > sl and ec == 0 else el + 1)
        end_line = el + 1
        if el > sl:
            count = len(lines.starts)
            if ec == 0 or (el < count and not lines.line(el)[:ec].strip()):
                end_line = el
            while sl + 1 < end_line <= count:
                content = lines.line(end_line - 1).strip()
                if content and not content.startswith("#"):
                    break
                end_line -= 1
        return Loc(sl + 1, sc + 1, end_line)

    def __getitem__(self, raw: tuple) -> Loc:
        packed = self._find(raw)
        if packed is None:
            raise KeyError(raw)
        return self._loc(packed)

    def get(self, raw: tuple, default: Any = None) -> Any:
        packed = self._find(raw)
        return default if packed is None else self._loc(packed)

    def span(self, raw: tuple) -> tuple[int, int] | None:
        """The character offsets ``(start, end)`` of ``raw`` in the document's text (its key's in
        the key table), for edits that change those characters and nothing else."""
        packed = self._find(raw)
        return None if packed is None else divmod(packed, _M)

    def __contains__(self, raw: object) -> bool:
        return type(raw) is tuple and self._find(raw) is not None

    def __iter__(self) -> Iterator[tuple]:
        """Every located path, in document order (parents before their children)."""
        return self._walk()

    def paths_with_key(self, name: str) -> list[tuple]:
        """The paths of every mapping entry whose key is ``name``, in document order.

        Only collections are visited (no path is built for scalars): a quick scan.
        """
        root = self._root
        if root is None or root >= 0:
            return []
        nodes = self._nodes
        found: list[tuple[int, int]] = []
        # each collection visited: (its parent's index here, its key); a path is built only
        # for a hit, by following the parents
        trail: list[tuple[int, Any]] = [(-1, None)]
        work: list[tuple[int, int]] = [(0, root)]
        while work:
            at, ref = work.pop()
            node = nodes[~ref & _MASK]
            entry = node.get(name)
            if entry is not None and ... in node:
                found.append((_key_of(entry), at))
            for k, entry in node.items():
                if entry < 0:  # a child collection
                    work.append((len(trail), entry))
                    trail.append((at, k))
        found.sort(key=lambda hit: hit[0])
        paths = []
        for _, at in found:
            parts = [name]
            while at > 0:
                at, k = trail[at]
                parts.append(k)
            paths.append(tuple(reversed(parts)))
        return paths

    def _walk(self) -> Iterator[tuple]:
        root = self._root
        if root is None:
            return
        keys = self._keys
        if not keys:
            yield ()
        if root >= 0:
            return
        nodes = self._nodes
        top = nodes[~root & _MASK]
        stack: list[tuple[tuple, Iterator, bool]] = [((), iter(top.items()), ... in top)]
        while stack:
            prefix, children, ismap = stack[-1]
            for k, entry in children:
                if k is None or k is ...:
                    continue
                raw = (*prefix, k)
                if ismap or not keys:
                    yield raw
                if entry < 0:
                    sub = nodes[~entry & _MASK]
                    stack.append((raw, iter(sub.items()), ... in sub))
                    break
            else:
                stack.pop()

    def __len__(self) -> int:
        if self._len is None:
            self._len = sum(1 for _ in self)
        return self._len

    def __bool__(self) -> bool:
        return next(iter(self), None) is not None

    def __repr__(self) -> str:
        return f"LocTable({'keys' if self._keys else 'values'})"


def paths_with_key(locs: Mapping[tuple, Loc], name: str) -> list[tuple]:
    """The located paths whose last element is ``name``: fast on a :class:`LocTable`."""
    if isinstance(locs, LocTable):
        return locs.paths_with_key(name)
    return [raw for raw in locs if raw and raw[-1] == name]


class LocatedDocument(Record):
    """Plain data (dict/list/str/int/float/bool/None) plus a location for every node."""

    __slots__ = ("data", "key_locs", "locs")
    data: Any
    locs: Mapping[Path, Loc]  # value locations
    key_locs: Mapping[Path, Loc]  # locations of the mapping keys that lead to a value

    def __init__(self, data: Any, locs: Mapping[Path, Loc], key_locs: Mapping[Path, Loc]):
        self.data = data
        self.locs = locs
        self.key_locs = key_locs

    def nearest(self, raw: Path) -> Loc | None:
        """The location of ``raw``, or of its nearest located ancestor."""
        return nearest_loc(self.locs, raw)

    def problem(self, source: str, raw: Path, message: str, severity: str = "error") -> Problem:
        """A problem at the key leading to ``raw`` (else its value or nearest ancestor)."""
        loc = self.key_locs.get(raw) or self.nearest(raw)
        line, col = (loc.line, loc.column) if loc else (1, 1)
        return Problem(source, line, col, message, format_json_path(raw), severity)


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
MERGE_KEY = "<<"


class _Anchor:
    __slots__ = ("entry", "key_text", "line", "open", "size", "value")

    def __init__(self, value: Any, entry: int | None, line: int):
        self.line = line  # 0-based, for "duplicate anchor" messages
        self.value = value
        self.entry = entry  # the anchored value's shadow entry
        self.size = -1  # values in the expanded value, counted on first use
        self.key_text: str | None = None  # the raw text of an anchored scalar (for alias keys)
        self.open = entry is None  # a collection still being built (an alias would recurse)


def _count(value: Any, budget: int) -> int:
    """How many values ``value`` holds (itself included), counting at most ``budget + 1``."""
    n = 1
    work = [value]
    while work and n <= budget:
        v = work.pop()
        if type(v) is dict:
            n += len(v)
            work.extend(x for x in v.values() if type(x) is dict or type(x) is list)
        elif type(v) is list:
            n += len(v)
            work.extend(x for x in v if type(x) is dict or type(x) is list)
    return n


def _compose(parser: Any, text: str) -> tuple[Any, list[dict], int]:
    """Build ``(data, shadow nodes, root entry)`` from the events of one document, in one pass.

    The hot loop keeps the innermost open collection in local variables and pushes the others on
    a stack; scalars resolve inline (one dict lookup for words, PyYAML's regular expressions only
    for scalars that start like a number); positions go into the shadow described in
    :class:`LocTable`. No path is built unless something is wrong.
    """
    get = parser.get_event
    get()  # StreamStartEvent
    ev = get()
    if type(ev) is StreamEndEvent:
        raise _Fail(0, 0, "empty document: expected a contract mapping", ())

    anchors: dict[str, _Anchor] = {}
    aliased = 0  # values added by aliases so far
    stack: list[tuple] = []
    words = _WORDS
    special = _SPECIAL_START
    plain = _plain
    nokey = _NOKEY
    merge_key = _MERGE
    M = _M
    K = _KEY
    nodes: list[dict] = []  # the shadow: see LocTable
    add_node = nodes.append
    nid = -1  # the innermost open collection's node

    # The innermost open collection: its data, its shadow node (and that node's index), whether
    # it is a mapping, the pending key of a mapping and that key's position (already shifted into
    # the high bits of an entry), and the merge sources seen so far.
    cont: Any = None  # None while building the document's root
    sh: Any = None
    ismap = False
    key: Any = nokey
    kpos = 0
    merges: list | None = None
    depth = 0
    root: Any = None
    entry: Any = None

    try:
        while True:
            ev = get()
            t = type(ev)
            if t is ScalarEvent:
                sm = ev.start_mark
                if ismap and key is nokey:  # a mapping key
                    value = ev.value
                    tag = ev.tag
                    if tag is not None and tag != "!":
                        if tag == MERGE_TAG:
                            value = MERGE_KEY
                        else:
                            _tagged(ev, None)  # a core tag with a valid value, else an error
                    if value == MERGE_KEY and (ev.implicit[0] or tag == MERGE_TAG):
                        if merges:
                            raise _Fail(sm.line, sm.column, "duplicate key '<<'", None)
                        key = merge_key
                    elif value in cont:
                        first = _line_of(text, _key_of(sh[value]) // M)
                        raise _Fail(
                            sm.line,
                            sm.column,
                            f"duplicate key {value!r} (first at line {first + 1})",
                            (*_path(stack), value),
                        )
                    else:
                        key = value
                    kpos = sm.index * M + ev.end_mark.index
                    if ev.anchor is not None:
                        _anchor_scalar(ev, anchors, kpos)
                    kpos *= K  # the key's position, in the high bits of its entry
                    continue
                # a value
                tag = ev.tag
                value = ev.value
                if tag is None or tag == "!":
                    if ev.implicit[0]:
                        if value[:1] in special:
                            value = plain(value, sm, None)
                        else:
                            value = words.get(value, value)
                else:
                    value = _tagged(ev, None)
                pos = sm.index * M + ev.end_mark.index
                if ev.anchor is not None:
                    _anchor_scalar(ev, anchors, pos)
                if ismap:
                    if key is merge_key:
                        raise _Fail(
                            sm.line,
                            sm.column,
                            "a merge key '<<' needs a mapping or list of mappings",
                            None,
                        )
                    cont[key] = value
                    sh[key] = kpos + pos
                    key = nokey
                elif cont is not None:
                    sh[len(cont)] = pos
                    cont.append(value)
                else:
                    root, entry = value, pos
                    break
                continue

            if t is MappingStartEvent or t is SequenceStartEvent:
                sm = ev.start_mark
                if ismap and key is nokey:
                    raise _Fail(
                        sm.line, sm.column, "mapping keys must be plain scalars", _path(stack)
                    )
                mapping = t is MappingStartEvent
                depth += 1
                if depth > MAX_DEPTH:
                    raise _Fail(
                        sm.line,
                        sm.column,
                        f"maximum nesting depth of {MAX_DEPTH} exceeded",
                        None if depth < 10 else (),  # no path a thousand levels long
                    )
                tag = ev.tag
                if tag is not None and tag != "!" and tag != (MAP_TAG if mapping else SEQ_TAG):
                    raise _Fail(sm.line, sm.column, f"unsupported YAML tag {tag!r}", None)
                anchor = ev.anchor
                if anchor is not None:
                    if anchor in anchors:
                        raise _duplicate_anchor(anchor, anchors[anchor], sm)
                    anchors[anchor] = _Anchor(None, None, sm.line)
                stack.append((cont, sh, ismap, key, kpos, merges, nid, sm.index, anchor))
                nid = len(nodes)
                if mapping:
                    cont, sh, ismap = {}, {...: 0}, True
                    add_node(sh)
                else:
                    cont, sh, ismap = [], {}, False
                    add_node(sh)
                key = nokey
                merges = None
                continue

            if t is MappingEndEvent or t is SequenceEndEvent:
                value = cont
                if merges:
                    value, nid = _apply_merges(value, nid, merges, stack, text, nodes)
                sub = ~nid
                end = ev.end_mark.index
                cont, sh, ismap, key, kpos, merges, parent, start, anchor = stack.pop()
                nodes[nid][None] = start * M + end
                nid = parent
                depth -= 1
                if anchor is not None:
                    a = anchors[anchor]
                    a.value, a.entry, a.open = value, sub, False
                if ismap:
                    if key is merge_key:
                        (merges if merges is not None else (merges := [])).append(
                            (len(cont), value, sub, start)
                        )
                    else:
                        cont[key] = value
                        sh[key] = ~(kpos + ~sub)
                    key = nokey
                elif cont is not None:
                    sh[len(cont)] = sub
                    cont.append(value)
                else:
                    root, entry = value, sub
                    break
                continue

            if t is AliasEvent:
                sm = ev.start_mark
                name = ev.anchor
                a = anchors.get(name)
                if a is None:
                    raise _Fail(sm.line, sm.column, f"found undefined alias {name!r}", None)
                if ismap and key is nokey:  # an alias as a mapping key: to a scalar only
                    if a.key_text is None:
                        raise _Fail(
                            sm.line, sm.column, "mapping keys must be plain scalars", _path(stack)
                        )
                    value = a.key_text
                    if value in cont:
                        raise _Fail(
                            sm.line, sm.column, f"duplicate key {value!r}", (*_path(stack), value)
                        )
                    key = value
                    kpos = (sm.index * M + ev.end_mark.index) * K
                    continue
                if a.open:
                    raise _Fail(
                        sm.line,
                        sm.column,
                        f"alias *{name} refers to the value that contains it (a recursive "
                        "structure)",
                        None,
                    )
                if a.size < 0:
                    a.size = _count(a.value, MAX_ALIAS_VALUES - aliased)
                aliased += a.size
                if aliased > MAX_ALIAS_VALUES:
                    raise _AliasBomb
                value = _copy(a.value)
                if ismap:
                    if key is merge_key:
                        (merges if merges is not None else (merges := [])).append(
                            (len(cont), value, a.entry, sm.index)
                        )
                    else:
                        cont[key] = value
                        e = a.entry
                        sh[key] = kpos + e if e >= 0 else ~(kpos + ~e)
                    key = nokey
                elif cont is not None:
                    sh[len(cont)] = a.entry
                    cont.append(value)
                else:
                    root, entry = value, a.entry
                    break
                continue

            raise _Fail(ev.start_mark.line, ev.start_mark.column, "unexpected YAML event", None)
    except _Fail as exc:
        if exc.path is None:  # the value being placed
            here = _path(stack)
            if ismap and key is not nokey:
                here = (*here, MERGE_KEY if key is merge_key else key)
            elif cont is not None and not ismap:
                here = (*here, len(cont))
            exc.path = here
        raise

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
    return root, nodes, entry


def _line_of(text: str, index: int) -> int:
    """The 0-based line of a character offset (for error messages)."""
    return len(_BREAK.findall(text, 0, index))


def _path(stack: list[tuple]) -> tuple:
    """The path of the innermost open collection, from the builder's stack (for errors)."""
    out = []
    for frame in stack:
        cont, ismap, key = frame[0], frame[2], frame[3]
        if cont is None:
            continue
        out.append((MERGE_KEY if key is _MERGE else key) if ismap else len(cont))
    return tuple(out)


def _anchor_scalar(ev: ScalarEvent, anchors: dict, pos: int) -> None:
    name = ev.anchor
    if name in anchors:
        raise _duplicate_anchor(name, anchors[name], ev.start_mark)
    a = anchors[name] = _Anchor(_scalar_value(ev, None), pos, ev.start_mark.line)
    a.key_text = ev.value


def _duplicate_anchor(name: str, first: _Anchor, mark: Any) -> _Fail:
    return _Fail(
        mark.line,
        mark.column,
        f"duplicate anchor &{name} (first at line {first.line + 1})",
        None,
    )


def _apply_merges(
    explicit: dict, nid: int, merges: list, stack: list, text: str, nodes: list[dict]
) -> tuple[dict, int]:
    """The mapping ``nodes[nid]`` with its ``<<`` merge sources applied (YAML merge keys), and
    the node of its merged shadow.

    Keys written in the mapping win over merged ones; among merge sources the first wins. Merged
    keys sit where their ``<<`` was written, located where the source wrote them (keys too).
    """
    chosen: dict[Any, tuple[Any, int]] = {}  # key -> (value, entry)
    slots: list[tuple[int, list]] = []

    def refuse(entry: int) -> _Fail:
        packed = nodes[~entry & _MASK][None] if entry < 0 else entry & _MASK
        line, col = _Lines(text).at(packed // _M)
        return _Fail(
            line, col, "a merge key '<<' needs a mapping or list of mappings", _path(stack)
        )

    for at, value, entry, where in merges:
        if type(value) is dict:
            sources = [(value, entry)]
        elif type(value) is list:
            items = nodes[~entry & _MASK]
            sources = [(item, items[i]) for i, item in enumerate(value)]
        else:
            raise refuse(where * _M)  # where the scalar was given (the alias, not its anchor)
        keys = []
        for src, src_entry in sources:
            if type(src) is not dict:
                raise refuse(src_entry)
            src_node = nodes[~src_entry & _MASK]
            for k, v in src.items():
                if k not in explicit and k not in chosen:
                    chosen[k] = (v, src_node[k])
                    keys.append(k)
        slots.append((at, keys))
    shadow = nodes[nid]
    merged_nid = len(nodes)
    data: dict = {}
    located: dict = {...: 0}
    nodes.append(located)
    items = list(explicit)
    i = 0
    for at, keys in slots:
        for k in items[i:at]:
            data[k], located[k] = explicit[k], shadow[k]
        i = max(i, at)
        for k in keys:
            data[k], located[k] = chosen[k]
    for k in items[i:]:
        data[k], located[k] = explicit[k], shadow[k]
    return data, merged_nid


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
    with collector_paused():
        return _load_yaml(text, filename)


def _load_yaml(text: str, filename: str) -> LocatedDocument:
    parser = _Loader(text)
    try:
        data, nodes, entry = _compose(parser, text)
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
    lines = _Lines(text)
    return LocatedDocument(
        data, LocTable(nodes, entry, lines), LocTable(nodes, entry, lines, keys=True)
    )


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
    "collector_paused",
    "decode_source",
    "format_json_path",
    "load_file",
    "load_yaml",
    "nearest_loc",
    "paths_with_key",
    "read_bytes",
    "read_regular",
    "read_source",
]
