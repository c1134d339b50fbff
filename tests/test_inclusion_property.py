"""Property test of the inclusion engine against generated instances.

For every corpus pair judged ``compatible`` (A included in B), hypothesis-jsonschema generates
instances of A and the ``jsonschema`` validator must accept each of them under B: a single
counterexample would be a false "compatible". Every ``incompatible`` answer's witness must
validate as claimed. Schemas the generator cannot handle (some 2019-09/2020-12 keywords,
dialect-specific spellings) are skipped for generation only.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisWarning, InvalidArgument, Unsatisfiable
from test_inclusion_corpus import PAIRS, ground_truth

from workbench.engine.inclusion import apply_nullable, is_subschema

hypothesis_jsonschema = pytest.importorskip("hypothesis_jsonschema")

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
GENERATOR_KEYWORDS = ("prefixItems", "dependentRequired", "dependentSchemas", "$defs",
                      "unevaluatedProperties", "unevaluatedItems", "minContains",
                      "maxContains", "$schema", "if", "dependencies", "contains",
                      "propertyNames", "format")  # fmt: skip


def _generatable(schema: Any) -> bool:
    text = repr(schema)
    return not any(f"'{k}'" in text for k in GENERATOR_KEYWORDS)


def _strategy(schema: Any, nullable: bool):
    if nullable:
        schema = apply_nullable(schema)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HypothesisWarning)
        return hypothesis_jsonschema.from_schema(schema)


COMPATIBLE = [
    pytest.param(desc, a, b, nullable, id=pid)
    for pid, desc, a, b, expected, nullable in PAIRS
    if expected == "compatible" and _generatable(a) and a is not False
]


@pytest.mark.parametrize(("desc", "a", "b", "nullable"), COMPATIBLE)
def test_no_instance_contradicts_compatible(desc: str, a: Any, b: Any, nullable: bool) -> None:
    rel = is_subschema(a, b, nullable=nullable)
    assert rel.compatible, desc
    try:
        strategy = _strategy(a, nullable)
        empty = strategy.is_empty
    except (InvalidArgument, NotImplementedError):
        pytest.skip("the generator cannot handle this schema")
    if empty:
        assert not any(ground_truth(a, nullable).is_valid(v) for v in (None, 0, "", [], {}))
        return  # A accepts nothing: trivially included
    validator = ground_truth(b, nullable)
    source = ground_truth(a, nullable)

    @SETTINGS
    @given(st.data())
    def check(data: st.DataObject) -> None:
        try:
            instance = data.draw(strategy)
        except (InvalidArgument, AttributeError, TypeError, KeyError, RecursionError):
            return  # a limitation of the generator, not of the engine
        if source.is_valid(instance):  # the generator's own semantics may differ slightly
            assert validator.is_valid(instance), f"{desc}: {instance!r} is in A but not in B"

    try:
        check()
    except Unsatisfiable:
        # The generator found no instance of A at all (it does not see that a closed object
        # with a required property it forbids is empty): then A must accept none of the
        # obvious values either.
        assert not any(source.is_valid(v) for v in (None, 0, "", [], {}, {"z": 0}))


def test_every_witness_validates_as_claimed() -> None:
    checked = 0
    for _pid, desc, a, b, _expected, nullable in PAIRS:
        rel = is_subschema(a, b, nullable=nullable)
        if rel.incompatible:
            assert ground_truth(a, nullable).is_valid(rel.witness), desc
            assert not ground_truth(b, nullable).is_valid(rel.witness), desc
            checked += 1
    assert checked >= 150


def test_generator_covers_most_compatible_pairs() -> None:
    assert len(COMPATIBLE) >= 150
