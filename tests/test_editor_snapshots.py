"""Snapshots of the built-in editor (a change with its findings; a validation error marked in
the gutter and listed) and of the commit dialog, at 120x40 with the theme pinned. The demo
repository without its draft: the edits are made here, so nothing depends on the machine."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tui_harness import (
    make_app,
    open_checklist,
    press,
    settled,
    wait_for_refresh,
    wait_for_screen,
    wait_until,
)

from workbench.tui.screens.editor import EditorScreen

SIZE = (120, 40)
DRAFT = "contracts/payments/payments-api.yaml"


async def _editor(pilot, edit: tuple[str, str]) -> EditorScreen:
    await settled(pilot)
    await press(pilot, "e")
    screen = await wait_for_screen(pilot, EditorScreen)
    await wait_until(pilot, lambda: screen.judged)
    screen.buffer.cursor_blink = False
    old, new = edit
    before = screen.generation
    screen.replace_text(screen.buffer.text.replace(old, new, 1))
    # the buffer's change is counted when its message is handled: until then the verdict shown
    # is the old text's and still reads as current
    await wait_until(pilot, lambda: screen.generation > before and screen.judged)
    index = screen.buffer.text.index(new)
    screen.goto_line(screen.buffer.text.count("\n", 0, index) + 1)
    await wait_for_refresh(pilot)
    return screen


def test_editor_with_findings(snap_compare, demo_repo_clean: Path) -> None:
    async def run_before(pilot) -> None:
        screen = await _editor(pilot, ("lifetime: 15m", "lifetime: 45m"))
        assert screen.items and screen.verdict.report is not None

    app = make_app(demo_repo_clean, select=DRAFT)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_editor_with_a_validation_error(snap_compare, demo_repo_clean: Path) -> None:
    async def run_before(pilot) -> None:
        screen = await _editor(pilot, ("lifetime: 15m", "lifetime: 15 minutes"))
        assert screen.verdict.errors and screen.buffer.marks

    app = make_app(demo_repo_clean, select=DRAFT)
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.fixture
def completed(tmp_path: Path) -> Path:
    """A demo copy whose draft's checklist is answered (through the command line)."""
    from workbench.demo import build_demo_repo

    root = build_demo_repo(tmp_path / "demo")
    for key, value in (("user.name", "Ada Author"), ("user.email", "ada@example.com")):
        subprocess.run(["git", "config", key, value], cwd=root, check=True)
    return root


def test_commit_dialog(snap_compare, completed: Path) -> None:
    from test_editor_tui import complete_checklist

    from workbench.tui.screens.commit import CommitDialog

    async def run_before(pilot) -> None:
        screen = await open_checklist(pilot)
        await complete_checklist(pilot, screen)
        await press(pilot, "C")
        dialog = await wait_for_screen(pilot, CommitDialog)
        dialog.query_one("#commit-message").cursor_blink = False
        pilot.app.clear_notifications()  # the checklist's answers: not part of the dialog
        await wait_for_refresh(pilot)

    assert snap_compare(make_app(completed), terminal_size=SIZE, run_before=run_before)
