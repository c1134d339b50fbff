"""JSON Schema inclusion: is every instance of schema A an instance of schema B?

Three answers, never a guess (see docs/schema-inclusion.md):

- ``compatible``: proved, over a canonical form of both schemas (unions of type-homogeneous
  pieces, after Habib, Shinnar, Hirzel and Pradel, "Finding data compatibility bugs with JSON
  subschema checking", ISSTA 2021);
- ``incompatible``: with a *witness*, a concrete instance that the ``jsonschema`` validator (of
  each schema's own dialect, formats asserted) accepts under A and rejects under B;
- ``undecided``: neither, with the reason the proof failed.

::

    rel = is_subschema({"type": "integer"}, {"anyOf": [{"type": "number"}]})
    rel.answer        # "compatible"
    rel = is_subschema({"type": "string"}, {"type": "string", "maxLength": 3})
    rel.answer, rel.witness   # ("incompatible", "aaaa")
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from workbench.contract.dialects import (
    DEFAULT_DIALECT,
    DIALECTS,
    META_URIS,
    apply_nullable,
    declared,
    dialect,
    dialect_name,
    from_openapi30,
    validator_for_meta,
)
from workbench.engine.inclusion.nodes import Doc, KwNode, Node, Undecided
from workbench.engine.inclusion.normal import Sub, vkey
from workbench.engine.inclusion.prove import Reasoner
from workbench.engine.inclusion.witness import ANY_NAME, Candidates

__all__ = [
    "ANY_NAME",
    "DEFAULT_DIALECT",
    "DIALECTS",
    "META_URIS",
    "Doc",
    "KwNode",
    "Node",
    "Reasoner",
    "Relation",
    "Sub",
    "Undecided",
    "apply_nullable",
    "declared",
    "dialect",
    "dialect_name",
    "format_checker",
    "from_openapi30",
    "included",
    "is_subschema",
    "validator_for_meta",
    "vkey",
]

Answer = Literal["compatible", "incompatible", "undecided"]
MAX_CANDIDATES = 400


@dataclass(frozen=True, slots=True)
class Relation:
    """The answer to "is every instance of A an instance of B?"."""

    answer: Answer
    witness: Any = None  # an instance A accepts and B rejects (when incompatible)
    reason: str = ""  # why it is not proved (incompatible or undecided)

    @property
    def compatible(self) -> bool:
        return self.answer == "compatible"

    @property
    def incompatible(self) -> bool:
        return self.answer == "incompatible"

    @property
    def undecided(self) -> bool:
        return self.answer == "undecided"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"answer": self.answer}
        if self.answer == "incompatible":
            out["witness"] = self.witness
        if self.reason:
            out["reason"] = self.reason
        return out


Check = Callable[[Any], bool]


def included(
    reasoner: Reasoner,
    a: Sub,
    b: Sub,
    *,
    accepts_a: Check | None = None,
    rejects_b: Check | None = None,
    pin: tuple | None = None,
    pin_value: Any = None,
    limit: int = MAX_CANDIDATES,
) -> Relation:
    """Decide ``a ⊆ b``. ``accepts_a``/``rejects_b`` are the validator checks a witness must
    pass (by default the nodes' own validators); ``pin`` places a given value at an instance
    path of every candidate (to lift a witness found deeper up to a whole document)."""
    try:
        reason = reasoner.sub(a, b)
    except Undecided as exc:
        reason = str(exc)
    except RecursionError:
        reason = "the schemas nest too deeply to compare"
    if reason is None and pin is None:
        return Relation("compatible")
    accepts_a = accepts_a or _validates(a)
    rejects_b = rejects_b or (lambda v: not _validates(b)(v))
    try:
        candidates = Candidates(reasoner).of(a, b, 0, pin, pin_value)
    except (Undecided, RecursionError):
        candidates = []
    for value in candidates[:limit]:
        try:
            if accepts_a(value) and rejects_b(value):
                return Relation("incompatible", value, reason or "")
        except Undecided:
            continue
        except RecursionError:
            break
    if reason is None:
        return Relation("compatible")
    return Relation("undecided", None, reason)


def _validates(sub: Sub) -> Check:
    nodes = sub.nodes
    if not all(n.validatable for n in nodes):

        def unknown(value: Any) -> bool:
            raise Undecided("an assembled schema has no validator")

        return unknown
    return lambda value: all(n.is_valid(value) for n in nodes)


def is_subschema(
    a: Any,
    b: Any,
    *,
    default_dialect: str = DEFAULT_DIALECT,
    nullable: bool = False,
) -> Relation:
    """Whether every instance of schema ``a`` is an instance of schema ``b``.

    Each schema's dialect is its ``$schema``, else ``default_dialect``; ``nullable`` honours
    OpenAPI 3.0's ``nullable: true`` (always on for the ``openapi-3.0`` dialect). References
    resolve inside each schema (``#/definitions/X``, ``#/$defs/X``)."""
    doc_a = Doc(a, _dialect_of(a, default_dialect, nullable))
    doc_b = Doc(b, _dialect_of(b, default_dialect, nullable))
    reasoner = Reasoner()
    reasoner.format_dialect = doc_b.dialect  # its format checker is built on first use
    return included(reasoner, Sub((doc_a.node(),)), Sub((doc_b.node(),)))


def format_checker(validator_class: type) -> Any:
    """The format checker witnesses are confirmed with (see ``formats``)."""
    from workbench.engine.inclusion.formats import format_checker as checker

    return checker(validator_class)


def _dialect_of(schema: Any, default: str, nullable: bool) -> Any:
    name = dialect_name(declared(schema)) if declared(schema) else None
    return dialect(name or default, nullable=nullable and name is None)
