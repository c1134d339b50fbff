"""The built-in editor under Pilot on a demo copy: typing re-validates and re-judges the buffer,
save is atomic and checks the disk, leaving asks first; and the external editor's failures
(a missing program, a failing one, a command that cannot be parsed) leave the app usable."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tui_harness import (
    SIZE,
    fake_editor,
    handled,
    make_app,
    open_checklist,
    press,
    screen_text,
    settled,
    wait_for_screen,
    wait_until,
)

from workbench.history.draft import DraftJudge
from workbench.history.repo import ContractRepo
from workbench.tui.external import EditorCommandError, editor_command
from workbench.tui.screens.editor import ChoiceDialog, EditorScreen
from workbench.tui.screens.main import MainScreen

DRAFT = "contracts/payments/payments-api.yaml"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    from workbench.demo import build_demo_repo

    root = build_demo_repo(tmp_path / "demo")
    for key, value in (("user.name", "Ada Author"), ("user.email", "ada@example.com")):
        subprocess.run(["git", "config", key, value], cwd=root, check=True)
    return root


async def open_editor(pilot) -> EditorScreen:
    main = await settled(pilot)
    assert main.current_path == DRAFT
    await press(pilot, "e")
    screen = await wait_for_screen(pilot, EditorScreen)
    await wait_until(pilot, lambda: screen.judged)
    return screen


async def leave(pilot) -> None:
    """``esc`` twice: the first leaves the buffer (a code editor's escape hatch from tab
    indentation), the second leaves the editor."""
    await press(pilot, "escape")
    await handled(pilot)
    await press(pilot, "escape")


async def type_at(pilot, screen: EditorScreen, needle: str, text: str) -> None:
    """Put the cursor right after ``needle`` and type ``text`` key by key."""
    buffer = screen.buffer
    index = buffer.text.index(needle) + len(needle)
    row = buffer.text.count("\n", 0, index)
    col = index - (buffer.text.rfind("\n", 0, index) + 1)
    buffer.move_cursor((row, col))
    buffer.focus()
    for char in text:
        await press(pilot, "space" if char == " " else char)


async def test_typing_re_judges_the_buffer(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        assert screen.verdict.report is not None  # the demo draft is valid
        before = {it.rule for it in screen.items}
        assert screen.findings_table.rows_all  # the draft's findings against HEAD
        # break the document: a duration that is not one
        await type_at(pilot, screen, "lifetime: 5m", "x")
        await wait_until(pilot, lambda: screen.judged)
        assert screen.verdict.report is None
        errors = screen.verdict.errors
        assert errors and screen.problems_table.rows_all
        line = errors[0].line
        assert screen.buffer.marks.get(line - 1) == "error"
        assert "no verdict" in screen_text(app)
        assert "● unsaved" in screen_text(app)
        # enter on the problem moves the cursor to its line
        screen.problems_table.focus()
        await press(pilot, "enter")
        await handled(pilot)
        assert screen.buffer.cursor_location[0] == line - 1
        assert screen.buffer.has_focus
        # undo: valid again, the findings are back
        await press(pilot, "ctrl+z")
        await wait_until(pilot, lambda: screen.judged)
        assert screen.verdict.report is not None and not screen.buffer.marks
        assert {it.rule for it in screen.items} == before
        assert not screen.unsaved


async def test_the_verdict_is_the_core_s(demo: Path) -> None:
    """The buffer, once saved, gets the findings the main screen's draft row has."""
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        shown = sorted((f.rule, f.path, f.severity) for f in screen.verdict.report.findings)
    with ContractRepo.open(demo, cache=False) as repo:
        report = repo.compare(DRAFT, "HEAD", "WORKTREE")
        assert sorted((f.rule, f.path, f.severity) for f in report.findings) == shown
        judged = DraftJudge(repo, DRAFT).judge((demo / DRAFT).read_text())
        assert [f.fingerprint for f in judged.report.security_findings] == [
            f.fingerprint for f in report.security_findings
        ]


