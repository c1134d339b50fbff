"""Turn a file (or a git blob) into a :class:`Contract`, or into problems with exact positions.

Two layers of checks: the JSON Schema of the format (shipped in ``schema/``), then the semantic
rules a schema cannot express (references, duplicate ids, SemVer, date order, durations).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.contract.dialects import (
    DEFAULT_DIALECT,
    DIALECTS,
    dialect_name,
    validator_for_meta,
)
from workbench.contract.errors import ContractError, Problem
from workbench.contract.fastcheck import compile_validator, plain_schema_ok
from workbench.contract.model import DURATION_SECTIONS, REF_PREFIX, Contract, duration_places
from workbench.contract.paths import follow_pointer, resolve_path
from workbench.contract.units import DurationError, parse_duration
from workbench.contract.yamlsrc import (
    LocatedDocument,
    collector_paused,
    decode_source,
    format_json_path,
    load_yaml,
    read_source,
)

if TYPE_CHECKING:
    import jsonschema

SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
BUILTIN_SCHEMES = {"mtls", "session", "api_key"}

if TYPE_CHECKING:  # jsonschema is imported only to explain a problem (see _schema_problems)
    import jsonschema


@cache
def format_schema() -> dict:
    """The JSON Schema (draft 2020-12) of contract format v1."""
    # read beside this module: importlib.resources would cost every command ~15 ms of imports
    path = Path(__file__).with_name("schema") / "contract-v1.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


# jsonschema is imported when a document is not certainly valid (see fastcheck): importing it
# takes longer than loading and checking a typical contract.


@cache
def _validator() -> jsonschema.Draft202012Validator:
    import jsonschema

    return jsonschema.Draft202012Validator(
        format_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@cache
def _fast_validator():
    """Answers "certainly valid" without jsonschema's cost (see fastcheck)."""
    return compile_validator(format_schema())


@cache
def _meta_validator() -> jsonschema.Draft202012Validator:
    import jsonschema

    return jsonschema.Draft202012Validator(jsonschema.Draft202012Validator.META_SCHEMA)


def load_contract(path: str | Path, display: str | None = None) -> Contract:
    """Load and validate a contract file; raise :class:`ContractError` listing every error."""
    name = display or str(path)
    return load_contract_text(read_source(path, name), name)


def load_contract_bytes(raw: bytes, source: str) -> Contract:
    """Load and validate a contract from bytes (a git blob, say)."""
    return load_contract_text(decode_source(raw, source), source)


def load_contract_text(text: str, source: str) -> Contract:
    """Load and validate contract text; raise :class:`ContractError` listing every error."""
    with collector_paused():  # parse and check make only acyclic objects: no collector passes
        contract = parse_contract_text(text, source)
        errors = [p for p in validate_contract(contract) if p.severity == "error"]
    if errors:
        raise ContractError(errors)
    return contract


def parse_contract_text(text: str, source: str) -> Contract:
    """Parse YAML into a located :class:`Contract` without validating it against the format."""
    return contract_from_document(load_yaml(text, source), text, source)


def contract_from_document(doc: LocatedDocument, text: str, source: str) -> Contract:
    """A located :class:`Contract` from an already parsed document (not validated): readers
    that parse first and decide what the document is afterwards parse it only once."""
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else "a single value"
        raise ContractError(
            [Problem(source, 1, 1, f"the document is {kind}; a contract is a mapping of fields")]
        )
    return Contract(source, text, doc.data, doc.locs, doc.key_locs)


def checked(contract: Contract) -> Contract:
    """``contract`` when it validates; raise :class:`ContractError` with its errors."""
    with collector_paused():
        errors = [p for p in validate_contract(contract) if p.severity == "error"]
    if errors:
        raise ContractError(errors)
    return contract


def validate_file(path: str | Path, display: str | None = None) -> list[Problem]:
    """Every problem of one file (errors and warnings); never raises for bad input."""
    name = display or str(path)
    try:
        contract = parse_contract_text(read_source(path, name), name)
    except ContractError as exc:
        return exc.problems
    return validate_contract(contract)


def validate_contract(contract: Contract) -> list[Problem]:
    """Schema and semantic problems of a parsed contract, sorted by position."""
    problems = _schema_problems(contract)
    try:
        problems += _semantic_problems(contract)
    except (TypeError, AttributeError, KeyError, IndexError, ValueError):
        # the semantic checks read the shapes the format schema guarantees: a value of the
        # wrong type (which the schema problems above already point at) can trip them
        if not any(p.severity == "error" for p in problems):
            raise
    problems.sort(key=lambda p: (p.line, p.column, p.severity != "error"))
    seen: set[tuple] = set()
    unique = []
    for p in problems:
        key = (p.line, p.column, p.message)
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


