"""The contract repository: which contracts exist, how each got here, and what each amendment did.

``ContractRepo.open(path)`` wraps one git repository. ``contracts()`` finds every contract file
(tracked, plus new untracked ones) and the state of its draft; ``history(path)`` lists the
commits that changed one contract, newest first and following renames, with the staged (``INDEX``)
and unstaged (``WORKTREE``) drafts on top; ``report(revision)`` judges one amendment against the
previous content; ``compare(path, a, b)`` any two revisions.

Listings stream from one ``git log`` process and are paged: asking for a page reads only as far
as that page. Blobs come through the persistent ``cat-file --batch`` process. Parsed contracts
and reports are cached by blob sha in memory, and reports on disk too (see ``cache.py``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import subprocess
import threading
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.config import CONFIG_NAME, Config, load_config, parse_config
from workbench.contract.errors import ContractError, Problem
from workbench.contract.loader import load_contract_bytes
from workbench.contract.model import Contract
from workbench.contract.yamlsrc import read_regular
from workbench.history.cache import LRU, DiskCache
from workbench.history.errors import HistoryError
from workbench.history.gitio import (
    LOG_FORMAT,
    GitRepo,
    LogCommit,
    RawChange,
    StatusEntry,
    blob_sha,
    iter_log,
    parse_raw_diff,
    parse_status,
    parse_tree_listing,
    release,
)
from workbench.history.globs import PathFilter
from workbench.history.meta import ContractMeta, sniff
from workbench.history.model import (
    INDEX,
    WORKTREE,
    ChangeType,
    ContractEntry,
    DraftState,
    ParentRef,
    Revision,
    RevisionKind,
)

if TYPE_CHECKING:
    from workbench.engine.model import DiffReport
    from workbench.security.policy import Policy

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
MAX_INVALID_SKIP = 64  # how far back a report looks for a valid predecessor


@dataclass(slots=True)
class _Snapshot:
    """What the draft looked like when a listing started (status, HEAD, index)."""

    head: str | None
    status: dict[str, StatusEntry]


class _Walk:
    """One contract's commit history, read lazily from a single ``git log --follow`` stream."""

    def __init__(self, repo: ContractRepo, path: str, ref: str, pseudo: list[Revision]):
        self.repo = repo
        self.path = path
        self.ref = ref
        self.items: list[Revision] = list(pseudo)
        self.done = False
        self.error: str | None = None
        self._proc: subprocess.Popen | None = None
        self._commits: Iterator[LogCommit] | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the ``git log`` process (reading waits for the first page to be asked)."""
        if self._proc is not None or self.done:
            return
        self._proc = self.repo.git.popen(
            "log",
            "--follow",
            "-z",
            "--raw",
            "--no-abbrev",
            "--no-color",
            "--diff-merges=first-parent",
            f"--format={LOG_FORMAT}",
            "--end-of-options",
            self.ref,
            "--",
            self.path,
        )
        assert self._proc.stdout is not None
        self._commits = iter_log(self._proc.stdout)  # lazy: nothing is read yet

    def fill(self, count: int | None) -> None:
        """Read until ``count`` items are known (all of them for ``None``) or history ends.

        Commits are taken in small batches whose blobs (for the versions) are read in one
        pipelined round trip, while git keeps writing the log into its pipe.
        """
        with self._lock:
            if self.done:
                return
            if self._commits is None:
                self.start()
            assert self._commits is not None
            while count is None or len(self.items) < count:
                want = BATCH if count is None else min(BATCH, count - len(self.items))
                batch: list[tuple[LogCommit, RawChange]] = []
                exhausted = stopped = False
                while len(batch) < want:
                    commit = next(self._commits, None)
                    if commit is None:
                        exhausted = True
                        break
                    change = _pick_change(commit.changes, self.path)
                    if change is None:
                        continue
                    if change.status == "C" and not self.repo._same_contract(change):
                        # git follows copies too; a contract created from a copy of another
                        # one starts here (older commits are the other contract's history)
                        batch.append((commit, replace(change, old_blob=None)))
                        exhausted = stopped = True
                        break
                    batch.append((commit, change))
                self.repo._prefetch_meta([ch.new_blob or ch.old_blob for _, ch in batch])
                self.items.extend(self.repo._change_revision(c, ch) for c, ch in batch)
                if exhausted:
                    self._finish(stopped)
                    return

    def _finish(self, stopped: bool = False) -> None:
        self.done = True
        proc = self._proc
        if proc is None:
            return
        if stopped:  # we stopped reading (a copy of another contract): git may still walk
            self.close()
            return
        assert proc.stderr is not None
        err = proc.stderr.read().decode("utf-8", "replace").strip()
        if proc.wait() != 0 and err:
            self.error = err.splitlines()[0].removeprefix("fatal: ")
        self.close()

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            _reap(proc)


class ContractRepo:
    """A git repository seen as a set of authentication contracts with their history."""

    def __init__(self, git: GitRepo, *, disk_cache: DiskCache | None = None):
        self.git = git
        self.disk_cache = disk_cache
        self._meta: LRU[str, ContractMeta | None] = LRU(8192)
        self._contracts: LRU[tuple[str, str], Contract | ContractError] = LRU(64)
        self._validity: LRU[tuple[str, str], tuple[Problem, ...]] = LRU(1 << 16)
        self._reports: LRU[str, DiffReport] = LRU(4096)
        self._worktree: LRU[str, bytes] = LRU(64)
        self._walks: dict[tuple[str, str], _Walk] = {}
        self._walk_lock = threading.Lock()
        self._config: Config | None = None
        self._policy: Policy | None = None
        self._policy_key = ""
        self._shallow: frozenset[str] | None = None

    # --- opening --------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path = ".", *, cache: bool = True) -> ContractRepo:
        """Open the repository containing ``path``; ``cache=False`` skips the on-disk cache.

        Raises :class:`HistoryError` for a path outside any repository. A bare repository is
        read-only (no working tree or index drafts); an empty one has contracts but no history.
        """
        git = GitRepo.discover(path)
        return cls(git, disk_cache=DiskCache.default() if cache else None)

    @property
    def root(self) -> Path | None:
        """The working tree (``None`` for a bare repository)."""
        return self.git.root

    @property
    def bare(self) -> bool:
        return self.git.bare

    @property
    def name(self) -> str:
        base = self.git.root if self.git.root is not None else self.git.git_dir
        return base.name.removesuffix(".git") or str(base)

    def close(self) -> None:
        """Stop every git process this object started."""
        with self._walk_lock:
            walks, self._walks = list(self._walks.values()), {}
        for walk in walks:
            walk.close()
        self.git.close()

    def __enter__(self) -> ContractRepo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- settings and revisions -------------------------------------------------------------

    @property
    def config(self) -> Config:
        """``.workbench.yaml`` from the working tree (from HEAD in a bare repository)."""
        if self._config is None:
            try:
                if self.git.root is not None:
                    self._config = load_config(self.git.root)
                else:
                    raw = self._head_file(CONFIG_NAME)
                    self._config = parse_config(raw, CONFIG_NAME) if raw else Config()
            except ContractError as exc:
                more = len(exc.problems) - 1
                suffix = f" (and {more} more)" if more > 0 else ""
                raise HistoryError(exc.first.format() + suffix) from None
        return self._config

    @config.setter
    def config(self, config: Config) -> None:
        """Use ``config`` instead of the working tree's ``.workbench.yaml`` (the gate reads the
        settings at the base: a change cannot pick which of its own files are contracts)."""
        self._config = config

    def _head_file(self, rel: str) -> bytes | None:
        head = self.head()
        if head is None:
            return None
        entry = self.git.tree_entry(head, rel)
        return self.git.read_blob(entry[1]) if entry and entry[0] == "blob" else None

    def head(self) -> str | None:
        """The sha HEAD points at, or ``None`` in a repository without commits."""
        return self.git.head()

    def resolve(self, rev: str) -> str:
        """The full commit sha of any git revision (``main``, ``v2.0``, ``HEAD~3``, a sha)."""
        return self.git.resolve(rev)

    def merge_base(self, ref: str, head: str = "HEAD") -> str:
        """The best common ancestor of ``head`` and ``ref`` (what a branch review compares with)."""
        a, b = self.git.resolve(head), self.git.resolve(ref)
        out = self.git.run("merge-base", a, b, check=False).strip()
        if not out:
            raise HistoryError(f"{head} and {ref} have no common ancestor")
        return out.decode("ascii")

    def default_branch(self) -> str | None:
        """The branch amendments are reviewed against: ``origin``'s default branch if known,
        else the configured default, ``main``, ``master`` or ``trunk`` when they exist, else the
        current branch; ``None`` in an empty repository on an unborn branch."""
        out = self.git.run(
            "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD", check=False
        )
        if out.strip():
            return out.strip().decode()
        configured = self.git.run("config", "--get", "init.defaultBranch", check=False).strip()
        names = [configured.decode()] if configured else []
        for name in [*names, "main", "master", "trunk"]:
            if self.git.run(
                "rev-parse", "--verify", "--quiet", f"refs/heads/{name}", check=False
            ).strip():
                return name
        current = self.git.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False).strip()
        if current and self.head() is not None:
            return current.decode()
        return None

    def _shallow_commits(self) -> frozenset[str]:
        if self._shallow is None:
            try:
                text = (self.git.git_dir / "shallow").read_text()
            except OSError:
                text = ""
            self._shallow = frozenset(text.split())
        return self._shallow

    # --- contracts --------------------------------------------------------------------------

    def _meta_of(self, blob: str, raw: bytes | None = None) -> ContractMeta | None:
        cached = self._meta.get(blob, _NOT_CACHED)  # type: ignore[arg-type]
        if cached is not _NOT_CACHED:
            return cached
        if raw is None:
            try:
                raw = self.git.read_blob(blob)
            except HistoryError:
                return None
        meta = sniff(raw)
        self._meta.put(blob, meta)
        return meta

    def _prefetch_meta(self, blobs: list[str | None]) -> None:
        """Identify many blobs at once (one pipelined read for those not cached yet)."""
        missing = list(dict.fromkeys(b for b in blobs if b and b not in self._meta))
        if not missing:
            return
        raws = self.git.read_blobs(missing)
        for blob in missing:
            raw = raws.get(blob)
            self._meta.put(blob, sniff(raw) if raw is not None else None)

    def _status(self, *specs: str) -> dict[str, StatusEntry]:
        if self.git.root is None:
            return {}
        return parse_status(
            self.git.run("status", "--porcelain=v2", "-z", "--untracked-files=all", *specs)
        )

    def contracts(
        self,
        *,
        include_deleted: bool = False,
        paths: Collection[str] | None = None,
    ) -> list[ContractEntry]:
        """Every contract file: in HEAD, in the index, or new in the working tree (untracked
        but not ignored), selected by the ``contracts.include``/``exclude`` globs and by content
        (a mapping with ``contract`` and ``version``). Sorted by path.

        ``include_deleted`` also lists contracts deleted in past commits (a walk of the whole
        history), whose history stays readable with :meth:`history`. ``paths`` restricts the
        listing to those files and folders (``dir/``): git lists and reads only them (the
        changed files, one folder), so the cost follows them, not the size of the repository.
        """
        globs = PathFilter(self.config.include, self.config.exclude)
        selected: Callable[[str], bool] = globs
        specs: list[str] = []
        if paths is not None:
            if not paths:
                return []
            within = _within(paths)
            selected = lambda p: within(p) and globs(p)  # noqa: E731
            if len(paths) <= MAX_PATHSPECS:
                specs = ["--", *sorted(paths)]
        head = self.head()
        head_files = (
            parse_tree_listing(self.git.run("ls-tree", "-r", "-z", "--full-tree", head, *specs))
            if head
            else {}
        )
        if self.git.root is not None:
            index_files = parse_tree_listing(
                self.git.run("ls-files", "--stage", "-z", *specs), stage=True
            )
            status = self._status(*specs)
        else:
            index_files, status = dict(head_files), {}
        untracked = {p for p, e in status.items() if e.untracked}
        renamed_from = {e.orig: p for p, e in status.items() if e.orig and e.x == "R"}
        candidates = sorted(
            p for p in set(head_files) | set(index_files) | untracked if selected(p)
        )
        root = self.git.root
        # files git has but the working tree lacks (a bare repository, a sparse checkout, a
        # deletion) are identified from their blobs: in one pipelined read, not one each
        self._prefetch_meta(
            [
                index_files.get(p) or head_files.get(p)
                for p in candidates
                if root is None or not os.path.lexists(root / p)
            ]
        )
        found: list[ContractEntry] = []
        for path in candidates:
            entry = self._entry(
                path, head_files, index_files, status.get(path), renamed_from.get(path)
            )
            if entry is not None:
                found.append(entry)
        if include_deleted and head:
            known = {e.path for e in found} | set(head_files)
            found += self._deleted_contracts(known, globs)
            found.sort(key=lambda e: e.path)
        return found

    def changed_paths(self, *, staged: bool = False) -> set[str]:
        """The paths ``git status`` reports (staged ones only with ``staged``), with the
        sources of renames: what an amendment in the working tree or the index can touch."""
        out: set[str] = set()
        if staged and self.git.root is not None:  # the index against HEAD: no work tree scan
            fields = self.git.run("diff", "--cached", "--name-status", "-z", "-M").split(b"\x00")
            i = 0
            while i < len(fields) - 1:  # STATUS PATH, or STATUS OLD NEW for renames and copies
                count = 2 if fields[i][:1] in (b"R", b"C") else 1
                out.update(
                    f.decode("utf-8", "surrogateescape") for f in fields[i + 1 : i + 1 + count]
                )
                i += 1 + count
            return out
        for path, entry in self._status().items():
            if staged and entry.x in (".", "?"):
                continue
            out.add(path)
            if entry.orig:
                out.add(entry.orig)
        return out

    def _entry(
        self,
        path: str,
        head_files: dict[str, str],
        index_files: dict[str, str],
        status: StatusEntry | None,
        moved_to: str | None,
    ) -> ContractEntry | None:
        in_head = path in head_files
        draft: DraftState = "clean"
        staged = False
        if status is not None:
            staged = status.x not in (".", "?")
            if status.untracked or status.x in ("A", "C") or (status.x == "R" and not in_head):
                draft = "new"
            elif status.x == "D" or status.y == "D":
                draft = "deleted"
            elif status.y != ".":
                draft = "modified"
            elif staged:
                draft = "staged"
        if moved_to is not None and path not in index_files:
            return None  # a staged rename: listed under its new name
        raw: bytes | None = None
        blob: str | None = None
        if draft != "deleted" and self.git.root is not None:
            try:
                raw = read_regular(self.git.root / path)
            except OSError:
                raw = None
            if raw is not None:
                blob = blob_sha(raw)
        if raw is None:
            blob = index_files.get(path) or head_files.get(path)
            if blob is None:
                return None
        assert blob is not None
        meta = self._meta_of(blob, raw)
        if meta is None and draft != "clean":
            # a draft that no longer parses as a contract is still the contract it was
            previous = head_files.get(path)
            meta = self._meta_of(previous) if previous else None
            if meta is not None:
                meta = ContractMeta(meta.id, "", meta.title, meta.status)
                error = "the draft is no longer a readable contract"
                return ContractEntry(
                    path, meta.id, meta.title, "", meta.status, draft, blob, None, staged, error
                )
        if meta is None:
            return None
        orig = status.orig if status is not None and status.x == "R" else None
        return ContractEntry(
            path,
            meta.id,
            meta.title,
            meta.version,
            meta.status,
            draft,
            blob,
            orig,
            staged,
            None if meta.version else "no readable version field",
        )

    def _deleted_contracts(self, known: set[str], selected: PathFilter) -> list[ContractEntry]:
        proc = self.git.popen(
            "log",
            "-z",
            "--raw",
            "--no-abbrev",
            "-M",
            "--diff-filter=D",
            f"--format={LOG_FORMAT}",
            "HEAD",
        )
        out: dict[str, ContractEntry] = {}
        try:
            assert proc.stdout is not None
            for commit in iter_log(proc.stdout):
                for change in commit.changes:
                    path = change.old_path
                    if path in known or path in out or not selected(path) or not change.old_blob:
                        continue
                    meta = self._meta_of(change.old_blob)
                    if meta is not None:
                        out[path] = ContractEntry(
                            path,
                            meta.id,
                            meta.title,
                            meta.version,
                            meta.status,
                            "deleted",
                            None,
                            None,
                            False,
                            f"deleted in {commit.sha[:7]}",
                        )
        finally:
            _reap(proc)
        return list(out.values())

    # --- history ----------------------------------------------------------------------------

    def _commit_revision(self, commit: LogCommit, path: str) -> Revision | None:
        change = _pick_change(commit.changes, path)
        return None if change is None else self._change_revision(commit, change)

    def _change_revision(self, commit: LogCommit, change: RawChange) -> Revision:
        first_parent = commit.parents[0] if commit.parents else None
        boundary = first_parent is None and commit.sha in self._shallow_commits()
        parent = None
        if first_parent is not None and not (change.status == "C" and change.old_blob is None):
            parent = ParentRef(first_parent, change.old_path, change.old_blob)
        kind = _CHANGE.get(change.status, "modified")
        if boundary:
            kind = "modified"
        version, cid = "", ""
        if change.new_blob:
            meta = self._meta_of(change.new_blob)
            if meta is not None:
                version, cid = meta.version, meta.id
        elif change.old_blob:
            meta = self._meta_of(change.old_blob)
            cid = meta.id if meta else ""
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
        )

    def _pseudo(
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
        me = me or self._draft_identity()
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
            result.append(
                self._draft(
                    "index",
                    path,
                    blob,
                    None,
                    head_ref,
                    change,
                    self.git.git_dir / "index",
                    head,
                    me,
                )
            )
            index_ref = ParentRef(INDEX, path, blob)
        if entry.untracked or entry.y != ".":
            raw = None
            target = self.git.root / path
            with contextlib.suppress(OSError):
                raw = read_regular(target)
            blob = blob_sha(raw) if raw is not None else None
            if raw is not None and blob is not None:
                self._worktree.put(blob, raw)
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
        meta = self._meta_of(blob, raw) if blob else None
        return Revision(
            kind=kind,
            rev=INDEX if kind == "index" else WORKTREE,
            path=path,
            blob=blob,
            parent=parent,
            change=change,
            version=meta.version if meta else "",
            contract_id=meta.id if meta else "",
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
                    status[path] = replace(
                        entry, x=change.status, orig=change.old_path, head_blob=change.old_blob
                    )
                    break
        return status

    def _draft_identity(self) -> tuple[str, str]:
        name = self.git.run("config", "--get", "user.name", check=False).strip()
        email = self.git.run("config", "--get", "user.email", check=False).strip()
        return name.decode("utf-8", "replace"), email.decode("utf-8", "replace")

    def _walk(self, path: str, ref: str, *, fresh: bool) -> _Walk:
        rel = self.git.relpath(path)
        if not rel:
            raise HistoryError(f"{path}: a contract file path is required")
        head = self.head()
        tip = head if ref == "HEAD" else self.git.resolve(ref)
        key = (rel, tip or "")
        with self._walk_lock:
            walk = self._walks.get(key)
            if walk is not None and not fresh:
                return walk
        walk = _Walk(self, rel, tip or "", [])
        if tip is None:
            walk.done = True  # no commits yet: only the draft
        else:
            walk.start()  # git starts walking while the drafts are examined
        if ref == "HEAD":
            pseudo, log_path = self._pseudo(rel, head)
            walk.items[:0] = pseudo
            if log_path != rel and tip is not None:  # a staged rename: follow the old name
                walk.close()
                walk = _Walk(self, log_path, tip, pseudo)
        with self._walk_lock:
            old = self._walks.pop(key, None)
            self._walks[key] = walk
            while len(self._walks) > 32:
                self._walks.pop(next(iter(self._walks))).close()
        if old is not None:
            old.close()
        return walk

    def history(
        self, path: str, *, limit: int | None = None, offset: int = 0, ref: str = "HEAD"
    ) -> list[Revision]:
        """The revisions of one contract, newest first: the unstaged (``WORKTREE``) and staged
        (``INDEX``) drafts when they differ, then every commit reachable from ``ref`` that
        changed it, following renames (``git log --follow``). A deleted contract's history is
        still listed (its newest commit is the deletion).

        Paged: ``offset`` 0 takes a fresh look at the repository (new commits, drafts); later
        pages continue the same listing, reading only as far as they need.
        """
        if offset < 0 or (limit is not None and limit < 0):
            raise HistoryError("offset and limit must not be negative")
        walk = self._walk(path, ref, fresh=offset == 0)
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
        """Every amendment of every contract, newest first, in one pass over the history: the
        drafts (for ``HEAD``), then each commit's contract changes (renames detected, merges
        against their first parent). A file counts when it is selected by the ``contracts``
        globs and is a contract before or after the change."""
        selected = PathFilter(self.config.include, self.config.exclude)
        head = self.head()
        tip = head if ref == "HEAD" else self.git.resolve(ref)
        if ref == "HEAD" and self.git.root is not None:
            status = self._status()
            me = self._draft_identity()
            drafts: list[Revision] = []
            for path in sorted(status):
                if not selected(path):
                    continue
                for revision in self._pseudo(path, head, status, me)[0]:
                    if self._is_contract(revision.blob) or self._is_contract(
                        revision.parent.blob if revision.parent else None
                    ):
                        drafts.append(revision)
            drafts.sort(key=lambda r: (r.kind != "worktree", r.path))
            yield from drafts
        if tip is None:
            return
        proc = self.git.popen(
            "log",
            "-z",
            "--raw",
            "-M",
            "--no-abbrev",
            "--no-color",
            "--diff-merges=first-parent",
            f"--format={LOG_FORMAT}",
            "--end-of-options",
            tip,
        )
        try:
            assert proc.stdout is not None
            for commit in iter_log(proc.stdout):
                for change in sorted(commit.changes, key=lambda c: c.new_path):
                    if change.new_mode == "160000" or change.old_mode == "160000":
                        continue
                    if not (selected(change.new_path) or selected(change.old_path)):
                        continue
                    if self._is_contract(change.new_blob) or self._is_contract(change.old_blob):
                        yield self._change_revision(commit, change)
        finally:
            _reap(proc)

    def _same_contract(self, change: RawChange) -> bool:
        """Whether a copy carries the same contract id as its source (a two-step move)."""
        old = self._meta_of(change.old_blob) if change.old_blob else None
        new = self._meta_of(change.new_blob) if change.new_blob else None
        return old is not None and new is not None and old.id == new.id

    def _is_contract(self, blob: str | None) -> bool:
        if blob is None:
            return False
        return self._meta_of(blob) is not None

    def revision(self, path: str, rev: str) -> ParentRef:
        """Where ``path`` is at ``rev`` (any git revision, ``WORKTREE`` or ``INDEX``); the
        blob is ``None`` when the file does not exist there. Renamed contracts are found under
        the name they had at ``rev``."""
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
            self._worktree.put(blob, raw)
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
        walk = self._walk(rel, "HEAD", fresh=False)
        walk.fill(None)
        blobs = {item.blob for item in walk.items if item.blob}
        blobs |= {item.parent.blob for item in walk.items if item.parent and item.parent.blob}
        return blobs

    def _former_names(self, rel: str) -> list[str]:
        """The names a contract had before its renames, newest first."""
        if self.head() is None:
            return []
        walk = self._walk(rel, "HEAD", fresh=False)
        walk.fill(None)
        names: list[str] = []
        for item in walk.items:
            for name in (item.path, item.parent.path if item.parent else None):
                if name and name != rel and name not in names:
                    names.append(name)
        return names

    # --- loading and judging ----------------------------------------------------------------

    def raw(self, side: Side) -> bytes:
        """The bytes of a revision's file (the working-tree file for ``WORKTREE``)."""
        if side.blob is None:
            raise HistoryError(f"{side.path} does not exist at {side.short}")
        return self._raw(side)

    def _raw(self, side: Side) -> bytes:
        assert side.blob is not None
        if side.rev == WORKTREE:
            raw = self._worktree.get(side.blob)
            if raw is not None:
                return raw
            assert self.git.root is not None
            try:
                raw = read_regular(self.git.root / side.path)
            except OSError as exc:
                raise HistoryError(f"{side.path}: cannot read: {exc.strerror or exc}") from None
            if blob_sha(raw) != side.blob:
                raise HistoryError(f"{side.path} changed on disk since it was listed; refresh")
            return raw
        return self.git.read_blob(side.blob)

    def load(self, revision: Side) -> Contract:
        """The contract at a revision; :class:`ContractError` when it is invalid there (with
        every problem, positioned), :class:`HistoryError` when the file does not exist there."""
        if revision.blob is None:
            raise HistoryError(f"{revision.path} does not exist at {revision.short}")
        key = (revision.blob, revision.path)
        cached = self._contracts.get(key)
        if cached is None:
            try:
                cached = load_contract_bytes(self._raw(revision), revision.path)
                self._remember_validity(key, ())
            except ContractError as exc:
                cached = exc
                self._remember_validity(key, tuple(exc.problems))
            self._contracts.put(key, cached)
        if isinstance(cached, ContractError):
            raise cached
        return cached

    def check(self, revision: Side) -> None:
        """Raise :class:`ContractError` when the contract at a revision is invalid; answered
        from the caches (memory, then disk) without parsing when it was checked before."""
        if revision.blob is None:
            return
        key = (revision.blob, revision.path)
        problems = self._validity.get(key)
        if problems is None and self.disk_cache is not None:
            stored = self.disk_cache.get(_validity_key(key), tuple)
            if isinstance(stored, tuple) and all(isinstance(p, Problem) for p in stored):
                problems = stored
                self._validity.put(key, problems)
        if problems is None:
            self.load(revision)  # raises ContractError, and remembers the answer
            return
        if problems:
            raise ContractError(list(problems))

    def _remember_validity(self, key: tuple[str, str], problems: tuple[Problem, ...]) -> None:
        """Remember whether a content is valid; invalid ones on disk too (valid ones are
        implied by the reports stored for them)."""
        if self._validity.get(key) is None:
            self._validity.put(key, problems)
            if problems and self.disk_cache is not None:
                self.disk_cache.put(_validity_key(key), problems)

    def base(self, revision: Revision) -> Side | None:
        """What ``report(revision)`` compares with: the parent content, or, when that is an
        invalid contract, the newest valid one before it (an amendment that repairs a broken
        commit is judged against what consumers last had). ``None`` for a creation."""
        parent: Side | None = revision.parent
        for _ in range(MAX_INVALID_SKIP):
            if parent is None or parent.blob is None:
                return parent
            try:
                self.check(parent)
                return parent
            except ContractError:
                parent = self._parent_of(parent)
        raise HistoryError(
            f"no valid revision of {revision.path} among the {MAX_INVALID_SKIP} before "
            f"{revision.short}"
        )

    def _parent_of(self, side: Side) -> Side | None:
        """The content before ``side``: the commit that introduced it, and that commit's parent."""
        if side.rev in (WORKTREE, INDEX):
            head = self.head()
            return self.revision(side.path, head) if head else None
        out = self.git.popen(
            "log",
            "--follow",
            "-z",
            "--raw",
            "--no-abbrev",
            "--diff-merges=first-parent",
            "-n",
            "1",
            f"--format={LOG_FORMAT}",
            "--end-of-options",
            side.rev,
            "--",
            side.path,
        )
        try:
            assert out.stdout is not None
            commit = next(iter_log(out.stdout), None)
        finally:
            _reap(out)
        if commit is None:
            return None
        revision = self._commit_revision(commit, side.path)
        return revision.parent if revision is not None else None

    def report(self, revision: Revision) -> DiffReport:
        """The amendment ``revision`` made, judged by the engine against :meth:`base`.

        Raises :class:`ContractError` when the revision itself is invalid, and
        :class:`HistoryError` at a shallow clone's boundary (no previous content to compare).
        A report seen before (same blobs, day and policy) comes from the caches without
        parsing either side.
        """
        if revision.boundary:
            raise HistoryError(
                f"{revision.short} is the oldest commit of this shallow clone: its previous "
                "revision was not fetched"
            )
        today = revision.date.date() if revision.kind == "commit" and revision.date else None
        parent = revision.parent
        # a report stored against the direct parent proves both sides valid: no checks needed
        cached = self._cached_report(parent.blob if parent else None, revision.blob, today)
        if cached is not None:
            return _relabel(cached, parent.label if parent else None, revision.label)
        self.check(revision)
        base = self.base(revision)
        if revision.blob is None and (base is None or base.blob is None):
            raise HistoryError(f"{revision.path} exists neither at {revision.short} nor before")
        return self._report(base, revision, base.label if base else None, revision.label, today)

    def compare(self, path: str, rev_a: str, rev_b: str) -> DiffReport:
        """Compare one contract at any two revisions (git revisions, ``WORKTREE``, ``INDEX``).

        A contract missing on one side is a creation or a deletion; missing on both sides, or
        invalid on either, is an error (:class:`HistoryError` / :class:`ContractError`).
        """
        a, b = self.revision(path, rev_a), self.revision(path, rev_b)
        if a.blob is None and b.blob is None:
            raise HistoryError(f"{path} exists neither at {rev_a} nor at {rev_b}")
        self.check(a)
        self.check(b)
        return self._report(a, b, f"{rev_a}:{a.path}", f"{rev_b}:{b.path}", None)

    @property
    def policy(self) -> Policy:
        """The security policy of ``.workbench.yaml`` (defaults when the file has none)."""
        if self._policy is None:
            from workbench.security.policy import DEFAULT_POLICY, parse_policy

            config = self.config
            try:
                self._policy = (
                    DEFAULT_POLICY
                    if config.document is None
                    else parse_policy(config.security, config)
                )
            except ContractError as exc:
                raise HistoryError(problem_line(exc)) from None
            digest = json.dumps(self._policy.to_dict(), sort_keys=True, default=str)
            self._policy_key = hashlib.sha256(digest.encode()).hexdigest()[:12]
        return self._policy

    def _report(
        self,
        old: Side | None,
        new: Side,
        old_label: str | None,
        new_label: str | None,
        today: dt.date | None,
    ) -> DiffReport:
        """The engine's report plus the security review (``review.build_report``, the one code
        path of every face), cached by blobs, day and policy; both sides already checked."""
        from workbench.review import build_report

        policy = self.policy
        day = today or dt.date.today()
        old_blob = old.blob if old is not None else None
        report = self._cached_report(old_blob, new.blob, today)
        if report is None:
            before = self.load(old) if old is not None and old.blob is not None else None
            after = self.load(new) if new.blob is not None else None
            report = build_report(before, after, policy=policy, today=day)
            key = self._report_key(old_blob, new.blob, day)
            self._reports.put(key, report)
            if self.disk_cache is not None:
                self.disk_cache.put(key, report)
        return _relabel(report, old_label, new_label)

    def _report_key(self, old_blob: str | None, new_blob: str | None, day: dt.date) -> str:
        self.policy  # noqa: B018 - computes the policy fingerprint in the key
        return f"{old_blob or '-'}:{new_blob or '-'}:{day.isoformat()}:{self._policy_key}"

    def _cached_report(
        self, old_blob: str | None, new_blob: str | None, today: dt.date | None
    ) -> DiffReport | None:
        """A report computed before for these blobs (memory, then disk), else ``None``."""
        from workbench.engine.model import DiffReport

        key = self._report_key(old_blob, new_blob, today or dt.date.today())
        report = self._reports.get(key)
        if report is None and self.disk_cache is not None:
            stored = self.disk_cache.get(key, DiffReport)
            if isinstance(stored, DiffReport):
                report = stored
                self._reports.put(key, report)
        return report

    def clear_caches(self) -> None:
        """Forget everything cached in memory (the on-disk cache is left alone)."""
        for cache in (self._meta, self._contracts, self._reports, self._worktree, self._validity):
            cache.clear()


