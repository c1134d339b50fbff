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


SNIFF_WHOLE = 1 << 20  # blobs up to this size are read whole (pipelined) to be recognized
SNIFF_HEAD = 64 << 10  # of bigger ones, only the head (the identity keys come first)
GREP_OVER = 1000  # more changed blobs than this: let git grep rule out most of them first


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


_Raw = tuple[str, str | None, str | None, str, str]  # status, old blob, new blob, old, new


def _decoded(meta: bytes, old: bytes, new: bytes) -> _Raw:
    """``:MODE MODE OLD-BLOB NEW-BLOB STATUS`` and the paths, as text."""
    _, _, old_blob, new_blob, status = meta.decode("ascii").split(" ", 4)
    return (
        status[:1],
        None if old_blob.strip("0") == "" else old_blob,
        None if new_blob.strip("0") == "" else new_blob,
        old.decode("utf-8", "surrogateescape"),
        new.decode("utf-8", "surrogateescape"),
    )


def changed_since(repo: ContractRepo, base: str) -> list[Changed]:
    """The contracts changed between commit ``base`` and HEAD (renames followed).

    Bounded by what changed, never by the size of the files: the paths the ``contracts`` globs
    select, recognized by content (a contract on either side: one broken into something else,
    or replaced by a huge file, is still checked) from blobs read in one pipelined stream, of
    which huge ones only their head; when thousands of files changed, ``git grep`` first rules
    out those that do not even contain the words ``contract`` and ``version``."""
    selected = PathFilter(repo.config.include, repo.config.exclude)
    raw = repo.git.run("diff", "--raw", "-z", "-M", "--no-abbrev", "--no-color", base, "HEAD")
    rows = _raw_rows(raw)
    if len(rows) > GREP_OVER:  # keep the paths that contain both words on some side
        old_hits, new_hits = _grep_both_words(repo, base), _grep_both_words(repo, "HEAD")
        rows = [r for r in rows if r[1] in old_hits or r[2] in new_hits]
    changes = [
        c
        for c in (_decoded(*r) for r in rows)
        if c[0] != "U" and (selected(c[4]) or selected(c[3]))
    ]
    blobs = [b for c in changes for b in (c[1], c[2]) if b]
    is_contract = _recognize(repo, list(dict.fromkeys(blobs)))
    out: list[Changed] = []
    for status, old_blob, new_blob, old_path, new_path in changes:
        if not (is_contract.get(new_blob or "") or is_contract.get(old_blob or "")):
            continue
        deleted = status == "D"
        out.append(
            Changed(old_path if deleted else new_path, None if status == "A" else old_path, deleted)
        )
    return out


def _grep_both_words(repo: ContractRepo, rev: str) -> set[bytes]:
    """The files of ``rev`` that contain both ``contract`` and ``version`` (what
    :func:`~workbench.history.meta.sniff` needs before it looks any further)."""
    args = ["grep", "-l", "-z", "--all-match", "-F", "-e", "contract", "-e", "version", rev]
    out = repo.git.run(*args, check=False)
    prefix = f"{rev}:".encode()
    return {name.removeprefix(prefix) for name in out.split(b"\x00") if name}


def _recognize(repo: ContractRepo, blobs: list[str]) -> dict[str, bool]:
    """Which blobs look like contracts (:func:`~workbench.history.meta.sniff`)."""
    sizes = repo.git.blob_sizes(blobs)
    small = [b for b in blobs if sizes.get(b, 0) <= SNIFF_WHOLE]
    found = {b: sniff(raw) is not None for b, raw in repo.git.read_blobs(small).items()}
    for blob in blobs:
        if sizes.get(blob, 0) > SNIFF_WHOLE:
            try:
                found[blob] = sniff(repo.git.read_head(blob, SNIFF_HEAD)) is not None
            except (OSError, HistoryError):
                found[blob] = True  # cannot tell: checked (and refused) rather than skipped
    return found


def amended_paths(repo: ContractRepo, base: str | None = None) -> list[str]:
    """The contracts with a draft in the working tree or the index (deleted ones left out) and,
    with ``base`` (a commit), those changed between it and HEAD: the amendments an author may
    mean when naming none."""
    paths = [c.path for c in changed_since(repo, base) if not c.deleted] if base else []
    changed = repo.changed_paths()
    paths += [
        e.path
        for e in repo.contracts(paths=changed)
        if e.draft not in ("clean", "deleted") and e.path not in paths
    ]
    return paths
