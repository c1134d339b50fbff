"""Crash-safe file writes: every answer of the checklist survives a killed terminal.

A write goes to a temporary file in the destination's directory, is flushed and fsync'ed, then
renamed over the destination with :func:`os.replace` (atomic on POSIX and Windows), and the
directory is fsync'ed so the rename itself is durable. A reader therefore sees either the old
file or the new one, never a torn mix; a process killed mid-write leaves at most a hidden
``.NAME.<pid>.*.tmp`` file, which the next write to the same destination removes.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from pathlib import Path

TMP_SUFFIX = ".tmp"
STALE_TMP_SECONDS = 60.0


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

    The file keeps its permission bits when it exists (a contract stays group-readable);
    a new file gets the usual ``0o666 & ~umask``.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    if mode is None:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    prefix = f"{_tmp_prefix(target)}{os.getpid()}."
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=TMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
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
