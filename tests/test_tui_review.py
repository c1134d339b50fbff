"""Reviewing history without friction (the TUI lines of the review issue): what a reviewer
scans for is on screen, and the TUI says what ``workbench log`` and the gate say."""

from __future__ import annotations

from pathlib import Path

from tui_harness import (
    SIZE,
    handled,
    make_app,
    press,
    screen_text,
    select_revision,
    settled,
    wait_for_screen,
    wait_until,
)

from workbench.history.log import log_entry
from workbench.history.repo import ContractRepo
from workbench.tui.screens.main import MainScreen


async def open_contract(pilot, screen: MainScreen, contract_id: str) -> None:
    """Select the contract ``contract_id`` and wait for its history, diff and badges."""
    path = next(e.path for e in screen.entries if e.id == contract_id)
    screen.contracts_table.focus()
    screen.contracts_table.select_key(path)
    await wait_until(pilot, lambda: screen.current_path == path and screen.settled)


def logged(repo: Path, revision) -> object:
    with ContractRepo.open(repo) as model:
        return log_entry(model, revision)


# --- the badge is the gate's answer; one security count; the bump -----------------------------


async def test_badge_shows_the_gate_the_security_count_and_the_bump(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        table = screen.history_table
        for contract, subject in (
            ("wallet-app", "Allow PKCE plain"),
            ("payments-api", "Accept HS256"),
            ("partner-api", "Let partners embed the portal"),
        ):
            await open_contract(pilot, screen, contract)
            row = next(r for r in table.rows_all if r.data.subject.startswith(subject))
            badge = row.extra["badge"]
            entry = logged(demo_repo, row.data)
            # a HIGH security regression that the gate fails is not "safe"
            assert entry.gate.fails and badge.fails
            assert badge.label == "fail" and row.cells[1].plain.strip() == "fail"
            assert row.cells[1].role == "breaking"
            # the security mark comes from the one count, and the same count as the log's
            assert badge.security == entry.counts["security"] > 0
            assert row.cells[2].plain == "◆" and row.cells[2].role == "security"
            await select_revision(pilot, screen, subject)
            assert f"{badge.security} security" in screen.pane("findings").detail
            assert "gate fails" in str(screen.query_one("#revision-detail").content)
        # an under-bumped version: red in the bump column, said in the findings title
        await open_contract(pilot, screen, "ledger-service")
        await select_revision(pilot, screen, "Add treasury-service consumer")
        row = table.current
        assert row.cells[4].plain == "minor!" and row.cells[4].role == "alert"
        assert "needs a major bump, got minor!" in screen.pane("findings").detail
        ok = next(r for r in table.rows_all if r.data.subject.startswith("Add get_entry"))
        assert ok.cells[4].plain == "minor" and ok.cells[4].role != "alert"
        # the security mark in the lists has its own colour, not the notes' muted one
        security = table.cell_style(row.cells[2])
        note = table.cell_style(row.cells[7])
        assert security.color is not None and security.color != note.color


async def test_log_and_tui_agree_on_the_security_count_of_the_draft(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        row = screen.history_table.rows_all[0]
        assert row.data.kind == "worktree"
        entry = logged(demo_repo, row.data)
        assert row.extra["badge"].security == entry.counts["security"]
        # what the old version already had is counted apart, as the CLI says it
        present = [it for it in screen.items if it.kind == "security" and not it.new]
        assert present and all(it.note == "already present" for it in present)
        assert f"{len(present)} already present" in screen.pane("findings").detail
        if not entry.counts["security"]:
            assert " security" not in screen.pane("findings").detail.replace("already", "")
        # n stops first on what this amendment introduced
        await press(pilot, "3", "g", "n")
        first = screen.diff.selected
        assert first is not None and first.new
        important = [it for it in screen.items if it.important]
        news = sum(1 for it in important if it.new)
        seen = [first]
        for _ in range(len(important) - 1):
            await press(pilot, "n")
            seen.append(screen.diff.selected)
        assert [it.new for it in seen] == [True] * news + [False] * (len(important) - news)


# --- the history filter -----------------------------------------------------------------------


async def test_a_kept_history_filter_survives_a_contract_switch(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await press(pilot, "2", "slash", *"RS256", "enter", "1", "k")
        await wait_until(pilot, lambda: screen.settled)
        # the new contract's history may match nothing: the diff says so, never "Loading"
        text = screen_text(app)
        assert "Loading the history" not in text
        table = screen.history_table
        if not table.visible_rows():
            assert screen.diff.document is None
            assert "No revision matches" in screen.diff.placeholder
            assert screen.items == []
        # esc in the history (after enter kept the filter) clears it
        await press(pilot, "2", "escape")
        assert table.filter_text == "" and len(table.visible_rows()) == len(table.rows_all)
        await wait_until(pilot, lambda: screen.settled)
        assert screen.diff.document is not None
        assert screen.current_key == table.current_key


async def test_history_filter_matches_verdicts_bumps_and_tags(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await open_contract(pilot, screen, "payments-api")
        table = screen.history_table
        await press(pilot, "2", "slash", *"breaking")
        rows = table.visible_rows()
        assert rows and all(r.extra["badge"].severity == "breaking" for r in rows)
        assert screen.current_key == table.current_key  # the diff follows the filter
        await press(pilot, *["backspace"] * 8, *"fail")
        assert {r.data.subject[:12] for r in table.visible_rows()} >= {"Accept HS256"}
        await press(pilot, *["backspace"] * 4, *"v3.0.0")
        rows = table.visible_rows()
        assert [r.extra["tags"] for r in rows] == [("payments-api/v3.0.0",)]
        # with no match, the old revision's diff is not left on screen
        await press(pilot, *"zzz-nothing")
        assert not table.visible_rows()
        assert screen.diff.document is None and screen.current_key is None
        assert "No revision matches" in screen.diff.placeholder


# --- comparing two revisions --------------------------------------------------------------


async def test_older_revision_on_the_left_with_a_swap_key(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        table = screen.history_table
        newer, older = table.rows_all[2].data, table.rows_all[5].data
        table.focus()
        table.select_key(newer.rev)
        await wait_until(pilot, lambda: screen.settled)
        await press(pilot, "space")  # mark the newer one, then select the older one
        await press(pilot, "j", "j", "j")
        await wait_until(pilot, lambda: screen.current_key == older.rev and screen.settled)
        await wait_until(pilot, lambda: screen.report is not None)
        doc = screen.diff.document
        assert doc.old_label.startswith(older.short) and doc.new_label.startswith(newer.short)
        assert screen.report.old.version == older.version
        assert "older left" in screen.pane("diff").detail
        # s swaps the sides: a rollback, judged as such only when asked
        await press(pilot, "s")
        await wait_until(pilot, lambda: screen.settled and screen.report is not None)
        doc = screen.diff.document
        assert doc.old_label.startswith(newer.short) and doc.new_label.startswith(older.short)
        assert screen.report.old.version == newer.version
        assert "swapped" in screen.pane("diff").detail


async def test_diff_title_names_the_contracts_previous_revision(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await open_contract(pilot, screen, "payments-api")
        table = screen.history_table
        await select_revision(pilot, screen, "Accept HS256")
        rows = table.rows_all
        at = next(i for i, r in enumerate(rows) if r.key == screen.current_key)
        revision, previous = rows[at].data, rows[at + 1].data
        # the git parent is a commit of another contract: the title names payments' own
        assert revision.parent.rev != previous.rev
        label = screen.diff.document.old_label
        assert label.startswith(previous.short) and previous.version in label
        assert previous.short in screen.pane("diff").detail


# --- diff modes ---------------------------------------------------------------------------------


async def test_u_cycles_split_unified_and_auto(demo_repo: Path) -> None:
    app = make_app(demo_repo, diff="auto")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settled(pilot)
        diff = screen.diff
        # auto at 80x24 never cuts the text into two tiny columns
        assert diff.mode == "auto" and diff.shown_mode == "unified"
        seen = []
        for _ in range(3):
            await press(pilot, "u")
            seen.append(diff.mode)
        assert seen == ["split", "unified", "auto"]  # auto is reachable again
        assert "(auto)" in screen.pane("diff").info
    app = make_app(demo_repo, diff="auto")
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert screen.diff.shown_mode == "split"
        seen = []
        for _ in range(3):
            await press(pilot, "u")
            seen.append((screen.diff.mode, screen.diff.shown_mode))
        assert seen == [("unified", "unified"), ("split", "split"), ("auto", "split")]


# --- columns and tags ----------------------------------------------------------------------------


async def test_history_columns_use_the_width_they_have(demo_repo: Path) -> None:
    app = make_app(demo_repo, layout="stacked")
    async with app.run_test(size=(200, 50)) as pilot:
        screen = await settled(pilot)
        await open_contract(pilot, screen, "payments-api")
        table = screen.history_table
        widths = {c.label.plain: c.width for c in table.columns.values()}
        longest = max(len(r.cells[5].plain) for r in table.rows_all)
        assert widths["subject"] > 32 and widths["subject"] >= min(longest, 40)
        tagged = next(r for r in table.rows_all if r.extra["tags"] == ("payments-api/v3.0.0",))
        assert tagged.cells[6].plain == "v3.0.0"  # the contract's own tags, shortened
        assert "tags" in widths and "sha" in widths
        assert "v3.0.0" in screen_text(app)
        findings = {c.label.plain: c.width for c in screen.findings_table.columns.values()}
        breaks = max(len(r.cells[4].plain) for r in screen.findings_table.rows_all)
        assert findings["breaks"] >= breaks  # not cut
        await pilot.resize_terminal(80, 24)
        await wait_until(pilot, lambda: screen.settled)
        widths = {c.label.plain: c.width for c in table.columns.values()}
        assert "subject" in widths and widths["subject"] >= 8
        total = sum(w + 2 for w in widths.values())
        assert total <= table.size.width  # every shown column is on screen


# --- the finding detail -----------------------------------------------------------------------


async def test_finding_detail_shows_everything_copies_and_accepts(tmp_path: Path) -> None:
    from workbench.demo import build_demo_repo
    from workbench.tui.screens.checklist import ReasonDialog
    from workbench.tui.screens.finding import FindingScreen, finding_text

    repo = build_demo_repo(tmp_path / "repo")
    app = make_app(repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert screen.history_table.current.data.kind == "worktree"
        # an engine finding: rationale, citation with its link, who breaks, old and new values
        table = screen.findings_table
        breaking = next(it for it in screen.items if it.severity == "breaking")
        table.focus()
        table.select_key(str(breaking.index))
        await press(pilot, "enter")
        detail = await wait_for_screen(pilot, FindingScreen)
        text = finding_text(breaking)
        for label in ("rationale", "citation", "breaks", "was", "now", "status", "fingerprint"):
            assert f"\n{label}" in "\n" + text, label
        assert "https://www.rfc-editor.org/rfc/" in text or "https://" in text
        assert "rationale" in screen_text(app)
        await press(pilot, "y")
        assert app.clipboard == text
        # accepting it goes through the amend action and is kept in the record
        await press(pilot, "a")
        dialog = await wait_for_screen(pilot, ReasonDialog)
        await press(pilot, *"consumers migrated in the release train", "enter")
        await wait_until(pilot, lambda: not isinstance(app.screen, (ReasonDialog, FindingScreen)))
        del detail, dialog
        records = list((repo / "amendments").rglob("*.yaml"))
        fingerprint = breaking.finding.fingerprint
        assert any(fingerprint[:12] in r.read_text() for r in records)
        await wait_until(pilot, lambda: screen.settled)
        # a security finding already present says so, and cannot be accepted from here
        present = next(it for it in screen.items if it.kind == "security" and not it.new)
        table.focus()
        table.select_key(str(present.index))
        await press(pilot, "enter")
        detail = await wait_for_screen(pilot, FindingScreen)
        assert "already present" in finding_text(present) and not detail.can_accept
        assert "fix" in finding_text(present)
        await press(pilot, "escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, FindingScreen))


# --- the checklist ------------------------------------------------------------------------------


async def test_checklist_pane_keys_and_80x24(demo_repo: Path) -> None:
    from tui_harness import open_checklist, wait_for_refresh

    app = make_app(demo_repo)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_checklist(pilot)
        await press(pilot, "2")
        assert screen.focused is screen.items_table
        await press(pilot, "1")
        assert screen.focused is screen.steps_table
        await wait_for_refresh(pilot)
        text = screen_text(app)
        lines = text.split("\n")
        # the header is whole: the verdict, the record and the change set's fingerprint
        c = screen.checklist
        assert "change set" in text and c.fingerprint[:12] in text
        assert "gate refuses it" in text or "ready to commit" in text
        # the item's action hint is whole, and the footer keeps help and quit
        item = screen.current_item()
        assert item is not None
        footer = lines[-1]
        assert "? Help" in footer and "q Quit" in footer, footer
        assert "set the version" in text.replace("\n", " ")


# --- the help screen ----------------------------------------------------------------------------


async def test_help_screen_can_be_searched(demo_repo: Path) -> None:
    from workbench.tui.screens.help import HelpScreen

    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await press(pilot, "question_mark")
        help_screen = await wait_for_screen(pilot, HelpScreen)
        everything = str(help_screen.query_one("#help-text").content)
        assert "Swap sides" in everything and "Refresh" in everything
        await press(pilot, "slash", *"swap")
        shown = str(help_screen.query_one("#help-text").content)
        assert "Swap sides" in shown and "Refresh" not in shown
        # keys typed into the search are not commands (q does not close the screen)
        await press(pilot, "backspace", "backspace", "backspace", "backspace", *"quit")
        assert isinstance(app.screen, HelpScreen)
        assert "Quit the workbench" in str(help_screen.query_one("#help-text").content)
        await press(pilot, "enter", "escape")  # esc clears the kept search first
        assert isinstance(app.screen, HelpScreen) and help_screen.search_text == ""
        assert "Refresh" in str(help_screen.query_one("#help-text").content)
        await press(pilot, "slash", *"zzzz")
        assert "No key matches" in str(help_screen.query_one("#help-text").content)
        await press(pilot, "escape", "escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen))


# --- the diff shows every change -------------------------------------------------------------


async def test_n_scrolls_sideways_to_the_changed_token_and_w_wraps(demo_repo: Path) -> None:
    app = make_app(demo_repo, diff="split")
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        diff = screen.diff
        claim = next(it for it in screen.items if it.rule == "token.required-claim-added")
        line = diff.document.new_lines[claim.new_span[0] - 1]
        column = line.index("acr")
        text_w = diff._text_width(diff.scrollable_content_region.width)
        assert column > text_w  # the changed token is past the edge of the split column
        await press(pilot, "3", "g")
        assert round(diff.scroll_x) == 0
        for _ in range(len(screen.items)):
            await press(pilot, "n")
            if diff.selected is not None and diff.selected.index == claim.index:
                break
        assert diff.selected.index == claim.index
        left = round(diff.scroll_x)
        assert left <= column and column + 3 <= left + text_w
        assert "acr" in screen_text(app)
        # w folds long lines: no sideways scrolling, the line's end on a continuation row
        rows = diff.row_count
        await press(pilot, "w")
        assert diff.wrap and diff.row_count > rows and diff.max_scroll_x == 0
        assert "wrap" in screen.pane("diff").info
        assert "scope, acr]" in screen_text(app).replace("\n", " ") or "acr]" in screen_text(app)
        await press(pilot, "w")
        assert not diff.wrap and diff.row_count == rows


async def test_slash_searches_the_diff_and_filters_the_lists(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        diff = screen.diff
        await press(pilot, "3", "slash", *"hs256")
        count = len(diff.matches)
        assert count >= 2
        assert f"{count} matches" in screen.pane("diff").subtitle
        await press(pilot, "enter")
        assert screen.focused is diff and diff.search == "hs256"

        def cursor_text() -> str:
            old, new = diff.cursor_lines()
            lines = diff.document.new_lines if new else diff.document.old_lines
            return lines[(new or old) - 1].lower()

        seen = []
        for _ in range(count):
            await press(pilot, "n")
            assert "hs256" in cursor_text()
            seen.append(diff.match_index)
        assert sorted(set(seen)) == list(range(count))  # n visits every match, then wraps
        await press(pilot, "N")
        assert diff.match_index == seen[-2]
        # the current match is drawn in its own colour
        side, line, _ = diff.matches[diff.match_index]
        strip = diff._text_strip(side, line, "", -1)
        assert any(seg.style and seg.style.bgcolor for seg in strip if "HS256" in seg.text.upper())
        # esc clears the search; n is the findings' n again
        await press(pilot, "escape")
        assert diff.search == "" and diff.matches == []
        await press(pilot, "n")
        assert diff.selected is not None and diff.selected.important
        # in the history, / stays a filter
        await press(pilot, "2", "slash", *"hs256")
        table = screen.history_table
        assert table.filter_text == "hs256" and len(table.visible_rows()) < len(table.rows_all)


async def test_a_diff_search_with_no_match_is_shown_literally(demo_repo: Path) -> None:
    """The "no match" notice repeats typed text: ``[/]`` is neither markup nor a crash."""
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await press(pilot, "3", "slash", *"[/]x", "enter", "n")
        await handled(pilot)
        assert screen.diff.search == "[/]x" and screen.diff.matches == []
        notes = [(str(n.message), n.markup) for n in app._notifications]
        # shown as typed, and the toast does not parse it as markup
        assert ("No match for “[/]x”.", False) in notes, notes


# --- the working tree, watched -----------------------------------------------------------------


async def test_a_contract_added_outside_shows_up_without_r(tmp_path: Path) -> None:
    from dataclasses import replace

    from tui_harness import TEST_DELAYS

    from workbench.demo import build_demo_repo

    repo = build_demo_repo(tmp_path / "repo")
    source = (repo / "contracts" / "payments" / "payments-api.yaml").read_text()
    app = make_app(repo, delays=replace(TEST_DELAYS, watch=0.05))
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await wait_until(pilot, lambda: screen._watched is not None)
        listed = {e.path for e in screen.entries}
        # an editor's swap file beside the contracts is not a contract: the signals stay
        watched = screen._watched
        (repo / "contracts" / "payments" / ".payments-api.yaml.swp").write_bytes(b"\0swap")
        await wait_until(pilot, lambda: screen._watched is not watched)
        assert screen._watched == watched
        # a new contract beside the others, then one in a new folder: each is listed
        beside = "contracts/payments/refunds-api.yaml"
        (repo / beside).write_text(source.replace("payments-api", "refunds-api"))
        await wait_until(pilot, lambda: beside in {e.path for e in screen.entries})
        folder = repo / "contracts" / "ledger"
        folder.mkdir()
        (folder / "ledger-api.yaml").write_text(source.replace("payments-api", "ledger-api"))
        new = "contracts/ledger/ledger-api.yaml"
        await wait_until(pilot, lambda: new in {e.path for e in screen.entries})
        assert {e.path for e in screen.entries} == listed | {beside, new}


async def test_an_outside_edit_shows_up_without_r(tmp_path: Path) -> None:
    import subprocess
    from dataclasses import replace

    from tui_harness import TEST_DELAYS

    from workbench.demo import build_demo_repo

    repo = build_demo_repo(tmp_path / "repo")
    contract = repo / "contracts" / "payments" / "payments-api.yaml"
    app = make_app(repo, delays=replace(TEST_DELAYS, watch=0.05))
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert screen.current_path.endswith("payments-api.yaml")
        await wait_until(pilot, lambda: screen._watched is not None)
        before = len(screen.items)
        # another editor changes the draft: the diff and the findings follow
        text = contract.read_text()
        contract.write_text(text.replace("lifetime: 5m", "lifetime: 2m # edited outside"))
        await wait_until(
            pilot,
            lambda: (
                screen.settled
                and screen.diff.document is not None
                and any("edited outside" in line for line in screen.diff.document.new_lines)
            ),
        )
        assert screen.history_table.current.data.kind == "worktree"
        await wait_until(pilot, lambda: screen.settled and screen.report is not None)
        assert len(screen.items) >= before - 1
        # git checkout from a shell: the draft is gone, the history's top is a commit again
        subprocess.run(["git", "checkout", "-q", "--", "."], cwd=repo, check=True)
        await wait_until(
            pilot,
            lambda: (
                screen.settled
                and screen.history_table.rows_all
                and screen.history_table.rows_all[0].data.kind == "commit"
            ),
        )