# --- schema ---------------------------------------------------------------------------------


def _problem_at(
    contract: Contract, raw: tuple, message: str, severity: str = "error", *, at_key: bool = False
) -> Problem:
    loc = contract.anchor(raw) if at_key else contract.loc(raw)
    line, col = (loc.line, loc.column) if loc else (1, 1)
    return Problem(contract.source, line, col, message, format_json_path(raw), severity)


def _schema_problems(contract: Contract) -> list[Problem]:
    if _fast_validator()(contract.data):
        return []  # jsonschema would report nothing; it runs only when there is something
    out = []
    for error in _validator().iter_errors(contract.data):
        raw = tuple(error.absolute_path)
        validator = error.validator
        if validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = set(error.schema.get("properties", {}))
            for key in error.instance:
                if key not in allowed and not key.startswith("x-"):
                    hint = _did_you_mean(key, allowed)
                    out.append(
                        _problem_at(
                            contract, (*raw, key), f"unknown field {key!r}{hint}", at_key=True
                        )
                    )
            continue
        if raw == ("version",) and validator == "type":
            continue  # the semantic check explains how to write a version
        if isinstance(error.instance, bool) and _wants_string(error):
            word = _spelling(contract, raw)
            out.append(
                _problem_at(
                    contract,
                    raw,
                    f"{word} is read by YAML as the boolean {str(error.instance).lower()}; "
                    f"quote it ('{word}') to mean the text",
                )
            )
            continue
        if validator == "required":
            out.append(_problem_at(contract, raw, error.message.replace("property", "field")))
            continue
        if validator == "oneOf" and error.schema.get("title") == "duration":
            try:
                parse_duration(error.instance)
                message = f"{error.instance!r} is not a duration"
            except DurationError as exc:
                message = str(exc)
            out.append(_problem_at(contract, raw, message))
            continue
        if validator == "enum":
            choices = ", ".join(str(v) for v in error.validator_value)
            out.append(_problem_at(contract, raw, f"{error.instance!r} is not one of: {choices}"))
            continue
        if validator == "pattern" and raw and raw[-1] == "path":
            out.append(_problem_at(contract, raw, f"{error.instance!r} must start with '/'"))
            continue
        out.append(_problem_at(contract, raw, error.message))
    return out


def _wants_string(error: jsonschema.ValidationError) -> bool:
    """Whether the schema wanted text where YAML produced a boolean (``yes``, ``on``...)."""
    expected = error.validator_value
    if error.validator == "type":
        return expected == "string" or (isinstance(expected, list) and "string" in expected)
    if error.validator == "enum":
        return any(isinstance(v, str) for v in expected)
    return False


def _spelling(contract: Contract, raw: tuple) -> str:
    """The value as written in the file (``yes``, ``on``...), for messages."""
    loc = contract.locs.get(raw)
    if loc is None or loc.line > len(contract.lines):
        return "this value"
    text = contract.lines[loc.line - 1][loc.column - 1 :]
    word = text.split("#", 1)[0].strip().rstrip(",]}").split(",")[0].strip()
    return word or "this value"


def _did_you_mean(key: str, allowed: set[str]) -> str:
    import difflib

    match = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.75)
    return f" (did you mean {match[0]!r}?)" if match else ""


# --- semantics ------------------------------------------------------------------------------


