"""The main screen: contracts, history, the diff of the selected amendment and its findings.

All repository work runs in thread workers (``JobHost.run_job``) started with a typed request;
the answers arrive on the UI thread, where the handlers here only update widgets. A request in
an exclusive group supersedes the previous one, whose answer is dropped. The diff arrives in two
steps: first the two texts aligned (no parsing: fast even for 10,000 lines), then, once the
revision has stayed selected a moment (a debounce timer), its findings (engine + security
review). The verdict badges and the palette's revision index are background work: they wait
until the diff the user asked for is done.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from workbench.sources.kinds import LABELS
from workbench.tui import commands
from workbench.tui.diffmodel import DiffDocument, Item
from workbench.tui.jobs import JobHost, cancelled
from workbench.tui.safe import clean_inline
from workbench.tui.widgets.diff_view import DiffView
from workbench.tui.widgets.footer import Footer
from workbench.tui.widgets.lists import (
    ContractsTable,
    FindingsTable,
    HistoryTable,
    ListTable,
    finding_detail,
    revision_detail,
)
from workbench.tui.widgets.pane import FilterInput, Pane, SearchInput

if TYPE_CHECKING:
    from workbench.history.model import Revision
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.backend import Backend, Badge, Comparison, Signals

FILTERS = ("all", "breaking", "security")
PANES = ("contracts", "history", "diff", "findings")
BADGE_BATCH = 0.1  # seconds of badges one background job computes before it hands back
# How long the screen waits for the contracts and the first history page that the app started
# reading before Textual did, so that its first frame lists them, before it draws a loading
# frame instead (and redraws it when they arrive).
FIRST_LISTING_WAIT = 0.3


def findings_title(report: Any, items: list[Item], fail_on: str) -> str:
    """The findings pane's title: counts by severity, the security count (the one
    definition, ``security.summary``), the bump the changes need and, when the version made
    less, what it made (``report.log.bump_status``, as ``workbench log`` says it)."""
    if report is None:
        return ""
    from workbench.report.log import bump_status
    from workbench.security.summary import count_security

    counts: dict[str, int] = {}
    for it in items:
        if it.kind == "change":
            counts[it.severity] = counts.get(it.severity, 0) + 1
    parts = [f"{counts[s]} {s}" for s in ("breaking", "risky", "safe") if counts.get(s)]
    security = count_security(report.security_findings, fail_on)
    if security.new:
        parts.append(f"{security.new} security")
    if security.present:
        parts.append(f"{security.present} already present")
    detail = " · ".join(parts) if parts else "no findings"
    needs, got, ok = bump_status(report.verdict)
    if not ok:  # first: the title may be cut on narrow terminals
        detail = f"needs a {needs} bump, got {got}! · {detail}"
    elif needs and needs != "none":
        detail += f" · needs a {needs} bump"
    return detail


# --- requests to the workers ----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LoadContracts:
    refresh: bool = False
    first: bool = False  # the first load: the first history page comes with the contracts


@dataclass(frozen=True, eq=False)
class HistoryPage:
    path: str
    offset: int


@dataclass(frozen=True, eq=False)
class Listing:
    """The contracts and, on the first load, the first history page of the contract shown
    first, read by the same job: both lists arrive together and are drawn in one frame."""

    entries: list[Any]
    page: HistoryPage | None = None
    history: tuple[list[Revision], dict] | None = None


@dataclass(frozen=True, eq=False)
class AmendmentDiff:
    """What one revision changed (against its parent, then its previous valid revision)."""

    revision: Revision


@dataclass(frozen=True, eq=False)
class PairDiff:
    """The marked revision against the selected one."""

    old: Revision
    new: Revision


@dataclass(frozen=True, eq=False)
class BaseDiff:
    """The working tree against the merge base of the default branch."""

    path: str


DiffRequest = AmendmentDiff | PairDiff | BaseDiff


@dataclass(frozen=True, eq=False)
class Judgement:
    """The findings of a diff whose texts are shown."""

    request: DiffRequest
    comparison: Comparison


@dataclass(frozen=True, eq=False)
class Judged:
    comparison: Comparison
    document: DiffDocument | None  # the texts again, when the judged base is another revision
    report: Any
    items: list[Item]
    errors: list[str]


@dataclass(frozen=True, eq=False)
class BadgeBatch:
    path: str
    revisions: tuple[Revision, ...]


@dataclass(frozen=True, eq=False)
class IndexHistory:
    path: str


@dataclass(frozen=True, eq=False)
class WatchPoll:
    """The working tree's signals (``Backend.signals``) for the listed contract files."""

    paths: tuple[str, ...]


