"""Reading ``REV:PATH`` contract specs from git (the syntax and ``parse_rev_path`` are in
:mod:`workbench.contract.revspec`, re-exported here)."""

from __future__ import annotations

from pathlib import Path

from workbench.contract.errors import ContractError, Problem
from workbench.contract.model import Contract
from workbench.contract.revspec import INDEX, PSEUDO_REVS, WORKTREE, parse_rev_path
from workbench.history.errors import HistoryError
from workbench.sources.loading import artefact_id, load_document_bytes

__all__ = ["INDEX", "PSEUDO_REVS", "WORKTREE", "parse_rev_path", "read_contract_at"]


def read_contract_at(repo_dir: str | Path, rev: str, path: str, kind: str = "auto") -> Contract:
    """Load the contract (or the artefact: ``kind`` as for
    :func:`~workbench.sources.load_document_text`) at ``path`` as of ``rev`` in the repository
    containing ``repo_dir``.

    Raises :class:`ContractError` for every failure (no repository, unknown revision, no such
    file at that revision, invalid contract), each a one-line problem whose file is
    ``REV:PATH``.
    """
    from workbench.history.gitio import GitRepo  # only when a revision is read

    source = f"{rev}:{path}"
    try:
        git = GitRepo.discover(repo_dir)
    except HistoryError as exc:
        raise ContractError([Problem(source, 1, 1, str(exc))]) from None
    try:
        rel = git.relpath(path)
        if not rel:
            raise HistoryError(f"no file path after {rev!r}: (expected REV:PATH)")
        raw = git.read_at(rev, rel)
    except HistoryError as exc:
        raise ContractError([Problem(source, 1, 1, str(exc))]) from None
    finally:
        git.close()
    return load_document_bytes(raw, source, kind, contract_id=artefact_id(rel))
