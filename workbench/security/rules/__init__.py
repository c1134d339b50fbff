"""Security rules, one module per area; importing this package fills the registry."""

from workbench.security.rules import (  # noqa: F401
    artefacts,
    jwt,
    keys,
    oauth,
    regression,
    session,
)
from workbench.security.rules._base import AREAS, CATEGORIES, RULES

__all__ = ["AREAS", "CATEGORIES", "RULES"]
