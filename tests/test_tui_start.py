"""How the terminal UI starts: what its first frame lists, the one job that reads both lists
when the prefetch is late, and what starting it imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from tui_harness import SIZE, make_app, settled

from workbench.tui.backend import HISTORY_PAGE, Backend
from workbench.tui.screens.main import MainScreen
from workbench.tui.widgets.diff_view import DiffView
from workbench.tui.widgets.lists import ContractsTable, HistoryTable

LOADING = "Loading the repository…"


def _record_first_draw(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """The row count of each list the first time the compositor draws one of its lines."""
    first: dict[str, int] = {}
    for table in (ContractsTable, HistoryTable):
        original = table.render_line

        def render_line(self, y, _original=original):
            first.setdefault(self.id, self.row_count)
            return _original(self, y)

        monkeypatch.setattr(table, "render_line", render_line)
    return first


def _record_messages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    original = DiffView.show_message

    def show_message(self, text: str) -> None:
        shown.append(text)
        original(self, text)

    monkeypatch.setattr(DiffView, "show_message", show_message)
    return shown


def _count_calls(monkeypatch: pytest.MonkeyPatch, name: str) -> list[object]:
    calls: list[object] = []
    original = getattr(MainScreen, name)

    def counted(self, *args, **kwargs):
        calls.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MainScreen, name, counted)
    return calls


async def test_the_first_frame_lists_what_the_prefetch_read(
    demo_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _record_first_draw(monkeypatch)
    shown = _record_messages(monkeypatch)
    jobs = _count_calls(monkeypatch, "load_contracts")
    app = make_app(demo_repo)
    app._prefetched._prefetch.join()  # read before the screen mounts (it waits for it anyway)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        # both lists were drawn with their rows the first time they were drawn at all
        assert first["contracts"] == screen.contracts_table.row_count == 7
        assert first["history"] == screen.history_table.row_count > 0
        assert LOADING not in shown and jobs == []  # no loading frame, no job for the lists
        assert screen.current_path.endswith("payments-api.yaml")  # the draft, as before
        assert screen.diff.document is not None  # the diff follows the first frame


async def test_a_late_prefetch_leaves_one_job_for_both_lists(
    demo_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Backend, "prefetch", lambda self: None)  # nothing read ahead
    shown = _record_messages(monkeypatch)
    jobs = _count_calls(monkeypatch, "load_contracts")
    pages = _count_calls(monkeypatch, "_load_history")
    app = make_app(demo_repo, select="keycloak/customers.json")
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert shown[0] == LOADING  # the loading frame, as before the prefetch existed
        assert len(jobs) == 1 and pages == []  # the contracts' job brought the first page
        assert screen.current_path == "keycloak/customers.json"
        assert screen.history_table.row_count > 0 and screen.diff.document is not None


def test_prefetched_start_hands_over_what_the_backend_would_read(demo_repo: Path) -> None:
    assert Backend(demo_repo).prefetched_start() is None  # nothing prefetched: ask a worker
    backend = Backend(demo_repo, select="openapi/merchant-api.yaml")
    backend.prefetch()
    backend._prefetch.join()
    try:
        start = backend.prefetched_start()
        assert start is not None
        entries, path, revisions, tags = start
        assert path == "openapi/merchant-api.yaml"
        assert [e.path for e in entries] == [e.path for e in backend.repo.contracts()]
        history = backend.repo.history(path, limit=HISTORY_PAGE, offset=0)
        assert [r.rev for r in revisions] == [r.rev for r in history]
        assert tags == backend.repo.tags()
        assert backend.prefetched_start() is None  # handed over once
    finally:
        backend.close()


STARTS = """
import json, sys
from workbench.tui.app import create_app
from workbench.tui.screens.main import MainScreen
from workbench.tui.backend import Backend
before = sorted(sys.modules)
from workbench.tui import commands
every = [c.id for c in commands.COMMANDS]
print(json.dumps([before, every]))
"""


def test_starting_the_app_imports_neither_the_engine_nor_the_recipes() -> None:
    done = subprocess.run(
        [sys.executable, "-c", STARTS], capture_output=True, text=True, check=True
    )
    modules, every = json.loads(done.stdout)
    for heavy in ("workbench.engine", "workbench.security", "workbench.amendment.recipes"):
        assert heavy not in modules, heavy
    # the palette, the keys screen and a keymap still know a command per recipe
    assert any(c.startswith("recipe.") for c in every)
