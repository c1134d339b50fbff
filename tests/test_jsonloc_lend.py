"""A JSON locator takes over what the locator of the text read before scanned, where both texts
begin alike: every position must be the one a fresh locator finds."""

from __future__ import annotations

import json
import random

import pytest
from tree_support import tree_paths

from workbench.sources import jsonloc
from workbench.sources.jsonloc import JsonLocator


def _doc(rng: random.Random, routes: int = 40) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1.0.0"},
        "paths": {
            f"/r{n:03d}": {
                "get": {
                    "operationId": f"op{n}",
                    "tags": ["a", "b"][: rng.randrange(3)],
                    "responses": {"200": {"description": "OK" * rng.randrange(1, 4)}},
                }
            }
            for n in range(routes)
        },
        "components": {"schemas": {f"S{n}": {"type": "string"} for n in range(10)}},
    }


def _fresh(text: str) -> JsonLocator:
    jsonloc._last.ref = None
    return JsonLocator(text)


def _edits(rng: random.Random, doc: dict) -> dict:
    new = json.loads(json.dumps(doc))
    kind = rng.randrange(5)
    routes = list(new["paths"])
    if kind == 0:  # a route added in the middle
        at = rng.randrange(len(routes))
        items = list(new["paths"].items())
        items.insert(at, ("/added", {"post": {"responses": {}}}))
        new["paths"] = dict(items)
    elif kind == 1:  # a value made longer
        new["paths"][rng.choice(routes)]["get"]["operationId"] += "-renamed"
    elif kind == 2:  # a route removed
        del new["paths"][rng.choice(routes)]
    elif kind == 3:  # the head changed
        new["info"]["title"] = "Longer title"
    else:  # a schema changed at the end
        new["components"]["schemas"]["S9"] = {"type": "integer", "minimum": 1}
    return new


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("indent", [2, None], ids=["indented", "one line"])
def test_a_lent_scan_gives_what_a_fresh_scan_gives(seed: int, indent: int | None) -> None:
    rng = random.Random(seed)
    old = _doc(rng)
    new = _edits(rng, old)
    old_text, new_text = json.dumps(old, indent=indent), json.dumps(new, indent=indent)
    before = _fresh(old_text)
    for path in rng.sample(tree_paths(old), 25):  # what the last report asked of the old text
        before.value(path)
        before.key(path)
    after = JsonLocator(new_text)  # lent what `before` scanned
    assert after._before is not None and after._before() is before
    fresh = _fresh(new_text)
    asked = [*tree_paths(new), ("paths", "/missing"), ("nope",)]
    rng.shuffle(asked)
    for path in asked:
        assert after.value(path) == fresh.value(path), path
        assert after.key(path) == fresh.key(path), path


def test_what_was_scanned_before_is_taken_over() -> None:
    rng = random.Random(0)
    old = _doc(rng, routes=200)
    new = json.loads(json.dumps(old))
    new["components"]["schemas"]["S9"] = {"type": "integer"}  # after every route
    before = _fresh(json.dumps(old, indent=2))
    before.value(("paths", "/r199"))
    after = JsonLocator(json.dumps(new, indent=2))
    after.value(("paths", "/r150"))
    assert len(after._containers[("paths",)].members) == 200  # not scanned again


def test_the_members_before_an_amendment_are_taken_over() -> None:
    rng = random.Random(0)
    old = _doc(rng, routes=200)
    new = json.loads(json.dumps(old))
    new["paths"]["/r100"]["get"]["operationId"] = "renamed"
    before = _fresh(json.dumps(old, indent=2))
    before.value(("paths", "/r199"))
    after = JsonLocator(json.dumps(new, indent=2))
    after.value(("paths", "/r050"))
    members = after._containers[("paths",)].members
    assert "/r100" in members and "/r101" not in members  # up to the amended one, not past
    fresh = _fresh(json.dumps(new, indent=2))
    for n in range(200):
        path = ("paths", f"/r{n:03d}", "get", "operationId")
        assert after.value(path) == fresh.value(path)
