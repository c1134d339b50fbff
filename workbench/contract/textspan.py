"""How much two texts (or two byte strings) share at their start and at their end.

Compared slice by slice at C speed: whole chunks first, then halving, never one character at
a time (the incremental readers of large documents ask this of each revision and the one
before it, megabytes apart by a few bytes)."""

from __future__ import annotations

from typing import TypeVar

Text = TypeVar("Text", str, bytes)

_CHUNK = 1 << 16


def common_prefix(a: Text, b: Text) -> int:
    """How many characters (bytes) ``a`` and ``b`` begin with alike."""
    size = min(len(a), len(b))
    n = 0
    while n + _CHUNK <= size and a[n : n + _CHUNK] == b[n : n + _CHUNK]:
        n += _CHUNK
    step = _CHUNK // 2
    while step:
        if n + step <= size and a[n : n + step] == b[n : n + step]:
            n += step
        step //= 2
    return n


def common_suffix(a: Text, b: Text, limit: int) -> int:
    """How many characters (bytes) ``a`` and ``b`` end with alike, at most ``limit`` (pass
    what is left after their common prefix, so that the two never overlap)."""
    la, lb = len(a), len(b)
    n = 0
    while n + _CHUNK <= limit and a[la - n - _CHUNK : la - n] == b[lb - n - _CHUNK : lb - n]:
        n += _CHUNK
    step = _CHUNK // 2
    while step:
        if n + step <= limit and a[la - n - step : la - n] == b[lb - n - step : lb - n]:
            n += step
        step //= 2
    return n
