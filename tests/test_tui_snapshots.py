"""Snapshots of what users see, at 120x40 and 80x24, theme pinned: a breaking amendment (also in
the light and monochrome themes), the security filter, the help screen, a repository without contracts.

The demo repository is built without its draft: a draft's date (the file's mtime) and author
(the local git identity) would differ between machines. Update with ``--snapshot-update``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tui_harness import make_app, press, settled, wait_for_refresh, wait_for_screen, wait_until

from workbench.tui.screens.empty import EmptyScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.main import MainScreen

SIZES = pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])


async def _open_breaking_amendment(pilot) -> MainScreen:
    screen = await settled(pilot)
    payments = next(e.path for e in screen.entries if e.id == "payments-api")
    screen.contracts_table.select_key(payments)
    await wait_until(pilot, lambda: screen.current_path == payments and screen.settled)
    table = screen.history_table
    key = next(r.key for r in table.rows_all if r.data.subject.startswith("Add idempotency_key"))
    table.focus()
    table.select_key(key)
    await wait_until(pilot, lambda: screen.current_key == key and screen.settled and screen.items)
    await wait_for_refresh(pilot)
    return screen


@SIZES
def test_breaking_amendment(snap_compare, demo_repo_clean: Path, size) -> None:
    async def run_before(pilot) -> None:
        screen = await _open_breaking_amendment(pilot)
        await press(pilot, "4", "j", "k")  # the worst finding, first in the list, shown in the diff
        assert screen.diff.selected.severity == "breaking"
        await press(pilot, "3")
        await wait_for_refresh(pilot)

    assert snap_compare(make_app(demo_repo_clean), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("theme", ["workbench-light", "workbench-mono"])
def test_breaking_amendment_in_theme(snap_compare, demo_repo_clean: Path, theme: str) -> None:
    """The same screen in the light theme and in the monochrome one (no hue: the badges' words,
    the gutter's symbols and bold, dim, reverse and underline carry the severities)."""

    async def run_before(pilot) -> None:
        screen = await _open_breaking_amendment(pilot)
        await press(pilot, "4", "j", "k")
        assert screen.diff.selected.severity == "breaking"
        await press(pilot, "3")
        await wait_for_refresh(pilot)

    app = make_app(demo_repo_clean, theme=theme)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


@SIZES
def test_security_filter(snap_compare, demo_repo_clean: Path, size) -> None:
    async def run_before(pilot) -> None:
        screen = await _open_breaking_amendment(pilot)
        await press(pilot, "4", "f", "f")
        assert screen.findings_filter == "security"
        await wait_for_refresh(pilot)

    assert snap_compare(make_app(demo_repo_clean), terminal_size=size, run_before=run_before)


@SIZES
def test_help_screen(snap_compare, demo_repo_clean: Path, size) -> None:
    async def run_before(pilot) -> None:
        await settled(pilot)
        await press(pilot, "question_mark")
        await wait_for_screen(pilot, HelpScreen)
        await wait_for_refresh(pilot)

    assert snap_compare(make_app(demo_repo_clean), terminal_size=size, run_before=run_before)


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
        await wait_for_screen(pilot, EmptyScreen)
        await wait_for_refresh(pilot)

    assert snap_compare(make_app(empty_repo), terminal_size=size, run_before=run_before)


def test_finding_detail(snap_compare, demo_repo_clean: Path) -> None:
    from workbench.tui.screens.finding import FindingScreen

    async def run_before(pilot) -> None:
        screen = await _open_breaking_amendment(pilot)
        await press(pilot, "4", "home", "enter")  # the worst finding, first in the list
        detail = await wait_for_screen(pilot, FindingScreen)
        assert detail.item.severity == "breaking"
        await wait_for_refresh(pilot)
        del screen

    assert snap_compare(make_app(demo_repo_clean), terminal_size=(120, 40), run_before=run_before)
