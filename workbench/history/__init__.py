"""Contract history from git: repositories, revisions (with the uncommitted draft), caches."""

from workbench.history.errors import HistoryError
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
    "HistoryError",
    "parse_rev_path",
    "read_contract_at",
]
