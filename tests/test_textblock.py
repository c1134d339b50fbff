"""Text given to a title or detail while an earlier layout request is pending is laid out at
its own height (Textual 8 would reuse the box model cached for the earlier text)."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static
from tui_harness import handled

from workbench.tui.widgets.textblock import TextBlock


class Host(App[None]):
    def __init__(self, kind: type[Static]) -> None:
        super().__init__()
        self.kind = kind

    def compose(self) -> ComposeResult:
        yield self.kind(id="title")
        yield Static("body")


async def _height_after_quick_updates(kind: type[Static]) -> int:
    app = Host(kind)
    async with app.run_test(size=(60, 12)) as pilot:
        await handled(pilot)
        title = app.query_one("#title", Static)
        title.styles.height = "auto"
        await handled(pilot)
        title.update("loading...")
        # the screen lays out before the title has handled its own request (as it does when
        # a screen is first shown), caching the title's box model for one line
        app.screen._clear_arrangement_cache()
        app.screen._refresh_layout()
        title.update("first line\nsecond line")  # a quick worker's answer, request pending
        await handled(pilot)
        return title.size.height


async def test_a_quick_second_text_is_laid_out_at_its_own_height() -> None:
    assert await _height_after_quick_updates(TextBlock) == 2


async def test_the_race_is_real_for_a_plain_static() -> None:
    """What the widget mends: if Textual fixes it, this fails and the widget can go."""
    height = await _height_after_quick_updates(Static)
    if height == 2:
        pytest.fail("Textual now lays out a plain Static at its new height: drop TextBlock")
    assert height == 1
