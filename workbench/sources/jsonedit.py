"""Reading a revision of a large JSON document as an edit of the revision read before it.

A history is read revision after revision, and an amendment changes a few bytes of megabytes.
The texts share a prefix and a suffix; what differs lies inside one object or array of the text
read before. When the members of that container are known (where each key and value starts and
ends), only the members the change touches are parsed again, from the new text, and the new
document is the old one with those members replaced: the parts outside are the very objects of
the old document (a reader that keeps what it converted can tell them by identity).

This is exact, not a guess: the new text is the old text with one run of whole members of one
container replaced by another run that parses completely, between the same neighbours, so it
is valid JSON whose every other value is unchanged. Whatever cannot be proven that way
(a change that crosses a container's brackets, a member run that does not parse to exactly
where the unchanged text resumes, a repeated key) gives ``None``, and the caller parses the whole
text as usual (with its located errors).

The :class:`Index` of a text (the members of its larger containers) is carried from revision
to revision, offsets shifted past the change, and lends the positions it knows to the text's
:class:`~workbench.sources.jsonloc.JsonLocator`, so a finding under a large container does not
make the locator skip megabytes to find where it starts or ends.
"""

from __future__ import annotations

import json
import re
from _thread import allocate_lock  # threading.Lock, without importing threading
from bisect import bisect_left, bisect_right
from itertools import islice
from typing import Any

from workbench.contract.textspan import common_prefix, common_suffix

Path = tuple

_WS = re.compile(r"[ \t\n\r]*")
_scanstring = json.decoder.scanstring  # type: ignore[attr-defined]
_skipper = json.JSONDecoder()  # skips values of a text known to be valid (no checks needed)

KEEP_FROM = 16 << 10  # containers at least this long are kept in the index across revisions
LINE_STEP = 16 << 10  # a line number counted further than this from the last one is remembered


class Members:
    """Where every member of one object or array is in a text: the opener at ``start``, the
    closer just before ``end``; per member (in order) its key (``None`` in an array), and where
    its key (an array item: its value), its value and the end of its value are."""

    __slots__ = ("_map", "end", "key_at", "keys", "start", "value_at", "value_end")

    def __init__(
        self,
        start: int,
        end: int,
        keys: list[Any] | None,
        key_at: list[int],
        value_at: list[int],
        value_end: list[int],
    ):
        self.start = start
        self.end = end
        self.keys = keys
        self.key_at = key_at
        self.value_at = value_at
        self.value_end = value_end
        self._map: dict[Any, int] | None = None

    def position(self, key: Any) -> int | None:
        """The index of member ``key`` (an object's key, an array's index), ``None`` if none."""
        if self.keys is None:
            if isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(self.value_at):
                return key
            return None
        if self._map is None:
            self._map = {k: i for i, k in enumerate(self.keys)}
        return self._map.get(key)

    def shifted(self, delta: int) -> Members:
        """The same container moved ``delta`` characters (it lies past a change)."""
        return Members(
            self.start + delta,
            self.end + delta,
            self.keys,
            [x + delta for x in self.key_at],
            [x + delta for x in self.value_at],
            [x + delta for x in self.value_end],
        )


def scan(text: str, start: int) -> Members:
    """The members of the valid container opening at ``start`` of ``text``."""
    is_object = text[start] == "{"
    close = "}" if is_object else "]"
    ws = _WS.match
    skip = _skipper.raw_decode
    keys: list[Any] | None = [] if is_object else None
    key_at: list[int] = []
    value_at: list[int] = []
    value_end: list[int] = []
    pos = ws(text, start + 1).end()  # type: ignore[union-attr]
    if text[pos] == close:
        return Members(start, pos + 1, keys, key_at, value_at, value_end)
    while True:
        key_at.append(pos)
        if keys is not None:
            key, pos = _scanstring(text, pos + 1)
            keys.append(key)
            pos = ws(text, ws(text, pos).end() + 1).end()  # type: ignore[union-attr]
        value_at.append(pos)
        pos = skip(text, pos)[1]
        value_end.append(pos)
        pos = ws(text, pos).end()  # type: ignore[union-attr]
        if text[pos] != ",":
            return Members(start, pos + 1, keys, key_at, value_at, value_end)
        pos = ws(text, pos + 1).end()  # type: ignore[union-attr]


