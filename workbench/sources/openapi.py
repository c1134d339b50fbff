"""OpenAPI 3.0 and 3.1 descriptions (YAML or JSON): security schemes, security requirements with
their real semantics, operations, and request and response bodies as JSON Schemas.

- ``components.securitySchemes`` become ``security_schemes`` (type, ``apiKey`` name and
  location, HTTP scheme and ``bearerFormat``, OAuth 2.0 flows with their URLs and scopes,
  ``openIdConnectUrl``, ``mutualTLS``). HTTP auth schemes and header names are
  case-insensitive (RFC 9110 sections 11.1 and 5.1), so they are written in lower case.
- Every operation gets its *effective* requirements: its own ``security`` when present (an
  empty list makes it public), else the top-level ``security``, else none. Requirement objects
  are alternatives (OR); the schemes inside one are all required (AND); the scopes listed for a
  scheme are all required. Moving a requirement from the top level into every operation is
  therefore no change.
- Request and response bodies keep one media type each (``application/json``, else a
  ``+json`` type, else the first listed). OpenAPI 3.0 schemas are converted to JSON Schema
  2020-12: ``nullable: true`` adds ``null`` to ``type`` (and to ``enum``), boolean
  ``exclusiveMinimum``/``exclusiveMaximum`` become the numeric bounds, ``example`` becomes
  ``examples``, and siblings of ``$ref`` are dropped (3.0 ignores them). ``x-`` extensions and
  ``xml`` are documentation for other tools and are dropped.
- ``$ref`` to ``#/components/schemas/Name`` stays a reference; other local references
  (request bodies, responses, security schemes, deeper pointers) are resolved in place. A
  reference to another file cannot be followed and is refused with its position.
"""

from __future__ import annotations

import dataclasses
import marshal
import re
import threading
from typing import Any

from workbench.contract.errors import ContractError
from workbench.contract.loader import SEMVER
from workbench.contract.model import Contract
from workbench.contract.paths import follow_pointer
from workbench.sources.base import Builder, problem
from workbench.sources.jsonloc import Layered
from workbench.sources.kinds import slug

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
FLOW_NAMES = {
    "implicit": "implicit",
    "password": "password",
    "clientCredentials": "client_credentials",
    "authorizationCode": "authorization_code",
    "deviceAuthorization": "device_authorization",
}
FLOW_URLS = {
    "authorizationUrl": "authorization_url",
    "tokenUrl": "token_url",
    "refreshUrl": "refresh_url",
    "deviceAuthorizationUrl": "device_authorization_url",
}
SCHEMA_PREFIX = "#/components/schemas/"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
_DROP = {"xml"}
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_VALUES = ("enum", "const", "default", "examples", "required")


