"""Rules for what an authorization server publishes and how it is configured (format v1.1):
endpoints, advertised scopes, claims and algorithms, response types and modes, server settings,
scope claims. These are the fields OpenID Connect discovery documents, RFC 8414 metadata,
Keycloak realms and Dex configurations hold."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from workbench.engine.model import Change
from workbench.engine.rules.base import AREAS, Env, Hit, ctx, duration, fmt, rule, shortened

AREAS.update(
    {
        "response-type": "Response types and response modes",
        "server": "Authorization server settings",
        "role": "Roles",
    }
)

DISCOVERY = "OpenID Connect Discovery 1.0 §3; RFC 8414 §2"
HMAC = {"HS256", "HS384", "HS512"}
WEAK_ALGS = {"none", "RSA1_5", "RS1"}

# Who calls each endpoint (and so breaks when it moves or goes away).
ENDPOINT_USERS: dict[str, tuple[str, ...]] = {
    "introspection": ("relying_parties",),
    "userinfo": ("clients", "relying_parties"),
}
# Who depends on each family of advertised algorithms.
FAMILY_USERS: dict[str, tuple[str, ...]] = {
    "id_token_signing": ("relying_parties",),
    "id_token_encryption_alg": ("relying_parties",),
    "id_token_encryption_enc": ("relying_parties",),
    "userinfo_signing": ("relying_parties",),
    "userinfo_encryption_alg": ("relying_parties",),
    "userinfo_encryption_enc": ("relying_parties",),
    "introspection_signing": ("relying_parties",),
    "introspection_encryption_alg": ("relying_parties",),
    "introspection_encryption_enc": ("relying_parties",),
}


def loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def plain_http(url: Any) -> bool:
    """``http:`` to anything but the loopback interface (RFC 8252 §7.3)."""
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url.replace("*", "x"))
        return parts.scheme.lower() == "http" and not loopback(parts.hostname)
    except ValueError:
        return False


def host_of(url: Any) -> str:
    try:
        return (urlsplit(str(url)).hostname or "").lower()
    except ValueError:
        return ""


def _owner(c: Change) -> str:
    return str(ctx(c, "owner", "provider"))


# --- identity provider endpoints ------------------------------------------------------------------


def _endpoint_name(c: Change) -> str:
    name = str(ctx(c, "field", "endpoint")).replace("_", " ")
    return f"mTLS {name}" if ctx(c, "mtls") else name


@rule(
    "idp.endpoint-moved",
    title="Endpoint URL moved",
    topics="idp.endpoint",
    kinds=("changed",),
    severity="risky",
    breaks=("clients",),
    rationale="""Clients that read the discovery document follow the new URL, but many clients
    and libraries are configured with endpoint URLs by hand (token and authorization endpoints
    in mobile apps, introspection in API gateways): they keep calling the old one. Serve both
    URLs for a window. Introspection is called by resource servers, userinfo by relying
    parties. A URL moved to plain http also weakens security.""",
    citation=f"{DISCOVERY}; RFC 6749 §3.1, §3.2 (TLS)",
    example="token_endpoint: https://login.example.com/token -> https://login.example.com/oauth2/token",
)
def _endpoint_moved(c: Change, env: Env) -> Hit:
    name = _endpoint_name(c)
    security = "weakens" if plain_http(c.new) and not plain_http(c.old) else None
    breaks = ENDPOINT_USERS.get(str(ctx(c, "field")), ("clients",))
    note = None
    if host_of(c.old) != host_of(c.new):
        note = f"moved to another host ({host_of(c.new)}): firewall rules and pinned TLS settings change too"
    return Hit(
        f"{name} endpoint moved: {c.old} -> {c.new}", security=security, breaks=breaks, note=note
    )


@rule(
    "idp.endpoint-removed",
    title="Endpoint no longer published",
    topics="idp.endpoint",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""A capability the server published is gone: clients that revoke tokens, register
    dynamically, use the device flow or pushed authorization requests, end sessions or call
    userinfo lose that function; resource servers lose introspection.""",
    citation=DISCOVERY,
    example="revocation_endpoint: https://login.example.com/revoke -> (removed)",
)
def _endpoint_removed(c: Change, env: Env) -> Hit:
    breaks = ENDPOINT_USERS.get(str(ctx(c, "field")), ("clients",))
    return Hit(f"{_endpoint_name(c)} endpoint no longer published (was {c.old})", breaks=breaks)


@rule(
    "idp.endpoint-added",
    title="Endpoint published",
    topics="idp.endpoint",
    kinds=("added",),
    severity="safe",
    rationale="""A new capability (revocation, pushed authorization requests, device flow...)
    breaks nobody. Publishing one over plain http weakens security.""",
    citation=DISCOVERY,
    example="(none) -> pushed_authorization_request_endpoint: https://login.example.com/par",
)
def _endpoint_added(c: Change, env: Env) -> Hit:
    security = "weakens" if plain_http(c.new) else None
    return Hit(f"{_endpoint_name(c)} endpoint published at {c.new}", security=security)


def _endpoints(norm: dict, owner: str) -> dict:
    for idp in norm.get("identity_providers") or []:
        if isinstance(idp, dict) and str(idp.get("id")) == owner:
            return idp.get("endpoints") or {}
    return {}


# --- advertised values ------------------------------------------------------------------------------


