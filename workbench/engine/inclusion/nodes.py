"""Schema positions: a :class:`Doc` (one JSON document, its dialect, its ``jsonschema``
validators) and :class:`Node`s pointing into it. ``Node.kw()`` reads a schema through its
dialect, as 2020-12 keywords whose subschemas are child ``Node``s (``items: [...]`` becomes
``prefixItems``, ``dependencies`` becomes ``dependentRequired``/``dependentSchemas``, draft-04's
boolean ``exclusiveMinimum`` becomes a number, OpenAPI ``nullable`` adds ``null``).
:class:`KwNode` is a schema assembled from such keywords (one keyword of the old schema replaced
by the new one's, say) that only the prover reads.
"""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import quote, unquote

from workbench.contract.dialects import (
    SCHEMA_LISTS,
    SCHEMA_MAPS,
    SCHEMA_VALUED,
    Dialect,
    apply_nullable,
)
from workbench.engine.inclusion import decide

DOC_URI = "urn:workbench:schema"


class Undecided(Exception):
    """The question cannot be answered with certainty; ``str(exc)`` says why."""


class Doc:
    """One JSON document holding schemas (a standalone schema or a whole contract)."""

    def __init__(
        self, root: Any, dialect: Dialect, *, standalone: bool = True, no_nullable: bool = False
    ):
        # ``no_nullable``: the caller knows no mapping of ``root`` has a ``nullable`` key, so
        # there is nothing to convert (and no need to search the whole document again)
        convert = dialect.nullable and not no_nullable
        self.root = apply_nullable(root) if convert else root
        self.dialect = dialect
        self.standalone = standalone
        self._validators: dict[tuple, Any] = {}
        self._registry: Any = None
        self._base: str | None = None
        if standalone and isinstance(self.root, dict) and isinstance(self.root.get("$id"), str):
            self._base = self.root["$id"].split("#", 1)[0]

    @property
    def base(self) -> str | None:
        """The root's ``$id`` (without fragment) of a standalone schema."""
        return self._base

    def at(self, ptr: tuple) -> Any:
        node = self.root
        for part in ptr:
            if isinstance(node, dict):
                node = node[part]
            elif isinstance(node, list):
                node = node[int(part)]
            else:
                raise KeyError(part)
        return node

    def node(self, ptr: tuple = ()) -> Node:
        return Node(self, tuple(ptr))

    # --- ground truth ---------------------------------------------------------------------

    def registry(self) -> Any:
        if self._registry is None:
            from referencing import Registry, Resource

            resource = Resource(self.root, specification=self.dialect.specification)
            pairs = [(DOC_URI, resource)]
            if self._base:
                pairs.append((self._base, resource))
            registry = Registry().with_resources(pairs)
            if self.standalone:
                with contextlib.suppress(Exception):  # an odd $id: pointers still work
                    registry = registry.crawl()
            self._registry = registry
        return self._registry

    def validator(self, ptr: tuple) -> Any:
        """The ``jsonschema`` validator (this dialect, formats asserted) of the schema at
        ``ptr``; references resolve against the whole document."""
        v = self._validators.get(ptr)
        if v is None:
            from workbench.engine.inclusion.formats import format_checker

            cls = self.dialect.validator_class
            target = self.at(ptr)
            registry = self.registry()
            if ptr == () and self.standalone:
                v = cls(target, registry=registry, format_checker=format_checker(cls))
            elif isinstance(target, dict) and "$id" not in target:
                # the schema itself, its references resolved from the document (no lookup of
                # the schema's own position on every validation)
                try:
                    v = cls(
                        target,
                        registry=registry,
                        format_checker=format_checker(cls),
                        _resolver=registry.resolver(base_uri=self._base or DOC_URI),
                    )
                except TypeError:  # a jsonschema without the private resolver argument
                    v = None
            if v is None:
                schema = {"$ref": DOC_URI + "#" + pointer(ptr)}
                v = cls(schema, registry=registry, format_checker=format_checker(cls))
            self._validators[ptr] = v
        return v

    def is_valid(self, ptr: tuple, instance: Any) -> bool:
        known = decide.is_valid(self, ptr, instance)  # certain answers without jsonschema
        if known is not None:
            return known
        try:
            return bool(self.validator(ptr).is_valid(instance))
        except RecursionError:
            raise Undecided("the validator recursed too deeply") from None
        except Exception as exc:  # an unresolvable reference, a regex Python cannot compile
            raise Undecided(f"the validator failed: {exc}") from None

    def errors(self, ptr: tuple, instance: Any) -> list:
        """The validation errors (``jsonschema``'s, or :class:`decide.Failure`s that carry what
        the judge reads of them: keyword, instance path, message)."""
        known = decide.failures(self, ptr, instance)
        if known is not None:
            return known
        try:
            return list(self.validator(ptr).iter_errors(instance))
        except Exception as exc:
            raise Undecided(f"the validator failed: {exc}") from None

    def resolve(self, ref: str, _from: tuple) -> tuple:
        """The pointer of the schema ``ref`` names (local JSON pointers only)."""
        text = ref
        if self._base and text.startswith(self._base):
            text = text[len(self._base) :]
        if not text.startswith("#"):
            raise Undecided(f"reference {ref!r} is not a local JSON pointer")
        frag = unquote(text[1:])
        if frag and not frag.startswith("/"):
            raise Undecided(f"anchor reference {ref!r} is not supported")
        parts = [] if not frag else frag[1:].split("/")
        ptr = tuple(p.replace("~1", "/").replace("~0", "~") for p in parts)
        try:
            node = self.root
            out = []
            for p in ptr:
                if isinstance(node, list):
                    node = node[int(p)]
                    out.append(int(p))
                else:
                    node = node[p]
                    out.append(p)
        except (KeyError, IndexError, ValueError, TypeError):
            raise Undecided(f"reference {ref!r} names nothing") from None
        return tuple(out)


