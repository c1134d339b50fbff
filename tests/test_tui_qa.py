"""Defects found by driving the real app like a demanding user: each test is what was wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tui_harness import (
    SIZE,
    handled,
    make_app,
    open_checklist,
    open_palette,
    press,
    screen_text,
    settled,
    wait_for_refresh,
    wait_for_screen,
    wait_for_workers,
    wait_until,
)

from workbench.demo import build_demo_repo
from workbench.tui.diffmodel import DELETE, INSERT, REPLACE, DiffDocument
from workbench.tui.screens.checklist import ChecklistScreen
from workbench.tui.screens.help import HelpScreen
from workbench.tui.widgets.pane import FilterInput


@pytest.fixture(scope="module")
def own_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo repository this module may change (tests restore what they edit)."""
    return build_demo_repo(tmp_path_factory.mktemp("qa-demo") / "repo")


# --- refresh keeps the selection ---------------------------------------------------------------


async def test_refresh_keeps_the_selected_revision(own_demo: Path) -> None:
    app = make_app(own_demo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await press(pilot, "2", "j", "j", "j")
        await wait_until(pilot, lambda: screen.settled)
        key = screen.history_table.current_key
        path = screen.current_path
        assert screen.current_key == key and key != "WORKTREE"
        await press(pilot, "r")
        await wait_until(pilot, lambda: screen.settled)
        # the list was rebuilt: the same contract and the same revision stay selected and shown
        assert screen.current_path == path
        assert screen.history_table.current_key == key
        assert screen.current_key == key
        assert screen.diff.document.new_label.startswith(key[:7])


# --- the / filter is visible while typing -----------------------------------------------------


async def test_filter_box_shows_what_is_typed(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        for pane in ("contracts", "history", "findings"):
            await press(pilot, {"contracts": "1", "history": "2", "findings": "4"}[pane])
            await press(pilot, "slash", "s")
            box = screen.query_one(f"#{pane}-filter", FilterInput)
            assert screen.focused is box
            await handled(pilot)
            # one row, and that row is the text (not a border drawn over it)
            assert box.content_region.height == 1, (pane, box.region, box.content_region)
            assert "s" in screen_text(app).split("\n")[box.content_region.y]
            await press(pilot, "escape")


# --- help scrolls with the list keys ------------------------------------------------------------


async def test_help_scrolls_with_j_k_g_and_G(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await press(pilot, "question_mark")
        help_screen = await wait_for_screen(pilot, HelpScreen)
        scroll = help_screen.query_one("VerticalScroll")
        assert scroll.max_scroll_y > 0
        await press(pilot, "j", "j")
        await handled(pilot)
        assert scroll.scroll_y == 2
        await press(pilot, "k")
        await handled(pilot)
        assert scroll.scroll_y == 1
        await press(pilot, "G")
        await handled(pilot)
        assert scroll.scroll_y == scroll.max_scroll_y
        await press(pilot, "g")
        await handled(pilot)
        assert scroll.scroll_y == 0


# --- zoom fills the screen ----------------------------------------------------------------------


async def test_zoom_fills_the_screen_for_every_pane(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        for key, pane in (("1", "contracts"), ("2", "history"), ("3", "diff"), ("4", "findings")):
            await press(pilot, key, "z")
            await handled(pilot)
            region = screen.pane(pane).region
            assert screen.maximized is screen.pane(pane)
            # the whole screen but the footer
            assert region.height >= SIZE[1] - 1, (pane, region)
            assert region.width == SIZE[0], (pane, region)
            await press(pilot, "z")


# --- split diff pairs similar lines -------------------------------------------------------------


def test_split_diff_pairs_a_changed_line_with_its_counterpart() -> None:
    old = "a: 1\nsigning_algorithms: [ES256]\naudience: x\n"
    new = "a: 1\n# HS256: settlement batch only\nsigning_algorithms: [ES256, HS256]\naudience: x\n"
    doc = DiffDocument(old, new)
    rows = doc.layout("split", context=-1).rows
    # the comment is an insertion; the two signing_algorithms lines face each other
    assert (INSERT, -1, 1, -1) in rows
    assert any(r[0] == REPLACE and r[1] == 1 and r[2] == 2 for r in rows), rows
    unified = doc.layout("unified", context=-1).rows
    deleted = next(r for r in unified if r[0] == DELETE)
    assert deleted[3] == 2  # its inline emphasis compares with the new signing_algorithms line


def test_split_diff_keeps_positional_pairs_when_nothing_is_similar() -> None:
    doc = DiffDocument("a: 1\nb: 2\n", "x: [q, r, s]\ny: {z: 9}\n")
    rows = doc.layout("split", context=-1).rows
    assert [r[0] for r in rows] == [REPLACE, REPLACE]


# --- a read-only checklist offers no answers ------------------------------------------------------


async def test_checklist_on_a_commit_offers_no_answers(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await press(pilot, "2", "j", "j")
        checklist = await open_checklist(pilot)
        shown = {b.binding.id for b in checklist.active_bindings.values() if b.binding.show}
        for answer in (
            "checklist.bump",
            "checklist.accept",
            "checklist.sign-off",
            "checklist.start",
        ):
            assert answer not in shown
        text = screen_text(app)
        assert "d starts" not in text
        assert "read-only" in text
        await press(pilot, "escape")
        await wait_until(pilot, lambda: app.screen is screen)


# --- an invalid revision's error is shown whole -------------------------------------------------

SAMPLE = (
    Path(__file__).resolve().parent.parent / "sample_contracts" / "payments-api.yaml"
).read_text(encoding="utf-8")


def _git(repo: Path, *args: str) -> None:
    import os
    import subprocess

    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
        "GIT_AUTHOR_NAME": "Ann Author",
        "GIT_AUTHOR_EMAIL": "ann@example.com",
        "GIT_COMMITTER_NAME": "Ann Author",
        "GIT_COMMITTER_EMAIL": "ann@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def invalid_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A contract whose newest commit does not validate (a status outside the schema)."""
    repo = tmp_path_factory.mktemp("invalid") / "repo"
    (repo / "contracts").mkdir(parents=True)
    path = repo / "contracts" / "payments-api.yaml"
    path.write_text(SAMPLE)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "Add the contract")
    path.write_text(SAMPLE.replace("status: active", "status: sort-of-active-but-not-quite", 1))
    _git(repo, "commit", "-qam", "Break the status")
    return repo


async def test_an_invalid_revision_shows_its_whole_error(invalid_repo: Path) -> None:
    app = make_app(invalid_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await wait_until(pilot, lambda: screen.diff.document is not None)
        await wait_until(pilot, lambda: bool(screen.diff.layout_rows.banners))
        diff = screen.diff
        banners = diff.layout_rows.banners
        whole = " ".join(line.lstrip("✖ ").strip() for line in banners)
        error = diff.document.errors[0]
        assert "sort-of-active-but-not-quite" in error
        assert " ".join(error.split()) == " ".join(whole.split())
        width = diff.scrollable_content_region.width
        assert all(len(line) + 1 <= width for line in banners), (width, banners)
        # every banner row is on screen, in order
        text = screen_text(app)
        for line in banners:
            assert line.strip() in text


# --- the footer always shows help and quit --------------------------------------------------------


async def test_footer_always_shows_help_and_quit(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=(120, 24)) as pilot:
        await settled(pilot)
        for width in (120, 80, 60):
            await pilot.resize_terminal(width, 24)
            for key in ("1", "2", "3", "4"):
                await press(pilot, key)
                await wait_for_refresh(pilot)  # the footer shows the focused pane's keys
                footer = screen_text(app).split("\n")[-1]
                assert "? Help" in footer and "q Quit" in footer, (width, key, footer)
                if width >= 80:
                    assert "n Next finding" in footer, (width, key, footer)
            # the keys left out of a narrow footer still work
            before = app.screen.diff.shown_mode
            await press(pilot, "3", "u")
            if app.screen.diff.shown_mode == before:  # u went back to auto: same look here
                assert app.screen.diff.mode == "auto"
                await press(pilot, "u")
            assert app.screen.diff.shown_mode != before


# --- another diff starts at its first column ----------------------------------------------------


async def test_switching_revisions_resets_the_sideways_scroll(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await press(pilot, "3", "l", "l", "l")
        await handled(pilot)
        assert screen.diff.scroll_x > 0
        label = screen.diff.document.new_label
        await press(pilot, "2", "j")
        await wait_until(pilot, lambda: screen.diff.document.new_label != label)
        await handled(pilot)
        assert screen.diff.scroll_x == 0


# --- ? on the checklist lists the checklist's keys ------------------------------------------------


async def test_help_on_the_checklist_lists_its_keys(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await press(pilot, "2")
        await open_checklist(pilot)
        await press(pilot, "question_mark")
        help_screen = await wait_for_screen(pilot, HelpScreen)
        text = str(help_screen.query_one("#help-text").content)
        # b bumps the version here; the main screen's b (vs base) and n (next finding) do not apply
        assert "Amendment checklist" in text and "checklist.bump" in text
        assert "set the version" in text and "checklist.notify-all" in text
        assert "rev.base" not in text and "findings.next" not in text
        assert "nav.down" in text and "app.quit" in text
        await press(pilot, "escape")
        assert isinstance(app.screen, ChecklistScreen)


# --- b names the versions of both sides ----------------------------------------------------------


async def test_merge_base_compare_names_both_versions(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        rows = screen.history_table.rows_all
        worktree, head = rows[0].data, rows[1].data
        await press(pilot, "b")
        await wait_until(pilot, lambda: screen.base_compare and screen.settled)
        await wait_until(pilot, lambda: screen.diff.document.old_label.startswith("merge-base"))
        doc = screen.diff.document
        # the merge base is main's head (which did not touch this contract): its blob's version
        assert re.fullmatch(
            rf"merge-base of main: [0-9a-f]{{7}} {re.escape(head.version)}", doc.old_label
        )
        assert doc.new_label == f"WORKTREE {worktree.version}"


async def test_keys_typed_right_after_a_pane_switch_reach_the_new_pane(demo_repo: Path):
    """`2 j j` typed in one burst moved the contracts list: focus changed only after the burst."""
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        screen.action_focus_named("history")
        assert screen.focused is screen.history_table
        screen.action_focus_pane(1)
        assert screen.focused is not screen.history_table


# --- the palette over the checklist does not drive the main screen beneath it --------------------


async def test_palette_over_the_checklist_offers_no_main_screen_commands(demo_repo: Path) -> None:
    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        main = await settled(pilot)
        key = main.current_key
        await press(pilot, "2")
        await open_checklist(pilot)
        await open_palette(pilot, "next finding")
        await wait_for_refresh(pilot)
        text = screen_text(app)
        assert "Next finding" not in text and "contract " not in text
        await press(pilot, "ctrl+a", "ctrl+k", *"help")
        await wait_for_workers(pilot)
        await press(pilot, "enter")
        help_screen = await wait_for_screen(pilot, HelpScreen)
        assert "checklist.bump" in str(help_screen.query_one("#help-text").content)
        await press(pilot, "escape")
        assert isinstance(app.screen, ChecklistScreen)
        assert main.current_key == key


# --- the footer is rebuilt only when its keys change ---------------------------------------------


async def test_the_footer_is_rebuilt_only_when_its_keys_change(demo_repo: Path) -> None:
    from textual.widgets._footer import FooterKey

    from workbench.tui.widgets.footer import Footer

    app = make_app(demo_repo)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        await press(pilot, "2")
        await wait_for_refresh(pilot)
        footer = screen.query_one(Footer)
        keys = list(footer.query(FooterKey))
        text = screen_text(app).split("\n")[-1]
        assert keys and "? Help" in text
        screen.refresh_bindings()  # the same keys: the same widgets stay
        await wait_for_refresh(pilot)
        assert list(footer.query(FooterKey)) == keys
        assert screen_text(app).split("\n")[-1] == text
        # a narrow terminal leaves keys out: new keys, all compact (the palette key always was)
        await pilot.resize_terminal(60, SIZE[1])
        await wait_until(pilot, lambda: not set(footer.query(FooterKey)) & set(keys))
        await wait_for_refresh(pilot)
        narrow = list(footer.query(FooterKey))
        assert narrow and all(key.compact and key.has_class("-compact") for key in narrow)
        assert screen_text(app).split("\n")[-1] != text
        await pilot.resize_terminal(*SIZE)
        await wait_until(pilot, lambda: not set(footer.query(FooterKey)) & set(narrow))
        await wait_for_refresh(pilot)
        wide = [key for key in footer.query(FooterKey) if not key.has_class("-command-palette")]
        assert wide and not any(key.compact or key.has_class("-compact") for key in wide)
        assert screen_text(app).split("\n")[-1] == text
