"""A JSON text read after another is parsed as an edit of it (sources.jsonedit): the document, its
index and every position must be what a whole parse and a fresh locator give, or the edit is
refused and the text parsed whole (with the whole parse's errors)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest
from tree_support import strict_equal, tree_paths

from workbench.contract import ContractError
from workbench.sources import base, jsonedit, jsonloc
from workbench.sources.base import parse_document
from workbench.sources.jsonedit import Index, reparse, scan
from workbench.sources.jsonloc import JsonLocator

STRICT = base._STRICT


def _doc(rng: random.Random) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1.0.0"},
        "paths": {
            f"/r{n:03d}": {
                "get": {
                    "operationId": f"op{n}",
                    "tags": ["a", "b", "c"][: rng.randrange(4)],
                    "security": [{"oauth": ["read"] * rng.randrange(3)}],
                    "responses": {"200": {"description": "OK", "n": rng.choice([1, 1.0, True])}},
                }
            }
            for n in range(30)
        },
        "list": [[n, {"k": n}] for n in range(8)],
        "components": {"schemas": {f"S{n}": {"type": "string"} for n in range(6)}},
    }


def _valid_edit(rng: random.Random, doc: dict) -> dict:
    """A small change of the data (what an amendment does)."""
    new = json.loads(json.dumps(doc))
    routes = [r for r in new["paths"] if "get" in new["paths"][r]]
    kind = rng.randrange(9)
    op = new["paths"][rng.choice(routes)]["get"]
    if kind == 0:
        items = list(new["paths"].items())
        items.insert(rng.randrange(len(items) + 1), (f"/added{rng.random()}", {"post": {}}))
        new["paths"] = dict(items)
    elif kind == 1 and len(routes) > 5:
        del new["paths"][rng.choice(routes)]
    elif kind == 2:
        op["tags"] = ["x"] * rng.randrange(3)
    elif kind == 3:
        op["responses"]["200"]["n"] = rng.choice([1, 1.0, True, 0, False, None, "1"])
    elif kind == 4:
        new["list"].insert(rng.randrange(len(new["list"]) + 1), {"new": [1, 2]})
    elif kind == 5:
        if new["list"]:
            new["list"].pop(rng.randrange(len(new["list"])))
    elif kind == 6:
        op["security"] = []
    elif kind == 7:
        new["components"]["schemas"] = {}
    else:
        new["info"]["title"] += "!"
    return new


def _text(doc: dict, rng: random.Random) -> str:
    return json.dumps(doc, indent=rng.choice([2, None, 1]))


def _check_index(text: str, data: Any, index: Index) -> None:
    """Every container the index lists is where a fresh scan finds it, members and all."""
    root = JsonLocator(text)
    for path, members in index.containers.items():
        where = root.value(path)
        assert where is not None, path
        start = text.index(text[members.start], members.start)
        assert start == members.start
        fresh = scan(text, members.start)
        assert fresh.keys == members.keys, path
        assert fresh.key_at == members.key_at, path
        assert fresh.value_at == members.value_at, path
        assert fresh.value_end == members.value_end, path
        assert fresh.end == members.end, path
        node = data
        for key in path:
            node = node[key]
        assert len(node) == len(members.value_at)


def _positions(text: str, data: Any, index: Index | None) -> dict:
    jsonloc._last.ref = None
    loc = JsonLocator(text, index)
    return {p: (loc.value(p), loc.key(p)) for p in tree_paths(data)}


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("line_step", [jsonedit.LINE_STEP, 8], ids=["lines", "many lines kept"])
def test_an_edit_reads_as_a_whole_parse(seed: int, line_step: int, monkeypatch) -> None:
    # line counts are remembered every line_step characters and carried to the next text
    monkeypatch.setattr(jsonedit, "LINE_STEP", line_step)
    monkeypatch.setattr(jsonloc, "LINE_STEP", line_step)
    rng = random.Random(seed)
    doc = _doc(rng)
    text = _text(doc, rng)
    data, index = json.loads(text), Index()
    edited = 0
    for _ in range(12):
        doc = _valid_edit(rng, doc)
        new_text = text if rng.random() < 0.1 else _text(doc, random.Random(seed))
        got = reparse(text, data, index, new_text, STRICT)
        whole = json.loads(new_text)
        if got is None:
            data, index = whole, Index()
        else:
            edited += 1
            data, index = got
            strict_equal(data, whole)
            _check_index(new_text, data, index)
            assert _positions(new_text, data, index) == _positions(new_text, whole, None)
        text = new_text
    assert edited >= 6  # most amendments are read as edits


def _edited(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


BASE = json.dumps(
    {
        "a": {"x": 1, "y": [1, 2, {"z": "q"}], "w": {}},
        "b": [],
        "c": {"k": "v"},
    },
    indent=2,
)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"x": 1,', '"x": 1, "x": 2,'),  # a repeated key next to the changed member
        ('"x": 1,', '"y": 1,'),  # renamed to a key a sibling keeps
        ('"x": 1,', '"x": 1,,'),  # two commas
        ('"z": "q"', '"z": "q",'),  # a trailing comma inside the changed object
        ('\n    "w": {}', ""),  # the last member removed, its comma before it left
        ('"w": {}', '"w": {}}'),  # a bracket too many
        ('"w": {}', '"w": {'),  # a bracket missing
        ('"b": []', '"b": [1 2]'),
        ('"x": 1', '"x": 01'),
        ('"x": 1', '"x": tru'),
        ('"q"', '"q\x01"'),  # a control character inside a string
    ],
)
def test_an_edit_that_is_not_valid_json_is_left_to_the_whole_parse(old: str, new: str) -> None:
    broken = _edited(BASE, old, new)
    assert reparse(BASE, json.loads(BASE), Index(), broken, STRICT) is None
    base.forget_json()
    parse_document(BASE, "x.json")
    with pytest.raises(ContractError) as raised:
        parse_document(broken, "x.json")
    base.forget_json()
    with pytest.raises(ContractError) as fresh:
        parse_document(broken, "x.json")
    assert [p.format() for p in raised.value.problems] == [p.format() for p in fresh.value.problems]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('"x": 1,', '"x": 2,'),
        ('"x": 1,', '"x": 1, "v": [3],'),
        ('"x": 1,', ""),
        ('"q"\n      }', '"q"\n      }, 4'),  # an item added to an array
        (',\n      {\n        "z": "q"\n      }', ""),  # the last item removed
        ('{\n        "z": "q"\n      }', ""),  # ... with the comma before it left: invalid
        ('"w": {}', '"w": {"n": null}'),
        ('"b": []', '"b": [true]'),
        ('"k": "v"', '"k": "v", "l": -1.5e3'),
        ('"c": {\n    "k": "v"\n  }', '"c": {}'),
        ('"c": {\n    "k": "v"\n  }', '"c": 7'),
        ("\n}", ', "d": 1\n}'),
    ],
)
def test_edits_of_members_keys_and_containers(old: str, new: str) -> None:
    changed = _edited(BASE, old, new)
    try:
        whole = json.loads(changed)
    except ValueError:
        whole = None
    got = reparse(BASE, json.loads(BASE), Index(), changed, STRICT)
    if whole is None:
        assert got is None
        return
    if got is None:  # only the change that leaves a comma before a closing bracket
        pytest.fail(f"refused a valid edit: {old!r} -> {new!r}")
    data, index = got
    strict_equal(data, whole)
    _check_index(changed, data, index)
    assert _positions(changed, data, index) == _positions(changed, whole, None)


def test_what_the_edit_did_not_touch_is_the_old_documents_objects() -> None:
    old = json.loads(BASE)
    data, _ = reparse(BASE, old, Index(), _edited(BASE, '"k": "v"', '"k": "w"'), STRICT)
    assert data["a"] is old["a"] and data["b"] is old["b"]
    assert data["c"] is not old["c"] and old["c"] == {"k": "v"}  # the old one is not changed
    same = reparse(BASE, old, Index(), BASE, STRICT)
    assert same is not None and same[0] is old


def test_the_document_read_in_a_row_keeps_what_a_fresh_parse_finds(monkeypatch) -> None:
    monkeypatch.setattr(base, "EDIT_FROM", 0)
    rng = random.Random(5)
    doc = _doc(rng)
    base.forget_json()
    texts = []
    for _ in range(15):
        doc = _valid_edit(rng, doc)
        texts.append(_text(doc, random.Random(1)))
    texts.insert(7, texts[6].replace('"paths": {', '"paths": {,'))  # an invalid revision
    for text in texts:
        try:
            got = parse_document(text, "api.json")
        except ContractError as exc:
            base.forget_json()
            with pytest.raises(ContractError) as fresh:
                parse_document(text, "api.json")
            assert exc.problems == fresh.value.problems
            continue
        strict_equal(got.data, json.loads(text))
        mine = {p: (got.locs.get(p), got.key_locs.get(p)) for p in tree_paths(got.data)}
        assert mine == _positions(text, got.data, None)