_NOT_CACHED = object()


MAX_PATHSPECS = 1000  # more paths than this are filtered after a full listing, not by git


def _within(paths: Collection[str]) -> Callable[[str], bool]:
    """Whether a path is one of ``paths`` or under one of its folders (``dir/``)."""
    files = {p for p in paths if not p.endswith("/")}
    folders = tuple(p for p in paths if p.endswith("/"))
    return lambda p: p in files or (bool(folders) and p.startswith(folders))


def _reap(proc: subprocess.Popen) -> None:
    """Stop a git process we no longer read from, and close its pipes (without blocking)."""
    if proc.poll() is None:
        with contextlib.suppress(OSError):
            proc.kill()
    release(proc)


def _validity_key(key: tuple[str, str]) -> str:
    return f"valid:{key[0]}:{key[1]}"


def _relabel(report: DiffReport, old_label: str | None, new_label: str | None) -> DiffReport:
    """A shallow copy of a cached report whose sides name the revisions compared."""
    old = replace(report.old, source=old_label) if report.old and old_label else report.old
    new = replace(report.new, source=new_label) if report.new and new_label else report.new
    return replace(report, old=old, new=new)


def _pick_change(changes: list[RawChange], path: str) -> RawChange | None:
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


def problem_line(exc: ContractError | HistoryError) -> str:
    """The first problem of an error as one line (``file:line:col: error: ...``)."""
    if isinstance(exc, ContractError):
        more = len(exc.problems) - 1
        return exc.first.format() + (f" (+{more} more)" if more > 0 else "")
    return str(exc)


__all__ = ["ContractRepo", "Problem", "problem_line"]
