"""The rule registry, filled by the area modules below (import order = documentation order)."""

from workbench.engine.rules import (  # noqa: F401
    api,
    clients,
    identity,
    lifecycle,
    schemas,
    servers,
    sessions,
    tokens,
)
from workbench.engine.rules.base import AREAS, REGISTRY, CompatibilityRegistry, Env, Hit, Rule, rule

__all__ = ["AREAS", "REGISTRY", "CompatibilityRegistry", "Env", "Hit", "Rule", "rule"]
