"""Value types of the security review: rules, their hits, severities and fingerprints.

The finding itself, :class:`SecurityFinding`, lives beside the engine's ``Finding`` in
:mod:`workbench.engine.model` (one finding model, one ``DiffReport``); it is re-exported here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.engine.citations import citation_url
from workbench.engine.model import (
    SECURITY_SEVERITIES,
    FindingKind,
    SecurityFinding,
    SecuritySeverity,
)
from workbench.engine.registry import Family, RuleMeta

__all__ = [
    "FAIL_ON_CHOICES",
    "SEVERITIES",
    "SEVERITY_RANK",
    "FindingKind",
    "Hit",
    "Rule",
    "SecurityFinding",
    "SecuritySeverity",
    "at_or_above",
    "citation_url",
    "fingerprint",
    "sort_key",
]

SEVERITIES: tuple[str, ...] = SECURITY_SEVERITIES
SEVERITY_RANK: dict[str, int] = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
FAIL_ON_CHOICES: tuple[str, ...] = (*SEVERITIES, "never")


def at_or_above(severity: str, threshold: str) -> bool:
    """Whether ``severity`` reaches ``threshold`` (``never`` is reached by nothing)."""
    if threshold == "never":
        return False
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]


@dataclass(frozen=True, slots=True)
class Hit:
    """One place where a rule fires, as the rule's check function reports it.

    ``raw`` is the raw path into the contract on ``side`` (for the source line); ``key`` tells
    hits of one rule at one path apart in the fingerprint (an algorithm name, a claim list);
    ``severity`` overrides the rule's default for this hit (e.g. higher at aal3).
    """

    path: str
    raw: tuple
    message: str
    key: str = ""
    severity: str | None = None
    side: Literal["new", "old"] = "new"
    citation: str | None = None  # a regression carries the citation of the engine rule
    fix: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule(RuleMeta):
    """A security rule: :class:`RuleMeta` (with ``fix`` and, when the policy sets the limit,
    ``threshold``) plus its kind and the small function that checks.

    ``check`` takes a :class:`StateContext` (kind ``state``) or an :class:`AmendmentContext`
    (kind ``regression``) and yields :class:`Hit` objects.
    """

    check: Callable[[Any], Iterable[Hit]] = field(repr=False, compare=False)
    kind: FindingKind = "state"
    family: Family = "security"


def fingerprint(rule: str, contract_id: str, path: str, key: str = "") -> str:
    """16 hex digits identifying a finding independently of line numbers and run order."""
    text = "\x1f".join((rule, contract_id, path, key))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def sort_key(finding: SecurityFinding) -> tuple:
    """Most severe first, then regressions before state, then by position."""
    return (
        -SEVERITY_RANK[finding.severity],
        finding.kind != "regression",
        finding.side != "new",
        finding.line or 1,
        finding.column or 1,
        finding.rule,
        finding.path,
    )
