"""The recipe picker under Pilot: a recipe from the palette, previewed with the engine's
verdict, applied to the working tree, where the history shows it as the draft; ``R`` and esc."""

from __future__ import annotations

from pathlib import Path

import yaml
from textual.widgets import OptionList, Static
from tui_harness import SIZE, make_app, open_palette, press, settled, wait_for_screen, wait_until

from workbench.demo import build_demo_repo
from workbench.tui.screens.main import MainScreen
from workbench.tui.screens.recipe import RecipeScreen

CONTRACT = "contracts/payments/payments-api.yaml"


async def require_mfa_dialog(pilot) -> RecipeScreen:
    """The palette's "Require MFA" recipe, its form built from the loaded contract."""
    await open_palette(pilot, "Recipe: Require MFA")
    await press(pilot, "enter")
    dialog = await wait_for_screen(pilot, RecipeScreen)
    await wait_until(pilot, lambda: dialog.contract is not None and dialog.query("#param-scope"))
    return dialog


async def test_a_recipe_from_the_palette_becomes_the_draft(tmp_path: Path) -> None:
    root = build_demo_repo(tmp_path / "demo", draft=False)
    before = (root / CONTRACT).read_text(encoding="utf-8")
    app = make_app(root, select=CONTRACT)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        assert screen.current_path == CONTRACT
        assert not any(r.data.is_draft for r in screen.history_table.rows_all)
        dialog = await require_mfa_dialog(pilot)
        select = dialog.query_one("#param-scope")
        assert select.value == "payments:read"  # the first scope without MFA, from the contract
        await pilot.click("#preview")
        await wait_until(pilot, lambda: dialog.stage == "review")
        verdict = str(dialog.query_one("#verdict", Static).content)
        assert "verdict against HEAD: breaking" in verdict
        assert "mfa.required-for-added" in verdict and "cannot be made safe" in verdict
        diff = str(dialog.query_one("#diff", Static).content)
        assert "+  required_for: [payments:write, payments:refund, payments:read]" in diff
        assert (root / CONTRACT).read_text(encoding="utf-8") == before  # nothing written yet
        await pilot.click("#apply")
        await wait_for_screen(pilot, MainScreen)
        after = (root / CONTRACT).read_text(encoding="utf-8")
        assert after == before.replace(
            "required_for: [payments:write, payments:refund]",
            "required_for: [payments:write, payments:refund, payments:read]",
        )
        # the history shows the uncommitted draft; its findings follow
        await wait_until(pilot, lambda: any(r.data.is_draft for r in screen.history_table.rows_all))
        await wait_until(pilot, lambda: screen.settled)


async def test_r_opens_the_picker_and_esc_writes_nothing(tmp_path: Path) -> None:
    root = build_demo_repo(tmp_path / "demo", draft=False)
    before = (root / CONTRACT).read_bytes()
    app = make_app(root, select=CONTRACT)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await press(pilot, "R")
        dialog = await wait_for_screen(pilot, RecipeScreen)
        options = dialog.query_one("#recipes", OptionList)
        assert options.option_count == 8
        await press(pilot, "down", "enter")  # add an identity provider: a form of free values
        await wait_until(pilot, lambda: dialog.stage == "form" and dialog.query("#param-id"))
        await pilot.click("#preview")  # nothing filled in: a clear line, nothing written
        await wait_until(
            pilot, lambda: "missing parameter id" in str(dialog.query_one("#recipe-error").content)
        )
        await press(pilot, "escape")
        await wait_for_screen(pilot, MainScreen)
    assert (root / CONTRACT).read_bytes() == before


