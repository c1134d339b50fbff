"""The ``?`` screen: every key (as remapped by the user's keymap) with what it does, and the
legend of the marks and badges."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from workbench.tui import commands
from workbench.tui.widgets.diff_view import SECURITY_MARK, SEVERITY_MARKS

# the marks as they are drawn (the diff gutter, the lists) in the theme's colours: each is its
# own symbol, so no theme (workbench-mono has no hue) needs the colour to tell them apart
LEGEND: tuple[tuple[str, str, str], ...] = (
    (SEVERITY_MARKS["breaking"], "$error", "a line a breaking finding points to"),
    (SEVERITY_MARKS["risky"], "$warning", "a line a risky finding points to"),
    (SEVERITY_MARKS["safe"], "$success", "a line a safe finding points to"),
    (SECURITY_MARK, "$security", "a security weakening or security review finding"),
    ("✎", "$text-warning", "contract with uncommitted changes (✚ staged, ★ new, ✖ deleted)"),
    ("●", "$text-primary", "the marked revision: the diff shows marked vs selected"),
)


CHECKLIST_SCOPES = frozenset({"checklist", "dialog", "summary", "notice", "nav", "app"})


def scroll_pager(scroll: VerticalScroll, where: str) -> None:
    """The ``pager`` commands: ``down``, ``up``, ``page_down``, ``page_up``, ``home``, ``end``."""
    {
        "down": scroll.scroll_down,
        "up": scroll.scroll_up,
        "page_down": scroll.scroll_page_down,
        "page_up": scroll.scroll_page_up,
        "home": scroll.scroll_home,
        "end": scroll.scroll_end,
    }[where](animate=False)


class HelpScreen(ModalScreen[None]):
    """All keys, grouped; closes with esc, q or ?."""

    BINDINGS = commands.bindings("help", "pager")

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 96;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: round $accent;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen Static { width: 100%; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, *, checklist: bool = False) -> None:
        super().__init__()
        self.checklist = checklist  # opened over the checklist: its keys, not the main screen's

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = Content("Keys · esc closes · ctrl+p finds any command")
            yield Static(self._content(), id="help-text")

    def action_scroll(self, where: str) -> None:
        scroll_pager(self.query_one(VerticalScroll), where)

    def _keys(self, cmd: commands.Command) -> str:
        if cmd.key_display and cmd.id not in self.app._keymap:
            return cmd.key_display
        keys = self.app._keymap.get(cmd.id) or cmd.keys
        shown = [self.app.get_key_display(Binding(k.strip(), cmd.action)) for k in keys.split(",")]
        return "/".join(s for s in shown if s) or "—"

    def _content(self) -> Content:
        lines: list[Content] = []
        if self.checklist:
            groups = (commands.CHECKLIST, commands.NAVIGATION, commands.GENERAL)
        else:
            groups = tuple(g for g in commands.GROUPS if g != commands.CHECKLIST)
        for group in groups:
            lines.append(Content.styled(group, "bold $text-accent"))
            for cmd in commands.COMMANDS:
                if cmd.group != group:
                    continue
                if self.checklist and cmd.scope not in CHECKLIST_SCOPES:
                    continue
                key = Content.styled(_column(self._keys(cmd), 12), "bold $text-primary")
                lines.append(
                    Content.assemble(
                        "  ",
                        key,
                        Content.styled(_column(cmd.title, 17), "bold"),
                        Content(cmd.description),
                        ("  " + cmd.id, "dim"),
                    )
                )
            lines.append(Content(""))
        lines.append(Content.styled("Marks", "bold $text-accent"))
        for glyph, colour, text in LEGEND:
            lines.append(Content.assemble("  ", (glyph, f"bold {colour}"), "  ", text))
        lines.append(Content(""))
        lines.append(
            Content.styled(
                "Remap any key in settings.yaml (keymap: {binding id: keys}); ids are shown dim.",
                "italic $text-muted",
            )
        )
        return Content("\n").join(lines)


def _column(text: str, width: int) -> str:
    """``text`` padded to ``width``, or followed by a space when it is longer (a long title
    never runs into the next column)."""
    return text.ljust(width) if len(text) < width else text + " "
