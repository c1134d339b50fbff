"""``REV:PATH`` contract specs, as ``workbench diff main:contracts/payments.yaml ./draft.yaml``.

``REV`` is any git revision (``main``, ``v2.0``, ``HEAD~3``, a sha) or one of the pseudo
revisions ``WORKTREE`` (the file on disk) and ``INDEX`` (the staged copy; ``:PATH`` means the
same, as in git). ``PATH`` is relative to the repository root, unless it starts with ``./`` or
``../`` (then relative to the current directory, as git does).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from workbench.contract.errors import ContractError, Problem
from workbench.contract.loader import load_contract_bytes
from workbench.contract.model import Contract
from workbench.history.errors import HistoryError
from workbench.history.model import INDEX, WORKTREE

PSEUDO_REVS = (WORKTREE, INDEX)

_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def parse_rev_path(spec: str) -> tuple[str, str] | None:
    """Split ``REV:PATH`` into ``(rev, path)``; ``None`` when ``spec`` is a plain file path.

    A spec that names an existing file, a Windows drive path (``C:\\x``) or a URL is a path.
    ``:PATH`` gives ``("INDEX", PATH)``. The path may be empty (``main:``); reading it then
    fails with a clear message.
    """
    if ":" not in spec or _DRIVE.match(spec) or "://" in spec:
        return None
    if os.path.exists(spec):
        return None
    rev, _, path = spec.partition(":")
    return (rev or INDEX, path)


def read_contract_at(repo_dir: str | Path, rev: str, path: str) -> Contract:
    """Load the contract at ``path`` as of ``rev`` in the repository containing ``repo_dir``.

    Raises :class:`ContractError` for every failure (no repository, unknown revision, no such
    file at that revision, invalid contract), each a one-line problem whose file is
    ``REV:PATH``.
    """
    from workbench.history.gitio import GitRepo

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
    return load_contract_bytes(raw, source)