async def test_the_contract_step_is_refused_before_the_sunset(tmp_path: Path) -> None:
    root = build_demo_repo(tmp_path / "demo", draft=False)
    app = make_app(root, select=CONTRACT)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settled(pilot)
        for attempt in ("expand", "contract"):
            await open_palette(pilot, "Recipe: Rotate")
            await press(pilot, "enter")
            dialog = await wait_for_screen(pilot, RecipeScreen)
            await wait_until(
                pilot, lambda d=dialog: d.contract is not None and d.query("#param-old")
            )
            assert dialog.query_one("#param-token").value == "access_token"
            assert dialog.query_one("#param-old").value == "ES256"
            await pilot.click("#preview")
            if attempt == "expand":
                await wait_until(pilot, lambda d=dialog: d.stage == "review")
                verdict = str(dialog.query_one("#verdict", Static).content)
                assert "expand step" in verdict and "verdict against HEAD: safe" in verdict
                await pilot.click("#apply")
                await wait_for_screen(pilot, MainScreen)
                await wait_until(pilot, lambda: screen.settled)
                assert (
                    "tokens.access_token.signing_algorithms[ES256]" in (root / CONTRACT).read_text()
                )
            else:
                error = dialog.query_one("#recipe-error")
                await wait_until(pilot, lambda e=error: "can be removed from" in str(e.content))
                assert dialog.stage == "form"
                await press(pilot, "escape")
                await wait_for_screen(pilot, MainScreen)


async def test_hostile_names_from_the_contract_are_shown_literally(tmp_path: Path) -> None:
    from amendment_support import Repo
    from test_amendment_recipes import TINY

    hostile = "[b]admin[/b]\x1b[31m\u202e"
    repo = Repo(tmp_path / "repo")
    text = TINY.replace(
        "  tiny:write: Write things\n",
        f'  "{hostile.encode("unicode_escape").decode()}": Everything\n  tiny:write: Write things\n',
    )
    repo.write("contracts/tiny.yaml", text)
    repo.commit("Add the tiny contract")
    app = make_app(repo.root, select="contracts/tiny.yaml")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        dialog = await require_mfa_dialog(pilot)
        select = dialog.query_one("#param-scope")
        select.value = hostile
        await pilot.click("#preview")
        await wait_until(pilot, lambda: dialog.stage == "review")
        diff = str(dialog.query_one("#diff", Static).content)
        assert "[b]admin[/b]" in diff  # markup shown, not applied
        assert "\x1b" not in diff and "\u202e" not in diff
        await pilot.click("#apply")
        await wait_for_screen(pilot, MainScreen)
    written = (repo.root / "contracts/tiny.yaml").read_text(encoding="utf-8")
    assert "\x1b" not in written and "\u202e" not in written  # escaped in the file too
    assert hostile in yaml.safe_load(written)["mfa"]["required_for"]


async def test_a_recipe_in_the_editor_edits_the_buffer_not_the_file(tmp_path: Path) -> None:
    from test_editor_tui import open_editor

    from workbench.tui.screens.editor import EditorScreen

    root = build_demo_repo(tmp_path / "demo", draft=False)
    before = (root / CONTRACT).read_text(encoding="utf-8")
    app = make_app(root, select=CONTRACT)
    async with app.run_test(size=SIZE) as pilot:
        editor = await open_editor(pilot)
        # an unsaved edit first: the recipe starts from the buffer, and keeps the edit
        editor.replace_text(editor.buffer.text + "# reviewed with the platform team\n")
        assert editor.unsaved
        edited = editor.buffer.text
        dialog = await require_mfa_dialog(pilot)
        assert dialog.text == edited
        await wait_until(
            pilot, lambda: dialog.contract is not None and dialog.query("#param-scope")
        )
        await pilot.click("#preview")
        await wait_until(pilot, lambda: dialog.stage == "review")
        diff = str(dialog.query_one("#diff", Static).content)
        assert "+  required_for: [payments:write, payments:refund, payments:read]" in diff
        assert "platform team" not in diff  # from the buffer: the edit is not the recipe's
        await pilot.click("#apply")
        await wait_for_screen(pilot, EditorScreen)
        recipe = edited.replace(
            "required_for: [payments:write, payments:refund]",
            "required_for: [payments:write, payments:refund, payments:read]",
        )
        assert editor.buffer.text == recipe
        assert editor.unsaved
        assert (root / CONTRACT).read_text(encoding="utf-8") == before  # nothing written
        editor.buffer.focus()
        await press(pilot, "ctrl+z")  # one edit: undone at once, the own edit kept
        assert editor.buffer.text == edited
        # ctrl+r opens the picker on the buffer; esc changes nothing
        await press(pilot, "ctrl+r")
        picker = await wait_for_screen(pilot, RecipeScreen)
        assert picker.text == edited and picker.stage == "pick"
        await press(pilot, "escape")
        await wait_for_screen(pilot, EditorScreen)
        assert editor.buffer.text == edited
    assert (root / CONTRACT).read_text(encoding="utf-8") == before
