"""How each contract got here: its revisions, newest first, following renames.

A contract's history is one ``git log --follow`` stream read a page at a time (:class:`Walk`);
the uncommitted draft sits on top as the pseudo-revisions ``INDEX`` (staged) and ``WORKTREE``
(unstaged). :class:`Walker` keeps the open walks, builds revisions from log records and from
``git status``, finds where a contract was at any revision (under its former names too), and
what came before a revision (:meth:`Walker.parent_of`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from workbench.contract.files import read_regular
from workbench.history.cache import BlobCache, DiskCache
from workbench.history.errors import HistoryError
from workbench.history.gitio import (
    GitRepo,
    LogCommit,
    LogStream,
    RawChange,
    StatusEntry,
    blob_sha,
    parse_raw_diff,
    parse_status,
)
from workbench.history.globs import PathFilter
from workbench.history.listing import Identities, worktree_status
from workbench.history.model import (
    INDEX,
    WORKTREE,
    ChangeType,
    ParentRef,
    Revision,
    RevisionKind,
)

Side = Revision | ParentRef

_CHANGE: dict[str, ChangeType] = {
    "A": "added",
    "M": "modified",
    "R": "renamed",
    "C": "copied",
    "D": "deleted",
    "T": "typechange",
}
BATCH = 64  # commits whose blobs are fetched together while listing
ALL_HISTORY_BATCH = 64  # contract file changes of the all-contracts log identified together
MAX_WALKS = 32  # contract histories kept open at once
WALK_FORMAT = 1  # the layout of a stored walk's records (see WalkStore)
PACKED_REFS_READ = 1 << 20  # a packed-refs file up to this size is read for replacement refs


class Walk:
    """One contract's commit history, read lazily from a single ``git log --follow`` stream."""

    def __init__(self, walker: Walker, path: str, ref: str, pseudo: list[Revision]):
        self.walker = walker
        self.path = path
        self.ref = ref
        self.items: list[Revision] = list(pseudo)
        self.done = False
        self.error: str | None = None
        self._log: LogStream | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._drafts = len(pseudo)  # the pseudo-revisions on top of the commits
        # the walk stored by an earlier run for this tip (records not yet made revisions),
        # whether it was the whole history, and how many commits git gave this walk
        self._stored: list[tuple] | None = None
        self._stored_whole = False
        self._recalled = False
        self._signature: str | None = None
        self._kept = 0  # commits in the stored entry
        self._read_from_git = 0

    def put_drafts(self, pseudo: list[Revision]) -> None:
        """Put the ``INDEX``/``WORKTREE`` revisions on top (before any commit is read)."""
        self.items[:0] = pseudo
        self._drafts += len(pseudo)

    def begin(self) -> None:
        """Take the walk an earlier run stored for this tip, else start ``git log`` (git
        starts walking while the caller examines the drafts)."""
        if not self._recall():
            self.start()

    def start(self) -> None:
        """Start the ``git log`` process (reading waits for the first page to be asked)."""
        if self._log is None and not self.done and not self._closed:
            self._log = self.walker.git.log(self.ref, self.path, follow=True)

    def _recall(self) -> bool:
        """Whether a stored walk of this path from this tip was found (looked up once)."""
        if not self._recalled:
            self._recalled = True
            store = self.walker.store
            if store is not None and self.ref and self._log is None:
                self._signature = store.signature(self.ref)
                found = store.load(self.path, self._signature)
                if found is not None:
                    self._stored, self._stored_whole = found
                    self._kept = len(self._stored)
        return self._stored is not None

    def _take(self, count: int | None) -> bool:
        """Make revisions of the stored records until ``count`` items are known; whether
        that answered the request (``False``: the stored part of the history is too short,
        or unreadable, and git must walk it again)."""
        stored = self._stored
        assert stored is not None
        have = len(self.items) - self._drafts
        end = len(stored) if count is None else min(len(stored), max(count - self._drafts, 0))
        try:
            self.items.extend(map(self.walker.stored_revision, stored[have:end]))
        except (TypeError, ValueError):  # a damaged entry: walk again
            return False
        if end == len(stored) and self._stored_whole:
            self.done = True
            self._stored = None  # every record is a revision now
            return True
        return count is not None and len(self.items) >= count

    def fill(self, count: int | None) -> None:
        """Read until ``count`` items are known (all of them for ``None``) or history ends.

        Commits are taken in small batches whose blobs (for the versions) are read in one
        pipelined round trip, while git keeps writing the log into its pipe.
        """
        with self._lock:
            if self.done:
                return
            if self._log is None and not self._closed and self._recall():
                if self._take(count):
                    return
                # not stored far enough (or damaged): git walks the history again
                del self.items[self._drafts :]
                self._stored = None
            self.walker.identities.recall(self.path)
            self.start()
            if self._log is None:  # closed while another thread was reading it
                self.done = True
                return
            walker = self.walker
            while count is None or len(self.items) < count:
                want = BATCH if count is None else min(BATCH, count - len(self.items))
                batch: list[tuple[LogCommit, RawChange]] = []
                exhausted = stopped = False
                while len(batch) < want:
                    commit = next(self._log, None)
                    if commit is None:
                        exhausted = True
                        break
                    change = pick_change(commit.changes, self.path)
                    if change is None:
                        continue
                    if change.status == "C" and not walker.same_contract(change):
                        # git follows copies too; a contract created from a copy of another
                        # one starts here (older commits are the other contract's history)
                        batch.append((commit, change.replace(old_blob=None)))
                        exhausted = stopped = True
                        break
                    batch.append((commit, change))
                walker.identities.prefetch([ch.new_blob or ch.old_blob for _, ch in batch])
                self.items.extend(walker.change_revision(c, ch) for c, ch in batch)
                self._read_from_git += len(batch)
                if exhausted:
                    self._finish(stopped)
                    return

    def _finish(self, stopped: bool = False) -> None:
        self.done = True
        log, self._log = self._log, None
        if log is None:
            return
        if stopped:  # we stopped reading (a copy of another contract): git may still walk
            log.close()
        else:
            self.error = log.finish()
        if self.error is None:  # the whole history: the next listing reads no blob
            self.walker.identities.remember(self.path, self._identified())
            self._store(whole=True)

    def _store(self, *, whole: bool) -> None:
        """Keep what git gave for the next run (a part only when it is more than was kept)."""
        store = self.walker.store
        if store is None or self._signature is None or self.error is not None:
            return
        commits = self.items[self._drafts :]
        if not commits or (not whole and (not self._read_from_git or len(commits) <= self._kept)):
            return
        store.save(self.path, self._signature, commits, whole, self.walker.commit_dates)

    def _identified(self) -> set[str]:
        """The blobs the commits' versions and ids came from."""
        blobs: set[str] = set()
        for item in self.items:
            blob = item.blob or (item.parent.blob if item.parent else None)
            if item.kind == "commit" and blob:
                blobs.add(blob)
        return blobs

    def close(self) -> None:
        self._closed = True
        log, self._log = self._log, None
        if log is not None:
            log.close()
            if not self.done and self._read_from_git:
                self._store(whole=False)  # the pages read: a later short log needs no git


