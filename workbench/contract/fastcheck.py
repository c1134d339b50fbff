"""Fast, conservative validity checks that let the loader skip jsonschema on valid input.

``jsonschema`` explains *why* a document is invalid, with paths the loader turns into
file:line:col problems; it is also slow on large documents (tens of thousands of values, and a
full meta-schema evaluation per embedded JSON Schema). Most contracts are valid, so the loader
first asks these checks, which answer only "certainly valid" (``True``) or "not sure"
(``False``). On ``False`` the loader runs jsonschema as before, so problems and messages are
exactly the same; on ``True`` jsonschema would have found nothing.

Both checks are deliberately narrower than the real validators: any keyword, type or value they
do not fully understand makes them answer "not sure".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ANNOTATIONS = {"description", "title", "$comment", "default", "examples", "deprecated"}
_TOP_ONLY = {"$schema", "$id", "$defs"}


def _unsure(_: Any) -> bool:
    return False


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": _is_int,
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _certainly_not(schema: Any, value: Any) -> bool:
    """Whether ``value`` certainly fails ``schema`` by its ``type`` (used to settle oneOf)."""
    if not isinstance(schema, dict) or "type" not in schema:
        return False
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    for t in types:
        if t not in _TYPE_TESTS:
            return False
        if _TYPE_TESTS[t](value):
            return False
        if t in ("integer", "number") and isinstance(value, float):
            return False  # jsonschema accepts 1.0 as an integer: not certain
    return True


class _Compiler:
    """Compiles the subset of draft 2020-12 used by the contract format schema."""

    def __init__(self, root: dict):
        self.root = root
        self.defs: dict[str, Check] = {}

    def ref(self, ref: str) -> Check:
        if not ref.startswith("#/$defs/"):
            return _unsure
        name = ref[len("#/$defs/") :]
        if name not in self.defs:
            self.defs[name] = _unsure  # placeholder while compiling (recursion)
            target = (self.root.get("$defs") or {}).get(name)
            compiled = self.compile(target) if target is not None else _unsure
            self.defs[name] = compiled
        return lambda v, _n=name: self.defs[_n](v)

    def compile(self, schema: Any, top: bool = False) -> Check:
        if schema is True:
            return lambda v: True
        if not isinstance(schema, dict):
            return _unsure
        checks: list[Check] = []
        props = schema.get("properties") or {}
        patterns = schema.get("patternProperties") or {}
        for key, value in schema.items():
            if key in _ANNOTATIONS or (top and key in _TOP_ONLY):
                continue
            if key == "type":
                types = value if isinstance(value, list) else [value]
                if any(t not in _TYPE_TESTS for t in types):
                    return _unsure
                tests = [_TYPE_TESTS[t] for t in types]
                checks.append(lambda v, _t=tests: any(t(v) for t in _t))
            elif key == "enum":
                if all(isinstance(e, str) for e in value):
                    allowed = frozenset(value)
                    checks.append(lambda v, _a=allowed: isinstance(v, str) and v in _a)
                elif all(
                    isinstance(e, str | int | float) and not isinstance(e, bool) for e in value
                ):
                    typed = frozenset((type(e), e) for e in value)
                    checks.append(
                        lambda v, _t=typed: isinstance(v, str | int | float) and (type(v), v) in _t
                    )
                else:
                    return _unsure
            elif key == "const":
                if not _is_int(value) and not isinstance(value, str):
                    return _unsure
                checks.append(lambda v, _c=value: type(v) is type(_c) and v == _c)
            elif key == "properties":
                compiled = {k: self.compile(s) for k, s in value.items()}
                checks.append(
                    lambda v, _p=compiled: (
                        not isinstance(v, dict) or all(_p[k](v[k]) for k in v.keys() & _p.keys())
                    )
                )
            elif key == "patternProperties":
                compiled_p = [(re.compile(p), self.compile(s)) for p, s in value.items()]
                checks.append(
                    lambda v, _p=compiled_p: (
                        not isinstance(v, dict)
                        or all(c(v[k]) for k in v for rx, c in _p if rx.search(k))
                    )
                )
            elif key == "additionalProperties":
                extra = self.compile(value) if value is not False else None
                known = frozenset(props)
                rxs = [re.compile(p) for p in patterns]

                def additional(v: Any, _k=known, _r=rxs, _e=extra) -> bool:
                    if not isinstance(v, dict):
                        return True
                    for k in v:
                        if k in _k or any(r.search(k) for r in _r):
                            continue
                        if _e is None or not _e(v[k]):
                            return False
                    return True

                checks.append(additional)
            elif key == "required":
                names = tuple(value)
                checks.append(
                    lambda v, _n=names: not isinstance(v, dict) or all(n in v for n in _n)
                )
            elif key == "items":
                item = self.compile(value)
                checks.append(lambda v, _i=item: not isinstance(v, list) or all(_i(x) for x in v))
            elif key == "uniqueItems":
                if value is True:
                    checks.append(
                        lambda v: (
                            not isinstance(v, list)
                            or (all(isinstance(x, str) for x in v) and len(set(v)) == len(v))
                        )
                    )
            elif key == "minItems":
                checks.append(lambda v, _m=value: not isinstance(v, list) or len(v) >= _m)
            elif key == "minProperties":
                checks.append(lambda v, _m=value: not isinstance(v, dict) or len(v) >= _m)
            elif key == "minLength":
                checks.append(lambda v, _m=value: not isinstance(v, str) or len(v) >= _m)
            elif key == "pattern":
                rx = re.compile(value)
                checks.append(lambda v, _r=rx: not isinstance(v, str) or _r.search(v) is not None)
            elif key == "minimum":
                checks.append(lambda v, _m=value: not _is_number(v) or v >= _m)
            elif key == "maximum":
                checks.append(lambda v, _m=value: not _is_number(v) or v <= _m)
            elif key == "format":
                if value != "date":
                    return _unsure
                checks.append(_date_ok)
            elif key == "propertyNames":
                names_check = self.compile(value)
                checks.append(
                    lambda v, _c=names_check: not isinstance(v, dict) or all(_c(k) for k in v)
                )
            elif key == "$ref":
                checks.append(self.ref(value))
            elif key == "anyOf":
                any_branches = [self.compile(s) for s in value]
                checks.append(lambda v, _b=any_branches: any(c(v) for c in _b))
            elif key == "oneOf":
                branches = [(s, self.compile(s)) for s in value]

                def one_of(v: Any, _b=branches) -> bool:
                    valid = [s for s, c in _b if c(v)]
                    if len(valid) != 1:
                        return False
                    return all(_certainly_not(s, v) for s, _ in _b if s is not valid[0])

                checks.append(one_of)
            else:
                return _unsure
        if not checks:
            return lambda v: True
        if len(checks) == 1:
            return checks[0]
        return lambda v, _c=tuple(checks): all(c(v) for c in _c)


def _date_ok(value: Any) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def compile_validator(schema: dict) -> Check:
    """A function answering ``True`` only for instances ``schema`` certainly accepts."""
    return _Compiler(schema).compile(schema, top=True)


# --- embedded JSON Schemas against the draft 2020-12 meta-schema ---------------------------------

_SIMPLE_TYPES = frozenset(("array", "boolean", "integer", "null", "number", "object", "string"))
_SCHEMA_KEYS = frozenset(
    ("items", "contains", "additionalProperties", "propertyNames", "if", "then", "else", "not",
     "unevaluatedItems", "unevaluatedProperties", "contentSchema")
)  # fmt: skip
_SCHEMA_MAP_KEYS = frozenset(("properties", "patternProperties", "dependentSchemas", "$defs"))
_SCHEMA_LIST_KEYS = frozenset(("allOf", "anyOf", "oneOf", "prefixItems"))
_NUMBER_KEYS = frozenset(("maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"))
_COUNT_KEYS = frozenset(
    ("maxLength", "minLength", "maxItems", "minItems", "maxContains", "minContains",
     "maxProperties", "minProperties")
)  # fmt: skip
_STRING_KEYS = frozenset(
    ("$ref", "$comment", "title", "description", "format", "pattern", "contentEncoding",
     "contentMediaType")
)  # fmt: skip
_BOOL_KEYS = frozenset(("uniqueItems", "deprecated", "readOnly", "writeOnly"))
_ANY_KEYS = frozenset(("const", "default"))
# keywords whose meta-schema rules are more involved: leave them to jsonschema
_DEFER_KEYS = frozenset(
    ("$id", "$schema", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary",
     "definitions", "dependencies", "$recursiveRef", "$recursiveAnchor")
)  # fmt: skip


def _string_array(value: Any) -> bool:
    return (
        isinstance(value, list)
        and all(isinstance(x, str) for x in value)
        and len(set(value)) == len(value)
    )


def plain_schema_ok(schema: Any, depth: int = 0) -> bool:
    """Whether ``schema`` is certainly valid against the draft 2020-12 meta-schema (without
    format assertions, as the loader's meta-validator runs). ``False`` means "not sure"."""
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict) or depth > 200:
        return False
    for key, value in schema.items():
        if key in _SCHEMA_KEYS:
            if not plain_schema_ok(value, depth + 1):
                return False
        elif key in _SCHEMA_MAP_KEYS:
            if not isinstance(value, dict):
                return False
            if key == "patternProperties" and not all(isinstance(k, str) for k in value):
                return False
            for sub in value.values():
                if not plain_schema_ok(sub, depth + 1):
                    return False
        elif key in _SCHEMA_LIST_KEYS:
            if not isinstance(value, list) or not value:
                return False
            for sub in value:
                if not plain_schema_ok(sub, depth + 1):
                    return False
        elif key == "type":
            if isinstance(value, str):
                if value not in _SIMPLE_TYPES:
                    return False
            elif not (
                isinstance(value, list)
                and value
                and all(isinstance(t, str) and t in _SIMPLE_TYPES for t in value)
                and len(set(value)) == len(value)
            ):
                return False
        elif key in _STRING_KEYS:
            if not isinstance(value, str):
                return False
        elif key in _COUNT_KEYS:
            if not (_is_int(value) and value >= 0):
                return False
        elif key in _NUMBER_KEYS:
            if not _is_number(value):
                return False
        elif key == "multipleOf":
            if not (_is_number(value) and value > 0):
                return False
        elif key in _BOOL_KEYS:
            if not isinstance(value, bool):
                return False
        elif key == "required":
            if not _string_array(value):
                return False
        elif key == "enum" or key == "examples":
            if not isinstance(value, list):
                return False
        elif key == "dependentRequired":
            if not isinstance(value, dict) or not all(_string_array(v) for v in value.values()):
                return False
        elif key in _DEFER_KEYS:
            return False
        # const, default and unknown keywords (x-*, nullable...) are allowed by the meta-schema
    return True
