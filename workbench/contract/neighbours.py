"""Parsing a run of neighbouring revisions: unchanged top-level sections are parsed once.

Consecutive revisions of a contract differ in a few lines. :class:`SectionLoader` gives the same
:class:`~workbench.contract.yamlsrc.LocatedDocument` as :func:`~workbench.contract.yamlsrc.load_yaml`
(the same data, every value and key at the same line and column) but cuts a document into its
top-level sections first (a section runs from a key at column 0 to the next one) and parses only
the sections whose text it has not met in the two documents it parsed last; a section met
before keeps its values, and its locations are moved to where it now starts when first read
(a document's locations are read for a few findings: most are never moved at all).

It takes this path only for documents where cutting cannot change the meaning: a block mapping
whose top-level keys are plain words at column 0 (``key:``), nothing else at column 0 but
comments, only ``\\n`` line breaks, no anchors, aliases, tags or merge keys (a conservative test:
an ``&``, ``*`` or ``!`` after a space or a flow indicator, or ``<<`` anywhere, sends the
document down the whole parse), and unique top-level keys. Anything else, and any problem a
section reports, goes to the whole parse, whose answers (and errors, with their positions) are
the reference: this module never produces an error of its own.

Sections met before share their values with the documents they were first parsed in (parsed
data is never modified after loading: the caches of parsed revisions rely on that already). The
loader remembers the sections of the last two documents only, so it holds no more than what a
log's judge holds anyway; it is not thread-safe (one per thread).
"""

from __future__ import annotations

import re
from typing import Any

from workbench.contract.files import MAX_BYTES
from workbench.contract.yamlsrc import (
    _KEY,
    _M,
    LocatedDocument,
    LocTable,
    _compose,
    _Lines,
    _Loader,
    collector_paused,
    load_yaml,
)