class Walker:
    """Histories of contracts: paged walks, drafts, renames, and single revisions."""

    def __init__(
        self,
        git: GitRepo,
        identities: Identities,
        selected: Callable[[], PathFilter],
        blobs: BlobCache,
        disk_cache: DiskCache | None = None,
    ):
        self.git = git
        self.identities = identities
        self._selected = selected
        self.blobs = blobs  # contents by blob sha as last read (working-tree files too)
        # committed walks kept between runs (a warm log runs no ``git log``)
        self.store = WalkStore(git, disk_cache) if disk_cache is not None else None
        self._walks: dict[tuple[str, str], Walk] = {}
        self._lock = threading.Lock()
        self._shallow: frozenset[str] | None = None
        # the committer date of each commit with at most one parent listed so far, by sha and
        # the path it changed: the last commit to change that path up to it is itself
        # (``Judge.committed``)
        self.commit_dates: dict[tuple[str, str], str] = {}

    def close(self) -> None:
        """Stop every ``git log`` a walk started."""
        with self._lock:
            walks, self._walks = list(self._walks.values()), {}
        for walk in walks:
            walk.close()

    # --- paged histories ------------------------------------------------------------------

    def walk(self, path: str, ref: str, *, fresh: bool) -> Walk:
        """The walk of ``path`` from ``ref`` (the open one unless ``fresh``), drafts on top
        for ``HEAD``; a staged rename continues the history of the old name."""
        rel = self.git.relpath(path)
        if not rel:
            raise HistoryError(f"{path}: a contract file path is required")
        head = self.git.head()
        tip = head if ref == "HEAD" else self.git.resolve(ref)
        key = (rel, tip or "")
        with self._lock:
            walk = self._walks.get(key)
            if walk is not None and not fresh:
                return walk
        walk = Walk(self, rel, tip or "", [])
        if tip is None:
            walk.done = True  # no commits yet: only the draft
        else:
            walk.begin()  # stored, or git starts walking while the drafts are examined
        if ref == "HEAD":
            pseudo, log_path = self.drafts(rel, head)
            walk.put_drafts(pseudo)
            if log_path != rel and tip is not None:  # a staged rename: follow the old name
                walk.close()
                walk = Walk(self, log_path, tip, pseudo)
        with self._lock:
            old = self._walks.pop(key, None)
            self._walks[key] = walk
            while len(self._walks) > MAX_WALKS:
                self._walks.pop(next(iter(self._walks))).close()
        if old is not None:
            old.close()
        return walk

    def history(
        self, path: str, *, limit: int | None = None, offset: int = 0, ref: str = "HEAD"
    ) -> list[Revision]:
        """See :meth:`workbench.history.repo.ContractRepo.history`."""
        if offset < 0 or (limit is not None and limit < 0):
            raise HistoryError("offset and limit must not be negative")
        walk = self.walk(path, ref, fresh=offset == 0)
        walk.fill(None if limit is None else offset + limit)
        if walk.error and not walk.items:
            raise HistoryError(walk.error)
        end = None if limit is None else offset + limit
        return walk.items[offset:end]

    def iter_history(self, path: str, *, ref: str = "HEAD", page: int = 100) -> Iterator[Revision]:
        """Every revision of one contract, read a page at a time as the caller advances."""
        offset = 0
        while True:
            items = self.history(path, limit=page, offset=offset, ref=ref)
            yield from items
            if len(items) < page:
                return
            offset += page

    def iter_all_history(self, *, ref: str = "HEAD") -> Iterator[Revision]:
        """See :meth:`workbench.history.repo.ContractRepo.iter_all_history`."""
        selected = self._selected()
        head = self.git.head()
        tip = head if ref == "HEAD" else self.git.resolve(ref)
        is_contract = self.identities.is_contract
        if ref == "HEAD" and self.git.root is not None:
            status = worktree_status(self.git)
            me = self.draft_identity()
            drafts: list[Revision] = []
            for path in sorted(status):
                if not selected(path):
                    continue
                for revision in self.drafts(path, head, status, me)[0]:
                    if is_contract(revision.blob) or is_contract(
                        revision.parent.blob if revision.parent else None
                    ):
                        drafts.append(revision)
            drafts.sort(key=lambda r: (r.kind != "worktree", r.path))
            yield from drafts
        if tip is None:
            return
        # the identities of each batch's blobs come from the disk (the stored identities of
        # each path's history) or from one pipelined read, not one read per blob; a log read
        # to its end stores what it identified for the next run
        seen: dict[str, set[str]] = {}
        pending: list[tuple[LogCommit, RawChange]] = []
        with self.git.log(tip, renames=True) as log:
            for commit in log:
                for change in sorted(commit.changes, key=lambda c: c.new_path):
                    if change.new_mode == "160000" or change.old_mode == "160000":
                        continue
                    if selected(change.new_path) or selected(change.old_path):
                        pending.append((commit, change))
                if len(pending) >= ALL_HISTORY_BATCH:
                    yield from self._identified(pending, seen)
                    pending = []
            yield from self._identified(pending, seen)
        for path, blobs in seen.items():
            self.identities.remember(path, blobs)

    def _identified(
        self, pending: list[tuple[LogCommit, RawChange]], seen: dict[str, set[str]]
    ) -> Iterator[Revision]:
        """The revisions of the contract changes among ``pending`` (a batch of the log)."""
        identities = self.identities
        for _, change in pending:
            for path in (change.new_path, change.old_path):
                if path:
                    identities.recall(path)
        identities.prefetch([b for _, ch in pending for b in (ch.new_blob, ch.old_blob)])
        is_contract = identities.is_contract
        for commit, change in pending:
            # every selected file's blobs, contracts or not: a file that is not one is not
            # read again either
            blobs = seen.setdefault(change.new_path or change.old_path, set())
            blobs.update(b for b in (change.new_blob, change.old_blob) if b)
            if is_contract(change.new_blob) or is_contract(change.old_blob):
                yield self.change_revision(commit, change)

    # --- revisions from log records -------------------------------------------------------

    def _shallow_commits(self) -> frozenset[str]:
        if self._shallow is None:
            try:
                text = (self.git.git_dir / "shallow").read_text()
            except OSError:
                text = ""
            self._shallow = frozenset(text.split())
        return self._shallow

    def change_revision(self, commit: LogCommit, change: RawChange) -> Revision:
        """The revision one commit made of one file (its version from the blob's identity)."""
        first_parent = commit.parents[0] if commit.parents else None
        if len(commit.parents) <= 1 and commit.committed:
            self.commit_dates[(commit.sha, change.new_path)] = commit.committed
        boundary = first_parent is None and commit.sha in self._shallow_commits()
        parent = None
        if first_parent is not None and not (change.status == "C" and change.old_blob is None):
            parent = ParentRef(first_parent, change.old_path, change.old_blob)
        kind = _CHANGE.get(change.status, "modified")
        if boundary:
            kind = "modified"
        version, cid, doc_kind = "", "", "contract"
        if change.new_blob:
            meta = self.identities.of(change.new_blob)
            if meta is not None:
                version, cid = meta.version, meta.id_at(change.new_path)
                doc_kind = meta.kind_at(change.new_path)
        elif change.old_blob:
            meta = self.identities.of(change.old_blob)
            cid = meta.id_at(change.new_path) if meta else ""
            doc_kind = meta.kind_at(change.new_path) if meta else "contract"
        return Revision(
            kind="commit",
            rev=commit.sha,
            path=change.new_path,
            blob=change.new_blob,
            parent=parent,
            change=kind,
            version=version,
            contract_id=cid,
            author_name=commit.author_name,
            author_email=commit.author_email,
            date=_parse_date(commit.date),
            subject=commit.subject,
            parents=commit.parents,
            boundary=boundary,
            doc_kind=doc_kind,
        )

    def stored_revision(self, record: tuple) -> Revision:
        """The revision a stored record (:meth:`WalkStore.save`) describes; the commit's date
        is remembered as :meth:`change_revision` remembers it."""
        (rev, path, blob, parent, change, version, cid, name, email, date, subject, parents,
         boundary, doc_kind, committed) = record  # fmt: skip
        if committed:
            self.commit_dates[(rev, path)] = committed
        return Revision(
            kind="commit",
            rev=rev,
            path=path,
            blob=blob,
            parent=None if parent is None else ParentRef(*parent),
            change=change,
            version=version,
            contract_id=cid,
            author_name=name,
            author_email=email,
            date=None if date is None else dt.datetime.fromisoformat(date),
            subject=subject,
            parents=parents,
            boundary=boundary,
            doc_kind=doc_kind,
        )

    def parent_of(self, side: Side) -> Side | None:
        """The content before ``side``: for a commit, the parent side of the commit that
        introduced that content; for a draft, the contract at HEAD."""
        if side.rev in (WORKTREE, INDEX):
            head = self.git.head()
            return self.revision(side.path, head) if head else None
        with self.git.log(side.rev, side.path, follow=True, limit=1) as log:
            commit = next(log, None)
        if commit is None:
            return None
        change = pick_change(commit.changes, side.path)
        return None if change is None else self.change_revision(commit, change).parent

    # --- renames ----------------------------------------------------------------------------

    def same_contract(self, change: RawChange) -> bool:
        """Whether a copy carries the same contract id as its source (a two-step move)."""
        of = self.identities.of
        old = of(change.old_blob) if change.old_blob else None
        new = of(change.new_blob) if change.new_blob else None
        if old is None or new is None or old.kind != new.kind:
            return False
        # an artefact names no id of its own: the same kind and title is the same artefact
        return old.title == new.title if old.artefact else old.id == new.id

    def revision(self, path: str, rev: str) -> ParentRef:
        """See :meth:`workbench.history.repo.ContractRepo.revision`."""
        rel = self.git.relpath(path)
        if rev in (WORKTREE, INDEX) and self.git.root is None:
            raise HistoryError(f"{rev}: a bare repository has no working tree or index")
        if rev == WORKTREE:
            assert self.git.root is not None
            try:
                raw = read_regular(self.git.root / rel)
            except FileNotFoundError:
                return ParentRef(WORKTREE, rel, None)
            except OSError as exc:
                raise HistoryError(f"{rel}: cannot read: {exc.strerror or exc}") from None
            blob = blob_sha(raw)
            self.blobs.put(blob, raw)
            return ParentRef(WORKTREE, rel, blob)
        if rev == INDEX:
            return ParentRef(INDEX, rel, self.git.index_entry(rel))
        sha = self.git.resolve(rev)
        found = self.git.tree_entry(sha, rel)
        if found is not None and found[0] == "blob":
            return ParentRef(sha, rel, found[1])
        lineage: set[str] | None = None
        for name in self._former_names(rel):
            found = self.git.tree_entry(sha, name)
            if found is None or found[0] != "blob":
                continue
            if lineage is None:
                lineage = self._lineage_blobs(rel)
            if found[1] in lineage:  # the same contract under its old name, not a namesake
                return ParentRef(sha, name, found[1])
        return ParentRef(sha, rel, None)

    def _lineage_blobs(self, rel: str) -> set[str]:
        """Every content the contract at ``rel`` has had along its followed history."""
        walk = self.walk(rel, "HEAD", fresh=False)
        walk.fill(None)
        blobs = {item.blob for item in walk.items if item.blob}
        blobs |= {item.parent.blob for item in walk.items if item.parent and item.parent.blob}
        return blobs

    def _former_names(self, rel: str) -> list[str]:
        """The names a contract had before its renames, newest first."""
        if self.git.head() is None:
            return []
        walk = self.walk(rel, "HEAD", fresh=False)
        walk.fill(None)
        names: list[str] = []
        for item in walk.items:
            for name in (item.path, item.parent.path if item.parent else None):
                if name and name != rel and name not in names:
                    names.append(name)
        return names

    # --- drafts -----------------------------------------------------------------------------

    def drafts(
        self,
        path: str,
        head: str | None,
        status: dict[str, StatusEntry] | None = None,
        me: tuple[str, str] | None = None,
    ) -> tuple[list[Revision], str]:
        """The ``WORKTREE``/``INDEX`` revisions of ``path`` and the path its commits use
        (``me``: the draft author, when a listing of many paths already asked git)."""
        if self.git.root is None:
            return [], path
        if status is None:
            status = self._path_status(path, head)
        entry = status.get(path)
        if entry is None:
            return [], path
        log_path = entry.orig if entry.x in ("R", "C") and entry.orig else path
        me = me or self.draft_identity()
        result: list[Revision] = []
        head_ref = None
        if head is not None and entry.head_blob is not None:
            head_ref = ParentRef(head, log_path, entry.head_blob)
        elif head is not None and entry.x in ("R", "C") and entry.orig:
            orig_entry = self.git.tree_entry(head, entry.orig)
            if orig_entry is not None:
                head_ref = ParentRef(head, entry.orig, orig_entry[1])
        if head is not None and head_ref is None and entry.x in (".", "M", "D", "T"):
            found = self.git.tree_entry(head, path)
            if found is not None:
                head_ref = ParentRef(head, path, found[1])
        index_ref = head_ref
        if not entry.untracked and entry.x != ".":
            blob = None if entry.x == "D" else entry.index_blob
            change: ChangeType = (
                "deleted"
                if blob is None
                else "added"
                if head_ref is None
                else _CHANGE.get(entry.x, "modified")
            )
            index_file = self.git.git_dir / "index"
            result.append(
                self._draft("index", path, blob, None, head_ref, change, index_file, head, me)
            )
            index_ref = ParentRef(INDEX, path, blob)
        if entry.untracked or entry.y != ".":
            raw = None
            target = self.git.root / path
            with contextlib.suppress(OSError):
                raw = read_regular(target)
            blob = blob_sha(raw) if raw is not None else None
            if raw is not None and blob is not None:
                self.blobs.put(blob, raw)
            parent = None if entry.untracked else index_ref
            if parent is not None and parent.blob is None:
                parent = None if entry.x != "D" else parent
            change = (
                "deleted"
                if blob is None
                else "added"
                if parent is None or parent.blob is None
                else "modified"
            )
            result.insert(
                0, self._draft("worktree", path, blob, raw, parent, change, target, head, me)
            )
        return result, log_path

    def _draft(
        self,
        kind: RevisionKind,
        path: str,
        blob: str | None,
        raw: bytes | None,
        parent: ParentRef | None,
        change: ChangeType,
        stamp: Path,
        head: str | None,
        me: tuple[str, str],
    ) -> Revision:
        """The ``INDEX`` or ``WORKTREE`` pseudo-revision of ``path``, dated by the file
        ``stamp`` (the index file, or the working-tree file)."""
        meta = self.identities.of(blob, raw) if blob else None
        return Revision(
            kind=kind,
            rev=INDEX if kind == "index" else WORKTREE,
            path=path,
            blob=blob,
            parent=parent,
            change=change,
            version=meta.version if meta else "",
            contract_id=meta.id_at(path) if meta else "",
            doc_kind=meta.kind_at(path) if meta else "contract",
            author_name=me[0],
            author_email=me[1],
            date=_mtime(stamp),
            subject=f"{'Staged' if kind == 'index' else 'Unstaged'} changes (not committed)",
            parents=(head,) if head else (),
        )

    def _path_status(self, path: str, head: str | None) -> dict[str, StatusEntry]:
        """``git status`` of one path (no scan of the whole working tree); a file added to the
        index is checked against HEAD's files for a staged rename."""
        status = parse_status(
            self.git.run("status", "--porcelain=v2", "-z", "--untracked-files=all", "--", path)
        )
        entry = status.get(path)
        if entry is not None and entry.x == "A" and head is not None:
            out = self.git.run("diff", "--cached", "-M", "-z", "--raw", "--no-abbrev", head)
            for change in parse_raw_diff(out):
                if change.status in ("R", "C") and change.new_path == path:
                    status[path] = entry.replace(
                        x=change.status, orig=change.old_path, head_blob=change.old_blob
                    )
                    break
        return status

    def draft_identity(self) -> tuple[str, str]:
        """The author drafts are shown with (``git config user.name``/``user.email``)."""
        name = self.git.run("config", "--get", "user.name", check=False).strip()
        email = self.git.run("config", "--get", "user.email", check=False).strip()
        return name.decode("utf-8", "replace"), email.decode("utf-8", "replace")


