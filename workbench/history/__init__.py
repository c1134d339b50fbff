"""Contract history from git: repositories, revisions (with the uncommitted draft), caches.

``ContractRepo.open(path)`` is the entry point (see :mod:`workbench.history.repo`);
``read_contract_at``/``parse_rev_path`` serve ``REV:PATH`` specs; ``amendment_log`` is what
``workbench log`` prints.

The names below are imported from their modules on first use, so importing one small module
of the package (``history.revspec``, ``history.errors``) does not load the repository model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.lazy import lazy_exports

if TYPE_CHECKING:
    from workbench.history.errors import HistoryError
    from workbench.history.log import LogEntry, amendment_log
    from workbench.history.model import ContractEntry, ParentRef, Revision
    from workbench.history.repo import ContractRepo
    from workbench.history.revspec import (
        INDEX,
        PSEUDO_REVS,
        WORKTREE,
        parse_rev_path,
        read_contract_at,
    )

_LAZY: dict[str, str] = {
    "HistoryError": "workbench.history.errors",
    "LogEntry": "workbench.history.log",
    "amendment_log": "workbench.history.log",
    "ContractEntry": "workbench.history.model",
    "ParentRef": "workbench.history.model",
    "Revision": "workbench.history.model",
    "ContractRepo": "workbench.history.repo",
    "INDEX": "workbench.history.revspec",
    "PSEUDO_REVS": "workbench.history.revspec",
    "WORKTREE": "workbench.history.revspec",
    "parse_rev_path": "workbench.history.revspec",
    "read_contract_at": "workbench.history.revspec",
}


__getattr__ = lazy_exports(__name__, globals(), _LAZY)

__all__ = [
    "INDEX",
    "PSEUDO_REVS",
    "WORKTREE",
    "ContractEntry",
    "ContractRepo",
    "HistoryError",
    "LogEntry",
    "ParentRef",
    "Revision",
    "amendment_log",
    "parse_rev_path",
    "read_contract_at",
]
