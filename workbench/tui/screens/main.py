"""The main screen: contracts, history, the diff of the selected amendment and its findings.

All repository work runs in thread workers (``@work(thread=True)``) that post messages back;
the handlers here only update widgets. Each diff request carries a token so a slow answer for
a revision the user already left is dropped. The diff arrives in two steps: first the two texts
aligned (no parsing: fast even for 10,000 lines), then the findings (engine + security review).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from workbench.sources.kinds import LABELS
from workbench.tui import commands
from workbench.tui.diffmodel import DiffDocument, Item
from workbench.tui.safe import clean_inline
from workbench.tui.widgets.diff_view import DiffView
from workbench.tui.widgets.lists import (
    ContractsTable,
    FindingsTable,
    HistoryTable,
    ListTable,
    finding_detail,
    revision_detail,
)
from workbench.tui.widgets.pane import FilterInput, Pane

if TYPE_CHECKING:
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.backend import Backend, Badge, Comparison

FILTERS = ("all", "breaking", "security")
FINDINGS_DELAY = 0.12  # seconds a revision stays selected before its findings are computed
BADGE_PAUSE = 0.25  # seconds after a selection during which the verdict badges wait
INDEX_DELAY = 1.0  # seconds after the first paint before the palette's revision index fills
PANES = ("contracts", "history", "diff", "findings")


def _cancelled() -> bool:
    """Whether the worker running this code was cancelled (the app is closing, say)."""
    from textual.worker import get_current_worker

    return get_current_worker().is_cancelled


# --- messages from the workers -------------------------------------------------------------


@dataclass
class ContractsLoaded(Message):
    entries: list[Any]
    error: str = ""
    repo_name: str = ""


@dataclass
class HistoryLoaded(Message):
    token: int
    path: str
    offset: int
    revisions: list[Any]
    done: bool
    error: str = ""


@dataclass
class BadgeReady(Message):
    token: int
    key: str
    badge: Badge


@dataclass
class DiffReady(Message):
    token: int
    document: DiffDocument
    comparison: Comparison | None = None


@dataclass
class FindingsReady(Message):
    token: int
    items: list[Item]
    errors: list[str]
    report: Any = None


@dataclass
class DiffFailed(Message):
    token: int
    error: str


def _list_pane(number: int, title: str, table: ListTable, detail: str | None = None) -> Pane:
    """A list's pane: the table, its detail lines (``detail`` is their id) and its ``/``
    filter; ids follow the table's (``history`` -> ``#history-pane``, ``#history-filter``)."""
    name = table.id or ""
    children: list[Any] = [table]
    if detail:
        children.append(Static(id=detail, classes="detail", markup=False))
    children.append(FilterInput(name, id=f"{name}-filter"))
    return Pane(number, title, *children, id=f"{name}-pane")


