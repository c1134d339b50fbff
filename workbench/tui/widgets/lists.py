"""The three lists of the main screen: contracts, history, findings.

Each is a ``DataTable`` in row mode with the workbench's key bindings (ids from the command
registry, so they follow the user's keymap) and a filter: rows stay in ``self.rows`` and the
table shows those whose text contains every word of the filter.

Every cell is a ``Cell``: literal text (never markup), a text style (bold, italic, dim) and a
role that colours it. Roles are component classes of the list (``list--breaking``,
``list--attention``, ...) styled in ``app.tcss`` from the theme's colours, and resolved when the
cell is drawn: the lists follow the theme like the diff does.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.style import Style
from rich.text import Text
from textual.content import Content
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, ColumnDoesNotExist, RowDoesNotExist

from workbench.tui import commands
from workbench.tui.diffmodel import Item
from workbench.tui.safe import clean_inline

if TYPE_CHECKING:
    from workbench.tui.backend import Badge

MISSING = (CellDoesNotExist, ColumnDoesNotExist, RowDoesNotExist, KeyError, IndexError)

# Roles with a background (verdict and severity badges) and roles that only colour the text.
BADGE_ROLES = ("breaking", "risky", "safe", "invalid", "error", "critical", "high", "medium", "low")
TEXT_ROLES = ("ok", "attention", "alert", "marked", "ref", "security")
DIM_BADGES = {"none", "pending", "info"}  # no colour: dimmed text
DRAFT_MARK = {
    "modified": ("✎", "attention"),
    "staged": ("✚", "ok"),
    "new": ("★", "marked"),
    "deleted": ("✖", "alert"),
    "clean": (" ", ""),
}
BUMP_ROLE = {True: ("", "dim"), False: ("alert", "bold")}
STATUS_ROLE = {"active": "ok", "draft": "attention", "deprecated": "attention"}


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a list: ``plain`` text shown literally, a ``style`` (``bold``, ``italic``,
    ``dim``) and the ``role`` that colours it (a component class of the list, so the colour
    comes from the theme)."""

    plain: str
    role: str = ""
    style: str = ""

    @property
    def cell_len(self) -> int:
        return cell_len(self.plain)


def text_attributes(style: Style) -> Style:
    """Only the text attributes ``style`` turns on (bold, dim, italic, underline, reverse), to
    layer over another style: what a theme without hue (``workbench-mono``) tells roles
    apart by."""
    return Style(
        bold=style.bold or None,
        dim=style.dim or None,
        italic=style.italic or None,
        underline=style.underline or None,
        reverse=style.reverse or None,
    )


def cell(text: object, role: str = "", style: str = "") -> Cell:
    """A cell showing ``text`` literally (control characters removed, never markup)."""
    return Cell(clean_inline(text), role, style)


_SHARED: dict[tuple[str, str, str], Cell] = {}
SHARED_MAX = 4096  # distinct shared cells (dates, authors, versions); beyond it, rows' own


def shared_cell(plain: str, role: str = "", style: str = "") -> Cell:
    """One ``Cell`` for each (text, role, style) that many rows show (badges, marks, bumps,
    dates, authors, versions): a long list holds one copy of each, and one drawable per
    table (``ListTable._drawn_cell``), not one per row. ``plain`` must already be clean
    (literal text without control characters)."""
    key = (plain, role, style)
    found = _SHARED.get(key)
    if found is None:
        found = Cell(plain, role, style)
        if len(_SHARED) < SHARED_MAX:
            _SHARED[key] = found
    return found


def is_shared(cell: Cell) -> bool:
    return _SHARED.get((cell.plain, cell.role, cell.style)) is cell


BLANK = shared_cell(" ")
EMPTY = shared_cell("")


def badge_cell(severity: str, width: int = 8) -> Cell:
    """A severity badge, ``width`` cells wide, on the severity's colour."""
    label = {"none": "none", "error": "n/a", "pending": "…"}.get(severity, severity)
    if severity == "fail":  # the gate fails an amendment for its security findings
        severity = "breaking"
    if len(label) + 2 <= width:
        label = f" {label} "
    text = label.center(width)[:width]
    if severity in BADGE_ROLES:
        return shared_cell(text, severity, "bold")
    return shared_cell(text, "", "dim" if severity in DIM_BADGES else "")


class _Drawn:
    """A cell as the table draws it: its role's style is looked up when it is rendered, so a
    theme change (which clears the table's caches) repaints it in the new colours."""

    __slots__ = ("cell", "table")

    def __init__(self, cell: Cell, table: ListTable) -> None:
        self.cell = cell
        self.table = table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text(self.cell.plain, style=self.table.cell_style(self.cell), no_wrap=True, end="")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.cell.cell_len, self.cell.cell_len)


