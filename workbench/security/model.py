"""Value types of the security review: rules, their hits, severities, fingerprints and the
policy in force (:class:`Policy`; ``security.policy`` reads it from ``.workbench.yaml``).

The finding itself, :class:`SecurityFinding`, lives beside the engine's ``Finding`` in
:mod:`workbench.engine.model` (one finding model, one ``DiffReport``); it is re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

from workbench.contract.digest import sha256_hex
from workbench.contract.record import Frozen
from workbench.contract.units import format_duration
from workbench.engine.citations import citation_url
from workbench.engine.model import (
    SECURITY_SEVERITIES,
    FindingKind,
    SecurityFinding,
    SecuritySeverity,
)
from workbench.engine.registry import Family, RuleMeta

__all__ = [
    "DEFAULT_POLICY",
    "EC_CURVES",
    "FAIL_ON_CHOICES",
    "LEVEL_RANK",
    "SEVERITIES",
    "SEVERITY_RANK",
    "FindingKind",
    "Hit",
    "Policy",
    "Rule",
    "SecurityFinding",
    "SecuritySeverity",
    "at_or_above",
    "citation_url",
    "fingerprint",
    "sort_key",
]

SEVERITIES: tuple[str, ...] = SECURITY_SEVERITIES
SEVERITY_RANK: dict[str, int] = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
FAIL_ON_CHOICES: tuple[str, ...] = (*SEVERITIES, "never")


def at_or_above(severity: str, threshold: str) -> bool:
    """Whether ``severity`` reaches ``threshold`` (``never`` is reached by nothing)."""
    if threshold == "never":
        return False
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]


class Hit(Frozen):
    """One place where a rule fires, as the rule's check function reports it.

    ``raw`` is the raw path into the contract on ``side`` (for the source line); ``key`` tells
    hits of one rule at one path apart in the fingerprint (an algorithm name, a claim list);
    ``severity`` overrides the rule's default for this hit (e.g. higher at aal3).
    """

    __slots__ = (
        "cause",
        "citation",
        "fix",
        "key",
        "message",
        "path",
        "raw",
        "severity",
        "side",
        "title",
        "why",
    )
    path: str
    raw: tuple
    message: str
    key: str
    severity: str | None
    side: Literal["new", "old"]
    citation: str | None  # a regression carries the citation of the engine rule
    fix: str | None
    title: str | None
    cause: str | None  # the engine rule a regression restates (``regression.weakens``)
    why: str  # that rule's rationale, appended to the message as "Why it matters"

    def __init__(
        self,
        path: str,
        raw: tuple,
        message: str,
        key: str = "",
        severity: str | None = None,
        side: Literal["new", "old"] = "new",
        citation: str | None = None,
        fix: str | None = None,
        title: str | None = None,
        cause: str | None = None,
        why: str = "",
    ):
        put = object.__setattr__
        put(self, "path", path)
        put(self, "raw", raw)
        put(self, "message", message)
        put(self, "key", key)
        put(self, "severity", severity)
        put(self, "side", side)
        put(self, "citation", citation)
        put(self, "fix", fix)
        put(self, "title", title)
        put(self, "cause", cause)
        put(self, "why", why)


class Rule(RuleMeta):
    """A security rule: :class:`RuleMeta` (with ``fix`` and, when the policy sets the limit,
    ``threshold``) plus its kind and the small function that checks.

    ``check`` takes a :class:`StateContext` (kind ``state``) or an :class:`AmendmentContext`
    (kind ``regression``) and yields :class:`Hit` objects.
    """

    __slots__ = ("check", "kind", "weakened_by")
    _uncompared = _unshown = frozenset(("threshold", "check"))
    check: Callable[[Any], Iterable[Hit]]
    kind: FindingKind
    family: Family  # declared again: "security" by default (it keeps its place)
    # engine rules whose weakening introduces (or worsens) the weakness this state rule
    # describes: at the same path, the two are one finding (see ``review.merge_same_weakness``)
    weakened_by: tuple[str, ...]

    def __init__(
        self,
        *,
        check: Callable[[Any], Iterable[Hit]],
        kind: FindingKind = "state",
        family: Family = "security",
        weakened_by: tuple[str, ...] = (),
        **meta: Any,
    ):
        RuleMeta.__init__(self, family=family, **meta)
        put = object.__setattr__
        put(self, "check", check)
        put(self, "kind", kind)
        put(self, "weakened_by", weakened_by)


# --- the policy in force (``security:`` in .workbench.yaml; parsed by security.policy) ---------

LEVELS: tuple[str, ...] = ("aal1", "aal2", "aal3")
LEVEL_RANK = {level: i for i, level in enumerate(LEVELS)}

SIGNING_ALGORITHMS: tuple[str, ...] = (
    "none", "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "RS1", "ES256", "ES384",
    "ES512", "ES256K", "PS256", "PS384", "PS512", "EdDSA", "Ed25519", "Ed448",
)  # fmt: skip

# Elliptic curves by security strength in bits (NIST SP 800-57 part 1 table 2).
EC_CURVES: dict[str, int] = {
    "P-192": 80,
    "P-224": 112,
    "P-256": 128,
    "secp256k1": 128,
    "Ed25519": 128,
    "P-384": 192,
    "Ed448": 224,
    "P-521": 256,
}


class SessionLimit(Frozen):
    """Reauthentication limits for one assurance level, in seconds (``None``: no limit)."""

    __slots__ = ("absolute", "idle")
    absolute: int | None
    idle: int | None

    def __init__(self, absolute: int | None, idle: int | None):
        put = object.__setattr__
        put(self, "absolute", absolute)
        put(self, "idle", idle)


DEFAULT_SESSION_LIMITS: dict[str, SessionLimit] = {
    "aal1": SessionLimit(absolute=30 * 86400, idle=None),
    "aal2": SessionLimit(absolute=24 * 3600, idle=3600),
    "aal3": SessionLimit(absolute=12 * 3600, idle=15 * 60),
}
DEFAULT_MAX_LIFETIME: dict[str, int] = {"authorization_code": 600}


class Policy(Frozen):
    """The thresholds in force. ``origins`` tells where a setting was overridden (file:line)."""

    __slots__ = (
        "allowed_algorithms",
        "clock_skew",
        "disabled_rules",
        "fail_on",
        "max_lifetime",
        "min_ec_curve",
        "min_rsa_bits",
        "origins",
        "required_assurance_level",
        "session_limits",
        "severity_overrides",
        "source",
    )
    fail_on: str
    disabled_rules: frozenset[str]
    severity_overrides: dict[str, str]
    allowed_algorithms: tuple[str, ...] | None
    required_assurance_level: str | None
    max_lifetime: dict[str, int]
    session_limits: dict[str, SessionLimit]
    min_rsa_bits: int
    min_ec_curve: str
    clock_skew: int
    source: str
    origins: dict[str, str]

    def __init__(
        self,
        fail_on: str = "high",
        disabled_rules: frozenset[str] = frozenset(),
        severity_overrides: dict[str, str] | None = None,
        allowed_algorithms: tuple[str, ...] | None = None,
        required_assurance_level: str | None = None,
        max_lifetime: dict[str, int] | None = None,
        session_limits: dict[str, SessionLimit] | None = None,
        min_rsa_bits: int = 2048,
        min_ec_curve: str = "P-256",
        clock_skew: int = 60,
        source: str = "defaults",
        origins: dict[str, str] | None = None,
    ):
        put = object.__setattr__
        put(self, "fail_on", fail_on)
        put(self, "disabled_rules", disabled_rules)
        put(self, "severity_overrides", {} if severity_overrides is None else severity_overrides)
        put(self, "allowed_algorithms", allowed_algorithms)
        put(self, "required_assurance_level", required_assurance_level)
        put(
            self,
            "max_lifetime",
            dict(DEFAULT_MAX_LIFETIME) if max_lifetime is None else max_lifetime,
        )
        limits = dict(DEFAULT_SESSION_LIMITS) if session_limits is None else session_limits
        put(self, "session_limits", limits)
        put(self, "min_rsa_bits", min_rsa_bits)
        put(self, "min_ec_curve", min_ec_curve)
        put(self, "clock_skew", clock_skew)
        put(self, "source", source)
        put(self, "origins", {} if origins is None else origins)

    def enabled(self, rule_id: str) -> bool:
        return rule_id not in self.disabled_rules

    def severity_for(self, rule_id: str, default: str) -> str:
        return self.severity_overrides.get(rule_id, default)

    def origin(self, setting: str) -> str:
        """`` (policy .workbench.yaml:7)`` when ``setting`` was overridden, else ``""``."""
        where = self.origins.get(setting)
        return f" (policy {where})" if where else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "fail_on": self.fail_on,
            "disabled_rules": sorted(self.disabled_rules),
            "severity_overrides": dict(sorted(self.severity_overrides.items())),
            "allowed_algorithms": list(self.allowed_algorithms)
            if self.allowed_algorithms is not None
            else None,
            "required_assurance_level": self.required_assurance_level,
            "max_lifetime": {k: format_duration(v) for k, v in sorted(self.max_lifetime.items())},
            "session_limits": {
                level: {
                    "absolute": format_duration(lim.absolute) if lim.absolute else None,
                    "idle": format_duration(lim.idle) if lim.idle else None,
                }
                for level, lim in sorted(self.session_limits.items())
            },
            "min_rsa_bits": self.min_rsa_bits,
            "min_ec_curve": self.min_ec_curve,
            "clock_skew": format_duration(self.clock_skew),
        }


DEFAULT_POLICY = Policy()


def fingerprint(rule: str, contract_id: str, path: str, key: str = "") -> str:
    """16 hex digits identifying a finding independently of line numbers and run order."""
    text = "\x1f".join((rule, contract_id, path, key))
    return sha256_hex(text.encode("utf-8"))[:16]


def sort_key(finding: SecurityFinding) -> tuple:
    """Most severe first, then regressions before state, then by position."""
    return (
        -SEVERITY_RANK[finding.severity],
        finding.kind != "regression",
        finding.side != "new",
        finding.line or 1,
        finding.column or 1,
        finding.rule,
        finding.path,
    )
