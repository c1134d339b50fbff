"""The three lists of the main screen: contracts, history, findings.

Each is a ``DataTable`` in row mode with the workbench's key bindings (ids from the command
registry, so they follow the user's keymap) and a filter: rows stay in ``self.rows`` and the
table shows those whose text contains every word of the filter. Every cell is a Rich ``Text``
built by :func:`workbench.tui.safe.rich_lit`, never a markup string.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.text import Text
from textual.content import Content
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnDoesNotExist, RowDoesNotExist

from workbench.tui import commands
from workbench.tui.diffmodel import Item
from workbench.tui.safe import clean_inline, rich_lit

if TYPE_CHECKING:
    from workbench.tui.backend import Badge

MISSING = (CellDoesNotExist, ColumnDoesNotExist, RowDoesNotExist, KeyError, IndexError)
SEVERITY_STYLE = {
    "breaking": "bold #ffffff on #c0392b",
    "risky": "bold #1a1a1a on #e0a030",
    "safe": "bold #1a1a1a on #4caf50",
    "none": "dim",
    "pending": "dim",
    "invalid": "bold #ffffff on #8e44ad",
    "error": "bold #ffffff on #7f8c8d",
    "critical": "bold #ffffff on #8b0000",
    "high": "bold #ffffff on #c0392b",
    "medium": "bold #1a1a1a on #e0a030",
    "low": "bold #1a1a1a on #9e9e9e",
    "info": "dim",
}
SECURITY_STYLE = "bold #d670d6"
DRAFT_MARK = {
    "modified": ("✎", "bold #e0a030"),
    "staged": ("✚", "bold #4caf50"),
    "new": ("★", "bold #4fc3f7"),
    "deleted": ("✖", "bold #e05050"),
    "clean": (" ", ""),
}


def badge_text(severity: str, width: int = 8) -> Text:
    """A coloured severity badge, ``width`` cells wide."""
    label = {"none": "none", "error": "n/a", "pending": "…"}.get(severity, severity)
    if len(label) + 2 <= width:
        label = f" {label} "
    return Text(label.center(width)[:width], style=SEVERITY_STYLE.get(severity, ""), end="")


@dataclass(slots=True)
class ListRow:
    key: str
    cells: list[Text]
    search: str = ""
    data: object = None
    extra: dict = field(default_factory=dict)


class ListTable(DataTable, inherit_bindings=False):
    """A filterable list with the registry's navigation keys."""

    BINDINGS = commands.bindings("nav", "list", "scroll")

    DEFAULT_CSS = """
    ListTable {
        height: 1fr;
        background: $surface;
        scrollbar-size-horizontal: 0;
        scrollbar-size-vertical: 1;
    }
    ListTable > .datatable--header { background: $surface; color: $text-muted; text-style: bold; }
    """

    COLUMNS: tuple[tuple[str, int | None], ...] = ()

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(
            id=id,
            classes=classes,
            cursor_type="row",
            zebra_stripes=False,
            show_cursor=True,
            cell_padding=1,
        )
        self.rows_all: list[ListRow] = []
        self.filter_text = ""

    MAX_WIDTH = 72  # an auto-sized column never grows past this (the detail line shows all)
    MAX_WIDTHS: dict[str, int] = {}  # per-column caps, by label

    def on_mount(self) -> None:
        self._widths: list[int] = []
        self._set_columns(self._measure([]))

    def _measure(self, rows: list[ListRow]) -> list[int]:
        """Column widths for ``rows``: fixed ones as declared, the others fitted to the
        widest cell (all rows, so the columns do not jump while filtering)."""
        widths = []
        for i, (label, width) in enumerate(self.COLUMNS):
            if width is not None:
                widths.append(width)
                continue
            widest = max((row.cells[i].cell_len for row in rows), default=0)
            widths.append(min(self.MAX_WIDTHS.get(label, self.MAX_WIDTH), max(len(label), widest)))
        return widths

    def _set_columns(self, widths: list[int]) -> None:
        # Explicit widths: DataTable's auto-width can render rows with stale widths when a
        # repaint lands between adding rows and its idle-time measuring.
        self._widths = widths
        self.clear(columns=True)
        for (label, _), width in zip(self.COLUMNS, widths, strict=True):
            self.add_column(label, width=width, key=label or None)

    # --- rows ---------------------------------------------------------------------------------

    def set_rows(self, rows: list[ListRow], *, keep: str | None = None) -> None:
        """Replace the rows, keeping the cursor on ``keep`` (default: the current row's key)."""
        current = keep if keep is not None else self.current_key
        self.rows_all = rows
        self._show(current)

    def append_rows(self, rows: list[ListRow]) -> None:
        self.rows_all.extend(rows)
        if self._measure(self.rows_all) != self._widths:
            self._show(self.current_key)
            return
        words = self._words()
        for row in rows:
            if self._match(row, words):
                self.add_row(*row.cells, key=row.key)

    def apply_filter(self, text: str) -> None:
        self.filter_text = text
        self._show(self.current_key)

    def visible_rows(self) -> list[ListRow]:
        words = self._words()
        return [r for r in self.rows_all if self._match(r, words)]

    def _words(self) -> list[str]:
        return [w for w in clean_inline(self.filter_text).lower().split() if w]

    @staticmethod
    def _match(row: ListRow, words: list[str]) -> bool:
        return all(w in row.search for w in words)

    def _show(self, keep: str | None) -> None:
        widths = self._measure(self.rows_all)
        if widths != self._widths:
            self._set_columns(widths)
        else:
            self.clear()
        target = 0
        for i, row in enumerate(self.visible_rows()):
            self.add_row(*row.cells, key=row.key)
            if row.key == keep:
                target = i
        if self.row_count:
            self.move_cursor(row=target, animate=False, scroll=True)

    def row_by_key(self, key: str | None) -> ListRow | None:
        for row in self.rows_all:
            if row.key == key:
                return row
        return None

    @property
    def current_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key
        except MISSING:  # the cursor is outside the rows (an empty or shrinking table)
            return None
        return key.value

    @property
    def current(self) -> ListRow | None:
        return self.row_by_key(self.current_key)

    def select_key(self, key: str) -> bool:
        """Move the cursor to the row ``key`` (if shown)."""
        try:
            index = self.get_row_index(key)
        except MISSING:
            return False
        self.move_cursor(row=index, animate=False, scroll=True)
        return True

    def update_row(self, key: str, column: str, value: Text) -> None:
        row = self.row_by_key(key)
        if row is None:
            return
        index = [label for label, _ in self.COLUMNS].index(column)
        row.cells[index] = value
        with contextlib.suppress(MISSING):  # a filtered-out row: the stored row is updated
            self.update_cell(key, column, value, update_width=False)


