"""Rule metadata for reports, read from the engine's and the security review's registries.

Reports describe rules (SARIF ``tool.driver.rules``, links to ``docs/rules.md``) from the same
registries the docs are generated from, through the one rule shape
(:class:`~workbench.engine.registry.RuleMeta`); a finding whose rule is unknown to both (a rule
from a newer engine, say) still gets a descriptor built from the finding itself.
"""

from __future__ import annotations

from collections.abc import Mapping

from workbench.engine.registry import RuleMeta
from workbench.engine.rules import REGISTRY
from workbench.report.common import rule_anchor
from workbench.security.registry import RULES as SECURITY_RULES


def compatibility_rules() -> Mapping[str, RuleMeta]:
    """The engine's rule registry, by id."""
    return REGISTRY


def security_rules() -> Mapping[str, RuleMeta]:
    """The security review's rule registry, by id."""
    return SECURITY_RULES


RULES_DOC = "rules.md"
SECURITY_RULES_DOC = "security-rules.md"


def rule_doc_url(rule_id: str, docs_base: str = "docs/") -> str:
    """The link to a rule's entry: ``docs/rules.md#anchor`` or ``docs/security-rules.md#anchor``.

    The anchor is GitHub's slug of the rule's heading (``### `token.alg-removed` `` gives
    ``tokenalg-removed``).
    """
    page = SECURITY_RULES_DOC if rule_id in SECURITY_RULES else RULES_DOC
    base = docs_base if not docs_base or docs_base.endswith("/") else docs_base + "/"
    return f"{base}{page}#{rule_anchor(rule_id)}"
