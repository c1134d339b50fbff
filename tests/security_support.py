"""Builders shared by the security tests: the exemplary contract, patched copies of it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from workbench.contract import load_contract_text
from workbench.contract.model import Contract

CASES_DIR = Path(__file__).parent / "security_cases"
EXEMPLARY = CASES_DIR / "exemplary.yaml"


def exemplary() -> dict:
    """The exemplary contract (clean under every security rule), as data to patch."""
    return yaml.safe_load(EXEMPLARY.read_text())


def _split(path: str) -> list[Any]:
    return [int(p) if p.isdigit() else p for p in path.split(".")]


def patch(data: dict, spec: dict | None) -> dict:
    """A copy of ``data`` with ``spec['set']`` paths set and ``spec['delete']`` paths removed."""
    out = copy.deepcopy(data)
    spec = spec or {}
    for path, value in (spec.get("set") or {}).items():
        *parents, last = _split(path)
        node = out
        for key in parents:
            node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
        node[last] = copy.deepcopy(value)
    for path in spec.get("delete") or []:
        *parents, last = _split(path)
        node = out
        for key in parents:
            node = node[key]
        del node[last]
    return out


def contract_from(data: dict, name: str) -> Contract:
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return load_contract_text(text, name)