@rule(
    "idp.scope-unadvertised",
    title="Scope no longer advertised",
    topics="idp.scopes",
    kinds=("removed",),
    severity="risky",
    breaks=("clients",),
    rationale="""Clients that request the scope may now get invalid_scope. Servers may leave
    supported scopes out of scopes_supported (OpenID Connect Discovery 1.0 §3 and RFC
    8414 §2 allow it), so the metadata alone does not prove the scope is gone: risky,
    not breaking.""",
    citation=DISCOVERY + " (scopes_supported)",
    example="scopes_supported: [openid, orders:read, orders:legacy] -> [openid, orders:read]",
)
def _scope_gone(c: Change, env: Env) -> Hit:
    return Hit(f"scope {c.old} no longer advertised")


@rule(
    "idp.scope-advertised",
    title="Scope advertised",
    topics="idp.scopes",
    kinds=("added",),
    severity="safe",
    rationale="""A new scope clients may request breaks nobody.""",
    citation=DISCOVERY + " (scopes_supported)",
    example="scopes_supported: [openid] -> [openid, orders:read]",
)
def _scope_new(c: Change, env: Env) -> Hit:
    return Hit(f"scope {c.new} advertised")


@rule(
    "idp.claim-unadvertised",
    title="Claim no longer advertised",
    topics="idp.claims",
    kinds=("removed",),
    severity="risky",
    breaks=("relying_parties",),
    rationale="""Relying parties that read the claim from ID tokens or userinfo may stop getting
    it. claims_supported need not be exhaustive, so this is risky rather than proven
    breaking.""",
    citation="OpenID Connect Discovery 1.0 §3 (claims_supported)",
    example="claims_supported: [sub, email, groups] -> [sub, email]",
)
def _claim_gone(c: Change, env: Env) -> Hit:
    return Hit(f"claim {c.old} no longer advertised")


@rule(
    "idp.claim-advertised",
    title="Claim advertised",
    topics="idp.claims",
    kinds=("added",),
    severity="safe",
    rationale="""An additional claim is ignored by relying parties that do not read it.""",
    citation="OpenID Connect Discovery 1.0 §3 (claims_supported)",
    example="claims_supported: [sub, email] -> [sub, email, groups]",
)
def _claim_new(c: Change, env: Env) -> Hit:
    return Hit(f"claim {c.new} advertised")


@rule(
    "idp.acr-removed",
    title="Authentication context class no longer offered",
    topics="idp.acr_values",
    kinds=("removed",),
    severity="risky",
    breaks=("clients", "relying_parties"),
    rationale="""Clients that request the acr value for step-up and relying parties that check
    the acr claim may no longer get it; a requested but unavailable acr is either ignored
    (weaker authentication than expected) or refused.""",
    citation="OpenID Connect Core 1.0 §5.5.1.1; RFC 9470",
    example="acr_values_supported: [loa1, loa2] -> [loa1]",
)
def _acr_gone(c: Change, env: Env) -> Hit:
    return Hit(f"acr value {c.old} no longer offered")


@rule(
    "idp.acr-added",
    title="Authentication context class offered",
    topics="idp.acr_values",
    kinds=("added",),
    severity="safe",
    rationale="""A new level clients can request for step-up authentication breaks nobody.""",
    citation="OpenID Connect Core 1.0 §5.5.1.1; RFC 9470",
    example="acr_values_supported: [loa1] -> [loa1, loa2]",
)
def _acr_new(c: Change, env: Env) -> Hit:
    return Hit(f"acr value {c.new} offered")


@rule(
    "idp.subject-type-removed",
    title="Subject identifier type removed",
    topics="idp.subject_types",
    kinds=("removed",),
    severity="breaking",
    breaks=("relying_parties",),
    rationale="""Relying parties registered for the removed type get other sub values: every
    account they keyed by iss+sub is re-keyed (users appear as new users).""",
    citation="OpenID Connect Core 1.0 §8",
    example="subject_types_supported: [public, pairwise] -> [public]",
)
def _subject_gone(c: Change, env: Env) -> Hit:
    return Hit(
        f"subject type {c.old} no longer supported: sub values change for its relying parties"
    )


@rule(
    "idp.subject-type-added",
    title="Subject identifier type added",
    topics="idp.subject_types",
    kinds=("added",),
    severity="safe",
    rationale="""Relying parties choose the type at registration; a new option breaks nobody
    (pairwise identifiers improve privacy).""",
    citation="OpenID Connect Core 1.0 §8",
    example="subject_types_supported: [public] -> [public, pairwise]",
)
def _subject_new(c: Change, env: Env) -> Hit:
    return Hit(f"subject type {c.new} supported")


def _family(c: Change) -> str:
    return str(ctx(c, "family", "algorithms")).replace("_", " ")


def _weak_alg(alg: Any, family: str, others: list[str]) -> str | None:
    alg = str(alg)
    if alg == "none":
        return "unsigned (alg none)"
    if alg in ("RSA1_5",):
        return "RSA1_5 key transport (padding-oracle attacks)"
    if alg == "RS1":
        return "SHA-1 signatures"
    if alg in HMAC and "signing" in family and any(o not in HMAC and o != "none" for o in others):
        return "HMAC next to asymmetric algorithms (algorithm confusion)"
    return None