async def test_save_is_atomic_and_leaving_asks_first(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        await type_at(pilot, screen, "lifetime: 5m", "0")
        assert screen.unsaved
        await leave(pilot)
        dialog = await wait_for_screen(pilot, ChoiceDialog)
        assert "not saved" in screen_text(app)
        await press(pilot, "escape")  # cancel: back in the editor, the buffer kept
        await wait_for_screen(pilot, EditorScreen)
        assert screen.unsaved and "lifetime: 5m0" in screen.buffer.text
        await press(pilot, "ctrl+s")
        await handled(pilot)
        assert "lifetime: 5m0" in (demo / DRAFT).read_text()
        assert not screen.unsaved
        assert not list((demo / DRAFT).parent.glob(".*.tmp"))
        await leave(pilot)
        main = await wait_for_screen(pilot, MainScreen)
        assert dialog is not None and main is not None


async def test_discard_leaves_the_file_alone(demo: Path) -> None:
    original = (demo / DRAFT).read_text()
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        await type_at(pilot, screen, "lifetime: 5m", "1")
        await press(pilot, "q")  # typed into the buffer, not a quit
        assert "lifetime: 5m1q" in screen.buffer.text
        await leave(pilot)
        await wait_for_screen(pilot, ChoiceDialog)
        await press(pilot, "d")
        await wait_for_screen(pilot, MainScreen)
    assert (demo / DRAFT).read_text() == original


async def test_a_change_on_disk_is_caught_at_save(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        await type_at(pilot, screen, "lifetime: 5m", "0")
        outside = (demo / DRAFT).read_text().replace("lifetime: 5m", "lifetime: 7m", 1)
        (demo / DRAFT).write_text(outside)
        await press(pilot, "ctrl+s")
        await wait_for_screen(pilot, ChoiceDialog)
        assert "changed on disk" in screen_text(app)
        await press(pilot, "escape")  # cancel: nothing written
        await wait_for_screen(pilot, EditorScreen)
        assert (demo / DRAFT).read_text() == outside
        await press(pilot, "ctrl+s")
        await wait_for_screen(pilot, ChoiceDialog)
        await press(pilot, "r")  # reload: the buffer is the file on disk
        await wait_for_screen(pilot, EditorScreen)
        assert screen.buffer.text == outside and not screen.unsaved
        await type_at(pilot, screen, "lifetime: 7m", "0")
        (demo / DRAFT).write_text(outside.replace("lifetime: 7m", "lifetime: 9m", 1))
        await press(pilot, "ctrl+s")
        await wait_for_screen(pilot, ChoiceDialog)
        await press(pilot, "o")  # overwrite
        await wait_for_screen(pilot, EditorScreen)
        assert "lifetime: 7m0" in (demo / DRAFT).read_text()


async def test_replace_text_is_one_undoable_edit(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        original = screen.buffer.text
        screen.replace_text(original.replace("lifetime: 5m", "lifetime: 2m", 1), "recipe")
        await wait_until(pilot, lambda: screen.judged)
        assert "lifetime: 2m" in screen.buffer.text and screen.unsaved
        screen.buffer.focus()
        await press(pilot, "ctrl+z")
        await wait_until(pilot, lambda: screen.judged)
        assert screen.buffer.text == original


async def test_a_clean_tree_starts_a_draft(demo: Path) -> None:
    subprocess.run(["git", "checkout", "--", DRAFT], cwd=demo, check=True)
    app = make_app(demo, select=DRAFT)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        assert not screen.verdict.report.findings  # the same text as HEAD: no change
        await type_at(pilot, screen, "lifetime: 1", "2")  # 125m
        await wait_until(pilot, lambda: screen.judged)
        assert screen.verdict.report.findings  # the longer lifetime is a change
        await press(pilot, "ctrl+s")
        await leave(pilot)
        main = await wait_for_screen(pilot, MainScreen)
        await wait_until(pilot, lambda: main.settled)
        assert main.history_table.rows_all[0].data.kind == "worktree"


async def test_the_checklist_opens_the_editor(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        checklist = await open_checklist(pilot)
        await press(pilot, "e")
        screen = await wait_for_screen(pilot, EditorScreen)
        await wait_until(pilot, lambda: screen.judged)
        assert screen.path == DRAFT
        await leave(pilot)
        assert await wait_for_screen(pilot, type(checklist)) is checklist


async def test_quit_keeps_unsaved_work(demo: Path) -> None:
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        await type_at(pilot, screen, "lifetime: 5m", "0")
        await press(pilot, "ctrl+q")
        await handled(pilot)
        assert app.is_running and isinstance(app.screen, EditorScreen)
        assert any("unsaved" in str(n.message) for n in app._notifications)


# --- the external editor ------------------------------------------------------------------------


def _notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


@pytest.mark.parametrize(
    ("editor", "says"),
    [
        ("/nonexistent/editor", "editor not found"),
        ("false", "exited with status 1"),
        ("vim 'unbalanced", "cannot parse $EDITOR"),
        ("/opt/my editor/bin/vim", "a path with a space must be quoted"),
    ],
)
@pytest.mark.parametrize("where", ["main", "checklist"])
async def test_a_failing_editor_leaves_the_app_usable(
    demo: Path, monkeypatch, editor: str, says: str, where: str
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", editor)
    original = (demo / DRAFT).read_text()
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        if where == "main":
            await settled(pilot)
        else:
            await open_checklist(pilot)
        screen = app.screen
        await press(pilot, "E")
        await wait_until(pilot, lambda: any(says in n for n in _notes(app)))
        assert app.screen is screen  # still there, still answering keys
        await press(pilot, "question_mark")
        await wait_until(pilot, lambda: app.screen is not screen)
        await press(pilot, "escape")
        await wait_until(pilot, lambda: app.screen is screen)
    assert (demo / DRAFT).read_text() == original


async def test_an_editor_that_works_is_read_back(demo: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("VISUAL", fake_editor(tmp_path, "lifetime: 5m", "lifetime: 6m"))
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_editor(pilot)
        await press(pilot, "ctrl+o")
        await wait_until(pilot, lambda: screen.judged and "lifetime: 6m" in screen.buffer.text)
        assert not screen.unsaved


def test_goto_syntax_of_each_editor(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("vim", "nvim", "emacsclient", "nano", "hx", "code", "subl", "kate2", "ed it"):
        tool = bin_dir / name
        tool.write_text("#!/bin/sh\n")
        tool.chmod(0o755)
    target = tmp_path / "c.yaml"
    t = str(target)

    def cmd(value: str, line: int | None = 12) -> list[str]:
        return editor_command(target, line, env={"EDITOR": value, "PATH": str(bin_dir)})

    assert cmd("vim -u NONE") == ["vim", "-u", "NONE", "+12", t]
    assert cmd("nvim") == ["nvim", "+12", t]
    assert cmd("emacsclient -t") == ["emacsclient", "-t", "+12", t]
    assert cmd("nano") == ["nano", "+12", t]
    assert cmd("hx") == ["hx", f"{t}:12"]
    assert cmd("code") == ["code", "--wait", "--goto", f"{t}:12"]
    assert cmd("code --wait") == ["code", "--wait", "--goto", f"{t}:12"]
    assert cmd("subl -w") == ["subl", "-w", f"{t}:12"]
    assert cmd("kate2") == ["kate2", t]  # unknown: no line
    assert cmd("vim", None) == ["vim", t]
    assert cmd(f"'{bin_dir / 'ed it'}'") == [str(bin_dir / "ed it"), t]
    with pytest.raises(EditorCommandError, match="cannot parse"):
        cmd('vim "+12')
    with pytest.raises(EditorCommandError, match="must be quoted"):
        cmd(f"{bin_dir / 'ed it'}")
    with pytest.raises(EditorCommandError, match="is empty"):
        editor_command(target, env={"VISUAL": " ", "EDITOR": "''", "PATH": str(bin_dir)})


# --- commit from the app --------------------------------------------------------------------------


async def complete_checklist(pilot, screen) -> None:
    """Answer the demo draft's checklist as its author (all but the reviewer's sign-off, which
    comes once the change is committed)."""
    from tui_harness import checklist_idle

    from workbench.tui.screens.checklist import ChecklistScreen, NoticeScreen, ReasonDialog

    await press(pilot, "b")
    await checklist_idle(pilot, screen)
    screen.select_step("compatibility")
    await press(pilot, "tab")
    await press(pilot, "enter")
    await wait_for_screen(pilot, ReasonDialog)
    await press(pilot, *"acr sent [PAY-2001]")
    await press(pilot, "enter")
    await checklist_idle(pilot, screen)
    screen.select_step("security_review")
    await press(pilot, "a")
    await wait_for_screen(pilot, ReasonDialog)
    await press(pilot, *"Batch tokens until Q3 (SETTLE-88)")
    await press(pilot, "enter")
    await checklist_idle(pilot, screen)
    await press(pilot, "t")
    await wait_for_screen(pilot, NoticeScreen)
    await press(pilot, "escape")
    await wait_for_screen(pilot, ChecklistScreen)
    await checklist_idle(pilot, screen)
    await press(pilot, "w")
    await checklist_idle(pilot, screen)
    await press(pilot, "N")
    await checklist_idle(pilot, screen)
    assert screen.checklist.awaiting_review, (
        screen.last_error,
        [str(n.message) for n in pilot.app._notifications],
    )


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


AMENDMENT_FILES = {
    DRAFT,
    "amendments/payments-api/4.0.0.yaml",
    "amendments/payments-api/4.0.0.notice.md",
    "contracts/payments/CHANGELOG.md",
}


async def test_commit_from_the_checklist(demo: Path) -> None:
    from workbench.tui.screens.commit import CommitDialog

    (demo / "unrelated.txt").write_text("staged, not part of the amendment\n")
    _git(demo, "add", "unrelated.txt")
    head = _git(demo, "rev-parse", "HEAD").strip()
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_checklist(pilot)
        await press(pilot, "C")  # refused: the gate does not let it through yet
        await wait_until(pilot, lambda: any("Cannot commit" in n for n in _notes(app)))
        await complete_checklist(pilot, screen)
        await press(pilot, "C")
        dialog = await wait_for_screen(pilot, CommitDialog)
        assert set(dialog.plan.paths) == AMENDMENT_FILES
        message = dialog.query_one("#commit-message").text
        assert message.startswith("payments-api 3.2.0 -> 4.0.0")
        assert "Amendment record: amendments/payments-api/4.0.0.yaml" in message
        await press(pilot, "ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, CommitDialog))
        await wait_until(pilot, lambda: any(n.startswith("Committed ") for n in _notes(app)))
    assert _git(demo, "rev-parse", "HEAD~1").strip() == head
    files = set(_git(demo, "show", "--name-only", "--format=", "HEAD").split())
    assert files == AMENDMENT_FILES
    assert _git(demo, "log", "-1", "--format=%s").startswith("payments-api 3.2.0 -> 4.0.0")
    # the unrelated staged file stays staged, out of the commit
    assert _git(demo, "diff", "--cached", "--name-only").split() == ["unrelated.txt"]


async def test_commit_from_the_main_screen_goes_through_the_checklist(demo: Path) -> None:
    from tui_harness import checklist_idle

    from workbench.tui.screens.checklist import ChecklistScreen
    from workbench.tui.screens.commit import CommitDialog

    head = _git(demo, "rev-parse", "HEAD").strip()
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        main = await settled(pilot)
        assert main.current_path == DRAFT
        # a committed revision selected: C still commits the draft, from its checklist
        table = main.history_table
        key = next(r.key for r in table.rows_all if r.data.kind == "commit")
        table.select_key(key)
        await wait_until(pilot, lambda: main.current_key == key and main.settled)
        await press(pilot, "C")
        screen = await wait_for_screen(pilot, ChecklistScreen)
        await checklist_idle(pilot, screen)
        assert screen.session.mode == "worktree"
        # not through the gate yet: refused over the checklist, which shows what is missing
        await wait_until(pilot, lambda: any("Cannot commit" in n for n in _notes(app)))
        assert app.screen is screen
        await complete_checklist(pilot, screen)
        await press(pilot, "escape")
        await wait_until(pilot, lambda: app.screen is main and main.settled)
        app.clear_notifications()
        await press(pilot, "C")
        dialog = await wait_for_screen(pilot, CommitDialog)
        assert set(dialog.plan.paths) == AMENDMENT_FILES
        await press(pilot, "ctrl+s")
        await wait_until(pilot, lambda: any(n.startswith("Committed ") for n in _notes(app)))
    assert _git(demo, "rev-parse", "HEAD~1").strip() == head
    assert set(_git(demo, "show", "--name-only", "--format=", "HEAD").split()) == AMENDMENT_FILES


async def test_a_failing_hook_is_shown_and_nothing_is_lost(demo: Path) -> None:
    from workbench.tui.screens.commit import CommitDialog

    hook = demo / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\necho 'lint: [bold]refused\x1b[31m the contract' >&2\nexit 1\n")
    hook.chmod(0o755)
    head = _git(demo, "rev-parse", "HEAD").strip()
    app = make_app(demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_checklist(pilot)
        await complete_checklist(pilot, screen)
        index_before = _git(demo, "diff", "--cached", "--name-only")
        status_before = _git(demo, "status", "--porcelain")
        contract_before = (demo / DRAFT).read_text()
        await press(pilot, "C")
        dialog = await wait_for_screen(pilot, CommitDialog)
        await press(pilot, "ctrl+s")
        await wait_until(pilot, lambda: dialog.result is not None and not dialog.busy)
        assert not dialog.result.ok
        text = screen_text(app)
        assert "git refused the commit" in text
        assert "lint: [bold]refused" in text and "\x1b" not in text
        assert isinstance(app.screen, CommitDialog)  # still open: try again or cancel
        await press(pilot, "escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, CommitDialog))
    assert _git(demo, "rev-parse", "HEAD").strip() == head
    assert _git(demo, "diff", "--cached", "--name-only") == index_before
    assert _git(demo, "status", "--porcelain") == status_before
    assert (demo / DRAFT).read_text() == contract_before
