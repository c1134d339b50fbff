"""Thin, fast access to one git repository: revisions, trees, blobs, status, logs.

Blobs are read through gitpython's object database, which keeps one ``git cat-file --batch``
process alive (never one ``git show`` per file). Other queries run one git command each, with
``GIT_OPTIONAL_LOCKS=0`` so that reading never takes ``index.lock`` from a user working in the
same checkout, and literal pathspecs so that a file named ``*.yaml`` means exactly that file.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import subprocess
import threading
from pathlib import Path

import git as gitpython
from gitdb.exc import BadName, BadObject

from workbench.history.errors import HistoryError

NULL_SHA = "0" * 40
_GIT_ENV = {
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_LITERAL_PATHSPECS": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}


def blob_sha(data: bytes) -> str:
    """The sha git would give ``data`` as a blob (for working-tree files, without a process)."""
    h = hashlib.sha1(b"blob %d\x00" % len(data))  # git object naming
    h.update(data)
    return h.hexdigest()


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line.removeprefix("fatal: ").removeprefix("error: ")
    return "git failed"


class GitRepo:
    """One repository (bare or with a working tree) and the few git queries the history needs."""

    def __init__(self, repo: gitpython.Repo):
        self.repo = repo
        self.bare: bool = repo.bare
        self.git_dir = Path(repo.git_dir)
        self.root: Path | None = None if self.bare else Path(repo.working_tree_dir or ".")
        self._lock = threading.Lock()
        self._env = {**os.environ, **_GIT_ENV}

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def discover(cls, path: str | Path) -> GitRepo:
        """Open the repository containing ``path`` (a directory or file inside it, or a bare
        repository's directory); raise :class:`HistoryError` with a one-line reason."""
        p = Path(path).expanduser()
        if not p.exists():
            raise HistoryError(f"{path}: no such file or directory")
        start = p if p.is_dir() else p.parent
        try:
            repo = gitpython.Repo(start, search_parent_directories=True)
        except gitpython.InvalidGitRepositoryError:
            raise HistoryError(f"{path}: not inside a git repository") from None
        except gitpython.NoSuchPathError:
            raise HistoryError(f"{path}: no such file or directory") from None
        except gitpython.GitError as exc:  # pragma: no cover - unusual repository states
            raise HistoryError(f"{path}: cannot open repository: {exc}") from None
        return cls(repo)

    def close(self) -> None:
        """Stop the persistent git processes (safe to call twice)."""
        with self._lock:
            self.repo.close()

    # --- running git --------------------------------------------------------------------------

    def _base_cmd(self) -> list[str]:
        if self.root is not None:
            return ["git", "-C", str(self.root)]
        return ["git", f"--git-dir={self.git_dir}"]

    def run(self, *args: str, check: bool = True) -> bytes:
        """Run one git command and return its stdout; raise HistoryError on failure."""
        proc = subprocess.run(
            [*self._base_cmd(), *args],
            capture_output=True,
            env=self._env,
            stdin=subprocess.DEVNULL,
        )
        if check and proc.returncode != 0:
            raise HistoryError(_first_line(proc.stderr.decode("utf-8", "replace")))
        return proc.stdout

    def popen(self, *args: str) -> subprocess.Popen:
        """Start a git command whose stdout is read as a stream (for paged logs)."""
        return subprocess.Popen(
            [*self._base_cmd(), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=self._env,
        )

    # --- revisions ----------------------------------------------------------------------------

    def has_commits(self) -> bool:
        return bool(self.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False))

    def resolve(self, rev: str) -> str:
        """The full sha of the commit ``rev`` names (any git revision syntax)."""
        if not rev or rev.startswith("-"):
            raise HistoryError(f"invalid revision {rev!r}")
        out = self.run(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", check=False
        ).strip()
        if out:
            return out.decode("ascii")
        if not self.has_commits():
            raise HistoryError("the repository has no commits yet")
        raise HistoryError(f"unknown revision {rev!r}")

    # --- paths --------------------------------------------------------------------------------

    def relpath(self, path: str | Path) -> str:
        """A repository-relative POSIX path for ``path``.

        Absolute paths and paths starting with ``./`` or ``../`` are taken relative to the
        current directory (as git does for ``REV:./file``); anything else is already relative
        to the repository root.
        """
        text = str(path).replace(os.sep, "/")
        if os.path.isabs(text) or text.startswith(("./", "../")) or text in (".", ".."):
            if self.root is None:
                raise HistoryError(f"{path}: a bare repository has no working tree")
            absolute = Path(os.path.abspath(text))
            try:
                rel = absolute.resolve().relative_to(self.root.resolve())
            except ValueError:
                raise HistoryError(f"{path}: outside the repository {self.root}") from None
            text = rel.as_posix()
        text = posixpath.normpath(text) if text else ""
        if text == ".":
            return ""
        if text.startswith("../") or text == "..":
            raise HistoryError(f"{path}: outside the repository")
        return text.lstrip("/")

    # --- reading ------------------------------------------------------------------------------

    def read_blob(self, sha: str) -> bytes:
        """The content of blob ``sha`` through the persistent ``cat-file --batch`` process."""
        with self._lock:
            try:
                _sha, kind, _size, data = self.repo.git.get_object_data(sha)
            except (ValueError, BadName, BadObject, gitpython.GitCommandError) as exc:
                raise HistoryError(f"cannot read object {sha[:12]}: {exc}") from None
        if kind != b"blob" and kind != "blob":
            raise HistoryError(f"object {sha[:12]} is a {kind!r}, not a file")
        return data

    def tree_entry(self, commit: str, rel: str) -> tuple[str, str] | None:
        """``(type, sha)`` of ``rel`` in ``commit``'s tree, or ``None`` when absent."""
        with self._lock:
            try:
                obj = self.repo.commit(commit).tree / rel
            except KeyError:
                return None
            return obj.type, obj.hexsha

    def index_entry(self, rel: str) -> str | None:
        """The blob sha of ``rel`` in the index (stage 0, or the first conflict stage)."""
        out = self.run("ls-files", "--stage", "-z", "--", rel)
        for record in out.split(b"\x00"):
            if not record:
                continue
            meta, _, name = record.partition(b"\t")
            if name.decode("utf-8", "surrogateescape") == rel:
                return meta.split()[1].decode("ascii")
        return None

    def read_at(self, rev: str, rel: str) -> bytes:
        """The bytes of ``rel`` at ``rev``, where ``rev`` may also be ``WORKTREE`` or ``INDEX``."""
        from workbench.history.revspec import INDEX, WORKTREE

        if rev in (WORKTREE, INDEX) and self.root is None:
            raise HistoryError(f"{rev}: a bare repository has no working tree or index")
        if rev == WORKTREE:
            assert self.root is not None
            target = self.root / rel
            if target.is_dir():
                raise HistoryError(f"{rel} is a directory, not a contract file")
            try:
                return target.read_bytes()
            except FileNotFoundError:
                raise HistoryError(f"{rel} does not exist in the working tree") from None
            except OSError as exc:
                raise HistoryError(f"{rel}: cannot read: {exc.strerror or exc}") from None
        if rev == INDEX:
            sha = self.index_entry(rel)
            if sha is None:
                raise HistoryError(f"{rel} is not in the index (not staged)")
            return self.read_blob(sha)
        commit = self.resolve(rev)
        entry = self.tree_entry(commit, rel)
        if entry is None:
            raise HistoryError(f"{rel} does not exist at {rev}")
        kind, sha = entry
        if kind != "blob":
            what = "a directory" if kind == "tree" else f"a {kind}"
            raise HistoryError(f"{rel} is {what} at {rev}, not a contract file")
        return self.read_blob(sha)
