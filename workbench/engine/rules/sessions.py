"""Rules about browser sessions, their cookie, and multi-factor authentication."""

from __future__ import annotations

from workbench.engine.model import Change
from workbench.engine.rules.base import Env, Hit, ctx, duration, fmt, rule, shortened

NIST_SESSIONS = "NIST SP 800-63B-4 §2.1.3, §2.2.3, §2.3.3"
ASVS_SESSIONS = "OWASP ASVS 5.0 session management"
SAME_SITE_ORDER = {"none": 0, None: 1, "lax": 1, "strict": 2}
WEAK_MFA = {"sms", "voice", "email", "password"}
PHISHING_RESISTANT = {"webauthn", "passkey", "smartcard", "piv"}
AAL = {"aal1": 1, "aal2": 2, "aal3": 3}

# --- sessions -------------------------------------------------------------------------------------


def _timeout_pair(topic: str, key: str, label: str) -> None:
    @rule(
        f"session.{key}-shortened",
        title=f"Session {label} shortened",
        topics=topic,
        severity="risky",
        security="strengthens",
        breaks=("clients",),
        rationale=f"""Users are signed out sooner; front ends that assume the old {label} (long forms,
        background polling) lose their session mid-task.""",
        citation=NIST_SESSIONS,
        example=f"{key.replace('-', '_')}: 12h -> 8h",
    )
    def _short(c: Change, env: Env) -> Hit | None:
        if not shortened(c):
            return None
        return Hit(f"session {label} {duration(c.old)} -> {duration(c.new)}")

    @rule(
        f"session.{key}-lengthened",
        title=f"Session {label} lengthened",
        topics=topic,
        severity="safe",
        security="weakens",
        rationale=f"""Nobody breaks, but an unattended or hijacked session lives longer. The
        {label} limits depend on the assurance level (aal2: 24 h absolute, 1 h idle).""",
        citation=NIST_SESSIONS,
        example=f"{key.replace('-', '_')}: 8h -> 12h",
    )
    def _long(c: Change, env: Env) -> Hit:
        return Hit(f"session {label} {duration(c.old)} -> {duration(c.new)}")


_timeout_pair("session.idle_timeout", "idle-timeout", "idle timeout")
_timeout_pair("session.absolute_timeout", "absolute-timeout", "absolute timeout")


@rule(
    "session.cookie-renamed",
    title="Session cookie renamed",
    topics="session.cookie.name",
    severity="breaking",
    breaks=("clients",),
    rationale="""Every existing session is lost at once, and front ends or gateways that read the
    cookie by name stop finding it. A __Host- prefix also changes which attributes the browser
    requires.""",
    citation=ASVS_SESSIONS,
    example="name: session -> name: __Host-session",
)
def _cookie_name(c: Change, env: Env) -> Hit:
    return Hit(f"session cookie {fmt(c.old)} -> {fmt(c.new)}")


@rule(
    "session.cookie-flag-enabled",
    title="Cookie flag turned on",
    topics="session.cookie.flag",
    severity="risky",
    security="strengthens",
    breaks=("clients",),
    rationale="""Secure stops the cookie over plain HTTP (local development, internal HTTP hops);
    HttpOnly hides it from scripts that read it. Both are recommended.""",
    citation=ASVS_SESSIONS,
    example="http_only: false -> http_only: true",
)
def _flag_on(c: Change, env: Env) -> Hit | None:
    if c.new is not True:
        return None
    return Hit(f"session cookie {ctx(c, 'field')} turned on")


@rule(
    "session.cookie-flag-disabled",
    title="Cookie flag turned off",
    topics="session.cookie.flag",
    severity="safe",
    security="weakens",
    rationale="""Compatible, but without Secure the cookie travels in clear text and without
    HttpOnly any injected script can steal it.""",
    citation=ASVS_SESSIONS,
    example="secure: true -> secure: false",
)
def _flag_off(c: Change, env: Env) -> Hit:
    return Hit(f"session cookie {ctx(c, 'field')} turned off")


@rule(
    "session.same-site-tightened",
    title="SameSite tightened",
    topics="session.cookie.same_site",
    severity="risky",
    security="strengthens",
    breaks=("clients",),
    rationale="""Cross-site flows that relied on the cookie (embedded widgets, returns from another
    site by POST) lose the session.""",
    citation=ASVS_SESSIONS,
    example="same_site: lax -> same_site: strict",
)
def _same_site_tight(c: Change, env: Env) -> Hit | None:
    if SAME_SITE_ORDER.get(c.new, 1) <= SAME_SITE_ORDER.get(c.old, 1):
        return None
    return Hit(f"session cookie SameSite {fmt(c.old)} -> {fmt(c.new)}")


@rule(
    "session.same-site-relaxed",
    title="SameSite relaxed",
    topics="session.cookie.same_site",
    severity="safe",
    security="weakens",
    rationale="""Compatible, but the cookie is sent on cross-site requests again (CSRF exposure);
    SameSite=None in particular.""",
    citation=ASVS_SESSIONS,
    example="same_site: lax -> same_site: none",
)
def _same_site_relaxed(c: Change, env: Env) -> Hit:
    return Hit(f"session cookie SameSite {fmt(c.old)} -> {fmt(c.new)}")


# --- MFA ------------------------------------------------------------------------------------------


@rule(
    "mfa.required-enabled",
    title="MFA now required",
    topics="mfa.required",
    severity="breaking",
    security="strengthens",
    breaks=("clients",),
    rationale="""Non-interactive clients and front ends without a step-up flow cannot complete the
    second factor.""",
    citation="NIST SP 800-63B-4 §2.2.1-2.2.2; RFC 9470",
    example="mfa: {required: false} -> mfa: {required: true}",
)
def _mfa_on(c: Change, env: Env) -> Hit | None:
    if c.new is not True:
        return None
    return Hit("multi-factor authentication is now required")