@rule(
    "idp.alg-weak-added",
    title="Weak algorithm advertised",
    topics="idp.algorithms",
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""Advertising none (unsigned ID tokens or request objects), RSA1_5 key transport,
    SHA-1 signatures or HMAC next to asymmetric algorithms breaks nobody but invites clients and
    relying parties to use them.""",
    citation="RFC 8725 §2.1, §3.1, §3.2; OpenID Connect Core 1.0 §6.1",
    example="request_object_signing_alg_values_supported: [RS256] -> [RS256, none]",
)
def _alg_weak(c: Change, env: Env) -> Hit | None:
    why = _weak_alg(c.new, str(ctx(c, "family", "")), [str(a) for a in ctx(c, "old_set", [])])
    if why is None:
        return None
    return Hit(f"{_family(c)} now advertises {c.new}: {why}")


@rule(
    "idp.alg-added",
    title="Algorithm advertised",
    topics="idp.algorithms",
    kinds=("added",),
    severity="safe",
    rationale="""Supporting one more signing or encryption algorithm breaks nobody; it is the
    expand step of an algorithm migration. A whole new family (DPoP, signed userinfo) is a new
    capability.""",
    citation="RFC 8725 §3.1; " + DISCOVERY,
    example="id_token_signing_alg_values_supported: [RS256] -> [RS256, ES256]",
)
def _alg_added(c: Change, env: Env) -> Hit:
    if ctx(c, "family_new"):
        return Hit(f"{_family(c)} supported with {c.new}")
    return Hit(f"{_family(c)} also supports {c.new}")


@rule(
    "idp.alg-removed",
    title="Algorithm no longer supported",
    topics="idp.algorithms",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""Relying parties registered for an ID token, userinfo or introspection
    algorithm stop getting responses they can verify or decrypt; clients that sign request
    objects, client assertions or DPoP proofs with the removed algorithm are refused. Removing
    none, RSA1_5 or HMAC strengthens security but still needs a migration window.""",
    citation="RFC 8725 §3.1; " + DISCOVERY,
    example="token_endpoint_auth_signing_alg_values_supported: [RS256, PS256] -> [PS256]",
)
def _alg_removed(c: Change, env: Env) -> Hit:
    family = str(ctx(c, "family", ""))
    breaks = FAMILY_USERS.get(family, ("clients",))
    security = "strengthens" if str(c.old) in WEAK_ALGS | HMAC else None
    if ctx(c, "family_gone"):
        return Hit(
            f"{_family(c)} no longer advertised (was {c.old})", breaks=breaks, security=security
        )
    return Hit(f"{_family(c)} no longer supports {c.old}", breaks=breaks, security=security)


@rule(
    "idp.endpoint-auth-removed",
    title="Revocation or introspection authentication method removed",
    topics="idp.endpoint_auth",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""Callers of the revocation endpoint (clients) or the introspection endpoint
    (resource servers) that authenticate with the removed method are refused.""",
    citation="RFC 8414 §2 (revocation and introspection endpoint auth methods)",
    example="revocation_endpoint_auth_methods_supported: [client_secret_basic, private_key_jwt] -> [private_key_jwt]",
)
def _endpoint_auth_removed(c: Change, env: Env) -> Hit:
    which = "introspection" if "introspection" in str(ctx(c, "field")) else "revocation"
    if which not in _endpoints(env.new_norm(), _owner(c)):
        return Hit(
            f"{which} endpoint gone, and with it its authentication method {c.old}",
            severity="safe",
            breaks=(),
            note="the endpoint removal is reported on its own",
        )
    breaks = ("relying_parties",) if which == "introspection" else ("clients",)
    security = "strengthens" if str(c.old).startswith("client_secret") or c.old == "none" else None
    return Hit(f"{which} endpoint no longer accepts {c.old}", breaks=breaks, security=security)


@rule(
    "idp.endpoint-auth-added",
    title="Revocation or introspection authentication method added",
    topics="idp.endpoint_auth",
    kinds=("added",),
    severity="safe",
    rationale="""Another accepted method breaks nobody; accepting none or shared secrets next to
    key-based methods lets the weakest one through.""",
    citation="RFC 8414 §2; RFC 9700 §2.5",
    example="introspection_endpoint_auth_methods_supported: [private_key_jwt] -> [private_key_jwt, client_secret_basic]",
)
def _endpoint_auth_added(c: Change, env: Env) -> Hit:
    which = "introspection" if "introspection" in str(ctx(c, "field")) else "revocation"
    security = "weakens" if str(c.new).startswith("client_secret") or c.new == "none" else None
    return Hit(f"{which} endpoint also accepts {c.new}", security=security)


# --- response types and modes -----------------------------------------------------------------


def _front_token(value: Any) -> bool:
    return "token" in str(value).split()


@rule(
    "response-type.removed",
    title="Response type removed",
    topics="response_type",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""Clients sending the removed response_type get unsupported_response_type.
    Removing a type that returns access tokens from the authorization endpoint (token, and the
    hybrid types that include it) strengthens security (RFC 9700 §2.1.2) but needs a
    migration to the code flow.""",
    citation="RFC 6749 §3.1.1; OAuth 2.0 Multiple Response Type Encoding Practices; RFC 9700 §2.1.2",
    example="response_types_supported: [code, token] -> [code]",
)
def _rt_removed(c: Change, env: Env) -> Hit:
    security = "strengthens" if _front_token(c.old) else None
    return Hit(f"response type {c.old!r} no longer supported", security=security)


