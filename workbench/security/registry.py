"""The security rule registry: every rule by id, in documentation order."""

from workbench.security.rules import AREAS, CATEGORIES, RULES

__all__ = ["AREAS", "CATEGORIES", "RULES"]
