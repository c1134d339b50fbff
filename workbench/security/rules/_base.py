"""The registry every rule module adds to, and the decorator that adds a rule."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from workbench.security.model import FindingKind, Hit, Rule, SecuritySeverity

RULES: dict[str, Rule] = {}

CATEGORIES: dict[str, str] = {
    "jwt": "JSON Web Tokens",
    "oauth": "OAuth 2.0 flows and clients",
    "transport": "Issuers and endpoints",
    "session": "Sessions and cookies",
    "mfa": "Multi-factor authentication and assurance",
    "keys": "Keys and algorithms",
    "policy": "Repository policy",
    "regression": "Amendments (regressions)",
}


def rule(
    id: str,
    severity: SecuritySeverity,
    title: str,
    *,
    rationale: str,
    fix: str,
    citation: str,
    kind: FindingKind = "state",
    threshold: Callable[[Any], str] | None = None,
    severity_note: str = "",
) -> Callable[[Callable[[Any], Iterable[Hit]]], Callable[[Any], Iterable[Hit]]]:
    """Register the decorated check function as rule ``id``."""

    def register(check: Callable[[Any], Iterable[Hit]]) -> Callable[[Any], Iterable[Hit]]:
        if id in RULES:
            raise ValueError(f"duplicate security rule id {id!r}")
        category = id.split(".", 1)[0]
        if category not in CATEGORIES:
            raise ValueError(f"rule {id!r}: unknown category {category!r}")
        RULES[id] = Rule(
            id=id,
            severity=severity,
            category=category,
            title=title,
            rationale=" ".join(rationale.split()),
            fix=" ".join(fix.split()),
            citation=citation,
            kind=kind,
            check=check,
            threshold=threshold,
            severity_note=severity_note,
        )
        return check

    return register
