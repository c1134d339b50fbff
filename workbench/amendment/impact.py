"""Who an amendment affects: the parts of a contract each finding touches, and the consumers
whose ``uses`` (token kinds, endpoint ids, scopes, grants) intersect them.

A finding's contract path names the part it changes; some parts reach further than their own
name: an identity provider reaches the tokens it issues, an error code the endpoints that return
it, a shared schema the endpoints and claims that reference it, a scope the endpoints that
require it. Parts no consumer can name (client authentication, say) reach every consumer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from workbench.contract.model import REF_PREFIX, Contract
from workbench.contract.paths import split_path

EVERYONE = "*"
# Top-level sections that change nothing a consumer relies on.
_NO_ONE = frozenset(
    {"contract", "title", "description", "version", "status", "format", "owners", "consumers"}
)


@dataclass(slots=True)
class AffectedConsumer:
    """A consumer and why it is affected: the ``uses`` entries the amendment touches."""

    name: str
    contact: str | None
    uses: tuple[str, ...]
    matched: tuple[str, ...]  # entries of ``uses`` touched ("*" when the change reaches all)
    findings: list[Any] = field(default_factory=list)  # the findings that reach it

    @property
    def reason(self) -> str:
        if EVERYONE in self.matched:
            return "every consumer (the change is not limited to tokens, endpoints or scopes)"
        return "uses " + ", ".join(self.matched)


def _segments(path: str) -> list[str]:
    try:
        return [seg for seg, _ in split_path(path)]
    except ValueError:
        return []


def _endpoints(contract: Contract | None) -> dict[str, dict]:
    if contract is None:
        return {}
    eps = contract.section("endpoints")
    return (
        {str(k): v for k, v in eps.items() if isinstance(v, dict)} if isinstance(eps, dict) else {}
    )


def _tokens(contract: Contract | None) -> dict[str, dict]:
    if contract is None:
        return {}
    toks = contract.section("tokens")
    return (
        {str(k): v for k, v in toks.items() if isinstance(v, dict)}
        if isinstance(toks, dict)
        else {}
    )


def _scopes_of(endpoint: dict) -> set[str]:
    out: set[str] = set()
    for requirement in endpoint.get("security") or []:
        if isinstance(requirement, dict):
            for scopes in requirement.values():
                if isinstance(scopes, list):
                    out.update(str(s) for s in scopes)
    return out


def _schemes_of(endpoint: dict) -> set[str]:
    out: set[str] = set()
    for requirement in endpoint.get("security") or []:
        if isinstance(requirement, dict):
            out.update(str(k) for k in requirement)
    return out


def _refs(node: Any) -> set[str]:
    """Names of ``#/components/schemas/<Name>`` referenced anywhere inside ``node``."""
    out: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith(REF_PREFIX):
                out.add(ref[len(REF_PREFIX) :])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return out


def _schema_users(contract: Contract | None, name: str) -> set[str]:
    """Endpoint ids and token kinds whose schemas reference component ``name`` (transitively)."""
    if contract is None:
        return set()
    components = ((contract.data.get("components") or {}).get("schemas")) or {}
    # components reaching `name`, including itself
    reaching = {name}
    changed = True
    while changed:
        changed = False
        for comp, schema in components.items():
            if comp not in reaching and _refs(schema) & reaching:
                reaching.add(comp)
                changed = True
    users: set[str] = set()
    for ep_id, ep in _endpoints(contract).items():
        if _refs(ep) & reaching:
            users.add(ep_id)
    for kind, token in _tokens(contract).items():
        if _refs(token.get("claims_schema")) & reaching:
            users.add(kind)
    return users


