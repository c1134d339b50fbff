"""Stay inside the repository: every record, notice and changelog the workbench reads from or
writes to the working tree is resolved first (symbolic links followed) and refused when it
leaves the work tree or enters the git directory.

A pull request can commit ``amendments -> /elsewhere`` or ``CHANGELOG.md -> ~/.ssh/config``;
following such a link would write outside the repository or copy a private file into it. The
refusal is one line and happens before anything is read or written.
"""

from __future__ import annotations

import os
import posixpath
import stat
from pathlib import Path


class OutsideRepository(ValueError):
    """A path the workbench would read or write leaves the work tree or enters ``.git``."""


def _is_git_component(part: str) -> bool:
    # case-insensitive: on macOS and Windows ".GIT" is the git directory too
    return part.casefold().rstrip(". ") == ".git"


def check_relpath(rel: str) -> str:
    """``rel`` as a clean repository-relative POSIX path; refuse absolute paths, ``..`` and
    any ``.git`` component (without touching the file system)."""
    text = rel.replace("\\", "/")
    if not text or text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        raise OutsideRepository(f"{rel}: not a path inside the repository")
    norm = posixpath.normpath(text)
    parts = norm.split("/")
    if norm in (".", "..") or parts[0] == "..":
        raise OutsideRepository(f"{rel}: leaves the repository")
    if any(_is_git_component(p) for p in parts):
        raise OutsideRepository(f"{rel}: inside the git directory")
    return norm


def confined(root: Path, rel: str, *, git_dir: Path | None = None) -> Path:
    """The absolute path of ``rel`` under the work tree ``root``, with every symbolic link on
    the way resolved; :class:`OutsideRepository` when it resolves outside ``root`` or into the
    git directory. The file itself need not exist (a record about to be created)."""
    clean = check_relpath(rel)
    base = Path(os.path.realpath(root))
    target = Path(os.path.realpath(base / clean))
    if target != base and base not in target.parents:
        raise OutsideRepository(
            f"{clean}: resolves to {target}, outside the repository (a symbolic link?): refused"
        )
    inside = target.relative_to(base).parts if target != base else ()
    if any(_is_git_component(p) for p in inside):
        raise OutsideRepository(f"{clean}: resolves into the git directory: refused")
    if git_dir is not None:
        real_git = Path(os.path.realpath(git_dir))
        if target == real_git or real_git in target.parents:
            raise OutsideRepository(f"{clean}: resolves into the git directory: refused")
    return target


def read_confined(root: Path, rel: str, *, git_dir: Path | None = None) -> bytes | None:
    """The bytes of ``rel`` in the work tree (``None`` when absent); refused outside it.
    Only regular files are read (a FIFO or a device would block or never end)."""
    path = confined(root, rel, git_dir=git_dir)
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode):
        raise OutsideRepository(f"{rel}: not a regular file: refused")
    return path.read_bytes()