def _semantic_problems(c: Contract) -> list[Problem]:
    data = c.data
    out: list[Problem] = []

    def err(raw: tuple, message: str, severity: str = "error", *, at_key: bool = False) -> None:
        out.append(_problem_at(c, raw, message, severity, at_key=at_key))

    version = data.get("version")
    if version is None and "artefact" not in data:
        err((), "'version' is a required field")
    elif isinstance(version, str) and not SEMVER.match(version):
        err(("version",), f"version {version!r} is not SemVer 2.0 (MAJOR.MINOR.PATCH)")
    elif version is not None and not isinstance(version, str):
        err(("version",), f"version {version!r} must be a quoted SemVer string, e.g. '1.0.0'")

    _check_durations(c, err)
    idps = _check_unique(data.get("identity_providers"), "id", "identity_providers", err)
    _check_unique(data.get("consumers"), "name", "consumers", err)
    _check_unique(data.get("clients"), "id", "clients", err)
    _check_unique(data.get("upstream_providers"), "id", "upstream_providers", err)
    _check_extension_names(data, err)

    tokens = data.get("tokens") if isinstance(data.get("tokens"), dict) else {}
    endpoints = data.get("endpoints") if isinstance(data.get("endpoints"), dict) else {}
    scopes = data.get("scopes") if isinstance(data.get("scopes"), dict) else {}
    errors = data.get("errors") if isinstance(data.get("errors"), dict) else {}
    schemes = data.get("security_schemes") if isinstance(data.get("security_schemes"), dict) else {}

    for kind, token in tokens.items():
        if not isinstance(token, dict):
            continue
        for i, idp in enumerate(token.get("issued_by") or []):
            if idps is not None and idp not in idps:
                err(("tokens", kind, "issued_by", i), f"unknown identity provider {idp!r}")
        _check_order(token, "idle_lifetime", "absolute_lifetime", ("tokens", kind), err)

    seen_routes: dict[tuple, str] = {}
    for eid, ep in endpoints.items():
        if not isinstance(ep, dict):
            continue
        route = (str(ep.get("method", "")).upper(), ep.get("path"))
        if route in seen_routes:
            err(
                ("endpoints", eid, "path"),
                f"{route[0]} {route[1]} is also endpoint {seen_routes[route]!r}",
            )
        else:
            seen_routes[route] = eid
        for i, requirement in enumerate(ep.get("security") or []):
            if not isinstance(requirement, dict):
                continue
            for scheme, needed in requirement.items():
                if scheme in schemes:
                    _check_scheme_scopes(schemes[scheme], scheme, needed, (eid, i), err)
                    continue
                if scheme not in tokens and scheme not in BUILTIN_SCHEMES:
                    err(
                        ("endpoints", eid, "security", i, scheme),
                        f"unknown security scheme {scheme!r} (a token kind, a name in "
                        f"security_schemes or one of {', '.join(sorted(BUILTIN_SCHEMES))})",
                        at_key=True,
                    )
                for j, scope in enumerate(needed or []):
                    if scopes and scope not in scopes:
                        err(
                            ("endpoints", eid, "security", i, scheme, j),
                            f"undeclared scope {scope!r}",
                        )
        for i, code in enumerate(ep.get("errors") or []):
            if code not in errors:
                err(("endpoints", eid, "errors", i), f"unknown error code {code!r}")

    mfa = data.get("mfa") if isinstance(data.get("mfa"), dict) else {}
    for i, target in enumerate(mfa.get("required_for") or []):
        if target not in scopes and target not in endpoints and target != "*":
            err(("mfa", "required_for", i), f"{target!r} is neither a scope nor an endpoint id")

    known_uses = set(tokens) | set(endpoints) | set(scopes) | set(data.get("grants") or [])
    for i, consumer in enumerate(data.get("consumers") or []):
        if not isinstance(consumer, dict):
            continue
        for j, use in enumerate(consumer.get("uses") or []):
            if use not in known_uses:
                err(
                    ("consumers", i, "uses", j),
                    f"{use!r} is not a token kind, endpoint, scope or grant of this contract",
                    "warning",
                )

    sessions = data.get("sessions") if isinstance(data.get("sessions"), dict) else {}
    _check_order(sessions, "idle_timeout", "absolute_timeout", ("sessions",), err)

    for i, dep in enumerate(data.get("deprecations") or []):
        if not isinstance(dep, dict):
            continue
        announced, sunset = dep.get("announced"), dep.get("sunset")
        if isinstance(announced, str) and isinstance(sunset, str) and sunset < announced:
            err(("deprecations", i, "sunset"), f"sunset {sunset} is before announced {announced}")
        target = dep.get("target")
        if isinstance(target, str) and resolve_path(data, target) is None:
            err(
                ("deprecations", i, "target"),
                f"target {target!r} names nothing in this contract (already removed?)",
                "warning",
            )

    _check_schemas(c, err)
    return out


def _check_scheme_scopes(scheme: Any, name: str, needed: Any, at: tuple, err) -> None:
    """Scopes a requirement names for an OAuth 2.0 security scheme should be among its flows'
    scopes (OpenAPI); other scheme types may list roles, which are not declared anywhere."""
    if not isinstance(scheme, dict) or scheme.get("type") != "oauth2":
        return
    flows = scheme.get("flows") if isinstance(scheme.get("flows"), dict) else {}
    declared = {
        str(s)
        for flow in flows.values()
        if isinstance(flow, dict) and isinstance(flow.get("scopes"), dict)
        for s in flow["scopes"]
    }
    eid, i = at
    for j, scope in enumerate(needed or []):
        if scope not in declared:
            err(
                ("endpoints", eid, "security", i, name, j),
                f"scope {scope!r} is not declared by any flow of security scheme {name!r}",
                "warning",
            )


