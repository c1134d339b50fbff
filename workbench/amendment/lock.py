"""One writer at a time: answers to the checklist are read, changed and saved under a lock.

Every amend action re-reads the record, changes it and writes it back. Two processes (two
terminals, the TUI and a script) answering at the same moment would otherwise both read the old
record and the second save would drop the first answer. The lock is an advisory ``flock`` on a
file in the repository's git directory (per worktree), held for the whole read-change-write of
one action; it is released when the holder exits, even when it is killed, so it never goes
stale. Where ``fcntl`` is missing, a lock file created with ``O_EXCL`` does the same.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

LOCK_NAME = "workbench-records.lock"
DEFAULT_TIMEOUT = 30.0


class LockTimeout(RuntimeError):
    """Another writer held the lock for longer than the timeout."""


@contextlib.contextmanager
def records_lock(git_dir: Path, *, timeout: float = DEFAULT_TIMEOUT) -> Iterator[None]:
    """Hold the repository's record lock for the duration of the ``with`` block."""
    path = Path(git_dir) / LOCK_NAME
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        with _exclusive_file(path, timeout):
            yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        delay = 0.001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(_busy(timeout)) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.005)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _busy(timeout: float) -> str:
    return (
        f"another workbench process has been saving this repository's amendment records for "
        f"{timeout:.0f}s: nothing was written; try again"
    )


@contextlib.contextmanager
def _exclusive_file(path: Path, timeout: float) -> Iterator[None]:  # pragma: no cover
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            break
        except FileExistsError:
            with contextlib.suppress(OSError):
                if time.time() - path.stat().st_mtime > 10 * timeout:
                    path.unlink()  # left by a writer that died long ago
                    continue
            if time.monotonic() >= deadline:
                raise LockTimeout(_busy(timeout)) from None
            time.sleep(0.01)
    try:
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)
        with contextlib.suppress(OSError):
            path.unlink()