def touched_parts(path: str, old: Contract | None, new: Contract | None) -> set[str]:
    """The names a consumer's ``uses`` may contain that the change at ``path`` touches.

    Returns ``{"*"}`` when the change reaches every consumer and an empty set when it reaches
    none (metadata, owners, the consumer list itself).
    """
    segs = _segments(path)
    if not segs:
        return {EVERYONE}
    head, rest = segs[0], segs[1:]
    sides = [c for c in (old, new) if c is not None]
    if head in _NO_ONE:
        return set()
    if head == "tokens":
        return {rest[0]} if rest else set().union(*(set(_tokens(c)) for c in sides))
    if head == "endpoints":
        if not rest:
            return set().union(*(set(_endpoints(c)) for c in sides))
        ep_id = rest[0]
        out = {ep_id}
        for c in sides:
            ep = _endpoints(c).get(ep_id)
            if ep:
                out |= _scopes_of(ep)
        return out
    if head == "scopes":
        if not rest:
            return {EVERYONE}
        scope = rest[0]
        out = {scope}
        for c in sides:
            out |= {i for i, ep in _endpoints(c).items() if scope in _scopes_of(ep)}
        return out
    if head == "grants":
        return {rest[0]} if rest else {EVERYONE}
    if head in ("pkce", "redirect_uris"):
        return {"authorization_code"}
    if head == "identity_providers":
        if not rest:
            return {EVERYONE}
        idp = rest[0]
        kinds = {
            kind
            for c in sides
            for kind, token in _tokens(c).items()
            if idp in [str(i) for i in token.get("issued_by") or []]
        }
        return kinds or {EVERYONE}
    if head == "keys":
        kinds = {
            kind
            for c in sides
            for kind, token in _tokens(c).items()
            if token.get("format") == "jwt" or token.get("signing_algorithms")
        }
        return kinds or {EVERYONE}
    if head == "errors":
        if not rest:
            return {EVERYONE}
        code = rest[0]
        eps = {
            i
            for c in sides
            for i, ep in _endpoints(c).items()
            if code in [str(e) for e in ep.get("errors") or []]
        }
        return eps or {EVERYONE}
    if head == "components":
        if len(rest) >= 2 and rest[0] == "schemas":
            users = set().union(*(_schema_users(c, rest[1]) for c in sides))
            return users  # an unreferenced component reaches no one
        return {EVERYONE}
    if head == "mfa":
        targets: set[str] = set()
        for c in sides:
            mfa = c.section("mfa")
            if isinstance(mfa, dict):
                targets |= {str(t) for t in mfa.get("required_for") or []}
        if not targets or "*" in targets:
            return {EVERYONE}
        return targets
    if head == "sessions":
        out = {"session"}
        for c in sides:
            out |= {i for i, ep in _endpoints(c).items() if "session" in _schemes_of(ep)}
        return out
    if head == "deprecations":
        if rest:
            return touched_parts(rest[0], old, new)
        return {EVERYONE}
    return {EVERYONE}


def affected_consumers(
    findings: Iterable[Any], old: Contract | None, new: Contract | None
) -> list[AffectedConsumer]:
    """Consumers of the new contract (else the old) reached by ``findings``, in contract order."""
    source = new if new is not None else old
    consumers = source.section("consumers") if source is not None else []
    parts_by_finding = [(f, touched_parts(f.path, old, new)) for f in findings]
    out: list[AffectedConsumer] = []
    for consumer in consumers or []:
        if not isinstance(consumer, dict) or not consumer.get("name"):
            continue
        uses = tuple(str(u) for u in consumer.get("uses") or [])
        matched: list[str] = []
        reached: list[Any] = []
        for finding, parts in parts_by_finding:
            hit = [EVERYONE] if EVERYONE in parts else [u for u in uses if u in parts]
            if hit:
                reached.append(finding)
                matched += [h for h in hit if h not in matched]
        if reached:
            contact = consumer.get("contact")
            out.append(
                AffectedConsumer(
                    name=str(consumer["name"]),
                    contact=str(contact) if contact else None,
                    uses=uses,
                    matched=tuple(matched),
                    findings=reached,
                )
            )
    return out
