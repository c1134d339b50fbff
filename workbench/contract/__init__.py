"""The authentication-contract format: schema, loading with source locations, model, units.

The names below are imported from their modules on first use: importing a small module of the
package (``contract.errors``, ``contract.revspec``) does not load the loader and PyYAML.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.contract.errors import ContractError, Problem
    from workbench.contract.loader import (
        load_contract,
        load_contract_bytes,
        load_contract_text,
        validate_contract,
        validate_file,
    )
    from workbench.contract.loc import Loc
    from workbench.contract.model import Contract

_LAZY: dict[str, str] = {
    "ContractError": "workbench.contract.errors",
    "Problem": "workbench.contract.errors",
    "load_contract": "workbench.contract.loader",
    "load_contract_bytes": "workbench.contract.loader",
    "load_contract_text": "workbench.contract.loader",
    "validate_contract": "workbench.contract.loader",
    "validate_file": "workbench.contract.loader",
    "Contract": "workbench.contract.model",
    "Loc": "workbench.contract.loc",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "Contract",
    "ContractError",
    "Loc",
    "Problem",
    "load_contract",
    "load_contract_bytes",
    "load_contract_text",
    "validate_contract",
    "validate_file",
]