class Index:
    """The members of some containers of one text, by path (see :class:`Members`), and how many
    line breaks come before some offsets (so a line number is counted from the nearest one)."""

    __slots__ = ("_lock", "containers", "line_at", "line_count")

    def __init__(
        self,
        containers: dict[Path, Members] | None = None,
        line_at: list[int] | None = None,
        line_count: list[int] | None = None,
    ):
        self.containers: dict[Path, Members] = containers or {}
        self.line_at: list[int] = line_at or []  # offsets, ascending
        self.line_count: list[int] = line_count or []  # line breaks before each
        self._lock = allocate_lock()

    def newlines(self, text: str, offset: int) -> int:
        """How many line breaks ``text`` has before ``offset``."""
        at, counts = self.line_at, self.line_count
        i = bisect_right(at, offset) - 1
        base, n = (at[i], counts[i]) if i >= 0 else (0, 0)
        n += text.count("\n", base, offset)
        if offset - base > LINE_STEP:  # remembered: the next ask near here counts little
            with self._lock:
                j = bisect_right(at, offset)
                if len(at) < 4096 and (j == 0 or at[j - 1] != offset):
                    at.insert(j, offset)
                    counts.insert(j, n)
        return n

    def members(self, text: str, path: Path, start: int) -> Members:
        """The members of the container at ``path`` (opening at ``start``), scanned if new."""
        found = self.containers.get(path)
        if found is None or found.start != start:
            found = self.containers[path] = scan(text, start)
        return found

    def end(self, path: Path) -> int | None:
        """Where the value at ``path`` ends, when its container's members are known."""
        if not path:
            return None
        parent = self.containers.get(path[:-1])
        if parent is None:
            return None
        i = parent.position(path[-1])
        return None if i is None else parent.value_end[i]


def reparse(
    old_text: str,
    old_data: Any,
    index: Index,
    new_text: str,
    decoder: json.JSONDecoder,
) -> tuple[Any, Index] | None:
    """The document of ``new_text`` and its index, built from ``old_text`` (whose document is
    ``old_data`` and whose known containers are ``index``; what this scans is added to it), or
    ``None`` when the change cannot be confined to whole members of one container (the
    caller then parses ``new_text`` whole). ``decoder`` parses the new members (the caller's
    rules: repeated keys refused)."""
    n_old, n_new = len(old_text), len(new_text)
    a = common_prefix(old_text, new_text)
    if a == n_old == n_new:
        return old_data, index
    sfx = common_suffix(old_text, new_text, min(n_old, n_new) - a)
    b_old = n_old - sfx
    delta = n_new - n_old
    if (b_old - a) * 2 > n_old:
        return None  # most of it changed: parsing it whole is as quick
    root_at = _WS.match(old_text).end()  # type: ignore[union-attr]
    if old_text[root_at : root_at + 1] not in ("{", "[") or not (
        root_at < a and len(old_text.rstrip(" \t\n\r")) - 1 >= b_old
    ):
        return None  # the change touches the document's own brackets
    # descend to the innermost container whose members hold the whole change
    path: Path = ()
    chain: list[tuple[Path, Members, int]] = []  # ancestors: path, members, member index
    box = index.members(old_text, (), root_at)
    while True:
        i = bisect_right(box.key_at, a) - 1
        if (
            i >= 0
            and box.value_at[i] < a
            and box.value_end[i] - 1 >= b_old
            and old_text[box.value_at[i]] in "{["
        ):
            key = box.keys[i] if box.keys is not None else i
            chain.append((path, box, i))
            path = (*path, key)
            box = index.members(old_text, path, box.value_at[i])
            continue
        break
    old_node = _follow(old_data, path)
    if old_node is None:
        return None
    parsed = _members(new_text, box, a, b_old, delta, decoder)
    if parsed is None:
        return None
    first, stop, new_keys, new_values, key_at, value_at, value_end = parsed
    # the new container
    if box.keys is not None:
        replaced = set(box.keys[first:stop])
        seen: set[Any] = set()
        for k in new_keys:
            if k in seen or (k in old_node and k not in replaced):
                return None  # a repeated key: the whole parse reports where
            seen.add(k)
        node: Any = dict(islice(old_node.items(), first))
        node.update(zip(new_keys, new_values, strict=True))
        node.update(islice(old_node.items(), stop, None))
        keys: list[Any] | None = [*box.keys[:first], *new_keys, *box.keys[stop:]]
    else:
        node = [*old_node[:first], *new_values, *old_node[stop:]]
        keys = None
    after = slice(stop, None)
    changed = Members(
        box.start,
        box.end + delta,
        keys,
        [*box.key_at[:first], *key_at, *(x + delta for x in box.key_at[after])],
        [*box.value_at[:first], *value_at, *(x + delta for x in box.value_at[after])],
        [*box.value_end[:first], *value_end, *(x + delta for x in box.value_end[after])],
    )
    # its ancestors, copied along the path (everything else is shared with the old document)
    updated: dict[Path, Members] = {path: changed}
    for where, parent, i in reversed(chain):
        holder = _follow(old_data, where)
        copy = dict(holder) if isinstance(holder, dict) else list(holder)
        copy[path[len(where)] if isinstance(holder, dict) else i] = node
        node = copy
        ends = list(parent.value_end)
        ends[i] += delta
        updated[where] = Members(
            parent.start,
            parent.end + delta,
            parent.keys,
            [*parent.key_at[: i + 1], *(x + delta for x in parent.key_at[i + 1 :])],
            [*parent.value_at[: i + 1], *(x + delta for x in parent.value_at[i + 1 :])],
            [*ends[: i + 1], *(x + delta for x in ends[i + 1 :])],
        )
    lo = box.key_at[first] if first < len(box.key_at) else box.end - 1
    hi = box.key_at[stop] if stop < len(box.key_at) else box.end - 1
    # an array's items after a run of another length are at other indices: not kept
    renumbered = box.keys is None and len(new_values) != stop - first
    depth = len(path)
    kept: dict[Path, Members] = {}
    for where, members in index.containers.items():
        if where in updated:
            kept[where] = updated[where]
        elif members.end - members.start < KEEP_FROM or (
            renumbered and len(where) > depth and where[:depth] == path
        ):
            continue
        elif members.end <= lo:
            kept[where] = members
        elif members.start >= hi:
            kept[where] = members.shifted(delta)
    for where, members in updated.items():
        kept.setdefault(where, members)
    # line counts: the same before the change, shifted by the line breaks it adds after it
    b_new = b_old + delta
    lines = new_text.count("\n", a, b_new) - old_text.count("\n", a, b_old)
    before = bisect_right(index.line_at, a)
    after = bisect_left(index.line_at, b_old)
    line_at = [*index.line_at[:before], *(x + delta for x in index.line_at[after:])]
    line_count = [*index.line_count[:before], *(n + lines for n in index.line_count[after:])]
    return node, Index(kept, line_at, line_count)