def _check_extension_names(data: dict, err) -> None:
    """Grant and client authentication names outside the registered ones are accepted (real
    servers offer extensions) but flagged, since a typo would otherwise pass silently."""
    schema = format_schema()["$defs"]
    grants = set(schema["grant"]["anyOf"][0]["enum"])
    methods = set(schema["client_auth_method"]["anyOf"][0]["enum"])

    def check(raw: tuple, value: Any, known: set[str], what: str) -> None:
        if isinstance(value, str) and value not in known and ":" not in value:
            hint = _did_you_mean(value, known)
            err(raw, f"{value!r} is not a registered {what}{hint}", "warning")

    for i, grant in enumerate(_as_list(data.get("grants"))):
        check(("grants", i), grant, grants, "grant type")
    for i, method in enumerate(_as_list(data.get("client_authentication"))):
        check(("client_authentication", i), method, methods, "client authentication method")
    for c, client in enumerate(_as_list(data.get("clients"))):
        if not isinstance(client, dict):
            continue
        for i, grant in enumerate(_as_list(client.get("grants"))):
            check(("clients", c, "grants", i), grant, grants, "grant type")
        if "authentication" in client:
            check(
                ("clients", c, "authentication"),
                client["authentication"],
                methods,
                "client authentication method",
            )


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


# per top-level section, the last one whose durations all read (see _CleanSchemas: a section a
# revision shares with its neighbour is the same object, never modified after loading)
_CLEAN_DURATIONS: dict[str, Any] = {}


def _check_durations(c: Contract, err) -> None:
    data = c.data
    for name, specs in DURATION_SECTIONS.items():
        section = data.get(name)
        if section is None or _CLEAN_DURATIONS.get(name) is section:
            continue
        clean = True
        for spec in specs:
            for node, key, raw in duration_places(data, spec):
                if isinstance(node[key], str):
                    try:
                        parse_duration(node[key])
                    except DurationError as exc:
                        err(raw, str(exc))
                        clean = False
        if clean:
            _CLEAN_DURATIONS[name] = section


def _check_order(node: dict, short: str, long: str, raw: tuple, err) -> None:
    try:
        lo, hi = parse_duration(node[short]), parse_duration(node[long])
    except (KeyError, DurationError):
        return
    if lo > hi:
        err((*raw, short), f"{short} is longer than {long}")


def _check_unique(items: Any, field: str, section: str, err) -> set[str] | None:
    if not isinstance(items, list):
        return None
    seen: set[str] = set()
    for i, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get(field), str):
            value = item[field]
            if value in seen:
                err((section, i, field), f"duplicate {field} {value!r} in {section}")
            seen.add(value)
    return seen


def iter_embedded_schemas(data: dict):
    """Yield ``(raw path, schema)`` for every JSON Schema embedded in a contract (sections of
    the wrong type, which the format schema reports, are skipped)."""
    for kind, token in _as_dict(data.get("tokens")).items():
        if isinstance(token, dict) and "claims_schema" in token:
            yield ("tokens", kind, "claims_schema"), token["claims_schema"]
    for eid, ep in _as_dict(data.get("endpoints")).items():
        if not isinstance(ep, dict):
            continue
        request = ep.get("request")
        if isinstance(request, dict) and "schema" in request:
            yield ("endpoints", eid, "request", "schema"), request["schema"]
        for status, response in _as_dict(ep.get("responses")).items():
            if isinstance(response, dict) and "schema" in response:
                yield ("endpoints", eid, "responses", status, "schema"), response["schema"]
    components = _as_dict(data.get("components"))
    for name, schema in _as_dict(components.get("schemas")).items():
        yield ("components", "schemas", name), schema


def _as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


class _CleanSchemas:
    """The embedded schemas of the contract checked last that had no problem, by identity.

    Their answer reads the schema itself and the contract's ``components`` and ``json_schema``
    sections; a top-level section a revision shares with its neighbour is the same object in
    both (``contract.neighbours``) and parsed data is never modified after loading, so the
    answer stands while all three are the same objects. One generation: another
    ``components`` or ``json_schema`` object starts afresh (nothing of older revisions is
    held)."""

    __slots__ = ("components", "schemas", "settings")

    def __init__(self) -> None:
        self.components: Any = None
        self.settings: Any = None
        self.schemas: dict[int, Any] = {}  # id -> the schema (held: its id stays its own)