class _Reader:
    def __init__(self, b: Builder, source: str):
        self.b = b
        self.source = source
        self.doc: dict = b.doc.data
        version = str(self.doc.get("openapi", ""))
        self.v30 = version.startswith("3.0")
        self.memo = _Memo()  # what this reading converts, for the next reading to reuse
        self.last: _Memo | None = None  # what the previous reading converted
        self._refs: dict[str, Any] | None = None  # references followed by the unit being read
        self._checked: dict[tuple[str, Any], bool] = {}
        # the units' tables, in order, kept apart from the builder's (see _layered)
        self._marks: tuple[list, list, list] = ([], [], [])
        self._owners: tuple[dict, dict, dict] = ({}, {}, {})
        self._owned = True  # every unit's entries lie under its own prefixes
        self._last_units: dict[str, dict] = {}  # per section: the last reading's, if reusable

    def fail(self, src: tuple, message: str) -> ContractError:
        return problem(self.b, self.source, src, message)

    # --- references ------------------------------------------------------------------------

    def pointer(self, ref: str, src: tuple, *, exists: bool = False) -> tuple[tuple, Any]:
        """Resolve a local JSON pointer ``#/a/b`` to ``(source path, value)`` (``exists``:
        the caller only needs to know that it resolves, not what it holds)."""
        if not ref.startswith("#"):
            raise self.fail(
                src,
                f"$ref {ref!r} points into another document: bundle the description into one "
                "file first (nothing is fetched)",
            )
        found = follow_pointer(self.doc, ref)
        if found is None:
            raise self.fail(src, f"$ref {ref!r} names nothing in this document")
        if self._refs is not None and (not exists or ref not in self._refs):
            self._refs[ref] = _EXISTS if exists else found[1]
        return found

    def deref(self, src: tuple, value: Any, seen: tuple = ()) -> tuple[tuple, Any]:
        """Follow ``$ref`` objects (request bodies, responses, schemes) to their target."""
        while isinstance(value, dict) and isinstance(value.get("$ref"), str):
            ref = value["$ref"]
            if ref in seen:
                raise self.fail(src, f"$ref {ref!r} refers to itself")
            seen = (*seen, ref)
            src, value = self.pointer(ref, (*src, "$ref"))
        return src, value

    # --- schemas ---------------------------------------------------------------------------

    def schema(self, out: tuple, src: tuple, value: Any, stack: tuple = ()) -> Any:
        """A JSON Schema 2020-12 version of an OpenAPI schema.

        The result maps path for path onto the source (one tree mapping at ``out``), so every
        node keeps its position without being recorded one by one; keys that the conversion
        renames are recorded where they come from. Parts that need no conversion are shared,
        not copied.
        """
        self.b.tree_at(out, src)
        return self._convert(out, src, value, stack)

    def _convert(self, out: tuple, src: tuple, value: Any, stack: tuple) -> Any:
        if isinstance(value, list):
            items = [self._convert((*out, i), (*src, i), v, stack) for i, v in enumerate(value)]
            return value if all(a is b for a, b in zip(items, value, strict=True)) else items
        if not isinstance(value, dict):
            return value
        b = self.b
        ref = value.get("$ref")
        if isinstance(ref, str):
            if ref.startswith(SCHEMA_PREFIX) and "/" not in ref[len(SCHEMA_PREFIX) :]:
                self.pointer(ref, (*src, "$ref"), exists=True)  # must exist
                b.at((*out, "$ref"), (*src, "$ref"))  # references are listed, not only mapped
                if self.v30:  # OpenAPI 3.0 ignores the siblings of $ref
                    return value if len(value) == 1 else {"$ref": ref}
            else:
                if ref in stack:
                    raise self.fail(
                        (*src, "$ref"), f"$ref {ref!r} is recursive and cannot be inlined"
                    )
                target_src, target = self.pointer(ref, (*src, "$ref"))
                b.tree_at(out, target_src)
                return self._convert(out, target_src, target, (*stack, ref))
        changed = False
        result: dict[str, Any] = {}
        for key, child in value.items():
            if _dropped(key):
                changed = True
                continue
            if key in _SCHEMA_MAPS and isinstance(child, dict):
                sub = {
                    name: self._convert((*out, key, name), (*src, key, name), s, stack)
                    for name, s in child.items()
                }
                same = all(sub[name] is child[name] for name in child)
                result[key] = child if same else sub
                changed = changed or not same
            elif key in _SCHEMA_VALUES:
                result[key] = child
            elif key == "example" and self.v30:
                changed = True
                if "examples" not in value:
                    b.at((*out, "examples"), (*src, key))
                    result["examples"] = [child]
            elif isinstance(child, dict | list):
                converted = self._convert((*out, key), (*src, key), child, stack)
                changed = changed or converted is not child
                result[key] = converted
            else:
                result[key] = child
        if self.v30 and (
            "nullable" in result
            or isinstance(result.get("exclusiveMinimum"), bool)
            or isinstance(result.get("exclusiveMaximum"), bool)
        ):
            self._from_30(result, value, out, src)
            changed = True
        return result if changed else value

    def _from_30(self, result: dict, value: dict, out: tuple, src: tuple) -> None:
        nullable = result.pop("nullable", None)
        if nullable is True and "type" in result:
            kind = result["type"]
            types = list(kind) if isinstance(kind, list) else [kind]
            if "null" not in types:
                types.append("null")
            result["type"] = types
            if isinstance(result.get("enum"), list) and None not in result["enum"]:
                result["enum"] = [*result["enum"], None]
        for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            flag = result.get(bound)
            if isinstance(flag, bool):
                if flag and limit in result:
                    result[bound] = result.pop(limit)
                    self.b.at((*out, bound), (*src, limit))
                else:
                    result.pop(bound)

    # --- security ------------------------------------------------------------------------

    def schemes(self) -> dict[str, Any]:
        b = self.b
        comps = self.doc.get("components")
        raw = comps.get("securitySchemes") if isinstance(comps, dict) else None
        if not isinstance(raw, dict):
            return {}
        b.at(("security_schemes",), ("components", "securitySchemes"))
        out: dict[str, Any] = {}
        for name, entry in raw.items():
            src, scheme = self.deref(("components", "securitySchemes", name), entry)
            o = ("security_schemes", str(name))
            if not isinstance(scheme, dict):
                raise self.fail(src, f"security scheme {name!r} is not an object")
            b.at(o, src)
            b.key_at(o, ("components", "securitySchemes", name))
            kind = scheme.get("type")
            if kind not in ("apiKey", "http", "oauth2", "openIdConnect", "mutualTLS"):
                raise self.fail(
                    (*src, "type"), f"security scheme {name!r} has unknown type {kind!r}"
                )
            entry_out: dict[str, Any] = {"type": kind}
            b.at((*o, "type"), (*src, "type"))
            for key, field, lower in (
                ("description", "description", False),
                ("in", "in", False),
                ("name", "name", kind == "apiKey" and scheme.get("in") == "header"),
                ("scheme", "scheme", True),
                ("bearerFormat", "bearer_format", False),
                ("openIdConnectUrl", "open_id_connect_url", False),
                ("oauth2MetadataUrl", "oauth2_metadata_url", False),
                ("deprecated", "deprecated", False),
            ):
                if key in scheme and scheme[key] not in (None, ""):
                    v = scheme[key]
                    entry_out[field] = v.lower() if lower and isinstance(v, str) else v
                    b.at((*o, field), (*src, key))
            flows = scheme.get("flows")
            if kind == "oauth2" and isinstance(flows, dict):
                entry_out["flows"] = self.flows((*o, "flows"), (*src, "flows"), flows)
            out[str(name)] = entry_out
        return out

    def flows(self, o: tuple, src: tuple, flows: dict) -> dict[str, Any]:
        b = self.b
        b.at(o, src)
        result: dict[str, Any] = {}
        for key, flow in flows.items():
            name = FLOW_NAMES.get(key)
            if name is None or not isinstance(flow, dict):
                continue
            fo, fs = (*o, name), (*src, key)
            b.at(fo, fs)
            entry: dict[str, Any] = {}
            for url_key, field in FLOW_URLS.items():
                if isinstance(flow.get(url_key), str) and flow[url_key]:
                    entry[field] = flow[url_key]
                    b.at((*fo, field), (*fs, url_key))
            scopes = flow.get("scopes")
            entry["scopes"] = {}
            if isinstance(scopes, dict):
                b.at((*fo, "scopes"), (*fs, "scopes"))
                for scope, text in scopes.items():
                    entry["scopes"][str(scope)] = "" if text is None else str(text)
                    b.at((*fo, "scopes", str(scope)), (*fs, "scopes", scope))
            result[name] = entry
        return result

    def requirements(self, out: tuple, src: tuple, value: Any, schemes: dict) -> list[dict]:
        b = self.b
        b.at(out, src)
        if not isinstance(value, list):
            raise self.fail(src, "security must be a list of requirement objects")
        result: list[dict] = []
        for i, req in enumerate(value):
            if not isinstance(req, dict):
                raise self.fail((*src, i), "a security requirement is an object of scheme names")
            entry: dict[str, list[str]] = {}
            b.at((*out, i), (*src, i))
            for name, scopes in req.items():
                if name not in schemes:
                    raise self.fail(
                        (*src, i, name),
                        f"security requirement names scheme {name!r}, which "
                        "components.securitySchemes does not define",
                    )
                listed = []
                for j, scope in enumerate(scopes if isinstance(scopes, list) else []):
                    if str(scope) not in listed:
                        b.at((*out, i, str(name), len(listed)), (*src, i, name, j))
                        listed.append(str(scope))
                entry[str(name)] = listed
                b.at((*out, i, str(name)), (*src, i, name))
            result.append(entry)
        return result

    # --- operations ------------------------------------------------------------------------

    def endpoints(self, schemes: dict) -> dict[str, Any]:
        b = self.b
        paths = self.doc.get("paths")
        if not isinstance(paths, dict):
            return {}
        top = self.doc.get("security")
        # what every operation's reading depends on besides its own path item
        self.memo.contexts["paths"] = (self.v30, top, tuple(schemes))
        out: dict[str, Any] = {}
        taken: set[str] = set()
        b.at(("endpoints",), ("paths",))
        for route, item_raw in paths.items():
            key = ("paths", route)
            unit = self._reusable(key, item_raw)
            eids: list[str] | None = None
            if unit is not None:
                if unit.plain and taken.isdisjoint(unit.eids):
                    # ids that are the operations' own (distinct), none taken before: the same
                    eids = unit.eids
                    taken.update(eids)
                else:
                    eids = _ids(unit.ops, str(route), taken)
                if eids == unit.eids:
                    self._replay(key, unit)
                    out.update(zip(eids, unit.result, strict=True))
                    continue
            record = self._start()
            try:
                item_src, item = self.deref(key, item_raw)
                if eids is None:
                    eids = _ids(_named(item), str(route), taken)
                eps = [
                    self.operation(eid, method, op, route, item_src, top, schemes)
                    for eid, (method, op) in zip(eids, _operations(item), strict=True)
                ]
            finally:
                done = self._stop(record)
            named = _named(item)
            unit = _Unit(item_raw, named, eids, eps, *done)
            unit.own([("endpoints", eid) for eid in eids])
            unit.plain = all(eid == op_id for eid, (_, op_id) in zip(eids, named, strict=True))
            self._replay(key, unit)
            out.update(zip(eids, eps, strict=True))
        return out

    def operation(
        self,
        eid: str,
        method: str,
        op: dict,
        route: Any,
        item_src: tuple,
        top: Any,
        schemes: dict,
    ) -> dict[str, Any]:
        b = self.b
        src = (*item_src, method)
        o = ("endpoints", eid)
        b.at(o, src)
        b.key_at(o, src)
        ep: dict[str, Any] = {"method": method.upper(), "path": str(route)}
        b.at((*o, "method"), src)
        b.at((*o, "path"), item_src)
        b.key_at((*o, "path"), ("paths", route))
        for key in ("summary", "description"):
            if isinstance(op.get(key), str) and op[key]:
                ep[key] = op[key]
                b.at((*o, key), (*src, key))
        if op.get("deprecated") is True:
            ep["deprecated"] = True
            b.at((*o, "deprecated"), (*src, "deprecated"))
        if "security" in op:
            ep["security"] = self.requirements(
                (*o, "security"), (*src, "security"), op["security"], schemes
            )
        elif top is not None:
            ep["security"] = self.requirements((*o, "security"), ("security",), top, schemes)
        else:
            ep["security"] = []
        body = op.get("requestBody")
        if body is not None:
            request = self.body((*o, "request"), (*src, "requestBody"), body)
            if request:
                ep["request"] = request
        responses = op.get("responses")
        if isinstance(responses, dict):
            ep["responses"] = {}
            b.at((*o, "responses"), (*src, "responses"))
            for status, resp in responses.items():
                code = str(status).upper() if str(status).lower() != "default" else "default"
                if not _STATUS.match(code):
                    continue
                ep["responses"][code] = self.body(
                    (*o, "responses", code), (*src, "responses", status), resp
                )
            if not ep["responses"]:
                del ep["responses"]
        return ep

    # --- reading a revision of the same description again ---------------------------------
    #
    # A history is read revision after revision, and an amendment changes a few operations or
    # schemas of thousands. Each path item and each component schema is a unit: its result,
    # the positions it recorded (artefact paths, not lines: the new text locates them) and the
    # references it followed. The next reading reuses a unit whose raw value is equal, in the
    # same context (OpenAPI version, top-level security, scheme names), whose references
    # resolve to equal values and whose operations get the same ids: the result is then what
    # converting it again would give, object for object.

    def _reusable(self, key: tuple, raw: Any) -> _Unit | None:
        units = self._last_units.get(key[0])
        if units is None:  # once per section: the units of a reading in the same context
            last = self.last
            same = last is not None and last.contexts.get(key[0]) == self.memo.contexts.get(key[0])
            units = self._last_units[key[0]] = last.units if same and last is not None else {}
        unit = units.get(key)
        if unit is None:
            return None
        # the very object the last reading converted (the parts a revision shares with the one
        # read before are parsed once, see sources.jsonedit), else a value written the same
        if unit.raw is not raw:
            if unit.digest() is None or unit.digest() != _digest(raw):
                return None
            unit = dataclasses.replace(unit, raw=raw)
        for ref, value in unit.refs.items():
            ok = self._checked.get((ref, id(value)))
            if ok is None:
                found = follow_pointer(self.doc, ref)
                ok = found is not None and (
                    value is _EXISTS
                    or found[1] is value
                    or (_digest(value) is not None and _digest(found[1]) == _digest(value))
                )
                self._checked[(ref, id(value))] = ok
            if not ok:
                return None
        return unit

    def _replay(self, key: tuple, unit: _Unit) -> None:
        """Write a unit's positions (its tables, kept as they are: see ``_layered``)."""
        b = self.b
        if not unit.owned:
            self._owned = False
        prefixes = unit.prefixes
        table = unit.values
        if table:
            self._marks[0].append((len(b.values), table))
            self._own(self._owners[0], prefixes, table)
        table = unit.keys
        if table:
            self._marks[1].append((len(b.keys), table))
            self._own(self._owners[1], prefixes, table)
        table = unit.trees
        if table:
            self._marks[2].append((len(b.trees), table))
            self._own(self._owners[2], prefixes, table)
        self.memo.units[key] = unit

    def _own(self, owners: dict, prefixes: list[tuple], table: dict) -> None:
        for prefix in prefixes:
            if owners.setdefault(prefix, table) is not table:
                self._owned = False  # two units under one prefix: merged instead

    def _layered(self) -> None:
        """The builder's tables: the entries written directly with the units' tables layered
        over them when no entry lies under another's prefix, else merged in written order (the
        same table either way)."""
        b = self.b
        owners = self._owners[0].keys() | self._owners[1].keys() | self._owners[2].keys()
        apart = (
            self._owned
            and not any(len(p) == 3 and p[:2] in owners for p in owners)  # none nested
            and not any(
                path[:2] in owners or path[:3] in owners
                for direct in (b.values, b.keys, b.trees)
                for path in direct
            )
        )
        tables = [
            Layered(direct, owned, marks)
            for direct, owned, marks in zip(
                (b.values, b.keys, b.trees), self._owners, self._marks, strict=True
            )
        ]
        if apart:
            b.values, b.keys, b.trees = tables
        else:
            b.values, b.keys, b.trees = (table.merged() for table in tables)

    def _start(self) -> tuple:
        """Record what the next unit writes into the builder, apart from what came before."""
        b = self.b
        saved = (b.values, b.keys, b.trees, self._refs)
        b.values, b.keys, b.trees, self._refs = {}, {}, {}, {}
        return saved

    def _stop(self, saved: tuple) -> tuple[dict, dict, dict, dict]:
        """What the unit wrote: its tables (written by ``_replay``) and its references."""
        b = self.b
        done = (b.values, b.keys, b.trees, dict(self._refs or {}))
        b.values, b.keys, b.trees, self._refs = saved
        return done

    def body(self, out: tuple, src: tuple, value: Any) -> dict[str, Any]:
        b = self.b
        src, value = self.deref(src, value)
        b.at(out, src)
        result: dict[str, Any] = {}
        if not isinstance(value, dict):
            return result
        if isinstance(value.get("description"), str) and value["description"]:
            result["description"] = value["description"]
            b.at((*out, "description"), (*src, "description"))
        content = value.get("content")
        if isinstance(content, dict) and content:
            media = _pick_media(list(content))
            result["content_type"] = media
            b.at((*out, "content_type"), (*src, "content", media))
            b.key_at((*out, "content_type"), (*src, "content", media))
            entry = content[media]
            if isinstance(entry, dict) and "schema" in entry:
                result["schema"] = self.schema(
                    (*out, "schema"), (*src, "content", media, "schema"), entry["schema"]
                )
        return result

    def components(self) -> dict[str, Any]:
        comps = self.doc.get("components")
        raw = comps.get("schemas") if isinstance(comps, dict) else None
        if not isinstance(raw, dict):
            return {}
        self.b.at(("components",), ("components",))
        self.b.at(("components", "schemas"), ("components", "schemas"))
        return {str(name): self.component(name, schema) for name, schema in raw.items()}

    def component(self, name: Any, schema: Any) -> Any:
        key = ("components", "schemas", name)
        unit = self._reusable(key, schema)
        if unit is not None:
            self._replay(key, unit)
            return unit.result
        out = ("components", "schemas", str(name))
        record = self._start()
        try:
            result = self.schema(out, key, schema)
        finally:
            done = self._stop(record)
        unit = _Unit(schema, [], [], result, *done)
        unit.own([out])
        self._replay(key, unit)
        return result


