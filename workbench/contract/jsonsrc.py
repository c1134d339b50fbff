"""Strict JSON with the line and column of every value, for artefacts published as JSON.

YAML would read most JSON, but not as JSON means it: a trailing comma, a comment or a single
quote would pass silently, and YAML 1.1 reads ``1e5`` as text. This parser follows RFC 8259
exactly and gives the same results as :func:`workbench.contract.yamlsrc.load_yaml` (a
:class:`LocatedDocument` whose tables read like ``dict[tuple, Loc]``), with the same limits:
duplicate keys, nesting deeper than ``MAX_DEPTH`` and integers longer than ``MAX_INT_CHARS`` are
located errors, as is every syntax error (with a hint for the usual mistakes).

``load_yaml(text, "name.json")`` calls this: every reader goes through the same entry point.
"""

from __future__ import annotations

import re
from json.decoder import JSONDecodeError, scanstring
from typing import Any

from workbench.contract.errors import ContractError, Problem
from workbench.contract.yamlsrc import (
    _KEY,
    _M,
    MAX_BYTES,
    MAX_DEPTH,
    MAX_INT_CHARS,
    LocatedDocument,
    LocTable,
    _key_of,
    _Lines,
    _too_big,
    collector_paused,
    format_json_path,
)

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_LITERALS = (("true", True), ("false", False), ("null", None))
JSON_BREAKS = re.compile(r"\r\n|[\n\r]")  # JSON's line breaks (U+2028 is a character in JSON)


class _JsonError(Exception):
    def __init__(self, index: int, message: str, path: tuple = ()):
        super().__init__(message)
        self.index, self.message, self.path = index, message, path


def load_json(text: str, filename: str) -> LocatedDocument:
    """Parse one JSON document into located plain data, or raise :class:`ContractError`."""
    if len(text) > MAX_BYTES:
        raise ContractError([Problem(filename, 1, 1, _too_big(len(text), MAX_BYTES))])
    try:
        with collector_paused():  # see load_yaml: nothing built here is cyclic
            data, nodes, entry = _parse(text)
    except _JsonError as exc:
        line, col = _Lines(text, JSON_BREAKS).at(exc.index)
        raise ContractError(
            [
                Problem(
                    filename,
                    line + 1,
                    col + 1,
                    f"invalid JSON: {exc.message}",
                    format_json_path(exc.path),
                )
            ]
        ) from None
    lines = _Lines(text, JSON_BREAKS)
    return LocatedDocument(
        data, LocTable(nodes, entry, lines), LocTable(nodes, entry, lines, keys=True)
    )


