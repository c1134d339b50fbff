"""Contract history from git: repositories, revisions (with the uncommitted draft), caches.

``ContractRepo.open(path)`` is the entry point (see :mod:`workbench.history.repo`);
``read_contract_at``/``parse_rev_path`` serve ``REV:PATH`` specs; ``amendment_log`` is what
``workbench log`` prints.
"""

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
