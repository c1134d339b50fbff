"""Rule metadata for reports, read from the engine's and the security review's registries.

Reports describe rules (SARIF ``tool.driver.rules``, links to ``docs/rules.md``) from the same
registries the docs are generated from; a finding whose rule is unknown to both (a rule from a
newer engine, say) still gets a descriptor built from the finding itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a report needs to know about a rule."""

    id: str
    title: str
    rationale: str
    severity: str  # breaking|risky|safe for compatibility rules, critical..info for security
    citation: str = ""
    security: str = "neutral"
    breaks: tuple[str, ...] = ()
    fix: str = ""
    family: str = "compatibility"  # or "security"


@cache
def compatibility_rules() -> dict[str, RuleInfo]:
    """The engine's rule registry, by id (empty while the engine has none)."""
    try:
        from workbench.engine.rules import REGISTRY
    except ImportError:  # pragma: no cover - the engine ships its registry
        return {}
    return {
        r.id: RuleInfo(
            id=r.id,
            title=r.title,
            rationale=r.rationale,
            severity=r.severity,
            citation=r.citation,
            security=r.security,
            breaks=tuple(r.breaks),
        )
        for r in REGISTRY
    }


@cache
def security_rules() -> dict[str, RuleInfo]:
    """The security review's rule registry, by id."""
    try:
        from workbench.security.rules import RULES
    except ImportError:  # pragma: no cover - the security review ships its registry
        return {}
    return {
        r.id: RuleInfo(
            id=r.id,
            title=r.title,
            rationale=r.rationale,
            severity=r.severity,
            citation=r.citation,
            fix=r.fix,
            family="security",
        )
        for r in RULES.values()
    }


def lookup(rule_id: str) -> RuleInfo | None:
    """A rule by id from either registry."""
    return compatibility_rules().get(rule_id) or security_rules().get(rule_id)
