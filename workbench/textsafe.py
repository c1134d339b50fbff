"""Untrusted text made inert before anything prints it.

Keys, values, file names, commit metadata and amendment records come from pull requests. A
terminal acts on some of their characters: ESC starts sequences that clear the screen, set the
window title or write the clipboard (OSC 52); the C1 code U+009B is a one-byte CSI; a carriage
return or a backspace rewrites what was printed; bidirectional overrides and isolates make a
line read differently from the bytes it holds ("Trojan Source"); zero-width and other invisible
format characters hide text; U+2028/U+2029 break lines. :func:`clean` shows every such
character as a visible escape (``\\x1b``, ``\\u202e``, ``\\U000e0041``) and keeps the rest, so
the data stays readable and nothing reaches a terminal that it would interpret.

:func:`terminal_safe` is the last gate in front of a terminal or an output file: the same
escapes on a whole rendered text, keeping newlines and tabs, and (only when colour is on) the
colour sequences the report painter itself emits.

This module is a leaf: every layer uses it (``Problem.format``, the reports' renderers, the
amendment texts, the command line's one output function).
"""

from __future__ import annotations

import re

# C0 controls except TAB and LF; DEL and the C1 controls (U+0080-U+009F); every format
# character (Unicode category Cf: soft hyphen, Arabic number signs and letter mark, Mongolian
# vowel separator, zero-width space/joiners and LRM/RLM U+200B-U+200F, the bidi embeddings and
# overrides U+202A-U+202E, word joiner and invisible operators U+2060-U+2064, the bidi isolates
# U+2066-U+2069 and the deprecated format controls up to U+206F, the byte order mark U+FEFF,
# interlinear annotation U+FFF9-U+FFFB, and the astral ones, among them the tag characters
# U+E0000-U+E007F that can smuggle invisible ASCII); the line and paragraph separators; lone
# surrogates (names and paths that are not UTF-8 are decoded with ``surrogateescape``); and the
# noncharacters U+FFFE/U+FFFF. tests/test_textsafe.py checks the set against unicodedata.
_UNSAFE_CLASS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f"
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ud800-\udfff\ufeff\ufff9-\ufffb\ufffe\uffff"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e007f"
)
UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
# The part of UNSAFE within ASCII: searching ASCII text for it is several times faster than
# for the whole class (a log's JSON rows, reports)
_UNSAFE_ASCII = re.compile("[\x00-\x08\x0b-\x1f\x7f]")

# What the terminal gate lets through when colour is on: Select Graphic Rendition sequences
# made only of reset, bold, dim, normal intensity and the foreground colours (what the
# reports' painter writes). Nothing that moves the cursor, clears, conceals, links or talks to
# the terminal (OSC, DCS, other CSI finals) ever passes.
_SGR_PARAM = r"(?:0|1|2|22|3[0-7]|39|9[0-7])"
_COLOUR = re.compile(rf"\x1b\[(?:{_SGR_PARAM}(?:;{_SGR_PARAM})*)?m")


def escape_char(char: str) -> str:
    """One character as a visible escape: ``\\x1b``, ``\\u202e``, ``\\U000e0041``."""
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _escape(m: re.Match[str]) -> str:
    return escape_char(m.group())


def clean(text: object, *, newlines: bool = False) -> str:
    """Untrusted text for one field of a line: every control, bidi, invisible format and line
    separator character escaped (``\\r\\n`` counts as one newline); newlines shown as ``\\n``
    unless ``newlines`` keeps them. Idempotent: cleaning clean text changes nothing."""
    s = text if isinstance(text, str) else str(text)
    if "\r\n" in s:
        s = s.replace("\r\n", "\n")
    if not newlines and "\n" in s:
        s = s.replace("\n", "\\n")
    return UNSAFE.sub(_escape, s)


def terminal_safe(text: str, *, colour: bool = False) -> str:
    """A whole rendered text made safe to write to a terminal or a file: newlines and tabs
    kept, every other unsafe character escaped; with ``colour``, the painter's colour sequences
    (and only those) are kept."""
    if (_UNSAFE_ASCII if text.isascii() else UNSAFE).search(text) is None:
        return text
    if not colour or "\x1b" not in text:
        return _gate(text)
    out: list[str] = []
    last = 0
    for m in _COLOUR.finditer(text):
        out.append(_gate(text[last : m.start()]))
        out.append(m.group())
        last = m.end()
    out.append(_gate(text[last:]))
    return "".join(out)


def _gate(text: str) -> str:
    return UNSAFE.sub(_escape, text)  # TAB and LF are not in UNSAFE: the layout stays


def escape_for_double_quotes(text: str) -> str:
    """Every unsafe character of ``text`` as a ``\\uXXXX`` (``\\UXXXXXXXX``) escape: what a
    YAML double-quoted scalar (or a JSON string) reads back as the same character. For YAML
    written with every string that holds one double-quoted, so that the file reads in a pull
    request as it is (YAML itself leaves bidi and invisible characters raw)."""
    return UNSAFE.sub(_quoted_escape, text)


def _quoted_escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
