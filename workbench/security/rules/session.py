"""Session and cookie rules, MFA and assurance-level rules (NIST SP 800-63B-4, OWASP ASVS)."""

from __future__ import annotations

from collections.abc import Iterator

from workbench.contract.units import format_duration
from workbench.security.context import StateContext
from workbench.security.model import LEVEL_RANK, Hit, Policy
from workbench.security.rules._base import rule

NIST_SECTIONS = {"aal1": "§2.1.3", "aal2": "§2.2.3", "aal3": "§2.3.3"}
# Authenticators by what they prove (NIST SP 800-63B-4 §3.1; restricted: §3.2.9).
PHISHING_RESISTANT = {"aal2": {"webauthn", "passkey", "smartcard", "piv"}}
PHISHING_RESISTANT["aal3"] = {"webauthn", "smartcard", "piv"}
RESTRICTED = {"sms", "voice"}
NOT_A_SECOND_FACTOR = {"password", "recovery_code", "email"}


def _limits(policy: Policy) -> str:
    parts = []
    for level in ("aal1", "aal2", "aal3"):
        lim = policy.session_limits[level]
        absolute = format_duration(lim.absolute) if lim.absolute else "none"
        idle = format_duration(lim.idle) if lim.idle else "none"
        parts.append(f"{level} absolute {absolute} / idle {idle}")
    return "; ".join(parts) + policy.origin("session_limits")


@rule(
    "session.absolute-timeout",
    weakened_by=("session.absolute-timeout-lengthened",),
    severity="medium",
    title="Session absolute timeout above the assurance level's limit",
    rationale="""Reauthentication bounds how long a hijacked or forgotten session lasts; NIST
    fixes the longest time between authentications for each assurance level.""",
    fix="Lower sessions.absolute_timeout to the limit of the contract's assurance level.",
    citation="NIST SP 800-63B-4 §2.1.3, §2.2.3, §2.3.3",
    severity_note="high when no absolute timeout is set",
    threshold=_limits,
)
def absolute_timeout(ctx: StateContext) -> Iterator[Hit]:
    yield from _timeout(ctx, "absolute", missing_severity="high")


def _timeout(ctx: StateContext, kind: str, missing_severity: str | None = None) -> Iterator[Hit]:
    """The session's ``<kind>_timeout`` against the limit of its assurance level: missing, or
    over the limit (levels without a limit check nothing)."""
    sessions = ctx.contract.section("sessions")
    if not sessions:
        return
    level = ctx.level
    limit = getattr(ctx.policy.session_limits[level], kind)
    if limit is None:
        return
    field = f"{kind}_timeout"
    value = sessions.get(field)
    origin = ctx.policy.origin("session_limits")
    if value is None:
        yield Hit(
            f"sessions.{field}",
            ("sessions",),
            f"sessions have no {kind} timeout ({ctx.level_source} allows at most "
            f"{format_duration(limit)}{origin})",
            severity=missing_severity,
        )
    elif isinstance(value, int) and value > limit:
        yield Hit(
            f"sessions.{field}",
            ("sessions", field),
            f"{kind} timeout {format_duration(value)} is over the {format_duration(limit)} limit "
            f"for {level} ({ctx.level_source}){origin}",
        )


@rule(
    "session.idle-timeout",
    weakened_by=("session.idle-timeout-lengthened",),
    severity="medium",
    title="Session idle timeout missing or above the assurance level's limit",
    rationale="""An idle timeout ends sessions left open on shared or stolen devices; at aal2 and
    aal3 NIST caps the inactivity allowed before reauthentication.""",
    fix="Set sessions.idle_timeout to at most the limit of the contract's assurance level.",
    citation="NIST SP 800-63B-4 §2.2.3, §2.3.3",
    threshold=_limits,
)
def idle_timeout(ctx: StateContext) -> Iterator[Hit]:
    yield from _timeout(ctx, "idle")


@rule(
    "session.cookie-flags",
    weakened_by=("session.cookie-flag-disabled",),
    severity="medium",
    title="Session cookie without Secure or HttpOnly",
    rationale="""Without Secure the cookie is sent over plain http; without HttpOnly any
    injected script can read and exfiltrate it.""",
    fix="Set sessions.cookie.secure: true and http_only: true (and prefer the __Host- prefix).",
    citation="OWASP ASVS 5.0 §7.2 (session management); RFC 6265 §4.1.2.5, §4.1.2.6",
)
def cookie_flags(ctx: StateContext) -> Iterator[Hit]:
    cookie = ctx.contract.section("sessions").get("cookie")
    if not isinstance(cookie, dict):
        return
    for flag in ("secure", "http_only"):
        if cookie.get(flag) is not True:
            raw = ("sessions", "cookie", flag) if flag in cookie else ("sessions", "cookie")
            yield Hit(
                f"sessions.cookie.{flag}",
                raw,
                f"the session cookie is not {flag.replace('_', '-')}",
                key=flag,
            )


@rule(
    "session.cookie-samesite-none",
    weakened_by=("session.same-site-relaxed",),
    severity="medium",
    title="Session cookie with SameSite=None",
    rationale="""SameSite=None sends the session cookie on cross-site requests, re-opening
    cross-site request forgery that Lax or Strict would block.""",
    fix="Use same_site: lax (or strict); keep cross-site flows on explicit tokens.",
    citation="OWASP ASVS 5.0 §7.2 (session management); RFC 6265bis §5.5.7",
)
def cookie_samesite(ctx: StateContext) -> Iterator[Hit]:
    cookie = ctx.contract.section("sessions").get("cookie")
    if isinstance(cookie, dict) and cookie.get("same_site") == "none":
        yield Hit(
            "sessions.cookie.same_site",
            ("sessions", "cookie", "same_site"),
            "the session cookie is SameSite=None: it rides along on cross-site requests",
        )