@rule(
    "response-type.front-channel-token-added",
    title="Response type returning access tokens in the front channel added",
    topics="response_type",
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""token (implicit) and the hybrid types that include it put access tokens in the
    redirect URI, where they leak through history, referrers and logs and cannot be
    sender-constrained. Compatible, and RFC 9700 says clients SHOULD NOT use them.""",
    citation="RFC 9700 §2.1.2",
    example="response_types_supported: [code] -> [code, code token]",
)
def _rt_token(c: Change, env: Env) -> Hit | None:
    if not _front_token(c.new):
        return None
    return Hit(f"response type {c.new!r} supported: access tokens in the redirect URI")


@rule(
    "response-type.added",
    title="Response type added",
    topics="response_type",
    kinds=("added",),
    severity="safe",
    rationale="""A new response type (id_token, code id_token...) breaks nobody; ID tokens from
    the authorization endpoint carry no access token.""",
    citation="RFC 6749 §3.1.1; OpenID Connect Core 1.0 §3",
    example="response_types_supported: [code] -> [code, code id_token]",
)
def _rt_added(c: Change, env: Env) -> Hit:
    return Hit(f"response type {c.new!r} supported")


@rule(
    "response-type.mode-removed",
    title="Response mode removed",
    topics="response_mode",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""Clients requesting the removed response_mode (form_post, a JWT-secured mode)
    are refused or get the response where they do not read it.""",
    citation="OAuth 2.0 Multiple Response Type Encoding Practices §2.1; OAuth 2.0 Form Post Response Mode; JARM",
    example="response_modes_supported: [query, fragment, form_post] -> [query, fragment]",
)
def _rm_removed(c: Change, env: Env) -> Hit:
    security = "weakens" if "jwt" in str(c.old) else None
    return Hit(f"response mode {c.old} no longer supported", security=security)


@rule(
    "response-type.mode-added",
    title="Response mode added",
    topics="response_mode",
    kinds=("added",),
    severity="safe",
    rationale="""A new way to return the authorization response breaks nobody.""",
    citation="OAuth 2.0 Multiple Response Type Encoding Practices §2.1",
    example="response_modes_supported: [query, fragment] -> [query, fragment, form_post]",
)
def _rm_added(c: Change, env: Env) -> Hit:
    return Hit(f"response mode {c.new} supported")


# --- server settings: boolean flags ---------------------------------------------------------------