_EXISTS = object()  # a reference a unit only needed to resolve


_STATUS = re.compile(r"^([1-5][0-9][0-9]|[1-5]XX|default)$")


@dataclasses.dataclass(slots=True)
class _Unit:
    """One path item or component schema as a reading converted it (see ``_reusable``)."""

    raw: Any  # its raw value (parsed data is never changed in place)
    ops: list[tuple[str, Any]]  # a path item's operations: (method, operationId)
    eids: list[str]
    result: Any
    values: dict
    keys: dict
    trees: dict
    refs: dict[str, Any]  # reference -> its target's raw value (or _EXISTS)
    prefixes: list[tuple] = dataclasses.field(default_factory=list)  # its contract paths
    owned: bool = False  # every entry of its tables lies under one of its prefixes
    plain: bool = False  # its operations' ids are their own operationIds
    written: bytes | bool | None = False  # the raw value as _digest writes it, once asked

    def own(self, prefixes: list[tuple]) -> None:
        """Set the contract paths (two or three keys) the unit writes under, and check it."""
        self.prefixes = prefixes
        mine = set(prefixes)
        self.owned = all(
            path[:2] in mine or path[:3] in mine
            for table in (self.values, self.keys, self.trees)
            for path in table
        )

    def digest(self) -> bytes | None:
        if self.written is False:
            self.written = _digest(self.raw)
        return self.written  # type: ignore[return-value]


