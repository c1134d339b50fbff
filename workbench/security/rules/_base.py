"""The registry every security rule module adds to, and the decorator that adds a rule (the
same :class:`~workbench.engine.registry.Registry` shape as the engine's rules)."""

from __future__ import annotations

from workbench.engine.registry import Registry
from workbench.security.model import SEVERITIES, Rule

# Areas, in documentation order: the id prefix of a rule names its area.
AREAS: dict[str, str] = {
    "jwt": "JSON Web Tokens",
    "oauth": "OAuth 2.0 flows and clients",
    "transport": "Issuers and endpoints",
    "session": "Sessions and cookies",
    "mfa": "Multi-factor authentication and assurance",
    "keys": "Keys and algorithms",
    "policy": "Repository policy",
    "regression": "Amendments (regressions)",
}
CATEGORIES = AREAS  # the name the security review's docs and policy have always used

RULES: Registry[Rule] = Registry(Rule, family="security", areas=AREAS, severities=SEVERITIES)
rule = RULES.rule  # the decorator every rule module uses
