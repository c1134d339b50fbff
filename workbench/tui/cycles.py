"""Two reference cycles in Textual 8 that made every drawn line garbage only the cyclic
collector could free, mended where they are made.

- ``LRUCache.clear()`` drops the cache's ring of nodes (each node a ``[prev, next, key,
  value]`` list) without unlinking it: the ring, and every value it held, is a cycle.
  ``DataTable`` clears four such caches of drawn lines whenever a row changes, the diff view
  two whenever another revision is shown.
- ``Strip.divide(cuts)`` and ``Strip.crop_extend(start, end, style)`` store their answer in the
  strip's own cache, and when the answer is the strip itself (a line the compositor does not
  cut, a crop that is the whole line), the strip refers to itself: every line the compositor
  draws becomes a cycle.

The app keeps the collector's full passes rare (they cost 100-300 ms over a parsed 10,000-line
contract), so this garbage piled up between passes, about 13 MB while browsing 30 revisions, and
the allocator kept the memory of the highest pile: after browsing 1,000 revisions the app held
1.8x its first paint. Mended, the same lines go by reference counting the moment they are
dropped.

:func:`install` replaces the three methods (once, and only on the classes this was written for:
each keeps its answers, as ``tests/test_cycles.py`` checks against Textual's own). The same test
file shows Textual's own methods still making the cycles: when a Textual release mends them,
that test fails, and this module can go.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from textual.cache import LRUCache
from textual.strip import Strip

ORIGINAL = {
    "LRUCache.clear": LRUCache.clear,
    "Strip.divide": Strip.divide,
    "Strip.crop_extend": Strip.crop_extend,
}
_installed = False


def _clear(self: LRUCache[Any, Any]) -> None:
    """Clear the cache, unlinking its ring so the nodes and their values go at once."""
    for node in self._cache.values():
        node.clear()
    ORIGINAL["LRUCache.clear"](self)


def _divide(self: Strip, cuts: Any) -> Any:
    """``Strip.divide`` that never stores the strip in its own cache (an uncut line)."""
    cell_length = self.cell_length
    kept = [cut for cut in cuts if cut <= cell_length]
    if kept == [cell_length]:
        return [self]
    return ORIGINAL["Strip.divide"](self, kept)


def _crop_extend(self: Strip, start: int, end: int, style: Style | None) -> Strip:
    """``Strip.crop_extend`` that never stores the strip in its own cache (the whole line)."""
    if start <= 0 and end == self.cell_length:
        return self
    return ORIGINAL["Strip.crop_extend"](self, start, end, style)


def _shapes_known() -> bool:
    """Whether the classes look as this module expects (else leave them alone)."""
    return "_cache" in getattr(LRUCache, "__slots__", ()) and all(
        name in getattr(Strip, "__slots__", ()) for name in ("_divide_cache", "_crop_extend_cache")
    )


def install() -> bool:
    """Mend the cycles (idempotent). Returns whether the mends are in place."""
    global _installed
    if not _installed and _shapes_known():
        LRUCache.clear = _clear  # type: ignore[method-assign]
        Strip.divide = _divide  # type: ignore[method-assign]
        Strip.crop_extend = _crop_extend  # type: ignore[method-assign]
        _installed = True
    return _installed
