"""The ``?`` screen: every key (as remapped by the user's keymap) with what it does, and the
legend of the marks and badges."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from workbench.tui import commands
from workbench.tui.widgets.diff_view import SECURITY_MARK, SEVERITY_MARKS
from workbench.tui.widgets.textblock import TextBlock

# the marks as they are drawn (the diff gutter, the lists) in the theme's colours: each is its
# own symbol, so no theme (workbench-mono has no hue) needs the colour to tell them apart
LEGEND: tuple[tuple[str, str, str], ...] = (
    (SEVERITY_MARKS["breaking"], "$error", "a line a breaking finding points to"),
    (SEVERITY_MARKS["risky"], "$warning", "a line a risky finding points to"),
    (SEVERITY_MARKS["safe"], "$success", "a line a safe finding points to"),
    (SECURITY_MARK, "$security", "security: a weakening or a finding this amendment introduced"),
    ("◇", "$text-muted", "a security finding already present, accepted, or advice (not counted)"),
    ("✎", "$text-warning", "contract with uncommitted changes (✚ staged, ★ new, ✖ deleted)"),
    (
        "●",
        "$text-primary",
        "the marked revision: the diff shows marked vs selected, older on the left (s swaps)",
    ),
)


# how the keys that mean different things in different panes divide (as lazygit does)
BY_PANE: tuple[tuple[str, str], ...] = (
    ("/", "in a list (contracts, history, findings): filter it; in the diff: search it"),
    ("n/N", "next/previous finding (new in this amendment first); in the diff with a search"),
    ("", "kept: next/previous match"),
    ("enter", "contract → history → diff; on a finding: its detail (y copies, a accepts)"),
    ("esc", "clear a filter or search, then the mark, then back to the previous pane"),
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
    HelpScreen #help-search { width: 100%; margin: 0 0 1 0; }
    """

    def __init__(self, *, checklist: bool = False) -> None:
        super().__init__()
        self.checklist = checklist  # opened over the checklist: its keys, not the main screen's

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = Content("Keys · / searches · esc closes · ctrl+p runs any")
            yield Input(
                placeholder="search keys… (/; enter keeps it, esc clears)",
                id="help-search",
                compact=True,
            )
            yield TextBlock(self._content(), id="help-text")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    @property
    def search_text(self) -> str:
        return self.query_one("#help-search", Input).value

    def action_search(self) -> None:
        self.set_focus(self.query_one("#help-search", Input))

    @on(Input.Changed, "#help-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.query_one("#help-text", Static).update(self._content(event.value))

    @on(Input.Submitted, "#help-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self.set_focus(self.query_one(VerticalScroll))

    async def action_dismiss(self, result: object = None) -> None:
        """esc clears a search first; then it (or q, ?) closes the screen."""
        box = self.query_one("#help-search", Input)
        if box.value:
            box.value = ""
            self.query_one("#help-text", Static).update(self._content())
            self.set_focus(self.query_one(VerticalScroll))
            return
        self.dismiss(None)

    def action_scroll(self, where: str) -> None:
        scroll_pager(self.query_one(VerticalScroll), where)

    def _keys(self, cmd: commands.Command) -> str:
        if cmd.key_display and cmd.id not in self.app._keymap:
            return cmd.key_display
        keys = self.app._keymap.get(cmd.id) or cmd.keys
        shown = [self.app.get_key_display(Binding(k.strip(), cmd.action)) for k in keys.split(",")]
        return "/".join(s for s in shown if s) or "—"

    def _content(self, query: str = "") -> Content:
        """Every key by group; with ``query``, only the commands (and marks) whose keys, title,
        description, id or group contain every word of it."""
        words = [w for w in query.lower().split() if w]

        def wanted(*texts: str) -> bool:
            text = " ".join(texts).lower()
            return all(w in text for w in words)

        lines: list[Content] = []
        if self.checklist:
            groups = (commands.CHECKLIST, commands.NAVIGATION, commands.GENERAL)
        else:
            groups = tuple(g for g in commands.GROUPS if g != commands.CHECKLIST)
        for group in groups:
            shown = [
                cmd
                for cmd in commands.COMMANDS
                if cmd.group == group
                and not (self.checklist and cmd.scope not in CHECKLIST_SCOPES)
                and wanted(self._keys(cmd), cmd.title, cmd.description, cmd.id, group)
            ]
            if not shown:
                continue
            lines.append(Content.styled(group, "bold $text-accent"))
            for cmd in shown:
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
        if not self.checklist:
            by_pane = [b for b in BY_PANE if wanted(b[0], b[1], "pane")]
            if by_pane:
                lines.append(Content.styled("Keys by pane", "bold $text-accent"))
            for key, text in by_pane:
                lines.append(
                    Content.assemble(
                        "  ", Content.styled(key.ljust(12), "bold $text-primary"), text
                    )
                )
            if by_pane:
                lines.append(Content(""))
        marks = [m for m in LEGEND if wanted(m[0], m[2], "marks")]
        if marks:
            lines.append(Content.styled("Marks", "bold $text-accent"))
        for glyph, colour, text in marks:
            lines.append(Content.assemble("  ", (glyph, f"bold {colour}"), "  ", text))
        if marks:
            lines.append(Content(""))
        if words and not lines:
            lines.append(Content.styled(f"No key matches “{query.strip()}”.", "italic"))
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
