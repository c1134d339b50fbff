"""The terminal UI forgets what it drew: after browsing a history longer than the screen, the
lists and the diff hold rendered rows for a few screens, not for everything browsed."""

from __future__ import annotations

import gc
import weakref
from dataclasses import replace
from pathlib import Path

from history_support import Repo, contract_text
from tui_harness import SIZE, TEST_DELAYS, make_app, settled, wait_until

from workbench.tui.backend import _malloc_trim, release_memory

PATH = "contracts/payments-api.yaml"
REVISIONS = 60


def _long_history(root: Path) -> Path:
    repo = Repo(root)
    for i in range(REVISIONS):
        lifetime = f"{10 + i % 7}m"
        repo.commit(f"amend {i}", {PATH: contract_text(f"1.{i}.0", lifetime=lifetime)})
    return root


async def test_browsing_keeps_render_caches_to_a_few_screens(tmp_path: Path) -> None:
    repo = _long_history(tmp_path / "repo")
    app = make_app(repo, select=PATH)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        table = screen.history_table
        assert table.row_count == REVISIONS
        assert table.size.height < REVISIONS  # the list scrolls
        table.focus()
        for _ in range(REVISIONS - 1):
            await pilot.press("j")
            key = table.current_key
            await wait_until(pilot, lambda key=key: screen.current_key == key)
        await wait_until(pilot, lambda: screen.settled and not screen.diff_pending)
        assert table.current_key == table.rows_all[-1].key  # browsed to the oldest
        assert all("badge" in row.extra for row in table.rows_all)
        columns = len(table.columns) + 1  # and the row labels
        height = max(table.size.height, 24)
        # a few screens' worth of rendered cells, rows and lines: not one per cell browsed
        assert len(table._cell_render_cache) <= 4 * height * columns
        assert len(table._row_render_cache) <= 4 * height
        assert len(table._line_cache) <= 4 * height
        assert len(table._row_renderable_cache) <= 4 * height
        diff = screen.diff
        assert diff.document is not None
        assert len(diff._cache) <= 4 * max(diff.size.height, 24)
        assert len(diff._text_cache) <= 8 * max(diff.size.height, 24)
        # the repository behind the app keeps a browser's bounds: the reports of the last few
        # revisions shown, a few parsed revisions and one page of contents, not the CLI's
        from workbench.history.repo import BROWSER_BOUNDS

        repo_ = screen.backend.repo
        assert len(repo_.judge._reports) <= BROWSER_BOUNDS.reports < REVISIONS
        assert len(repo_.judge._contracts) <= BROWSER_BOUNDS.parsed
        assert repo_._blobs._size <= BROWSER_BOUNDS.blob_bytes
        # and judges without pausing the collector the app shares (its garbage is collected)
        assert not repo_.judge.pause_collector


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_release_memory_collects_cycles_and_trims_where_glibc_is() -> None:
    a, b = _Node(), _Node()
    a.other, b.other = b, a  # a cycle: only the collector frees it
    alive = weakref.ref(a)
    threshold = gc.get_threshold()
    gc.set_threshold(0)  # no automatic pass in between: the release is what frees it
    try:
        del a, b
        assert alive() is not None
        release_memory()
        assert alive() is None
    finally:
        gc.set_threshold(*threshold)
    if Path("/proc/self/maps").exists() and "libc.so.6" in Path("/proc/self/maps").read_text():
        assert _malloc_trim() is not None  # glibc: freed pages go back to the system


async def test_idle_app_releases_memory_once_after_work(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    git = Repo(repo)
    for i in range(6):
        git.commit(f"amend {i}", {PATH: contract_text(f"1.{i}.0")})
    app = make_app(repo, select=PATH, delays=replace(TEST_DELAYS, release=0.02))
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        backend = screen.backend
        assert backend.activity > 0  # diffs, findings and badges were computed
        # idle after work: the app gives memory back, once for that burst of work
        await wait_until(pilot, lambda: app._released == backend.activity)
        screen.history_table.focus()
        before = backend.activity
        await pilot.press("j")
        await wait_until(pilot, lambda: backend.activity > before and screen.settled)
        await wait_until(pilot, lambda: app._released == backend.activity)
