"""Rules about who issues tokens and how clients obtain them: identity providers, grants, PKCE,
client authentication and redirect URIs."""

from __future__ import annotations

import re

from workbench.engine.model import Change
from workbench.engine.rules.base import Env, Hit, ctx, rule

INSECURE_GRANTS = {
    "implicit": "RFC 9700 2.1.2: the implicit grant SHOULD NOT be used",
    "password": "RFC 9700 2.4: the password grant MUST NOT be used",
}
WEAK_CLIENT_AUTH = {"none", "client_secret_basic", "client_secret_post", "client_secret_jwt"}
_LOOPBACK = re.compile(r"^http://(127\.0\.0\.1|\[::1\]|localhost)(:\d+)?(/|$)", re.IGNORECASE)

# --- identity providers ---------------------------------------------------------------------------


@rule(
    "idp.added",
    title="Identity provider added",
    topics="idp.added",
    severity="safe",
    rationale="""A new identity provider is an addition: existing clients and verifiers keep
    working. Tokens it issues are only accepted where a token lists it in issued_by.""",
    citation="RFC 8414 §2; OpenID Connect Discovery 1.0 §3",
    example="identity_providers: [corp-idp] -> [corp-idp, partner-idp]",
)
def _idp_added(c: Change, env: Env) -> Hit:
    issuer = c.new.get("issuer") if isinstance(c.new, dict) else None
    return Hit(f"identity provider {ctx(c, 'owner')} added ({issuer})")


@rule(
    "idp.removed",
    title="Identity provider removed",
    topics="idp.removed",
    severity="breaking",
    breaks=("clients", "relying_parties"),
    rationale="""Clients that obtain tokens from a removed provider can no longer authenticate, and
    verifiers configured for it lose their trust anchor. Keep both providers for a window.""",
    citation="RFC 8414 §3.3; OpenID Connect Discovery 1.0 §4.3",
    example="identity_providers: [corp-idp, legacy-idp] -> [corp-idp]",
)
def _idp_removed(c: Change, env: Env) -> Hit:
    return Hit(f"identity provider {ctx(c, 'owner')} removed")


@rule(
    "idp.issuer-changed",
    title="Issuer identifier changed",
    topics="idp.issuer",
    severity="breaking",
    breaks=("relying_parties", "clients"),
    rationale="""Verifiers compare the iss claim and the metadata issuer by exact string match, and
    identities are keyed by iss+sub: any change to the issuer (even a trailing slash) rejects
    every token and may re-key every user. Accept both issuers for a window first.""",
    citation="RFC 8414 §3.3; OpenID Connect Discovery 1.0 §4.3; RFC 9068 §4",
    example="issuer: https://login.example.com -> issuer: https://id.example.com",
)
def _issuer(c: Change, env: Env) -> Hit:
    return Hit(f"issuer of {ctx(c, 'owner')} changed: {c.old} -> {c.new}")


@rule(
    "idp.jwks-uri-changed",
    title="JWKS URI changed",
    topics="idp.jwks_uri",
    severity="risky",
    breaks=("relying_parties",),
    rationale="""Verifiers that pin the JWKS URI instead of reading it from discovery stop finding
    the signing keys. Serve the same keys at both URIs for a window.""",
    citation="RFC 7517 §5; OpenID Connect Discovery 1.0 §3",
    example="jwks_uri: https://login.example.com/jwks.json -> https://login.example.com/keys",
)
def _jwks_uri(c: Change, env: Env) -> Hit:
    return Hit(f"JWKS URI of {ctx(c, 'owner')}: {c.old} -> {c.new}")


@rule(
    "idp.metadata-url-changed",
    title="Discovery or metadata URL changed",
    topics=("idp.discovery_url", "idp.metadata_url"),
    severity="risky",
    breaks=("clients", "relying_parties"),
    rationale="""Clients and verifiers bootstrap from the discovery or metadata document; a moved
    document breaks those that hard-code its URL. The metadata issuer must still equal the
    issuer it was fetched for.""",
    citation="RFC 8414 §2, §3.3; OpenID Connect Discovery 1.0 §4",
    example="discovery_url: .../.well-known/openid-configuration -> .../v2/.well-known/openid-configuration",
)
def _metadata(c: Change, env: Env) -> Hit:
    return Hit(f"{ctx(c, 'field')} of {ctx(c, 'owner')}: {c.old} -> {c.new}")