def _methods(ctx: StateContext) -> tuple[set[str], tuple]:
    mfa = ctx.contract.section("mfa")
    methods = mfa.get("methods") if isinstance(mfa, dict) else None
    raw = ("mfa", "methods") if methods is not None else ("mfa",)
    return {str(m) for m in methods or []}, raw


@rule(
    "mfa.weak-factors",
    weakened_by=("mfa.weak-method-added",),
    severity="high",
    title="Assurance level claimed with a single factor or SMS only",
    rationale="""aal2 and aal3 require two distinct factors; SMS and voice are restricted
    authenticators (SIM swap, interception) and cannot be the only second factor.""",
    fix="Offer WebAuthn/passkeys or TOTP as second factors; keep SMS only as a fallback.",
    citation="NIST SP 800-63B-4 §2.2.1, §2.3.1, §3.2.9",
)
def weak_factors(ctx: StateContext) -> Iterator[Hit]:
    level = ctx.declared_level
    if level not in ("aal2", "aal3"):
        return
    methods, raw = _methods(ctx)
    second = methods - NOT_A_SECOND_FACTOR
    if not second:
        listed = ", ".join(sorted(methods)) or "none listed"
        yield Hit(
            "mfa.methods",
            raw,
            f"{level} is claimed but the only methods are single-factor ({listed})",
            key="single",
        )
    elif second <= RESTRICTED:
        yield Hit(
            "mfa.methods",
            raw,
            f"{level} is claimed with only {', '.join(sorted(second))} as second factor "
            "(restricted authenticators)",
            key="restricted",
        )


@rule(
    "mfa.phishing-resistant",
    weakened_by=("mfa.method-removed",),
    severity="high",
    title="No phishing-resistant authenticator at aal2 or aal3",
    rationale="""aal2 must offer a phishing-resistant option and aal3 must use one with a
    non-exportable key; OTPs and push approvals are relayed by phishing proxies.""",
    fix="Add webauthn (or passkey at aal2; device-bound webauthn, smartcard or piv at aal3).",
    citation="NIST SP 800-63B-4 §2.2.2, §2.3.2, §3.2.5",
    threshold=lambda policy: (
        "aal2: webauthn, passkey, smartcard or piv; aal3: webauthn, smartcard or piv"
    ),
)
def phishing_resistant(ctx: StateContext) -> Iterator[Hit]:
    level = ctx.declared_level
    if level not in PHISHING_RESISTANT:
        return
    methods, raw = _methods(ctx)
    if not methods & PHISHING_RESISTANT[level]:
        yield Hit(
            "mfa.methods",
            raw,
            f"{level} is claimed but no phishing-resistant method is offered "
            f"(need one of {', '.join(sorted(PHISHING_RESISTANT[level]))})",
        )


@rule(
    "mfa.step-up-not-signalled",
    severity="low",
    title="Step-up authentication required but not signalled",
    rationale="""When only some scopes or endpoints need MFA, clients must learn how to ask for
    it: the acr values to request and the error that tells them a stronger login is needed.""",
    fix="Declare mfa.step_up.acr_values and error: insufficient_user_authentication.",
    citation="RFC 9470 §3, §4",
)
def step_up(ctx: StateContext) -> Iterator[Hit]:
    mfa = ctx.contract.section("mfa")
    required_for = [t for t in mfa.get("required_for") or [] if t != "*"]
    if not required_for:
        return
    step = mfa.get("step_up") if isinstance(mfa.get("step_up"), dict) else {}
    missing = []
    if not step.get("acr_values"):
        missing.append("acr_values")
    if step.get("error") != "insufficient_user_authentication":
        missing.append("error insufficient_user_authentication")
    if missing:
        raw = ("mfa", "step_up") if "step_up" in mfa else ("mfa", "required_for")
        yield Hit(
            "mfa.step_up",
            raw,
            f"MFA is required for {', '.join(map(str, required_for))} but step-up does not "
            f"declare {' or '.join(missing)}",
        )


@rule(
    "mfa.assurance-below-policy",
    weakened_by=("mfa.assurance-lowered",),
    severity="high",
    title="Assurance level below the repository's required level",
    rationale="""The repository requires every contract to reach an authenticator assurance
    level; a contract that claims less (or nothing) is out of policy.""",
    fix="Raise mfa.assurance_level (and the authenticators behind it), or change the policy.",
    citation="Repository policy (security.required_assurance_level); NIST SP 800-63B-4 §2",
    threshold=lambda policy: f"required: {policy.required_assurance_level or 'not set'}",
)
def assurance_below_policy(ctx: StateContext) -> Iterator[Hit]:
    required = ctx.policy.required_assurance_level
    if required is None:
        return
    declared = ctx.declared_level
    if declared is None or LEVEL_RANK[declared] < LEVEL_RANK[required]:
        mfa = ctx.contract.section("mfa")
        raw = ("mfa", "assurance_level") if "assurance_level" in mfa else ("mfa",) if mfa else ()
        yield Hit(
            "mfa.assurance_level",
            raw,
            f"the contract claims {declared or 'no assurance level'}; policy requires "
            f"{required}{ctx.policy.origin('required_assurance_level')}",
        )
