"""Which contracts (and artefacts) a repository has, and the state of each one's uncommitted
draft.

A file is listed when the ``contracts.include``/``exclude`` globs select it and its content looks
like a contract or an artefact (:func:`workbench.history.meta.sniff`); :class:`Identities`
remembers that answer per blob, so a blob is sniffed once however many listings, logs and walks
meet it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from workbench.config import Config
from workbench.contract.files import read_regular
from workbench.history.cache import LRU, BlobCache, DiskCache
from workbench.history.errors import HistoryError
from workbench.history.gitio import (
    GitRepo,
    StatusEntry,
    blob_sha,
    parse_status,
    parse_tree_listing,
)
from workbench.history.globs import PathFilter
from workbench.history.model import ContractEntry, DraftState

if TYPE_CHECKING:
    from workbench.history.meta import ContractMeta

_NOT_CACHED = object()


class Identities:
    """The identity (:class:`ContractMeta`) of each blob that is a contract, ``None`` for the
    others: sniffed once per blob, many at a time in one pipelined read.

    With a disk cache, the identities met along a contract's whole history are kept in one
    entry per path (:meth:`remember`), so that listing it again (:meth:`recall`) reads no blob.
    """

    def __init__(
        self,
        git: GitRepo,
        size: int = 8192,
        *,
        disk_cache: DiskCache | None = None,
        blobs: BlobCache | None = None,
    ):
        self.git = git
        self.disk_cache = disk_cache
        self.blobs = blobs  # keeps the contents read here, for the judge to load
        self._meta: LRU[str, ContractMeta | None] = LRU(size)
        self._stored: dict[str, frozenset[str]] = {}  # per path, the blobs on disk
        # identities read from disk by recall, made ContractMeta when first asked for (a
        # short log of a long history asks for a few)
        self._recalled: dict[str, tuple | None] = {}

    def of(self, blob: str, raw: bytes | None = None) -> ContractMeta | None:
        """The identity of ``blob`` (its bytes ``raw`` when the caller has them)."""
        cached = self._known(blob)
        if cached is not _NOT_CACHED:
            return cached
        if raw is None:
            try:
                raw = self.git.read_blob(blob)
            except HistoryError:
                return None
            if self.blobs is not None:
                self.blobs.put(blob, raw)
        meta = _sniff(raw)
        self._meta.put(blob, meta)
        return meta

    def is_contract(self, blob: str | None) -> bool:
        return blob is not None and self.of(blob) is not None

    def prefetch(self, blobs: list[str | None]) -> None:
        """Identify many blobs at once (one pipelined read for those not known yet)."""
        missing = list(
            dict.fromkeys(b for b in blobs if b and b not in self._meta and b not in self._recalled)
        )
        if not missing:
            return
        raws = self.git.read_blobs(missing)
        for blob in missing:
            raw = raws.get(blob)
            self._meta.put(blob, _sniff(raw) if raw is not None else None)
            if raw is not None and self.blobs is not None:
                self.blobs.put(blob, raw)

    def recall(self, path: str) -> None:
        """Take the identities stored for the history of ``path`` (one read, once)."""
        if self.disk_cache is None or path in self._stored:
            return
        stored = self.disk_cache.get(self._key(path), dict)
        known: dict[str, tuple | None] = {}
        if isinstance(stored, dict) and len(stored) > self._meta.size // 2:
            known = dict.fromkeys(b for b in stored if isinstance(b, str))  # would crowd memory
        elif isinstance(stored, dict):
            known = {
                blob: fields
                for blob, fields in stored.items()
                if isinstance(blob, str)
                and (fields is None or (isinstance(fields, tuple) and len(fields) in (4, 5)))
            }
            self._recalled.update(known)
        self._stored[path] = frozenset(known)

    def _known(self, blob: str) -> ContractMeta | object | None:
        """The identity of ``blob`` in memory or recalled from disk, else ``_NOT_CACHED``."""
        cached = self._meta.get(blob, _NOT_CACHED)  # type: ignore[arg-type]
        if cached is _NOT_CACHED:
            fields = self._recalled.get(blob, _NOT_CACHED)
            if fields is not _NOT_CACHED:
                cached = None if fields is None else _meta(*fields)  # type: ignore[misc]
                self._meta.put(blob, cached)  # type: ignore[arg-type]
        return cached

    def remember(self, path: str, blobs: set[str]) -> None:
        """Store the identities of ``blobs``, the whole history of ``path``, for later runs,
        beside those already stored for it (nothing is written when they are all stored)."""
        stored = self._stored.get(path, frozenset())
        if self.disk_cache is None or blobs <= stored:
            return
        blobs = blobs | stored
        data: dict[str, tuple[str, str, str, str, str] | None] = {}
        for blob in blobs:
            meta = self._known(blob)
            if meta is _NOT_CACHED:
                continue
            data[blob] = (
                None
                if meta is None
                else (meta.id, meta.version, meta.title, meta.status, meta.kind)
            )
        self.disk_cache.put(self._key(path), data)
        self._stored[path] = frozenset(data)

    def _key(self, path: str) -> str:
        return f"identities:{self.git.git_dir}:{path}"

    def clear(self) -> None:
        self._meta.clear()
        self._stored.clear()
        self._recalled.clear()


def _sniff(raw: bytes) -> ContractMeta | None:
    """:func:`workbench.history.meta.sniff`, imported when a blob is first sniffed: a warm
    log finds every identity in its stored walk and never needs the sniffer's patterns."""
    from workbench.history.meta import sniff

    return sniff(raw)


