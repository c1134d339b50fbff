"""The rule registry: every rule is data (id, title, severity, who breaks, rationale, citation)
plus one small function that decides whether it applies to a :class:`Change` and words it.

Rules listen to *topics*: the differ tags every change with the field it concerns
(``token.signing_algorithms``, ``endpoint.security``, ``schema.enum-value-added`` ...). For one
change the rules of its topic are tried in registration order; the first that returns a
:class:`Hit` classifies it. More specific rules are registered first (``token.alg-none-added``
before ``token.alg-added``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from workbench.contract.model import Contract
from workbench.contract.record import Frozen, Record
from workbench.contract.units import format_duration
from workbench.engine.model import SEVERITIES, Change
from workbench.engine.registry import Registry, RuleMeta

KINDS = ("added", "removed", "changed")

# Areas, in documentation order: the id prefix of a rule names its area.
AREAS: dict[str, str] = {
    "contract": "Contract identity and lifecycle",
    "meta": "Metadata and editorial changes",
    "idp": "Identity providers and issuers",
    "grant": "Grants",
    "pkce": "PKCE",
    "client-auth": "Client authentication",
    "redirect-uri": "Redirect URIs",
    "token": "Tokens",
    "session": "Sessions and cookies",
    "mfa": "Multi-factor authentication",
    "scope": "Scopes",
    "key": "Keys",
    "endpoint": "Endpoints and security requirements",
    "error": "Errors",
    "deprecation": "Deprecations",
    "request": "Request bodies (JSON Schema, clients send)",
    "response": "Response bodies (JSON Schema, clients receive)",
    "claims": "Token claims schemas (JSON Schema, issuer produces, relying parties verify)",
    "component": "Shared schema components",
}


class Hit(Frozen):
    """A rule's answer for one change; ``None`` fields keep the rule's defaults."""

    __slots__ = ("breaks", "message", "note", "security", "severity", "witness")
    message: str
    severity: str | None
    security: str | None
    note: str | None
    breaks: tuple[str, ...] | None
    witness: dict | None  # schema rules: an instance proving the break (see Finding)

    def __init__(
        self,
        message: str,
        severity: str | None = None,
        security: str | None = None,
        note: str | None = None,
        breaks: tuple[str, ...] | None = None,
        witness: dict | None = None,
    ):
        put = object.__setattr__
        put(self, "message", message)
        put(self, "severity", severity)
        put(self, "security", security)
        put(self, "note", note)
        put(self, "breaks", breaks)
        put(self, "witness", witness)


class Env(Record):
    """What a rule may look at besides the change itself: both contracts and today's date."""

    __slots__ = ("new", "old", "today")
    old: Contract | None
    new: Contract | None
    today: dt.date

    def __init__(self, old: Contract | None, new: Contract | None, today: dt.date | None = None):
        self.old = old
        self.new = new
        self.today = dt.date.today() if today is None else today

    def old_norm(self) -> dict:
        return self.old.norm if self.old is not None else {}

    def new_norm(self) -> dict:
        return self.new.norm if self.new is not None else {}


Check = Callable[[Change, Env], "Hit | str | None"]


class Rule(RuleMeta):
    """One classification rule: :class:`RuleMeta` plus the topics and change kinds it listens
    to and its check. ``severity``/``security`` are defaults a check may override per change (a
    lifetime raised weakens security, shortened strengthens it). ``topics`` may be given as one
    topic string."""

    __slots__ = ("check", "fallback", "kinds", "topics")
    _uncompared = _unshown = frozenset(("threshold", "check"))
    topics: tuple[str, ...]
    check: Check
    kinds: tuple[str, ...]
    fallback: bool  # the safety net for changes no other rule claims

    def __init__(
        self,
        *,
        topics: str | tuple[str, ...],
        check: Check,
        kinds: tuple[str, ...] = KINDS,
        fallback: bool = False,
        **meta: Any,
    ):
        RuleMeta.__init__(self, **meta)
        put = object.__setattr__
        put(self, "topics", (topics,) if isinstance(topics, str) else tuple(topics))
        put(self, "check", check)
        put(self, "kinds", tuple(kinds))
        put(self, "fallback", fallback)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "area": self.area,
            "severity": self.severity,
            "security": self.security,
            "breaks": list(self.breaks),
            "bump": self.bump_for(self.severity),
            "rationale": self.rationale,
            "citation": self.citation,
            "example": self.example,
        }


class CompatibilityRegistry(Registry[Rule]):
    """The engine's rules by id, and per topic in the order they are tried."""

    def __init__(self) -> None:
        super().__init__(Rule, family="compatibility", areas=AREAS, severities=SEVERITIES)
        self.by_topic: dict[str, list[Rule]] = {}

    def add(self, rule: Rule) -> Rule:
        super().add(rule)
        for topic in rule.topics:
            self.by_topic.setdefault(topic, []).append(rule)
        return rule

    def candidates(self, topic: str) -> list[Rule]:
        return self.by_topic.get(topic, [])


REGISTRY = CompatibilityRegistry()
rule = REGISTRY.rule  # the decorator every rule module uses


# --- small shared wording helpers ---------------------------------------------------------------


def fmt(value: Any) -> str:
    """A value as a reader expects it in a message."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return str(value)


def duration(value: Any) -> str:
    if value is None:
        return "unbounded"
    if isinstance(value, int) and not isinstance(value, bool):
        return format_duration(value)
    return str(value)


def ctx(change: Change, key: str, default: Any = None) -> Any:
    return change.context.get(key, default)


def shortened(change: Change) -> bool:
    """For a duration (``None`` = unbounded): whether the new value is the shorter one."""
    old, new = change.old, change.new
    if old is None:
        return new is not None
    if new is None:
        return False
    return new < old


def security_claim(name: Any) -> bool:
    """Claims verifiers use to decide whether to trust a token at all."""
    return name in {"iss", "aud", "exp", "nbf", "iat", "jti", "sub", "cnf", "client_id", "acr"}