def pointer(ptr: tuple) -> str:
    return "".join(
        "/" + quote(str(p).replace("~", "~0").replace("/", "~1"), safe="~!$&'()*+,;=:@")
        for p in ptr
    )


class Node:
    """The schema at ``ptr`` in ``doc``."""

    __slots__ = ("_kw", "doc", "ptr")

    def __init__(self, doc: Doc, ptr: tuple):
        self.doc, self.ptr = doc, ptr
        self._kw: dict | None = None

    @property
    def key(self) -> tuple:
        return (id(self.doc), self.ptr)

    @property
    def value(self) -> Any:
        return self.doc.at(self.ptr)

    @property
    def validatable(self) -> bool:
        return True

    def is_valid(self, instance: Any) -> bool:
        return self.doc.is_valid(self.ptr, instance)

    def child(self, *parts: Any) -> Node:
        return Node(self.doc, (*self.ptr, *parts))

    def kw(self) -> dict[str, Any]:
        if self._kw is None:
            self._kw = read_keywords(self)
        return self._kw

    def __repr__(self) -> str:
        return f"Node({pointer(self.ptr) or '#'})"


class KwNode:
    """A schema assembled from already-read keywords (children are ``Node``s of any doc)."""

    __slots__ = ("_key", "_kw", "doc")

    def __init__(self, doc: Doc, kw: dict[str, Any], key: tuple):
        self.doc, self._kw, self._key = doc, kw, key

    @property
    def key(self) -> tuple:
        return self._key

    @property
    def value(self) -> Any:
        return None

    @property
    def validatable(self) -> bool:
        return False

    def kw(self) -> dict[str, Any]:
        return self._kw


def read_keywords(node: Node) -> dict[str, Any]:
    """The keywords of one schema as 2020-12 names; ``{"$bool": b}`` for a boolean schema."""
    value = node.value
    d = node.doc.dialect
    if isinstance(value, bool):
        return {"$bool": value}
    if not isinstance(value, dict):
        raise Undecided(f"{value!r} is not a schema")
    vocab = d.vocabulary
    if d.ref_overrides and isinstance(value.get("$ref"), str):
        return {"$ref": value["$ref"]}
    out: dict[str, Any] = {}
    for key, raw in value.items():
        if key not in vocab:
            continue
        if key in SCHEMA_VALUED:
            if key == "items" and isinstance(raw, list):
                out["prefixItems"] = [node.child("items", i) for i in range(len(raw))]
            else:
                out[key] = node.child(key)
        elif key in SCHEMA_LISTS:
            if isinstance(raw, list):
                out[key] = [node.child(key, i) for i in range(len(raw))]
        elif key in SCHEMA_MAPS:
            if isinstance(raw, dict):
                out[key] = {k: node.child(key, k) for k in raw}
        elif key == "dependencies":
            if isinstance(raw, dict):
                for k, dep in raw.items():
                    if isinstance(dep, list):
                        out.setdefault("dependentRequired", {})[k] = dep
                    else:
                        out.setdefault("dependentSchemas", {})[k] = node.child("dependencies", k)
        else:
            out[key] = raw
    # array-form items: additionalItems applies after the tuple; otherwise it means nothing
    if "additionalItems" in out:
        extra = out.pop("additionalItems")
        if isinstance(value.get("items"), list):
            out["items"] = extra
    if d.boolean_exclusive:
        for bound, excl in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
            flag = out.pop(excl, None)
            if flag is True and bound in out:
                out[excl] = out.pop(bound)
    if d.nullable and value.get("nullable") is True and isinstance(out.get("type"), str | list):
        t = out["type"]
        types = [t] if isinstance(t, str) else list(t)
        if "null" not in types:
            out["type"] = [*types, "null"]
    return out
