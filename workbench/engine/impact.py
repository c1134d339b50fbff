"""Who an amendment affects: the parts of a contract each finding touches, and the consumers
whose ``uses`` (token kinds, endpoint ids, scopes, grants) intersect them.

A finding's contract path names the part it changes; some parts reach further than their own
name: an identity provider reaches the tokens it issues, an error code the endpoints that return
it, a shared schema the endpoints and claims that reference it, a scope the endpoints that
require it. Parts no consumer can name (client authentication, say) reach every consumer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workbench.contract.model import REF_PREFIX, Contract
from workbench.contract.paths import split_path
from workbench.contract.record import Record

EVERYONE = "*"
# Top-level sections that change nothing a consumer relies on.
_NO_ONE = frozenset(
    {"contract", "title", "description", "version", "status", "format", "owners", "consumers"}
)


class AffectedConsumer(Record):
    """A consumer and why it is affected: the ``uses`` entries the amendment touches."""

    __slots__ = ("contact", "findings", "matched", "name", "uses")
    name: str
    contact: str | None
    uses: tuple[str, ...]
    matched: tuple[str, ...]  # entries of ``uses`` touched ("*" when the change reaches all)
    findings: list[Any]  # the findings that reach it

    def __init__(
        self,
        name: str,
        contact: str | None,
        uses: tuple[str, ...],
        matched: tuple[str, ...],
        findings: list[Any] | None = None,
    ):
        self.name = name
        self.contact = contact
        self.uses = uses
        self.matched = matched
        self.findings = list() if findings is None else findings

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


class _RefIndex(Record):
    """The schema references of one contract, each part walked once: a schema that aliases
    expand into thousands of copies is still read once per amendment, not once per finding
    and per component."""

    __slots__ = ("components", "users")
    components: dict[str, set[str]]  # component -> components it references
    users: dict[str, set[str]]  # endpoint id or token kind -> components its schemas reference

    def __init__(self, components: dict[str, set[str]], users: dict[str, set[str]]):
        self.components = components
        self.users = users


def _ref_index(contract: Contract) -> _RefIndex:
    components = ((contract.data.get("components") or {}).get("schemas")) or {}
    if not isinstance(components, dict):
        components = {}
    users = {ep_id: _refs(ep) for ep_id, ep in _endpoints(contract).items()}
    for kind, token in _tokens(contract).items():
        users.setdefault(kind, set()).update(_refs(token.get("claims_schema")))
    return _RefIndex({str(c): _refs(schema) for c, schema in components.items()}, users)


def _schema_users(index: _RefIndex, name: str) -> set[str]:
    """Endpoint ids and token kinds whose schemas reference component ``name`` (transitively)."""
    reaching = {name}  # components reaching `name`, including itself
    changed = True
    while changed:
        changed = False
        for comp, refs in index.components.items():
            if comp not in reaching and refs & reaching:
                reaching.add(comp)
                changed = True
    return {user for user, refs in index.users.items() if refs & reaching}


class Impact:
    """What each change of one amendment (old -> new) touches, with the contracts' endpoints,
    tokens and scopes indexed once (the engine asks for every finding)."""

    def __init__(self, old: Contract | None, new: Contract | None):
        self.old, self.new = old, new
        self.sides = [c for c in (old, new) if c is not None]
        source = new if new is not None else old
        self.consumers = [
            c
            for c in (source.section("consumers") if source is not None else [])
            if isinstance(c, dict) and c.get("name")
        ]
        self._memo: dict[str, set[str]] = {}
        self._ref_indexes: list[_RefIndex] | None = None
        self._index: tuple[dict, dict, dict] | None = None

    def _indexed(self) -> tuple[dict[str, list[dict]], dict[str, list[dict]], dict[str, set[str]]]:
        """Endpoints, tokens and the scopes of each endpoint of both sides, indexed when a
        change first needs them (a contract without consumers never does)."""
        if self._index is None:
            endpoints: dict[str, list[dict]] = {}
            tokens: dict[str, list[dict]] = {}
            scopes_of: dict[str, set[str]] = {}
            for c in self.sides:
                for ep_id, ep in _endpoints(c).items():
                    endpoints.setdefault(ep_id, []).append(ep)
                    scopes_of.setdefault(ep_id, set()).update(_scopes_of(ep))
                for kind, token in _tokens(c).items():
                    tokens.setdefault(kind, []).append(token)
            self._index = (endpoints, tokens, scopes_of)
        return self._index

    @property
    def endpoints(self) -> dict[str, list[dict]]:
        return self._indexed()[0]

    @property
    def tokens(self) -> dict[str, list[dict]]:
        return self._indexed()[1]

    @property
    def scopes_of(self) -> dict[str, set[str]]:
        return self._indexed()[2]

    def _schema_users(self, name: str) -> set[str]:
        key = "\x00schema:" + name
        if key not in self._memo:
            if self._ref_indexes is None:
                self._ref_indexes = [_ref_index(c) for c in self.sides]
            self._memo[key] = set().union(*(_schema_users(i, name) for i in self._ref_indexes))
        return self._memo[key]

    def touched(self, path: str) -> set[str]:
        """The names a consumer's ``uses`` may contain that the change at ``path`` touches.

        ``{"*"}`` when the change reaches every consumer; empty when it reaches none (metadata,
        owners, the consumer list itself).
        """
        if path not in self._memo:
            self._memo[path] = self._touched(path)
        return self._memo[path]

    def reached(self, path: str) -> list[tuple[dict, list[str]]]:
        """The consumers the change at ``path`` reaches, each with the ``uses`` it matched."""
        if not self.consumers:
            return []
        parts = self.touched(path)
        out = []
        for consumer in self.consumers:
            uses = [str(u) for u in consumer.get("uses") or []]
            hit = [EVERYONE] if EVERYONE in parts else [u for u in uses if u in parts]
            if hit:
                out.append((consumer, hit))
        return out

    def _touched(self, path: str) -> set[str]:
        """The names a consumer's ``uses`` may contain that the change at ``path`` touches.

        Returns ``{"*"}`` when the change reaches every consumer and an empty set when it reaches
        none (metadata, owners, the consumer list itself).
        """
        segs = _segments(path)
        if not segs:
            return {EVERYONE}
        head, rest = segs[0], segs[1:]
        sides = self.sides
        if head in _NO_ONE:
            return set()
        if head == "tokens":
            return {rest[0]} if rest else set(self.tokens)
        if head == "endpoints":
            if not rest:
                return set(self.endpoints)
            ep_id = rest[0]
            out = {ep_id}
            return out | self.scopes_of.get(ep_id, set())
        if head == "scopes":
            if not rest:
                return {EVERYONE}
            scope = rest[0]
            out = {scope}
            return out | {i for i, scopes in self.scopes_of.items() if scope in scopes}
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
                for kind, tokens in self.tokens.items()
                for token in tokens
                if idp in [str(i) for i in token.get("issued_by") or []]
            }
            return kinds or {EVERYONE}
        if head == "keys":
            kinds = {
                kind
                for kind, tokens in self.tokens.items()
                for token in tokens
                if token.get("format") == "jwt" or token.get("signing_algorithms")
            }
            return kinds or {EVERYONE}
        if head == "errors":
            if not rest:
                return {EVERYONE}
            code = rest[0]
            eps = {
                i
                for i, versions in self.endpoints.items()
                for ep in versions
                if code in [str(e) for e in ep.get("errors") or []]
            }
            return eps or {EVERYONE}
        if head == "components":
            if len(rest) >= 2 and rest[0] == "schemas":
                users = self._schema_users(rest[1])
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
                return self.touched(rest[0])
            return {EVERYONE}
        return {EVERYONE}


def touched_parts(path: str, old: Contract | None, new: Contract | None) -> set[str]:
    """What the change at ``path`` touches (see :meth:`Impact.touched`)."""
    return Impact(old, new).touched(path)


def affected_consumers(
    findings: Iterable[Any], old: Contract | None, new: Contract | None
) -> list[AffectedConsumer]:
    """Consumers of the new contract (else the old) reached by ``findings``, in contract order."""
    impact = Impact(old, new)
    reached: dict[str, AffectedConsumer] = {}
    for finding in findings:
        for consumer, hit in impact.reached(finding.path):
            name = str(consumer["name"])
            if name not in reached:
                contact = consumer.get("contact")
                reached[name] = AffectedConsumer(
                    name=name,
                    contact=str(contact) if contact else None,
                    uses=tuple(str(u) for u in consumer.get("uses") or []),
                    matched=(),
                )
            entry = reached[name]
            entry.findings.append(finding)
            entry.matched += tuple(h for h in hit if h not in entry.matched)
    order = [str(c["name"]) for c in impact.consumers]
    return [reached[n] for n in order if n in reached]