SHORT_KINDS = {
    "contract": "",
    "oidc-discovery": "OIDC",
    "rfc8414": "RFC 8414",
    "openapi": "OpenAPI",
    "keycloak-realm": "Keycloak",
    "dex-config": "Dex",
}


class ContractsTable(ListTable):
    """The contracts (and artefacts) of the repository: name, kind, version, status and the
    draft marker. An artefact without a SemVer version shows ``-`` as its version."""

    COLUMNS = (("", 1), ("contract", None), ("kind", None), ("version", None), ("status", None))

    @staticmethod
    def make_row(entry: object) -> ListRow:
        draft = getattr(entry, "draft", "clean")
        mark, style = DRAFT_MARK.get(draft, ("?", ""))
        name = getattr(entry, "id", "") or getattr(entry, "path", "")
        status = getattr(entry, "status", "")
        error = getattr(entry, "error", None)
        status_style = {
            "active": "green",
            "draft": "yellow",
            "deprecated": "#e0a030",
            "retired": "dim",
        }.get(status, "")
        kind = getattr(entry, "doc_kind", "contract")
        unversioned = "-" if kind != "contract" else "?"
        cells = [
            Text(mark, style=style, end=""),
            rich_lit(name, "bold"),
            rich_lit(SHORT_KINDS.get(kind, kind), "dim" if kind == "contract" else "#7fa8d8"),
            rich_lit(getattr(entry, "version", "") or unversioned),
            rich_lit(status if not error else "unreadable", status_style if not error else "red"),
        ]
        path = getattr(entry, "path", "")
        search = " ".join(
            clean_inline(x).lower()
            for x in (
                name,
                path,
                getattr(entry, "title", ""),
                status,
                kind,
                SHORT_KINDS.get(kind, ""),
            )
        )
        return ListRow(path, cells, search, entry)