def _parse(text: str) -> tuple[Any, list[dict], int]:
    """``(data, shadow nodes, root entry)`` of ``text`` (the shadow as in ``LocTable``)."""
    n = len(text)
    ws = _WS.match
    i = ws(text, 0).end()
    if i == n:
        raise _JsonError(i, "empty document: expected a JSON value")
    nodes: list[dict] = []
    stack: list[tuple] = []
    cont: Any = None  # the innermost open collection (None: the root is next)
    sh: Any = None
    ismap = False
    key: Any = None
    kpos = 0
    nid = -1

    def path(here: bool = True) -> tuple:
        """The path of the value being read (``here``), or of the collection holding it."""
        out = [(f[3] if f[2] else len(f[0])) for f in stack if f[0] is not None]
        if cont is not None and here:
            out.append(key if ismap else len(cont))
        return tuple(out)

    def read_key(at: int) -> tuple[str, int]:
        """The key at ``at`` (after ``{`` or ``,``), and where its ``:`` value starts."""
        if at < n and text[at] == '"':
            try:
                name, end = scanstring(text, at + 1, True)
            except JSONDecodeError as exc:
                raise _JsonError(exc.pos, _string_error(exc, text), path(False)) from None
            if name in cont:
                first = _Lines(text, JSON_BREAKS).at(_key_of(sh[name]) // _M)[0] + 1
                raise _JsonError(
                    at, f"duplicate key {name!r} (first at line {first})", (*path(False), name)
                )
            colon = ws(text, end).end()
            if text[colon : colon + 1] != ":":
                raise _JsonError(colon, "expected ':' after the key")
            nonlocal kpos
            kpos = (at * _M + end) * _KEY
            return name, ws(text, colon + 1).end()
        if at < n and text[at] == "}":
            raise _JsonError(at, "trailing comma before '}' (JSON allows none)")
        raise _JsonError(at, f"expected a double-quoted key, found {_what(text, at)}")

    while True:
        # --- a value starts at i -------------------------------------------------------------
        start = i
        c = text[i] if i < n else ""
        if c == "{" or c == "[":
            if len(stack) >= MAX_DEPTH:
                raise _JsonError(i, f"maximum nesting depth of {MAX_DEPTH} exceeded")
            stack.append((cont, sh, ismap, key, kpos, nid, start))
            nid = len(nodes)
            if c == "{":
                cont, sh, ismap = {}, {...: 0}, True
                nodes.append(sh)
                i = ws(text, i + 1).end()
                if text[i : i + 1] != "}":
                    key, i = read_key(i)
                    continue
            else:
                cont, sh, ismap = [], {}, False
                nodes.append(sh)
                i = ws(text, i + 1).end()
                if text[i : i + 1] != "]":
                    continue
            end = i + 1
            value: Any = None
            entry = ~nid
            closing = True
        else:
            closing = False
            if c == '"':
                try:
                    value, end = scanstring(text, i + 1, True)
                except JSONDecodeError as exc:
                    raise _JsonError(exc.pos, _string_error(exc, text), path()) from None
            elif c == "-" or "0" <= c <= "9":
                m = _NUMBER.match(text, i)
                if m is None:
                    raise _JsonError(i, _expected_value(text, i, cont), path())
                end = m.end()
                literal = m.group(0)
                if m.group(1) or m.group(2):
                    value = float(literal)
                else:
                    if len(literal) > MAX_INT_CHARS:
                        raise _JsonError(
                            i,
                            f"integer of {len(literal):,} characters is longer than the limit "
                            f"of {MAX_INT_CHARS}",
                            path(),
                        )
                    value = int(literal)
            else:
                for word, word_value in _LITERALS:
                    if text.startswith(word, i):
                        value, end = word_value, i + len(word)
                        break
                else:
                    raise _JsonError(i, _expected_value(text, i, cont), path())
            entry = start * _M + end

        # --- place the value, then close every collection that ends here ---------------------
        while True:
            if closing:
                value = cont
                nodes[nid][None] = stack[-1][6] * _M + end
                entry = ~nid
                cont, sh, ismap, key, kpos, nid, _ = stack.pop()
            if cont is None:
                i = ws(text, end).end()
                if i < n:
                    raise _JsonError(i, f"extra data after the JSON document: {_what(text, i)}")
                return value, nodes, entry
            if ismap:
                cont[key] = value
                sh[key] = kpos + entry if entry >= 0 else ~(kpos + ~entry)
            else:
                sh[len(cont)] = entry
                cont.append(value)
            i = ws(text, end).end()
            c = text[i : i + 1]
            if c == ",":
                i = ws(text, i + 1).end()
                if ismap:
                    key, i = read_key(i)
                elif text[i : i + 1] == "]":
                    raise _JsonError(i, "trailing comma before ']' (JSON allows none)")
                break
            if c == ("}" if ismap else "]"):
                end = i + 1
                closing = True
                continue
            raise _JsonError(
                i, f"expected ',' or '{'}' if ismap else ']'}', found {_what(text, i)}"
            )


def _string_error(exc: JSONDecodeError, text: str) -> str:
    if exc.msg.startswith("Invalid control character"):
        return f"control character U+{ord(text[exc.pos]):04X} in a string (write it escaped)"
    if exc.msg.startswith("Unterminated string"):
        return "unterminated string (no closing double quote)"
    if exc.msg.startswith("Invalid \\escape") or exc.msg.startswith("Invalid \\u"):
        return "invalid escape in a string"
    return exc.msg.lower()


def _what(text: str, i: int) -> str:
    if i >= len(text):
        return "the end of the file"
    return repr(text[i : i + 12].split("\n")[0])


def _expected_value(text: str, i: int, cont: Any) -> str:
    c = text[i : i + 1]
    if c == "'":
        return "strings are written in double quotes in JSON"
    if text.startswith(("//", "/*"), i) or c == "#":
        return "comments are not allowed in JSON"
    if text.startswith(("NaN", "Infinity", "-Infinity"), i):
        return f"{text[i:].split()[0].rstrip(',]}')} is not a JSON number"
    if c in ("]", "}") and cont is not None:
        return f"expected a value before {c!r}"
    return f"expected a value, found {_what(text, i)}"
