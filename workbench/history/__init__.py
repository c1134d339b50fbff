"""Contract history from git: repositories, revisions (with the uncommitted draft), caches.

``ContractRepo.open(path)`` is the entry point (see :mod:`workbench.history.repo`);
``read_contract_at``/``parse_rev_path`` serve ``REV:PATH`` specs; ``amendment_log`` is what
``workbench log`` prints.

The names below are imported on first use, so that importing one light module of the package
(``workbench.history.errors``, ``.model``) does not import git access and the loader.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.history.errors import HistoryError
    from workbench.history.log import LogEntry, amendment_log
    from workbench.history.model import INDEX, WORKTREE, ContractEntry, ParentRef, Revision
    from workbench.history.repo import ContractRepo
    from workbench.history.revspec import PSEUDO_REVS, parse_rev_path, read_contract_at

_WHERE = {
    "INDEX": "model",
    "PSEUDO_REVS": "revspec",
    "WORKTREE": "model",
    "ContractEntry": "model",
    "ContractRepo": "repo",
    "HistoryError": "errors",
    "LogEntry": "log",
    "ParentRef": "model",
    "Revision": "model",
    "amendment_log": "log",
    "parse_rev_path": "revspec",
    "read_contract_at": "revspec",
}

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


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
