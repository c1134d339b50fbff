"""Write a contract read from an artefact as a format v1.1 contract file (``workbench import``).

The file holds the artefact's effective values (defaults applied, secrets as digests), so it
loads, validates and judges the same as the artefact itself. Durations are written in their
compact form (``15m``), which the loader reads back to the same seconds.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from workbench.contract.model import DURATION_FIELDS, Contract, duration_places
from workbench.contract.units import format_duration
from workbench.textsafe import UNSAFE, clean, escape_for_double_quotes


class _Dumper(yaml.SafeDumper):
    """Block style, no aliases (a contract reads top to bottom)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # bidi, invisible and control characters: double-quoted, escaped by to_contract_yaml
    style = '"' if UNSAFE.search(value) else "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def contract_data(contract: Contract) -> dict[str, Any]:
    """The contract's data as a file would hold it (durations in compact form)."""
    data = copy.deepcopy(contract.data)
    for spec in DURATION_FIELDS:
        for node, key, _ in duration_places(data, spec):
            if isinstance(node[key], int) and not isinstance(node[key], bool):
                node[key] = format_duration(node[key])
    return data


def to_contract_yaml(contract: Contract, *, source: str | None = None) -> str:
    """The contract as format v1.1 YAML, with a header naming where it came from."""
    data = contract_data(contract)
    kind = (data.get("artefact") or {}).get("kind", "contract")
    name = source or contract.source
    header = (
        f"# Read from {clean(name)} ({clean(kind)}) by `workbench import`: effective values\n"
        "# with the defaults of the artefact's kind applied; secrets appear only as digests.\n"
    )
    body = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return header + escape_for_double_quotes(body)  # the file reads as it is
