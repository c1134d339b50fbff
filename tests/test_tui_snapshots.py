"""Snapshots of what users see, at 120x40 and 80x24, theme pinned: a breaking amendment, the
security filter, the help screen, a repository without contracts.

The demo repository is built without its draft: a draft's date (the file's mtime) and author
(the local git identity) would differ between machines. Update with ``--snapshot-update``.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from workbench.tui.app import create_app
from workbench.tui.screens.empty import EmptyScreen
from workbench.tui.screens.main import MainScreen
from workbench.tui.settings import Settings

SIZES = pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])


@pytest.fixture(scope="module", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield


def _app(path: Path):
    return create_app(path, settings=Settings(theme="textual-dark"))


async def _wait(pilot, condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.02)


async def _settled(pilot) -> MainScreen:
    await _wait(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
    screen = pilot.app.screen
    await _wait(pilot, lambda: screen.settled)
    return screen


async def _open_breaking_amendment(pilot) -> MainScreen:
    screen = await _settled(pilot)
    payments = next(e.path for e in screen.entries if e.id == "payments-api")
    screen.contracts_table.select_key(payments)
    await _wait(pilot, lambda: screen.current_path == payments and screen.settled)
    table = screen.history_table
    key = next(r.key for r in table.rows_all if r.data.subject.startswith("Add idempotency_key"))
    table.focus()
    table.select_key(key)
    await _wait(pilot, lambda: screen.current_key == key and screen.settled and screen.items)
    await pilot.pause(0.1)
    return screen


@SIZES
def test_breaking_amendment(snap_compare, demo_repo_clean: Path, size) -> None:
    async def run_before(pilot) -> None:
        screen = await _open_breaking_amendment(pilot)
        await pilot.press("4", "j", "k")  # the worst finding, first in the list, shown in the diff
        assert screen.diff.selected.severity == "breaking"
        await pilot.press("3")
        await pilot.pause(0.1)

    assert snap_compare(_app(demo_repo_clean), terminal_size=size, run_before=run_before)


@SIZES
def test_security_filter(snap_compare, demo_repo_clean: Path, size) -> None:
    async def run_before(pilot) -> None:
        screen = await _open_breaking_amendment(pilot)
        await pilot.press("4", "f", "f")
        assert screen.findings_filter == "security"
        await pilot.pause(0.1)

    assert snap_compare(_app(demo_repo_clean), terminal_size=size, run_before=run_before)


@SIZES
def test_help_screen(snap_compare, demo_repo_clean: Path, size) -> None:
    async def run_before(pilot) -> None:
        await _settled(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.1)

    assert snap_compare(_app(demo_repo_clean), terminal_size=size, run_before=run_before)


@pytest.fixture(scope="module")
def empty_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("empty") / "empty-repo"
    repo.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        "GIT_AUTHOR_NAME": "A",
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "A",
        "GIT_COMMITTER_EMAIL": "a@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    (repo / "README.md").write_text("Nothing to see.\n")
    for args in (["init", "-q"], ["add", "README.md"], ["commit", "-qm", "README"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    return repo


@SIZES
def test_empty_repository(snap_compare, empty_repo: Path, size) -> None:
    async def run_before(pilot) -> None:
        await _wait(pilot, lambda: isinstance(pilot.app.screen, EmptyScreen))
        await pilot.pause(0.1)

    assert snap_compare(_app(empty_repo), terminal_size=size, run_before=run_before)
