"""Thin, fast access to one git repository: revisions, trees, blobs, status, logs.

Blobs are read through one long-lived ``git cat-file --batch`` process (never one ``git show``
per file). Other queries run one git command each, with ``GIT_OPTIONAL_LOCKS=0`` so that reading
never takes ``index.lock`` from a user working in the same checkout, and literal pathspecs so that
a file named ``*.yaml`` means exactly that file. The repository is found by ``git rev-parse``
(git's own rules: worktrees, ``core.worktree``, ``safe.directory``) and HEAD is read from its
files; no git library is imported (gitpython alone took longer to import than Python to start).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import posixpath
import re
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from workbench.contract.files import read_regular
from workbench.contract.record import Frozen, Record
from workbench.contract.revspec import INDEX, WORKTREE
from workbench.history.discovery import may_be_in_repository as _may_be_in_repository
from workbench.history.errors import HistoryError

NULL_SHA = "0" * 40
_GIT_ENV = {
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_LITERAL_PATHSPECS": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}


def release(proc: subprocess.Popen) -> None:
    """Let go of a git process without waiting for it: closing its pipes ends it (EOF on its
    input, EPIPE on its output), and a daemon thread reaps it, so closing never blocks."""
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    if proc.poll() is None:
        threading.Thread(target=proc.wait, name="workbench-git-reaper", daemon=True).start()


def stop(proc: subprocess.Popen) -> None:
    """Stop a git process we no longer read from, and close its pipes (without blocking)."""
    if proc.poll() is None:
        with contextlib.suppress(OSError):
            proc.kill()
    release(proc)


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


_DISCOVERY_UNSET = frozenset({"GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR"})
_SHA = re.compile(r"[0-9a-f]{40}")


def _read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read(4096)
    except (OSError, UnicodeDecodeError):
        return None


def read_head_ref(git_dir: Path) -> str | None:
    """The commit sha HEAD names, from the repository's files (HEAD, loose references, then
    ``packed-refs`` in the common directory of a linked worktree); ``None`` whenever that is
    not certain (an unborn branch, another reference store): ask git then."""
    gdir = str(git_dir)
    common = gdir
    pointer = _read_text(os.path.join(gdir, "commondir"))
    if pointer is not None and pointer.strip():
        common = os.path.normpath(os.path.join(gdir, pointer.strip()))
    text = _read_text(os.path.join(gdir, "HEAD"))
    for _ in range(5):  # symbolic references may chain, never far
        if text is None:
            return None
        text = text.strip()
        if _SHA.fullmatch(text):
            return text
        if not text.startswith("ref: "):
            return None
        ref = text[5:].strip()
        if not ref.startswith("refs/") or ".." in ref.split("/"):
            return None
        where = gdir if ref.startswith(("refs/worktree/", "refs/bisect/")) else common
        text = _read_text(os.path.join(where, ref))
        if text is None:
            return _packed_ref(common, ref)
    return None


def _packed_ref(common: str, ref: str) -> str | None:
    try:
        with open(os.path.join(common, "packed-refs"), "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    wanted = b" " + ref.encode("utf-8", "surrogateescape")
    for line in data.split(b"\n"):
        if line.endswith(wanted) and len(line) == 40 + len(wanted):
            sha = line[:40].decode("ascii", "replace")
            return sha if _SHA.fullmatch(sha) else None
    return None


class BatchReader:
    """One long-lived ``git cat-file --batch`` process, with pipelined requests.

    Requests are written in chunks small enough to sit in the pipe while git answers (so the
    two sides never wait on each other), then the answers are read back: one round trip per
    chunk instead of one per object.
    """

    CHUNK = 256  # 256 requests of <= 60 bytes stay under any OS pipe buffer

    def __init__(self, cmd: list[str], env: dict[str, str]):
        self._cmd = cmd
        self._env = env
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = subprocess.Popen(
                # contracts are small: a small delta-base cache avoids the page faults of
                # git's default 96 MB one (measured: about 3x less CPU for 1,000 revisions)
                [*self._cmd, "-c", "core.deltaBaseCacheLimit=4m", "cat-file", "--batch"],
                bufsize=1 << 16,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=self._env,
            )
        return self._proc

    def read(self, names: list[str]) -> list[tuple[str, str, bytes] | None]:
        """``(sha, type, content)`` for each object name (a sha or ``REV:PATH``), ``None`` for
        a missing one. Names containing a newline cannot be asked for and count as missing."""
        results: list[tuple[str, str, bytes] | None] = []
        with self._lock:
            for start in range(0, len(names), self.CHUNK):
                chunk = names[start : start + self.CHUNK]
                try:
                    results += self._read_chunk(chunk)
                except (OSError, ValueError) as exc:
                    self._stop()
                    raise HistoryError(f"cannot read from git: {exc}") from None
        return results

    def _read_chunk(self, chunk: list[str]) -> list[tuple[str, str, bytes] | None]:
        proc = self._start()
        assert proc.stdin is not None and proc.stdout is not None
        asked = [n for n in chunk if "\n" not in n and n]
        proc.stdin.write(b"".join(n.encode("utf-8", "surrogateescape") + b"\n" for n in asked))
        proc.stdin.flush()
        answers: dict[int, tuple[str, str, bytes] | None] = {}
        out = proc.stdout
        for i, name in enumerate(chunk):
            if "\n" in name or not name:
                answers[i] = None
                continue
            header = out.readline()
            if not header:
                raise ValueError("git cat-file stopped")
            parts = header.split()
            if len(parts) != 3:  # "<name> missing" / "ambiguous"
                answers[i] = None
                continue
            size = int(parts[2])
            data = out.read(size + 1)
            if len(data) != size + 1:
                raise ValueError("short read from git cat-file")
            answers[i] = (parts[0].decode("ascii"), parts[1].decode("ascii"), data[:-1])
        return [answers[i] for i in range(len(chunk))]

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            release(proc)

    def close(self) -> None:
        with self._lock:
            self._stop()


class GitRepo:
    """One repository (bare or with a working tree) and the few git queries the history needs."""

    def __init__(self, git_dir: Path, root: Path | None):
        self.git_dir = git_dir
        self.root = root
        self.bare: bool = root is None
        self._env = {**os.environ, **_GIT_ENV}
        self.batch = BatchReader(self._base_cmd(), self._env)
        self._commits: set[str] = set()  # full shas known to name commits (immutable facts)

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def discover(cls, path: str | Path) -> GitRepo:
        """Open the repository containing ``path`` (a directory or file inside it, or a bare
        repository's directory); raise :class:`HistoryError` with a one-line reason."""
        p = Path(path).expanduser()
        if not p.exists():
            raise HistoryError(f"{path}: no such file or directory")
        start = p if p.is_dir() else p.parent
        if not _may_be_in_repository(start):  # no process for a file outside any repository
            raise HistoryError(f"{path}: not inside a git repository")
        # The repository is the one containing ``path``: a GIT_DIR or GIT_WORK_TREE set for
        # another purpose (a hook's environment) does not choose it.
        env = {k: v for k, v in os.environ.items() if k not in _DISCOVERY_UNSET}
        proc = subprocess.run(
            [
                "git",
                "-C",
                str(start),
                "rev-parse",
                "--absolute-git-dir",
                "--is-bare-repository",
                "--show-toplevel",
            ],
            capture_output=True,
            env={**env, **_GIT_ENV},
            stdin=subprocess.DEVNULL,
        )
        lines = proc.stdout.decode("utf-8", "surrogateescape").split("\n")
        if len(lines) < 3 or not lines[0]:  # git found no repository at all
            err = proc.stderr.decode("utf-8", "replace")
            if not err.strip() or "not a git repository" in err:
                raise HistoryError(f"{path}: not inside a git repository")
            raise HistoryError(f"{path}: cannot open repository: {_first_line(err)}")
        git_dir = Path(lines[0])
        if lines[1] == "true":
            return cls(git_dir, None)
        if proc.returncode == 0 and lines[2]:
            return cls(git_dir, Path(lines[2]))
        # inside the .git directory of a repository with a working tree: its parent
        return cls(git_dir, git_dir.parent)

    def close(self) -> None:
        """Stop the persistent git processes (safe to call twice)."""
        self.batch.close()

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

    def succeeds(self, *args: str) -> bool:
        """Whether a git command exits with status 0 (``verify-commit``, ``merge-base
        --is-ancestor``); its output is discarded."""
        proc = subprocess.run(
            [*self._base_cmd(), *args],
            capture_output=True,
            env=self._env,
            stdin=subprocess.DEVNULL,
        )
        return proc.returncode == 0

    def log(
        self,
        rev: str,
        path: str | None = None,
        *,
        follow: bool = False,
        renames: bool = False,
        merges: bool = True,
        limit: int | None = None,
        diff_filter: str | None = None,
    ) -> LogStream:
        """Start ``git log`` (see :func:`log_args`); commits are parsed as they are read."""
        args = log_args(
            rev,
            path,
            follow=follow,
            renames=renames,
            merges=merges,
            limit=limit,
            diff_filter=diff_filter,
        )
        return LogStream(self.popen(*args))

    def popen(self, *args: str) -> subprocess.Popen:
        """Start a git command whose stdout is read as a stream (for paged logs)."""
        return subprocess.Popen(
            [*self._base_cmd(), *args],
            bufsize=1 << 16,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=self._env,
        )

    # --- revisions ----------------------------------------------------------------------------

    def head(self) -> str | None:
        """The sha HEAD points at (``None`` on an unborn branch), read without a process when
        the references are plain files (loose or packed); else asked of git."""
        sha = read_head_ref(self.git_dir)
        if sha is not None:
            return sha
        out = self.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).strip()
        return out.decode("ascii") if out else None

    def has_commits(self) -> bool:
        return bool(self.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False))

    def resolve(self, rev: str) -> str:
        """The full sha of the commit ``rev`` names (any git revision syntax)."""
        if not rev or rev.startswith("-"):
            raise HistoryError(f"invalid revision {rev!r}")
        if rev in self._commits:  # a commit's full sha names that commit for good
            return rev
        out = self.run(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", check=False
        ).strip()
        if out:
            sha = out.decode("ascii")
            self._commits.add(sha)
            return sha
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
        found = self.batch.read([sha])[0]
        if found is None:
            raise HistoryError(f"cannot read object {sha[:12]}: missing from the repository")
        if found[1] != "blob":
            raise HistoryError(f"object {sha[:12]} is a {found[1]}, not a file")
        return found[2]

    def read_blobs(self, shas: list[str]) -> dict[str, bytes]:
        """Many blobs in pipelined round trips; missing ones are left out."""
        return {
            sha: found[2]
            for sha, found in zip(shas, self.batch.read(shas), strict=True)
            if found is not None and found[1] == "blob"
        }

    def blob_sizes(self, shas: list[str]) -> dict[str, int]:
        """``{sha: size}`` of many objects from one ``git cat-file --batch-check`` (nothing is
        read); missing ones are left out."""
        if not shas:
            return {}
        proc = subprocess.run(
            [*self._base_cmd(), "cat-file", "--batch-check=%(objectname) %(objectsize)"],
            input="".join(f"{sha}\n" for sha in shas).encode("ascii"),
            capture_output=True,
            env=self._env,
        )
        sizes: dict[str, int] = {}
        for line in proc.stdout.splitlines():
            name, _, size = line.partition(b" ")
            if size.isdigit():
                sizes[name.decode("ascii")] = int(size)
        return sizes

    def read_head(self, sha: str, limit: int) -> bytes:
        """At most the first ``limit`` bytes of blob ``sha`` (its own process, stopped once
        enough is read: a huge file costs no more than a small one)."""
        proc = subprocess.Popen(
            [*self._base_cmd(), "cat-file", "blob", sha],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env=self._env,
        )
        assert proc.stdout is not None
        try:
            return proc.stdout.read(limit)
        finally:
            release(proc)

    def tree_entry(self, commit: str, rel: str) -> tuple[str, str] | None:
        """``(type, sha)`` of ``rel`` in ``commit``'s tree, or ``None`` when absent."""
        if not rel:
            return None
        if "\n" in rel:  # cat-file reads names one per line: ask ls-tree for this one
            out = self.run("ls-tree", "-z", "--full-tree", commit, "--", rel, check=False)
            for record in out.split(b"\x00"):
                meta, _, name = record.partition(b"\t")
                fields = meta.split()
                if len(fields) == 3 and _decode(name) == rel:
                    return fields[1].decode("ascii"), fields[2].decode("ascii")
            return None
        found = self.batch.read([f"{commit}:{rel}"])[0]
        return None if found is None else (found[1], found[0])

    def index_entry(self, rel: str) -> str | None:
        """The blob sha of ``rel`` in the index (stage 0, or the first conflict stage)."""
        return self.index_entries(rel).get(rel)

    def index_entries(self, *pathspecs: str) -> dict[str, str]:
        """``{path: blob sha}`` of the index entries under ``pathspecs`` (the whole index when
        none) from one ``git ls-files``: stage 0, or the first conflict stage."""
        out = self.run("ls-files", "--stage", "-z", "--", *pathspecs)
        found: dict[str, str] = {}
        for record in out.split(b"\x00"):
            if not record:
                continue
            meta, _, name = record.partition(b"\t")
            found.setdefault(
                name.decode("utf-8", "surrogateescape"), meta.split()[1].decode("ascii")
            )
        return found

    def read_at(self, rev: str, rel: str) -> bytes:
        """The bytes of ``rel`` at ``rev``, where ``rev`` may also be ``WORKTREE`` or ``INDEX``."""
        if rev in (WORKTREE, INDEX) and self.root is None:
            raise HistoryError(f"{rev}: a bare repository has no working tree or index")
        if rev == WORKTREE:
            assert self.root is not None
            target = self.root / rel
            if target.is_dir():
                raise HistoryError(f"{rel} is a directory, not a contract file")
            try:
                return read_regular(target)
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