@rule(
    "idp.protocol-removed",
    title="Identity provider protocol removed",
    topics="idp.protocols",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""Clients that speak the removed protocol (SAML, OIDC, ...) to this provider can no
    longer sign in.""",
    citation="RFC 8414 §2",
    example="protocols: [oidc, saml] -> protocols: [oidc]",
)
def _protocol_removed(c: Change, env: Env) -> Hit:
    return Hit(f"{ctx(c, 'owner')} no longer speaks {c.old}")


@rule(
    "idp.protocol-added",
    title="Identity provider protocol added",
    topics="idp.protocols",
    kinds=("added",),
    severity="safe",
    rationale="""Another protocol offered by the same provider breaks nobody.""",
    citation="RFC 8414 §2",
    example="protocols: [oidc] -> protocols: [oidc, saml]",
)
def _protocol_added(c: Change, env: Env) -> Hit:
    return Hit(f"{ctx(c, 'owner')} now also speaks {c.new}")


# --- grants ---------------------------------------------------------------------------------------


@rule(
    "grant.insecure-added",
    title="Deprecated grant type offered",
    topics="grant",
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""Offering the implicit grant (SHOULD NOT) or the resource owner password grant (MUST
    NOT) breaks no client but exposes tokens in URLs or teaches clients to collect passwords.""",
    citation="RFC 9700 §2.1.2, §2.4",
    example="grants: [authorization_code] -> grants: [authorization_code, implicit]",
)
def _insecure_grant(c: Change, env: Env) -> Hit | None:
    if c.new not in INSECURE_GRANTS:
        return None
    return Hit(f"grant {c.new} offered ({INSECURE_GRANTS[c.new]})")


@rule(
    "grant.added",
    title="Grant type added",
    topics="grant",
    kinds=("added",),
    severity="safe",
    rationale="""A new way to obtain tokens is an addition; existing clients keep their grant.""",
    citation="RFC 8414 §2 (grant_types_supported)",
    example="grants: [authorization_code] -> grants: [authorization_code, device_code]",
)
def _grant_added(c: Change, env: Env) -> Hit:
    return Hit(f"grant {c.new} offered")


@rule(
    "grant.removed",
    title="Grant type removed",
    topics="grant",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""Clients using the removed grant can no longer obtain tokens. Removing implicit or
    password strengthens security but still needs a notice period and a migration path.""",
    citation="RFC 8414 §2; RFC 9700 §2.1.2, §2.4",
    example="grants: [authorization_code, implicit] -> grants: [authorization_code]",
)
def _grant_removed(c: Change, env: Env) -> Hit:
    security = "strengthens" if c.old in INSECURE_GRANTS else None
    return Hit(f"grant {c.old} no longer offered", security=security)


# --- PKCE -----------------------------------------------------------------------------------------


@rule(
    "pkce.required-added",
    title="PKCE now required",
    topics="pkce.required",
    severity="breaking",
    security="strengthens",
    breaks=("clients",),
    rationale="""Clients that send no code_challenge are refused once PKCE is enforced. It is the
    right direction (it stops code injection and interception); announce it, then require it.""",
    citation="RFC 9700 §2.1.1",
    example="pkce: {required: false} -> pkce: {required: true}",
)
def _pkce_required(c: Change, env: Env) -> Hit | None:
    if c.new is not True:
        return None
    return Hit("PKCE is now required for the authorization code grant")


@rule(
    "pkce.required-removed",
    title="PKCE no longer required",
    topics="pkce.required",
    severity="safe",
    security="weakens",
    rationale="""Every client keeps working, but authorization codes lose their protection against
    interception and injection.""",
    citation="RFC 9700 §2.1.1",
    example="pkce: {required: true} -> pkce: {required: false}",
)
def _pkce_optional(c: Change, env: Env) -> Hit:
    return Hit("PKCE is no longer required")


@rule(
    "pkce.plain-added",
    title="PKCE plain method allowed",
    topics="pkce.methods",
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""The plain method sends the verifier itself as the challenge, which protects
    nothing against an attacker who can read the authorization request.""",
    citation="RFC 9700 §2.1.1",
    example="methods: [S256] -> methods: [S256, plain]",
)
def _pkce_plain(c: Change, env: Env) -> Hit | None:
    if c.new != "plain":
        return None
    return Hit("PKCE method plain allowed")


@rule(
    "pkce.method-added",
    title="PKCE method added",
    topics="pkce.methods",
    kinds=("added",),
    severity="safe",
    rationale="""Another accepted challenge method breaks no client.""",
    citation="RFC 9700 §2.1.1",
    example="methods: [] -> methods: [S256]",
)
def _pkce_method_added(c: Change, env: Env) -> Hit:
    return Hit(f"PKCE method {c.new} accepted")


