"""The drawn lines, the cleared caches and the workers' answers of the terminal UI go by
reference counting: Textual 8 makes them cycles (``workbench/tui/cycles.py`` mends the two it
makes, ``run_job`` boxes the answers), and the cyclic collector's full passes are rare in the
app, so a cycle per line drawn piled up while browsing and the process kept the memory of the
pile."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from history_support import Repo, contract_text
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.strip import Strip
from tui_harness import SIZE, make_app, settled, wait_until

from workbench.contract.collector import collector_paused
from workbench.tui import cycles

PATH = "contracts/payments-api.yaml"


class _Value:
    """A cached value that can be watched with a weak reference."""


def _reaches_itself(obj: object, depth: int = 5) -> bool:
    """Whether ``obj`` refers back to itself within ``depth`` references."""
    seen: set[int] = set()
    frontier = list(gc.get_referents(obj))
    for _ in range(depth):
        following = []
        for ref in frontier:
            if ref is obj:
                return True
            if id(ref) not in seen:
                seen.add(id(ref))
                following.extend(gc.get_referents(ref))
        frontier = following
    return False


def test_the_mends_are_installed_by_the_app(tmp_path: Path) -> None:
    make_app(tmp_path)
    assert cycles.install()
    assert LRUCache.clear is cycles._clear
    assert Strip.divide is cycles._divide
    assert Strip.crop_extend is cycles._crop_extend


def test_textual_itself_still_makes_these_cycles() -> None:
    """When this fails, Textual no longer makes the cycles: remove ``tui/cycles.py``."""
    cache: LRUCache[int, _Value] = LRUCache(4)
    value = _Value()
    alive = weakref.ref(value)
    with collector_paused():
        cache.set(1, value)
        cache.set(2, _Value())
        del value
        cycles.ORIGINAL["LRUCache.clear"](cache)
        assert alive() is not None  # held by the ring Textual dropped without unlinking
    gc.collect()
    assert alive() is None

    strip = Strip([Segment("abc"), Segment("de", Style(bold=True))])
    assert cycles.ORIGINAL["Strip.divide"](strip, [5]) == [strip]
    assert _reaches_itself(strip)
    other = Strip([Segment("abc")])
    assert cycles.ORIGINAL["Strip.crop_extend"](other, 0, 3, None) is other
    assert _reaches_itself(other)


def test_a_cleared_cache_frees_its_values_at_once_and_still_works() -> None:
    cycles.install()
    cache: LRUCache[int, _Value] = LRUCache(3)
    values = [_Value() for _ in range(5)]
    watched = [weakref.ref(v) for v in values]
    with collector_paused():
        for i, v in enumerate(values):
            cache.set(i, v)
        assert [cache.get(i) is not None for i in range(5)] == [False, False, True, True, True]
        del values, v
        assert [w() is not None for w in watched] == [False, False, True, True, True]
        cache.clear()
        assert [w() for w in watched] == [None] * 5  # no collection needed
        assert len(cache) == 0
        # usable as before: least recently used goes first
        for i in range(4):
            cache.set(i, _Value())
        cache.get(1)
        cache.set(9, _Value())
        assert sorted(cache.keys()) == [1, 3, 9]


TEXTS = st.text(alphabet="ab 界é\t", min_size=0, max_size=6)
STYLES = st.sampled_from([None, Style(bold=True), Style(color="red"), Style(italic=True)])
STRIPS = st.lists(st.tuples(TEXTS, STYLES), max_size=5).map(
    lambda parts: Strip([Segment(text, style) for text, style in parts])
)


def _same(a: Strip, b: Strip) -> bool:
    return list(a) == list(b) and a.cell_length == b.cell_length


@settings(max_examples=300, deadline=None)
@given(STRIPS, st.sets(st.integers(1, 14), max_size=4), st.integers(-3, 16), st.integers(-3, 18))
def test_mended_strip_methods_answer_as_textuals_own(
    strip: Strip, cuts: set[int], start: int, end: int
) -> None:
    cycles.install()
    fresh = Strip(list(strip), strip.cell_length)  # Textual's own caches start empty too
    divided = sorted(cuts | {strip.cell_length})  # as the compositor cuts: rising, the end last
    mended = cycles._divide(strip, divided)
    original = cycles.ORIGINAL["Strip.divide"](fresh, divided)
    assert len(mended) == len(original)
    assert all(_same(a, b) for a, b in zip(mended, original, strict=True))
    for style in (None, Style(bold=True)):
        a = cycles._crop_extend(strip, start, end, style)
        b = cycles.ORIGINAL["Strip.crop_extend"](fresh, start, end, style)
        assert _same(a, b)
        assert (a is strip) == (b is fresh)
    assert not _reaches_itself(strip)


async def test_browsing_leaves_no_drawn_line_diff_or_report_to_the_collector(
    tmp_path: Path,
) -> None:
    repo = Repo(tmp_path / "repo")
    for i in range(12):
        repo.commit(f"amend {i}", {PATH: contract_text(f"1.{i}.0", lifetime=f"{10 + i}m")})
    app = make_app(repo.root, select=PATH)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        table = screen.history_table
        table.focus()
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            with collector_paused():
                for _ in range(8):
                    await pilot.press("j")
                    key = table.current_key
                    await wait_until(
                        pilot, lambda key=key: screen.current_key == key and screen.settled
                    )
                await wait_until(pilot, lambda: screen.settled and not screen.diff_pending)
            gc.collect()
            garbage = list(gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
        kinds = {type(obj).__name__ for obj in garbage}
        names = {"Strip", "Segment", "DiffDocument", "DiffReport", "Comparison", "Item"}
        assert not kinds & names, sorted(kinds & names)