_CLEAN = _CleanSchemas()


def _check_schemas(c: Contract, err) -> None:
    global _CLEAN
    data = c.data
    settings = data.get("json_schema") if isinstance(data.get("json_schema"), dict) else {}
    default = settings.get("dialect") if isinstance(settings.get("dialect"), str) else None
    clean = _CLEAN
    components, declared = data.get("components"), data.get("json_schema")
    if clean.components is not components or clean.settings is not declared:
        fresh = _CleanSchemas()
        fresh.components, fresh.settings = components, declared
        clean = fresh
    found = 0

    def counted(*args: Any, **kwargs: Any) -> None:
        nonlocal found
        found += 1
        err(*args, **kwargs)

    known = clean.schemas
    for raw, schema in iter_embedded_schemas(data):
        if not isinstance(schema, dict | bool) or known.get(id(schema)) is schema:
            continue
        before = found
        _check_schema(c, raw, schema, default, counted)
        if found == before:
            known[id(schema)] = schema
    _CLEAN = clean  # one assignment: another thread sees the old generation or this one


def _check_schema(c: Contract, raw: tuple, schema: dict | bool, default: str | None, err) -> None:
    """One embedded schema: its dialect, the meta-schema, its ``$ref``s."""
    declared = schema.get("$schema") if isinstance(schema, dict) else None
    dialect = dialect_name(declared) if isinstance(declared, str) else None
    if isinstance(declared, str) and dialect is None:
        err(
            (*raw, "$schema"),
            f"unknown JSON Schema dialect {declared!r} (known: {', '.join(DIALECTS)})",
        )
        return
    dialect = dialect or dialect_name(default) or DEFAULT_DIALECT
    for path, message in _meta_errors(schema, dialect):
        err((*raw, *path), f"not a valid JSON Schema ({dialect}): {message}")
    _check_refs(c, schema, raw, err)


_META_ERRORS: dict[tuple[str, str], tuple[tuple[tuple, str], ...]] = {}


def _meta_errors(
    schema: dict | bool, dialect: str = DEFAULT_DIALECT
) -> tuple[tuple[tuple, str], ...]:
    """Meta-schema errors of one embedded schema against its own dialect's meta-schema, as
    ``(path, message)`` pairs, memoized by dialect and JSON text: the same schemas recur in
    every revision of a contract, and checking them is most of the cost of validating one."""
    if dialect == DEFAULT_DIALECT and plain_schema_ok(schema):
        return ()  # certainly valid (see fastcheck): the meta-schema would find nothing
    try:
        key: tuple[str, str] | None = (dialect, json.dumps(schema))
    except (TypeError, ValueError):
        key = None
    if key is not None:
        hit = _META_ERRORS.get(key)
        if hit is not None:
            return hit
    validator = _meta_validator() if dialect == DEFAULT_DIALECT else validator_for_meta(dialect)
    found = tuple((tuple(e.absolute_path), e.message) for e in validator.iter_errors(schema))
    if key is not None:
        if len(_META_ERRORS) >= 4096:
            _META_ERRORS.clear()
        _META_ERRORS[key] = found
    return found


def _inside(schema: Any, ref: str) -> bool:
    """Whether ``ref`` (a JSON pointer fragment) names a value inside ``schema`` itself, as
    draft-07 schemas refer to their own ``definitions``."""
    found = follow_pointer(schema, ref)
    return found is not None and isinstance(found[1], dict | bool)


def _check_refs(c: Contract, node: Any, raw: tuple, err) -> None:
    """Every ``$ref`` inside one embedded schema (a loop, not a call per value)."""
    work = [(raw, node)]
    while work:
        path, value = work.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "$ref" and isinstance(item, str):
                    if not item.startswith("#"):
                        err(
                            (*path, key),
                            f"external $ref {item!r} refused: only local "
                            f"'{REF_PREFIX}Name' references are allowed (nothing is fetched)",
                        )
                    elif not item.startswith(REF_PREFIX):
                        if not (item.startswith("#/") and _inside(node, item)):
                            err(
                                (*path, key),
                                f"$ref {item!r} must point into {REF_PREFIX} or inside this "
                                "schema (#/definitions/..., #/$defs/...)",
                            )
                    elif c.resolve_ref(item) is None:
                        err((*path, key), f"$ref {item!r} names no schema in components.schemas")
                elif isinstance(item, dict | list):
                    work.append(((*path, key), item))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict | list):
                    work.append(((*path, i), item))
