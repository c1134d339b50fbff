"""Parsing a run of neighbouring revisions: unchanged top-level sections are parsed once.

Consecutive revisions of a contract differ in a few lines. :class:`SectionLoader` gives the same
:class:`~workbench.contract.yamlsrc.LocatedDocument` as :func:`~workbench.contract.yamlsrc.load_yaml`
(the same data, every value and key at the same line and column) but cuts a document into its
top-level sections first (a section runs from a key at column 0 to the next one) and parses only
the sections whose text it has not met in the documents it parsed last; a section met before
keeps its values, and its locations are moved by the number of characters the text before it
grew or shrank.

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

# lines starting at column 0 with something other than a comment
_TOP = re.compile(r"^[^ #\n].*", re.M)
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*):(?: |$)")
# what could make a section mean something else alone: other line breaks, merge keys, and
# anchors, aliases and tags (after a space or a flow indicator: inside a word they are text)
_UNSAFE_TEXT = ("\r", "\x85", "\u2028", "\u2029", "<<")
_NODE_PROPERTY = "&*!"
_BEFORE_PROPERTY = frozenset(" \t\n[]{},:")
_BLANK_OR_COMMENT = re.compile(r"(?:[ \t]*(?:#[^\n]*)?\n)*[ \t]*(?:#[^\n]*)?")


class _Section:
    """A parsed top-level section: its key's value and shadow, at the offset it was met at."""

    __slots__ = ("entry", "nodes", "start", "value")

    def __init__(self, start: int, value: Any, entry: int, nodes: dict[int, dict]):
        self.start = start  # the character offset of its key in the document it was met in
        self.value = value
        self.entry = entry  # its entry in the root mapping's shadow node
        self.nodes = nodes  # node id -> shadow node of the collections it holds


def cut(text: str) -> list[tuple[str, int]] | None:
    """The top-level sections of ``text`` as ``(key, start offset)``, in order; ``None`` when
    the document is not one this module can cut safely (see the module's docstring)."""
    if _unsafe(text):
        return None
    sections: list[tuple[str, int]] = []
    seen: set[str] = set()
    for m in _TOP.finditer(text):
        found = _KEY_LINE.match(m.group())
        if found is None:
            return None
        key = found.group(1)
        if key in seen:
            return None
        seen.add(key)
        sections.append((key, m.start()))
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


def _moved(nodes: dict[int, dict], entry: int, delta: int, base: int) -> tuple[dict, int]:
    """The shadow ``nodes`` and root ``entry`` of a section with every position moved by
    ``delta`` characters and every node id by ``base``."""
    shift = delta * (_M + 1)  # a position packs start * M + end: both move
    kshift = shift * _KEY  # a mapping entry's key position, in the high bits
    out: dict[int, dict] = {}
    for nid, node in nodes.items():
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
        out[nid + base] = new
    if entry >= 0:
        return out, entry + shift + kshift
    return out, ~(~entry + kshift + base)


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
        nodes: dict[int, dict] = {0: root}
        met: dict[str, _Section] = {}
        ends = [start for _, start in sections[1:]] + [len(text)]
        for (key, start), end in zip(sections, ends, strict=True):
            chunk = text[start:end]
            section = last.get(chunk) or before.get(chunk)
            if section is None:
                section = self._parse(chunk, key, start)
                if section is None:
                    return None
                self.parsed += 1
                part, entry = section.nodes, section.entry
            else:
                self.reused += 1
                delta = start - section.start
                if delta:
                    part, entry = _moved(section.nodes, section.entry, delta, 0)
                    section = _Section(start, section.value, entry, part)
                else:
                    part, entry = section.nodes, section.entry
            met[chunk] = section
            data[key] = section.value
            root[key] = entry
            nodes.update(part)
        root[None] = sections[0][1] * _M + len(text)
        self._before, self._last = last, met
        lines = _Lines(text)
        return LocatedDocument(
            data,
            LocTable(nodes, -1, lines),
            LocTable(nodes, -1, lines, keys=True),  # type: ignore[arg-type]
        )

    def _parse(self, chunk: str, key: str, start: int) -> _Section | None:
        """One section parsed alone, moved to where it starts; ``None`` for anything but a
        one-key mapping parsed without a problem (the whole parse then reports it)."""
        parser = _Loader(chunk)
        try:
            value, parsed, entry = _compose(parser, chunk)
        except Exception:  # any problem: the whole parse finds and reports it
            return None
        finally:
            parser.dispose()
        if type(value) is not dict or len(value) != 1 or key not in value or entry != -1:
            return None
        top = parsed[0]
        base = self._next_id - 1  # node 1 of the chunk becomes node ``_next_id``
        self._next_id += len(parsed) - 1
        inner = dict(enumerate(parsed[1:], start=1))
        part, moved = _moved(inner, top[key], start, base)
        return _Section(start, value[key], moved, part)
