"""The contract repository: which contracts exist, how each got here, and what each amendment did.

``ContractRepo.open(path)`` wraps one git repository. ``contracts()`` finds every contract file
(tracked, plus new untracked ones) and the state of its draft; ``history(path)`` lists the
commits that changed one contract, newest first and following renames, with the staged (``INDEX``)
and unstaged (``WORKTREE``) drafts on top; ``report(revision)`` judges one amendment against the
previous valid content; ``compare(path, a, b)`` any two revisions.

This class is a façade: the work is done by :class:`~workbench.history.listing.Listing`
(discovery and draft state), :class:`~workbench.history.walk.Walker` (paged, rename-following
histories and drafts) and :class:`~workbench.history.judge.Judge` (loading, judging, caches),
over one :class:`~workbench.history.gitio.GitRepo`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.config import CONFIG_NAME, Config, load_config, parse_config
from workbench.contract.errors import ContractError, Problem
from workbench.history.cache import BlobCache, DiskCache
from workbench.history.errors import HistoryError
from workbench.history.gitio import GitRepo
from workbench.history.judge import Judge, Judgement, problem_line
from workbench.history.listing import Identities, Listing, changed_paths
from workbench.history.model import ContractEntry, ParentRef, Revision
from workbench.history.walk import Walker

if TYPE_CHECKING:
    from workbench.contract.model import Contract
    from workbench.engine.model import DiffReport
    from workbench.security.policy import Policy

Side = Revision | ParentRef

BLOB_CACHE_BYTES = 16 << 20  # contents kept between listing a page and loading its revisions


class ContractRepo:
    """A git repository seen as a set of authentication contracts with their history."""

    def __init__(self, git: GitRepo, *, disk_cache: DiskCache | None = None):
        self.git = git
        self.disk_cache = disk_cache
        self._config: Config | None = None
        self._blobs = BlobCache(BLOB_CACHE_BYTES)  # contents as last read, by blob sha
        self.identities = Identities(git, disk_cache=disk_cache, blobs=self._blobs)
        self.listing = Listing(git, self.identities, lambda: self.config)
        self.walker = Walker(git, self.identities, self.listing.selected, self._blobs, disk_cache)
        self.judge = Judge(git, self.walker, lambda: self.config, disk_cache)
        self._tags: dict[str, tuple[str, ...]] | None = None

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
        """Stop every git process this object started (and store the log rows found)."""
        self.judge.rows.flush()
        self.walker.close()
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

    @property
    def read_as(self) -> str:
        """How revisions are read: ``auto`` (by content: a contract or an artefact), or a kind
        every revision is read as (``workbench log --from KIND``)."""
        return self.judge.read_as

    @read_as.setter
    def read_as(self, kind: str) -> None:
        if kind != self.judge.read_as:
            self.judge.clear()
        self.judge.read_as = kind

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

    # --- contracts and histories -----------------------------------------------------------

    def contracts(
        self, *, include_deleted: bool = False, paths: Collection[str] | None = None
    ) -> list[ContractEntry]:
        """Every contract file: in HEAD, in the index, or new in the working tree (untracked
        but not ignored), selected by the ``contracts.include``/``exclude`` globs and by content
        (a mapping with ``contract`` and ``version``, or an artefact: see
        :func:`workbench.history.meta.sniff`). Sorted by path.

        ``include_deleted`` also lists contracts deleted in past commits (a walk of the whole
        history), whose history stays readable with :meth:`history`. ``paths`` restricts the
        listing to those files and folders (``dir/``): git lists and reads only them (the
        changed files, one folder), so the cost follows them, not the size of the repository.
        """
        return self.listing.contracts(include_deleted=include_deleted, paths=paths)

    def changed_paths(self, *, staged: bool = False) -> set[str]:
        """The paths ``git status`` reports (staged ones only with ``staged``, from ``git diff
        --cached``), with the sources of renames: what an amendment in the working tree or the
        index can touch (see :func:`~workbench.history.listing.changed_paths`)."""
        return changed_paths(self.git, staged=staged)

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
        return self.walker.history(path, limit=limit, offset=offset, ref=ref)

    def iter_history(self, path: str, *, ref: str = "HEAD", page: int = 100) -> Iterator[Revision]:
        """Every revision of one contract, read a page at a time as the caller advances."""
        return self.walker.iter_history(path, ref=ref, page=page)

    def iter_all_history(self, *, ref: str = "HEAD") -> Iterator[Revision]:
        """Every amendment of every contract, newest first, in one pass over the history: the
        drafts (for ``HEAD``), then each commit's contract changes (renames detected, merges
        against their first parent). A file counts when it is selected by the ``contracts``
        globs and is a contract before or after the change."""
        return self.walker.iter_all_history(ref=ref)

    def revision(self, path: str, rev: str) -> ParentRef:
        """Where ``path`` is at ``rev`` (any git revision, ``WORKTREE`` or ``INDEX``); the
        blob is ``None`` when the file does not exist there. Renamed contracts are found under
        the name they had at ``rev``."""
        return self.walker.revision(path, rev)

    # --- loading and judging ----------------------------------------------------------------

    def raw(self, side: Side) -> bytes:
        """The bytes of a revision's file (the working-tree file for ``WORKTREE``)."""
        return self.judge.raw(side)

    def shown_text(self, side: Side) -> str:
        """The text of a revision's file as faces may show it: every secret an artefact holds
        (a client secret, a password hash, a private key) overwritten by ``*`` of the same
        length, so lines and columns stay true. A file that cannot be read is masked by its
        ``key: value`` lines. :class:`HistoryError` when the file does not exist there."""
        return self.judge.shown_text(side)

    def load(self, revision: Side) -> Contract:
        """The contract at a revision; :class:`ContractError` when it is invalid there (with
        every problem, positioned), :class:`HistoryError` when the file does not exist there."""
        return self.judge.load(revision)

    def check(self, revision: Side) -> None:
        """Raise :class:`ContractError` when the contract at a revision is invalid; answered
        from the caches (memory, then disk) without parsing when it was checked before."""
        self.judge.check(revision)

    def base(self, revision: Revision) -> Side | None:
        """What ``report(revision)`` compares with: the parent content, or, when that is an
        invalid contract, the newest valid one before it (an amendment that repairs a broken
        commit is judged against what consumers last had). ``None`` for a creation."""
        return self.judge.base(revision)

    def report(self, revision: Revision) -> DiffReport:
        """The amendment ``revision`` made, judged by the engine against :meth:`base`.

        Raises :class:`ContractError` when the revision itself is invalid, and
        :class:`HistoryError` at a shallow clone's boundary (no previous content to compare).
        A report seen before (same blobs, day and policy) comes from the caches without
        parsing either side.
        """
        return self.judge.report(revision)

    def judgement(self, revision: Revision, *, rows: bool = False) -> Judgement:
        """The report of ``revision`` and the base it used, or the error that prevented it
        (what ``workbench log`` shows); from the caches by blob ids when judged before (with
        ``rows``, a warm answer is the report's compact log row, ``history.logrow``)."""
        return self.judge.judgement(revision, rows=rows)

    def compare(self, path: str, rev_a: str, rev_b: str) -> DiffReport:
        """Compare one contract at any two revisions (git revisions, ``WORKTREE``, ``INDEX``).

        A contract missing on one side is a creation or a deletion; missing on both sides, or
        invalid on either, is an error (:class:`HistoryError` / :class:`ContractError`).
        """
        a, b = self.revision(path, rev_a), self.revision(path, rev_b)
        if a.blob is None and b.blob is None:
            raise HistoryError(f"{path} exists neither at {rev_a} nor at {rev_b}")
        return self.judge.compare(a, b, f"{rev_a}:{a.path}", f"{rev_b}:{b.path}")

    @property
    def policy(self) -> Policy:
        """The security policy of ``.workbench.yaml`` (defaults when the file has none)."""
        return self.judge.policy

    @property
    def fail_on(self) -> str:
        """The policy's security threshold; checks ``.workbench.yaml`` as :attr:`policy` does,
        without importing the security layer when the default policy's is known."""
        return self.judge.fail_on

    def tags(self) -> dict[str, tuple[str, ...]]:
        """Commit sha -> the tags pointing at it (``history/tags.py``: one ``git
        for-each-ref``, read once until :meth:`clear_caches`)."""
        if self._tags is None:
            from workbench.history.tags import tags_by_commit

            self._tags = tags_by_commit(self.git)
        return self._tags

    def clear_caches(self) -> None:
        """Forget everything cached in memory (the on-disk cache is left alone)."""
        self._tags = None
        self.identities.clear()
        self._blobs.clear()
        self.judge.clear()


__all__ = ["ContractRepo", "Problem", "problem_line"]