class HistoryTable(ListTable):
    """The revisions of one contract: drafts on top, then commits, with verdict badges."""

    BINDINGS = commands.bindings("nav", "list", "scroll", "history")
    COLUMNS = (
        ("", 1),
        ("verdict", 8),
        ("", 1),
        ("version", None),
        ("subject", None),
        ("date", 10),
        ("sha", 8),
        ("author", None),
    )
    # a capped subject lets date, sha and author show in wider panes (the detail line has all)
    MAX_WIDTHS = {"subject": 32}

    @staticmethod
    def make_row(revision: object, date_format: str = "%Y-%m-%d") -> ListRow:
        kind = getattr(revision, "kind", "commit")
        rev = getattr(revision, "rev", "")
        if kind == "worktree":
            sha = Text("worktree", style="bold #e0a030", end="")
        elif kind == "index":
            sha = Text("staged", style="bold #4caf50", end="")
        else:
            sha = rich_lit(rev[:7], "#7fa8d8")
        date = getattr(revision, "date", None)
        date_text = date.strftime(date_format) if date is not None else ""
        if kind != "commit" and not date_text:
            date_text = "draft"
        subject = getattr(revision, "subject", "")
        if kind == "worktree" and not subject:
            subject = "uncommitted changes in the working tree"
        elif kind == "index" and not subject:
            subject = "staged changes"
        change = getattr(revision, "change", "")
        if change in ("added", "deleted", "renamed") and kind == "commit":
            subject = f"({change}) {subject}"
        author = getattr(revision, "author_name", "")
        cells = [
            Text(" ", end=""),
            badge_text("pending"),
            Text(" ", end=""),
            rich_lit(getattr(revision, "version", "") or "?"),
            rich_lit(subject),
            rich_lit(date_text, "dim"),
            sha,
            rich_lit(author, "italic"),
        ]
        search = " ".join(
            clean_inline(x).lower()
            for x in (rev, author, subject, getattr(revision, "version", ""), date_text, kind)
        )
        return ListRow(rev, cells, search, revision)

    def set_badge(self, key: str, badge: Badge) -> None:
        self.update_row(key, "verdict", badge_text(badge.severity, 8))
        mark = Text("◆" if badge.weakens else " ", style=SECURITY_STYLE, end="")
        # the third column has no label; it is the security-weakening mark
        row = self.row_by_key(key)
        if row is None:
            return
        row.cells[2] = mark
        row.extra["badge"] = badge
        with contextlib.suppress(MISSING):
            self.update_cell_at((self.get_row_index(key), 2), mark, update_width=False)

    def set_marked(self, key: str | None) -> None:
        for row in self.rows_all:
            marked = row.key == key
            cell = Text("●" if marked else " ", style="bold #4fc3f7", end="")
            row.cells[0] = cell
            with contextlib.suppress(MISSING):
                self.update_cell_at((self.get_row_index(row.key), 0), cell, update_width=False)


class FindingsTable(ListTable):
    """The findings of the amendment shown: engine findings and security review findings."""

    COLUMNS = (
        ("severity", 8),
        ("", 1),
        ("rule", None),
        ("message", None),
        ("breaks", None),
        ("path", None),
    )

    @staticmethod
    def make_row(item: Item) -> ListRow:
        breaks = ", ".join(p.replace("_", " ") for p in item.breaks) or (
            "security review" if item.kind == "security" else "nobody"
        )
        message = item.message + (f" ({item.note})" if item.note else "")
        cells = [
            badge_text(item.severity, 8),
            Text("◆" if item.is_security else " ", style=SECURITY_STYLE, end=""),
            rich_lit(item.rule, "bold"),
            rich_lit(message),
            rich_lit(breaks, "italic"),
            rich_lit(item.path, "#7fa8d8"),
        ]
        search = " ".join(
            x.lower() for x in (item.severity, item.rule, item.path, item.message, breaks)
        )
        return ListRow(str(item.index), cells, search, item)


def finding_detail(item: Item | None) -> Content:
    """Two lines about one finding for the bottom of the findings pane: where and for whom,
    then what changed (old -> new) or how to fix it."""
    if item is None:
        return Content("")
    head: list[Content | str | tuple[str, str]] = [
        (item.severity.upper(), "bold"),
        "  ",
        (item.rule, "bold"),
        "  ",
        (item.path, "$text-primary"),
    ]
    if item.breaks:
        head += ["  breaks ", (", ".join(b.replace("_", " ") for b in item.breaks), "italic")]
    if item.kind == "change" and item.security != "neutral":
        style = "bold #d670d6" if item.security == "weakens" else "$text-success"
        head += ["  ", (f"{item.security} security", style)]
    if item.note:
        head += ["  ", (item.note, "italic $text-muted")]
    if item.kind == "security":
        second = item.message
        if item.fix:
            second += f" Fix: {item.fix}"
        if item.citation:
            second += f" ({item.citation})"
    else:
        change = ""
        if item.was or item.now:
            change = f"  was {item.was or '(unset)'} → now {item.now or '(unset)'}"
        second = item.message + change
    return Content.assemble(*head, "\n", Content(second))


def revision_detail(revision: object | None, badge: Badge | None = None) -> Content:
    """Two lines about the highlighted revision for the bottom of the history pane."""
    if revision is None:
        return Content("")
    kind = getattr(revision, "kind", "commit")
    rev = getattr(revision, "rev", "")
    date = getattr(revision, "date", None)
    when = date.strftime("%Y-%m-%d %H:%M") if date is not None else ""
    author = getattr(revision, "author_name", "")
    email = getattr(revision, "author_email", "")
    who = clean_inline(f"{author} <{email}>" if email else author)
    head: list[Content | str | tuple[str, str]] = [
        (clean_inline(rev[:12] if kind == "commit" else rev), "bold #7fa8d8"),
        "  ",
        (clean_inline(getattr(revision, "version", "") or "?"), "bold"),
        "  ",
        (when, "dim"),
        "  ",
        (who, "italic"),
    ]
    if badge is not None and badge.error:
        head += ["  ", (clean_inline(badge.error), "$text-error")]
    subject = getattr(revision, "subject", "") or (
        "uncommitted changes in the working tree" if kind == "worktree" else "staged changes"
    )
    return Content.assemble(*head, "\n", Content(clean_inline(subject)))
