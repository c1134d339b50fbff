"""Repository-relative glob matching for ``contracts.include``/``exclude`` in ``.workbench.yaml``.

``*`` and ``?`` never cross a ``/``; ``**`` matches any number of directories (``**/*.yaml``
matches ``a.yaml`` and ``a/b/c.yaml``; ``amendments/**`` everything under ``amendments/``);
``[abc]`` is a character class. A pattern without ``/`` matches the file name in any directory,
as in ``.gitignore``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=256)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """The regular expression equivalent of one glob pattern."""
    pat = pattern.strip().lstrip("/")
    if "/" not in pat:
        pat = "**/" + pat
    out: list[str] = []
    i, n = 0, len(pat)
    while i < n:
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif pat[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pat[i] == "?":
            out.append("[^/]")
            i += 1
        elif pat[i] == "[":
            end = pat.find("]", i + 2)
            if end < 0:
                out.append(re.escape(pat[i]))
                i += 1
                continue
            body = pat[i + 1 : end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
            i = end + 1
        else:
            out.append(re.escape(pat[i]))
            i += 1
    if pattern.endswith("/"):
        out.append(".*")
    return re.compile("".join(out) + r"\Z", re.DOTALL)  # a file name may hold a newline


class PathFilter:
    """Include/exclude globs: a path is selected when it matches an include and no exclude."""

    def __init__(self, include: Iterable[str], exclude: Iterable[str] = ()):
        self.include = tuple(include)
        self.exclude = tuple(exclude)
        self._inc = _union(self.include)
        self._exc = _union(self.exclude)

    def __call__(self, path: str) -> bool:
        return (
            self._inc is not None
            and self._inc.match(path) is not None
            and (self._exc is None or self._exc.match(path) is None)
        )


def _union(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """One expression for several globs (one match per path: commits may touch 100,000)."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{compile_glob(p).pattern})" for p in patterns), re.DOTALL)
