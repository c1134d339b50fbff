"""Rule metadata for reports, read from the engine's and the security review's registries.

Reports describe rules (SARIF ``tool.driver.rules``, links to ``docs/rules.md``) from the same
registries the docs are generated from; a finding whose rule is unknown to both (a rule from a
newer engine, say) still gets a descriptor built from the finding itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from workbench.report.common import rule_anchor


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
    """The engine's rule registry, by id."""
    from workbench.engine.rules import REGISTRY

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
    from workbench.security.registry import RULES

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


RULES_DOC = "rules.md"
SECURITY_RULES_DOC = "security-rules.md"


def rule_doc_url(rule_id: str, docs_base: str = "docs/") -> str:
    """The link to a rule's entry: ``docs/rules.md#anchor`` or ``docs/security-rules.md#anchor``.

    The anchor is GitHub's slug of the rule's heading (``### `token.alg-removed` `` gives
    ``tokenalg-removed``).
    """
    page = SECURITY_RULES_DOC if rule_id in security_rules() else RULES_DOC
    base = docs_base if not docs_base or docs_base.endswith("/") else docs_base + "/"
    return f"{base}{page}#{rule_anchor(rule_id)}"