@dataclass(slots=True)
class ListRow:
    key: str
    cells: list[Cell]
    search: str = ""
    data: object = None
    extra: dict = field(default_factory=dict)


class ListTable(DataTable, inherit_bindings=False):
    """A filterable list with the registry's navigation keys."""

    BINDINGS = commands.bindings("nav", "list", "scroll")
    COMPONENT_CLASSES = DataTable.COMPONENT_CLASSES | {
        f"list--{role}" for role in (*BADGE_ROLES, *TEXT_ROLES)
    }

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
        self._cell_styles: dict[tuple[str, str], Style] = {}
        # drawables of shared cells (``shared_cell``), one each for all the rows showing it
        self._drawn_shared: dict[Cell, _Drawn] = {}

    MAX_WIDTH = 72  # an auto-sized column never grows past this (the detail line shows all)
    MAX_WIDTHS: dict[str, int] = {}  # per-column caps, by label

    def on_mount(self) -> None:
        self._widths: tuple = ()
        self._shown: tuple[int, ...] = tuple(range(len(self.COLUMNS)))
        self._size_caches()
        self._set_columns(self._measure([]))

    # Rendered rows kept per line on screen. DataTable keeps up to 10,000 rendered cells and
    # 1,000 rendered rows, lines and row renderables whatever its height; their keys change
    # with every cursor move and every badge (``_update_count``), so browsing a long history
    # fills them all with entries never drawn again (tens of MiB). A few screens' worth keeps
    # every redraw of what is shown (and of the rows just scrolled past) a cache hit.
    CACHE_SCREENS = 4

    def _size_caches(self) -> None:
        """Size DataTable's render caches by the lines on screen (least recently used go)."""
        lines = self.CACHE_SCREENS * max(self.size.height, 24)
        cells = lines * max(1, len(self.COLUMNS) + 1)  # + the row label column
        for cache, size in (
            (self._cell_render_cache, cells),
            (self._row_render_cache, lines),
            (self._row_renderable_cache, lines),
            (self._line_cache, lines),
        ):
            if cache.maxsize != size:
                cache.clear()  # an LRUCache only shrinks from empty
                cache.maxsize = size

    def notify_style_update(self) -> None:
        super().notify_style_update()  # clears the rendered rows
        self._cell_styles.clear()

    def cell_style(self, cell: Cell) -> Style:
        """The style a cell is drawn with: its text style, then its role's colours."""
        key = (cell.role, cell.style)
        style = self._cell_styles.get(key)
        if style is None:
            style = Style.parse(cell.style) if cell.style else Style.null()
            if cell.role in BADGE_ROLES:
                role = self.get_component_rich_style(f"list--{cell.role}")
                style += Style(color=role.color, bgcolor=role.bgcolor) + text_attributes(role)
            elif cell.role:
                role = self.get_component_rich_style(f"list--{cell.role}", partial=True)
                style += Style(color=role.color) + text_attributes(role)
            self._cell_styles[key] = style
        return style

    def _drawn(self, row: ListRow) -> list[_Drawn]:
        return [self._drawn_cell(row.cells[i]) for i in self._shown]

    def _drawn_cell(self, cell: Cell) -> _Drawn:
        """The drawable of ``cell``: one per shared cell (:func:`shared_cell`) and table."""
        if not is_shared(cell):  # a subject, a sha: each row's own
            return _Drawn(cell, self)
        drawn = self._drawn_shared.get(cell)
        if drawn is None:
            drawn = self._drawn_shared[cell] = _Drawn(cell, self)
        return drawn

    FLEX: str | None = None  # the column that takes the width the others leave (by label)
    FLEX_MIN = 12
    # (column, width): left out, in this order, while the flexible column would get less
    DROP: tuple[tuple[str, int], ...] = ()

    def _natural(self, rows: list[ListRow]) -> list[int]:
        """Each column's width for ``rows``: fixed ones as declared, the others fitted to the
        widest cell (all rows, so the columns do not jump while filtering)."""
        widths = []
        for i, (label, width) in enumerate(self.COLUMNS):
            if width is not None:
                widths.append(width)
                continue
            widest = max((row.cells[i].cell_len for row in rows), default=0)
            cap = 1 << 20 if label == self.FLEX else self.MAX_WIDTHS.get(label, self.MAX_WIDTH)
            widths.append(min(cap, max(len(label), widest)))
        return widths

    def _measure(self, rows: list[ListRow]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The columns shown and their widths: with a ``FLEX`` column, the others keep their
        natural width (leaving out ``DROP`` ones while they do not fit) and the flexible one
        takes what is left, down to ``FLEX_MIN`` (shortened, never gone)."""
        natural = self._natural(rows)
        shown = list(range(len(self.COLUMNS)))
        labels = [label for label, _ in self.COLUMNS]
        room = self.size.width - 1  # the vertical scrollbar
        if self.FLEX is None or self.FLEX not in labels or room <= 0:
            if self.FLEX in labels:
                flex = labels.index(self.FLEX)
                natural[flex] = min(natural[flex], self.MAX_WIDTHS.get(self.FLEX, self.MAX_WIDTH))
            return tuple(shown), tuple(natural)
        flex = labels.index(self.FLEX)
        pad = 2 * self.cell_padding

        def others(columns: list[int]) -> int:
            return sum(natural[i] + pad for i in columns if i != flex) + pad

        for label, want in self.DROP:
            if others(shown) + min(natural[flex], want) <= room:
                continue
            shown.remove(labels.index(label))
        widths = list(natural)
        widths[flex] = max(self.FLEX_MIN, room - others(shown))
        return tuple(shown), tuple(widths[i] for i in shown)

    def _set_columns(self, layout: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
        # Explicit widths: DataTable's auto-width can render rows with stale widths when a
        # repaint lands between adding rows and its idle-time measuring.
        self._widths = layout
        self._shown = layout[0]
        self.clear(columns=True)
        for i, width in zip(layout[0], layout[1], strict=True):
            label = self.COLUMNS[i][0]
            self.add_column(label, width=width, key=label or None)

    def on_resize(self) -> None:
        self._size_caches()
        if self.FLEX is not None and self._measure(self.rows_all) != self._widths:
            self._show(self.current_key)

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
                self.add_row(*self._drawn(row), key=row.key)

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
            self.add_row(*self._drawn(row), key=row.key)
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

    def update_row(self, key: str, index: int, value: Cell) -> None:
        """Change the cell in column ``index`` of row ``key`` (also when it is filtered out)."""
        row = self.row_by_key(key)
        if row is None:
            return
        row.cells[index] = value
        if index not in self._shown:  # a column left out at this width
            return
        with contextlib.suppress(MISSING):  # a filtered-out row: the stored row is updated
            self.update_cell_at(
                (self.get_row_index(key), self._shown.index(index)),
                self._drawn_cell(value),
                update_width=False,
            )


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
        mark, role = DRAFT_MARK.get(draft, ("?", ""))
        name = getattr(entry, "id", "") or getattr(entry, "path", "")
        status = getattr(entry, "status", "")
        error = getattr(entry, "error", None)
        if error:
            shown = cell("unreadable", "alert")
        else:
            shown = cell(status, STATUS_ROLE.get(status, ""), "dim" if status == "retired" else "")
        kind = getattr(entry, "doc_kind", "contract")
        unversioned = "-" if kind != "contract" else "?"
        cells = [
            Cell(mark, role, "bold"),
            cell(name, style="bold"),
            cell(SHORT_KINDS.get(kind, kind), "" if kind == "contract" else "ref", "dim"),
            cell(getattr(entry, "version", "") or unversioned),
            shown,
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
    """The revisions of one contract: drafts on top, then commits, with what the gate says
    (the verdict column), the security mark (◆: the amendment introduced security findings,
    the one count of ``security.summary``), the bump the version made (``minor!`` in red when
    the changes needed more), the tags pointing at the commit, and the subject, which takes
    the width the other columns leave."""

    BINDINGS = commands.bindings("nav", "list", "scroll", "history")
    COLUMNS = (
        ("", 1),
        ("verdict", 8),
        ("", 1),
        ("version", None),
        ("bump", 6),
        ("subject", None),
        ("tags", None),
        ("date", 10),
        ("sha", 8),
        ("author", None),
    )
    FLEX = "subject"
    FLEX_MIN = 8
    # narrow: the revision detail below the list still says the rest (and a version the
    # changes needed more than shows ``!`` in red)
    DROP = (
        ("author", 40),
        ("date", 40),
        ("sha", 40),
        ("tags", 24),
        ("bump", 16),
        ("version", 8),
    )
    MAX_WIDTHS = {"subject": 32, "tags": 24, "author": 20}

    @staticmethod
    def make_row(
        revision: object, date_format: str = "%Y-%m-%d", tags: tuple[str, ...] = ()
    ) -> ListRow:
        kind = getattr(revision, "kind", "commit")
        rev = getattr(revision, "rev", "")
        if kind == "worktree":
            sha = Cell("worktree", "attention", "bold")
        elif kind == "index":
            sha = Cell("staged", "ok", "bold")
        else:
            sha = cell(rev[:7], "ref")
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
        tag_text = " ".join(tags)
        # payments-api/v3.0.0 shows as v3.0.0 in payments-api's history (filters match both)
        prefix = f"{getattr(revision, 'contract_id', '')}/"
        shown_tags = " ".join(t.removeprefix(prefix) if prefix != "/" else t for t in tags)
        # cells many rows show are shared (one object for all of them): a long history holds
        # per row only its subject and sha
        cells = [
            BLANK,
            badge_cell("pending"),
            BLANK,
            shared_cell(clean_inline(getattr(revision, "version", "") or "?")),
            EMPTY,
            cell(subject),
            shared_cell(clean_inline(shown_tags), "marked", "bold"),
            shared_cell(clean_inline(date_text), style="dim"),
            sha,
            shared_cell(clean_inline(author), style="italic"),
        ]
        search = " ".join(
            clean_inline(x).lower()
            for x in (
                rev,
                author,
                subject,
                getattr(revision, "version", ""),
                date_text,
                kind,
                tag_text,
            )
        )
        row = ListRow(rev, cells, search, revision)
        row.extra["base"] = len(search)  # the search text before a badge adds its words
        row.extra["tags"] = tags
        return row

    def set_badge(self, key: str, badge: Badge) -> bool:
        """Show ``badge`` on the row ``key``; whether the filter's answer for the row changed
        (the words of the badge are searched too: ``/fail``, ``/breaking``, ``/security``)."""
        row = self.row_by_key(key)
        if row is None:
            return False
        words = self._words()
        matched = self._match(row, words)
        row.extra["badge"] = badge
        base = row.search[: row.extra.get("base", len(row.search))]
        row.search = f"{base} {badge.words}".lower()
        self.update_row(key, 1, badge_cell(badge.label, 8))
        # the third column is the security mark: the amendment introduced security findings
        mark = shared_cell("◆" if badge.security else " ", "security", "bold")
        self.update_row(key, 2, mark)
        if badge.got:
            got = clean_inline(badge.got + ("" if badge.bump_ok else "!"))
            self.update_row(key, 4, shared_cell(got, *BUMP_ROLE[badge.bump_ok]))
        if not badge.bump_ok:  # also where the bump column has no room
            version = row.cells[3].plain.rstrip("!")
            self.update_row(key, 3, shared_cell(f"{version}!", "alert", "bold"))
        return bool(words) and matched != self._match(row, words)

    def set_marked(self, key: str | None) -> None:
        for row in self.rows_all:
            mark = shared_cell("●" if row.key == key else " ", "marked", "bold")
            self.update_row(row.key, 0, mark)


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
    FLEX = "message"
    FLEX_MIN = 16
    DROP = (("path", 40), ("rule", 24))
    MAX_WIDTHS = {"message": 72, "breaks": 40, "path": 48}

    @staticmethod
    def make_row(item: Item) -> ListRow:
        breaks = ", ".join(p.replace("_", " ") for p in item.breaks) or (
            "security review" if item.kind == "security" else "nobody"
        )
        message = item.message + (f" ({item.note})" if item.note else "")
        cells = [
            badge_cell(item.severity, 8),
            security_mark(item),
            cell(item.rule, style="bold"),
            cell(message),
            cell(breaks, style="italic"),
            cell(item.path, "ref"),
        ]
        search = " ".join(
            x.lower() for x in (item.severity, item.rule, item.path, item.message, breaks)
        )
        return ListRow(str(item.index), cells, search, item)


def security_mark(item: Item) -> Cell:
    """The findings list's security column: ◆ in the security colour on what the security
    count includes (and on weakening changes), a dim ◇ on advice and on findings already
    present or accepted; blank on the rest."""
    if item.counted or (item.kind == "change" and item.weakens):
        return Cell("◆", "security", "bold")
    if item.kind == "security":
        return Cell("◇", "", "dim")
    return Cell(" ")


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
        style = "bold $security" if item.security == "weakens" else "$text-success"
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
        (clean_inline(rev[:12] if kind == "commit" else rev), "bold $text-primary"),
        "  ",
        (clean_inline(getattr(revision, "version", "") or "?"), "bold"),
        "  ",
        (when, "dim"),
        "  ",
        (who, "italic"),
    ]
    if badge is not None and badge.error:
        head += ["  ", (clean_inline(badge.error), "$text-error")]
    elif badge is not None and badge.gate:
        head += ["  gate ", (badge.gate, "bold $text-error" if badge.fails else "$text-success")]
        if not badge.bump_ok:
            head += ["  ", (f"needs {badge.needs}, got {badge.got}!", "bold $text-error")]
        if badge.security:
            head += ["  ", (f"security: {badge.security_text}", "$security")]
    subject = getattr(revision, "subject", "") or (
        "uncommitted changes in the working tree" if kind == "worktree" else "staged changes"
    )
    return Content.assemble(*head, "\n", Content(clean_inline(subject)))