class WalkStore:
    """Committed histories kept between runs, so a warm log runs no ``git log --follow``.

    One disk entry per repository and path (overwritten, so entries do not pile up as HEAD
    moves), holding the records of the commits a walk listed, newest first, and whether they
    are the whole history or only its first pages. The entry's head names what the records
    were computed from (:meth:`signature`): the tip commit, and everything else that can
    change what ``git log --follow`` answers for the same tip (the shallow boundary, grafts and
    replacement refs, git's configuration files and environment, the git program, and the code
    that reads the log); any difference is a miss, and the walk is read from git again and
    stored anew. A content's identity (its version, id and kind) is the sniffer's, whose code
    names the cache directory. Drafts are never stored: they are examined on every run.
    """

    _CODE = ("walk.py", "gitio.py", "model.py", "listing.py")  # what shapes a stored record
    _ENV = (
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_COMMON_DIR",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_NAMESPACE",
        "GIT_NO_REPLACE_OBJECTS",
        "GIT_REPLACE_REF_BASE",
        "GIT_GRAFT_FILE",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_SYSTEM",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "GIT_EXEC_PATH",
        "HOME",
        "XDG_CONFIG_HOME",
    )

    def __init__(self, git: GitRepo, disk_cache: DiskCache):
        self.git = git
        self.disk_cache = disk_cache

    def _key(self, path: str) -> str:
        return f"walk:{self.git.git_dir}:{path}"

    def signature(self, tip: str) -> str:
        """What a walk from ``tip`` depends on besides the path, as one string."""
        git_dir = os.fspath(self.git.git_dir)
        common = git_dir
        with contextlib.suppress(OSError, UnicodeDecodeError):
            with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as fh:
                pointer = fh.read().strip()
            if pointer:
                common = os.path.normpath(os.path.join(git_dir, pointer))
        h = hashlib.sha256(f"{WALK_FORMAT}\0{tip}\0".encode())
        for name in (os.path.join(git_dir, "shallow"), os.path.join(common, "shallow")):
            h.update(_read_bytes(name) or b"-")
        replace = os.path.join(common, "refs", "replace")
        with contextlib.suppress(OSError), os.scandir(replace) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                h.update(entry.name.encode() + b"=" + (_read_bytes(entry.path) or b"-"))
        packed_refs = os.path.join(common, "packed-refs")
        try:
            size = os.stat(packed_refs).st_size
        except OSError:
            size = 0
        if size > PACKED_REFS_READ:  # a huge ref store: any change to it is a miss
            h.update(_stamp(packed_refs))
        elif size:  # only its replacement refs matter
            packed = _read_bytes(packed_refs) or b""
            h.update(b"".join(ln for ln in packed.splitlines() if b"refs/replace/" in ln))
        config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
        files = [
            os.path.join(common, "config"),
            os.path.join(git_dir, "config.worktree"),
            os.path.join(common, "info", "grafts"),
            os.path.expanduser("~/.gitconfig"),
            os.path.join(config_home, "git", "config"),
            "/etc/gitconfig",
        ]
        here = os.path.dirname(os.path.abspath(__file__))
        files += [os.path.join(here, name) for name in self._CODE]
        # the git program itself: another release may follow renames otherwise
        program = _on_path("git")
        h.update(f"git={program}\0".encode())
        if program is not None:
            files.append(os.path.realpath(program))
        for name in files:
            h.update(_stamp(name))
        for var in self._ENV:
            h.update(f"{var}={os.environ.get(var, '')}\0".encode())
        for var in sorted(os.environ):
            if var.startswith("GIT_CONFIG_KEY_") or var.startswith("GIT_CONFIG_VALUE_"):
                h.update(f"{var}={os.environ[var]}\0".encode())
        return h.hexdigest()

    def load(self, path: str, signature: str) -> tuple[list[tuple], bool] | None:
        """The records stored for ``path`` under ``signature`` and whether they are the
        whole history; ``None`` for a miss (nothing stored, another state, a damaged entry)."""
        stored = self.disk_cache.get_if(
            self._key(path), lambda head: head == (WALK_FORMAT, signature), tuple
        )
        if (
            not isinstance(stored, tuple)
            or len(stored) != 2
            or not isinstance(stored[0], list)
            or not isinstance(stored[1], bool)
            or not all(isinstance(r, tuple) and len(r) == _RECORD_FIELDS for r in stored[0])
        ):
            return None
        return stored[0], stored[1]

    def save(
        self,
        path: str,
        signature: str,
        commits: list[Revision],
        whole: bool,
        dates: dict[tuple[str, str], str],
    ) -> None:
        """Store the records of ``commits`` (newest first; ``whole``: the entire history)
        with the committer ``dates`` the walk listed (``Walker.commit_dates``)."""
        same: dict[object, object] = {}  # one copy of each repeated string, in the file too

        def one(value: object) -> object:
            return same.setdefault(value, value)

        records: list[tuple] = []
        for r in commits:
            if r.kind != "commit":
                return  # never a draft
            parent = r.parent
            committed = dates.get((r.rev, r.path), "")
            records.append(
                (
                    r.rev,
                    one(r.path),
                    r.blob,
                    None if parent is None else (parent.rev, one(parent.path), parent.blob),
                    one(r.change),
                    one(r.version),
                    one(r.contract_id),
                    one(r.author_name),
                    one(r.author_email),
                    None if r.date is None else r.date.isoformat(),
                    r.subject,
                    r.parents,
                    r.boundary,
                    one(r.doc_kind),
                    committed,
                )
            )
        self.disk_cache.put(self._key(path), (records, whole), head=(WALK_FORMAT, signature))


_RECORD_FIELDS = 15


def _read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def _on_path(name: str) -> str | None:
    """The program ``name`` as running it finds it on ``PATH`` (``shutil.which`` without the
    import: its archive modules cost a warm log 3 ms)."""
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        candidate = os.path.join(folder or os.curdir, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _stamp(path: str) -> bytes:
    """A file's size and modification time (``-`` when absent): an edit changes them."""
    try:
        st = os.stat(path)
    except OSError:
        return b"-\0"
    return f"{st.st_size}:{st.st_mtime_ns}\0".encode()


def pick_change(changes: list[RawChange], path: str) -> RawChange | None:
    """The raw change of interest in a ``--follow`` log entry (git tracks renames for us)."""
    if not changes:
        return None
    if len(changes) == 1:
        return changes[0]
    for change in changes:
        if change.new_path == path or change.old_path == path:
            return change
    return changes[0]


def _parse_date(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _mtime(path: Path) -> dt.datetime | None:
    try:
        stamp = path.stat().st_mtime
    except OSError:
        return None
    return dt.datetime.fromtimestamp(stamp, dt.UTC).astimezone()