class StatusEntry(Frozen):
    """One path of ``git status --porcelain=v2``: index (``x``) and worktree (``y``) states.

    States are git's letters (``.`` unchanged, ``M``, ``A``, ``D``, ``R``, ``C``, ``T``, ``U``);
    ``x == "?"`` for an untracked file. ``orig`` is the source of a staged rename or copy.
    """

    __slots__ = ("head_blob", "index_blob", "orig", "path", "x", "y")
    path: str
    x: str
    y: str
    head_blob: str | None
    index_blob: str | None
    orig: str | None

    def __init__(
        self,
        path: str,
        x: str,
        y: str,
        head_blob: str | None = None,
        index_blob: str | None = None,
        orig: str | None = None,
    ):
        put = object.__setattr__
        put(self, "path", path)
        put(self, "x", x)
        put(self, "y", y)
        put(self, "head_blob", head_blob)
        put(self, "index_blob", index_blob)
        put(self, "orig", orig)

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


def parse_raw_diff(out: bytes) -> list[RawChange]:
    """Parse ``git diff --raw -z --no-abbrev`` output."""
    record = _parse_record(b"0" * 40 + b"\x00" * (_HEADER_FIELDS + 1) + out)
    return record.changes if record is not None else []


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


LOG_FORMAT = "%x01%H%x00%P%x00%an%x00%ae%x00%aI%x00%cI%x00%s"
_HEADER_FIELDS = LOG_FORMAT.count("%x00")  # NUL-separated fields after the sha