# flag -> (label, (on: severity, security, breaks), (off: severity, security, breaks), rationale,
#          citation)
Effect = tuple[str, str, tuple[str, ...]]
FLAG_RULES: dict[str, tuple[str, Effect, Effect, str, str]] = {
    "require_pushed_authorization_requests": (
        "pushed authorization requests required",
        ("breaking", "strengthens", ("clients",)),
        ("safe", "weakens", ()),
        """Clients that send authorization requests to the authorization endpoint directly are
        refused once PAR is required; dropping the requirement lets request parameters travel
        unprotected through the browser again.""",
        "RFC 9126 §5",
    ),
    "require_signed_request_object": (
        "signed request objects required",
        ("breaking", "strengthens", ("clients",)),
        ("safe", "weakens", ()),
        """Clients sending plain authorization request parameters are refused once request
        objects must be signed; dropping the requirement accepts tampered requests.""",
        "RFC 9101 §10.5",
    ),
    "require_request_uri_registration": (
        "request_uri values must be pre-registered",
        ("breaking", "strengthens", ("clients",)),
        ("safe", "weakens", ()),
        """Clients passing unregistered request_uri values are refused; without the requirement
        the server fetches URLs clients name (request forgery).""",
        "OpenID Connect Discovery 1.0 §3; RFC 9101 §10.4",
    ),
    "request_parameter": (
        "the request parameter (request objects by value)",
        ("safe", "neutral", ()),
        ("breaking", "neutral", ("clients",)),
        """Clients that send request objects by value get request_not_supported once support
        is dropped.""",
        "OpenID Connect Core 1.0 §6.1; OpenID Connect Discovery 1.0 §3",
    ),
    "request_uri_parameter": (
        "the request_uri parameter",
        ("safe", "neutral", ()),
        ("breaking", "neutral", ("clients",)),
        """Clients that pass request objects by reference get request_uri_not_supported once
        support is dropped.""",
        "OpenID Connect Core 1.0 §6.2; OpenID Connect Discovery 1.0 §3",
    ),
    "claims_parameter": (
        "the claims request parameter",
        ("safe", "neutral", ()),
        ("breaking", "neutral", ("clients",)),
        """Relying parties that request individual claims with the claims parameter stop getting
        them once support is dropped.""",
        "OpenID Connect Core 1.0 §5.5; OpenID Connect Discovery 1.0 §3",
    ),
    "authorization_response_iss_parameter": (
        "the iss parameter in authorization responses",
        ("safe", "strengthens", ()),
        ("risky", "weakens", ("clients",)),
        """The iss parameter lets clients detect mix-up attacks. Clients that check it because
        the metadata promised it reject responses without it; turning it off also removes the
        defence.""",
        "RFC 9207 §2",
    ),
    "tls_client_certificate_bound_access_tokens": (
        "certificate-bound access tokens",
        ("safe", "strengthens", ()),
        ("breaking", "weakens", ("relying_parties",)),
        """Resource servers that require certificate-bound tokens (the cnf claim) reject the
        bearer tokens issued once binding is off, and a stolen token works from anywhere.""",
        "RFC 8705 §3",
    ),
    "frontchannel_logout": (
        "front-channel logout",
        ("safe", "neutral", ()),
        ("risky", "weakens", ("relying_parties",)),
        """Relying parties registered for front-channel logout are no longer told when a user
        signs out: their sessions outlive the provider's.""",
        "OpenID Connect Front-Channel Logout 1.0 §3",
    ),
    "backchannel_logout": (
        "back-channel logout",
        ("safe", "neutral", ()),
        ("risky", "weakens", ("relying_parties",)),
        """Relying parties registered for back-channel logout are no longer told when a session
        ends: their sessions outlive the provider's.""",
        "OpenID Connect Back-Channel Logout 1.0 §2.1",
    ),
    "brute_force_protection": (
        "brute-force protection",
        ("safe", "strengthens", ()),
        ("safe", "weakens", ()),
        """Without throttling of failed logins, online password guessing is unlimited; turning it
        on breaks no client (users may be locked out temporarily).""",
        "NIST SP 800-63B-4 §3.2.2 (rate limiting)",
    ),
    "verify_email": (
        "e-mail verification",
        ("risky", "strengthens", ("clients",)),
        ("safe", "weakens", ()),
        """Users with an unverified address must verify it before they can sign in (non-browser
        clients cannot complete that step); without verification, an unverified address can be
        used to claim someone else's identity.""",
        "NIST SP 800-63A-4 (address confirmation)",
    ),
    "registration_allowed": (
        "self-registration",
        ("safe", "weakens", ()),
        ("risky", "strengthens", ("clients",)),
        """Anyone can create an account once self-registration is on; turning it off breaks
        sign-up pages that relied on it.""",
        "OWASP ASVS 5.0 (account registration)",
    ),
    "remember_me": (
        "remember me",
        ("safe", "weakens", ()),
        ("safe", "strengthens", ()),
        """Remembered logins outlive the browser session and its idle timeout.""",
        "NIST SP 800-63B-4 §2.1.3",
    ),
    "reset_password_allowed": (
        "self-service password reset",
        ("safe", "weakens", ()),
        ("risky", "neutral", ("clients",)),
        """A reset flow is a second way into an account (through the mailbox); removing it sends
        users who forgot their password to support.""",
        "NIST SP 800-63B-4 §4 (account recovery)",
    ),
    "login_with_email": (
        "login with e-mail address",
        ("safe", "neutral", ()),
        ("risky", "neutral", ("clients",)),
        """Users who sign in with their e-mail address instead of their username can no longer
        do so.""",
        "Keycloak Server Administration Guide (login settings)",
    ),
    "skip_approval_screen": (
        "skipping the approval (consent) screen",
        ("safe", "weakens", ()),
        ("risky", "neutral", ("clients",)),
        """Without the approval screen users never see which client asks for which scopes;
        turning it back on adds a page non-interactive flows cannot pass.""",
        "RFC 6749 §10.2; Dex configuration (oauth2.skipApprovalScreen)",
    ),
    "always_show_login_screen": (
        "always showing the connector choice",
        ("safe", "neutral", ()),
        ("safe", "neutral", ()),
        """Whether users pick a connector even when only one exists: user experience only.""",
        "Dex configuration (oauth2.alwaysShowLoginScreen)",
    ),
    "password_db": (
        "the local password database",
        ("safe", "neutral", ()),
        ("breaking", "neutral", ("clients",)),
        """Users with local accounts can no longer sign in once the password database is off.""",
        "Dex configuration (enablePasswordDB)",
    ),
    "events": (
        "login event recording",
        ("safe", "strengthens", ()),
        ("safe", "weakens", ()),
        """Without recorded login events, failed sign-ins, token theft and account takeover leave
        no trace to detect or investigate.""",
        "NIST SP 800-63B-4 §3.2.2; OWASP ASVS 5.0 (security logging)",
    ),
    "admin_events": (
        "admin event recording",
        ("safe", "strengthens", ()),
        ("safe", "weakens", ()),
        """Without recorded admin events, configuration changes (new clients, redirect URIs,
        roles) leave no audit trail.""",
        "OWASP ASVS 5.0 (security logging)",
    ),
    "duplicate_emails_allowed": (
        "duplicate e-mail addresses",
        ("safe", "weakens", ()),
        ("risky", "strengthens", ("clients",)),
        """Several accounts sharing one address make e-mail based recovery and account linking
        ambiguous; forbidding duplicates again fails sign-up for addresses already in use.""",
        "NIST SP 800-63A-4 (address confirmation)",
    ),
    "edit_username_allowed": (
        "users editing their username",
        ("safe", "weakens", ()),
        ("safe", "neutral", ()),
        """Relying parties that key accounts by preferred_username (instead of sub) see a user
        change identity; usernames stay stable when editing is off.""",
        "OpenID Connect Core 1.0 §5.7",
    ),
}


def _flag_rule(flag: str) -> None:
    label, on, off, rationale, citation = FLAG_RULES[flag]
    worst = max((on, off), key=lambda e: {"safe": 0, "risky": 1, "breaking": 2}[e[0]])

    @rule(
        f"server.{flag.replace('_', '-')}",
        title=label[:1].upper() + label[1:] + " turned on or off",
        topics="server.flag",
        severity=worst[0],
        security=worst[1],
        breaks=worst[2],
        rationale=rationale,
        citation=citation,
        example=f"{flag}: false -> true",
    )
    def _check(c: Change, env: Env) -> Hit | None:
        if ctx(c, "field") != flag:
            return None
        if c.new is None:
            # the artefact stopped saying: undecided, not proven either way
            return Hit(
                f"{label}: no longer stated (was {'on' if c.old else 'off'})",
                severity="risky",
                security="neutral",
                breaks=("clients",),
                note="the artefact no longer says whether this is on: check the server",
            )
        effect = on if c.new is True else off
        state = "on" if c.new is True else "off"
        if c.old is None and effect[0] == "breaking":
            return Hit(
                f"{label}: {state} (not stated before)",
                severity="risky",
                security=effect[1],
                breaks=effect[2],
                note="the old artefact did not say whether this was on: it may never have been",
            )
        return Hit(f"{label}: {state}", severity=effect[0], security=effect[1], breaks=effect[2])


