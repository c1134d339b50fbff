"""The rule registry, filled by the area modules below (import order = documentation order)."""

from workbench.engine.rules import api, identity, lifecycle, schemas, sessions, tokens  # noqa: F401
from workbench.engine.rules.base import AREAS, REGISTRY, CompatibilityRegistry, Env, Hit, Rule, rule

__all__ = ["AREAS", "REGISTRY", "CompatibilityRegistry", "Env", "Hit", "Rule", "rule"]
