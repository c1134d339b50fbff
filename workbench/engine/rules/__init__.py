"""The rule registry, filled by the area modules below (import order = documentation order)."""

from workbench.engine.rules import api, identity, lifecycle, schemas, sessions, tokens  # noqa: F401
from workbench.engine.rules.base import AREAS, REGISTRY, Env, Hit, Registry, Rule, rule

__all__ = ["AREAS", "REGISTRY", "Env", "Hit", "Registry", "Rule", "rule"]
