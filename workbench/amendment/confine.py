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
from pathlib import Path

from workbench.contract.yamlsrc import read_regular


class PathRefused(ValueError):
    """A path the workbench would read or write leaves the work tree or enters ``.git`` (or is
    not a regular file it can read)."""


def _is_git_component(part: str) -> bool:
    # case-insensitive: on macOS and Windows ".GIT" is the git directory too
    return part.casefold().rstrip(". ") == ".git"


def check_relpath(rel: str) -> str:
    """``rel`` as a clean repository-relative POSIX path; refuse absolute paths, ``..`` and
    any ``.git`` component (without touching the file system)."""
    text = rel.replace("\\", "/")
    if not text or text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        raise PathRefused(f"{rel}: not a path inside the repository")
    norm = posixpath.normpath(text)
    parts = norm.split("/")
    if norm in (".", "..") or parts[0] == "..":
        raise PathRefused(f"{rel}: leaves the repository")
    if any(_is_git_component(p) for p in parts):
        raise PathRefused(f"{rel}: inside the git directory")
    return norm


def confined(root: Path, rel: str, *, git_dir: Path | None = None) -> Path:
    """The absolute path of ``rel`` under the work tree ``root``, with every symbolic link on
    the way resolved; :class:`PathRefused` when it resolves outside ``root`` or into the
    git directory. The file itself need not exist (a record about to be created)."""
    clean = check_relpath(rel)
    base = Path(os.path.realpath(root))
    target = Path(os.path.realpath(base / clean))
    if target != base and base not in target.parents:
        raise PathRefused(
            f"{clean}: resolves to {target}, outside the repository (a symbolic link?): refused"
        )
    inside = target.relative_to(base).parts if target != base else ()
    if any(_is_git_component(p) for p in inside):
        raise PathRefused(f"{clean}: resolves into the git directory: refused")
    if git_dir is not None:
        real_git = Path(os.path.realpath(git_dir))
        if target == real_git or real_git in target.parents:
            raise PathRefused(f"{clean}: resolves into the git directory: refused")
    return target


def read_confined(root: Path, rel: str, *, git_dir: Path | None = None) -> bytes | None:
    """The bytes of ``rel`` in the work tree (``None`` when absent); refused outside it, and
    for anything but a regular file of bounded size (a FIFO or a device would block)."""
    path = confined(root, rel, git_dir=git_dir)
    try:
        return read_regular(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise PathRefused(f"{rel}: cannot be read: {exc.strerror or exc}") from None
