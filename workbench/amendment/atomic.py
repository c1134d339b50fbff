"""Crash-safe file writes: every answer of the checklist survives a killed terminal.

A write goes to a temporary file in the destination's directory, is flushed and fsync'ed, then
renamed over the destination with :func:`os.replace` (atomic on POSIX and Windows), and the
directory is fsync'ed so the rename itself is durable. A reader therefore sees either the old
file or the new one, never a torn mix; a process killed mid-write leaves at most a hidden
``.NAME.<pid>.*.tmp`` file, which the next write to the same destination removes.

An action that writes several files (a notice and the record, a contract and the record) runs
inside :func:`all_or_nothing`: when anything in it fails (a full disk on the second file, a
refusal), every file written or removed in the block is put back as it was.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

TMP_SUFFIX = ".tmp"
STALE_TMP_SECONDS = 60.0

# What the current all_or_nothing block changed: (path, its previous content kept under a
# hidden name, or None when it did not exist); directories it created, as (dir, None, True).
_Journal = list[tuple[Path, Path | None, bool]]
_JOURNAL: ContextVar[_Journal | None] = ContextVar("workbench_atomic_journal", default=None)


@contextlib.contextmanager
def all_or_nothing() -> Iterator[None]:
    """Put back every file :func:`atomic_write` wrote and :func:`remove` removed inside the
    block, and remove the directories it created, when the block raises. Nested blocks join the
    outermost one."""
    if _JOURNAL.get() is not None:
        yield
        return
    journal: _Journal = []
    token = _JOURNAL.set(journal)
    try:
        yield
    except BaseException:
        _undo(journal)
        raise
    else:
        for _, kept, _is_dir in journal:
            if kept is not None:
                with contextlib.suppress(OSError):
                    kept.unlink()
    finally:
        _JOURNAL.reset(token)


def _undo(journal: _Journal) -> None:
    for path, kept, is_dir in reversed(journal):
        with contextlib.suppress(OSError):
            if is_dir:
                path.rmdir()  # only when empty again
            elif kept is not None:
                os.replace(kept, path)
            else:
                path.unlink(missing_ok=True)


def _journal_file(target: Path, *, move: bool = False) -> None:
    """Remember ``target`` as it is, once per block: a hard link to its content (no space
    needed), or its absence. With ``move`` the file itself is moved aside (a removal)."""
    journal = _JOURNAL.get()
    if journal is None or any(p == target and not d for p, _, d in journal):
        if move:
            target.unlink(missing_ok=True)
        return
    kept: Path | None = target.parent / f"{_tmp_prefix(target)}{os.getpid()}.orig{TMP_SUFFIX}"
    assert kept is not None
    kept.unlink(missing_ok=True)
    try:
        if move:
            os.replace(target, kept)
        else:
            os.link(target, kept)
    except FileNotFoundError:
        kept = None
    journal.append((target, kept, False))


def _journal_dirs(directory: Path) -> None:
    """Create ``directory`` and its missing parents, remembering the ones created."""
    missing = []
    d = directory
    while not d.exists() and d != d.parent:
        missing.append(d)
        d = d.parent
    directory.mkdir(parents=True, exist_ok=True)
    journal = _JOURNAL.get()
    if journal is not None:
        journal.extend((m, None, True) for m in reversed(missing))


def remove(path: str | Path) -> None:
    """Delete ``path`` if it exists (inside :func:`all_or_nothing`, restorably)."""
    target = Path(path)
    if target.exists() or target.is_symlink():
        _journal_file(target, move=True)


def _tmp_prefix(path: Path) -> str:
    return f".{path.name}."


def _writer_alive(name: str, prefix: str) -> bool:
    """Whether the process that created temporary file ``name`` still runs (the writer's pid
    is the first field after the prefix); unknown counts as alive."""
    pid_text = name[len(prefix) :].split(".", 1)[0]
    if not pid_text.isdigit() or os.name != "posix":
        return True
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def atomic_write(path: str | Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically and durably (creating parent directories).

    Whatever fails (a read-only or full file system, a directory in the way) leaves ``path`` as
    it was and raises ``OSError`` naming ``path``.

    The file keeps its permission bits when it exists (a contract stays group-readable);
    a new file gets the usual ``0o666 & ~umask``.
    """
    target = Path(path)
    _journal_dirs(target.parent)
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    prefix = f"{_tmp_prefix(target)}{os.getpid()}."
    try:
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=TMP_SUFFIX, dir=target.parent)
    except OSError as exc:  # a read-only or full file system: name the file we meant to write
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        _journal_file(target)
        os.replace(tmp, target)
    except OSError as exc:  # named after the destination, not the temporary file
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(target.parent)
    remove_stale_temps(target)


def _fsync_dir(directory: Path) -> None:
    if os.name != "posix":  # pragma: no cover - directories cannot be opened on Windows
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - unusual filesystems
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse fsync on directories
        pass
    finally:
        os.close(fd)


def remove_stale_temps(target: str | Path, *, older_than: float = STALE_TMP_SECONDS) -> int:
    """Delete temporary files a killed writer left next to ``target``; return how many.

    Only files named like our own temporaries for this destination are touched, and only when
    the process that wrote them is gone (its pid is in the name) or they are older than
    ``older_than`` seconds, so a concurrent writer's file is never removed.
    """
    target = Path(target)
    prefix = _tmp_prefix(target)
    removed = 0
    now = time.time()
    try:
        entries = list(target.parent.glob(f"{prefix}*{TMP_SUFFIX}"))
    except OSError:  # pragma: no cover
        return 0
    for entry in entries:
        with contextlib.suppress(OSError):
            if not _writer_alive(entry.name, prefix) or now - entry.stat().st_mtime >= older_than:
                entry.unlink()
                removed += 1
    return removed