# a line starting at column 0 with something other than a comment (found from its line break:
# a literal to search for, where ``^`` in multi-line mode is tried at every character)
_TOP = re.compile(r"\n[^ #\n]")
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*):(?: |(?=\n)|\Z)")
# what could make a section mean something else alone: other line breaks, merge keys, and
# anchors, aliases and tags (after a space or a flow indicator: inside a word they are text)
_UNSAFE_TEXT = ("\r", "\x85", "\u2028", "\u2029", "<<")
_NODE_PROPERTY = "&*!"
# more top-level keys than this: the whole parse (each section parsed alone costs a parser of
# its own, about 13 microseconds: a document of one-line keys would parse three times slower)
MAX_SECTIONS = 256
_BEFORE_PROPERTY = frozenset(" \t\n[]{},:")
_BLANK_OR_COMMENT = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\n)*[ \t]*(?:#[^\n]*)?")


class _Section:
    """A top-level section parsed alone: its key's value, and its shadow as the parse left it
    (node ids from 1, positions from the section's first character); the document it is met in
    moves both: node ``i`` becomes ``i + base``, every position moves by where it starts."""

    __slots__ = ("base", "entry", "nodes", "value")

    def __init__(self, value: Any, entry: int, nodes: list[dict], base: int):
        self.value = value
        self.entry = entry  # its entry in the root mapping of its own parse
        self.nodes = nodes  # the shadow nodes of its own parse (``nodes[0]``: that root)
        self.base = base  # what its node ids become in every document: unique to it


class _Nodes(dict):
    """The shadow nodes of an assembled document: the root, and the nodes of each section
    moved where the section starts when first asked for (a document's locations are read for
    a few findings, not all: nothing is moved that is never read)."""

    __slots__ = ("spans",)

    def __init__(self, root: dict):
        super().__init__({0: root})
        self.spans: list[tuple[int, int, _Section, int]] = []  # (first id, end id, section, start)

    def __missing__(self, nid: int) -> dict:
        for lo, hi, section, start in self.spans:
            if lo <= nid < hi:
                node = _moved(section.nodes[nid - section.base], start, section.base)
                self[nid] = node
                return node
        raise KeyError(nid)


def cut(text: str) -> list[tuple[str, int]] | None:
    """The top-level sections of ``text`` as ``(key, start offset)``, in order; ``None`` when
    the document is not one this module can cut safely (see the module's docstring)."""
    if _unsafe(text):
        return None
    sections: list[tuple[str, int]] = []
    seen: set[str] = set()
    starts = [m.start() + 1 for m in _TOP.finditer(text)]
    if text[:1] not in ("", " ", "#", "\n"):
        starts.insert(0, 0)
    if len(starts) > MAX_SECTIONS:
        return None
    for at in starts:
        found = _KEY_LINE.match(text, at)
        if found is None:
            return None
        key = found.group(1)
        if key in seen:
            return None
        seen.add(key)
        sections.append((key, at))
    if not sections:
        return None
    first = sections[0][1]
    if _BLANK_OR_COMMENT.fullmatch(text, 0, first) is None:
        return None
    return sections


def _unsafe(text: str) -> bool:
    """Whether ``text`` may hold something a section could not mean alone (str.find runs at C
    speed; the few hits are looked at one by one)."""
    if any(s in text for s in _UNSAFE_TEXT):
        return True
    for ch in _NODE_PROPERTY:
        at = text.find(ch)
        while at >= 0:
            if at == 0 or text[at - 1] in _BEFORE_PROPERTY:
                return True
            at = text.find(ch, at + 1)
    return False


def _moved(node: dict, delta: int, base: int) -> dict:
    """A shadow ``node`` with every position moved by ``delta`` characters and the ids of the
    nodes it refers to by ``base``."""
    shift = delta * (_M + 1)  # a position packs start * M + end: both move
    kshift = shift * _KEY  # a mapping entry's key position, in the high bits
    new: dict = {}
    if ... in node:
        for k, e in node.items():
            if k is ...:
                new[k] = 0
            elif k is None:
                new[k] = e + shift
            elif e >= 0:
                new[k] = e + shift + kshift
            else:
                new[k] = ~(~e + kshift + base)
    else:
        for k, e in node.items():
            if k is None or e >= 0:
                new[k] = e + shift
            else:
                new[k] = ~(~e + base)
    return new


def _moved_entry(entry: int, delta: int, base: int) -> int:
    """A mapping entry moved as :func:`_moved` moves those of a node."""
    shift = delta * (_M + 1)
    kshift = shift * _KEY
    return entry + shift + kshift if entry >= 0 else ~(~entry + kshift + base)


class SectionLoader:
    """:func:`~workbench.contract.yamlsrc.load_yaml` for a run of neighbouring revisions (see
    the module's docstring): the same answers, parsing only the sections not met lately."""

    def __init__(self) -> None:
        # the sections of the last document parsed and of the one before, by their text
        self._last: dict[str, _Section] = {}
        self._before: dict[str, _Section] = {}
        self._next_id = 1  # node ids of the sections parsed: unique across the documents
        self.parsed = 0  # sections parsed and reused, for tests and measurements
        self.reused = 0

    def clear(self) -> None:
        self._last, self._before = {}, {}

    def load(self, text: str, filename: str) -> LocatedDocument:
        """What ``load_yaml(text, filename)`` gives (raising the same errors)."""
        if filename.lower().endswith(".json") or len(text) > MAX_BYTES:
            return load_yaml(text, filename)
        sections = cut(text)
        if sections is None:
            return load_yaml(text, filename)
        with collector_paused():
            doc = self._assemble(text, sections)
        return load_yaml(text, filename) if doc is None else doc

    def _assemble(self, text: str, sections: list[tuple[str, int]]) -> LocatedDocument | None:
        last, before = self._last, self._before
        data: dict = {}
        root: dict = {...: 0}
        nodes = _Nodes(root)
        spans = nodes.spans
        met: dict[str, _Section] = {}
        ends = [start for _, start in sections[1:]] + [len(text)]
        for (key, start), end in zip(sections, ends, strict=True):
            chunk = text[start:end]
            section = last.get(chunk) or before.get(chunk)
            if section is None:
                section = self._parse(chunk, key)
                if section is None:
                    return None
                self.parsed += 1
            else:
                self.reused += 1
            met[chunk] = section
            data[key] = section.value
            root[key] = _moved_entry(section.entry, start, section.base)
            if len(section.nodes) > 1:
                spans.append((section.base + 1, section.base + len(section.nodes), section, start))
        root[None] = sections[0][1] * _M + len(text)
        self._before, self._last = last, met
        lines = _Lines(text)
        return LocatedDocument(
            data,
            LocTable(nodes, -1, lines),  # type: ignore[arg-type]
            LocTable(nodes, -1, lines, keys=True),  # type: ignore[arg-type]
        )

    def _parse(self, chunk: str, key: str) -> _Section | None:
        """One section parsed alone; ``None`` for anything but a one-key mapping parsed without
        a problem (the whole parse then reports it)."""
        parser = _Loader(chunk)
        try:
            value, parsed, entry = _compose(parser, chunk)
        except Exception:  # any problem: the whole parse finds and reports it
            return None
        finally:
            parser.dispose()
        if type(value) is not dict or len(value) != 1 or key not in value or entry != -1:
            return None
        base = self._next_id - 1  # node 1 of the section becomes node ``_next_id``
        self._next_id += len(parsed) - 1
        return _Section(value[key], parsed[0][key], parsed, base)
