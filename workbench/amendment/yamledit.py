"""Edits of a YAML file at the positions the located loader gives, leaving every other byte alone.

An :class:`Editor` reads the text once (through the one loader, ``contract/yamlsrc.py``), collects
edits as ``(start, end, replacement)`` over the *original* text and applies them in one pass
(:meth:`Editor.result`). Nothing is ever re-dumped: comments, quoting, key order, flow or block
style, blank lines and line endings stay as written. Lists may be flow (``[RS256, ES256]``) or
block (``- RS256``); mappings that receive or lose an entry must be block mappings (a flow
mapping is refused with a clear message: edit it by hand).
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from workbench.contract.errors import ContractError
from workbench.contract.yamlsrc import Loc, load_yaml
from workbench.textsafe import escape_for_double_quotes

_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")  # libyaml's line breaks, as the loader's
_PLAIN = re.compile(r"[A-Za-z0-9_./@+-][A-Za-z0-9_./@+:=-]*\Z")
_PLAIN_BLOCK = re.compile(r"[A-Za-z0-9_./@+-][A-Za-z0-9_./@+:=\[\]-]*\Z")
_ITEM_PREFIX = re.compile(r"[ \t]*-[ \t]+\Z")


class EditError(ValueError):
    """The edit cannot be made at the located positions; the message is one line."""


def render_scalar(value: str, *, block: bool = False) -> str:
    """``value`` as a YAML scalar usable in flow context (in block context only with ``block``:
    brackets may then appear inside a plain scalar): plain when that reads back as the same
    string, else double-quoted (JSON's escapes are YAML's)."""
    pattern = _PLAIN_BLOCK if block else _PLAIN
    if pattern.match(value) and not value.endswith(":"):
        try:
            if yaml.safe_load(value) == value:
                return value
        except yaml.YAMLError:
            pass
    # double-quoted, with every control, bidi and invisible character escaped: the file reads
    # in a review as what it holds
    return escape_for_double_quotes(json.dumps(value, ensure_ascii=False))


@dataclass(frozen=True, slots=True)
class _Edit:
    start: int
    end: int
    text: str
    seq: int


class Editor:
    """Collects located edits of ``text`` and applies them (see the module docstring)."""

    def __init__(self, text: str, source: str, parsed: Any = None):
        """``parsed``: the document of ``text`` already loaded (anything with ``data``,
        ``locs`` and ``key_locs``, such as a :class:`~workbench.contract.model.Contract`), so
        that it is not parsed twice."""
        self.text = text
        self.source = source
        if parsed is None:
            try:
                parsed = load_yaml(text, source)
            except ContractError as exc:
                raise EditError(exc.first.format()) from None
        self.data: Any = parsed.data
        self.locs = parsed.locs
        self.key_locs = parsed.key_locs
        self.nl = "\r\n" if "\r\n" in text else "\n"
        self._starts = [0] + [m.end() for m in _BREAK.finditer(text)]
        self._edits: list[_Edit] = []

    # --- positions ------------------------------------------------------------------------

    def value(self, raw: tuple) -> Any:
        node = self.data
        for part in raw:
            node = node[part]
        return node

    def span(self, raw: tuple) -> tuple[int, int]:
        found = getattr(self.locs, "span", lambda _r: None)(raw)
        if found is None:
            raise EditError(f"{self.source}: error: nothing located at {_dotted(raw)}")
        return found

    def key_span(self, raw: tuple) -> tuple[int, int]:
        found = getattr(self.key_locs, "span", lambda _r: None)(raw)
        if found is None:
            raise EditError(f"{self.source}: error: no key located at {_dotted(raw)}")
        return found

    def loc(self, raw: tuple) -> Loc:
        loc = self.locs.get(raw)
        if loc is None:
            raise EditError(f"{self.source}: error: nothing located at {_dotted(raw)}")
        return loc

    def where(self, raw: tuple) -> str:
        """``file:line:col`` of ``raw`` (its key when it has one, else its nearest ancestor)."""
        probe = raw
        while probe:
            loc = self.key_locs.get(probe) or self.locs.get(probe)
            if loc is not None:
                return f"{self.source}:{loc.line}:{loc.column}"
            probe = probe[:-1]
        return f"{self.source}:1:1"

    def _line_start(self, line: int) -> int:
        return self._starts[line - 1]

    def _after_line(self, line: int) -> tuple[int, str]:
        """The offset just after 1-based ``line`` (its line break included) and what must come
        first when the line is the last one and has no break."""
        if line < len(self._starts):
            return self._starts[line], ""
        return len(self.text), self.nl

    def _prefix(self, offset: int) -> str:
        """The text of the line before ``offset``."""
        line = self._line_of(offset)
        return self.text[self._line_start(line) : offset]

    def _line_of(self, offset: int) -> int:
        lo, hi = 0, len(self._starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    def _is_flow(self, raw: tuple) -> bool:
        start, _ = self.span(raw)
        return self.text[start] in "[{"

    def _end_line(self, raw: tuple) -> int:
        """The last line of the value at ``raw`` (trailing blank and comment lines not counted)."""
        loc = self.loc(raw)
        key = self.key_locs.get(raw)
        return max(loc.end_line, key.end_line if key is not None else 0, loc.line)

    # --- edits ----------------------------------------------------------------------------

    def _add(self, start: int, end: int, text: str) -> None:
        self._edits.append(_Edit(start, end, text, len(self._edits)))

    def replace_scalar(self, raw: tuple, value: str) -> None:
        """Replace the scalar at ``raw`` with ``value``."""
        start, end = self.span(raw)
        if self.text[start] in "[{|>" or isinstance(self.value(raw), dict | list):
            raise EditError(f"{self.where(raw)}: error: {_dotted(raw)} is not a one-line value")
        self._add(start, end, render_scalar(value))

    def rename_key(self, raw: tuple, new: str) -> None:
        """Rename the mapping key of the entry at ``raw``."""
        start, end = self.key_span(raw)
        self._add(start, end, render_scalar(new))

    def append_item(self, raw: tuple, value: str) -> None:
        """Append the scalar ``value`` to the list at ``raw`` (flow or block)."""
        self.append_lines(raw, [render_scalar(value)], scalar=True)

    def append_lines(self, raw: tuple, lines: list[str], *, scalar: bool = False) -> None:
        """Append an item to the list at ``raw``: ``lines`` as its text in a block list (the first
        line goes after ``- ``, the others are indented to match); a flow list takes only a
        one-line scalar."""
        items = self.value(raw)
        if not isinstance(items, list):
            raise EditError(f"{self.where(raw)}: error: {_dotted(raw)} is not a list")
        if self._is_flow(raw):
            if not scalar or len(lines) != 1:
                raise EditError(
                    f"{self.where(raw)}: error: {_dotted(raw)} is a flow list ([...]); a mapping item "
                    "cannot be added to it: rewrite it as a block list first"
                )
            _, end = self.span(raw)
            close = end - 1  # the ']'
            if items:
                last_end = self.span((*raw, len(items) - 1))[1]
                self._add(last_end, last_end, ", " + lines[0])
            else:
                self._add(close, close, lines[0])
            return
        if not items:
            raise EditError(f"{self.where(raw)}: error: {_dotted(raw)} is an empty block list")
        last = (*raw, len(items) - 1)
        start, _ = self.span(last)
        prefix = self._prefix(start)
        if not _ITEM_PREFIX.match(prefix):
            raise EditError(f"{self.where(last)}: error: the list item is not on a line of its own")
        indent = " " * len(prefix)
        at, lead = self._after_line(self._end_line(last))
        body = [prefix + lines[0], *(indent + line if line else "" for line in lines[1:])]
        self._add(at, at, lead + self.nl.join(body) + self.nl)

    def remove_item(self, raw: tuple, index: int) -> None:
        """Remove item ``index`` of the list at ``raw`` (flow or block)."""
        items = self.value(raw)
        item = (*raw, index)
        if self._is_flow(raw):
            start, end = self.span(item)
            if len(items) == 1:
                self._add(start, end, "")
            elif index + 1 < len(items):
                self._add(start, self.span((*raw, index + 1))[0], "")
            else:
                self._add(self.span((*raw, index - 1))[1], end, "")
            return
        if len(items) == 1:
            raise EditError(
                f"{self.where(item)}: error: removing the only item of the block list {_dotted(raw)} "
                "would change its type: edit it by hand"
            )
        start, _ = self.span(item)
        if not _ITEM_PREFIX.match(self._prefix(start)):
            raise EditError(f"{self.where(item)}: error: the list item is not on a line of its own")
        first = self._line_of(start)
        at, _lead = self._after_line(self._end_line(item))
        self._add(self._line_start(first), at, "")

    def add_entry(self, raw: tuple, key: str, lines: list[str]) -> None:
        """Add ``key`` to the block mapping at ``raw`` after its last entry: ``lines[0]`` is the
        text after ``key:`` (may be empty), the others are indented below the key."""
        mapping = self.value(raw)
        if not isinstance(mapping, dict) or not mapping:
            raise EditError(
                f"{self.where(raw)}: error: {_dotted(raw)} is not a mapping with entries"
            )
        if raw and self._is_flow(raw):
            raise EditError(
                f"{self.where(raw)}: error: {_dotted(raw)} is a flow mapping ({{...}}): edit it by hand"
            )
        last = (*raw, list(mapping)[-1])
        kstart, _ = self.key_span(last)
        indent = self._prefix(kstart)
        if indent.strip():
            raise EditError(f"{self.where(last)}: error: the entry is not on a line of its own")
        step = " " * (_child_indent(self, mapping, last) or 2)
        at, lead = self._after_line(self._end_line(last))
        if not raw:  # a new top-level section, set apart by a blank line like its neighbours
            lead += self.nl
        head = f"{indent}{render_scalar(key)}:" + (f" {lines[0]}" if lines and lines[0] else "")
        body = [head, *(indent + step + line if line else "" for line in lines[1:])]
        self._add(at, at, lead + self.nl.join(body) + self.nl)

    def copy_entry(self, raw: tuple, new_key: str) -> None:
        """Add a copy of the block mapping entry at ``raw`` right after it, under ``new_key``
        (its value's text copied byte for byte)."""
        kstart, kend = self.key_span(raw)
        if self._prefix(kstart).strip():
            raise EditError(f"{self.where(raw)}: error: the entry is not on a line of its own")
        first = self._line_of(kstart)
        at, lead = self._after_line(self._end_line(raw))
        start = self._line_start(first)
        body = self.text[start:kstart] + render_scalar(new_key) + self.text[kend:at]
        if lead:
            body = lead + body
        self._add(at, at, body if body.endswith(("\n", "\r")) else body + self.nl)

    def remove_entry(self, raw: tuple) -> None:
        """Remove the block mapping entry at ``raw`` (its key line through its value's end)."""
        kstart, _ = self.key_span(raw)
        if self._prefix(kstart).strip():
            raise EditError(f"{self.where(raw)}: error: the entry is not on a line of its own")
        first = self._line_of(kstart)
        last = self._end_line(raw)
        at, _lead = self._after_line(last)
        start = self._line_start(first)
        if len(raw) == 1 and first > 1 and not self._line_text(first - 1).strip():
            following = self._line_text(last + 1) if last < len(self._starts) else ""
            if not following.strip():  # the blank line that set the section apart goes too
                start = self._line_start(first - 1)
        self._add(start, at, "")

    def _line_text(self, line: int) -> str:
        """The text of 1-based ``line`` without its break."""
        start = self._starts[line - 1]
        end = self._starts[line] if line < len(self._starts) else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def result(self) -> str:
        """The text with every edit applied; overlapping edits are refused."""
        edits = sorted(self._edits, key=lambda e: (e.start, e.seq))
        for a, b in itertools.pairwise(edits):
            if b.start < a.end:
                raise EditError(f"{self.source}: error: two edits overlap at offset {b.start}")
        out = self.text
        for e in reversed(edits):
            out = out[: e.start] + e.text + out[e.end :]
        return out


def _child_indent(editor: Editor, mapping: dict, last: tuple) -> int:
    """How far the file indents a nested block (from the entry ``last`` or its siblings), so an
    added entry's nested lines look like its neighbours'."""
    parent = last[:-1]
    for key, value in mapping.items():
        if isinstance(value, dict | list) and value:
            raw = (*parent, key)
            if editor._is_flow(raw):
                continue
            child = (*raw, next(iter(value)) if isinstance(value, dict) else 0)
            kstart, _ = editor.key_span(raw)
            loc = editor.key_locs.get(child) or editor.locs.get(child)
            if loc is None:
                continue
            key_col = kstart - editor._line_start(editor._line_of(kstart))
            if isinstance(value, list):
                start, _ = editor.span(child)
                dash = editor._prefix(start).rstrip().rfind("-")
                return max(2, dash - key_col) if dash > key_col else 2
            return max(1, loc.column - 1 - key_col)
    return 2


def folded(text: str, width: int = 88) -> list[str]:
    """``text`` as the lines of a folded block scalar (``>``): the first line is ``>``, the
    others are the words wrapped at ``width`` (to indent below the key)."""
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return [">", *lines]


def _dotted(raw: tuple) -> str:
    out = ""
    for part in raw:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the document"
