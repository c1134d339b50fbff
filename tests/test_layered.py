"""The OpenAPI reader keeps each unit's position table apart (jsonloc.Layered): every lookup and
the iteration order must be those of the one table written in order, and a unit whose entries
stray from its prefixes makes the reader fall back to that table."""

from __future__ import annotations

import json
import random

from workbench.sources import base, load_artefact_text, openapi
from workbench.sources.jsonloc import Layered


def test_a_layered_table_reads_as_the_table_written_in_order() -> None:
    rng = random.Random(3)
    for _ in range(30):
        direct: dict = {}
        owners: dict = {}
        marks: list = []
        merged: dict = {}
        for n in range(rng.randrange(12)):
            if rng.random() < 0.5:
                path = ("top", rng.randrange(5))
                direct[path] = ("src", n)
                merged[path] = ("src", n)
            else:
                prefix = ("endpoints", f"op{n}") if rng.random() < 0.5 else ("c", "s", f"S{n}")
                table = {(*prefix, k): ("u", n, k) for k in range(rng.randrange(4))}
                if rng.random() < 0.3:
                    table[prefix] = ("u", n)
                marks.append((len(direct), table))
                owners[prefix] = table
                merged.update(table)
        layered = Layered(direct, owners, marks)
        probes = [*merged, ("top", 9), ("endpoints",), ("c", "s"), ("endpoints", "nope", 1)]
        assert {p: layered.get(p) for p in probes} == {p: merged.get(p) for p in probes}
        assert list(layered) == list(merged) and len(layered) == len(merged)
        assert bool(layered) == bool(merged)
        assert all(p in layered for p in merged)


def _description(routes: int) -> str:
    return json.dumps(
        {
            "openapi": "3.1.0",
            "info": {"title": "T", "version": "1.0.0"},
            "paths": {
                f"/r{n}": {"get": {"operationId": f"op{n}", "responses": {}}} for n in range(routes)
            },
            "components": {"schemas": {"S": {"type": "string"}}},
        },
        indent=2,
    )


def test_a_reading_answers_every_path_as_its_merged_table() -> None:
    base.forget_json()
    openapi.forget()
    load_artefact_text(_description(5), "api.json")
    contract = load_artefact_text(_description(6), "api.json")  # units reused and new
    for table in (contract.locs.sources, contract.key_locs.sources, contract.locs.trees):
        assert isinstance(table, Layered)
        merged = dict(table.merged())
        assert {p: table.get(p) for p in merged} == merged
    assert contract.locs.get(("endpoints", "op5", "path")) is not None


def test_a_unit_writing_outside_its_prefixes_gives_the_merged_table(monkeypatch) -> None:
    original = openapi._Reader.operation

    def stray(self, eid, *args):
        ep = original(self, eid, *args)
        self.b.at(("stray", eid), ("paths",))  # not under ("endpoints", eid)
        return ep

    monkeypatch.setattr(openapi._Reader, "operation", stray)
    base.forget_json()
    openapi.forget()
    contract = load_artefact_text(_description(3), "api.json")
    assert type(contract.locs.sources) is dict
    assert list(contract.locs.sources)[-2:] == [("components", "schemas", "S"), ()]
    assert contract.locs.get(("stray", "op1")) is not None