for _flag in FLAG_RULES:
    _flag_rule(_flag)


# --- server settings: values ---------------------------------------------------------------------

SSL_ORDER = {"none": 0, "external": 1, "all": 2}


@rule(
    "server.realm-renamed",
    title="Realm renamed",
    topics="server.realm",
    severity="breaking",
    breaks=("relying_parties", "clients"),
    rationale="""The realm name is part of the issuer (/realms/<name>) and of every endpoint URL:
    relying parties reject tokens with the new iss and clients call endpoints that no longer
    exist.""",
    citation="OpenID Connect Core 1.0 §3.1.3.7 (iss); RFC 9207",
    example="realm: acme -> realm: acme-prod",
)
def _realm(c: Change, env: Env) -> Hit:
    return Hit(f"realm renamed {c.old} -> {c.new}: the issuer and every endpoint URL change")


@rule(
    "server.ssl-required",
    title="TLS requirement changed",
    topics="server.ssl_required",
    severity="risky",
    security="strengthens",
    breaks=("clients",),
    rationale="""Lowering the requirement (all, external, none) lets credentials and tokens
    travel over plain http; raising it refuses clients that still call over http (often on
    internal networks).""",
    citation="RFC 6749 §3.1, §10.9; RFC 9700 §2.6",
    example="sslRequired: external -> none",
)
def _ssl(c: Change, env: Env) -> Hit:
    old, new = SSL_ORDER.get(str(c.old), 1), SSL_ORDER.get(str(c.new), 1)
    message = f"TLS required for {fmt(c.new)} requests (was {fmt(c.old)})"
    if new < old:
        return Hit(message, severity="safe", security="weakens", breaks=())
    return Hit(message)


@rule(
    "server.signing-alg-changed",
    title="Default token signing algorithm changed",
    topics="server.signing_algorithm",
    severity="breaking",
    breaks=("relying_parties",),
    rationale="""Every token the server issues is now signed with another algorithm: verifiers
    that pin the old one (RS256 is the OpenID Connect default many libraries assume) reject
    them, and the JWKS must publish a key for the new one before the switch.""",
    citation="RFC 8725 §3.1; OpenID Connect Core 1.0 §10.1",
    example="defaultSignatureAlgorithm: RS256 -> ES256",
)
def _signing(c: Change, env: Env) -> Hit:
    new = str(c.new)
    security = "weakens" if new == "none" or new in HMAC else None
    return Hit(f"tokens signed with {fmt(c.new)} instead of {fmt(c.old)}", security=security)


_POLICY_STRENGTH = {
    "length",
    "digits",
    "lowerCase",
    "upperCase",
    "specialChars",
    "hashIterations",
    "passwordHistory",
    "notUsername",
    "notEmail",
    "passwordBlacklist",
    "regexPattern",
    "forceExpiredPasswordChange",
    "maxAuthAge",
}


@rule(
    "server.password-policy",
    title="Password policy changed",
    topics="server.password_policy",
    severity="safe",
    rationale="""Password policies apply when users set a password: no client breaks. A removed
    or lowered requirement (length, character classes, hash iterations, history) weakens
    security; a new or raised one strengthens it.""",
    citation="NIST SP 800-63B-4 §3.1.1.2",
    example="passwordPolicy: length(12) -> length(8)",
)
def _policy(c: Change, env: Env) -> Hit:
    name = str(ctx(c, "setting"))
    old, new = c.old, c.new
    if old is None:
        return Hit(f"password policy {name}({fmt(new)}) added", security="strengthens")
    if new is None:
        return Hit(f"password policy {name}({fmt(old)}) removed", security="weakens")
    if isinstance(old, int) and isinstance(new, int):
        lowered = new < old if name != "forceExpiredPasswordChange" else new > old
        return Hit(
            f"password policy {name} {old} -> {new}",
            security="weakens" if lowered else "strengthens",
        )
    return Hit(f"password policy {name}: {fmt(old)} -> {fmt(new)}")


@rule(
    "server.password-connector-changed",
    title="Password grant connector changed",
    topics="server.password_grant_connector",
    severity="risky",
    breaks=("clients",),
    rationale="""Password grant requests are checked against another upstream directory: users
    who only exist in the old one can no longer obtain tokens this way. Turning the grant on or
    off is judged by the grant rules.""",
    citation="Dex configuration (oauth2.passwordConnector); RFC 9700 §2.4",
    example="passwordConnector: local -> ldap",
)
def _password_connector(c: Change, env: Env) -> Hit:
    if c.old is None or c.new is None:
        verb = "set to" if c.old is None else "removed (was"
        tail = "" if c.old is None else ")"
        return Hit(
            f"password grant connector {verb} {fmt(c.new or c.old)}{tail}",
            severity="safe",
            breaks=(),
        )
    return Hit(f"password grant now checks {c.new} instead of {c.old}")


