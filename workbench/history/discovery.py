"""Whether a path can be inside a git repository, answered from the file system alone: commands
that read files (a file-to-file diff) ask it before importing the git plumbing or starting git."""

from __future__ import annotations

import os
from pathlib import Path


def may_be_in_repository(start: str | Path) -> bool:
    """Whether ``start`` or a parent holds a ``.git`` entry or is a git directory (``HEAD``):
    git finds a repository nowhere else, so without one there is no need to ask it."""
    current = os.path.abspath(start)
    while True:
        if os.path.lexists(os.path.join(current, ".git")) or os.path.isfile(
            os.path.join(current, "HEAD")
        ):
            return True
        parent = os.path.dirname(current)
        if parent == current:
            return False
        current = parent
