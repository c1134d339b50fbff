"""The authentication-contract format: schema, loading with source locations, model, units."""

from workbench.contract.errors import ContractError, Problem
from workbench.contract.loader import (
    load_contract,
    load_contract_bytes,
    load_contract_text,
    validate_contract,
    validate_file,
)
from workbench.contract.model import Contract
from workbench.contract.yamlsrc import Loc

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
