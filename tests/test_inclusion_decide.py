"""Instances checked without ``jsonschema`` (``engine/inclusion/decide.py``) get jsonschema's
answer: every decided answer in these tests is compared with the dialect's own validator (the
same errors, in what the judge reads of them: keyword, instance path, and the message of
``required``, ``dependentRequired``, ``dependencies``, ``additionalProperties``).

The corpus of inclusion pairs, a sweep of values over every corpus schema, and whole amendments
of generated contracts (their witnesses) all run with the check on."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from test_inclusion_corpus import PAIRS

from workbench.contract import load_contract_text
from workbench.engine import compare
from workbench.engine.inclusion import Doc, _dialect_of, decide, is_subschema

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import pair

MESSAGES = ("required", "dependentRequired", "dependencies", "additionalProperties")


def _seen(errors: list) -> list:
    rows = [
        (e.validator, tuple(e.absolute_path), e.message if e.validator in MESSAGES else "")
        for e in errors
    ]
    return sorted(rows, key=repr)


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Every answer the module gives is checked against jsonschema; counts what it decided."""
    counts: Counter = Counter()
    original = decide.failures

    def failures(doc: Doc, ptr: tuple, instance: Any, *, first: bool = False) -> list | None:
        found = original(doc, ptr, instance, first=first)
        if found is None:
            counts["unsure"] += 1
            return None
        truth = list(doc.validator(ptr).iter_errors(instance))
        if first:
            assert bool(found) == bool(truth), (doc.at(ptr), instance, truth)
        else:
            assert _seen(found) == _seen(truth), (doc.at(ptr), instance)
        counts["decided"] += 1
        return found

    monkeypatch.setattr(decide, "failures", failures)
    return counts


def test_the_corpus_judges_the_same_and_every_decided_check_agrees(checked: Counter) -> None:
    for _pid, desc, a, b, expected, nullable in PAIRS:
        assert is_subschema(a, b, nullable=nullable).answer == expected, desc
    assert checked["decided"] > 300, checked


POOL: list[Any] = [
    None, True, False, 0, 1, -1, 1.0, 2.5, -0.5, 10**20, 3, 100, "", "a", "abc", "A1B2",
    "x" * 40, "2026-01-02", "a@b.c", "ü", [], [1], [1, 1], [1, True], [1, 1.0], ["a", "b"],
    ["a", "a"], [None], [[1]], {}, {"a": 1}, {"a": "x", "b": None}, {"id": "1", "status": "x"},
    {"name": "n", "kind": 1}, {"x-1": True}, {"a": {"b": []}}, {"": 0},
]  # fmt: skip


def test_a_sweep_of_values_over_every_corpus_schema_agrees(checked: Counter) -> None:
    schemas = {repr((s, n)): (s, n) for _pid, _d, a, b, _e, n in PAIRS for s in (a, b)}
    for schema, nullable in schemas.values():
        doc = Doc(schema, _dialect_of(schema, "2020-12", nullable))
        for value in POOL:
            decide.failures(doc, (), value)
            decide.failures(doc, (), value, first=True)
    assert checked["decided"] > 2000, checked


@pytest.mark.parametrize(("endpoints", "changes", "seed"), [(40, 20, 1), (60, 30, 7)])
def test_amendments_of_generated_contracts_agree(
    checked: Counter, endpoints: int, changes: int, seed: int
) -> None:
    old_text, new_text = pair(endpoints, changes, seed=seed)
    report = compare(load_contract_text(old_text, "old.yaml"), load_contract_text(new_text, "n"))
    assert [f for f in report.findings if f.witness is not None]
    assert checked["decided"] > 20 and not checked["unsure"], checked


def test_unsure_where_the_validator_alone_knows() -> None:
    def answer(schema: Any, value: Any) -> Any:
        return decide.is_valid(Doc(schema, _dialect_of(schema, "2020-12", False)), (), value)

    assert answer({"format": "email"}, "nope") is None
    assert answer({"format": "email"}, 3) is True
    assert answer({"multipleOf": 0.1}, 0.3) is None
    assert answer({"contains": {"type": "string"}}, [1]) is None
    assert answer({"$id": "https://x.example/s", "type": "string"}, "a") is None
    assert answer({"$ref": "https://x.example/other"}, 1) is None
    assert answer({"type": "strin"}, 1) is None
    assert answer({"enum": [[1]]}, [1]) is None
    assert answer({"type": "integer"}, 1.0) is True
    draft4 = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "integer"}
    assert answer(draft4, 1.0) is False  # 1.0 is an integer from draft-06 on
    assert answer({"type": "string", "maxLength": 2}, "abc") is False
    assert answer({"properties": {"a": {"const": 1}}}, {"a": True}) is False