class MainScreen(Screen):
    """Contracts | history | diff + findings, keyboard first."""

    BINDINGS = commands.bindings("main")

    def __init__(self, backend: Backend, *, select: str | None = None) -> None:
        super().__init__()
        self.backend = backend
        self.initial_select = select
        self.entries: list[Any] = []
        self.current_path: str | None = None
        self.current_key: str | None = None  # the revision key whose diff is shown
        self.marked: Any = None
        self.base_compare = False
        self.items: list[Item] = []
        self.report: Any = None
        self.findings_filter = "all"
        self.comparison: Comparison | None = None
        self.history_done = True
        self.history_loading = False
        self._history_token = 0
        self._diff_token = 0
        self._active_diffs = 0
        self._active_lock = threading.Lock()
        self.history_shown_at: float | None = None  # perf_counter when a history first showed
        self.diff_shown_at: float | None = None
        self.diff_requested_at: float | None = None
        self._versions: dict[str, str] = {}  # rev or blob -> version, from the loaded history
        self.revision_index: dict[str, list[Any]] = {}  # contract path -> loaded revisions
        self._pending_revision: str | None = None
        self._footer_hidden: frozenset[str] = frozenset()

    @property
    def wb(self) -> WorkbenchApp:
        return self.app  # type: ignore[return-value]

    # --- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        settings = self.wb.settings
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield _list_pane(1, "Contracts", ContractsTable(id="contracts"))
                yield _list_pane(2, "History", HistoryTable(id="history"), "revision-detail")
            with Vertical(id="right"):
                yield Pane(
                    3,
                    "Diff",
                    DiffView(id="diff", mode=settings.diff, context=settings.context),
                    id="diff-pane",
                )
                yield _list_pane(4, "Findings", FindingsTable(id="findings"), "finding-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.set_class(self.wb.settings.layout == "columns", "-columns")
        self.pane("contracts").set_busy("loading")
        self.query_one("#diff", DiffView).show_message("Loading the repository…")
        self.query_one("#contracts", ContractsTable).focus()
        self.load_contracts()

    def on_resize(self) -> None:
        width = self.size.width
        self.set_class(width < 100, "-narrow")
        self.query_one(Footer).compact = width < 100
        if commands.footer_hidden(width) != self._footer_hidden:
            self._footer_hidden = commands.footer_hidden(width)
            self.refresh_bindings()

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """On narrow terminals the footer leaves out the less used keys (they still work, and
        ``?`` lists them), so that help and quit always show."""
        bindings = super().active_bindings
        hidden = self._footer_hidden
        if not hidden:
            return bindings
        return {
            key: active._replace(binding=replace(active.binding, show=False))
            if active.binding.id in hidden
            else active
            for key, active in bindings.items()
        }

    @property
    def settled(self) -> bool:
        """Nothing is loading: every pane is idle and every listed revision has its badge
        (what tests and the benchmark wait for)."""
        if any(self.pane(name).busy for name in PANES):
            return False
        if self.history_loading or self.current_path is None:
            return False
        return all("badge" in row.extra for row in self.history_table.rows_all)

    def pane(self, name: str) -> Pane:
        return self.query_one(f"#{name}-pane", Pane)

    @property
    def contracts_table(self) -> ContractsTable:
        return self.query_one("#contracts", ContractsTable)

    @property
    def history_table(self) -> HistoryTable:
        return self.query_one("#history", HistoryTable)

    @property
    def findings_table(self) -> FindingsTable:
        return self.query_one("#findings", FindingsTable)

    @property
    def diff(self) -> DiffView:
        return self.query_one("#diff", DiffView)

    # --- contracts ----------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="contracts", exit_on_error=False)
    def load_contracts(self, refresh: bool = False) -> None:
        from workbench.tui.backend import describe

        try:
            if refresh:
                self.backend.refresh()
            entries = self.backend.contracts()
            self.post_message(ContractsLoaded(entries, repo_name=self.backend.name))
        except Exception as exc:  # every failure becomes a message, never a crash
            self.post_message(ContractsLoaded([], describe(exc)))

    def on_contracts_loaded(self, message: ContractsLoaded) -> None:
        pane = self.pane("contracts")
        pane.set_busy(None)
        if message.error or not message.entries:
            self.wb.show_empty(message.error)
            return
        self.entries = message.entries
        count = len(self.entries)
        pane.set_detail(message.repo_name, f"{count} contract{'s' if count != 1 else ''}")
        rows = [ContractsTable.make_row(e) for e in self.entries]
        table = self.contracts_table
        keep = self.current_path or self._initial_contract()
        table.set_rows(rows, keep=keep)
        if table.current_key is not None:  # also after a refresh, or when the contract went away
            self.select_contract(table.current_key, force=True)

    def _initial_contract(self) -> str | None:
        from workbench.tui.backend import pick_initial

        return pick_initial(
            self.entries, self.initial_select, getattr(self.backend.repo, "root", None)
        )

    def select_contract(self, path: str, *, force: bool = False) -> None:
        if path == self.current_path and not force:
            return
        changed = path != self.current_path
        self.current_path = path
        if changed:
            self.marked = None
            self.base_compare = False
            self.current_key = None
            self._versions = {}
        entry = next((e for e in self.entries if e.path == path), None)
        name = (entry.id or entry.path) if entry else path
        kind = getattr(entry, "doc_kind", "contract")
        if kind != "contract":  # an artefact: say which (OpenAPI, Keycloak realm...)
            name = f"{name} ({LABELS.get(kind, kind)})"
        self.pane("history").set_detail(name)
        self.pane("history").set_busy("loading")
        self._history_token += 1
        self.history_done = False
        self.history_loading = True
        if changed:
            self.history_table.set_rows([])
            self._show_revision_detail()
            self.diff.show_message("Loading the history…")
            self._set_items([], None)
        self.load_history(self._history_token, path, 0)

    # --- history ------------------------------------------------------------------------------

    @work(thread=True, group="history", exit_on_error=False)
    def load_history(self, token: int, path: str, offset: int) -> None:
        from workbench.tui.backend import HISTORY_PAGE, describe

        try:
            revisions = self.backend.history(path, offset, HISTORY_PAGE)
            done = len(revisions) < HISTORY_PAGE
            self.post_message(HistoryLoaded(token, path, offset, revisions, done))
        except Exception as exc:
            self.post_message(HistoryLoaded(token, path, offset, [], True, describe(exc)))

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        if message.token != self._history_token:
            return
        self.history_loading = False
        self.history_done = message.done
        pane = self.pane("history")
        pane.set_busy(None)
        table = self.history_table
        if message.error:
            pane.set_detail(pane.detail, "error")
            table.set_rows([])
            self.diff.show_message(f"Cannot read the history: {message.error}")
            self.notify(clean_inline(message.error), severity="error", markup=False)
            return
        rows = [HistoryTable.make_row(r) for r in message.revisions]
        known = self.revision_index.setdefault(message.path, [])
        if message.offset == 0:
            known.clear()
            self._versions = {}
        known.extend(message.revisions)
        for r in message.revisions:  # for the labels of sides that carry no version
            if r.version:
                self._versions[r.rev] = r.version
                if r.blob:
                    self._versions.setdefault(r.blob, r.version)
        if message.offset == 0:
            keep = self._pending_revision or self.current_key
            self._pending_revision = None
            if keep is None or not any(r.key == keep for r in rows):
                keep = rows[0].key if rows else None
            table.set_rows(rows, keep=keep)
            if self.marked is not None:
                table.set_marked(self.marked.rev)
            if self.history_shown_at is None:
                self.history_shown_at = time.perf_counter()
                self.index_histories()
            if not rows:
                self.diff.show_message("This contract has no revisions.")
            elif self.current_key == table.current_key:
                self.show_selected(force=True)
        else:
            table.append_rows(rows)
        self._history_info()
        self.compute_badges(message.token, [r.data for r in rows])

    def _history_info(self) -> None:
        count = len(self.history_table.rows_all)
        more = "" if self.history_done else "+"
        mark = f"marked {self.marked.short} · " if self.marked is not None else ""
        noun = "revision" if count == 1 and not more else "revisions"
        self.pane("history").set_detail(self.pane("history").detail, f"{mark}{count}{more} {noun}")

    @work(thread=True, group="badges", exit_on_error=False)
    def compute_badges(self, token: int, revisions: list[Any]) -> None:
        for revision in revisions:
            # the diff the user is waiting for goes first, and so does a user moving quickly
            # through the list: badges resume when the selection has rested a moment
            while token == self._history_token and (
                self._active_diffs > 0
                or time.perf_counter() - (self.diff_requested_at or 0) < BADGE_PAUSE
            ):
                if _cancelled():
                    return
                time.sleep(0.02)
            if token != self._history_token or _cancelled():
                return
            try:
                badge = self.backend.badge(revision)
            except Exception as exc:
                from workbench.tui.backend import Badge, describe

                badge = Badge("error", error=describe(exc))
            self.post_message(BadgeReady(token, revision.rev, badge))

    def on_badge_ready(self, message: BadgeReady) -> None:
        if message.token == self._history_token:
            self.history_table.set_badge(message.key, message.badge)
            if message.key == self.history_table.current_key:
                self._show_revision_detail()

    def _show_revision_detail(self) -> None:
        row = self.history_table.current
        detail = self.query_one("#revision-detail", Static)
        if row is None:
            detail.update("")
        else:
            detail.update(revision_detail(row.data, row.extra.get("badge")))

    def _maybe_more_history(self) -> None:
        table = self.history_table
        if self.history_done or self.history_loading or self.current_path is None:
            return
        if table.filter_text or table.cursor_row >= table.row_count - 15:
            self.history_loading = True
            self.pane("history").set_busy("more")
            self.load_history(self._history_token, self.current_path, len(table.rows_all))

    # --- the diff ----------------------------------------------------------------------------

    def show_selected(self, *, force: bool = False) -> None:
        """Show the diff for the highlighted revision (against the marked one, if any)."""
        row = self.history_table.current
        if row is None:
            return
        key = row.key
        if key == self.current_key and not force and not self.base_compare:
            return
        self.current_key = key
        self.base_compare = False
        revision = row.data
        if self.marked is not None and self.marked.rev != revision.rev:
            self._request_diff(("pair", self.marked, revision))
        else:
            self._request_diff(("amendment", revision))

    def _request_diff(self, request: tuple) -> None:
        self._diff_token += 1
        self.diff_requested_at = time.perf_counter()
        self.pane("diff").set_busy("loading")
        self.pane("findings").set_busy("reviewing")
        self.load_diff(self._diff_token, request)

    @work(thread=True, exclusive=True, group="diff", exit_on_error=False)
    def load_diff(self, token: int, request: tuple) -> None:
        from workbench.tui.backend import Comparison, describe, side_label

        with self._active_lock:
            self._active_diffs += 1
        try:
            b = self.backend
            kind = request[0]
            if kind == "amendment":
                revision = request[1]
                parent = revision.parent
                comparison = Comparison(
                    revision.path,
                    parent,
                    revision,
                    self._label(parent, revision.path) if parent else "(created here)",
                    side_label(revision, revision.path),
                    revision=revision,
                )
            elif kind == "pair":
                old, new = request[1], request[2]
                comparison = Comparison(
                    new.path,
                    old,
                    new,
                    side_label(old, new.path),
                    side_label(new, new.path),
                    revs=(old.rev, new.rev),
                )
            else:
                comparison = b.against_base(request[1])
                # the versions the history knows (the sides of a revision pair carry none)
                branch = comparison.old_label.partition(":")[0]
                comparison.old_label = f"{branch}: {self._label(comparison.old, request[1])}"
                comparison.new_label = self._label(comparison.new, request[1])
            document = b.document(comparison)
            self.post_message(DiffReady(token, document, comparison))
        except Exception as exc:  # never a crash: the error shows in the diff pane
            self.post_message(DiffFailed(token, describe(exc)))
            with self._active_lock:
                self._active_diffs -= 1
            return
        try:
            # Rest a moment before the expensive part (parse, engine, review): while the user
            # runs through revisions with j/k, only the one they stop at is judged.
            settle = time.perf_counter() + FINDINGS_DELAY
            while time.perf_counter() < settle:
                if token != self._diff_token or _cancelled():
                    return
                time.sleep(0.01)
            if token != self._diff_token:
                return
            if kind == "amendment":
                real = b.amendment(request[1])
                if real.old is not None:
                    real.old_label = self._label(real.old, request[1].path)
                if getattr(real.old, "blob", None) != getattr(comparison.old, "blob", None):
                    document = b.document(real)
                    self.post_message(DiffReady(token, document, real))
                comparison = real
            report, items, errors = b.findings(comparison)
            self.post_message(FindingsReady(token, items, errors, report))
        except Exception as exc:  # the texts stay shown, with the error above them
            self.post_message(FindingsReady(token, [], [f"no findings: {describe(exc)}"]))
        finally:
            with self._active_lock:
                self._active_diffs -= 1

    def _label(self, side: Any, path: str) -> str:
        """A side's label, with the version from the history list when the side has none."""
        from workbench.tui.backend import side_label

        label = side_label(side, path)
        version = self._versions.get(getattr(side, "rev", ""), "") or self._versions.get(
            getattr(side, "blob", None) or "", ""
        )
        if version and not getattr(side, "version", ""):
            short, _, rest = label.partition(":")
            label = f"{short} {version}" + (f":{rest}" if rest else "")
        return label

    def on_diff_ready(self, message: DiffReady) -> None:
        if message.token != self._diff_token:
            return
        self.comparison = message.comparison
        self.pane("diff").set_busy(None)
        self.diff.set_document(message.document)
        self.diff_shown_at = time.perf_counter()
        self._diff_title()

    def on_findings_ready(self, message: FindingsReady) -> None:
        if message.token != self._diff_token:
            return
        self.pane("findings").set_busy(None)
        if message.errors:
            self.diff.add_errors(message.errors)
        self._set_items(message.items, message.report)
        self.diff.set_items(message.items)
        self._diff_title()

    def on_diff_failed(self, message: DiffFailed) -> None:
        if message.token != self._diff_token:
            return
        self.pane("diff").set_busy(None)
        self.pane("findings").set_busy(None)
        self.diff.show_message(f"✖ {message.error}")
        self._set_items([], None)

    def _diff_title(self) -> None:
        doc = self.diff.document
        if doc is None:
            self.pane("diff").set_detail("")
            return
        prefix = ""
        if self.base_compare:
            prefix = "vs base · "
        elif self.marked is not None and self.current_key != self.marked.rev:
            prefix = "marked vs selected · "
        mode = self.diff.shown_mode + (" (auto)" if self.diff.mode == "auto" else "")
        context = "all" if self.diff.context < 0 else str(self.diff.context)
        self.pane("diff").set_detail(
            f"{prefix}{doc.old_label} → {doc.new_label}", f"{mode} · context {context}"
        )

    # --- findings -----------------------------------------------------------------------------

    def _set_items(self, items: list[Item], report: Any) -> None:
        self.items = items
        self.report = report
        self._populate_findings()

    def _visible_items(self) -> list[Item]:
        if self.findings_filter == "breaking":
            return [it for it in self.items if it.severity in ("breaking", "critical")]
        if self.findings_filter == "security":
            return [it for it in self.items if it.is_security]
        return list(self.items)

    def _populate_findings(self) -> None:
        table = self.findings_table
        visible = self._visible_items()
        table.set_rows([FindingsTable.make_row(it) for it in visible])
        self._show_detail(self._item(table.current_key) if visible else None)
        counts: dict[str, int] = {}
        for it in self.items:
            counts[it.severity] = counts.get(it.severity, 0) + 1
        security = sum(1 for it in self.items if it.is_security)
        parts = [f"{counts[s]} {s}" for s in ("breaking", "risky", "safe") if counts.get(s)]
        if security:
            parts.append(f"{security} security")
        verdict = self.report.verdict.required_bump if self.report is not None else ""
        detail = " · ".join(parts) if parts else ("no findings" if self.report else "")
        if verdict and verdict != "none":
            detail += f" · needs a {verdict} bump"
        self.pane("findings").set_detail(detail, f"showing {self.findings_filter}")

    # --- events -------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = event.data_table
        if event.cursor_row != table.cursor_row:
            # stale: rebuilding a list highlights its first row before the cursor returns to
            # the kept row (acting on it would switch to another contract and lose the revision)
            return
        key = event.row_key.value
        if table.id == "contracts" and key:
            self.select_contract(key)
        elif table.id == "history" and key:
            self._show_revision_detail()
            self.show_selected()
            self._maybe_more_history()
        elif table.id == "findings" and key:
            item = self._item(key)
            self._show_detail(item)
            if item is not None and table.has_focus:
                self.diff.goto_item(item)

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        table = event.data_table
        if table.id == "contracts":
            self._focus_now(self.history_table)
        elif table.id == "history":
            self._focus_now(self.diff)
        elif table.id == "findings":
            item = self._item(event.row_key.value)
            if item is not None:
                self.diff.goto_item(item)
            self._focus_now(self.diff)

    def _show_detail(self, item: Item | None) -> None:
        self.query_one("#finding-detail", Static).update(finding_detail(item))

    def _item(self, key: str | None) -> Item | None:
        for it in self.items:
            if str(it.index) == key:
                return it
        return None

    @on(DiffView.CursorMoved)
    def _diff_cursor(self, event: DiffView.CursorMoved) -> None:
        table = self.findings_table
        if event.item is not None and not table.has_focus:
            table.select_key(str(event.item.index))

    @on(DiffView.Opened)
    def _diff_opened(self, event: DiffView.Opened) -> None:
        if event.item is not None:
            self.findings_table.select_key(str(event.item.index))
            self.findings_table.focus()

    @on(Input.Changed)
    def _filter_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, FilterInput):
            table = self.query_one(f"#{event.input.target}", ListTable)
            table.apply_filter(event.value)
            self.pane(event.input.target).set_filter(event.value)
            if event.input.target == "history":
                self._maybe_more_history()

    @on(Input.Submitted)
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, FilterInput):
            if not event.value:
                event.input.remove_class("-active")
            self.query_one(f"#{event.input.target}", ListTable).focus()

    # --- actions ------------------------------------------------------------------------------

    def _focused_pane(self) -> str | None:
        node = self.focused
        while node is not None:
            if isinstance(node, Pane):
                return (node.id or "").removesuffix("-pane")
            node = node.parent
        return None

    def _pane_widget(self, name: str):
        return self.diff if name == "diff" else self.query_one(f"#{name}", ListTable)

    def action_focus_pane(self, step: int) -> None:
        current = self._focused_pane()
        index = PANES.index(current) if current in PANES else -step
        self._focus_now(self._pane_widget(PANES[(index + step) % len(PANES)]))

    def action_focus_named(self, name: str) -> None:
        if self.maximized is not None:
            self.minimize()
        self._focus_now(self._pane_widget(name))

    def _focus_now(self, widget) -> None:
        """Focus at once (``Widget.focus`` defers it), so keys typed right after ``2`` or
        ``tab`` already reach the new pane."""
        self.set_focus(widget)

    def action_back(self) -> None:
        focused = self.focused
        if isinstance(focused, FilterInput):
            focused.value = ""
            focused.remove_class("-active")
            self._focus_now(self.query_one(f"#{focused.target}", ListTable))
            return
        if self.maximized is not None:
            self.minimize()
            return
        if self.marked is not None or self.base_compare:
            self.action_clear_mark()
            return
        pane = self._focused_pane()
        previous = {"findings": "diff", "diff": "history", "history": "contracts"}.get(pane or "")
        if previous:
            self._focus_now(self._pane_widget(previous))

    def action_filter(self) -> None:
        pane = self._focused_pane()
        if pane == "diff" or pane is None:
            pane = "findings"
        box = self.query_one(f"#{pane}-filter", FilterInput)
        box.add_class("-active")
        self._focus_now(box)

    def action_mark(self) -> None:
        row = self.history_table.current
        if row is None:
            self.notify("No revision to mark.", severity="warning")
            return
        if self.marked is not None and self.marked.rev == row.key:
            self.action_clear_mark()
            return
        self.marked = row.data
        self.history_table.set_marked(row.key)
        self._history_info()
        self.notify(
            f"Marked {self.marked.short}: select another revision to compare with it.",
            markup=False,
        )
        self.show_selected(force=True)

    def action_clear_mark(self) -> None:
        self.marked = None
        self.base_compare = False
        self.history_table.set_marked(None)
        self._history_info()
        self.show_selected(force=True)

    def action_compare_base(self) -> None:
        if self.current_path is None:
            self.notify("Select a contract first.", severity="warning")
            return
        self.base_compare = True
        self.current_key = None
        self._request_diff(("base", self.current_path))
        self._diff_title()

    def action_next_finding(self, direction: int) -> None:
        important = [it for it in self._visible_items() if it.important]
        if not important:
            self.notify("No breaking, risky or security finding here.", severity="information")
            return
        item = self.diff.next_item(direction, important)
        if item is None:
            return
        self.diff.goto_item(item)
        self.findings_table.select_key(str(item.index))

    def action_cycle_filter(self) -> None:
        self.findings_filter = FILTERS[(FILTERS.index(self.findings_filter) + 1) % len(FILTERS)]
        self._populate_findings()

    def action_toggle_unified(self) -> None:
        mode = "unified" if self.diff.shown_mode == "split" else "split"
        self.diff.mode = mode
        self.wb.update_setting("diff", mode)
        self._diff_title()

    def action_context(self, step: int) -> None:
        context = self.diff.change_context(step)
        self.wb.update_setting("context", context)
        self._diff_title()

    def action_refresh_all(self) -> None:
        self.pane("contracts").set_busy("refreshing")
        self.load_contracts(refresh=True)

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        pane = self._focused_pane()
        if pane:
            self.maximize(self.pane(pane), container=False)

    def action_toggle_layout(self) -> None:
        layout = "stacked" if self.has_class("-columns") else "columns"
        self.set_class(layout == "columns", "-columns")
        self.wb.update_setting("layout", layout)

    def action_checklist(self) -> None:
        """Open the amendment checklist for the selected contract and revision; when it
        closes, the repository is reloaded (the checklist may have changed the contract or its
        record)."""
        from workbench.tui.screens.checklist import ChecklistScreen  # imported when first used

        if self.current_path is None:
            self.notify("Select a contract first.", severity="warning")
            return
        row = self.history_table.current
        revision = row.data if row is not None else None
        screen = ChecklistScreen(repo=self.backend.repo, path=self.current_path, revision=revision)
        self.app.push_screen(screen, lambda _result: self.action_refresh_all())

    # --- palette jumps ------------------------------------------------------------------------

    def jump_to_contract(self, path: str) -> None:
        table = self.contracts_table
        if table.filter_text:
            table.apply_filter("")
        table.select_key(path)
        table.focus()

    def jump_to_revision(self, path: str, key: str) -> None:
        if path != self.current_path:
            self._pending_revision = key  # selected when that contract's history arrives
            self.jump_to_contract(path)
            self.history_table.focus()
            return
        table = self.history_table
        if table.filter_text:
            table.apply_filter("")
        table.select_key(key)
        table.focus()

    @work(thread=True, group="index", exit_on_error=False)
    def index_histories(self) -> None:
        """The first page of every contract's history, for the palette's revision jumps; in
        the background, after the first paint, and never ahead of what the user asked for."""
        from workbench.tui.backend import HISTORY_PAGE

        deadline = time.perf_counter() + INDEX_DELAY
        while time.perf_counter() < deadline:
            if _cancelled():
                return
            time.sleep(0.05)
        for entry in list(self.entries):
            while self._active_diffs > 0 or self.history_loading:
                if _cancelled():
                    return
                time.sleep(0.05)
            if _cancelled():
                return
            if entry.path in self.revision_index:
                continue
            try:
                revisions = self.backend.history(entry.path, 0, HISTORY_PAGE)
            except Exception:  # the palette simply lacks that contract's revisions
                continue
            if _cancelled():
                return
            self.app.call_from_thread(self.revision_index.setdefault, entry.path, revisions)
