"""The prover answers enum membership without a validator only where that answer is the
validator's: ``enum_accepts`` against ``jsonschema`` itself, over generated enum schemas of
every dialect and plain and awkward values (floats, containers, unknown types, booleans next
to integers)."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.contract.dialects import DIALECTS, dialect
from workbench.engine.inclusion import is_subschema
from workbench.engine.inclusion.prove import enum_accepts

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.0, 1.0, 1.5, -2.0]),
    st.sampled_from(["", "a", "b", "1", "true"]),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=2), st.just({"a": 1}))
TYPES = st.sampled_from(
    ["null", "boolean", "integer", "number", "string", "array", "object", "float"]
)


@st.composite
def enum_schemas(draw: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    if draw(st.booleans()):
        schema["enum"] = draw(st.lists(VALUES, max_size=4))
    else:
        schema["enum"] = draw(st.one_of(st.lists(SCALARS, max_size=4), st.just("ab")))
    if draw(st.booleans()):
        schema["type"] = draw(st.one_of(TYPES, st.lists(TYPES, max_size=3)))
    if draw(st.integers(0, 3)) == 0:
        schema["const"] = draw(VALUES)
    for key in draw(st.lists(st.sampled_from(["description", "x-note", "nullable", "format",
                                              "minimum", "default", "maxLength"]),
                             max_size=2)):  # fmt: skip
        schema[key] = draw(st.sampled_from([True, 1, "date", "x"]))
    return schema


@SETTINGS
@given(schema=enum_schemas(), value=VALUES, name=st.sampled_from(DIALECTS))
def test_enum_answers_are_the_validators(schema: dict, value: Any, name: str) -> None:
    d = dialect(name)
    known = enum_accepts(schema, d.vocabulary, value)
    if known is None:
        return
    cls = d.validator_class
    assert known == cls(schema).is_valid(value), (schema, value, name)


def test_plain_enums_are_answered_and_awkward_ones_left_to_the_validator() -> None:
    vocab = dialect("2020-12").vocabulary
    schema = {"type": "string", "enum": ["a", "b"], "description": "x", "x-kind": 1}
    assert enum_accepts(schema, vocab, "a") is True
    assert enum_accepts(schema, vocab, "c") is False
    assert enum_accepts({"enum": [1]}, vocab, True) is False  # true is not 1
    assert enum_accepts({"enum": [1], "const": 2}, vocab, 1) is False
    assert enum_accepts({"enum": [1], "const": 2}, dialect("draft-04").vocabulary, 1) is True
    assert enum_accepts({"type": "integer", "enum": [1.0]}, vocab, 1) is None  # floats differ
    assert enum_accepts({"enum": ["a"], "pattern": "b"}, vocab, "a") is None
    assert enum_accepts({"enum": ["a"], "type": "str"}, vocab, "a") is None
    assert enum_accepts({"enum": ["a"]}, vocab, 1.5) is None
    assert enum_accepts({"type": "string"}, vocab, "a") is None


@pytest.mark.parametrize(
    ("a", "b", "answer"),
    [
        ({"enum": ["a", "b"]}, {"type": "string", "enum": ["a", "b", "c"]}, "compatible"),
        ({"enum": ["a", "d"]}, {"type": "string", "enum": ["a", "b"]}, "incompatible"),
        ({"enum": [1, True]}, {"enum": [1]}, "incompatible"),
        ({"type": "integer", "enum": [1, 2]}, {"enum": [1, 2, 3]}, "compatible"),
    ],
)
def test_enum_inclusions_keep_their_answers(a: dict, b: dict, answer: str) -> None:
    rel = is_subschema(a, b)
    assert rel.answer == answer
    if rel.incompatible:
        assert jsonschema.Draft202012Validator(a).is_valid(rel.witness)
        assert not jsonschema.Draft202012Validator(b).is_valid(rel.witness)
