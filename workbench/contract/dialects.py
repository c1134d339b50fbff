"""JSON Schema dialects: which keywords a schema's ``$schema`` (or the contract default) gives
meaning to, how older spellings map onto 2020-12's, and the ``jsonschema`` validator that is
the ground truth for every witness.

Dialects: ``draft-04``, ``draft-06``, ``draft-07``, ``2019-09``, ``2020-12`` and ``openapi-3.0``
(draft-04 keywords plus ``nullable``). Keywords a dialect does not define are ignored, exactly
as that dialect's validator ignores them (``const`` means nothing to draft-04, siblings of
``$ref`` mean nothing before 2019-09).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from workbench.contract.record import Frozen

DEFAULT_DIALECT = "2020-12"

_URIS = {
    "json-schema.org/draft-04/schema": "draft-04",
    "json-schema.org/draft-06/schema": "draft-06",
    "json-schema.org/draft-07/schema": "draft-07",
    "json-schema.org/draft/2019-09/schema": "2019-09",
    "json-schema.org/draft/2020-12/schema": "2020-12",
}
META_URIS = {
    "draft-04": "http://json-schema.org/draft-04/schema#",
    "draft-06": "http://json-schema.org/draft-06/schema#",
    "draft-07": "http://json-schema.org/draft-07/schema#",
    "2019-09": "https://json-schema.org/draft/2019-09/schema",
    "2020-12": "https://json-schema.org/draft/2020-12/schema",
    "openapi-3.0": "http://json-schema.org/draft-04/schema#",
}
DIALECTS = tuple(META_URIS)
ALIASES = {
    "draft4": "draft-04",
    "draft6": "draft-06",
    "draft7": "draft-07",
    "draft-2019-09": "2019-09",
    "draft-2020-12": "2020-12",
    "openapi3.0": "openapi-3.0",
    "openapi-3": "openapi-3.0",
}

_COMMON = frozenset(
    (
        "$ref", "type", "enum", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
        "exclusiveMinimum", "maxLength", "minLength", "pattern", "items", "additionalItems",
        "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties", "required",
        "properties", "patternProperties", "additionalProperties", "dependencies", "allOf",
        "anyOf", "oneOf", "not", "format",
    )
)  # fmt: skip
_D6 = _COMMON | {"const", "contains", "propertyNames"}
_D7 = _D6 | {"if", "then", "else"}
_D2019 = (_D7 - {"dependencies"}) | {
    "dependentRequired",
    "dependentSchemas",
    "minContains",
    "maxContains",
    "unevaluatedProperties",
    "unevaluatedItems",
    "$recursiveRef",
}
_D2020 = (_D2019 - {"additionalItems", "$recursiveRef"}) | {"prefixItems", "$dynamicRef"}


class Dialect(Frozen):
    __slots__ = (
        "boolean_exclusive",
        "boolean_schemas",
        "integral_floats",
        "name",
        "nullable",
        "ref_overrides",
        "vocabulary",
    )
    name: str
    vocabulary: frozenset[str]
    ref_overrides: bool  # siblings of $ref are ignored (draft-04 to draft-07)
    boolean_exclusive: bool  # exclusiveMinimum/Maximum are booleans (draft-04)
    boolean_schemas: bool  # true/false are schemas (draft-06 on)
    nullable: bool  # OpenAPI 3.0 ``nullable: true`` adds null to ``type``
    integral_floats: bool  # 1.0 is an integer (draft-06 on)

    def __init__(
        self,
        name: str,
        vocabulary: frozenset[str],
        ref_overrides: bool,
        boolean_exclusive: bool,
        boolean_schemas: bool,
        nullable: bool,
        integral_floats: bool,
    ):
        put = object.__setattr__
        put(self, "name", name)
        put(self, "vocabulary", vocabulary)
        put(self, "ref_overrides", ref_overrides)
        put(self, "boolean_exclusive", boolean_exclusive)
        put(self, "boolean_schemas", boolean_schemas)
        put(self, "nullable", nullable)
        put(self, "integral_floats", integral_floats)

    @property
    def validator_class(self) -> type:
        import jsonschema  # imported only when a schema is validated (it is slow to import)

        return getattr(jsonschema, _VALIDATORS[self.name])

    @property
    def specification(self) -> Any:
        from referencing import jsonschema as specs

        return getattr(specs, _SPECS[self.name])

    @property
    def meta_uri(self) -> str:
        return META_URIS[self.name]


_VALIDATORS = {
    "draft-04": "Draft4Validator",
    "draft-06": "Draft6Validator",
    "draft-07": "Draft7Validator",
    "2019-09": "Draft201909Validator",
    "2020-12": "Draft202012Validator",
    "openapi-3.0": "Draft4Validator",
}
_SPECS = {
    "draft-04": "DRAFT4",
    "draft-06": "DRAFT6",
    "draft-07": "DRAFT7",
    "2019-09": "DRAFT201909",
    "2020-12": "DRAFT202012",
    "openapi-3.0": "DRAFT4",
}


@cache
def dialect(name: str, nullable: bool | None = None) -> Dialect:
    """The dialect called ``name`` (a short name or a ``$schema`` URI). ``nullable`` forces the
    OpenAPI ``nullable`` keyword on or off (it is always on for ``openapi-3.0``)."""
    key = dialect_name(name)
    if key is None:
        raise ValueError(f"unknown JSON Schema dialect {name!r}")
    vocab = {
        "draft-04": _COMMON,
        "draft-06": _D6,
        "draft-07": _D7,
        "2019-09": _D2019,
        "2020-12": _D2020,
        "openapi-3.0": _COMMON,
    }[key]
    old = key in ("draft-04", "draft-06", "draft-07", "openapi-3.0")
    return Dialect(
        name=key,
        vocabulary=frozenset(vocab),
        ref_overrides=old,
        boolean_exclusive=key in ("draft-04", "openapi-3.0"),
        boolean_schemas=key not in ("draft-04", "openapi-3.0"),
        nullable=True if key == "openapi-3.0" else bool(nullable),
        integral_floats=key not in ("draft-04", "openapi-3.0"),
    )


def dialect_name(value: Any) -> str | None:
    """The short name of a dialect given by name or by ``$schema`` URI; None when unknown."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text in META_URIS:
        return text
    if text.lower() in ALIASES:
        return ALIASES[text.lower()]
    bare = text.split("://", 1)[-1].rstrip("#").rstrip("/")
    return _URIS.get(bare)


