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


_PY_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),  # exact types: bool is not an integer, 1.0 is left to jsonschema
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


class _Compiler:
    """Compiles the subset of draft 2020-12 used by the contract format schema.

    Each schema node becomes one function that tests the value's exact type once and runs only
    the keywords for that type, in plain loops (no generator per value): checking a 100,000-line
    contract costs tens of milliseconds.
    """

    def __init__(self, root: dict):
        self.root = root
        self.defs: dict[str, Check] = {}
        self.done: set[str] = set()

    def ref(self, ref: str) -> Check:
        if not ref.startswith("#/$defs/"):
            return _unsure
        name = ref[len("#/$defs/") :]
        if name not in self.defs:
            self.defs[name] = _unsure  # placeholder while compiling (recursion)
            target = (self.root.get("$defs") or {}).get(name)
            self.defs[name] = self.compile(target) if target is not None else _unsure
            self.done.add(name)
        if name in self.done:
            return self.defs[name]
        defs = self.defs
        return lambda v: defs[name](v)  # a recursive reference: look it up when called

    def compile(self, schema: Any, top: bool = False) -> Check:
        if schema is True:
            return _always
        if not isinstance(schema, dict):
            return _unsure
        types: frozenset[type] | None = None
        enum: frozenset[str] | None = None
        const: Any = _NOTHING
        # objects
        props: dict[str, Check] | None = None
        patterns: list[tuple[Callable[[str], bool], Check]] = []
        extra: Check | None = None
        closed = False  # additionalProperties: false
        check_extra = False
        required: tuple[str, ...] = ()
        min_props = 0
        names: Check | None = None
        # arrays
        items: Check | None = None
        unique = False
        min_items = 0
        # strings
        min_length = 0
        pattern: Callable[[str], bool] | None = None
        date = False
        # numbers
        minimum: Any = None
        maximum: Any = None
        # anywhere
        others: list[Check] = []
        for key, value in schema.items():
            if key in _ANNOTATIONS or (top and key in _TOP_ONLY):
                continue
            if key == "type":
                names_ = value if isinstance(value, list) else [value]
                if any(t not in _PY_TYPES for t in names_):
                    return _unsure
                types = frozenset(py for t in names_ for py in _PY_TYPES[t])
            elif key == "enum":
                if all(isinstance(e, str) for e in value):
                    enum = frozenset(value)
                elif all(
                    isinstance(e, str | int | float) and not isinstance(e, bool) for e in value
                ):
                    typed = frozenset((type(e), e) for e in value)  # format: 1 | 1.1 | "1.1"
                    others.append(
                        lambda v, _t=typed: isinstance(v, str | int | float) and (type(v), v) in _t
                    )
                else:
                    return _unsure
            elif key == "const":
                if not _is_int(value) and not isinstance(value, str):
                    return _unsure
                const = value
            elif key == "properties":
                props = {k: self.compile(sub) for k, sub in value.items()}
                if top:
                    props = {k: _remembering(c) for k, c in props.items()}
            elif key == "patternProperties":
                patterns = [(_matcher(p), self.compile(sub)) for p, sub in value.items()]
            elif key == "additionalProperties":
                check_extra = True
                if value is False:
                    closed = True
                else:
                    extra = self.compile(value)
            elif key == "required":
                required = tuple(value)
            elif key == "minProperties":
                min_props = value
            elif key == "propertyNames":
                names = self.compile(value)
            elif key == "items":
                items = self.compile(value)
            elif key == "uniqueItems":
                unique = value is True
            elif key == "minItems":
                min_items = value
            elif key == "minLength":
                min_length = value
            elif key == "pattern":
                pattern = _matcher(value)
            elif key == "minimum":
                minimum = value
            elif key == "maximum":
                maximum = value
            elif key == "format":
                if value != "date":
                    return _unsure
                date = True
            elif key == "$ref":
                others.append(self.ref(value))
            elif key == "anyOf":  # certainly valid when one branch certainly is
                branches = [self.compile(s) for s in value]
                others.append(lambda v, _b=branches: any(c(v) for c in _b))
            elif key == "oneOf":
                others.append(_one_of([(s, self.compile(s)) for s in value]))
            else:
                return _unsure
        props = props or {}
        obj = bool(props or patterns or check_extra or required or min_props or names)
        arr = items is not None or unique or min_items
        text = bool(min_length or pattern is not None or date)
        num = minimum is not None or maximum is not None
        checks = tuple(others)
        matching: dict[str, tuple[Check, ...]] = {}  # key -> checks of the patterns it matches

        def check(v: Any) -> bool:
            t = type(v)
            if types is not None and t not in types:
                return False
            if enum is not None and (t is not str or v not in enum):
                return False
            if const is not _NOTHING and (t is not type(const) or v != const):
                return False
            if t is dict:
                if obj:
                    if min_props and len(v) < min_props:
                        return False
                    for name in required:
                        if name not in v:
                            return False
                    for k, x in v.items():
                        c = props.get(k)
                        matched = c is not None
                        if matched and not c(x):
                            return False
                        if patterns:
                            hits = matching.get(k)
                            if hits is None:
                                hits = _matching(patterns, matching, k)
                            for pc in hits:
                                matched = True
                                if not pc(x):
                                    return False
                        if not matched and check_extra and (closed or not extra(x)):
                            return False
                        if names is not None and not names(k):
                            return False
            elif t is list:
                if arr:
                    if len(v) < min_items:
                        return False
                    if unique:
                        for x in v:
                            if type(x) is not str:
                                return False
                        if len(set(v)) != len(v):
                            return False
                    if items is not None:
                        for x in v:
                            if not items(x):
                                return False
            elif t is str:
                if text:
                    if len(v) < min_length:
                        return False
                    if pattern is not None and not pattern(v):
                        return False
                    if date and not _date_ok(v):
                        return False
            elif t is int or t is float:
                if minimum is not None and v < minimum:
                    return False
                if maximum is not None and v > maximum:
                    return False
            elif (
                (obj and isinstance(v, dict))
                or (arr and isinstance(v, list))
                or (text and isinstance(v, str))
                or (num and isinstance(v, int | float) and not isinstance(v, bool))
            ):
                return False  # a subclass of a JSON type: leave it to jsonschema
            for c in checks:  # noqa: SIM110 - a loop, not a generator per value
                if not c(v):
                    return False
            return True

        return _simplest(check, schema, types, obj, arr, text, num, checks, enum, const)


