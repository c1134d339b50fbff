"""A titled, bordered pane (``1 Contracts``) with a spinner in its title while work runs."""

from __future__ import annotations

from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Input

from workbench.tui.safe import clean_inline

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class Pane(Vertical):
    """A pane of the main screen. The border title is ``N Name · detail`` built from
    ``Content`` (so a contract name or a path in it is never markup)."""

    ALLOW_MAXIMIZE = True  # z zooms the focused pane

    DEFAULT_CSS = """
    Pane {
        border: round $foreground 30%;
        border-title-color: $text-muted;
        border-subtitle-color: $text-muted;
        background: $surface;
        height: 1fr;
    }
    Pane:focus-within {
        border: round $accent;
        border-title-color: $text;
        border-title-style: bold;
    }
    Pane > FilterInput {
        dock: bottom;
        display: none;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    Pane > FilterInput.-active { display: block; }
    """

    def __init__(self, number: int, name: str, *children, id: str | None = None) -> None:
        super().__init__(*children, id=id)
        self.number = number
        self.pane_name = name
        self.detail = ""
        self.info = ""
        self.filter = ""
        self.filter_label = "filter"
        self.busy: str | None = None
        self._frame = 0
        self._timer: Timer | None = None

    def on_mount(self) -> None:
        self._render_title()

    def set_detail(self, detail: str = "", info: str = "") -> None:
        """The text after the pane name (a contract, a revision range) and at the right."""
        self.detail = clean_inline(detail)
        self.info = clean_inline(info)
        self._render_title()

    def set_filter(self, text: str, label: str = "filter") -> None:
        """The ``/`` filter of the pane's list (or the diff's search: ``label``), shown after
        the info at the bottom right."""
        self.filter = clean_inline(text)
        self.filter_label = label
        self._render_title()

    @property
    def subtitle(self) -> str:
        shown = f"{self.filter_label}: {self.filter}" if self.filter else ""
        parts = [p for p in (self.info, shown) if p]
        return " · ".join(parts)

    def set_busy(self, text: str | None) -> None:
        """Show a spinner and ``text`` in the title while work runs (``None``: done)."""
        self.busy = clean_inline(text) if text else None
        if self.busy and self._timer is None:
            self._timer = self.set_interval(0.08, self._tick)
        elif not self.busy and self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._render_title()

    def _tick(self) -> None:
        self._frame = (self._frame + 1) % len(SPINNER)
        self._render_title()

    def _render_title(self) -> None:
        parts: list[Content | str | tuple[str, str]] = [
            (f"{self.number} ", "dim"),
            (self.pane_name, "bold"),
        ]
        if self.detail:
            parts += [" · ", self.detail]
        if self.busy:
            parts += ["  ", (SPINNER[self._frame], "bold $accent"), " ", (self.busy, "italic")]
        self.border_title = Content.assemble(*parts)
        subtitle = self.subtitle
        self.border_subtitle = Content(subtitle) if subtitle else None


class FilterInput(Input):
    """The ``/`` filter of a list, docked at the bottom of its pane."""

    def __init__(self, target: str, *, id: str | None = None) -> None:
        # compact: no border (Input's focus style would draw a tall border over the one row)
        super().__init__(placeholder="filter… (enter keeps it, esc clears)", id=id, compact=True)
        self.target = target


class SearchInput(FilterInput):
    """The ``/`` search of the diff, docked at the bottom of its pane (``n``/``N`` then go
    from match to match while the diff has the focus)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("diff", id=id)
        self.placeholder = "search the diff… (enter keeps it: n/N go to the matches; esc clears)"
