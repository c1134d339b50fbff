"""The real app under Pilot on the demo repository: navigation, amendments, findings, compare,
filters, help, palette, keymap, quitting, and what it says when there is nothing to show."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tui_harness import (
    SIZE,
    handled,
    make_app,
    open_palette,
    press,
    screen_text,
    select_revision,
    settled,
    wait_for_screen,
    wait_for_workers,
    wait_until,
)

from workbench.demo import build_demo_repo
from workbench.tui.diffmodel import FOLD
from workbench.tui.jobs import NO_DELAYS, Delays
from workbench.tui.screens.checklist import ChecklistScreen
from workbench.tui.screens.empty import EmptyScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.screens.main import MainScreen


async def test_opens_on_the_draft_and_navigates_contracts_and_revisions(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        contracts = screen.contracts_table
        assert contracts.row_count == 7  # four contracts and three artefacts
        # the contract with an uncommitted draft is selected, its draft on top of the history
        assert screen.current_path.endswith("payments-api.yaml")
        first = screen.history_table.rows_all[0].data
        assert first.kind == "worktree"
        assert screen.diff.document.new_label.startswith("WORKTREE")
        assert screen.focused is contracts
        # j moves to another contract: its history replaces the list
        before = screen.current_path
        await press(pilot, "k")
        await wait_until(pilot, lambda: screen.current_path != before and screen.settled)
        assert screen.pane("history").detail in {e.id for e in screen.entries}
        # 2 focuses the history; j shows the previous amendment
        await press(pilot, "2")
        assert screen.focused is screen.history_table
        label = screen.diff.document.new_label
        await press(pilot, "j")
        await wait_until(pilot, lambda: screen.diff.document.new_label != label)
        await wait_until(pilot, lambda: screen.settled)
        second = screen.history_table.rows_all[1].data
        assert screen.diff.document.new_label.startswith(second.short)
        # tab cycles panes, enter opens the diff from the history
        await press(pilot, "enter")
        assert screen.focused is screen.diff
        await press(pilot, "tab")
        assert screen.focused is screen.findings_table
        await press(pilot, "shift+tab", "escape")
        assert screen.focused is screen.history_table
        text = screen_text(app)
        assert "1 Contracts" in text and "2 History" in text and "3 Diff" in text


async def test_breaking_amendment_findings_and_n_jumps(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await select_revision(pilot, screen, "Add idempotency_key")
        row = screen.history_table.current
        assert row.extra["badge"].severity == "breaking"
        items = screen.items
        assert any(it.severity == "breaking" for it in items)
        assert screen.report.verdict.required_bump == "major"
        # the gutter marks every line a finding points to
        doc = screen.diff.document
        breaking = next(it for it in items if it.severity == "breaking")
        span = breaking.old_span or breaking.new_span
        marks = doc.old_marks if breaking.old_span else doc.new_marks
        assert marks[span[0] - 1] & 4
        # n jumps to the important findings one after the other, in line order, and wraps
        screen.diff.focus()
        await press(pilot, "g")
        seen = []
        important = [it for it in items if it.important]
        for _ in range(len(important)):
            await press(pilot, "n")
            item = screen.diff.selected
            assert item is not None and item.important
            old, new = screen.diff.cursor_lines()
            assert item.contains(old, new)
            assert screen.findings_table.current_key == str(item.index)
            seen.append(item.index)
        assert sorted(seen) == sorted(it.index for it in important)
        await press(pilot, "N")
        assert screen.diff.selected.index == seen[-2] if len(seen) > 1 else True
        # selecting a finding in the list scrolls the diff to it
        await press(pilot, "4")
        await press(pilot, "end")
        last = screen._item(screen.findings_table.current_key)
        assert screen.diff.selected is last
        # moving the diff cursor highlights the finding under it
        await press(pilot, "3")
        target = breaking.new_span or breaking.old_span
        lay = screen.diff.layout_rows
        row_index = (lay.new_row if breaking.new_span else lay.old_row)[target[0] - 1]
        screen.diff._move_cursor(row_index)
        await handled(pilot)
        assert screen.findings_table.current_key == str(screen.diff.selected.index)


@pytest.mark.parametrize("mode", ["split", "unified"])
async def test_n_from_where_the_diff_opens_selects_another_finding(
    demo_repo: Path, mode: str
) -> None:
    """The diff opens on its first change with the finding there selected; in the unified diff
    the cursor is on that finding's old line, above where it starts, and n selected it again."""
    app = make_app(demo_repo, diff=mode)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        opened = screen.diff.selected
        assert opened is not None and opened.important
        await press(pilot, "3", "n")
        assert screen.diff.selected is not opened and screen.diff.selected.important
        await press(pilot, "N")
        assert screen.diff.selected is opened


