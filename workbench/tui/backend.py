"""What the terminal UI asks of the core, in plain functions that run in worker threads.

Nothing here imports Textual: every call may block (git, parsing, classification), so the app
runs them in thread workers (``jobs.py``) and handles their answers on the UI thread. The one repository object
(``ContractRepo``) is shared by those workers; it serialises its own git access.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import os
import posixpath
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.tui.diffmodel import DiffDocument, Item, items_from_report

if TYPE_CHECKING:  # the core is imported in the worker threads, not while the UI starts
    from workbench.history.model import ContractEntry, ParentRef, Revision

WORKTREE, INDEX = "WORKTREE", "INDEX"

HISTORY_PAGE = 100
# schema answers the engine keeps per generation (two generations), each holding a part of a
# parsed revision: the revision judged and its base, not the parts of hundreds browsed before
BROWSER_MEMO = 512


def release_memory() -> None:
    """Give memory freed by browsing back to the system: collect the cyclic garbage, then, where
    the C library is glibc, return its free pages (``malloc_trim``); elsewhere the first step
    alone. Called by the app when it is idle after work, never in the middle of a switch."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Any:
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return getattr(libc, "malloc_trim", None)  # glibc only (not musl, not macOS)


@dataclass(frozen=True, slots=True)
class Badge:
    """The verdict of one amendment, for the history list: the engine's severity, what the
    default gate says (``LogEntry.gate``: the one definition of failure), the security count
    (``LogEntry.security``: the one count) and the bump needed and made (``report.log``'s
    ``bump_status``), as ``workbench log`` shows them."""

    severity: str  # breaking | risky | safe | none | invalid | error
    weakens: int = 0
    error: str = ""
    fails: bool = False  # the default gate fails this amendment
    gate: str = ""  # the gate's sentence
    security: int = 0  # security findings the amendment introduced (the one count)
    security_text: str = ""  # the count described (``2 new (1 high...); 1 already present``)
    needs: str = ""  # the bump the changes need
    got: str = ""  # the bump the version made
    bump_ok: bool = True

    @property
    def label(self) -> str:
        """What the verdict column says: the severity, or ``fail`` when the gate fails an
        amendment the engine alone does not call breaking (a security regression)."""
        if self.fails and self.severity not in ("breaking", "invalid", "error"):
            return "fail"
        return self.severity

    @property
    def words(self) -> str:
        """What the history filter matches for this badge."""
        words = [self.severity, self.label]
        if self.fails:
            words += ["fail", "fails", "gate"]
        if self.security:
            words += ["security", "sec"]
        if self.weakens:
            words.append("weakens")
        if self.needs:
            words += [f"needs {self.needs}", f"got {self.got}"]
        if not self.bump_ok:
            words += ["bump!", "under-bumped", "wrong bump"]
        return " ".join(words)


@dataclass(slots=True)
class Comparison:
    """Two sides of a diff: the sides' refs (``None`` when missing) and their labels."""

    path: str
    old: ParentRef | Revision | None
    new: ParentRef | Revision | None
    old_label: str
    new_label: str
    notes: list[str] = field(default_factory=list)
    revision: Revision | None = None  # an amendment: judged by ``repo.report(revision)``
    revs: tuple[str, str] | None = None  # any two revisions: ``repo.compare(path, a, b)``


def _errors() -> tuple[type[Exception], type[Exception]]:
    from workbench.contract.errors import ContractError
    from workbench.history.errors import HistoryError

    return ContractError, HistoryError


def describe(error: BaseException) -> str:
    """One line for any failure the core reports (``file:line:col: error: ...``)."""
    ContractError, _ = _errors()
    if isinstance(error, ContractError):
        more = len(error.problems) - 1
        return error.first.format() + (f" (+{more} more)" if more > 0 else "")
    text = str(error) or type(error).__name__
    return text.splitlines()[0] if text else type(error).__name__


def pick_initial(entries: list[ContractEntry], wanted: str | None, root: Path | None) -> str | None:
    """The contract to show first: the one asked for (path, id or absolute path), else the
    first with an uncommitted draft (what its author is working on), else the first."""
    if wanted:
        target = Path(wanted).resolve() if os.path.isabs(wanted) else None
        for e in entries:
            if wanted in (e.path, e.id):
                return e.path
            if target is not None and root is not None and (root / e.path).resolve() == target:
                return e.path
    for e in entries:
        if e.draft != "clean":
            return e.path
    return entries[0].path if entries else None


