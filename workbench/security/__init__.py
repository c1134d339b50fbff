"""The security review: standards-backed rules on a contract and on an amendment, and the
repository policy that tunes them (``security:`` in ``.workbench.yaml``).

The names below are imported from their modules on first use: reading a cached report (the
log) or counting its findings does not load every rule.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.security.model import (
        SEVERITIES,
        SEVERITY_RANK,
        Rule,
        SecurityFinding,
        at_or_above,
    )
    from workbench.security.policy import (
        DEFAULT_POLICY,
        Policy,
        load_policy,
        load_policy_file,
    )
    from workbench.security.registry import RULES
    from workbench.security.review import review_amendment, review_contract

_LAZY: dict[str, str] = {
    "SEVERITIES": "workbench.security.model",
    "SEVERITY_RANK": "workbench.security.model",
    "Rule": "workbench.security.model",
    "SecurityFinding": "workbench.security.model",
    "at_or_above": "workbench.security.model",
    "DEFAULT_POLICY": "workbench.security.policy",
    "Policy": "workbench.security.policy",
    "load_policy": "workbench.security.policy",
    "load_policy_file": "workbench.security.policy",
    "RULES": "workbench.security.registry",
    "review_amendment": "workbench.security.review",
    "review_contract": "workbench.security.review",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_POLICY",
    "RULES",
    "SEVERITIES",
    "SEVERITY_RANK",
    "Policy",
    "Rule",
    "SecurityFinding",
    "at_or_above",
    "load_policy",
    "load_policy_file",
    "review_amendment",
    "review_contract",
]
