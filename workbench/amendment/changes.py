"""Which contracts an amendment changed: against HEAD in the working tree or the index, or
between a merge base and HEAD (a branch). The gate checks each of them; an amendment session
opened without a contract takes the only one."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.history.errors import HistoryError
from workbench.history.globs import PathFilter
from workbench.history.meta import sniff
from workbench.history.model import ContractEntry
from workbench.history.repo import ContractRepo


@dataclass(frozen=True, slots=True)
class Changed:
    path: str
    old_path: str | None  # where it was at the base (renames), None when new
    deleted: bool = False


def changed_local(entries: list[ContractEntry], staged: bool) -> list[Changed]:
    """The listed contracts whose staged copy (``staged``) or working-tree draft differs from
    HEAD."""
    out = []
    for entry in entries:
        if staged and not entry.staged:
            continue
        if not staged and entry.draft == "clean":
            continue
        out.append(Changed(entry.path, entry.renamed_from or entry.path, entry.draft == "deleted"))
    return out


def changed_since(repo: ContractRepo, base: str) -> list[Changed]:
    """The contracts changed between commit ``base`` and HEAD (renames followed)."""
    selected = PathFilter(repo.config.include, repo.config.exclude)
    raw = repo.git.run("diff", "-z", "--name-status", "-M", "--no-color", base, "HEAD")
    fields = [f.decode("utf-8", "surrogateescape") for f in raw.split(b"\x00")]
    out: list[Changed] = []
    i = 0
    while i < len(fields) and fields[i]:
        status = fields[i]
        if status[:1] in ("R", "C"):
            old, new = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old = new = fields[i + 1]
            i += 2
        if not (selected(new) or selected(old)):
            continue
        deleted = status[:1] == "D"
        rev, path = (base, old) if deleted else ("HEAD", new)
        try:
            content = repo.git.read_at(rev, path)
        except HistoryError:
            continue
        if sniff(content) is None:
            continue
        out.append(
            Changed(new if not deleted else old, None if status[:1] == "A" else old, deleted)
        )
    return out


def amended_paths(repo: ContractRepo, base: str | None = None) -> list[str]:
    """The contracts with a draft in the working tree or the index (deleted ones left out) and,
    with ``base`` (a commit), those changed between it and HEAD: the amendments an author may
    mean when naming none."""
    paths = [c.path for c in changed_since(repo, base) if not c.deleted] if base else []
    paths += [
        e.path
        for e in repo.contracts()
        if e.draft not in ("clean", "deleted") and e.path not in paths
    ]
    return paths
