"""Reading contract files and blobs: regular files only, never blocking, never over the size
limit, UTF-8 only; every failure a located problem. Apart from the parser (``yamlsrc``
re-exports these) so that the history layer reads files without importing PyYAML."""

from __future__ import annotations

import errno
import os
import stat

from workbench.contract.errors import ContractError, Problem

MAX_BYTES = 8 * 1024 * 1024
"""The largest file the workbench reads (checked before reading)."""


def read_source(path: str | os.PathLike, display: str | None = None) -> str:
    """Read a YAML or JSON file as text, refusing what is not a regular file (without blocking:
    a FIFO, a device, a directory) and anything over :data:`MAX_BYTES` before reading it.

    Every OS-level failure becomes a positioned problem.
    """
    name = display or str(path)
    return decode_source(read_bytes(path, name), name)


def read_bytes(
    path: str | os.PathLike, display: str | None = None, limit: int = MAX_BYTES
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, else :class:`ContractError`."""
    name = display or str(path)
    try:
        return read_regular(path, limit)
    except FileNotFoundError:
        message = "no such file"
    except PermissionError:
        message = "permission denied"
    except IsADirectoryError:
        message = "is a directory, not a contract file"
    except _Refused as exc:
        message = str(exc)
    except OSError as exc:
        message = f"cannot read: {exc.strerror or exc}"
    raise ContractError([Problem(name, 1, 1, message)])


class _Refused(OSError):
    """A file the workbench will not read: not a regular file, or too large."""

    def __init__(self, message: str, code: int):
        super().__init__(code, message)

    def __str__(self) -> str:
        return self.strerror or ""


def read_regular(path: str | os.PathLike, limit: int = MAX_BYTES) -> bytes:
    """Read a regular file of at most ``limit`` bytes, never blocking.

    Raises ``OSError`` like ``Path.read_bytes`` (``FileNotFoundError``, ``PermissionError``,
    ``IsADirectoryError``...), and also for a FIFO, a device or a socket (refused before opening,
    and again after, since a path can change in between) and for a file over ``limit`` (refused
    from its size before reading, and the read stops one byte past ``limit`` whatever the size
    said). The ``strerror`` of a refusal says why.
    """
    st = os.stat(path)
    _check_mode(st.st_mode)
    if st.st_size > limit:
        raise _Refused(_too_big(st.st_size, limit), errno.EFBIG)
    # O_NONBLOCK: a path swapped for a FIFO after the stat cannot block the open
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        _check_mode(os.fstat(fd).st_mode)
        chunks = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > limit:
        raise _Refused(_too_big(len(raw), limit), errno.EFBIG)
    return raw


def _check_mode(mode: int) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory")
    if not stat.S_ISREG(mode):
        raise _Refused(f"not a regular file ({_kind(mode)}): refused", errno.EINVAL)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _too_big(size: int, limit: int) -> str:
    return f"file is {size / 1e6:.1f} MB, over the {limit // (1024 * 1024)} MB limit for a contract"


def decode_source(raw: bytes, filename: str) -> str:
    """Bytes to text, refusing binary and non-UTF-8 input with a positioned problem."""
    if len(raw) > MAX_BYTES:
        raise ContractError([Problem(filename, 1, 1, _too_big(len(raw), MAX_BYTES))])
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = _position(raw, nul)
        raise ContractError([Problem(filename, line, col, "binary file (NUL byte), not YAML")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _position(raw, exc.start)
        raise ContractError(
            [Problem(filename, line, col, f"not UTF-8: byte 0x{raw[exc.start]:02x} is invalid")]
        ) from None
    return text.removeprefix("\ufeff")


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    line = raw.count(b"\n", 0, offset) + 1
    start = raw.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1