@rule(
    "server.cors-origin-removed",
    title="CORS origin removed",
    topics="server.cors_origin",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""Browser applications served from the removed origin can no longer call the
    discovery, token or userinfo endpoints (the browser blocks the response).""",
    citation="Fetch Standard (CORS protocol)",
    example="allowedOrigins: [https://console.example.com, https://old.example.com] -> [https://console.example.com]",
)
def _cors_removed(c: Change, env: Env) -> Hit:
    return Hit(f"CORS origin {c.old} no longer allowed")


@rule(
    "server.cors-origin-added",
    title="CORS origin added",
    topics="server.cors_origin",
    kinds=("added",),
    severity="safe",
    rationale="""Another origin may call the server from the browser; * lets every web page do so
    (weakens security).""",
    citation="Fetch Standard (CORS protocol)",
    example="allowedOrigins: [] -> [https://console.example.com]",
)
def _cors_added(c: Change, env: Env) -> Hit:
    security = "weakens" if "*" in str(c.new) else None
    return Hit(f"CORS origin {c.new} allowed", security=security)


@rule(
    "server.lifetime-shortened",
    title="Authorization request or device code lifetime shortened",
    topics="server.lifetime",
    severity="risky",
    security="strengthens",
    breaks=("clients",),
    rationale="""Users who take longer than the new limit to sign in (or to enter a device code)
    must start over.""",
    citation="RFC 8628 §3.2 (expires_in); RFC 6749 §4.1.1",
    example="expiry.deviceRequests: 10m -> 5m",
)
def _life_short(c: Change, env: Env) -> Hit | None:
    if not shortened(c):
        return None
    return Hit(f"{str(ctx(c, 'field')).replace('_', ' ')} {duration(c.old)} -> {duration(c.new)}")


@rule(
    "server.lifetime-lengthened",
    title="Authorization request or device code lifetime lengthened",
    topics="server.lifetime",
    severity="safe",
    security="weakens",
    rationale="""Pending authorization requests and device codes stay usable longer, which gives
    phishing with device codes more time.""",
    citation="RFC 8628 §5.4",
    example="expiry.deviceRequests: 5m -> 30m",
)
def _life_long(c: Change, env: Env) -> Hit:
    return Hit(f"{str(ctx(c, 'field')).replace('_', ' ')} {duration(c.old)} -> {duration(c.new)}")


@rule(
    "server.otp-policy",
    title="OTP policy changed",
    topics="server.otp",
    severity="risky",
    breaks=("clients",),
    rationale="""New OTP enrolments follow the policy: authenticator apps that ignore the
    algorithm, digits or period parameters (many do) produce codes the server rejects. Fewer
    digits or a wider look-ahead window make guessing easier.""",
    citation="RFC 6238 §4; RFC 4226 §5.3; NIST SP 800-63B-4 §3.1.4",
    example="otpPolicyDigits: 6 -> 8",
)
def _otp(c: Change, env: Env) -> Hit:
    field = str(ctx(c, "field"))
    message = f"OTP {field.replace('_', ' ')} {fmt(c.old)} -> {fmt(c.new)}"
    if field == "look_ahead":
        if isinstance(c.old, int) and isinstance(c.new, int) and c.new > c.old:
            return Hit(message, severity="safe", security="weakens", breaks=())
        return Hit(message, severity="safe", security="strengthens", breaks=())
    if field == "digits" and isinstance(c.old, int) and isinstance(c.new, int):
        return Hit(message, security="weakens" if c.new < c.old else "strengthens")
    return Hit(message)


_UV = {"discouraged": 0, "not specified": 1, "preferred": 1, "required": 2}


@rule(
    "server.webauthn-policy",
    title="WebAuthn policy changed",
    topics=("server.webauthn", "server.webauthn.algorithms"),
    severity="risky",
    breaks=("clients",),
    rationale="""Authenticators that cannot meet the new policy (no user verification, a
    removed algorithm, another attachment) can no longer be registered; relaxing user
    verification weakens the second factor.""",
    citation="W3C Web Authentication Level 2 §5.4, §5.8; NIST SP 800-63B-4 §3.1.7",
    example="webAuthnPolicyUserVerificationRequirement: required -> preferred",
)
def _webauthn(c: Change, env: Env) -> Hit:
    field = str(ctx(c, "field", "signature_algorithms"))
    if ctx(c, "topic") == "server.webauthn.algorithms":
        if c.kind == "added":
            return Hit(f"WebAuthn accepts {c.new}", severity="safe", breaks=())
        return Hit(f"WebAuthn no longer accepts {c.old}")
    message = f"WebAuthn {field.replace('_', ' ')}: {fmt(c.old)} -> {fmt(c.new)}"
    if field == "user_verification":
        old, new = _UV.get(str(c.old), 1), _UV.get(str(c.new), 1)
        if new < old:
            return Hit(message, severity="safe", security="weakens", breaks=())
        if new > old:
            return Hit(message, security="strengthens")
    if field == "attestation":
        return Hit(message, severity="safe", breaks=())
    return Hit(message)


# --- scopes and their claims; refresh token reuse ------------------------------------------------


@rule(
    "scope.claim-removed",
    title="Scope no longer adds a claim",
    topics="scope.claims",
    kinds=("removed",),
    severity="breaking",
    breaks=("relying_parties",),
    rationale="""Tokens issued for the scope lose the claim (a protocol mapper was removed or no
    longer writes it): relying parties and resource servers that read it break.""",
    citation="OpenID Connect Core 1.0 §5.4",
    example="scope email: [email, email_verified] -> [email]",
)
def _scope_claim_removed(c: Change, env: Env) -> Hit:
    return Hit(f"scope {_owner(c)} no longer adds claim {c.old}")


@rule(
    "scope.claim-added",
    title="Scope adds a claim",
    topics="scope.claims",
    kinds=("added",),
    severity="safe",
    rationale="""Unknown claims are ignored by relying parties that do not read them (consider
    whether the new claim discloses personal data).""",
    citation="OpenID Connect Core 1.0 §5.4",
    example="scope profile: [name] -> [name, preferred_username]",
)
def _scope_claim_added(c: Change, env: Env) -> Hit:
    return Hit(f"scope {_owner(c)} now adds claim {c.new}")


@rule(
    "token.max-reuse-raised",
    title="Refresh token reuse count raised",
    topics="token.max_reuse",
    severity="safe",
    security="weakens",
    rationale="""With rotation on, a refresh token may be used again this many times before
    reuse counts as theft: more tolerance for parallel refreshes, and more uses for a stolen
    token.""",
    citation="RFC 9700 §4.14.2",
    example="refreshTokenMaxReuse: 0 -> 2",
)
def _reuse_up(c: Change, env: Env) -> Hit | None:
    old, new = c.old or 0, c.new or 0
    if not (isinstance(new, int) and isinstance(old, int) and new > old):
        return None
    return Hit(f"{_owner(c)} may be reused {new} times (was {old})")


@rule(
    "token.max-reuse-lowered",
    title="Refresh token reuse count lowered",
    topics="token.max_reuse",
    severity="risky",
    security="strengthens",
    breaks=("clients",),
    rationale="""Clients that refresh in parallel with the same token (several tabs, workers)
    trip reuse detection sooner and lose their session.""",
    citation="RFC 9700 §4.14.2",
    example="refreshTokenMaxReuse: 2 -> 0",
)
def _reuse_down(c: Change, env: Env) -> Hit:
    return Hit(f"{_owner(c)} may be reused {fmt(c.new or 0)} times (was {fmt(c.old or 0)})")


@rule(
    "server.lockout-policy",
    title="Brute-force lockout policy changed",
    topics="server.lockout",
    severity="safe",
    rationale="""More failures allowed before a lockout, or a shorter wait, makes online guessing
    cheaper; stricter settings lock legitimate users out sooner (no client breaks).""",
    citation="NIST SP 800-63B-4 §3.2.2",
    example="failureFactor: 5 -> 30",
)
def _lockout(c: Change, env: Env) -> Hit:
    name = str(ctx(c, "setting"))
    message = f"lockout {name.replace('_', ' ')}: {fmt(c.old)} -> {fmt(c.new)}"
    old, new = c.old, c.new
    if isinstance(old, bool) or isinstance(new, bool):
        return Hit(message, security="strengthens" if new is True else "weakens")
    if isinstance(old, int) and isinstance(new, int):
        looser = new > old if name == "max_failures" else new < old
        return Hit(message, security="weakens" if looser else "strengthens")
    return Hit(message)


@rule(
    "role.removed",
    title="Role removed",
    topics=("role", "client.roles"),
    kinds=("removed",),
    severity="breaking",
    breaks=("relying_parties", "clients"),
    rationale="""Users lose the role and tokens no longer carry it: resource servers that
    authorize by it deny the calls of clients that relied on it.""",
    citation="RFC 9068 §2.2.3.1 (roles); OpenID Connect Core 1.0 §5.1",
    example="roles: [orders-admin, orders-viewer] -> [orders-viewer]",
)
def _role_removed(c: Change, env: Env) -> Hit:
    owner = ctx(c, "owner")
    where = f"client {owner} " if ctx(c, "topic") == "client.roles" else ""
    return Hit(f"{where}role {c.old} removed: tokens no longer carry it")


@rule(
    "role.added",
    title="Role added",
    topics=("role", "client.roles"),
    kinds=("added",),
    severity="safe",
    rationale="""A new role nobody holds yet changes no token.""",
    citation="RFC 9068 §2.2.3.1",
    example="roles: [orders-viewer] -> [orders-viewer, orders-admin]",
)
def _role_added(c: Change, env: Env) -> Hit:
    owner = ctx(c, "owner")
    where = f"client {owner} " if ctx(c, "topic") == "client.roles" else ""
    return Hit(f"{where}role {c.new} added")


@rule(
    "role.default-changed",
    title="Default roles changed",
    topics="role.default",
    severity="safe",
    security="weakens",
    rationale="""Every new user gets the default roles: adding one grants it to everyone who
    signs up (least privilege); removing one means new users lack what existing users have,
    which resource servers may require.""",
    citation="RFC 9700 §2.3 (privilege restriction)",
    example="default roles: [offline_access] -> [offline_access, orders-admin]",
)
def _default_roles(c: Change, env: Env) -> Hit:
    if c.kind == "added":
        return Hit(f"every new user now gets role {c.new}")
    return Hit(
        f"new users no longer get role {c.old}",
        severity="risky",
        security="strengthens",
        breaks=("clients",),
    )


@rule(
    "server.other-changed",
    title="Unclassified server setting changed",
    topics="server.other",
    severity="risky",
    breaks=("clients",),
    rationale="""A metadata field or setting the artefact holds and no rule knows (a vendor
    extension, a newer specification): the engine does not guess what it means, and reports the
    change for a reviewer to judge.""",
    citation="OpenID Connect Discovery 1.0 §3; RFC 8414 §2",
    example="frontchannel_logout_session_supported: true -> false",
)
def _other(c: Change, env: Env) -> Hit:
    name = ctx(c, "setting")
    return Hit(f"{name}: {fmt(c.old)} -> {fmt(c.new)} (no rule classifies it: review it)")
