"""The history sniffer reads a large JSON OpenAPI description's identity from its head: the
answer must be the one parsing the whole document gives."""

from __future__ import annotations

import json

import pytest

import workbench.history.meta as meta
from workbench.history.meta import ContractMeta, sniff


def _description(head: dict, operations: int = 3000) -> dict:
    paths = {
        f"/v1/things/{n:05d}": {
            "get": {
                "operationId": f"op{n:05d}",
                "description": "Lists things. " * 4,
                "responses": {"200": {"description": "OK"}},
            }
        }
        for n in range(operations)
    }
    return {**head, "paths": paths}


HEAD = {"openapi": "3.0.3", "info": {"title": "Things", "version": "2.1.0"}}


def _parsed(raw: bytes) -> ContractMeta | None:
    """What sniffing gives when the head is never read (the whole text parsed)."""
    saved = meta.HEAD_FROM
    meta.HEAD_FROM = 1 << 62
    try:
        return sniff(raw, "api/openapi.json")
    finally:
        meta.HEAD_FROM = saved


DOCS = {
    "a description": json.dumps(_description(HEAD), indent=2),
    "on one line": json.dumps(_description(HEAD)),
    "info after other members": json.dumps(
        _description({"openapi": "3.1.0", "servers": [{"url": "https://x"}], "info": HEAD["info"]})
    ),
    "info last": json.dumps({"openapi": "3.0.3", **_description({}), "info": HEAD["info"]}),
    "a later duplicate info": json.dumps(_description(HEAD))[:-1]
    + ', "info": {"title": "Other", "version": "9.9.9"}}',
    "a later duplicate openapi": json.dumps(_description(HEAD))[:-1] + ', "openapi": 3}',
    "a later key spelled with an escape": json.dumps(_description(HEAD))[:-1]
    + ', "\\u0069nfo": {"title": "Escaped", "version": "7.0.0"}}',
    "info a property of a schema": json.dumps(
        {**_description(HEAD), "components": {"schemas": {"A": {"properties": {"info": {}}}}}}
    ),
    "a non-semver version": json.dumps(
        _description({"openapi": "3.0.3", "info": {"title": " Padded ", "version": "2024-01"}})
    ),
    "a numeric openapi": json.dumps(_description({"openapi": 3, "info": HEAD["info"]})),
    "a swagger document": json.dumps(_description({"swagger": "2.0", "info": HEAD["info"]})),
    "a duplicate key in the head": '{"openapi": "3.0.3", "openapi": "3.1.0", "info": {}, '
    + json.dumps(_description({}))[1:],
    "no info": json.dumps(_description({"openapi": "3.0.3"})),
}


@pytest.mark.parametrize("text", DOCS.values(), ids=DOCS.keys())
def test_the_head_gives_what_a_parse_gives(text: str) -> None:
    raw = text.encode()
    assert len(raw) > meta.HEAD_FROM
    assert sniff(raw, "api/openapi.json") == _parsed(raw)


def test_a_description_broken_after_its_head_is_still_listed_by_it() -> None:
    raw = (json.dumps(_description(HEAD))[:-1] + ",}").encode()
    assert sniff(raw, "api/openapi.json") == ContractMeta("", "2.1.0", "Things", "", "openapi")


def test_a_large_description_is_not_parsed_to_be_sniffed(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = DOCS["a description"].encode()

    def refuse(raw: bytes) -> None:
        raise AssertionError("parsed")

    monkeypatch.setattr(meta, "_parse", refuse)
    assert sniff(raw, "api/openapi.json") == ContractMeta("", "2.1.0", "Things", "", "openapi")
