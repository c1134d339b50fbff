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


def test_a_revision_is_searched_where_it_differs_from_the_last_one() -> None:
    """Each revision of a history is searched only where it differs from the one sniffed before
    it: every answer is the plain search's, whatever the edit (inside a word, across the
    boundaries of the shared text, growing or shrinking the document, adding a word)."""
    import random

    rng = random.Random(5)
    words = (b'"openapi"', b'"info"', b"contract", b"zz")
    text = json.dumps(_description(HEAD, 1200), indent=2).encode()
    assert len(text) >= meta.SHARE_FROM
    for edit in range(120):
        at = rng.randrange(len(text))
        cut = rng.randrange(0, 40)
        insert = rng.choice([b"", b"x", b'"info"', b"contract", b'"openapi"', b"zz" * 3, b"ntract"])
        if rng.random() < 0.3:
            at = rng.choice([0, len(text) - 1, text.find(b'"info"') + rng.randrange(-3, 6)])
        text = text[:at] + insert + text[at + cut :]
        for word in rng.sample(words, len(words)):
            for start in (0, rng.randrange(len(text)), len(text) - 3):
                assert meta._find(text, word, start) == text.find(word, start), (edit, word)
    assert meta._seen.last[0] is text


def test_the_head_of_each_revision_gives_what_a_parse_gives() -> None:
    """Sniffing a history of large descriptions revision after revision (each searched where
    it differs from the last) names each as parsing it whole does."""
    doc = _description(HEAD, 2000)
    for n in range(6):
        if n == 2:
            doc["paths"]["/v1/things/00007"]["info"] = {"title": "moved"}
        if n == 3:
            doc["info"] = {"title": "Renamed", "version": "2.2.0"}
        if n == 4:
            doc["x-contract"] = "contract"
        if n == 5:
            doc = {**doc, "info": {"title": "Last", "version": "3.0.0"}}
            doc["paths"]["/v1/things/00001"]["get"]["description"] = '"info" "openapi"'
        raw = json.dumps(doc, indent=2).encode()
        assert sniff(raw, "api/openapi.json") == _parsed(raw), n