def declared(schema: Any) -> str | None:
    """The dialect a schema declares with ``$schema``, if any (known or not)."""
    if isinstance(schema, dict) and isinstance(schema.get("$schema"), str):
        return schema["$schema"]
    return None


def validator_for_meta(name: str) -> Any:
    """A validator of schemas written in dialect ``name`` (its meta-schema)."""
    return _meta_validator(dialect_name(name) or DEFAULT_DIALECT)


@cache
def _meta_validator(name: str) -> Any:
    cls = dialect(name).validator_class
    return cls(cls.META_SCHEMA)


# --- OpenAPI 3.0 ---------------------------------------------------------------------------

SCHEMA_VALUED = ("not", "additionalProperties", "items", "additionalItems", "contains",
                 "propertyNames", "if", "then", "else", "unevaluatedProperties",
                 "unevaluatedItems")  # fmt: skip
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_MAPS = ("properties", "patternProperties", "dependentSchemas", "$defs", "definitions")


def apply_nullable(schema: Any) -> Any:
    """OpenAPI 3.0 ``nullable: true`` spelled in plain JSON Schema: ``null`` joins ``type``
    (the keyword itself is kept, validators ignore it). Returns ``schema`` itself when nothing
    needs converting, else a converted copy; every subschema position is converted."""
    if not _has_nullable(schema, 0):
        return schema
    return _convert(schema, 0)


_DATA = frozenset(("enum", "const", "default", "examples", "example"))


def _has_nullable(node: Any, depth: int) -> bool:
    if depth > 200:
        return False
    if isinstance(node, dict):
        if _MEMO_DEPTHS[0] <= depth <= _MEMO_DEPTHS[1]:
            return _has_nullable_memo(node, depth)
        return _nullable_in(node, depth)
    if isinstance(node, list):
        for value in node:  # a loop, not a generator per value; scalars are not called
            if isinstance(value, dict | list) and _has_nullable(value, depth + 1):
                return True
    return False


def _nullable_in(node: dict, depth: int) -> bool:
    if node.get("nullable") is True and "type" in node:
        return True
    for key, value in node.items():
        if isinstance(value, dict | list) and key not in _DATA and _has_nullable(value, depth + 1):
            return True
    return False


# The answers for a contract's endpoints and component schemas and their bodies (depths 2 and
# 3: never the contract itself or its sections, which are new in every revision), by identity:
# revisions read one after another share every part an amendment did not touch, so a history's
# schemas are searched once, not once per revision. Two generations of at most _MEMO_SIZE
# entries (what a 2 MB description has, about 2,300, fits); an entry holds its mapping, so its
# id is not reused meanwhile, and at most 2 * _MEMO_SIZE such parts are held.
_MEMO_DEPTHS = (2, 3)
_MEMO_SIZE = 1 << 12
_memo: list[dict[tuple[int, int], tuple[Any, bool]]] = [{}, {}]


def _has_nullable_memo(node: dict, depth: int) -> bool:
    key = (id(node), depth)
    current, previous = _memo
    hit = current.get(key) or previous.get(key)
    found = hit[1] if hit is not None and hit[0] is node else _nullable_in(node, depth)
    if len(current) >= _MEMO_SIZE:
        _memo[:] = [{}, current]
        current = _memo[0]
    current[key] = (node, found)
    return found


def _convert(node: Any, depth: int) -> Any:
    if depth > 200:
        return node
    if isinstance(node, list):
        return [_convert(v, depth + 1) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: v if k in _DATA else _convert(v, depth + 1) for k, v in node.items()}
    if node.get("nullable") is True and "type" in node:
        t = node["type"]
        types = [t] if isinstance(t, str) else list(t) if isinstance(t, list) else None
        if types is not None and "null" not in types:
            out["type"] = [*types, "null"]
    return out


def from_openapi30(schema: Any) -> Any:
    """An OpenAPI 3.0 Schema Object as plain JSON Schema 2020-12: ``nullable: true`` adds
    ``null`` to ``type`` (and the keyword is dropped), boolean ``exclusiveMinimum`` /
    ``exclusiveMaximum`` become the numbers they qualify. Every subschema position is
    converted; data keywords (``enum``, ``default``, ``example``) are left alone."""
    return _from_oas(schema, 0)


def _from_oas(node: Any, depth: int) -> Any:
    if depth > 200:
        return node
    if isinstance(node, list):
        return [_from_oas(v, depth + 1) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: v if k in _DATA else _from_oas(v, depth + 1) for k, v in node.items()}
    if out.pop("nullable", None) is True and "type" in out:
        t = out["type"]
        types = [t] if isinstance(t, str) else list(t) if isinstance(t, list) else None
        if types is not None and "null" not in types:
            out["type"] = [*types, "null"]
    for bound, excl in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        flag = out.get(excl)
        if isinstance(flag, bool):
            del out[excl]
            if flag and bound in out:
                out[excl] = out.pop(bound)
    return out