def _digest(value: Any) -> bytes | None:
    """``value`` written out exactly: equal bytes are equal values of the same types (``==``
    would take ``1`` for ``true`` and ``1.0``, which a reader tells apart). Version 2 of the
    format has no back-references, so how objects are shared in memory does not change it.
    ``None`` for what cannot be written (too deep, a YAML timestamp): never reused."""
    try:
        return marshal.dumps(value, 2)
    except (ValueError, RecursionError):
        return None


@dataclasses.dataclass(slots=True)
class _Memo:
    contexts: dict[str, tuple] = dataclasses.field(default_factory=dict)  # per section
    units: dict[tuple, _Unit] = dataclasses.field(default_factory=dict)


_last = threading.local()  # per thread: the units of the description this thread read last


def forget() -> None:
    """Make this thread's next reading convert everything (and drop what the last one kept)."""
    _last.memo = None


def _operations(item: Any) -> list[tuple[str, dict]]:
    if not isinstance(item, dict):
        return []
    return [(m, op) for m in METHODS if isinstance(op := item.get(m), dict)]


def _named(item: Any) -> list[tuple[str, Any]]:
    """``(method, operationId)`` of a path item's operations, in order."""
    return [(method, op.get("operationId")) for method, op in _operations(item)]


def _ids(named: list[tuple[str, Any]], route: str, taken: set[str]) -> list[str]:
    """The ids of a path item's operations, in order, each added to ``taken``."""
    eids = []
    for method, operation_id in named:
        eid = _endpoint_id(operation_id, method, route, taken)
        taken.add(eid)
        eids.append(eid)
    return eids