def _list_pane(number: int, title: str, table: ListTable, detail: str | None = None) -> Pane:
    """A list's pane: the table, its detail lines (``detail`` is their id) and its ``/``
    filter; ids follow the table's (``history`` -> ``#history-pane``, ``#history-filter``)."""
    name = table.id or ""
    children: list[Any] = [table]
    if detail:
        children.append(Static(id=detail, classes="detail", markup=False))
    children.append(FilterInput(name, id=f"{name}-filter"))
    return Pane(number, title, *children, id=f"{name}-pane")


class MainScreen(JobHost, Screen):
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
        self.pair_swapped = False  # s: the newer of the pair on the left
        self.base_compare = False
        self.items: list[Item] = []
        self.report: Any = None
        self.findings_filter = "all"
        self.comparison: Comparison | None = None
        self.history_done = True
        self.history_loading = False
        self.diff_pending = False  # the texts or findings of a requested diff are on their way
        self.history_shown_at: float | None = None  # perf_counter when a history first showed
        self.diff_shown_at: float | None = None
        self.diff_requested_at: float | None = None
        self._versions: dict[str, str] = {}  # rev or blob -> version, from the loaded history
        self.revision_index: dict[str, list[Any]] = {}  # contract path -> loaded revisions
        self._unindexed: set[str] = set()  # contracts whose history the index could not read
        self._index_due = False
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
                    SearchInput(id="diff-filter"),
                    id="diff-pane",
                )
                yield _list_pane(4, "Findings", FindingsTable(id="findings"), "finding-detail")
        yield Footer()

    async def on_mount(self) -> None:
        self._watched: tuple | None = None
        self.set_class(self.wb.settings.layout == "columns", "-columns")
        self.query_one("#contracts", ContractsTable).focus()
        if self.wb.delays.watch > 0:  # outside edits show up without r (a timer, no loop)
            self.set_interval(self.wb.delays.watch, self._poll_watch)
        # nothing is drawn until this returns: a short wait for what the app started reading
        # before Textual (the event loop runs meanwhile) spares a loading frame and its redraw
        await self.backend.wait_prefetch(FIRST_LISTING_WAIT)
        listing = self._prefetched_listing()
        if listing is not None:  # read in time: both lists are in the first frame
            self._contracts_loaded(LoadContracts(first=True), listing)
        else:
            self.pane("contracts").set_busy("loading")
            self.diff.show_message("Loading the repository…")
            self.load_contracts(first=True)

    # --- the working tree, watched ----------------------------------------------------------

    def _poll_watch(self) -> None:
        """Poll the cheap signals in a worker while nothing else runs on this screen."""
        if (
            self.app.screen is not self
            or not self.entries
            or self.job_running("watch")
            or self.pane("contracts").busy
            or self.history_loading
        ):
            return
        paths = tuple(e.path for e in self.entries)
        self.run_job(
            WatchPoll(paths),
            lambda poll: self.backend.signals(list(poll.paths)),
            self._watch_read,
            lambda poll, error: None,  # a failed poll is retried at the next tick
            group="watch",
        )

    def _watch_read(self, poll: WatchPoll, signals: Signals) -> None:
        previous, self._watched = self._watched, (poll.paths, signals)
        if previous is None:
            return
        if previous[0] != poll.paths and not previous[1].folders_differ(signals):
            return  # a new list: a new baseline
        if previous[1] == signals or self.pane("contracts").busy:
            return
        # changed outside the app: reload as r would, keeping the selection
        self.action_refresh_all()

    def on_resize(self) -> None:
        width = self.size.width
        self.set_class(width < 100, "-narrow")
        self.set_class(width >= 160, "-wide")
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

    def load_contracts(self, refresh: bool = False, *, first: bool = False) -> None:
        self.run_job(
            LoadContracts(refresh, first),
            self._read_contracts,
            self._contracts_loaded,
            self._contracts_failed,
            group="contracts",
        )

    def _prefetched_listing(self) -> Listing | None:
        """The first listing, when the backend's prefetch already holds all of it (taken
        without waiting and without git: nothing here blocks)."""
        start = self.backend.prefetched_start()
        if start is None:
            return None
        entries, path, revisions, tags = start
        if path is None:
            return Listing(entries)
        return Listing(entries, HistoryPage(path, 0), (revisions, tags))

    def _read_contracts(self, request: LoadContracts) -> Listing:
        if request.refresh:
            self.backend.refresh()
        entries = self.backend.contracts()
        if not request.first:
            return Listing(entries)
        from workbench.tui.backend import pick_initial

        path = pick_initial(entries, self.initial_select, getattr(self.backend.repo, "root", None))
        if path is None:
            return Listing(entries)
        page = HistoryPage(path, 0)
        try:
            history = self._read_history(page)
        except Exception:  # the history's own job reads it again and reports the failure
            return Listing(entries)
        return Listing(entries, page, history)

    def _contracts_failed(self, request: LoadContracts, error: str) -> None:
        self.pane("contracts").set_busy(None)
        self.wb.show_empty(error)

    def _contracts_loaded(self, request: LoadContracts, listing: Listing) -> None:
        entries = listing.entries
        pane = self.pane("contracts")
        pane.set_busy(None)
        if not entries:
            self.wb.show_empty()
            return
        self.entries = entries
        count = len(self.entries)
        pane.set_detail(self.backend.name, f"{count} contract{'s' if count != 1 else ''}")
        rows = [ContractsTable.make_row(e) for e in self.entries]
        table = self.contracts_table
        keep = self.current_path or self._initial_contract()
        table.set_rows(rows, keep=keep)
        if table.current_key is not None:  # also after a refresh, or when the contract went away
            page = listing.page
            history = listing.history if page and page.path == table.current_key else None
            self.select_contract(table.current_key, force=True, history=history)

    def _initial_contract(self) -> str | None:
        from workbench.tui.backend import pick_initial

        return pick_initial(
            self.entries, self.initial_select, getattr(self.backend.repo, "root", None)
        )

    def select_contract(
        self,
        path: str,
        *,
        force: bool = False,
        history: tuple[list[Revision], dict] | None = None,
    ) -> None:
        """Show ``path``'s history (``history``: its first page, already read)."""
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
        self.history_done = False
        self._pause_background()
        if changed:
            self.history_table.set_rows([])
            self._show_revision_detail()
            self.diff.show_message("Loading the history…")
            self._set_items([], None)
        if history is not None:
            self.cancel_jobs("history")
            self._history_loaded(HistoryPage(path, 0), history)
        else:
            self._load_history(path, 0)

    # --- history ------------------------------------------------------------------------------

    def _load_history(self, path: str, offset: int) -> None:
        self.history_loading = True
        self.run_job(
            HistoryPage(path, offset),
            self._read_history,
            self._history_loaded,
            self._history_failed,
            group="history",
        )

    def _read_history(self, page: HistoryPage) -> tuple[list[Revision], dict]:
        from workbench.tui import backend

        revisions = self.backend.history(page.path, page.offset, backend.HISTORY_PAGE)
        return revisions, self.backend.tags()

    def _history_failed(self, page: HistoryPage, error: str) -> None:
        self.history_loading = False
        self.history_done = True
        pane = self.pane("history")
        pane.set_busy(None)
        pane.set_detail(pane.detail, "error")
        self.history_table.set_rows([])
        self.diff.show_message(f"Cannot read the history: {error}")
        self.notify(clean_inline(error), severity="error", markup=False)

    def _history_loaded(self, page: HistoryPage, answer: tuple[list[Revision], dict]) -> None:
        from workbench.tui import backend

        revisions, tags = answer
        self.history_loading = False
        self.history_done = len(revisions) < backend.HISTORY_PAGE
        self.pane("history").set_busy(None)
        table = self.history_table
        rows = [
            HistoryTable.make_row(r, tags=tags.get(r.rev, ()) if r.kind == "commit" else ())
            for r in revisions
        ]
        known = self.revision_index.setdefault(page.path, [])
        if page.offset == 0:
            known.clear()
            self._versions = {}
        known.extend(revisions)
        for r in revisions:  # for the labels of sides that carry no version
            if r.version:
                self._versions[r.rev] = r.version
                if r.blob:
                    self._versions.setdefault(r.blob, r.version)
        if page.offset == 0:
            keep = self._pending_revision or self.current_key
            self._pending_revision = None
            if keep is None or not any(r.key == keep for r in rows):
                keep = rows[0].key if rows else None
            table.set_rows(rows, keep=keep)
            if self.marked is not None:
                table.set_marked(self.marked.rev)
            if not rows:
                self.diff.show_message("This contract has no revisions.")
            elif table.current is None:  # the kept filter matches none of them
                self._no_revision_matches()
            elif self.history_shown_at is None:
                # the first list: its diff is asked for once the list is drawn (reading the
                # texts would compete with drawing the first frame); background work waits
                self.diff_pending = True
                self.call_after_refresh(self._first_diff)
            else:  # the kept revision again (a refresh), or the first one
                self.show_selected(force=True)
            if self.history_shown_at is None:
                self.history_shown_at = time.perf_counter()
                # the palette's revision index fills in the background, after the first paint
                self.debounce("index", self.wb.delays.index, self._index_now)
        else:
            table.append_rows(rows)
        self._history_info()
        self._resume_background()

    def _first_diff(self) -> None:
        if self.current_key is not None:  # a key pressed since has asked for its own diff
            return
        self.diff_pending = False
        self.show_selected(force=True)
        if not self.diff_pending:  # nothing to show: background work may start
            self._resume_background()

    def _history_info(self) -> None:
        count = len(self.history_table.rows_all)
        more = "" if self.history_done else "+"
        mark = f"marked {self.marked.short} · " if self.marked is not None else ""
        noun = "revision" if count == 1 and not more else "revisions"
        self.pane("history").set_detail(self.pane("history").detail, f"{mark}{count}{more} {noun}")

    def _show_revision_detail(self) -> None:
        row = self.history_table.current
        detail = self.query_one("#revision-detail", Static)
        # the detail lines have a fixed height (app.tcss): no layout pass for new text
        if row is None:
            detail.update("", layout=False)
        else:
            detail.update(revision_detail(row.data, row.extra.get("badge")), layout=False)

    def _maybe_more_history(self) -> None:
        table = self.history_table
        if self.history_done or self.history_loading or self.current_path is None:
            return
        if table.filter_text or table.cursor_row >= table.row_count - 15:
            self.pane("history").set_busy("more")
            self._load_history(self.current_path, len(table.rows_all))

    # --- background: verdict badges and the palette's revision index --------------------------

    def _foreground_busy(self) -> bool:
        """The user is waiting for a history or a diff: background work holds back."""
        return self.history_loading or self.diff_pending

    def _pause_background(self) -> None:
        self.cancel_debounce("background")
        self.cancel_jobs("badges")

    def _resume_background(self) -> None:
        """Badges resume once the selection has rested a moment (a user running through the
        list with j/k is never slowed down by them)."""
        if self._foreground_busy():
            return
        since = time.perf_counter() - (self.diff_requested_at or 0.0)
        delay = max(0.0, self.wb.delays.background - since)
        self.debounce("background", delay, self._run_background)

    def _run_background(self) -> None:
        if self._foreground_busy():
            return
        self._next_badges()
        self._next_index()

    def _next_badges(self) -> None:
        missing = tuple(r.data for r in self.history_table.rows_all if "badge" not in r.extra)
        if missing and self.current_path is not None and not self.job_running("badges"):
            self.run_job(
                BadgeBatch(self.current_path, missing),
                self._read_badges,
                self._badges_ready,
                self._badges_failed,
                group="badges",
            )

    def _read_badges(self, batch: BadgeBatch) -> list[tuple[Revision, Badge]]:
        """Badges in list order for a short while (or until a selection cancels the job)."""
        out = []
        until = time.perf_counter() + BADGE_BATCH
        for revision in batch.revisions:
            if cancelled() or (out and time.perf_counter() > until):
                break
            out.append((revision, self.backend.badge(revision)))
        return out

    def _badges_ready(self, batch: BadgeBatch, badges: list[tuple[Revision, Badge]]) -> None:
        for revision, badge in badges:
            self._set_badge(revision, badge)
        if not self._foreground_busy():
            self._next_badges()

    def _badges_failed(self, batch: BadgeBatch, error: str) -> None:
        from workbench.tui.backend import Badge

        for revision in batch.revisions:
            self._set_badge(revision, Badge("error", error=error))

    def _set_badge(self, revision: Revision, badge: Badge) -> None:
        table = self.history_table
        row = table.row_by_key(revision.rev)
        if row is None or row.data is not revision:  # another contract's, or a refreshed list
            return
        if table.set_badge(revision.rev, badge):  # the filter now matches it, or no longer
            table.apply_filter(table.filter_text)
            self._after_history_filter()
        if revision.rev == table.current_key:
            self._show_revision_detail()

    def _index_now(self) -> None:
        self._index_due = True
        self._next_index()

    def _next_index(self) -> None:
        """The first page of every contract's history, for the palette's revision jumps; one
        contract at a time, and never ahead of what the user asked for."""
        if not self._index_due or self._foreground_busy() or self.job_running("index"):
            return
        done = self.revision_index.keys() | self._unindexed
        path = next((e.path for e in self.entries if e.path not in done), None)
        if path is not None:
            self.run_job(
                IndexHistory(path),
                self._read_index,
                self._indexed,
                self._index_failed,
                group="index",
            )

    def _read_index(self, request: IndexHistory) -> list[Revision]:
        from workbench.tui import backend

        return self.backend.history(request.path, 0, backend.HISTORY_PAGE)

    def _indexed(self, request: IndexHistory, revisions: list[Revision]) -> None:
        self.revision_index.setdefault(request.path, revisions)
        self._next_index()

    def _index_failed(self, request: IndexHistory, error: str) -> None:
        self._unindexed.add(request.path)  # the palette simply lacks its revisions
        self._next_index()

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
            old, new = self._ordered(self.marked, revision)
            self._request_diff(PairDiff(old, new))
        else:
            self._request_diff(AmendmentDiff(revision))

    def _request_diff(self, request: DiffRequest) -> None:
        self.diff_pending = True
        self.diff_requested_at = time.perf_counter()
        self.pane("diff").set_busy("loading")
        self.pane("findings").set_busy("reviewing")
        self._pause_background()
        self.cancel_debounce("findings")
        self.cancel_jobs("findings")
        self.run_job(request, self._read_texts, self._texts_ready, self._texts_failed, group="diff")

    def _read_texts(self, request: DiffRequest) -> tuple[Comparison, DiffDocument]:
        """The two sides and their texts aligned (no parsing, no rules: fast)."""
        from workbench.tui.backend import Comparison, side_label

        match request:
            case AmendmentDiff(revision):
                parent = revision.parent
                comparison = Comparison(
                    revision.path,
                    parent,
                    revision,
                    self._old_label(revision, parent) if parent else "(created here)",
                    side_label(revision, revision.path),
                    revision=revision,
                )
            case PairDiff(old, new):
                comparison = Comparison(
                    new.path,
                    old,
                    new,
                    side_label(old, new.path),
                    side_label(new, new.path),
                    revs=(old.rev, new.rev),
                )
            case BaseDiff(path):
                comparison = self.backend.against_base(path)
                # the versions the history knows (the sides of a revision pair carry none)
                branch = comparison.old_label.partition(":")[0]
                comparison.old_label = f"{branch}: {self._label(comparison.old, path)}"
                comparison.new_label = self._label(comparison.new, path)
        return comparison, self.backend.document(comparison)

    def _texts_ready(self, request: DiffRequest, answer: tuple[Comparison, DiffDocument]) -> None:
        comparison, document = answer
        self._show_document(comparison, document)
        # judge the revision once it has stayed selected a moment: while the user runs through
        # revisions with j/k, only the one they stop at is parsed and reviewed
        judgement = Judgement(request, comparison)
        self.debounce("findings", self.wb.delays.findings, partial(self._judge, judgement))

    def _texts_failed(self, request: DiffRequest, error: str) -> None:
        self.pane("diff").set_busy(None)
        self.pane("findings").set_busy(None)
        self.diff.show_message(f"✖ {error}")
        self._set_items([], None)
        self._diff_done()

    def _judge(self, judgement: Judgement) -> None:
        self.run_job(
            judgement,
            self._read_findings,
            self._findings_ready,
            self._findings_failed,
            group="findings",
        )

    def _read_findings(self, judgement: Judgement) -> Judged:
        """The report (parse, engine, security review; cached by the repository)."""
        b = self.backend
        comparison, document = judgement.comparison, None
        if isinstance(judgement.request, AmendmentDiff):
            # the amendment is judged against the previous *valid* revision, which may not be
            # the parent whose text is shown: then the texts are diffed again
            revision = judgement.request.revision
            real = b.amendment(revision)
            if real.old is not None:
                real.old_label = self._old_label(revision, real.old)
            if getattr(real.old, "blob", None) != getattr(comparison.old, "blob", None):
                document = b.document(real)
            comparison = real
        report, items, errors = b.findings(comparison)
        return Judged(comparison, document, report, items, errors)

    def _findings_ready(self, judgement: Judgement, judged: Judged) -> None:
        if judged.document is not None:
            self._show_document(judged.comparison, judged.document)
        self.pane("findings").set_busy(None)
        if judged.errors:
            self.diff.add_errors(judged.errors)
        self._set_items(judged.items, judged.report)
        self.diff.set_items(judged.items)
        self._diff_title()
        self._diff_done()

    def _findings_failed(self, judgement: Judgement, error: str) -> None:
        # the texts stay shown, with the error above them
        self.pane("findings").set_busy(None)
        self.diff.add_errors([f"no findings: {error}"])
        self._set_items([], None)
        self._diff_done()

    def _diff_done(self) -> None:
        self.diff_pending = False
        self._resume_background()

    def _old_label(self, revision: Any, side: Any) -> str:
        """The old side of an amendment named after the contract's previous revision (its
        short sha and version: the commit that made that content), not the git parent
        commit, which may be a commit of another contract."""
        from workbench.tui.backend import side_label

        blob = getattr(side, "blob", None)
        known = self.revision_index.get(revision.path) or self.revision_index.get(
            self.current_path or "", []
        )
        after = False
        for r in known:
            if r.rev == revision.rev:
                after = True
            elif after and blob is not None and r.blob == blob:
                return side_label(r, revision.path)
        return self._label(side, revision.path)

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

    def _show_document(self, comparison: Comparison, document: DiffDocument) -> None:
        self.comparison = comparison
        self.pane("diff").set_busy(None)
        self.diff.set_document(document)
        self.diff_shown_at = time.perf_counter()
        self._diff_title()

    def _diff_title(self) -> None:
        doc = self.diff.document
        if doc is None:
            self.pane("diff").set_detail("")
            return
        prefix = ""
        if self.base_compare:
            prefix = "vs base · "
        elif self.marked is not None and self.current_key != self.marked.rev:
            side = "swapped: newer left" if self.pair_swapped else "older left"
            prefix = f"marked vs selected ({side}) · "
        mode = self.diff.shown_mode + (" (auto)" if self.diff.mode == "auto" else "")
        if self.diff.wrap:
            mode += " · wrap"
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
        # the policy's threshold only when there is a report (reading the policy is the core's
        # work: not on the UI thread before the first findings arrive)
        title = (
            findings_title(self.report, self.items, self.backend.fail_on)
            if self.report is not None
            else ""
        )
        self.pane("findings").set_detail(title, f"showing {self.findings_filter}")

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
                self.open_finding(item)

    def action_finding_detail(self) -> None:
        """The detail of the finding selected in the findings list (the palette's way)."""
        item = self._item(self.findings_table.current_key)
        if item is None:
            self.notify("No finding selected.", severity="warning")
            return
        self.open_finding(item)

    def open_finding(self, item: Item) -> None:
        """``enter`` on a finding: the finding detail (accepting is offered on the working-tree
        draft's amendment; once accepted, the repository is reloaded)."""
        from workbench.tui.screens.finding import FindingScreen

        revision = self.history_table.current.data if self.history_table.current else None
        writable = (
            revision is not None
            and revision.kind == "worktree"
            and self.current_key == revision.rev
            and self.marked is None
            and not self.base_compare
        )
        screen = FindingScreen(
            item, path=self.current_path, writable=writable, repo=self.backend.repo
        )

        def closed(accepted: bool | None) -> None:
            if accepted:
                self.action_refresh_all()

        self.app.push_screen(screen, closed)

    def _show_detail(self, item: Item | None) -> None:
        self.query_one("#finding-detail", Static).update(finding_detail(item), layout=False)

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
        if isinstance(event.input, SearchInput):
            self._search_changed(event.value)
        elif isinstance(event.input, FilterInput):
            table = self.query_one(f"#{event.input.target}", ListTable)
            table.apply_filter(event.value)
            self.pane(event.input.target).set_filter(event.value)
            if event.input.target == "history":
                self._after_history_filter()
                self._maybe_more_history()

    def _after_history_filter(self) -> None:
        """The diff follows the filtered list: the revision under the cursor, or a message
        when the filter matches none (never the diff of a revision the list no longer shows)."""
        table = self.history_table
        if self.base_compare or not table.rows_all:
            return
        if table.current is None:
            self._no_revision_matches()
        elif table.current_key != self.current_key:
            self._show_revision_detail()
            self.show_selected()

    def _no_revision_matches(self) -> None:
        self.current_key = None
        self.cancel_debounce("findings")
        self.cancel_jobs("diff")
        self.cancel_jobs("findings")
        self.pane("diff").set_busy(None)
        self.pane("findings").set_busy(None)
        self.diff_pending = False
        text = self.history_table.filter_text
        self.diff.show_message(
            f"No revision matches the history filter “{text}” (esc in the history clears it)."
        )
        self.pane("diff").set_detail("")
        self._set_items([], None)
        self._show_revision_detail()
        self._resume_background()

    def _search_changed(self, text: str) -> None:
        count = self.diff.set_search(text)
        if not text:
            self.pane("diff").set_filter("")
            return
        shown = f"{text} · {count} match{'es' if count != 1 else ''}"
        self.pane("diff").set_filter(shown, "search")
        if count:  # as you type, the first match from the cursor on comes into view
            self.diff.goto_match(self.diff.match_index)

    @on(Input.Submitted)
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, SearchInput):
            if not event.value:
                event.input.remove_class("-active")
            self._focus_now(self.diff)
        elif isinstance(event.input, FilterInput):
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
            self._focus_now(self._pane_widget(focused.target))
            return
        if focused is self.diff and self.diff.search:  # a kept search: esc clears it first
            box = self.query_one("#diff-filter", SearchInput)
            box.value = ""
            box.remove_class("-active")
            self._search_changed("")
            return
        if isinstance(focused, ListTable) and focused.filter_text:
            # a filter kept with enter: esc clears it first (as it would have while typing)
            box = self.query_one(f"#{focused.id}-filter", FilterInput)
            box.value = ""
            box.remove_class("-active")
            focused.apply_filter("")
            self.pane(focused.id or "").set_filter("")
            if focused is self.history_table:
                self._after_history_filter()
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
        pane = self._focused_pane() or "findings"
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

    def _ordered(self, marked: Any, selected: Any) -> tuple[Any, Any]:
        """The marked and the selected revision as (old, new): the older one on the left
        (lower in the list), unless ``s`` swapped them to judge the other direction."""
        rows = [r.key for r in self.history_table.rows_all]
        try:
            older_marked = rows.index(marked.rev) > rows.index(selected.rev)
        except ValueError:
            older_marked = True
        pair = (marked, selected) if older_marked else (selected, marked)
        return (pair[1], pair[0]) if self.pair_swapped else pair

    def action_swap_sides(self) -> None:
        """``s``: swap the two sides of a marked-vs-selected diff (judge the other
        direction, e.g. a rollback)."""
        if self.marked is None or self.current_key in (None, self.marked.rev):
            self.notify(
                "Mark a revision (space) and select another to compare them first.",
                severity="warning",
            )
            return
        self.pair_swapped = not self.pair_swapped
        self.show_selected(force=True)

    def action_clear_mark(self) -> None:
        self.marked = None
        self.pair_swapped = False
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
        self._request_diff(BaseDiff(self.current_path))
        self._diff_title()

    def action_next_finding(self, direction: int) -> None:
        """``n``/``N``: the findings this amendment introduced first (in diff order), then
        those already present in the old version, wrapping around."""
        if self._focused_pane() == "diff" and self.diff.search:
            # the diff's own n/N while a search is kept: from match to match
            if self.diff.next_match(direction) is None:
                self.notify(
                    f"No match for “{clean_inline(self.diff.search)}”.",
                    severity="information",
                    markup=False,  # the search is typed text: "[/]" is not markup
                )
            return
        important = [it for it in self._visible_items() if it.important]
        if not important:
            self.notify("No breaking, risky or security finding here.", severity="information")
            return
        order = sorted(
            important, key=lambda it: (not it.new, self.diff.item_position(it), it.index)
        )
        selected = self.diff.selected
        at = next(
            (i for i, it in enumerate(order) if selected and it.index == selected.index), None
        )
        if at is not None:
            item = order[(at + direction) % len(order)]
        else:
            item = order[0] if direction > 0 else order[-1]
        self.diff.goto_item(item)
        self.findings_table.select_key(str(item.index))

    def action_cycle_filter(self) -> None:
        self.findings_filter = FILTERS[(FILTERS.index(self.findings_filter) + 1) % len(FILTERS)]
        self._populate_findings()

    def action_toggle_unified(self) -> None:
        """``u`` cycles the diff mode through split, unified and auto (split when there is
        room); from auto it first shows the other mode, so every press changes something."""
        auto_shows = self.diff.auto_mode()
        other = "unified" if auto_shows == "split" else "split"
        mode = {"auto": other, other: auto_shows}.get(self.diff.mode, "auto")
        self.diff.mode = mode
        self.wb.update_setting("diff", mode)
        self._diff_title()

    def action_toggle_wrap(self) -> None:
        """``w``: fold long lines onto continuation rows, or scroll them sideways again."""
        self.diff.set_wrap(not self.diff.wrap)
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
        row = self.history_table.current
        self._open_checklist(row.data if row is not None else None)

    def action_commit(self) -> None:
        """Commit the selected contract's draft from here: its checklist opens on the working
        tree and goes straight to the commit dialog when the gate lets the amendment through
        (else the checklist says what is missing)."""
        self._open_checklist(None, then="commit")

    def _open_checklist(self, revision: Any, then: str = "") -> None:
        """The checklist of the selected contract at ``revision`` (``None``: the working-tree
        draft); the repository is reloaded when it closes."""
        from workbench.tui.screens.checklist import ChecklistScreen  # imported when first used

        if self.current_path is None:
            self.notify("Select a contract first.", severity="warning")
            return
        screen = ChecklistScreen(
            repo=self.backend.repo, path=self.current_path, revision=revision, then=then
        )
        self.app.push_screen(screen, lambda _result: self.action_refresh_all())

    def action_edit(self) -> None:
        """Open the selected contract's working-tree file in the built-in editor, judged
        against HEAD (or the marked revision); when it closes after a save, reload."""
        from workbench.tui.screens.editor import EditorScreen  # imported when first used

        if self.current_path is None or self.backend.repo is None:
            self.notify("Select a contract first.", severity="warning")
            return
        if self.backend.repo.root is None:
            self.notify("A bare repository has no working tree to edit.", severity="warning")
            return
        base = self.marked.rev if self.marked is not None else "HEAD"
        if base in ("WORKTREE", "INDEX"):
            base = "HEAD"
        line = self._finding_line()
        screen = EditorScreen(self.backend.repo, self.current_path, base=base, line=line)
        self.app.push_screen(screen, lambda saved: self.action_refresh_all() if saved else None)

    def _finding_line(self) -> int | None:
        """The selected finding's line in the new side, if it has one."""
        row = self.findings_table.current
        item = row.data if row is not None else None
        span = getattr(item, "new_span", None)
        return span[0] if span else None

    def action_external_editor(self) -> None:
        """Open the contract in $VISUAL/$EDITOR at the selected finding's line; a missing or
        failing editor is a message, and the app carries on."""
        from workbench.tui.external import open_in_editor

        if self.current_path is None or self.backend.repo is None or self.backend.repo.root is None:
            self.notify("Select a contract in a working tree first.", severity="warning")
            return
        run = open_in_editor(
            self.app, self.backend.repo.root / self.current_path, self._finding_line()
        )
        if run.error:
            self.notify(clean_inline(run.error), severity="error", markup=False, timeout=8)
            return
        self.action_refresh_all()

    def action_recipe(self, recipe_id: str = "") -> None:
        """Open the recipe picker (or one recipe's form) on the selected contract's
        working-tree file; once a recipe is applied the repository is reloaded, and the draft
        shows in the history, the diff and the findings."""
        from pathlib import Path

        from workbench.tui.screens.recipe import RecipeScreen  # imported when first used

        root = getattr(self.backend.repo, "root", None)
        if self.current_path is None or root is None:
            self.notify("Select a contract in a working tree first.", severity="warning")
            return

        def applied(preview: Any) -> None:
            if preview is not None:
                step = preview.applied.step
                what = f"{preview.relpath}: {preview.applied.recipe} ({step} step) applied"
                self.notify(clean_inline(what), markup=False)
                self.action_refresh_all()

        screen = RecipeScreen(Path(root) / self.current_path, self.current_path, recipe_id or None)
        self.app.push_screen(screen, applied)

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
