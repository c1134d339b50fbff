"""Patches of a case's base document, shared by the engine's and the artefacts' case corpora.

A patch merges mappings (``"(delete)"`` removes a key); inside a list, keys select elements by
index or by natural key (``clientId=shop-web``), ``"+": [items]`` appends; anything else (a
list, a scalar) replaces what was there.
"""

from __future__ import annotations

import copy
from typing import Any

DELETE = "(delete)"

# The artefact fixtures in tests/artefacts/ and the kind each is.
ARTEFACT_FIXTURES = {
    "openid-configuration.json": "oidc-discovery",
    "oauth-authorization-server.json": "rfc8414",
    "openapi-3.0.yaml": "openapi",
    "openapi-3.1.json": "openapi",
    "realm-export.json": "keycloak-realm",
    "dex-config.yaml": "dex-config",
}


def patch(base: Any, override: Any) -> Any:
    """``override`` merged into a copy of ``base``."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            if value == DELETE:
                out.pop(key, None)
            elif key in out:
                out[key] = patch(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
        return out
    if isinstance(base, list) and isinstance(override, dict):
        out_list = list(base)
        removals = []
        for key, value in override.items():
            if key == "+":
                out_list.extend(copy.deepcopy(value))
                continue
            index = _select(out_list, key)
            if value == DELETE:
                removals.append(index)
            else:
                out_list[index] = patch(out_list[index], value)
        for index in sorted(removals, reverse=True):
            del out_list[index]
        return out_list
    return copy.deepcopy(override)


def _select(items: list, key: Any) -> int:
    if isinstance(key, int):
        return key
    field, _, value = str(key).partition("=")
    for i, item in enumerate(items):
        if isinstance(item, dict) and str(item.get(field)) == value:
            return i
    raise KeyError(f"no element with {key}")
