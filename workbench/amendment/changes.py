"""Which contracts an amendment changed: against HEAD in the working tree or the index, or
between a merge base and HEAD (a branch). The gate checks each of them; an amendment session
opened without a contract takes the only one.

Nothing is dropped silently: a changed file that cannot be read is listed with an ``error``
(the gate fails it), a file that is a contract on either side counts (YAML merge keys and flow
style included), and submodules whose contracts changed are reported by
:func:`changed_submodules`.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.history.errors import HistoryError
from workbench.history.globs import PathFilter
from workbench.history.meta import sniff
from workbench.history.model import ContractEntry
from workbench.history.repo import ContractRepo

SUBMODULE_MODE = "160000"


@dataclass(frozen=True, slots=True)
class Changed:
    path: str
    old_path: str | None  # where it was at the base (renames), None when new
    deleted: bool = False
    error: str | None = None  # it cannot be read: the gate fails it with this reason


def changed_local(
    entries: list[ContractEntry], staged: bool, index: set[str] | None = None
) -> list[Changed]:
    """The listed contracts whose staged copy (``staged``) or working-tree draft differs from
    HEAD. For the staged view a contract is deleted only when ``index`` (the paths in the
    index) no longer has it: a file deleted in the working tree but staged as modified is
    judged as staged, since that is what the commit will contain."""
    out = []
    for entry in entries:
        if staged and not entry.staged:
            continue
        if not staged and entry.draft == "clean":
            continue
        deleted = entry.draft == "deleted"
        if staged and deleted and index is not None and entry.path in index:
            deleted = False
        out.append(Changed(entry.path, entry.renamed_from or entry.path, deleted))
    return out


def _is_contract(raw: bytes) -> bool:
    return sniff(raw) is not None


def changed_since(repo: ContractRepo, base: str) -> list[Changed]:
    """The contracts changed between commit ``base`` and HEAD (renames followed)."""
    selected = PathFilter(repo.config.include, repo.config.exclude)
    raw = repo.git.run("diff", "-z", "--raw", "--no-abbrev", "-M", "--no-color", base, "HEAD")
    fields = [f.decode("utf-8", "surrogateescape") for f in raw.split(b"\x00")]
    out: list[Changed] = []
    i = 0
    while i < len(fields) and fields[i]:
        meta = fields[i].lstrip(":").split()
        if len(meta) < 5:
            break
        old_mode, new_mode, old_blob, new_blob, status = meta[:5]
        if status[:1] in ("R", "C"):
            old, new = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old = new = fields[i + 1]
            i += 2
        if SUBMODULE_MODE in (old_mode, new_mode):
            continue  # changed_submodules judges those
        if not (selected(new) or selected(old)):
            continue
        deleted = status[:1] == "D"
        added = status[:1] == "A"
        sides = []
        if not added:
            sides.append((base, old, old_blob))
        if not deleted:
            sides.append(("HEAD", new, new_blob))
        contents: list[bytes] = []
        error = None
        for rev, path, blob in sides:
            try:
                contents.append(repo.git.read_blob(blob))
            except HistoryError as exc:
                error = f"{path} cannot be read at {rev}: {exc}; it cannot be judged"
        path = old if deleted else new
        if error is not None:
            out.append(Changed(path, None if added else old, deleted, error))
            continue
        if not any(_is_contract(c) for c in contents):
            continue
        out.append(Changed(path, None if added else old, deleted))
    return out


def amended_paths(
    repo: ContractRepo, base: str | None = None, listing: list[ContractEntry] | None = None
) -> list[str]:
    """The contracts with a draft in the working tree or the index (deleted ones left out) and,
    with ``base`` (a commit), those changed between it and HEAD: the amendments an author may
    mean when naming none. ``listing`` is ``repo.contracts()`` when the caller has it."""
    paths = [c.path for c in changed_since(repo, base) if not c.deleted] if base else []
    paths += [
        e.path
        for e in (listing if listing is not None else repo.contracts())
        if e.draft not in ("clean", "deleted") and e.path not in paths
    ]
    return paths


@dataclass(frozen=True, slots=True)
class SubmoduleChange:
    """A submodule whose commit (or working tree) changed, and the contracts changed in it:
    ``contracts`` is ``None`` when that cannot be told (``reason`` says why)."""

    path: str
    describe: str
    contracts: list[str] | None
    reason: str = ""


def _gitlinks(repo: ContractRepo, mode: str, base: str | None) -> list[tuple[str, str, str]]:
    """``(path, old commit, new commit)`` of every gitlink that changed (``new`` is ``""``
    for a submodule whose working tree is dirty or that was removed)."""
    args = ["diff", "-z", "--raw", "--no-abbrev", "--no-color", "--ignore-submodules=none"]
    if mode == "base":
        args += [base or "HEAD", "HEAD"]
    elif mode == "index":
        args += ["--cached"] + ([base] if base else [])
    elif base:
        args += [base]
    else:
        return []
    try:
        raw = repo.git.run(*args)
    except HistoryError:
        return []
    fields = [f.decode("utf-8", "surrogateescape") for f in raw.split(b"\x00")]
    out = []
    i = 0
    while i < len(fields) and fields[i]:
        meta = fields[i].lstrip(":").split()
        if len(meta) < 5:
            break
        old_mode, new_mode, old_sha, new_sha, status = meta[:5]
        step = 3 if status[:1] in ("R", "C") else 2
        path = fields[i + step - 1]
        i += step
        if SUBMODULE_MODE in (old_mode, new_mode):
            zero = "0" * 40
            out.append(
                (
                    path,
                    old_sha if old_sha != zero else "",
                    new_sha if new_sha != zero and new_mode == SUBMODULE_MODE else "",
                )
            )
    return out


def changed_submodules(repo: ContractRepo, mode: str, base: str | None) -> list[SubmoduleChange]:
    """Submodules that changed for the gate's ``mode`` (see :class:`SubmoduleChange`)."""
    if repo.root is None:
        return []
    out = []
    for path, old, new in _gitlinks(repo, mode, base):
        describe = f"{old[:12] or 'none'} -> {new[:12] or 'working tree'}"
        try:
            sub = ContractRepo.open(repo.root / path, cache=False)
        except HistoryError:
            out.append(
                SubmoduleChange(path, describe, None, "the submodule is not checked out here")
            )
            continue
        try:
            if sub.root is None or sub.root.resolve() != (repo.root / path).resolve():
                out.append(
                    SubmoduleChange(path, describe, None, "the submodule is not checked out")
                )
                continue
            names: set[str] = set()
            if mode == "worktree":  # what the submodule's working tree holds now
                names |= {e.path for e in sub.contracts() if e.draft != "clean"}
                new = sub.head() or ""
            if old and new and old != new:
                names |= {c.path for c in changed_since_between(sub, old, new)}
            elif not old:  # a submodule added: every contract in it is new
                names |= {e.path for e in sub.contracts()}
            out.append(SubmoduleChange(path, describe, sorted(f"{path}/{n}" for n in names)))
        except HistoryError as exc:
            out.append(SubmoduleChange(path, describe, None, f"its history cannot be read: {exc}"))
        finally:
            sub.close()
    return out


def changed_since_between(repo: ContractRepo, old: str, new: str) -> list[Changed]:
    """:func:`changed_since` between two commits (``new`` instead of HEAD)."""
    selected = PathFilter(repo.config.include, repo.config.exclude)
    raw = repo.git.run("diff", "-z", "--name-only", "--no-color", old, new)
    out = []
    for name in (f.decode("utf-8", "surrogateescape") for f in raw.split(b"\x00") if f):
        if not selected(name):
            continue
        contents = []
        for rev in (old, new):
            entry = repo.git.tree_entry(rev, name)
            if entry is not None and entry[0] == "blob":
                try:
                    contents.append(repo.git.read_blob(entry[1]))
                except HistoryError as exc:
                    raise HistoryError(f"{name} at {rev[:12]}: {exc}") from None
        if any(_is_contract(c) for c in contents):
            out.append(Changed(name, name))
    return out
