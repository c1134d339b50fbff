"""Which contracts an amendment changed: against HEAD in the working tree or the index, or
between a merge base and HEAD (a branch). The gate checks each of them; an amendment session
opened without a contract takes the only one.

Nothing is dropped silently: a changed file that cannot be read is listed with an ``error``
(the gate fails it), a file that is a contract on either side counts (YAML merge keys and flow
style included), and submodules whose contracts changed are reported by
:func:`changed_submodules`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import NamedTuple

from workbench.history.errors import HistoryError
from workbench.history.globs import PathFilter
from workbench.history.meta import ARTEFACT_WORDS, CONTRACT_WORDS, sniff
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


SNIFF_WHOLE = 1 << 20  # blobs up to this size are read whole (pipelined) to be recognized
SNIFF_HEAD = 64 << 10  # of bigger ones, only the head (the identity keys come first)
GREP_OVER = 1000  # more changed paths than this: git grep rules out most of them first


class _Raw(NamedTuple):
    """One line of ``git diff --raw``."""

    status: str
    old_mode: str
    new_mode: str
    old_blob: str | None
    new_blob: str | None
    old_path: str
    new_path: str


def _raw_rows(out: bytes) -> list[tuple[bytes, bytes, bytes]]:
    """``git diff --raw -z --no-abbrev`` output as ``(meta, old path, new path)``, still bytes:
    a commit may touch 100,000 files, and most are ruled out before anything is decoded."""
    fields = out.split(b"\x00")
    rows: list[tuple[bytes, bytes, bytes]] = []
    i, n = 0, len(fields) - 1
    while i < n:
        meta = fields[i]
        if meta[meta.rindex(b" ") + 1] in b"RC":  # a rename or copy names two paths
            rows.append((meta, fields[i + 1], fields[i + 2]))
            i += 3
        else:
            rows.append((meta, fields[i + 1], fields[i + 1]))
            i += 2
    return rows


def _decoded(meta: bytes, old: bytes, new: bytes) -> _Raw:
    """``:MODE MODE OLD-BLOB NEW-BLOB STATUS`` and the paths, as text."""
    old_mode, new_mode, old_blob, new_blob, status = meta.decode("ascii").lstrip(":").split()[:5]
    return _Raw(
        status[:1],
        old_mode,
        new_mode,
        None if old_blob.strip("0") == "" else old_blob,
        None if new_blob.strip("0") == "" else new_blob,
        old.decode("utf-8", "surrogateescape"),
        new.decode("utf-8", "surrogateescape"),
    )


def changed_since(repo: ContractRepo, base: str) -> list[Changed]:
    """The contracts changed between commit ``base`` and HEAD (renames followed).

    Bounded by what changed, never by the size of the files: the paths the ``contracts`` globs
    select, recognized by content (a contract on either side counts: one broken into something
    else, or replaced by a huge file, is still checked) from blobs read in one pipelined stream,
    of which huge ones only their head; when thousands of files changed, ``git grep`` first
    rules out those that do not even contain the words a contract or an artefact needs
    (``contract`` and ``version``; or one of ``openapi``, ``swagger``, ``realm``, ``issuer``).
    A blob that cannot be read is listed with an ``error``."""
    selected = PathFilter(repo.config.include, repo.config.exclude)
    raw = repo.git.run("diff", "-z", "--raw", "--no-abbrev", "-M", "--no-color", base, "HEAD")
    rows = _raw_rows(raw)
    if len(rows) > GREP_OVER:  # keep the paths that contain the words on some side
        old_hits, new_hits = _grep_words(repo, base), _grep_words(repo, "HEAD")
        rows = [r for r in rows if r[1] in old_hits or r[2] in new_hits]
    changes = [
        c
        for c in (_decoded(*r) for r in rows)
        if c.status != "U"
        and SUBMODULE_MODE not in (c.old_mode, c.new_mode)  # changed_submodules judges those
        and (selected(c.new_path) or selected(c.old_path))
    ]
    blobs = [b for c in changes for b in (c.old_blob, c.new_blob) if b]
    is_contract = _recognize(repo, list(dict.fromkeys(blobs)))
    out: list[Changed] = []
    for c in changes:
        added, deleted = c.status == "A", c.status == "D"
        sides = [] if added else [(base, c.old_path, c.old_blob)]
        if not deleted:
            sides.append(("HEAD", c.new_path, c.new_blob))
        path, old = (c.old_path if deleted else c.new_path), (None if added else c.old_path)
        missing = [(rev, p, b) for rev, p, b in sides if b and b not in is_contract]
        if missing:
            rev, p, b = missing[0]
            error = (
                f"{p} cannot be read at {rev}: object {b[:12]} is missing from the repository; "
                "it cannot be judged"
            )
            out.append(Changed(path, old, deleted, error))
        elif any(is_contract.get(b or "") for _, _, b in sides):
            out.append(Changed(path, old, deleted))
    return out


def _grep_words(repo: ContractRepo, rev: str) -> set[bytes]:
    """The files of ``rev`` that contain what :func:`~workbench.history.meta.sniff` needs
    before it looks any further: every one of its contract words, or one of its artefact
    words (two ``git grep`` runs)."""
    prefix = f"{rev}:".encode()
    found: set[bytes] = set()
    for words, every in ((CONTRACT_WORDS, True), (ARTEFACT_WORDS, False)):
        args = ["grep", "-l", "-z", "-F", *(["--all-match"] if every else [])]
        for word in words:
            args += ["-e", word]
        out = repo.git.run(*args, rev, check=False)
        found |= {name.removeprefix(prefix) for name in out.split(b"\x00") if name}
    return found


def _recognize(repo: ContractRepo, blobs: list[str]) -> dict[str, bool]:
    """Which blobs look like contracts (:func:`~workbench.history.meta.sniff`); blobs that
    cannot be read are left out."""
    sizes = repo.git.blob_sizes(blobs)
    small = [b for b in blobs if sizes.get(b, 0) <= SNIFF_WHOLE]
    found = {b: _is_contract(raw) for b, raw in repo.git.read_blobs(small).items()}
    for blob in blobs:
        if sizes.get(blob, 0) > SNIFF_WHOLE:
            with contextlib.suppress(OSError, HistoryError):  # else listed as unreadable
                found[blob] = _is_contract(repo.git.read_head(blob, SNIFF_HEAD))
    return found


def amended_paths(
    repo: ContractRepo, base: str | None = None, listing: list[ContractEntry] | None = None
) -> list[str]:
    """The contracts with a draft in the working tree or the index (deleted ones left out) and,
    with ``base`` (a commit), those changed between it and HEAD: the amendments an author may
    mean when naming none. ``listing`` is ``repo.contracts()`` when the caller has it."""
    paths = [c.path for c in changed_since(repo, base) if not c.deleted] if base else []
    if listing is None:  # only what git reports changed is read
        listing = repo.contracts(paths=repo.changed_paths())
    paths += [
        e.path for e in listing if e.draft not in ("clean", "deleted") and e.path not in paths
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
