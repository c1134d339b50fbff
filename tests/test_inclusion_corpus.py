"""The schema inclusion corpus (tests/cases/inclusion/*.yaml), every pair in both directions.

Each answer must be the expected one; every ``incompatible`` answer must carry a witness that
the ``jsonschema`` validator of each schema's own dialect (formats asserted) accepts under the
first schema and rejects under the second.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from workbench.engine.inclusion import apply_nullable, is_subschema

CORPUS = Path(__file__).parent / "cases" / "inclusion"
ANSWERS = {"c": "compatible", "i": "incompatible", "u": "undecided"}
OPENAPI = "openapi-3.0"


def load_corpus() -> list[tuple[str, str, Any, Any, str, bool]]:
    """``(id, description, A, B, expected, nullable)`` for each pair and direction."""
    out = []
    for path in sorted(CORPUS.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        nullable = bool(doc.get("nullable"))
        for i, (desc, a, b, ab, ba) in enumerate(doc["pairs"]):
            base = f"{path.stem}-{i + 1:03d}"
            out.append((f"{base}-ab", desc, a, b, ANSWERS[ab], nullable))
            out.append((f"{base}-ba", desc, b, a, ANSWERS[ba], nullable))
    return out


PAIRS = load_corpus()


def ground_truth(schema: Any, nullable: bool) -> Any:
    """An independent validator for a corpus schema (its ``$schema``, default 2020-12)."""
    declared = schema.get("$schema") if isinstance(schema, dict) else None
    if declared == OPENAPI or nullable:
        schema = apply_nullable(schema)
    if declared == OPENAPI:
        cls = jsonschema.Draft4Validator
    else:
        cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@pytest.mark.parametrize(
    ("desc", "a", "b", "expected", "nullable"),
    [pytest.param(*p[1:], id=p[0]) for p in PAIRS],
)
def test_pair(desc: str, a: Any, b: Any, expected: str, nullable: bool) -> None:
    rel = is_subschema(a, b, nullable=nullable)
    assert rel.answer == expected, f"{desc}: {rel}"
    if rel.incompatible:
        assert ground_truth(a, nullable).is_valid(rel.witness), f"{desc}: witness not in A"
        assert not ground_truth(b, nullable).is_valid(rel.witness), f"{desc}: witness in B"
    if rel.undecided:
        assert rel.reason, desc


def test_corpus_is_large_and_mixed() -> None:
    assert len(PAIRS) >= 500  # 250 pairs, both directions
    counts = Counter(p[4] for p in PAIRS)
    assert counts["compatible"] > 100 and counts["incompatible"] > 100
    assert len({p[0].split("-")[0] for p in PAIRS}) >= 6  # families
