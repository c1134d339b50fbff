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
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

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


# --- structured queries ----------------------------------------------------------------------


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """One path of ``git status --porcelain=v2``: index (``x``) and worktree (``y``) states.

    States are git's letters (``.`` unchanged, ``M``, ``A``, ``D``, ``R``, ``C``, ``T``, ``U``);
    ``x == "?"`` for an untracked file. ``orig`` is the source of a staged rename or copy.
    """

    path: str
    x: str
    y: str
    head_blob: str | None = None
    index_blob: str | None = None
    orig: str | None = None

    @property
    def untracked(self) -> bool:
        return self.x == "?"


def _blob_or_none(sha: bytes) -> str | None:
    text = sha.decode("ascii")
    return None if text == NULL_SHA else text


def parse_status(out: bytes) -> dict[str, StatusEntry]:
    """Parse ``git status --porcelain=v2 -z`` into entries by path."""
    entries: dict[str, StatusEntry] = {}
    records = out.split(b"\x00")
    i = 0
    while i < len(records):
        record = records[i]
        i += 1
        if not record:
            continue
        kind = record[:1]
        if kind == b"1":
            # 1 XY sub mH mI mW hH hI path
            parts = record.split(b" ", 8)
            xy = parts[1].decode()
            path = _decode(parts[8])
            entries[path] = StatusEntry(
                path, xy[0], xy[1], _blob_or_none(parts[6]), _blob_or_none(parts[7])
            )
        elif kind == b"2":
            # 2 XY sub mH mI mW hH hI Xscore path \0 origPath
            parts = record.split(b" ", 9)
            xy = parts[1].decode()
            path = _decode(parts[9])
            orig = _decode(records[i]) if i < len(records) else None
            i += 1
            entries[path] = StatusEntry(
                path, xy[0], xy[1], _blob_or_none(parts[6]), _blob_or_none(parts[7]), orig
            )
        elif kind == b"u":
            # u XY sub m1 m2 m3 mW h1 h2 h3 path (unmerged: our side is stage 2)
            parts = record.split(b" ", 10)
            xy = parts[1].decode()
            path = _decode(parts[10])
            entries[path] = StatusEntry(path, "U", xy[1], None, _blob_or_none(parts[8]))
        elif kind == b"?":
            path = _decode(record[2:])
            entries[path] = StatusEntry(path, "?", "?")
    return entries


def parse_tree_listing(out: bytes, *, stage: bool = False) -> dict[str, str]:
    """``{path: blob sha}`` from ``git ls-tree -r -z`` or ``git ls-files --stage -z``."""
    files: dict[str, str] = {}
    for record in out.split(b"\x00"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        fields = meta.split()
        if stage:  # mode sha stage
            if fields[0] in (b"160000", b"120000") or fields[2] not in (b"0", b"2"):
                continue
            files[_decode(name)] = fields[1].decode("ascii")
        else:  # mode type sha
            if fields[1] != b"blob" or fields[0] == b"120000":
                continue
            files[_decode(name)] = fields[2].decode("ascii")
    return files


LOG_FORMAT = "%x01%H%x00%P%x00%an%x00%ae%x00%aI%x00%s"


@dataclass(slots=True)
class LogCommit:
    """One commit of a ``git log --raw -z`` stream with its raw changes."""

    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    date: str
    subject: str
    changes: list[RawChange] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RawChange:
    """One line of ``--raw``: status letter, old and new blob (``None`` if absent), paths."""

    status: str
    old_blob: str | None
    new_blob: str | None
    old_path: str
    new_path: str
    old_mode: str
    new_mode: str


def iter_log(stream: IO[bytes], chunk: int = 1 << 16) -> Iterator[LogCommit]:
    """Parse a ``git log -z --raw --format=LOG_FORMAT`` stream lazily, one commit at a time."""
    pending = b""
    tokens: list[bytes] = []
    pos = 0
    current: LogCommit | None = None
    eof = False

    def more() -> bool:
        nonlocal pending, tokens, pos, eof
        if eof:
            return False
        data = stream.read1(chunk) if hasattr(stream, "read1") else stream.read(chunk)
        if not data:
            eof = True
            if pending:
                tokens = [*tokens[pos:], pending]
                pos = 0
                pending = b""
                return True
            return False
        parts = (pending + data).split(b"\x00")
        pending = parts.pop()
        tokens = [*tokens[pos:], *parts]
        pos = 0
        return True

    def take() -> bytes | None:
        nonlocal pos
        while pos >= len(tokens):
            if not more():
                return None
        token = tokens[pos]
        pos += 1
        return token

    while True:
        token = take()
        if token is None:
            break
        if token.startswith(b"\x01"):
            if current is not None:
                yield current
            head = [token[1:]]
            for _ in range(5):
                field_ = take()
                head.append(field_ if field_ is not None else b"")
            current = LogCommit(
                sha=head[0].decode("ascii"),
                parents=tuple(p.decode("ascii") for p in head[1].split()),
                author_name=_decode(head[2]),
                author_email=_decode(head[3]),
                date=head[4].decode("ascii"),
                subject=_decode(head[5]),
            )
            continue
        token = token.lstrip(b"\n")
        if not token.startswith(b":") or current is None:
            continue
        meta = token[1:].split()
        if len(meta) < 5:
            continue
        status = meta[4].decode("ascii")
        first = take() or b""
        second = (take() or b"") if status[:1] in ("R", "C") else first
        current.changes.append(
            RawChange(
                status=status[:1],
                old_blob=_blob_or_none(meta[2]),
                new_blob=_blob_or_none(meta[3]),
                old_path=_decode(first),
                new_path=_decode(second),
                old_mode=meta[0].decode("ascii"),
                new_mode=meta[1].decode("ascii"),
            )
        )
    if current is not None:
        yield current
