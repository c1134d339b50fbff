"""Contracts in a directory on disk, recognized as the history layer recognizes them.

``workbench validate DIR`` checks every contract under a directory: the files the repository's
``contracts.include``/``exclude`` globs select (``.workbench.yaml`` of the enclosing repository,
else the defaults: ``*.yaml`` and ``*.yml`` outside ``amendments/``) whose content has the
top-level ``contract`` and ``version`` keys (:func:`workbench.history.meta.sniff`). Other YAML
files (CI settings, records, the ignore file) are not contracts and are left alone.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from workbench.config import Config, load_config
from workbench.history.globs import PathFilter
from workbench.history.meta import sniff

HEAD_BYTES = 64 * 1024  # enough to find the identity keys; the validator reads the whole file


@dataclass(frozen=True, slots=True)
class Found:
    """One file under the directory: a contract to validate, or a file that could not be read
    to tell (``error``), which the caller reports instead of skipping it silently."""

    path: Path
    error: str | None = None


def settings_root(directory: Path) -> Path | None:
    """The nearest enclosing directory holding ``.workbench.yaml`` or ``.git`` (the repository
    root whose settings apply), or ``None``."""
    here = directory.resolve()
    for candidate in (here, *here.parents):
        if (candidate / ".workbench.yaml").exists() or (candidate / ".git").exists():
            return candidate
    return None


def contract_files(directory: Path, config: Config | None = None) -> Iterator[Found]:
    """Every contract under ``directory``, sorted by path. ``config`` gives the globs (default:
    the enclosing repository's ``.workbench.yaml``; ``load_config`` raises ``ContractError`` on a
    broken one). Hidden directories (``.git``) and symbolic links to directories are not entered.
    """
    root = settings_root(directory)
    if config is None:
        config = load_config(root) if root is not None else Config()
    base = root if root is not None else directory.resolve()
    selected = PathFilter(config.include, config.exclude)
    found: list[Found] = []
    for dirpath, dirnames, filenames in os.walk(directory, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            path = Path(dirpath) / name
            try:
                rel = path.resolve().relative_to(base).as_posix()
            except (ValueError, OSError):
                rel = path.relative_to(directory).as_posix()
            if not selected(rel):
                continue
            try:
                head = _head(path)
            except OSError as exc:
                found.append(Found(path, f"cannot read: {exc.strerror or exc}"))
                continue
            if head is not None and sniff(head, rel) is not None:
                found.append(Found(path))
    found.sort(key=lambda f: f.path.as_posix())
    yield from found


def _head(path: Path) -> bytes | None:
    """The first bytes of a regular file, without blocking; ``None`` for anything else (a FIFO,
    a socket, a device): the history layer does not read those either."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        return None
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, HEAD_BYTES)
    finally:
        os.close(fd)
