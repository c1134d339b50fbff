"""Contract paths: the dotted form findings and deprecation targets use.

``tokens.access_token.signing_algorithms[RS256]`` names the RS256 entry of a list;
``identity_providers[corp-idp]`` names the identity provider whose ``id`` is ``corp-idp``;
``scopes[payments.read]`` names a map key that contains dots. Brackets select a list element by
value (or by its ``id``/``name``/``target``), a map key, or (when nothing else matches) a list index.
"""

from __future__ import annotations

from typing import Any

_ID_FIELDS = ("id", "name", "target", "code")


def split_path(text: str) -> list[tuple[str, bool]]:
    """Split a contract path into ``(segment, bracketed)`` parts; raise ValueError when malformed."""
    parts: list[tuple[str, bool]] = []
    i, n = 0, len(text)
    buf = ""
    while i < n:
        ch = text[i]
        if ch == ".":
            if buf:
                parts.append((buf, False))
            elif not parts or not parts[-1][1]:
                raise ValueError(f"empty segment in path {text!r}")
            buf = ""
        elif ch == "[":
            if buf:
                parts.append((buf, False))
                buf = ""
            end = text.find("]", i)
            if end < 0:
                raise ValueError(f"unclosed '[' in path {text!r}")
            parts.append((text[i + 1 : end], True))
            i = end
        else:
            buf += ch
        i += 1
    if buf:
        parts.append((buf, False))
    if not parts:
        raise ValueError("empty path")
    return parts


def element_key(item: Any) -> str | None:
    """The selector that names a list element: its own value, or its id-like field."""
    if isinstance(item, dict):
        for field in _ID_FIELDS:
            if isinstance(item.get(field), str | int):
                return str(item[field])
        return None
    if isinstance(item, bool) or item is None:
        return None
    return str(item)


def resolve_path(data: Any, text: str) -> tuple[tuple, Any] | None:
    """Find what a contract path names: ``(raw path tuple, value)``, or ``None`` if absent."""
    try:
        parts = split_path(text)
    except ValueError:
        return None
    node, raw = data, ()
    for seg, bracketed in parts:
        if isinstance(node, dict):
            if seg not in node:
                return None
            node, raw = node[seg], (*raw, seg)
        elif isinstance(node, list) and bracketed:
            for idx, item in enumerate(node):
                if element_key(item) == seg:
                    node, raw = item, (*raw, idx)
                    break
            else:
                if seg.isdigit() and int(seg) < len(node):
                    node, raw = node[int(seg)], (*raw, int(seg))
                else:
                    return None
        else:
            return None
    return raw, node


def join(base: str, key: str | int, *, select: bool = False) -> str:
    """Append a segment: a bracketed selector when ``select`` or when the key contains a dot."""
    key = str(key)
    if select or "." in key or "[" in key:
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else key


def is_within(path: str, ancestor: str) -> bool:
    """Whether ``path`` is ``ancestor`` or lies below it."""
    return path == ancestor or path.startswith((ancestor + ".", ancestor + "["))


def follow_pointer(doc: Any, ref: str) -> tuple[tuple, Any] | None:
    """``(data path, value)`` that a local JSON pointer (``#/definitions/a~1b/0``) names inside
    ``doc`` (list indexes in the path as integers), or ``None`` when it names nothing."""
    path: tuple = ()
    node = doc
    for part in ref[1:].split("/")[1:] if ref != "#" else []:
        key: Any = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            key = int(key)
            node = node[key]
        else:
            return None
        path = (*path, key)
    return path, node
