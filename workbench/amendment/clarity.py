"""Schema clarity: the new contract validates, its endpoints have request and response schemas,
its errors have a status and a description, and everything the amendment adds or changes is
documented (endpoints, scopes, errors, token kinds, deprecations, schema properties).

With ``schema_clarity: changed`` (the default) only what the amendment touched must be clear;
gaps the previous version already had are counted, not blocking. ``all`` checks everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from workbench.amendment.model import Item
from workbench.contract.errors import Problem
from workbench.contract.model import Contract

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
NO_BODY_STATUSES = frozenset({"204", "205", "304"})


@dataclass(slots=True)
class Gap:
    """Something unclear in the new contract; ``scope`` is the part it belongs to."""

    id: str
    label: str
    raw: tuple
    scope: tuple  # ("endpoint", id) / ("error", code) / ("scope", name) / ("property", raw) ...


def _map(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_success(status: str) -> bool:
    return status.startswith("2")


def _endpoint_gaps(new: Contract) -> Iterator[Gap]:
    for ep_id, ep in _map(new.data.get("endpoints")).items():
        if not isinstance(ep, dict):
            continue
        raw = ("endpoints", ep_id)
        scope = ("endpoint", ep_id)
        name = f"{ep_id} ({ep.get('method', '?')} {ep.get('path', '?')})"
        if not (_text(ep.get("summary")) or _text(ep.get("description"))):
            yield Gap(
                f"endpoint:{ep_id}:documented", f"{name} has no summary or description", raw, scope
            )
        method = str(ep.get("method", "")).upper()
        request = ep.get("request")
        if method in BODY_METHODS and not isinstance(request, dict):
            yield Gap(
                f"endpoint:{ep_id}:request",
                f"{name} takes a body but declares no request",
                raw,
                scope,
            )
        elif isinstance(request, dict) and request.get("schema") is None:
            yield Gap(
                f"endpoint:{ep_id}:request-schema",
                f"{name}: the request has no schema",
                (*raw, "request"),
                scope,
            )
        responses = ep.get("responses")
        if not isinstance(responses, dict) or not responses:
            yield Gap(f"endpoint:{ep_id}:responses", f"{name} declares no responses", raw, scope)
            continue
        statuses = [str(s) for s in responses]
        if not any(_is_success(s) or s == "default" for s in statuses):
            yield Gap(
                f"endpoint:{ep_id}:success",
                f"{name} declares no success (2XX) response",
                (*raw, "responses"),
                scope,
            )
        for status, response in responses.items():
            status = str(status)
            rraw = (*raw, "responses", status)
            response = _map(response)
            if not _text(response.get("description")):
                yield Gap(
                    f"endpoint:{ep_id}:response-description:{status}",
                    f"{name}: response {status} has no description",
                    rraw,
                    scope,
                )
            if (
                _is_success(status)
                and status not in NO_BODY_STATUSES
                and method != "HEAD"
                and response.get("schema") is None
            ):
                yield Gap(
                    f"endpoint:{ep_id}:response-schema:{status}",
                    f"{name}: response {status} has no schema (use 204 for an empty body)",
                    rraw,
                    scope,
                )


def _error_gaps(new: Contract) -> Iterator[Gap]:
    for code, error in _map(new.data.get("errors")).items():
        error = _map(error)
        raw = ("errors", code)
        if not isinstance(error.get("status"), int):
            yield Gap(
                f"error:{code}:status", f"error {code} has no HTTP status", raw, ("error", code)
            )
        if not _text(error.get("description")):
            yield Gap(
                f"error:{code}:description",
                f"error {code} has no description",
                raw,
                ("error", code),
            )


def _scope_gaps(new: Contract) -> Iterator[Gap]:
    for name, description in _map(new.data.get("scopes")).items():
        if not _text(description):
            yield Gap(
                f"scope:{name}",
                f"scope {name} has no description",
                ("scopes", name),
                ("scope", name),
            )


def _token_gaps(new: Contract) -> Iterator[Gap]:
    for kind, token in _map(new.data.get("tokens")).items():
        if isinstance(token, dict) and not _text(token.get("description")):
            yield Gap(
                f"token:{kind}:description",
                f"token {kind} has no description",
                ("tokens", kind),
                ("token", kind),
            )


def _deprecation_gaps(new: Contract) -> Iterator[Gap]:
    for i, dep in enumerate(new.data.get("deprecations") or []):
        if not isinstance(dep, dict):
            continue
        target = str(dep.get("target"))
        if not (_text(dep.get("replacement")) or _text(dep.get("notice"))):
            yield Gap(
                f"deprecation:{target}",
                f"deprecation of {target} says neither its replacement nor what to do (notice)",
                ("deprecations", i),
                ("deprecation", target),
            )


def _schemas(data: dict) -> Iterator[tuple[tuple, Any]]:
    """Every JSON Schema in a contract, by raw path."""
    for ep_id, ep in _map(data.get("endpoints")).items():
        ep = _map(ep)
        request = _map(ep.get("request"))
        if "schema" in request:
            yield ("endpoints", ep_id, "request", "schema"), request["schema"]
        for status, response in _map(ep.get("responses")).items():
            response = _map(response)
            if "schema" in response:
                yield ("endpoints", ep_id, "responses", status, "schema"), response["schema"]
    for kind, token in _map(data.get("tokens")).items():
        token = _map(token)
        if "claims_schema" in token:
            yield ("tokens", kind, "claims_schema"), token["claims_schema"]
    for name, schema in _map(_map(data.get("components")).get("schemas")).items():
        yield ("components", "schemas", name), schema


def _properties(schema: Any, raw: tuple) -> Iterator[tuple[tuple, Any]]:
    """Every ``properties`` entry inside a JSON Schema (nested objects, items, combinators)."""
    if not isinstance(schema, dict):
        return
    for name, sub in _map(schema.get("properties")).items():
        yield (*raw, "properties", name), sub
        yield from _properties(sub, (*raw, "properties", name))
    for key in ("items", "additionalProperties", "not"):
        if isinstance(schema.get(key), dict):
            yield from _properties(schema[key], (*raw, key))
    for key in ("allOf", "oneOf", "anyOf", "prefixItems"):
        for i, sub in enumerate(schema.get(key) or []):
            yield from _properties(sub, (*raw, key, i))


def _get(data: Any, raw: tuple) -> Any:
    node = data
    for part in raw:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node)
        ):
            node = node[part]
        else:
            return _MISSING
    return node


_MISSING = object()


def _property_gaps(new: Contract) -> Iterator[Gap]:
    for raw, schema in _schemas(new.data):
        for praw, sub in _properties(schema, raw):
            if not isinstance(sub, dict) or "$ref" in sub or _text(sub.get("description")):
                continue
            name = praw[-1]
            where = _dotted(praw)
            yield Gap(
                f"property:{where}",
                f"property {name} ({where}) has no description",
                praw,
                ("property", praw),
            )


def _dotted(raw: tuple) -> str:
    out = []
    for part in raw:
        out.append(f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part))
    return "".join(out)


def all_gaps(new: Contract) -> list[Gap]:
    return [
        *_endpoint_gaps(new),
        *_error_gaps(new),
        *_scope_gaps(new),
        *_token_gaps(new),
        *_deprecation_gaps(new),
        *_property_gaps(new),
    ]


def _touched(gap: Gap, old: Contract | None, new: Contract) -> bool:
    """Whether the amendment added or changed the part ``gap`` belongs to."""
    if old is None:
        return True
    kind, key = gap.scope
    if kind == "endpoint":
        return _get(old.norm, ("endpoints", key)) != _get(new.norm, ("endpoints", key))
    if kind == "error":
        return _get(old.norm, ("errors", key)) != _get(new.norm, ("errors", key))
    if kind == "scope":
        return _get(old.norm, ("scopes", key)) != _get(new.norm, ("scopes", key))
    if kind == "token":
        return _get(old.norm, ("tokens", key)) is _MISSING
    if kind == "deprecation":
        before = [d for d in old.norm.get("deprecations") or [] if isinstance(d, dict)]
        now = [d for d in new.norm.get("deprecations") or [] if isinstance(d, dict)]
        mine = [d for d in now if str(d.get("target")) == key]
        return not any(d in before for d in mine)
    if kind == "property":
        return _get(old.data, key) != _get(new.data, key)
    return True  # pragma: no cover


def clarity_items(
    new: Contract | None,
    old: Contract | None,
    problems: list[Problem],
    *,
    mode: str = "changed",
) -> list[Item]:
    """The schema-clarity items of an amendment (see the module docstring)."""
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    items: list[Item] = []
    if errors or new is None:
        first = errors[0] if errors else None
        items.append(
            Item(
                "validates",
                f"the contract does not validate ({len(errors)} error{'s' if len(errors) != 1 else ''})",
                "missing",
                first.format() if first else "the contract could not be read",
                action="edit",
                line=first.line if first else None,
            )
        )
        return items
    items.append(Item("validates", "the contract validates against format v1", "ok"))
    for w in warnings:
        items.append(
            Item(f"warning:{w.line}:{w.column}", w.message, "info", w.format(), line=w.line)
        )
    gaps = all_gaps(new)
    in_scope = [g for g in gaps if mode == "all" or _touched(g, old, new)]
    skipped = len(gaps) - len(in_scope)
    for gap in in_scope:
        loc = new.anchor(gap.raw)
        items.append(
            Item(
                gap.id,
                gap.label,
                "missing",
                "document it in the contract",
                "edit",
                line=loc.line if loc else None,
            )
        )
    if not in_scope:
        what = (
            "everything it adds or changes is documented"
            if mode == "changed"
            else "everything is documented"
        )
        items.append(Item("documented", f"endpoints, errors and schemas are clear; {what}", "ok"))
    if skipped:
        items.append(
            Item(
                "pre-existing",
                f"{skipped} gap{'s' if skipped != 1 else ''} the previous version already had "
                "(not blocking with schema_clarity: changed)",
                "info",
            )
        )
    return items