def _dropped(key: Any) -> bool:
    return isinstance(key, str) and (key.startswith("x-") or key in _DROP)


def _pick_media(types: list[str]) -> str:
    for media in types:
        if media.split(";")[0].strip().lower() == "application/json":
            return media
    for media in types:
        if media.split(";")[0].strip().lower().endswith("+json"):
            return media
    return types[0]


def _endpoint_id(operation_id: Any, method: str, route: str, taken: set[str]) -> str:
    if isinstance(operation_id, str) and _ID.match(operation_id) and operation_id not in taken:
        return operation_id
    base = re.sub(r"\{[^}]*\}", "p", route)
    base = re.sub(r"[^A-Za-z0-9]+", "_", base).strip("_")
    eid = f"{method}_{base}" if base else method
    candidate, n = eid, 2
    while candidate in taken:
        candidate, n = f"{eid}_{n}", n + 1
    return candidate


def read(b: Builder, source: str, text: str, contract_id: str | None) -> Contract:
    doc = b.doc.data
    if not isinstance(doc, dict):
        raise problem(b, source, (), "an OpenAPI description is an object of fields")
    version = doc.get("openapi")
    if not isinstance(version, str) or not version.startswith(("3.0", "3.1")):
        at = ("openapi",) if "openapi" in doc else ("swagger",) if "swagger" in doc else ()
        if not at:
            raise problem(b, source, at, "no 'openapi' field: not an OpenAPI 3 description")
        raise problem(
            b,
            source,
            at,
            f"OpenAPI {version or doc.get('swagger')!r} is not supported: OpenAPI 3.0 and 3.1 are "
            "(convert Swagger 2.0 descriptions first)",
        )
    r = _Reader(b, source)
    r.last = getattr(_last, "memo", None)
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    title = str(info.get("title") or "OpenAPI description")
    data: dict[str, Any] = {
        "format": 1.1,
        "contract": contract_id or slug(title, "openapi"),
        "title": title,
    }
    b.at(("title",), ("info", "title"))
    label = info.get("version")
    artefact: dict[str, Any] = {"kind": "openapi"}
    if isinstance(label, str | int | float) and not isinstance(label, bool):
        label = str(label)
        if SEMVER.match(label):
            data["version"] = label
            b.at(("version",), ("info", "version"))
        else:
            artefact["version"] = label
            b.at(("artefact", "version"), ("info", "version"))
    if isinstance(info.get("description"), str) and info["description"]:
        data["description"] = info["description"]
        b.at(("description",), ("info", "description"))
    data["status"] = "active"
    data["artefact"] = artefact
    schemes = r.schemes()
    if schemes:
        data["security_schemes"] = schemes
    endpoints = r.endpoints(schemes)
    if endpoints:
        data["endpoints"] = endpoints
    r.memo.contexts["components"] = (r.v30,)
    components = r.components()
    if components:
        data["components"] = {"schemas": components}
    r._layered()
    contract = b.contract(source, text, data)
    _last.memo = r.memo  # only now: a reading that failed leaves the last one in place
    return contract
