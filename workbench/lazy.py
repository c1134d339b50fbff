"""Names a package exports lazily: each is imported from its module on first use.

A package that re-exports names from heavy modules (the repository model, the artefact
readers) would load them all on ``import``; a command that needs one small module of the
package should not pay for the rest. This module is a leaf every layer may use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, namespace: dict[str, Any], where: dict[str, str]) -> Callable:
    """A module ``__getattr__`` for ``package``: a name of ``where`` (name -> module) is
    imported from its module on first use and kept in ``namespace`` (the package's globals)."""

    def __getattr__(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(where[name]), name)
        namespace[name] = value
        return value

    return __getattr__