async def test_folds_unified_context_and_horizontal_scroll(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        diff = screen.diff
        diff.focus()
        rows = diff.layout_rows.rows
        fold = next(i for i, r in enumerate(rows) if r[0] == FOLD)
        count = len(rows)
        diff._move_cursor(fold)
        await press(pilot, "enter")
        assert len(diff.layout_rows.rows) > count
        await press(pilot, "u")
        assert diff.mode == "unified" and "unified" in screen.pane("diff").info
        await press(pilot, "right_curly_bracket")
        assert diff.context == 5
        await press(pilot, "left_curly_bracket", "left_curly_bracket", "left_curly_bracket")
        assert diff.context == 0
        await press(pilot, "u")
        assert diff.mode == "split"
        assert app.settings.diff == "split" and app.settings.context == 0


async def test_compare_two_marked_revisions_and_the_merge_base(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        table = screen.history_table
        table.focus()
        table.select_key(table.rows_all[5].key)
        await wait_until(pilot, lambda: screen.settled)
        await press(pilot, "space")
        marked = table.rows_all[5].data
        assert screen.marked is marked
        assert "●" in table.rows_all[5].cells[0].plain
        await press(pilot, "k", "k", "k")
        await wait_until(pilot, lambda: screen.current_key == table.rows_all[2].key)
        await wait_until(pilot, lambda: screen.settled and screen.report is not None)
        doc = screen.diff.document
        assert doc.old_label.startswith(marked.short)
        assert doc.new_label.startswith(table.rows_all[2].data.short)
        assert "marked vs selected" in screen.pane("diff").detail
        assert screen.report.old.version == marked.version
        # esc clears the mark: back to the amendment itself
        await press(pilot, "escape")
        await wait_until(pilot, lambda: screen.marked is None and screen.settled)
        assert not screen.diff.document.old_label.startswith(marked.short)
        # b compares the working tree with the merge base of the default branch
        await press(pilot, "b")
        await wait_until(pilot, lambda: "merge-base" in (screen.diff.document.old_label or ""))
        await wait_until(pilot, lambda: screen.settled)
        assert screen.diff.document.new_label.startswith("WORKTREE")
        assert "vs base" in screen.pane("diff").detail


async def test_filters_lists_and_findings(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await press(pilot, "1", "slash")
        await press(pilot, *"wallet")
        assert screen.contracts_table.row_count == 1
        assert "filter: wallet" in screen.pane("contracts").subtitle
        await press(pilot, "enter")
        assert screen.focused is screen.contracts_table
        await wait_until(pilot, lambda: "wallet" in screen.current_path and screen.settled)
        await press(pilot, "slash", "escape")
        assert screen.contracts_table.row_count == 7
        # the history filter
        await press(pilot, "2", "slash", *"pkce")
        rows = screen.history_table.visible_rows()
        assert len(rows) == 3 and all("pkce" in r.search for r in rows)
        await press(pilot, "escape")
        # findings: all -> breaking -> security -> all
        await select_revision(pilot, screen, "")
        screen.findings_filter = "all"
        total = len(screen.items)
        await press(pilot, "f")
        assert screen.findings_filter == "breaking"
        assert all(
            it.severity in ("breaking", "critical")
            for it in (screen._item(r.key) for r in screen.findings_table.visible_rows())
        )
        await press(pilot, "f")
        assert screen.findings_filter == "security"
        keys = [r.key for r in screen.findings_table.visible_rows()]
        assert all(screen._item(k).is_security for k in keys)
        await press(pilot, "f")
        assert screen.findings_table.row_count == total


async def test_help_palette_checklist_and_quit(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await press(pilot, "question_mark")
        await wait_for_screen(pilot, HelpScreen)
        text = screen_text(app)
        assert "Move the cursor down" in text and "nav.down" in text
        await press(pilot, "escape")
        assert app.screen is screen
        # the palette jumps to a contract
        await open_palette(pilot, "ledger")
        await press(pilot, "enter")
        await wait_until(pilot, lambda: "ledger" in (screen.current_path or ""))
        await wait_until(pilot, lambda: screen.settled)
        # ... and runs any command
        await open_palette(pilot, "unified")
        await press(pilot, "enter")
        await wait_until(pilot, lambda: screen.diff.mode == "unified")
        # c: the checklist screen; esc comes back
        await press(pilot, "c")
        await wait_for_screen(pilot, ChecklistScreen)
        await press(pilot, "escape")
        await wait_for_screen(pilot, MainScreen)
        await press(pilot, "q")
    assert app.return_code == 0


async def test_keymap_from_settings_remaps_bindings(demo_repo: Path) -> None:
    app = make_app(demo_repo, keymap={"findings.next": "x", "app.quit": "ctrl+q"})
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        # from the top of the diff, the next important finding is the first one in line order
        # (from wherever the diff opened it could be the finding already selected)
        await press(pilot, "3", "g")
        assert screen.focused is screen.diff
        important = [it for it in screen.items if it.important]
        # (new in this amendment first: n stops on what the amendment introduced)
        first = min(important, key=lambda it: (not it.new, screen.diff.item_position(it), it.index))
        before = (screen.diff.cursor, screen.diff.selected)
        assert before[1] is not first
        await press(pilot, "n")
        assert (screen.diff.cursor, screen.diff.selected) == before
        await press(pilot, "x")
        assert screen.diff.selected is first
        await press(pilot, "question_mark")
        help_screen = await wait_for_screen(pilot, HelpScreen)
        assert "x " in screen_text(app)
        assert "x " in str(help_screen.query_one("#help-text").content)
        await press(pilot, "escape", "q")
        assert app.is_running  # q is no longer quit
        await press(pilot, "ctrl+q")
    assert app.return_code == 0


async def test_refresh_sees_a_new_draft(tmp_path: Path) -> None:
    repo = build_demo_repo(tmp_path / "repo", draft=False)
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert all(e.draft == "clean" for e in screen.entries)
        path = screen.current_path
        target = repo / path
        target.write_text(target.read_text().replace("version: ", "version: 9", 1) + "\n")
        await press(pilot, "r")
        await wait_until(pilot, lambda: any(e.draft != "clean" for e in screen.entries))
        await wait_until(pilot, lambda: screen.settled)
        assert screen.history_table.rows_all[0].data.kind == "worktree"
        assert screen.contracts_table.current.cells[0].plain == "✎"


async def test_empty_repository_offers_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "empty-repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "README.md").write_text("no contracts here\n")
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, EmptyScreen)
        assert "No contracts in empty-repo" in screen_text(app)
        import tempfile

        demo_dir = tmp_path / "demo"
        monkeypatch.setattr(tempfile, "mkdtemp", lambda prefix="": str(demo_dir))
        await press(pilot, "d")
        screen = await settled(pilot)
        assert len(screen.entries) == 7
        assert app.path == demo_dir


async def test_not_a_repository_says_so(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_screen(pilot, EmptyScreen)
        text = screen_text(app)
        assert "not a repository" in text
        await press(pilot, "q")
    assert app.return_code == 0


async def test_history_pages_load_as_the_cursor_nears_the_end(
    demo_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.tui.backend as backend

    monkeypatch.setattr(backend, "HISTORY_PAGE", 3)
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        path = screen.current_path
        log = subprocess.run(
            ["git", "log", "--follow", "--format=%H", "--", path],
            cwd=demo_repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        table = screen.history_table
        await press(pilot, "2")
        for _ in range(40):
            await press(pilot, "G")  # the end of the list: the next page loads
            await wait_for_workers(pilot)
            if screen.history_done:
                break
        await wait_until(pilot, lambda: screen.settled)
        commits = [r.key for r in table.rows_all if r.data.kind == "commit"]
        assert commits == log
        assert "+" not in screen.pane("history").info


async def test_theme_layout_and_zoom_are_remembered(tmp_path: Path, demo_repo: Path) -> None:
    from workbench.tui.settings import load_settings

    path = tmp_path / "settings.yaml"
    app = make_app(demo_repo, path=path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        app.theme = "nord"
        await handled(pilot)
        await press(pilot, "L")
        assert screen.has_class("-columns")
        await press(pilot, "3", "z")
        assert screen.maximized is screen.pane("diff")
        await press(pilot, "z")
        assert screen.maximized is None
        await press(pilot, "u")
    saved = load_settings(path)
    assert (saved.theme, saved.layout) == ("nord", "columns")
    assert saved.diff in ("split", "unified") and not saved.problems


async def test_a_revision_is_judged_once_the_selection_rests(
    demo_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The debounce: running through the history with j shows each diff at once, and only the
    revision the user stops at is parsed and reviewed (its findings), after the delay."""
    # a delay far longer than a key press takes, even on a loaded machine
    app = make_app(demo_repo, delays=Delays(findings=3.0, background=0.5, index=3600.0))
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        judged: list[str] = []
        findings = screen.backend.findings

        def spy(comparison):
            judged.append(comparison.new.rev)
            return findings(comparison)

        monkeypatch.setattr(screen.backend, "findings", spy)
        await press(pilot, "2")
        for _ in range(3):  # each diff is shown, and the next j comes within the delay
            await press(pilot, "j")
            key = screen.history_table.current_key
            shown = key[:7]
            await wait_until(pilot, lambda s=shown: screen.diff.document.new_label.startswith(s))
        assert screen.pane("findings").busy  # the texts are shown; the findings wait
        await wait_until(pilot, lambda: screen.current_key == key and screen.settled)
        assert judged == [key]
        assert screen.report is not None


async def test_list_colours_follow_the_theme(demo_repo: Path) -> None:
    from rich.color import Color

    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        table = screen.history_table
        badges = {r.extra["badge"].severity: r.cells[1] for r in table.rows_all}
        breaking = badges["breaking"]
        assert breaking.role == "breaking"
        seen = []
        for theme in ("textual-dark", "textual-light", "nord"):
            app.theme = theme
            await handled(pilot)
            error = app.get_css_variables()["error"]
            style = table.cell_style(breaking)
            assert style.bgcolor == Color.parse(error) and style.bold, theme
            seen.append(table.cell_style(table.rows_all[0].cells[6]).color)  # the worktree label
        assert len(set(seen)) == 3  # text colours follow the theme too


async def test_tiny_and_huge_terminals_never_crash(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        for size in ((20, 6), (40, 12), (200, 60), (80, 24)):
            await pilot.resize_terminal(*size)
            await handled(pilot)
            await press(pilot, "3", "j", "n", "u", "4", "j", "2", "j")
            await wait_until(pilot, lambda: screen.settled)
            assert screen_text(app)


def test_cli_open_refuses_a_missing_path_and_a_non_terminal(demo_repo: Path) -> None:
    from click.testing import CliRunner

    from workbench.cli import main

    runner = CliRunner()
    missing = runner.invoke(main, [str(demo_repo / "nope")])
    assert missing.exit_code == 2 and "no such file or directory" in missing.output
    piped = runner.invoke(main, [str(demo_repo)])
    assert piped.exit_code == 2 and "needs a terminal" in piped.output


async def test_palette_jumps_to_a_revision_of_another_contract(demo_repo: Path) -> None:
    app = make_app(demo_repo, delays=NO_DELAYS)  # the revision index fills after the first paint
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert "payments" in screen.current_path
        await wait_until(pilot, lambda: len(screen.revision_index) == len(screen.entries))
        await open_palette(pilot, "freeze_card")
        await press(pilot, "enter")
        await wait_until(pilot, lambda: "wallet" in (screen.current_path or ""))
        await wait_until(pilot, lambda: screen.settled)
        row = screen.history_table.current
        assert row.data.subject.startswith("Add freeze_card")
        assert screen.diff.document.new_label.startswith(row.data.short)
