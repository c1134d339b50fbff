"""Showing untrusted text literally.

Everything the workbench displays that comes from a repository (contract text, commit messages,
author names, branch names, file paths, error messages quoting them) may contain characters that
a terminal or Textual would interpret: markup such as ``[bold]`` or ``[/]``, escape sequences
(``ESC [ 31 m``, the single-byte CSI ``\\x9b``), bells, backspaces, carriage returns that rewrite
the line, and bidirectional overrides that make a line read differently from what it is
("Trojan Source"). These functions turn such text into plain, printable text and into Textual
``Content`` / Rich ``Text`` objects that are never parsed as markup.
"""

from __future__ import annotations

import re

from rich.text import Text
from textual.content import Content

TAB_SIZE = 4

# C0 controls except TAB and LF, DEL, C1 controls; the bidirectional embedding, override and
# isolate controls; the line and paragraph separators (they break a terminal line); lone
# surrogates (git names, subjects and paths that are not UTF-8 are decoded with
# ``surrogateescape``: a terminal would get ``\udcff`` in one cell's place) and the
# noncharacters U+FFFE/U+FFFF. The same characters the reports escape (``report.common.clean``),
# plus the bidirectional controls; removed here, as the screen has no room for escapes.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff\ufffe\uffff]"
)
_NEWLINES = re.compile(r"\r\n|[\r\n\v\f\x85\u2028\u2029]")


def clean(text: object, *, tab_size: int = TAB_SIZE) -> str:
    """One line of untrusted text made safe to print: tabs expanded, control characters removed.

    Use for multi-line text one line at a time; newlines inside ``text`` are removed too.
    """
    s = text if isinstance(text, str) else str(text)
    if "\t" in s:
        s = s.expandtabs(tab_size)
    return _UNSAFE.sub("", s).replace("\n", "")


def clean_inline(text: object) -> str:
    """Untrusted text for a single-line field (a commit subject, an author): newlines become
    spaces, then :func:`clean`."""
    s = text if isinstance(text, str) else str(text)
    return clean(_NEWLINES.sub(" ", s))


def clean_lines(text: str, *, tab_size: int = TAB_SIZE) -> list[str]:
    """Split untrusted multi-line text into cleaned lines (``\\r\\n`` and lone ``\\r`` end lines)."""
    if _UNSAFE.search(text) is None:  # the common case, in one pass: plain text and newlines
        lines = text.split("\n")
        if "\t" in text:
            lines = [line.expandtabs(tab_size) for line in lines]
        return lines
    return [clean(line, tab_size=tab_size) for line in _NEWLINES.split(text)]


def lit(text: object, style: str = "") -> Content:
    """A ``Content`` showing ``text`` literally (single line), optionally styled."""
    content = Content(clean_inline(text))
    return content.stylize(style) if style else content


def rich_lit(text: object, style: str = "") -> Text:
    """A Rich ``Text`` showing ``text`` literally (for ``DataTable`` cells)."""
    return Text(clean_inline(text), style=style, no_wrap=True, end="")