class Backend:
    """The repository the app shows, opened lazily in a worker."""

    def __init__(self, path: str | Path, *, select: str | None = None):
        self.path = Path(path)
        self.select = select
        self.repo: Any = None
        self._open_lock = threading.Lock()
        self._prefetch: threading.Thread | None = None
        self._prefetched: dict[tuple, Any] = {}
        # answers computed (diffs, findings, badges): the app releases memory once this stops
        # moving (see :func:`release_memory`)
        self.activity = 0

    def prefetch(self) -> None:
        """Start reading the contracts and the first history page in the background now, while
        the terminal UI starts up (git runs in parallel with it); later calls for the same
        data take the results instead of asking git again."""
        self._prefetch = threading.Thread(target=self._run_prefetch, daemon=True)
        self._prefetch.start()

    def _run_prefetch(self) -> None:
        try:
            self.open()
            entries = self.repo.contracts()
            self._prefetched[("contracts",)] = entries
            path = pick_initial(entries, self.select, self.repo.root)
            if path is not None:
                key = ("history", path, 0, HISTORY_PAGE)
                self._prefetched[key] = self.repo.history(path, limit=HISTORY_PAGE, offset=0)
            self._prefetched[("tags",)] = self.repo.tags()  # the history list shows them
        except Exception:
            return

    async def wait_prefetch(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for the prefetch to finish, in a thread: the event
        loop runs meanwhile."""
        thread = self._prefetch
        if thread is not None and thread.is_alive():
            await asyncio.to_thread(thread.join, timeout)

    def prefetched_start(
        self,
    ) -> tuple[list[ContractEntry], str | None, list[Revision], dict[str, tuple[str, ...]]] | None:
        """Everything the first screen lists, if the prefetch has already read all of it: the
        contracts, the contract shown first, its first history page and the tags, taken without
        waiting and without git. ``None`` while the prefetch runs, or when it read less (then
        the screen asks in a worker as usual)."""
        thread = self._prefetch
        if thread is None or thread.is_alive():
            return None
        found = self._prefetched
        entries = found.get(("contracts",))
        if entries is None or ("tags",) not in found:
            return None
        path = pick_initial(entries, self.select, self.repo.root)
        key = ("history", path, 0, HISTORY_PAGE)
        if path is not None and key not in found:
            return None
        revisions = found.pop(key) if path is not None else []
        return found.pop(("contracts",)), path, revisions, found.pop(("tags",))

    def _take(self, key: tuple) -> Any:
        thread = self._prefetch
        if thread is not None:
            thread.join()
        return self._prefetched.pop(key, None)

    # --- repository -------------------------------------------------------------------------

    def open(self) -> None:
        """Open the repository containing ``path``; raise ``HistoryError`` when there is none."""
        with self._open_lock:
            if self.repo is None:
                from workbench.contract.dialects import bound_memo
                from workbench.history.repo import BROWSER_BOUNDS, ContractRepo

                # a browser's bounds: memory stays flat however many revisions are browsed
                self.repo = ContractRepo.open(self.path, bounds=BROWSER_BOUNDS)
                bound_memo(BROWSER_MEMO)

    @property
    def name(self) -> str:
        return self.repo.name if self.repo is not None else self.path.name

    def close(self) -> None:
        if self._prefetch is not None:
            self._prefetch.join()
        if self.repo is not None:
            self.repo.close()

    def contracts(self) -> list[ContractEntry]:
        prefetched = self._take(("contracts",))
        if prefetched is not None:
            return prefetched
        self.open()
        return self.repo.contracts()

    def history(self, path: str, offset: int = 0, limit: int = HISTORY_PAGE) -> list[Revision]:
        prefetched = self._take(("history", path, offset, limit))
        if prefetched is not None:
            return prefetched
        return self.repo.history(path, limit=limit, offset=offset)

    def refresh(self) -> None:
        """Forget cached listings so the next calls see the disk and git as they are now."""
        self._take(("contracts",))
        self._prefetched.clear()
        if self.repo is not None:
            self.repo.clear_caches()

    # --- sides ---------------------------------------------------------------------------------

    def amendment(self, revision: Revision) -> Comparison:
        """What one revision changed: its base (previous valid content) vs the revision."""
        _, HistoryError = _errors()
        notes: list[str] = []
        try:
            base = self.repo.base(revision)
        except HistoryError as exc:
            base, notes = None, [describe(exc)]
        if revision.boundary:
            notes.append(
                f"{revision.short} is the oldest commit of this shallow clone: its previous "
                "revision was not fetched"
            )
        return Comparison(
            revision.path,
            base,
            revision,
            side_label(base, revision.path) if base is not None else "(created here)",
            side_label(revision, revision.path),
            notes,
            revision=revision,
        )

    def between(self, path: str, rev_a: str, rev_b: str) -> Comparison:
        """Any two revisions (git revisions, ``WORKTREE``, ``INDEX``) of one contract."""
        a = self.repo.revision(path, rev_a)
        b = self.repo.revision(path, rev_b)
        return Comparison(
            path, a, b, side_label(a, a.path), side_label(b, a.path), revs=(rev_a, rev_b)
        )

    def against_base(self, path: str) -> Comparison:
        """The working tree vs the merge base of the default branch (a branch review)."""
        _, HistoryError = _errors()
        branch = self.repo.default_branch()
        if branch is None:
            raise HistoryError("no default branch to compare with (no commits yet)")
        base = self.repo.merge_base(branch)
        comparison = self.between(path, base, WORKTREE)
        comparison.old_label = f"merge-base of {branch}: {comparison.old_label}"
        return comparison

    def text(self, side: Any) -> str | None:
        """The text of one side (``None`` when the contract does not exist there), with an
        artefact's secrets masked (see :meth:`ContractRepo.shown_text`)."""
        if side is None or getattr(side, "blob", None) is None:
            return None
        return self.repo.shown_text(side)

    def document(self, comparison: Comparison) -> DiffDocument:
        """The diff of the two texts, with no findings yet (fast: no parsing, no rules)."""
        self.activity += 1
        ContractError, HistoryError = _errors()
        errors = list(comparison.notes)
        texts: list[str | None] = []
        for side in (comparison.old, comparison.new):
            try:
                texts.append(self.text(side))
            except (ContractError, HistoryError, OSError) as exc:
                errors.append(f"{side_label(side)}: {describe(exc)}")
                texts.append(None)
        return DiffDocument(
            texts[0],
            texts[1],
            old_label=comparison.old_label,
            new_label=comparison.new_label,
            errors=errors,
        )

    def findings(self, comparison: Comparison) -> tuple[Any, list[Item], list[str]]:
        """The report of a comparison (engine + security review, cached by the repository) as
        findings; or the errors that prevented it (an invalid side: its text is still diffed,
        the error shows above it)."""
        self.activity += 1
        ContractError, HistoryError = _errors()
        try:
            if comparison.revision is not None:
                report = self.repo.report(comparison.revision)
            elif comparison.revs is not None:
                report = self.repo.compare(comparison.path, *comparison.revs)
            else:
                return None, [], []
        except ContractError as exc:
            return None, [], [f"invalid: {describe(exc)}"]
        except HistoryError as exc:
            return None, [], [describe(exc)]
        return report, items_from_report(report), []

    def badge(self, revision: Revision) -> Badge:
        """The verdict of one amendment for the history list (engine report, cached by blobs).

        A badge is data about one revision: whatever prevents the verdict is that revision's
        badge (``invalid``, or ``error`` with the reason), never a failure of the whole list."""
        from workbench.history.log import log_entry
        from workbench.history.logrow import SEVERITY

        self.activity += 1
        try:
            entry = log_entry(self.repo, revision)
        except Exception as exc:
            return Badge("error", error=describe(exc))
        # the compact row, not the report: a badge never unpickles a whole report, so browsing a
        # long history keeps no report in memory it does not show
        row, bump = entry.row, entry.bump
        if row is None or bump is None:
            return Badge("invalid" if entry.invalid else "error", error=entry.error or "")
        counts = entry.counts
        gate, security = entry.gate, entry.security
        needs, got, ok = bump
        return Badge(
            row[SEVERITY] or "none",
            counts.get("weakens", 0),
            fails=bool(gate and gate.fails),
            gate=gate.sentence if gate else "",
            security=counts.get("security", 0),
            security_text=security.describe() if security else "",
            needs=needs,
            got=got,
            bump_ok=ok,
        )

    def signals(self, paths: list[str]) -> Signals:
        """Cheap signals of a change made outside the app (another editor, ``git checkout``,
        a script): the commit HEAD names, the stat of HEAD and of the index, the stat of
        each listed contract file, and the contract files and folders beside and above them
        (a new contract). No git process, no parsing: files' metadata only."""
        from workbench.history.gitio import read_head_ref

        if self.repo is None:
            return Signals((), ())
        git_dir = Path(self.repo.git.git_dir)
        head: list[object] = [read_head_ref(git_dir), _stat(git_dir / "HEAD")]
        head.append(_stat(git_dir / "index"))
        root = self.repo.root
        if root is None:
            return Signals(tuple(head), ())
        head.extend(_stat(root / path) for path in paths)
        return Signals(tuple(head), _folder_entries(root, paths, self.repo.listing.selected()))

    def tags(self) -> dict[str, tuple[str, ...]]:
        """Commit sha -> the tags pointing at it."""
        self.open()
        return self.repo.tags()

    @property
    def fail_on(self) -> str:
        """The repository policy's security threshold (what the security count uses)."""
        return self.repo.policy.fail_on if self.repo is not None else "high"


# a folder read by the watch: its path, its contract files (None: unreadable), its folders
FolderEntry = tuple[str, tuple[str, ...] | None, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Signals:
    """What :meth:`Backend.signals` read: ``files`` (HEAD, the index, the listed contract
    files) and ``folders`` (each folder read: its contract files and its folders)."""

    files: tuple
    folders: tuple[FolderEntry, ...]

    def folders_differ(self, other: Signals) -> bool:
        """Whether a folder read both times changed in between: compared across two lists of
        contracts (the files' stats cannot be), so a contract added while the list was read
        again is not taken for part of the new list."""
        mine = {entry[0]: entry for entry in self.folders}
        return any(mine.get(entry[0], entry) != entry for entry in other.folders)


def _folder_entries(
    root: Path, paths: list[str], selected: Callable[[str], bool]
) -> tuple[FolderEntry, ...]:
    """The files the settings select as contracts, and the folders, in each folder holding a
    listed contract and in each folder above it up to the root; and the contract files in the
    folders inside those: a contract added beside the others, or in a new folder among theirs,
    changes this (an editor's swap or backup file does not). Folder reads only, no git."""
    watched: set[str] = set()
    for path in paths:
        folder = posixpath.dirname(path)
        while folder not in watched:
            watched.add(folder)
            if not folder:
                break
            folder = posixpath.dirname(folder)
    out: list[FolderEntry] = []
    for folder in sorted(watched):
        files, folders = _scan(root, folder, selected)
        out.append((folder, files, tuple(folders)))
        for name in folders:  # a folder holding no listed contract: its contract files
            inner = posixpath.join(folder, name) if folder else name
            if inner not in watched:
                out.append((inner, _scan(root, inner, selected)[0], ()))
    return tuple(out)


def _scan(
    root: Path, folder: str, selected: Callable[[str], bool]
) -> tuple[tuple[str, ...] | None, list[str]]:
    """The selected files of one folder (``None``: unreadable) and its folders."""
    files: list[str] = []
    folders: list[str] = []
    try:
        with os.scandir(root / folder) as entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    is_dir = False
                if is_dir:
                    if entry.name != ".git":
                        folders.append(entry.name)
                elif selected(posixpath.join(folder, entry.name) if folder else entry.name):
                    files.append(entry.name)
    except OSError:
        return None, []
    return tuple(sorted(files)), sorted(folders)


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def side_label(side: Any, path: str | None = None) -> str:
    """``abc1234`` (with ``:old/path.yaml`` when the file had another name there)."""
    if side is None:
        return "(none)"
    rev = getattr(side, "rev", "")
    short = rev if rev in (WORKTREE, INDEX) else rev[:7]
    version = getattr(side, "version", "")
    label = f"{short} {version}" if version else short
    return label if path is None or side.path == path else f"{label}:{side.path}"
