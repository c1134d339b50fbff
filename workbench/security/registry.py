"""The security rule registry: every rule by id, in documentation order."""

from workbench.security.rules import CATEGORIES, RULES

__all__ = ["CATEGORIES", "RULES"]