@rule(
    "mfa.required-disabled",
    title="MFA no longer required",
    topics="mfa.required",
    severity="safe",
    security="weakens",
    rationale="""Compatible, but a stolen password is enough again.""",
    citation="NIST SP 800-63B-4 §2.2.1-2.2.2",
    example="mfa: {required: true} -> mfa: {required: false}",
)
def _mfa_off(c: Change, env: Env) -> Hit:
    return Hit("multi-factor authentication is no longer required")


@rule(
    "mfa.required-for-added",
    title="MFA required for another scope or endpoint",
    topics="mfa.required_for",
    kinds=("added",),
    severity="breaking",
    security="strengthens",
    breaks=("clients",),
    rationale="""Clients using the scope or endpoint must now handle step-up
    (insufficient_user_authentication) or fail.""",
    citation="RFC 9470 §3; NIST SP 800-63B-4 §2.2",
    example="required_for: [payments:refund] -> [payments:refund, payments:write]",
)
def _mfa_for_added(c: Change, env: Env) -> Hit:
    return Hit(f"MFA now required for {c.new}")


@rule(
    "mfa.required-for-removed",
    title="MFA no longer required for a scope or endpoint",
    topics="mfa.required_for",
    kinds=("removed",),
    severity="safe",
    security="weakens",
    rationale="""Compatible, but the scope or endpoint is reachable with a single factor.""",
    citation="NIST SP 800-63B-4 §2.2",
    example="required_for: [payments:refund] -> []",
)
def _mfa_for_removed(c: Change, env: Env) -> Hit:
    return Hit(f"MFA no longer required for {c.old}")


@rule(
    "mfa.weak-method-added",
    title="Weak MFA method allowed",
    topics="mfa.methods",
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""SMS, voice and email codes are phishable and interceptable (restricted
    authenticators); offering them lets users fall back to the weakest factor.""",
    citation="NIST SP 800-63B-4 §2.2.1-2.2.2",
    example="methods: [webauthn] -> methods: [webauthn, sms]",
)
def _mfa_weak(c: Change, env: Env) -> Hit | None:
    if c.new not in WEAK_MFA:
        return None
    return Hit(f"MFA method {c.new} allowed")


@rule(
    "mfa.method-added",
    title="MFA method added",
    topics="mfa.methods",
    kinds=("added",),
    severity="safe",
    rationale="""Another way to satisfy the second factor breaks nobody.""",
    citation="NIST SP 800-63B-4 §2.2",
    example="methods: [totp] -> methods: [totp, webauthn]",
)
def _mfa_added(c: Change, env: Env) -> Hit:
    return Hit(f"MFA method {c.new} allowed")


@rule(
    "mfa.method-removed",
    title="MFA method removed",
    topics="mfa.methods",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""Users enrolled only with the removed method cannot sign in until they enrol
    another one. Removing SMS strengthens security; removing the phishing-resistant option
    weakens it.""",
    citation="NIST SP 800-63B-4 §2.2.1-2.2.2",
    example="methods: [webauthn, sms] -> methods: [webauthn]",
)
def _mfa_removed(c: Change, env: Env) -> Hit:
    remaining = set(ctx(c, "new_set", []))
    if c.old in WEAK_MFA:
        security = "strengthens"
    elif c.old in PHISHING_RESISTANT and not (remaining & PHISHING_RESISTANT):
        security = "weakens"
    else:
        security = None
    return Hit(f"MFA method {c.old} no longer allowed", security=security)


@rule(
    "mfa.assurance-raised",
    title="Authentication assurance level raised",
    topics="mfa.assurance_level",
    severity="breaking",
    security="strengthens",
    breaks=("clients",),
    rationale="""Users whose authenticators do not reach the new level (aal3 needs a hardware,
    phishing-resistant authenticator) cannot sign in.""",
    citation="NIST SP 800-63B-4 §2.1-2.3",
    example="assurance_level: aal1 -> assurance_level: aal2",
)
def _aal_up(c: Change, env: Env) -> Hit | None:
    if AAL.get(str(c.new), 0) <= AAL.get(str(c.old), 0):
        return None
    return Hit(f"assurance level {c.old} -> {c.new}")


@rule(
    "mfa.assurance-lowered",
    title="Authentication assurance level lowered",
    topics="mfa.assurance_level",
    severity="safe",
    security="weakens",
    rationale="""Compatible, but weaker authenticators are accepted for the same access.""",
    citation="NIST SP 800-63B-4 §2.1-2.3",
    example="assurance_level: aal3 -> assurance_level: aal2",
)
def _aal_down(c: Change, env: Env) -> Hit:
    return Hit(f"assurance level {c.old} -> {c.new}")


@rule(
    "mfa.step-up-changed",
    title="Step-up signalling changed",
    topics=("mfa.step_up.acr_values", "mfa.step_up.error"),
    severity="risky",
    breaks=("clients",),
    rationale="""Clients recognise a step-up challenge by its error code and answer it with the
    advertised acr values; changing either leaves them unable to react.""",
    citation="RFC 9470 §3-4",
    example="error: insufficient_user_authentication -> error: mfa_required",
)
def _step_up(c: Change, env: Env) -> Hit:
    field = ctx(c, "field")
    if c.kind == "added":
        return Hit(f"step-up {field}: {c.new} added")
    if c.kind == "removed":
        return Hit(f"step-up {field}: {c.old} removed")
    return Hit(f"step-up {field} {fmt(c.old)} -> {fmt(c.new)}")