def _meta(*fields: str) -> ContractMeta:
    from workbench.history.meta import ContractMeta

    return ContractMeta(*fields)


def worktree_status(git: GitRepo, *specs: str) -> dict[str, StatusEntry]:
    """``git status`` of the working tree (of ``specs``, ``-- PATH...``, when given), untracked
    files included (``{}`` when bare)."""
    if git.root is None:
        return {}
    return parse_status(git.run("status", "--porcelain=v2", "-z", "--untracked-files=all", *specs))


def changed_paths(git: GitRepo, *, staged: bool = False) -> set[str]:
    """The paths ``git status`` reports (with ``staged``, what ``git diff --cached`` reports:
    no scan of the working tree), sources of renames included: what an amendment in the
    working tree or the index can touch."""
    out: set[str] = set()
    if staged and git.root is not None:
        fields = git.run("diff", "--cached", "--name-status", "-z", "-M").split(b"\x00")
        i = 0
        while i < len(fields) - 1:  # STATUS PATH, or STATUS OLD NEW for renames and copies
            count = 2 if fields[i][:1] in (b"R", b"C") else 1
            out.update(f.decode("utf-8", "surrogateescape") for f in fields[i + 1 : i + 1 + count])
            i += 1 + count
        return out
    for path, entry in worktree_status(git).items():
        if staged and entry.x in (".", "?"):
            continue
        out.add(path)
        if entry.orig:
            out.add(entry.orig)
    return out


MAX_PATHSPECS = 1000  # more paths than this are filtered after a full listing, not by git


def _within(paths: Collection[str]) -> Callable[[str], bool]:
    """Whether a path is one of ``paths`` or under one of its folders (``dir/``)."""
    files = {p for p in paths if not p.endswith("/")}
    folders = tuple(p for p in paths if p.endswith("/"))
    return lambda p: p in files or (bool(folders) and p.startswith(folders))


class Listing:
    """Every contract file of a repository with its draft state (``contracts()``)."""

    def __init__(self, git: GitRepo, identities: Identities, config: Callable[[], Config]):
        self.git = git
        self.identities = identities
        self._config = config

    def selected(self) -> PathFilter:
        """The ``contracts.include``/``exclude`` globs of the settings file."""
        config = self._config()
        return PathFilter(config.include, config.exclude)

    def contracts(
        self, *, include_deleted: bool = False, paths: Collection[str] | None = None
    ) -> list[ContractEntry]:
        """See :meth:`workbench.history.repo.ContractRepo.contracts`."""
        globs = self.selected()
        selected: Callable[[str], bool] = globs
        specs: list[str] = []
        if paths is not None:
            if not paths:
                return []
            within = _within(paths)
            selected = lambda p: within(p) and globs(p)  # noqa: E731
            if len(paths) <= MAX_PATHSPECS:
                specs = ["--", *sorted(paths)]
        head = self.git.head()
        head_files = (
            parse_tree_listing(self.git.run("ls-tree", "-r", "-z", "--full-tree", head, *specs))
            if head
            else {}
        )
        if self.git.root is not None:
            index_files = parse_tree_listing(
                self.git.run("ls-files", "--stage", "-z", *specs), stage=True
            )
            status = worktree_status(self.git, *specs)
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
        self.identities.prefetch(
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
        meta = self.identities.of(blob, raw)
        if meta is None and draft != "clean":
            # a draft that no longer parses as a contract is still the contract it was
            previous = head_files.get(path)
            meta = self.identities.of(previous) if previous else None
            if meta is not None:
                what = "artefact" if meta.artefact else "contract"
                error = f"the draft is no longer a readable {what}"
                return ContractEntry(
                    path,
                    meta.id_at(path),
                    meta.title,
                    "",
                    meta.status,
                    draft,
                    blob,
                    None,
                    staged,
                    error,
                    meta.kind_at(path),
                )
        if meta is None:
            return None
        orig = status.orig if status is not None and status.x == "R" else None
        return ContractEntry(
            path,
            meta.id_at(path),
            meta.title,
            meta.version,
            meta.status,
            draft,
            blob,
            orig,
            staged,
            None if meta.version or meta.artefact else "no readable version field",
            meta.kind_at(path),
        )

    def _deleted_contracts(self, known: set[str], selected: PathFilter) -> list[ContractEntry]:
        """Contracts deleted in past commits (newest deletion of each path), from one log."""
        out: dict[str, ContractEntry] = {}
        with self.git.log("HEAD", renames=True, merges=False, diff_filter="D") as log:
            for commit in log:
                for change in commit.changes:
                    path = change.old_path
                    if path in known or path in out or not selected(path) or not change.old_blob:
                        continue
                    meta = self.identities.of(change.old_blob)
                    if meta is not None:
                        out[path] = ContractEntry(
                            path,
                            meta.id_at(path),
                            meta.title,
                            meta.version,
                            meta.status,
                            "deleted",
                            None,
                            None,
                            False,
                            f"deleted in {commit.sha[:7]}",
                            meta.kind_at(path),
                        )
        return list(out.values())
