"""What a rule's check function is given: the contract (or both sides), the policy, helpers."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from workbench.contract.model import Contract
from workbench.contract.paths import join
from workbench.contract.record import Record
from workbench.engine.model import DiffReport
from workbench.security.model import LEVEL_RANK, Hit, Policy

SYMMETRIC = frozenset({"HS256", "HS384", "HS512"})
ASYMMETRIC_PREFIXES = ("RS", "ES", "PS", "Ed")


def is_asymmetric(alg: str) -> bool:
    return alg.startswith(ASYMMETRIC_PREFIXES)


def token_path(kind: str, *rest: str) -> str:
    path = join("tokens", kind)
    for part in rest:
        path = join(path, part)
    return path


def token_algorithms(token: dict, field: str = "signing_algorithms") -> list[tuple[int, str]]:
    """``(index, name)`` of each algorithm a token lists under ``field``."""
    algs = token.get(field)
    return [(i, str(a)) for i, a in enumerate(algs)] if isinstance(algs, list) else []


def algorithm_hit(
    kind: str, index: int, alg: str, message: str, field: str = "signing_algorithms"
) -> Hit:
    """A hit on one listed algorithm of a token (``tokens.<kind>.<field>[alg]``)."""
    return Hit(
        join(token_path(kind, field), alg, select=True),
        ("tokens", kind, field, index),
        message,
        key=alg,
    )


def is_loopback_host(host: str | None) -> bool:
    """``localhost``, 127.0.0.0/8 and ``::1`` (RFC 8252 §7.3 loopback redirects)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http(url: str) -> bool:
    """Whether ``url`` uses plain ``http:`` to something other than the loopback interface."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() == "http" and not is_loopback_host(host)


def lifetime_of(token: dict) -> int | None:
    """The longest a token of this kind can live: its absolute lifetime, else its lifetime."""
    for key in ("absolute_lifetime", "lifetime"):
        value = token.get(key)
        if isinstance(value, int):
            return value
    return None


class StateContext:
    """One contract under review, with the policy in force (equal when both are)."""

    contract: Contract
    policy: Policy

    def __init__(self, contract: Contract, policy: Policy):
        self.contract = contract
        self.policy = policy

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            return (self.contract, self.policy) == (other.contract, other.policy)  # type: ignore[attr-defined]
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"StateContext(contract={self.contract!r}, policy={self.policy!r})"

    @property
    def data(self) -> dict[str, Any]:
        return self.contract.norm

    def tokens(self) -> Iterator[tuple[str, dict]]:
        for kind, token in (self.contract.section("tokens") or {}).items():
            if isinstance(token, dict):
                yield str(kind), token

    def jwt_tokens(self) -> Iterator[tuple[str, dict]]:
        for kind, token in self.tokens():
            if token.get("format") == "jwt":
                yield kind, token

    @cached_property
    def scheme_kinds(self) -> frozenset[str]:
        """Token kinds that endpoints accept as credentials (so: access tokens)."""
        kinds: set[str] = set()
        for ep in (self.contract.section("endpoints") or {}).values():
            if not isinstance(ep, dict):
                continue
            for requirement in ep.get("security") or []:
                if isinstance(requirement, dict):
                    kinds.update(str(k) for k in requirement)
        return frozenset(kinds)

    def is_refresh(self, kind: str) -> bool:
        return "refresh" in kind.lower()

    def is_id_token(self, kind: str) -> bool:
        return kind.lower() == "id_token" or kind.lower().endswith("id_token")

    def is_code(self, kind: str) -> bool:
        return kind.lower() in ("authorization_code", "code")

    def is_access(self, kind: str) -> bool:
        """Access tokens: named so, or accepted by an endpoint's security requirement."""
        if self.is_refresh(kind) or self.is_id_token(kind) or self.is_code(kind):
            return False
        return "access" in kind.lower() or kind in self.scheme_kinds

    def algorithms(self, field: str = "signing_algorithms") -> Iterator[tuple[str, int, str]]:
        """``(token kind, index, name)`` of every algorithm the tokens list under ``field``."""
        for kind, token in self.tokens():
            for i, alg in token_algorithms(token, field):
                yield kind, i, alg

    def access_tokens(self) -> Iterator[tuple[str, dict]]:
        for kind, token in self.tokens():
            if self.is_access(kind):
                yield kind, token

    def refresh_tokens(self) -> Iterator[tuple[str, dict]]:
        for kind, token in self.tokens():
            if self.is_refresh(kind):
                yield kind, token

    @property
    def declared_level(self) -> str | None:
        mfa = self.contract.section("mfa")
        level = mfa.get("assurance_level") if isinstance(mfa, dict) else None
        return level if level in LEVEL_RANK else None

    @property
    def level(self) -> str:
        """The level whose limits apply: the contract's claim, raised to the policy's minimum."""
        levels = [lv for lv in (self.declared_level, self.policy.required_assurance_level) if lv]
        return max(levels, key=LEVEL_RANK.__getitem__) if levels else "aal1"

    @property
    def level_source(self) -> str:
        if self.declared_level == self.level:
            return f"mfa.assurance_level {self.level}"
        if self.policy.required_assurance_level == self.level:
            return f"policy required_assurance_level {self.level}{self.policy.origin('required_assurance_level')}"
        return "no mfa.assurance_level (aal1)"

    def client_auth(self) -> list[str]:
        methods = self.contract.section("client_authentication")
        return [str(m) for m in methods] if isinstance(methods, list) else []

    def grants(self) -> list[str]:
        grants = self.contract.section("grants")
        return [str(g) for g in grants] if isinstance(grants, list) else []


class AmendmentContext(Record):
    """An amendment: both sides, the engine's report on it, the policy and today's date."""

    __slots__ = ("new", "now", "old", "old_since", "policy", "report", "today")
    old: Contract
    new: Contract
    report: DiffReport | None
    policy: Policy
    today: dt.date | None
    now: dt.datetime | None  # when the amendment takes effect (its commit, or now)
    old_since: dt.datetime | None  # when the old version was committed

    def __init__(
        self,
        old: Contract,
        new: Contract,
        report: DiffReport | None,
        policy: Policy,
        today: dt.date | None = None,
        now: dt.datetime | None = None,
        old_since: dt.datetime | None = None,
    ):
        self.old = old
        self.new = new
        self.report = report
        self.policy = policy
        self.today = today
        self.now = now
        self.old_since = old_since

    @property
    def clock(self) -> dt.datetime | None:
        """The moment the amendment is judged at: ``now``, else the start of ``today``."""
        if self.now is not None:
            return self.now
        if self.today is not None:
            return dt.datetime.combine(self.today, dt.time(), dt.UTC)
        return None