_NOTHING = object()
_LITERAL_PREFIX = re.compile(r"\^[^\\.^$*+?{}\[\]|()]*")


def _matcher(pattern: str) -> Callable[[str], bool]:
    """``pattern``'s search as a test; ``^literal`` (``^x-``, ``^/``) is a plain prefix test, and
    other patterns are compiled only when first used (compiling costs milliseconds a process)."""
    if _LITERAL_PREFIX.fullmatch(pattern):
        prefix = pattern[1:]
        return lambda text: text.startswith(prefix)
    compiled: list[re.Pattern[str]] = []

    def search(text: str) -> bool:
        if not compiled:
            compiled.append(re.compile(pattern))
        return compiled[0].search(text) is not None

    return search


def _matching(
    patterns: list[tuple[Callable[[str], bool], Check]],
    cache: dict[str, tuple[Check, ...]],
    key: Any,
) -> tuple[Check, ...]:
    """The checks of the patterns ``key`` matches, remembered (keys recur in every entry)."""
    if type(key) is not str:
        return (_unsure,)
    if len(cache) >= 4096:
        cache.clear()
    hits = cache[key] = tuple(c for matches, c in patterns if matches(key))
    return hits


def _always(_: Any) -> bool:
    return True


def _simplest(
    check: Check,
    schema: dict,
    types: frozenset[type] | None,
    obj: bool,
    arr: Any,
    text: bool,
    num: bool,
    checks: tuple,
    enum: frozenset[str] | None,
    const: Any,
) -> Check:
    """A cheaper equivalent of ``check`` for the common leaf shapes (``type: string``...)."""
    if obj or arr or text or num or checks or const is not _NOTHING:
        return check
    if enum is not None and types is not None and str in types:
        allowed = enum
        return lambda v: type(v) is str and v in allowed
    if enum is not None:
        return check
    if types is None:
        return _always
    if len(types) == 1:
        (only,) = types
        return lambda v: type(v) is only
    return lambda v: type(v) in types


def _one_of(branches: list[tuple[Any, Check]]) -> Check:
    def one_of(v: Any) -> bool:
        valid = [s for s, c in branches if c(v)]
        if len(valid) != 1:
            return False
        return all(_certainly_not(s, v) for s, _ in branches if s is not valid[0])

    return one_of


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


REMEMBERED = 2  # values each top-level property's check remembers as valid


def _remembering(check: Check) -> Check:
    """``check``, answering at once for the last values it found valid, by identity.

    A top-level section a revision shares with its neighbour is the same object in both (see
    ``contract.neighbours``), and parsed data is never modified after loading (the caches of
    parsed revisions rely on that already), so its answer is the same. The answers are "valid"
    only: a value not certainly valid is checked again each time.
    """
    valid: list[Any] = []

    def remembered(v: Any) -> bool:
        for x in valid:
            if x is v:
                return True
        if check(v):
            valid.insert(0, v)
            del valid[REMEMBERED:]
            return True
        return False

    return remembered


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
