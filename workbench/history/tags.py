"""The tags of a repository by the commit they point to (``payments-api/v3.0.0``), from one
``git for-each-ref`` call: what the history list shows beside each revision."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.history.errors import HistoryError

if TYPE_CHECKING:
    from workbench.history.gitio import GitRepo

# the commit a tag names: an annotated tag's target (``*objectname``), else the object itself
FORMAT = "%(objectname) %(*objectname) %(refname:short)"


def tags_by_commit(git: GitRepo) -> dict[str, tuple[str, ...]]:
    """Commit sha -> the names of the tags pointing at it (sorted); empty for a repository
    without tags or commits."""
    try:
        out = git.run("for-each-ref", f"--format={FORMAT}", "refs/tags")
    except HistoryError:
        return {}
    tags: dict[str, list[str]] = {}
    for line in out.decode("utf-8", "replace").splitlines():
        parts = line.split(" ", 2)
        if len(parts) != 3 or not parts[2]:
            continue
        obj, target, name = parts
        tags.setdefault(target or obj, []).append(name)
    return {sha: tuple(sorted(names)) for sha, names in tags.items()}
