"""Pausing the cyclic garbage collector around work that allocates a great deal and makes no
cycles worth collecting meanwhile (loading a document, judging an amendment).

A module of its own so that callers pause without importing the YAML parser.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building or checking loaded data.

    Loading creates hundreds of thousands of small acyclic objects; the collector would rescan
    the growing heap again and again (3-4x the parse time on large contracts), and judging two
    large contracts afterwards would rescan both of them each time the engine's allocations
    trigger a full collection. Nested pauses (and pauses in other threads) leave it as they
    found it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