@rule(
    "pkce.method-removed",
    title="PKCE method removed",
    topics="pkce.methods",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""Clients still sending the removed challenge method are refused. Banning plain
    strengthens security.""",
    citation="RFC 9700 §2.1.1",
    example="methods: [S256, plain] -> methods: [S256]",
)
def _pkce_method_removed(c: Change, env: Env) -> Hit:
    security = "strengthens" if c.old == "plain" else "weakens" if c.old == "S256" else None
    return Hit(f"PKCE method {c.old} no longer accepted", security=security)


# --- client authentication ------------------------------------------------------------------------


@rule(
    "client-auth.weak-method-added",
    title="Shared-secret or no client authentication allowed",
    topics="client_authentication",
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""Accepting client secrets (or no authentication at all) next to key-based methods
    breaks nobody but lets the weakest method through: secrets leak and get shared.""",
    citation="RFC 9700 §2.5; RFC 8414 §2",
    example="client_authentication: [private_key_jwt] -> [private_key_jwt, client_secret_post]",
)
def _weak_client_auth(c: Change, env: Env) -> Hit | None:
    if c.new not in WEAK_CLIENT_AUTH:
        return None
    return Hit(f"client authentication method {c.new} accepted")


@rule(
    "client-auth.method-added",
    title="Client authentication method added",
    topics="client_authentication",
    kinds=("added",),
    severity="safe",
    rationale="""Another accepted way to authenticate clients (private_key_jwt, mTLS) breaks no
    client; it is the expand step of moving away from secrets.""",
    citation="RFC 9700 §2.5; RFC 8705 §2",
    example="client_authentication: [client_secret_basic] -> [client_secret_basic, private_key_jwt]",
)
def _client_auth_added(c: Change, env: Env) -> Hit:
    return Hit(f"client authentication method {c.new} accepted")


@rule(
    "client-auth.method-removed",
    title="Client authentication method removed",
    topics="client_authentication",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""Clients registered with the removed method fail at the token endpoint. Dropping a
    shared-secret method strengthens security, but clients need time to switch.""",
    citation="RFC 8414 §2; RFC 9700 §2.5",
    example="client_authentication: [private_key_jwt, client_secret_basic] -> [private_key_jwt]",
)
def _client_auth_removed(c: Change, env: Env) -> Hit:
    security = "strengthens" if c.old in WEAK_CLIENT_AUTH else None
    return Hit(f"client authentication method {c.old} no longer accepted", security=security)


# --- redirect URIs --------------------------------------------------------------------------------


@rule(
    "redirect-uri.insecure-added",
    title="Wildcard or plain-HTTP redirect URI added",
    topics="redirect_uri",
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""Redirect URIs must be matched exactly; a wildcard or a non-loopback http:// URI
    lets an attacker receive authorization codes.""",
    citation="RFC 9700 §2.1, §2.6",
    example="redirect_uris: [https://app/cb] -> [https://app/cb, https://*.example.com/cb]",
)
def _insecure_redirect(c: Change, env: Env) -> Hit | None:
    uri = str(c.new)
    if "*" in uri:
        return Hit(f"wildcard redirect URI {uri} allowed")
    if uri.lower().startswith("http://") and not _LOOPBACK.match(uri):
        return Hit(f"plain-HTTP redirect URI {uri} allowed")
    return None


@rule(
    "redirect-uri.added",
    title="Redirect URI added",
    topics="redirect_uri",
    kinds=("added",),
    severity="safe",
    rationale="""Another registered redirect URI breaks no client.""",
    citation="RFC 9700 §2.1",
    example="redirect_uris: [https://app/cb] -> [https://app/cb, https://app/cb2]",
)
def _redirect_added(c: Change, env: Env) -> Hit:
    return Hit(f"redirect URI {c.new} registered")


@rule(
    "redirect-uri.removed",
    title="Redirect URI removed",
    topics="redirect_uri",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""Authorization requests naming the removed URI are refused (exact matching): the
    client using it can no longer sign users in.""",
    citation="RFC 9700 §2.1",
    example="redirect_uris: [https://app/cb, https://old/cb] -> [https://app/cb]",
)
def _redirect_removed(c: Change, env: Env) -> Hit:
    return Hit(f"redirect URI {c.old} no longer registered")
