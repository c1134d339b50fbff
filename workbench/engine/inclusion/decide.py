"""An instance checked against a schema of a :class:`~workbench.engine.inclusion.nodes.Doc`
without ``jsonschema``, where the answer is certain.

``jsonschema`` stays the ground truth for witnesses (``docs/schema-inclusion.md``); importing
it costs more than judging a whole amendment of a large contract, and most witnesses use a few
plain keywords. :func:`failures` evaluates those keywords exactly as the dialect's validator
does and gives the same errors in what the judge reads of them (the keyword, the instance path,
and for ``required``/``dependentRequired``/``additionalProperties`` the names in the message),
or ``None`` ("not sure") for anything else: a keyword it does not model (``format`` on a
string, ``multipleOf`` on floats, ``contains``, ``unevaluated*``, dynamic references...), an
``$id`` or anchor that moves references, a reference outside the document, a value of an odd
type. On ``None`` the caller asks ``jsonschema``. The inclusion tests check every answer given
here against ``jsonschema`` itself.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.engine.inclusion.nodes import Doc

MAX_DEPTH = 64


class Unsure(Exception):
    """The keyword or the value is outside what this module decides."""


class Failure:
    """What the judge reads of a validation error: ``validator`` (the keyword, ``None`` for a
    ``false`` schema), ``absolute_path`` and ``message``."""

    __slots__ = ("absolute_path", "message", "validator")

    def __init__(self, validator: str | None, path: tuple, message: str = ""):
        self.validator, self.absolute_path, self.message = validator, path, message

    def __repr__(self) -> str:
        return f"Failure({self.validator!r}, {self.absolute_path!r}, {self.message!r})"


# keywords that move references or resolve dynamically: a schema holding one is not decided
_SCOPE = frozenset(("$id", "$anchor", "$dynamicAnchor", "$recursiveAnchor"))
_MODELLED = frozenset(
    ("$ref", "type", "enum", "const", "properties", "patternProperties",
     "additionalProperties", "required", "dependentRequired", "dependencies", "minProperties",
     "maxProperties", "propertyNames", "items", "prefixItems", "additionalItems", "minItems",
     "maxItems", "uniqueItems", "minLength", "maxLength", "pattern", "minimum", "maximum",
     "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "allOf", "anyOf", "oneOf", "not",
     "if", "then", "else", "format")
)  # fmt: skip


def is_valid(doc: Doc, ptr: tuple, instance: Any) -> bool | None:
    """Whether the schema at ``ptr`` accepts ``instance``; ``None`` when not sure."""
    found = failures(doc, ptr, instance, first=True)
    return None if found is None else not found


def failures(doc: Doc, ptr: tuple, instance: Any, *, first: bool = False) -> list | None:
    """The errors of ``instance`` under the schema at ``ptr`` (at most one with ``first``), or
    ``None`` when not sure."""
    try:
        _ancestors(doc, ptr)
        out: list[Failure] = []
        _Eval(doc, first).run(doc.at(ptr), instance, (), out, 0)
        return out
    except _Stop:
        return out
    except (Unsure, KeyError, IndexError, ValueError, TypeError, RecursionError, re.error):
        return None


class _Stop(Exception):
    """The first error is found (``first``)."""


def _ancestors(doc: Doc, ptr: tuple) -> None:
    """Unsure when a schema on the way to ``ptr`` sets a base URI (references move)."""
    if doc.base is not None:  # a standalone schema with an $id
        raise Unsure
    node = doc.root
    draft4 = doc.dialect.boolean_exclusive
    for depth, part in enumerate(ptr):
        if isinstance(node, dict):
            if (depth or doc.standalone) and _scoped(node, draft4):
                raise Unsure
            node = node[part]
        elif isinstance(node, list):
            node = node[int(part)]
        else:
            raise Unsure


def _scoped(schema: dict, draft4: bool) -> bool:
    if draft4 and isinstance(schema.get("id"), str):
        return True
    return any(key in schema for key in _SCOPE)


def _number(value: Any) -> bool:
    return type(value) is int or type(value) is float


class _Eval:
    def __init__(self, doc: Doc, first: bool):
        self.doc = doc
        d = doc.dialect
        self.vocab = d.vocabulary
        self.legacy_ref = d.ref_overrides
        self.draft4 = d.boolean_exclusive
        self.bools = d.boolean_schemas
        self.integral_floats = d.integral_floats
        self.first = first

    def fail(self, out: list, keyword: str | None, path: tuple, message: str = "") -> None:
        out.append(Failure(keyword, path, message))
        if self.first:
            raise _Stop

    def is_type(self, value: Any, name: Any) -> bool:
        t = type(value)
        if name == "string":
            return t is str
        if name == "object":
            return t is dict
        if name == "array":
            return t is list
        if name == "integer":
            return t is int or (t is float and self.integral_floats and value.is_integer())
        if name == "number":
            return t is int or t is float
        if name == "boolean":
            return t is bool
        if name == "null":
            return value is None
        raise Unsure  # an unknown type: the validator raises

    def ok(self, schema: Any, value: Any, depth: int) -> bool:
        """Whether ``value`` passes ``schema`` (errors of a branch are not the caller's)."""
        inner: list[Failure] = []
        first, self.first = self.first, True
        try:
            self.run(schema, value, (), inner, depth)
        except _Stop:
            pass
        finally:
            self.first = first
        return not inner

    def run(self, schema: Any, value: Any, path: tuple, out: list, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise Unsure
        if schema is True or schema is False:
            if not self.bools:
                raise Unsure
            if schema is False:
                self.fail(out, None, path)
            return
        if type(schema) is not dict:
            raise Unsure
        if _scoped(schema, self.draft4):
            raise Unsure
        vocab = self.vocab
        if self.legacy_ref and "$ref" in schema:
            self.ref(schema["$ref"], value, path, out, depth)
            return
        for key, arg in schema.items():
            if key not in vocab:
                continue  # an annotation, an extension, a keyword of another dialect: ignored
            if key not in _MODELLED:
                raise Unsure
            getattr(self, "k_" + key.lstrip("$"))(arg, value, path, out, depth, schema)

    def child(self, schema: Any, value: Any, path: tuple, step: Any, out: list, depth: int) -> None:
        """A subschema at instance ``path + (step,)``; the validator reports a ``false``
        subschema's error at ``path`` itself (it adds the step only to a schema's errors)."""
        if schema is False and self.bools:
            self.fail(out, None, path)
        else:
            self.run(schema, value, (*path, step), out, depth + 1)

    def ref(self, ref: Any, value: Any, path: tuple, out: list, depth: int) -> None:
        if type(ref) is not str or not ref.startswith("#"):
            raise Unsure
        from workbench.engine.inclusion.nodes import Undecided

        try:
            target = self.doc.resolve(ref, ())
        except Undecided:
            raise Unsure from None
        if not target and not self.doc.standalone:
            raise Unsure  # the whole contract is no schema
        _ancestors(self.doc, target)
        self.run(self.doc.at(target), value, path, out, depth + 1)

    # --- keywords (argument, instance, path, errors, depth, the schema) ---------------------

    def k_ref(self, arg, value, path, out, depth, schema) -> None:
        self.ref(arg, value, path, out, depth)

    def k_type(self, arg, value, path, out, depth, schema) -> None:
        names = arg if type(arg) is list else [arg]
        if not any(self.is_type(value, t) for t in names):
            if any(type(t) is not str for t in names):
                raise Unsure
            self.fail(out, "type", path)

    def k_enum(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not list:
            raise Unsure
        if not any(_equal(each, value) for each in arg):
            self.fail(out, "enum", path)

    def k_const(self, arg, value, path, out, depth, schema) -> None:
        if not _equal(arg, value):
            self.fail(out, "const", path)

    def k_properties(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not dict:
            raise Unsure
        if type(value) is dict:
            for name, sub in arg.items():
                if name in value:
                    self.child(sub, value[name], path, name, out, depth)

    def k_patternProperties(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not dict:
            raise Unsure
        if type(value) is dict:
            for pattern, sub in arg.items():
                for name, item in value.items():
                    if re.search(pattern, name):
                        self.child(sub, item, path, name, out, depth)

    def k_additionalProperties(self, arg, value, path, out, depth, schema) -> None:
        if type(value) is not dict:
            return
        props = schema.get("properties", {}) if "properties" in self.vocab else {}
        patterns = "|".join(schema.get("patternProperties", {}))
        extras = [
            name
            for name in value
            if name not in props and not (patterns and re.search(patterns, name))
        ]
        if type(arg) is dict or (arg is True and self.bools):
            for name in extras:
                self.child(arg, value[name], path, name, out, depth)
        elif arg is False:
            if extras:
                if "patternProperties" in schema:
                    raise Unsure  # another message: left to the validator
                names = ", ".join(repr(e) for e in sorted(extras, key=str))
                verb = "was" if len(extras) == 1 else "were"
                message = f"Additional properties are not allowed ({names} {verb} unexpected)"
                self.fail(out, "additionalProperties", path, message)
        else:
            raise Unsure

    def k_required(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not list or any(type(n) is not str for n in arg):
            raise Unsure
        if type(value) is dict:
            for name in arg:
                if name not in value:
                    self.fail(out, "required", path, f"{name!r} is a required property")

    def k_dependentRequired(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not dict:
            raise Unsure
        if type(value) is dict:
            for name, needed in arg.items():
                if type(needed) is not list:
                    raise Unsure
                if name in value:
                    for each in needed:
                        if each not in value:
                            self.fail(out, "dependentRequired", path,
                                      f"{each!r} is a dependency of {name!r}")  # fmt: skip

    def k_dependencies(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not dict or any(type(v) is not list for v in arg.values()):
            raise Unsure  # schema dependencies: left to the validator
        if type(value) is dict:
            for name, needed in arg.items():
                if name in value:
                    for each in needed:
                        if each not in value:
                            self.fail(out, "dependencies", path,
                                      f"{each!r} is a dependency of {name!r}")  # fmt: skip

    def k_minProperties(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not int:
            raise Unsure
        if type(value) is dict and len(value) < arg:
            self.fail(out, "minProperties", path)

    def k_maxProperties(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not int:
            raise Unsure
        if type(value) is dict and len(value) > arg:
            self.fail(out, "maxProperties", path)

    def k_propertyNames(self, arg, value, path, out, depth, schema) -> None:
        if type(value) is dict:
            for name in value:
                self.run(arg, name, path, out, depth + 1)

    def k_items(self, arg, value, path, out, depth, schema) -> None:
        if type(value) is not list:
            return
        start = 0
        if "prefixItems" in self.vocab:  # 2020-12
            prefix = schema.get("prefixItems", [])
            if type(prefix) is not list:
                raise Unsure
            start = len(prefix)
            if arg is False:  # one error for the extra items, as the validator gives
                if len(value) > start:
                    self.fail(out, "items", path)
                return
        elif type(arg) is not dict and not (self.bools and type(arg) is bool):
            raise Unsure  # a tuple of schemas (with additionalItems)
        for index in range(start, len(value)):
            self.child(arg, value[index], path, index, out, depth)

    def k_prefixItems(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not list:
            raise Unsure
        if type(value) is list:
            for index, (sub, item) in enumerate(zip(arg, value, strict=False)):
                self.child(sub, item, path, index, out, depth)

    def k_additionalItems(self, arg, value, path, out, depth, schema) -> None:
        if "items" in schema and type(schema["items"]) is not dict:
            raise Unsure  # beside a tuple of schemas (or a boolean): the validator's

    def k_minItems(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not int:
            raise Unsure
        if type(value) is list and len(value) < arg:
            self.fail(out, "minItems", path)

    def k_maxItems(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not int:
            raise Unsure
        if type(value) is list and len(value) > arg:
            self.fail(out, "maxItems", path)

    def k_uniqueItems(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not bool:
            raise Unsure
        if arg and type(value) is list:
            keys = [_scalar_key(v) for v in value]
            if len(set(keys)) != len(keys):
                self.fail(out, "uniqueItems", path)

    def k_minLength(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not int:
            raise Unsure
        if type(value) is str and len(value) < arg:
            self.fail(out, "minLength", path)

    def k_maxLength(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not int:
            raise Unsure
        if type(value) is str and len(value) > arg:
            self.fail(out, "maxLength", path)

    def k_pattern(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not str:
            raise Unsure
        if type(value) is str and not re.search(arg, value):
            self.fail(out, "pattern", path)

    def _bound(self, arg: Any, value: Any) -> bool:
        if not _number(arg):
            raise Unsure
        return _number(value)

    def k_minimum(self, arg, value, path, out, depth, schema) -> None:
        if self.draft4 and "exclusiveMinimum" in schema:
            raise Unsure
        if self._bound(arg, value) and value < arg:
            self.fail(out, "minimum", path)

    def k_maximum(self, arg, value, path, out, depth, schema) -> None:
        if self.draft4 and "exclusiveMaximum" in schema:
            raise Unsure
        if self._bound(arg, value) and value > arg:
            self.fail(out, "maximum", path)

    def k_exclusiveMinimum(self, arg, value, path, out, depth, schema) -> None:
        if self.draft4:
            raise Unsure
        if self._bound(arg, value) and value <= arg:
            self.fail(out, "exclusiveMinimum", path)

    def k_exclusiveMaximum(self, arg, value, path, out, depth, schema) -> None:
        if self.draft4:
            raise Unsure
        if self._bound(arg, value) and value >= arg:
            self.fail(out, "exclusiveMaximum", path)

    def k_multipleOf(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not int or arg <= 0:
            raise Unsure
        if _number(value):
            if type(value) is not int:
                raise Unsure  # float arithmetic: the validator's own
            if value % arg:
                self.fail(out, "multipleOf", path)

    def k_format(self, arg, value, path, out, depth, schema) -> None:
        if type(value) is str:
            raise Unsure  # the format checkers are the validator's

    def k_allOf(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not list:
            raise Unsure
        for sub in arg:
            self.run(sub, value, path, out, depth + 1)

    def k_anyOf(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not list:
            raise Unsure
        if not any(self.ok(sub, value, depth + 1) for sub in arg):
            self.fail(out, "anyOf", path)

    def k_oneOf(self, arg, value, path, out, depth, schema) -> None:
        if type(arg) is not list:
            raise Unsure
        if sum(1 for sub in arg if self.ok(sub, value, depth + 1)) != 1:
            self.fail(out, "oneOf", path)

    def k_not(self, arg, value, path, out, depth, schema) -> None:
        if self.ok(arg, value, depth + 1):
            self.fail(out, "not", path)

    def k_if(self, arg, value, path, out, depth, schema) -> None:
        if self.ok(arg, value, depth + 1):
            if "then" in schema:
                self.run(schema["then"], value, path, out, depth + 1)
        elif "else" in schema:
            self.run(schema["else"], value, path, out, depth + 1)

    def k_then(self, arg, value, path, out, depth, schema) -> None:
        """Applied by ``if``."""

    def k_else(self, arg, value, path, out, depth, schema) -> None:
        """Applied by ``if``."""


def _scalar_key(value: Any) -> tuple:
    """A key equal for the values ``jsonschema`` calls equal (scalars only: ``True`` is not
    ``1``, ``1`` is ``1.0``)."""
    t = type(value)
    if t is bool:
        return ("bool", value)
    if t is int or t is float:
        return ("number", value)
    if t is str:
        return ("string", value)
    if value is None:
        return ("null",)
    raise Unsure


def _equal(one: Any, two: Any) -> bool:
    """``jsonschema``'s equality (``enum``, ``const``) for scalars; containers: unsure."""
    return _scalar_key(one) == _scalar_key(two)