def log_args(
    rev: str,
    path: str | None = None,
    *,
    follow: bool = False,
    renames: bool = False,
    merges: bool = True,
    limit: int | None = None,
    diff_filter: str | None = None,
) -> list[str]:
    """The one ``git log`` command line of the history layer: commits reachable from ``rev``
    as :data:`LOG_FORMAT` records with their raw changes (full blob ids), NUL-separated.

    ``path`` limits the log to one file, ``follow`` follows its renames and copies;
    ``renames`` detects renames in a log of every file; ``merges`` shows a merge's changes
    against its first parent (else merges show none); ``limit`` keeps the newest commits;
    ``diff_filter`` keeps changes of those git status letters (``D``: deletions).
    """
    args = ["log", "-z", "--raw", "--no-abbrev", "--no-color", f"--format={LOG_FORMAT}"]
    if follow:
        args.append("--follow")
    if renames:
        args.append("-M")
    if merges:
        args.append("--diff-merges=first-parent")
    if limit is not None:
        args += ["-n", str(limit)]
    if diff_filter:
        args.append(f"--diff-filter={diff_filter}")
    args += ["--end-of-options", rev]
    if path is not None:
        args += ["--", path]
    return args


class LogStream:
    """A running ``git log``: iterate for its commits (read lazily, as git writes them);
    :meth:`finish` after the last one gives git's error, :meth:`close` stops it early."""

    def __init__(self, proc: subprocess.Popen):
        self._proc: subprocess.Popen | None = proc
        assert proc.stdout is not None
        self._commits = iter_log(proc.stdout)  # lazy: nothing is read yet

    def __iter__(self) -> Iterator[LogCommit]:
        return self._commits

    def __next__(self) -> LogCommit:
        return next(self._commits)

    def finish(self) -> str | None:
        """Wait for git to exit (after reading every commit): its one-line error, if any."""
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        assert proc.stderr is not None
        err = proc.stderr.read().decode("utf-8", "replace").strip()
        failed = proc.wait() != 0
        release(proc)
        return err.splitlines()[0].removeprefix("fatal: ") if failed and err else None

    def close(self) -> None:
        """Stop git (safe to call twice, and after :meth:`finish`)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            stop(proc)

    def __enter__(self) -> LogStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LogCommit(Record):
    """One commit of a ``git log --raw -z`` stream with its raw changes."""

    __slots__ = (
        "author_email",
        "author_name",
        "changes",
        "committed",
        "date",
        "parents",
        "sha",
        "subject",
    )
    sha: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    date: str  # the author date
    subject: str
    changes: list[RawChange]
    committed: str  # the committer date

    def __init__(
        self,
        sha: str,
        parents: tuple[str, ...],
        author_name: str,
        author_email: str,
        date: str,
        subject: str,
        changes: list[RawChange] | None = None,
        committed: str = "",
    ):
        self.sha = sha
        self.parents = parents
        self.author_name = author_name
        self.author_email = author_email
        self.date = date
        self.subject = subject
        self.changes = [] if changes is None else changes
        self.committed = committed


class RawChange(Frozen):
    """One line of ``--raw``: status letter, old and new blob (``None`` if absent), paths."""

    __slots__ = ("new_blob", "new_mode", "new_path", "old_blob", "old_mode", "old_path", "status")
    status: str
    old_blob: str | None
    new_blob: str | None
    old_path: str
    new_path: str
    old_mode: str
    new_mode: str

    def __init__(
        self,
        status: str,
        old_blob: str | None,
        new_blob: str | None,
        old_path: str,
        new_path: str,
        old_mode: str,
        new_mode: str,
    ):
        put = object.__setattr__
        put(self, "status", status)
        put(self, "old_blob", old_blob)
        put(self, "new_blob", new_blob)
        put(self, "old_path", old_path)
        put(self, "new_path", new_path)
        put(self, "old_mode", old_mode)
        put(self, "new_mode", new_mode)


_RECORD_START = re.compile(rb"\x01?[0-9a-f]{40}\x00")


def _is_record_start(part: bytes) -> bool:
    """Whether text after a ``\\x00\\x01`` marker begins a commit record (a sha then NUL),
    and not a subject or path that happens to start with ``\\x01``."""
    return _RECORD_START.match(part) is not None


def iter_log(stream: IO[bytes], chunk: int = 1 << 16) -> Iterator[LogCommit]:
    """Parse a ``git log -z --raw --format=LOG_FORMAT`` stream lazily, one commit at a time.

    Records are cut at the ``\\x01`` that starts each header and split on NUL in C; only the
    (rare) marker inside a subject or file name needs a second look.
    """
    read = stream.read1 if hasattr(stream, "read1") else stream.read
    buf = b""
    eof = False
    while not eof:
        data = read(chunk)
        if data:
            buf += data
        else:
            eof = True
        parts = buf.split(_MARK)
        records = [parts[0]]
        for part in parts[1:]:
            if _is_record_start(part):
                records.append(part)
            else:  # a marker inside a subject or a path: not a record boundary
                records[-1] += _MARK + part
        buf = b"" if eof else records.pop()  # the last record may still be incomplete
        for record in records:
            commit = _parse_record(record)
            if commit is not None:
                yield commit


_MARK = b"\x00\x01"


def _parse_record(record: bytes) -> LogCommit | None:
    record = record.removeprefix(b"\x01")
    fields = record.split(b"\x00")
    if len(fields) <= _HEADER_FIELDS or len(fields[0]) != 40:
        return None
    commit = LogCommit(
        sha=fields[0].decode("ascii"),
        parents=tuple(p.decode("ascii") for p in fields[1].split()),
        author_name=_decode(fields[2]),
        author_email=_decode(fields[3]),
        date=fields[4].decode("ascii"),
        subject=_decode(fields[6]),
        committed=fields[5].decode("ascii"),
    )
    i, n = _HEADER_FIELDS + 1, len(fields)
    while i < n:
        token = fields[i].lstrip(b"\n")
        i += 1
        if not token.startswith(b":"):
            continue
        meta = token[1:].split()
        if len(meta) < 5:
            continue
        status = meta[4][:1].decode("ascii")
        first = fields[i] if i < n else b""
        i += 1
        second = first
        if status in ("R", "C"):
            second = fields[i] if i < n else b""
            i += 1
        commit.changes.append(
            RawChange(
                status=status,
                old_blob=_blob_or_none(meta[2]),
                new_blob=_blob_or_none(meta[3]),
                old_path=_decode(first),
                new_path=_decode(second),
                old_mode=meta[0].decode("ascii"),
                new_mode=meta[1].decode("ascii"),
            )
        )
    return commit
