"""Line-at-a-time YAML syntax colouring for the diff view.

The diff view renders only the lines on screen, so colouring must work on one line at a time.
The only YAML construct that needs context from earlier lines is the block scalar (``key: |``
or ``key: >`` followed by indented text); :func:`block_scalar_lines` finds those in one linear
pass so that their content is coloured as text, not mistaken for keys.

Token kinds: ``key``, ``string``, ``number``, ``bool`` (also null), ``comment``, ``punct``
(``-``, ``:``, ``[]{},``, block indicators, document markers), ``anchor`` (``&a``, ``*a``,
tags) and ``text`` (block scalar content).
"""

from __future__ import annotations

import re

Token = tuple[int, int, str]  # start, end (character offsets), kind

_KEY = re.compile(
    r"""(?P<key>"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"\[\]{},&*!|>%@`?-][^#]*?|-[^\s#][^#]*?)"""
    r"""\s*(?P<colon>:)(?=\s|$)"""
)
_NUMBER = re.compile(
    r"[-+]?(?:0x[0-9a-fA-F]+|0o[0-7]+|(?:\d[\d_]*)?\.?\d+(?:[eE][-+]?\d+)?|\.inf|\.nan)$",
    re.IGNORECASE,
)
_BOOLS = {"true", "false", "yes", "no", "on", "off", "null", "~"}
_BLOCK_START = re.compile(r"""^(\s*)(?:-\s+)*(?:[^#]*?:\s+)?[|>][-+0-9]*\s*(?:#.*)?$""")
_FLOW_PUNCT = "[]{},"


def block_scalar_lines(lines: list[str]) -> bytearray:
    """A flag per line: 1 when the line is the content of a block scalar (``|`` or ``>``)."""
    flags = bytearray(len(lines))
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if ("|" in line or ">" in line) and _BLOCK_START.match(line):
            indent = len(line) - len(line.lstrip(" "))
            j = i + 1
            while j < n:
                nxt = lines[j]
                stripped = nxt.lstrip(" ")
                if stripped and len(nxt) - len(stripped) <= indent:
                    break
                flags[j] = 1
                j += 1
            i = j
        else:
            i += 1
    return flags


def _comment_start(line: str, start: int) -> int:
    """Offset of a comment (``#`` at the start or after whitespace, outside quotes), or -1."""
    quote = ""
    prev = " " if start == 0 else line[start - 1]
    for i in range(start, len(line)):
        ch = line[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'" and (prev in " \t[{,:-" or i == start):
            quote = ch
        elif ch == "#" and prev in " \t":
            return i
        prev = ch
    return -1


def _scalar_kind(value: str) -> str:
    v = value.strip()
    if not v:
        return "text"
    if v[0] in "\"'":
        return "string"
    if v.lower() in _BOOLS:
        return "bool"
    if _NUMBER.match(v):
        return "number"
    return "string"


def _value_tokens(line: str, start: int, end: int, out: list[Token]) -> None:
    """Tokens of a value between ``start`` and ``end`` (no comment inside)."""
    i = start
    while i < end and line[i] == " ":
        i += 1
    while end > i and line[end - 1] == " ":
        end -= 1
    if i >= end:
        return
    ch = line[i]
    if ch in "&*!":  # anchor, alias or tag, then maybe a value
        j = i
        while j < end and line[j] != " ":
            j += 1
        out.append((i, j, "anchor"))
        _value_tokens(line, j, end, out)
        return
    if ch in "|>" and re.match(r"[|>][-+0-9]*\s*$", line[i:end]):
        out.append((i, end, "punct"))
        return
    if ch in "[{":
        _flow_tokens(line, i, end, out)
        return
    out.append((i, end, _scalar_kind(line[i:end])))


def _flow_tokens(line: str, start: int, end: int, out: list[Token]) -> None:
    """Tokens of a flow collection (``[a, b]``, ``{k: v}``), possibly nested."""
    i = start
    while i < end:
        ch = line[i]
        if ch in _FLOW_PUNCT:
            out.append((i, i + 1, "punct"))
            i += 1
            continue
        if ch == " ":
            i += 1
            continue
        if ch in "\"'":
            j = line.find(ch, i + 1)
            j = end if j < 0 or j >= end else j + 1
            out.append((i, j, "string"))
            i = j
            continue
        j = i
        while j < end and line[j] not in _FLOW_PUNCT:
            if line[j] == ":" and (j + 1 >= end or line[j + 1] in " ,]}"):
                break
            j += 1
        word = line[i:j].rstrip()
        if j < end and line[j] == ":":
            out.append((i, i + len(word), "key"))
            out.append((j, j + 1, "punct"))
            i = j + 1
            continue
        if word:
            out.append((i, i + len(word), _scalar_kind(word)))
        i = max(j, i + 1)


def tokenize(line: str, in_block: bool = False) -> list[Token]:
    """Colour one line of YAML: a list of ``(start, end, kind)`` spans, in order."""
    if in_block:
        return [(0, len(line), "text")] if line.strip() else []
    out: list[Token] = []
    stripped = line.lstrip(" ")
    i = len(line) - len(stripped)
    if not stripped:
        return out
    if stripped.startswith("#"):
        return [(i, len(line), "comment")]
    if stripped.startswith(("---", "...")) and stripped[3:4] in ("", " "):
        out.append((i, i + 3, "punct"))
        i += 3
    while line.startswith("- ", i) or line[i:] == "-":
        out.append((i, i + 1, "punct"))
        i += 2
        while i < len(line) and line[i] == " ":
            i += 1
    comment = _comment_start(line, i)
    end = comment if comment >= 0 else len(line)
    m = _KEY.match(line, i, end)
    if m:
        out.append((m.start("key"), m.end("key"), "key"))
        out.append((m.start("colon"), m.end("colon"), "punct"))
        i = m.end()
    _value_tokens(line, i, end, out)
    if comment >= 0:
        out.append((comment, len(line), "comment"))
    return out
