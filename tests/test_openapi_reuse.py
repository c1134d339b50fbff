"""Reading revisions of one OpenAPI description in a row reuses the operations and schemas that
did not change: every reading must be exactly what a fresh reading gives (values of the same
types, the same locations, the same errors), whatever changed between the two."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from tree_support import strict_equal

from workbench.contract import ContractError
from workbench.sources import base, load_artefact_text, openapi

BASE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Orders", "version": "1.0.0"},
    "security": [{"oauth": ["orders:read"]}],
    "paths": {
        "/orders": {
            "get": {
                "operationId": "listOrders",
                "deprecated": False,
                "responses": {"200": {"$ref": "#/components/responses/Orders"}},
            },
            "post": {
                "operationId": "createOrder",
                "security": [{"oauth": ["orders:write"]}],
                "requestBody": {"$ref": "#/components/requestBodies/NewOrder"},
                "responses": {"201": {"description": "Created"}},
            },
        },
        "/orders/{id}": {"$ref": "#/components/x-items/one"},
        "/notes": {
            "get": {
                "responses": {
                    "200": {
                        "description": "Notes",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Order/properties/note"}
                            }
                        },
                    }
                }
            }
        },
    },
    "components": {
        "x-items": {
            "one": {
                "get": {
                    "operationId": "getOrder",
                    "responses": {"200": {"$ref": "#/components/responses/Order"}},
                }
            }
        },
        "securitySchemes": {
            "oauth": {
                "type": "oauth2",
                "flows": {
                    "clientCredentials": {
                        "tokenUrl": "https://id.example.com/token",
                        "scopes": {"orders:read": "", "orders:write": ""},
                    }
                },
            }
        },
        "requestBodies": {
            "NewOrder": {
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}
            }
        },
        "responses": {
            "Orders": {
                "description": "Orders",
                "content": {
                    "application/json": {
                        "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Order"}}
                    }
                },
            },
            "Order": {
                "description": "One order",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}},
            },
        },
        "schemas": {
            "Order": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "string"},
                    "total": {"type": "number", "minimum": 0, "exclusiveMinimum": False},
                    "note": {"type": "string", "maxLength": 200, "nullable": False},
                },
            },
            "Money": {"type": "integer", "minimum": 1},
        },
    },
}


def _set(path: tuple, value: Any) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


def _delete(path: tuple) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return edit


GET = ("paths", "/orders", "get")
NOTE = ("components", "schemas", "Order", "properties", "note")
EDITS: dict[str, Callable[[dict], None]] = {
    "nothing": lambda doc: None,
    "false becomes 0 (equal in Python, not in JSON)": _set((*GET, "deprecated"), 0),
    "false becomes true": _set((*GET, "deprecated"), True),
    "nullable false becomes 0": _set((*NOTE, "nullable"), 0),
    "nullable becomes true": _set((*NOTE, "nullable"), True),
    "a bound 1 becomes 1.0": _set(("components", "schemas", "Money", "minimum"), 1.0),
    "exclusiveMinimum false becomes true": _set(
        ("components", "schemas", "Order", "properties", "total", "exclusiveMinimum"), True
    ),
    "a referenced response changes": _set(
        ("components", "responses", "Orders", "description"), "All orders"
    ),
    "a referenced request body changes media type": _set(
        ("components", "requestBodies", "NewOrder", "content"),
        {"application/xml": {"schema": {"type": "string"}}},
    ),
    "the path item a reference names changes": _set(
        ("components", "x-items", "one", "get", "operationId"), "fetchOrder"
    ),
    "an inlined deep reference changes": _set((*NOTE, "maxLength"), 500),
    "the top-level security changes": _set(("security",), [{"oauth": ["orders:write"]}]),
    "a scheme is added": _set(
        ("components", "securitySchemes", "key"), {"type": "apiKey", "in": "header", "name": "K"}
    ),
    "an operation id is taken first by another route": lambda doc: doc["paths"].update(
        {"/orders": doc["paths"].pop("/orders"), "/first": {"get": {"operationId": "getOrder"}}}
    ),
    "routes reordered": lambda doc: doc.update(paths=dict(reversed(doc["paths"].items()))),
    "the OpenAPI version changes": _set(("openapi",), "3.1.0"),
    "a referenced schema is removed": _delete(("components", "schemas", "Order")),
    "the scheme a requirement names is removed": _delete(
        ("components", "securitySchemes", "oauth")
    ),
    "a new operation": _set(("paths", "/new"), {"put": {"operationId": "listOrders"}}),
}


def _read(doc: dict, indent: int | None = 2) -> Any:
    try:
        return load_artefact_text(json.dumps(doc, indent=indent), "api/openapi.json")
    except ContractError as exc:
        return [p.format() for p in exc.problems]


def _same_reading(again: Any, fresh: Any) -> None:
    if isinstance(fresh, list):  # the errors
        assert again == fresh
        return
    strict_equal(again.data, fresh.data)
    assert again.text == fresh.text
    for mine, theirs in ((again.locs, fresh.locs), (again.key_locs, fresh.key_locs)):
        assert list(mine.sources.items()) == list(theirs.sources.items())
        assert list(mine.trees.items()) == list(theirs.trees.items())
        assert {p: mine.get(p) for p in theirs.sources} == {
            p: theirs.get(p) for p in theirs.sources
        }


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
@pytest.mark.parametrize("indent", [2, None], ids=["indented", "one line"])
@pytest.mark.parametrize("as_edit", [False, True], ids=["parsed whole", "parsed as an edit"])
def test_a_reading_after_another_is_a_fresh_reading(
    edit: Callable[[dict], None], indent: int | None, as_edit: bool, monkeypatch
) -> None:
    # parsed as an edit of the text before (sources.jsonedit): the parts the texts share are
    # the same objects, and the reader reuses their units by identity
    monkeypatch.setattr(base, "EDIT_FROM", 0 if as_edit else 1 << 60)
    changed = copy.deepcopy(BASE)
    edit(changed)
    base.forget_json()
    openapi.forget()
    fresh = _read(changed, indent)
    openapi.forget()
    assert not isinstance(_read(BASE), list)  # the last reading: every unit kept
    _same_reading(_read(changed, indent), fresh)
    _same_reading(_read(BASE), (openapi.forget(), base.forget_json(), _read(BASE))[2])  # back


def test_unchanged_units_are_reused_and_changed_ones_converted() -> None:
    openapi.forget()
    first = _read(BASE)
    changed = copy.deepcopy(BASE)
    _set((*GET, "deprecated"), True)(changed)
    second = _read(changed)
    old, new = first.data["endpoints"], second.data["endpoints"]
    assert new["getOrder"] is old["getOrder"]  # reused: the engine skips it by identity
    assert new["get_notes"] is old["get_notes"]
    assert new["listOrders"] is not old["listOrders"] and new["listOrders"]["deprecated"] is True
    schemas = second.data["components"]["schemas"]
    assert schemas["Order"] is first.data["components"]["schemas"]["Order"]


def test_a_failed_reading_leaves_the_last_one_in_place() -> None:
    openapi.forget()
    _read(BASE)
    broken = copy.deepcopy(BASE)
    _delete(("components", "schemas", "Order"))(broken)
    assert isinstance(_read(broken), list)
    again = _read(BASE)  # against the units of the reading before the failed one
    openapi.forget()
    _same_reading(again, _read(BASE))
