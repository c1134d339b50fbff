"""The rule registry, filled by the area modules below (import order = documentation order)."""

from workbench.engine.rules import (  # noqa: F401
    api,
    clients,  # format v1.1: registered clients, upstream providers, security schemes
    identity,
    lifecycle,
    schemas,
    servers,  # format v1.1: what authorization servers publish and how they are configured
    sessions,
    tokens,
)
from workbench.engine.rules.base import AREAS, REGISTRY, Env, Hit, Registry, Rule, rule

__all__ = ["AREAS", "REGISTRY", "Env", "Hit", "Registry", "Rule", "rule"]