def _follow(data: Any, path: Path) -> Any:
    node = data
    for key in path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    return node if isinstance(node, dict | list) else None


def _members(
    text: str, box: Members, a: int, b_old: int, delta: int, decoder: json.JSONDecoder
) -> tuple[int, int, list, list, list[int], list[int], list[int]] | None:
    """Parse, in the new ``text``, the members of ``box`` that the change ``[a, b_old)`` (of
    the old text) touches: ``(first, stop, keys, values, key_at, value_at, value_end)``, the
    old members ``first:stop`` being replaced by the ones parsed; ``None`` when the new text
    there is not a run of whole members ending exactly where the unchanged text resumes."""
    count = len(box.key_at)
    stop = bisect_left(box.key_at, b_old)  # the first member the change leaves whole
    first = min(max(bisect_right(box.key_at, a) - 1, 0), stop)
    begin = box.key_at[first] if count and first < count and box.key_at[first] <= a else None
    if begin is None:  # the change starts before the first member: right after the opener
        first = 0
        begin = box.start + 1
    resume = (box.key_at[stop] if stop < count else box.end - 1) + delta
    is_object = box.keys is not None
    close = "}" if is_object else "]"
    ws = _WS.match
    keys: list[Any] = []
    values: list[Any] = []
    key_at: list[int] = []
    value_at: list[int] = []
    value_end: list[int] = []
    pos = ws(text, begin).end()  # type: ignore[union-attr]
    try:
        if pos == resume:
            if stop < count:
                return first, stop, keys, values, key_at, value_at, value_end
            # the run is empty and the container closes here: no comma may come before it
            if text[pos : pos + 1] == close and first == 0:
                return first, stop, keys, values, key_at, value_at, value_end
            return None
        while pos < resume:
            key_at.append(pos)
            if is_object:
                if text[pos : pos + 1] != '"':
                    return None
                key, pos = _scanstring(text, pos + 1)
                pos = ws(text, pos).end()  # type: ignore[union-attr]
                if text[pos : pos + 1] != ":":
                    return None
                pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
                keys.append(key)
            value_at.append(pos)
            value, pos = decoder.raw_decode(text, pos)
            values.append(value)
            value_end.append(pos)
            pos = ws(text, pos).end()  # type: ignore[union-attr]
            if pos > resume:
                return None
            mark = text[pos : pos + 1]
            if mark == ",":
                pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
                if pos == resume and stop < count:
                    return first, stop, keys, values, key_at, value_at, value_end
                continue
            if mark == close and pos == resume and stop == count:
                return first, stop, keys, values, key_at, value_at, value_end
            return None
    except (ValueError, RecursionError):  # JSONDecodeError, a repeated key
        return None
    return None
