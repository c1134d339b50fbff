"""Rules for registered clients (Keycloak clients, Dex static clients), upstream identity
providers (Keycloak brokers, Dex connectors) and named security schemes (OpenAPI) (format
v1.1).

Who breaks: a change to one client breaks the application that uses that client registration
(``clients``); a claim, audience or subject change breaks whoever reads the tokens issued to it
(``relying_parties``)."""

from __future__ import annotations

from typing import Any

from workbench.engine.diff_artefacts import covers
from workbench.engine.model import Change
from workbench.engine.rules.base import AREAS, Env, Hit, ctx, duration, fmt, rule, shortened
from workbench.engine.rules.servers import HMAC, host_of, plain_http

AREAS.update(
    {
        "client": "Registered clients",
        "upstream": "Upstream identity providers (brokers and connectors)",
        "scheme": "Security schemes (OpenAPI)",
    }
)

INSECURE_GRANTS = {
    "implicit": "RFC 9700 2.1.2: tokens in the redirect URI",
    "password": "RFC 9700 2.4: the client sees the user's password",
}
KEY_METHODS = {"private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"}
SECRET_METHODS = {"client_secret_basic", "client_secret_post", "client_secret_jwt"}
OAUTH_SECURITY = "RFC 9700"


def _client(c: Change) -> str:
    return str(ctx(c, "owner", "client"))


def redirect_concern(uri: Any) -> str | None:
    """Why a redirect URI weakens security, if it does."""
    text = str(uri)
    if "*" in text:
        return "a wildcard"
    if plain_http(text):
        return "plain http to a non-loopback host"
    return None


def _client_concerns(client: dict) -> list[str]:
    concerns = []
    grants = client.get("grants") or []
    for grant, why in INSECURE_GRANTS.items():
        if grant in grants:
            concerns.append(f"{grant} grant ({why})")
    for uri in client.get("redirect_uris") or []:
        why = redirect_concern(uri)
        if why:
            concerns.append(f"redirect URI {uri} ({why})")
    if "*" in (client.get("web_origins") or []):
        concerns.append("web origin * (any site)")
    pkce = client.get("pkce") or {}
    if "authorization_code" in grants and client.get("public") and not pkce.get("required"):
        concerns.append("public client without required PKCE")
    if "plain" in (pkce.get("methods") or []) and pkce.get("required"):
        concerns.append("PKCE method plain")
    return concerns


# --- clients ------------------------------------------------------------------------------------


@rule(
    "client.added",
    title="Client registered",
    topics="client.added",
    severity="safe",
    rationale="""A new client registration breaks nobody. It weakens security when it is
    registered with the implicit or password grant, wildcard or plain-http redirect URIs, web
    origin *, or as a public client without required PKCE.""",
    citation=OAUTH_SECURITY + " §2.1, §2.1.1, §2.1.2, §2.4",
    example="clients: [web] -> [web, legacy-spa (public, implicit)]",
)
def _client_added(c: Change, env: Env) -> Hit:
    client = c.new if isinstance(c.new, dict) else {}
    concerns = _client_concerns(client)
    kind = "public" if client.get("public") else "confidential"
    if client.get("bearer_only"):
        kind = "bearer-only"
    message = f"client {_client(c)} registered ({kind})"
    if concerns:
        return Hit(message + ": " + "; ".join(concerns), security="weakens")
    return Hit(message)


@rule(
    "client.removed",
    title="Client removed",
    topics="client.removed",
    severity="breaking",
    breaks=("clients",),
    rationale="""The application using the removed registration can no longer obtain tokens (its
    client_id is unknown), and its users are signed out at the next refresh.""",
    citation="RFC 6749 §2",
    example="clients: [web, legacy] -> [web]",
)
def _client_removed(c: Change, env: Env) -> Hit:
    return Hit(f"client {_client(c)} removed")


@rule(
    "client.disabled",
    title="Client disabled",
    topics="client.enabled",
    severity="breaking",
    breaks=("clients",),
    rationale="""A disabled client cannot obtain or refresh tokens: the application using it
    stops working (re-enabling it breaks nobody).""",
    citation="RFC 6749 §2",
    example="enabled: true -> false",
)
def _client_enabled(c: Change, env: Env) -> Hit:
    if c.new is False:
        return Hit(f"client {_client(c)} disabled")
    return Hit(f"client {_client(c)} enabled", severity="safe", breaks=())


@rule(
    "client.protocol-changed",
    title="Client protocol changed",
    topics="client.protocol",
    severity="breaking",
    breaks=("clients",),
    rationale="""An OpenID Connect client that becomes a SAML client (or back) speaks another
    protocol: the application's integration must be rewritten.""",
    citation="OpenID Connect Core 1.0; SAML 2.0 Core",
    example="protocol: openid-connect -> saml",
)
def _protocol(c: Change, env: Env) -> Hit:
    return Hit(f"client {_client(c)} protocol {fmt(c.old)} -> {fmt(c.new)}")


@rule(
    "client.made-public",
    title="Client became public (or confidential)",
    topics="client.public",
    severity="safe",
    security="weakens",
    rationale="""A confidential client that becomes public no longer has to prove who it is: the
    application keeps working (a secret it still sends is ignored) but anyone can use its
    client_id. A public client that becomes confidential must now authenticate: it breaks
    until it is deployed with credentials.""",
    citation="RFC 6749 §2.1; RFC 9700 §2.5",
    example="publicClient: false -> true",
)
def _public(c: Change, env: Env) -> Hit:
    if c.new is True:
        return Hit(f"client {_client(c)} is now public: it no longer authenticates")
    return Hit(
        f"client {_client(c)} is now confidential: it must authenticate at the token endpoint",
        severity="breaking",
        security="strengthens",
        breaks=("clients",),
    )


@rule(
    "client.bearer-only",
    title="Client became bearer-only",
    topics="client.bearer_only",
    severity="breaking",
    breaks=("clients",),
    rationale="""A bearer-only client only verifies tokens: it can no longer sign users in or
    obtain tokens.""",
    citation="Keycloak Server Administration Guide (bearer-only clients)",
    example="bearerOnly: false -> true",
)
def _bearer(c: Change, env: Env) -> Hit:
    if c.new is True:
        return Hit(f"client {_client(c)} is bearer-only: it can no longer obtain tokens")
    return Hit(f"client {_client(c)} may obtain tokens again", severity="safe", breaks=())


@rule(
    "client.auth-method-changed",
    title="Client authentication method changed",
    topics="client.authentication",
    severity="breaking",
    breaks=("clients",),
    rationale="""The client must authenticate at the token endpoint in another way (a secret, a
    signed JWT, a certificate): it fails until it is redeployed. Moving from a shared secret to
    private_key_jwt or mTLS strengthens security; the reverse weakens it.""",
    citation="RFC 6749 §2.3; RFC 7523 §2.2; RFC 8705 §2; RFC 9700 §2.5",
    example="clientAuthenticatorType: client-secret -> client-jwt",
)
def _auth_method(c: Change, env: Env) -> Hit | None:
    if c.old is None or c.new is None:
        return None  # comes with the client becoming public, confidential or bearer-only
    old, new = str(c.old), str(c.new)
    security = None
    if old in SECRET_METHODS | {"none"} and new in KEY_METHODS:
        security = "strengthens"
    elif old in KEY_METHODS and new in SECRET_METHODS | {"none"}:
        security = "weakens"
    return Hit(f"client {_client(c)} authenticates with {new} instead of {old}", security=security)


@rule(
    "client.secret-changed",
    title="Client secret changed",
    topics="client.secret",
    severity="breaking",
    breaks=("clients",),
    rationale="""The application must be deployed with the new secret, or it fails at the token
    endpoint. Only a digest of the secret is ever compared and nothing of it is shown. When one
    side is an environment reference or a masked export, the values cannot be compared: the
    change is reported as risky.""",
    citation="RFC 6749 §2.3.1",
    example="secret: (digest a) -> (digest b)",
)
def _secret(c: Change, env: Env) -> Hit | None:
    if c.old is None or c.new is None:
        if c.old is None and c.new is not None:
            return Hit(f"client {_client(c)}: client secret set", severity="safe", breaks=())
        return None
    undecidable = [v for v in (c.old, c.new) if not str(v).startswith("sha256:")]
    if undecidable:
        return Hit(
            f"client {_client(c)}: client secret changed",
            severity="risky",
            note="one side is an environment reference or a masked export: compare the values "
            "where they are stored",
        )
    return Hit(f"client {_client(c)}: client secret changed")


@rule(
    "client.insecure-flow-enabled",
    title="Implicit or password grant enabled for a client",
    topics="client.grants",
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""The implicit grant puts tokens in the redirect URI (RFC 9700 says SHOULD NOT);
    the password grant hands users' passwords to the client (MUST NOT). Compatible, and a
    security regression.""",
    citation="RFC 9700 §2.1.2, §2.4",
    example="implicitFlowEnabled: false -> true",
)
def _flow_insecure(c: Change, env: Env) -> Hit | None:
    if c.new not in INSECURE_GRANTS:
        return None
    return Hit(f"client {_client(c)} may use the {c.new} grant ({INSECURE_GRANTS[c.new]})")


@rule(
    "client.flow-enabled",
    title="Grant enabled for a client",
    topics="client.grants",
    kinds=("added",),
    severity="safe",
    rationale="""Another way for the client to obtain tokens (service account, device flow,
    token exchange) breaks nobody.""",
    citation="RFC 6749 §4; RFC 8628; RFC 8693",
    example="serviceAccountsEnabled: false -> true",
)
def _flow_on(c: Change, env: Env) -> Hit:
    return Hit(f"client {_client(c)} may use the {c.new} grant")


@rule(
    "client.flow-disabled",
    title="Grant disabled for a client",
    topics="client.grants",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""The application can no longer obtain tokens the way it did (its users cannot
    sign in, or it gets no refresh token). Disabling implicit or password strengthens security
    but needs a migration.""",
    citation="RFC 6749 §4; RFC 9700 §2.1.2, §2.4",
    example="standardFlowEnabled: true -> false",
)
def _flow_off(c: Change, env: Env) -> Hit:
    security = "strengthens" if c.old in INSECURE_GRANTS else None
    return Hit(f"client {_client(c)} may no longer use the {c.old} grant", security=security)


@rule(
    "client.pkce-required",
    title="PKCE required for a client",
    topics="client.pkce.required",
    severity="breaking",
    security="strengthens",
    breaks=("clients",),
    rationale="""The client's authorization requests without a code_challenge are refused;
    turning the requirement off keeps the client working but lets intercepted codes be
    redeemed.""",
    citation="RFC 7636 §4.4.1; RFC 9700 §2.1.1",
    example="pkce.code.challenge.method: (unset) -> S256",
)
def _pkce_req(c: Change, env: Env) -> Hit:
    if c.new is True:
        return Hit(f"client {_client(c)} must now use PKCE")
    return Hit(
        f"client {_client(c)} no longer has to use PKCE",
        severity="safe",
        security="weakens",
        breaks=(),
    )


@rule(
    "client.pkce-plain-allowed",
    title="PKCE plain allowed for a client",
    topics="client.pkce.methods",
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""With plain the challenge is the verifier: anyone who sees the authorization
    request can redeem the code.""",
    citation="RFC 7636 §7.2; RFC 9700 §2.1.1",
    example="pkce.code.challenge.method: S256 -> plain",
)
def _pkce_plain(c: Change, env: Env) -> Hit | None:
    if c.new != "plain":
        return None
    return Hit(f"client {_client(c)} accepts PKCE method plain")


@rule(
    "client.pkce-method-added",
    title="PKCE method accepted for a client",
    topics="client.pkce.methods",
    kinds=("added",),
    severity="safe",
    rationale="""Another accepted challenge method breaks nobody.""",
    citation="RFC 7636 §4.2",
    example="methods: [] -> [S256]",
)
def _pkce_method_added(c: Change, env: Env) -> Hit:
    return Hit(f"client {_client(c)} accepts PKCE method {c.new}")


@rule(
    "client.pkce-method-removed",
    title="PKCE method refused for a client",
    topics="client.pkce.methods",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""A client still sending the removed challenge method is refused. Refusing plain
    strengthens security; refusing S256 (in favour of plain) weakens it.""",
    citation="RFC 7636 §4.4.1",
    example="pkce.code.challenge.method: (unset: S256 or plain) -> S256",
)
def _pkce_method_removed(c: Change, env: Env) -> Hit:
    security = "strengthens" if c.old == "plain" else "weakens" if c.old == "S256" else None
    return Hit(f"client {_client(c)} no longer accepts PKCE method {c.old}", security=security)


def _uri_kind(c: Change) -> str:
    topic = str(ctx(c, "topic"))
    return "post-logout redirect URI" if "post_logout" in topic else "redirect URI"


@rule(
    "client.redirect-uri-removed",
    title="Client redirect URI removed",
    topics="client.redirect_uri",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""Authorization requests naming a URI no registered pattern matches are refused:
    the application (or the deployment) using it can no longer sign users in. A URI still
    matched by a new pattern is not removed.""",
    citation="RFC 6749 §3.1.2.2; RFC 9700 §2.1",
    example="redirectUris: [https://app/cb, https://old/cb] -> [https://app/cb]",
)
def _redirect_removed(c: Change, env: Env) -> Hit:
    message = f"client {_client(c)}: redirect URI {c.old} no longer registered"
    if "*" in str(c.old):
        kept = [
            u for u in ctx(c, "new_set", []) if "*" not in str(u) and covers(str(c.old), str(u))
        ]
        if kept:
            return Hit(
                message,
                severity="risky",
                security="strengthens",
                note=f"the exact URIs it covered are still registered ({', '.join(kept)}); other "
                "URLs the pattern matched (preview deployments, other paths) are refused",
            )
    return Hit(message)


@rule(
    "client.redirect-uri-insecure-added",
    title="Wildcard or plain-http redirect URI registered",
    topics=("client.redirect_uri", "client.post_logout_redirect_uri"),
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""Redirect URIs must be compared as exact strings; a wildcard lets codes and
    tokens go to any matching URL (open redirectors, subdomain takeover), and plain http to a
    non-loopback host exposes them on the network.""",
    citation="RFC 9700 §2.1, §4.1.3; RFC 8252 §7.3",
    example="redirectUris: [https://app.example.com/cb] -> [https://app.example.com/*]",
)
def _redirect_insecure(c: Change, env: Env) -> Hit | None:
    why = redirect_concern(c.new)
    if why is None:
        return None
    return Hit(f"client {_client(c)}: {_uri_kind(c)} {c.new} registered ({why})")


@rule(
    "client.redirect-uri-added",
    title="Client redirect URI registered",
    topics=("client.redirect_uri", "client.post_logout_redirect_uri"),
    kinds=("added",),
    severity="safe",
    rationale="""Another exact redirect URI breaks nobody.""",
    citation="RFC 6749 §3.1.2.2",
    example="redirectUris: [https://app/cb] -> [https://app/cb, https://app/cb2]",
)
def _redirect_added(c: Change, env: Env) -> Hit:
    return Hit(f"client {_client(c)}: {_uri_kind(c)} {c.new} registered")


@rule(
    "client.post-logout-uri-removed",
    title="Post-logout redirect URI removed",
    topics="client.post_logout_redirect_uri",
    kinds=("removed",),
    severity="risky",
    breaks=("clients",),
    rationale="""Logout requests that name the URI are refused or end on the provider's page:
    users are signed out but do not get back to the application.""",
    citation="OpenID Connect RP-Initiated Logout 1.0 §3",
    example="post.logout.redirect.uris: https://app/bye -> (none)",
)
def _logout_removed(c: Change, env: Env) -> Hit:
    return Hit(f"client {_client(c)}: post-logout redirect URI {c.old} no longer registered")


@rule(
    "client.web-origin-removed",
    title="Client web origin removed",
    topics="client.web_origin",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""Browser applications served from the origin can no longer call the token or
    userinfo endpoints (CORS): single-page apps stop working.""",
    citation="Fetch Standard (CORS protocol)",
    example="webOrigins: [https://app.example.com] -> []",
)
def _origin_removed(c: Change, env: Env) -> Hit:
    return Hit(f"client {_client(c)}: web origin {c.old} no longer allowed")


@rule(
    "client.web-origin-added",
    title="Client web origin added",
    topics="client.web_origin",
    kinds=("added",),
    severity="safe",
    rationale="""Another origin may call the endpoints from the browser. * allows every web page
    to do so with the user's tokens in reach, which weakens security.""",
    citation="Fetch Standard (CORS protocol)",
    example="webOrigins: [+] -> [+, *]",
)
def _origin_added(c: Change, env: Env) -> Hit:
    security = "weakens" if "*" in str(c.new) else None
    return Hit(f"client {_client(c)}: web origin {c.new} allowed", security=security)


@rule(
    "client.consent-required",
    title="Consent required for a client",
    topics="client.consent_required",
    severity="risky",
    security="strengthens",
    breaks=("clients",),
    rationale="""Users now see a consent page: silent renewals (prompt=none) fail with
    consent_required until they have consented. Dropping consent breaks nobody but users no
    longer see what they grant.""",
    citation="OpenID Connect Core 1.0 §3.1.2.6",
    example="consentRequired: false -> true",
)
def _consent(c: Change, env: Env) -> Hit:
    if c.new is True:
        return Hit(f"client {_client(c)} now requires user consent")
    return Hit(
        f"client {_client(c)} no longer asks for consent",
        severity="safe",
        security="weakens",
        breaks=(),
    )


@rule(
    "client.full-scope",
    title="Full scope allowed changed",
    topics="client.full_scope",
    severity="safe",
    security="weakens",
    rationale="""With full scope allowed, tokens carry every role of the user instead of the
    roles mapped to the client (least privilege lost). Turning it off removes roles from tokens:
    resource servers that check them answer 403.""",
    citation="RFC 9700 §2.3 (privilege restriction)",
    example="fullScopeAllowed: false -> true",
)
def _full_scope(c: Change, env: Env) -> Hit | None:
    if c.new is True:
        return Hit(f"client {_client(c)}: tokens carry all of the user's roles")
    if c.new is False:
        return Hit(
            f"client {_client(c)}: tokens carry only the roles mapped to it",
            severity="risky",
            security="strengthens",
            breaks=("clients", "relying_parties"),
        )
    return None


@rule(
    "client.default-scope-removed",
    title="Default scope removed from a client",
    topics="client.default_scopes",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients", "relying_parties"),
    rationale="""Tokens issued to the client lose the scope and the claims it adds: resource
    servers that require the scope answer 403 and relying parties that read its claims break.""",
    citation="RFC 6749 §3.3; OpenID Connect Core 1.0 §5.4",
    example="defaultClientScopes: [profile, email] -> [profile]",
)
def _default_scope_removed(c: Change, env: Env) -> Hit:
    return Hit(f"client {_client(c)} no longer gets scope {c.old} by default")


@rule(
    "client.default-scope-added",
    title="Default scope added to a client",
    topics="client.default_scopes",
    kinds=("added",),
    severity="safe",
    rationale="""Tokens carry one more scope and its claims; relying parties ignore what they do
    not read (least privilege: only add what the client needs).""",
    citation="RFC 6749 §3.3",
    example="defaultClientScopes: [profile] -> [profile, email]",
)
def _default_scope_added(c: Change, env: Env) -> Hit:
    return Hit(f"client {_client(c)} now gets scope {c.new} by default")


@rule(
    "client.optional-scope-removed",
    title="Optional scope removed from a client",
    topics="client.optional_scopes",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""The client can no longer obtain the scope when it asks for it (for example
    offline_access for offline tokens): calls that need it fail.""",
    citation="RFC 6749 §3.3",
    example="optionalClientScopes: [offline_access] -> []",
)
def _optional_scope_removed(c: Change, env: Env) -> Hit:
    return Hit(f"client {_client(c)} can no longer request scope {c.old}")


@rule(
    "client.optional-scope-added",
    title="Optional scope added to a client",
    topics="client.optional_scopes",
    kinds=("added",),
    severity="safe",
    rationale="""The client may request one more scope; nothing changes until it does.""",
    citation="RFC 6749 §3.3",
    example="optionalClientScopes: [] -> [offline_access]",
)
def _optional_scope_added(c: Change, env: Env) -> Hit:
    return Hit(f"client {_client(c)} may request scope {c.new}")


@rule(
    "client.claim-removed",
    title="Protocol mapper no longer adds a claim",
    topics="client.claims",
    kinds=("removed",),
    severity="breaking",
    breaks=("relying_parties",),
    rationale="""Tokens issued to the client lose the claim: the resource servers and relying
    parties that read it (roles, tenant, customer number...) break.""",
    citation="OpenID Connect Core 1.0 §5.1; RFC 9068 §2.2",
    example="protocolMappers: [customer number -> customer_no] -> []",
)
def _claim_removed(c: Change, env: Env) -> Hit:
    return Hit(f"client {_client(c)}: tokens no longer carry claim {c.old}")


@rule(
    "client.claim-added",
    title="Protocol mapper adds a claim",
    topics="client.claims",
    kinds=("added",),
    severity="safe",
    rationale="""Relying parties ignore claims they do not read (mind personal data in tokens).""",
    citation="OpenID Connect Core 1.0 §5.1",
    example="protocolMappers: [] -> [groups]",
)
def _claim_added(c: Change, env: Env) -> Hit:
    return Hit(f"client {_client(c)}: tokens now carry claim {c.new}")


@rule(
    "client.audience-removed",
    title="Audience no longer added to a client's tokens",
    topics="client.audience",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""The resource server named by the audience rejects the client's tokens (aud
    check): the client's calls to it fail.""",
    citation="RFC 9068 §4; RFC 8725 §3.9",
    example="audience mapper: orders-api -> (removed)",
)
def _aud_removed(c: Change, env: Env) -> Hit:
    return Hit(f"client {_client(c)}: tokens no longer carry audience {c.old}")


@rule(
    "client.audience-added",
    title="Audience added to a client's tokens",
    topics="client.audience",
    kinds=("added",),
    severity="safe",
    rationale="""One more resource server accepts the client's tokens; nobody breaks (each added
    audience widens where a stolen token works).""",
    citation="RFC 9068 §4",
    example="audience mapper: (none) -> orders-api",
)
def _aud_added(c: Change, env: Env) -> Hit:
    return Hit(f"client {_client(c)}: tokens now carry audience {c.new}")


@rule(
    "client.subject-type-changed",
    title="Subject identifier type of a client changed",
    topics="client.subject_type",
    severity="breaking",
    breaks=("relying_parties",),
    rationale="""Pairwise and public subject identifiers differ: every user gets a new sub for
    this client, and accounts keyed by iss+sub are re-keyed.""",
    citation="OpenID Connect Core 1.0 §8",
    example="pairwise subject mapper added",
)
def _subject(c: Change, env: Env) -> Hit:
    return Hit(
        f"client {_client(c)}: subject identifiers {fmt(c.old)} -> {fmt(c.new)} (every sub changes)"
    )


@rule(
    "client.mfa-changed",
    title="Multi-factor chain of a client changed",
    topics="client.mfa",
    severity="risky",
    security="strengthens",
    breaks=("clients",),
    rationale="""Users of the client must complete another authenticator (non-interactive flows
    cannot); removing one from the chain weakens sign-in.""",
    citation="NIST SP 800-63B-4 §2.2",
    example="mfaChain: [] -> [totp]",
)
def _mfa(c: Change, env: Env) -> Hit:
    if c.kind == "removed":
        return Hit(
            f"client {_client(c)} no longer requires authenticator {c.old}",
            severity="safe",
            security="weakens",
            breaks=(),
        )
    return Hit(f"client {_client(c)} now requires authenticator {c.new}")


@rule(
    "client.trusted-peer-changed",
    title="Trusted peer of a client changed",
    topics="client.trusted_peers",
    severity="safe",
    security="weakens",
    rationale="""A trusted peer may obtain tokens issued for this client's audience
    (cross-client trust): adding one widens who can; removing one breaks the peer.""",
    citation="Dex documentation (cross-client trust)",
    example="trustedPeers: [] -> [cli]",
)
def _peers(c: Change, env: Env) -> Hit:
    if c.kind == "removed":
        return Hit(
            f"client {_client(c)} no longer trusts {c.old}",
            severity="breaking",
            security="strengthens",
            breaks=("clients",),
        )
    return Hit(f"client {_client(c)} trusts {c.new} to obtain tokens for it")


@rule(
    "client.par-required",
    title="Pushed authorization requests required for a client",
    topics="client.require_par",
    severity="breaking",
    security="strengthens",
    breaks=("clients",),
    rationale="""The client's authorization requests must go through the PAR endpoint first;
    direct requests are refused.""",
    citation="RFC 9126 §5",
    example="require.pushed.authorization.requests: false -> true",
)
def _par(c: Change, env: Env) -> Hit:
    if c.new is True:
        return Hit(f"client {_client(c)} must use pushed authorization requests")
    return Hit(
        f"client {_client(c)} no longer has to use pushed authorization requests",
        severity="safe",
        security="weakens",
        breaks=(),
    )


def _token_label(c: Change) -> tuple[str, str]:
    field = str(ctx(c, "field", "lifetime")).replace("_", " ")
    token = str(ctx(c, "token", "token")).replace("_", " ")
    inherited = []
    if ctx(c, "inherited_old"):
        inherited.append("old value inherited from the realm")
    if ctx(c, "inherited_new"):
        inherited.append("new value inherited from the realm")
    tail = f" ({'; '.join(inherited)})" if inherited else ""
    return f"client {_client(c)}: {token} {field}", tail


@rule(
    "client.token-lifetime-shortened",
    title="Client token lifetime shortened",
    topics=(
        "client.token.lifetime",
        "client.token.idle_lifetime",
        "client.token.absolute_lifetime",
    ),
    severity="risky",
    security="strengthens",
    breaks=("clients",),
    rationale="""The client's tokens (or sessions) expire sooner: applications that cache tokens
    or run long jobs meet expired tokens.""",
    citation="RFC 9700 §4.14.2",
    example="access.token.lifespan: 900 -> 300",
)
def _client_short(c: Change, env: Env) -> Hit | None:
    if not shortened(c):
        return None
    label, tail = _token_label(c)
    return Hit(f"{label} {duration(c.old)} -> {duration(c.new)}{tail}")


@rule(
    "client.token-lifetime-lengthened",
    title="Client token lifetime lengthened",
    topics=(
        "client.token.lifetime",
        "client.token.idle_lifetime",
        "client.token.absolute_lifetime",
    ),
    severity="safe",
    security="weakens",
    rationale="""Nothing breaks, and a leaked token (or an abandoned session) of the client stays
    usable longer.""",
    citation="RFC 9700 §4.14.2",
    example="access.token.lifespan: 300 -> 3600",
)
def _client_long(c: Change, env: Env) -> Hit:
    label, tail = _token_label(c)
    return Hit(f"{label} {duration(c.old)} -> {duration(c.new)}{tail}")


@rule(
    "client.sender-constraint-changed",
    title="Client token binding changed",
    topics="client.token.sender_constraint",
    severity="breaking",
    security="strengthens",
    breaks=("clients",),
    rationale="""Once the client's tokens must be bound to its certificate or DPoP key, it must
    present that proof at the token endpoint and on every call; dropping the binding breaks
    nobody but a stolen token works from anywhere.""",
    citation="RFC 8705 §3; RFC 9449; RFC 9700 §2.2.1",
    example="tls.client.certificate.bound.access.tokens: false -> true",
)
def _client_binding(c: Change, env: Env) -> Hit:
    label, _ = _token_label(c)
    if c.new in (None, "none"):
        return Hit(
            f"{label.replace(' sender constraint', '')} no longer bound (was {c.old})",
            severity="safe",
            security="weakens",
            breaks=(),
        )
    if c.old not in (None, "none"):
        return Hit(f"{label}: {c.old} -> {c.new}", security="neutral")
    return Hit(f"{label}: tokens must be bound ({c.new})")


_ALG_USERS = {"request_object": ("clients",), "client_assertion": ("clients",)}


@rule(
    "client.token-alg-changed",
    title="Client token algorithm changed",
    topics="client.token.algorithms",
    severity="breaking",
    breaks=("relying_parties",),
    rationale="""Tokens issued to the client are signed (or encrypted) with another algorithm:
    verifiers that do not accept it reject them. For request objects and client assertions the
    client itself must sign with the new algorithm. none and HMAC weaken security.""",
    citation="RFC 8725 §2.1, §3.1",
    example="access.token.signed.response.alg: RS256 -> ES256",
)
def _client_alg(c: Change, env: Env) -> Hit:
    label, tail = _token_label(c)
    new = [str(a) for a in (c.new or [])]
    security = "weakens" if any(a == "none" or a in HMAC for a in new) else None
    breaks = _ALG_USERS.get(str(ctx(c, "token")), ("relying_parties",))
    return Hit(f"{label} {fmt(c.old)} -> {fmt(c.new)}{tail}", security=security, breaks=breaks)


@rule(
    "client.setting-changed",
    title="Unclassified client setting changed",
    topics="client.setting",
    severity="risky",
    breaks=("clients",),
    rationale="""A client attribute no rule knows (logout URLs, token options, protocol details):
    the engine does not guess whether the application depends on it and reports the change for a
    reviewer. Display-only attributes (consent text, logo, theme) are not reported.""",
    citation="Keycloak Server Administration Guide (client settings)",
    example="backchannel.logout.url: https://app/logout -> https://app/v2/logout",
)
def _client_setting(c: Change, env: Env) -> Hit:
    name = ctx(c, "setting")
    return Hit(
        f"client {_client(c)}: {name} {fmt(c.old)} -> {fmt(c.new)} (no rule classifies it: "
        "review it)"
    )


# --- upstream identity providers ----------------------------------------------------------------


def _up(c: Change) -> str:
    return str(ctx(c, "owner", "provider"))


@rule(
    "upstream.added",
    title="Upstream identity provider added",
    topics="upstream.added",
    severity="safe",
    rationale="""Users get one more way to sign in; nobody breaks. Trusting the e-mail addresses
    it asserts lets an account on it take over a local account with the same address.""",
    citation="OpenID Connect Core 1.0 §5.7",
    example="identityProviders: [google] -> [google, github]",
)
def _up_added(c: Change, env: Env) -> Hit:
    entry = c.new if isinstance(c.new, dict) else {}
    security = "weakens" if entry.get("trust_email") else None
    return Hit(
        f"upstream identity provider {_up(c)} added ({entry.get('type', '?')})", security=security
    )


@rule(
    "upstream.removed",
    title="Upstream identity provider removed",
    topics="upstream.removed",
    severity="breaking",
    breaks=("clients",),
    rationale="""Users who sign in through the removed provider (or connector) can no longer
    sign in to any client.""",
    citation="OpenID Connect Core 1.0 §3",
    example="connectors: [github, ldap] -> [github]",
)
def _up_removed(c: Change, env: Env) -> Hit:
    return Hit(f"upstream identity provider {_up(c)} removed")


@rule(
    "upstream.disabled",
    title="Upstream identity provider disabled",
    topics="upstream.enabled",
    severity="breaking",
    breaks=("clients",),
    rationale="""Users who sign in through it can no longer sign in (enabling it breaks
    nobody).""",
    citation="OpenID Connect Core 1.0 §3",
    example="enabled: true -> false",
)
def _up_enabled(c: Change, env: Env) -> Hit:
    if c.new is False:
        return Hit(f"upstream identity provider {_up(c)} disabled")
    return Hit(f"upstream identity provider {_up(c)} enabled", severity="safe", breaks=())


@rule(
    "upstream.changed",
    title="Upstream identity provider re-pointed",
    topics=("upstream.type", "upstream.issuer", "upstream.client_id"),
    severity="risky",
    breaks=("clients",),
    rationale="""Another type, issuer or client registration upstream: users' linked identities
    are keyed by the upstream issuer and subject, so they may appear as new users or fail to
    sign in until the new registration is in place.""",
    citation="OpenID Connect Core 1.0 §5.7 (iss+sub)",
    example="config.issuer: https://old-idp.example.com -> https://idp.example.com",
)
def _up_changed(c: Change, env: Env) -> Hit:
    field = str(ctx(c, "field")).replace("_", " ")
    return Hit(f"upstream identity provider {_up(c)} {field} {fmt(c.old)} -> {fmt(c.new)}")


@rule(
    "upstream.secret-changed",
    title="Upstream client secret changed",
    topics="upstream.secret",
    severity="risky",
    breaks=("issuer",),
    rationale="""The server now authenticates to the upstream provider with another secret
    (shown only as changed): sign-ins through it fail unless the upstream registration was
    updated to match.""",
    citation="RFC 6749 §2.3.1",
    example="clientSecret: (digest a) -> (digest b)",
)
def _up_secret(c: Change, env: Env) -> Hit:
    return Hit(f"upstream identity provider {_up(c)}: client secret changed")


@rule(
    "upstream.trust-email",
    title="E-mail addresses from an upstream provider trusted",
    topics="upstream.trust_email",
    severity="safe",
    security="weakens",
    rationale="""Trusted addresses count as verified and link accounts by e-mail: whoever
    controls an address upstream controls the local account with it. Turning trust off makes
    users verify their address (risky for sign-in flows).""",
    citation="OpenID Connect Core 1.0 §5.7",
    example="trustEmail: false -> true",
)
def _up_trust(c: Change, env: Env) -> Hit:
    if c.new is True:
        return Hit(f"upstream identity provider {_up(c)}: e-mail addresses now trusted as verified")
    return Hit(
        f"upstream identity provider {_up(c)}: e-mail addresses no longer trusted",
        severity="risky",
        security="strengthens",
        breaks=("clients",),
    )


@rule(
    "upstream.grant-removed",
    title="Grant no longer allowed through a connector",
    topics="upstream.grants",
    severity="breaking",
    breaks=("clients",),
    rationale="""Clients using the removed grant with users of this connector are refused;
    allowing one more grant breaks nobody.""",
    citation="Dex configuration (connectors[].grantTypes)",
    example="grantTypes: [authorization_code, password] -> [authorization_code]",
)
def _up_grants(c: Change, env: Env) -> Hit:
    if c.kind == "added":
        security = "weakens" if c.new in INSECURE_GRANTS else None
        return Hit(
            f"connector {_up(c)} allows the {c.new} grant",
            severity="safe",
            security=security,
            breaks=(),
        )
    return Hit(f"connector {_up(c)} no longer allows the {c.old} grant")


@rule(
    "upstream.account-changed",
    title="Local account added, removed or changed",
    topics="upstream.account",
    severity="safe",
    rationale="""A static account in the configuration: adding one or changing its password
    (shown only as changed) breaks nobody; removing one locks that user out.""",
    citation="Dex configuration (staticPasswords)",
    example="staticPasswords: [admin] -> [admin, ops]",
)
def _account(c: Change, env: Env) -> Hit:
    name = ctx(c, "account")
    if c.kind == "added":
        return Hit(f"local account {name} added")
    if c.kind == "removed":
        return Hit(f"local account {name} removed", severity="breaking", breaks=("clients",))
    return Hit(f"local account {name}: password changed")


INSECURE_SETTINGS = ("insecure",)
PROTECTIVE_SETTINGS = {"validatesignature", "pkceenabled", "starttls", "usejwksurl"}


@rule(
    "upstream.insecure-setting",
    title="Connector security setting changed",
    topics="upstream.setting",
    severity="safe",
    security="weakens",
    rationale="""Settings that switch off a protection (insecureSkipVerify,
    insecureSkipEmailVerified, insecureNoSSL, signature validation, PKCE) weaken sign-in
    through the connector; switching the protection back on may refuse upstream responses that
    passed before.""",
    citation="RFC 9700 §2.1.1; RFC 8725 §3.1; RFC 6125",
    example="config.insecureSkipVerify: false -> true",
)
def _insecure(c: Change, env: Env) -> Hit | None:
    name = str(ctx(c, "setting"))
    last = name.rsplit(".", 1)[-1]
    off = last.startswith(INSECURE_SETTINGS)
    guard = last.lower() in PROTECTIVE_SETTINGS
    if not (off or guard):
        return None
    new, old = _truthy(c.new), _truthy(c.old)
    if new is None or old is None or new == old:
        return None
    weakening = new if off else not new
    message = f"connector {_up(c)}: {name} {fmt(c.old)} -> {fmt(c.new)}"
    if weakening:
        return Hit(message)
    return Hit(message, severity="risky", security="strengthens", breaks=("clients",))


def _truthy(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


@rule(
    "upstream.setting-changed",
    title="Connector setting changed",
    topics="upstream.setting",
    severity="risky",
    breaks=("clients",),
    rationale="""A connector setting (directory search, scopes, claim mapping, sync mode...)
    decides who can sign in and which identity they get; the engine cannot judge each one, so a
    reviewer looks at it. A secret setting is shown only as changed.""",
    citation="Dex connector documentation; Keycloak Server Administration Guide (identity brokering)",
    example="config.userSearch.filter: (objectClass=person) -> (memberOf=cn=staff)",
)
def _setting(c: Change, env: Env) -> Hit:
    name = ctx(c, "setting")
    values = (c.old, c.new)
    if any(isinstance(v, str) and v.startswith(("sha256:", "env:")) for v in values):
        return Hit(f"connector {_up(c)}: secret setting {name} changed")
    if c.kind == "added":
        return Hit(f"connector {_up(c)}: {name} set to {fmt(c.new)}")
    if c.kind == "removed":
        return Hit(f"connector {_up(c)}: {name} removed (was {fmt(c.old)})")
    return Hit(f"connector {_up(c)}: {name} {fmt(c.old)} -> {fmt(c.new)}")


# --- security schemes -----------------------------------------------------------------------------

SCHEME_CITATION = "OpenAPI 3.1 Security Scheme Object"


def _scheme(c: Change) -> str:
    return str(ctx(c, "owner", "scheme"))


@rule(
    "scheme.added",
    title="Security scheme defined",
    topics="scheme.added",
    severity="safe",
    rationale="""A scheme definition alone changes nothing; the endpoints that start requiring it
    are judged by the security requirement rules.""",
    citation=SCHEME_CITATION,
    example="securitySchemes: {oauth} -> {oauth, mtls}",
)
def _scheme_added(c: Change, env: Env) -> Hit:
    return Hit(f"security scheme {_scheme(c)} ({fmt(ctx(c, 'type'))}) defined")


@rule(
    "scheme.removed",
    title="Security scheme removed",
    topics="scheme.removed",
    severity="safe",
    rationale="""A scheme no endpoint requires any more can go; the endpoints that stopped
    accepting it are judged (as breaking) by the security requirement rules.""",
    citation=SCHEME_CITATION,
    example="securitySchemes: {oauth, legacyKey} -> {oauth}",
)
def _scheme_removed(c: Change, env: Env) -> Hit:
    used = " (the endpoints that required it are listed separately)" if ctx(c, "used") else ""
    return Hit(f"security scheme {_scheme(c)} removed{used}")


@rule(
    "scheme.renamed",
    title="Security scheme renamed",
    topics="scheme.renamed",
    severity="safe",
    editorial=True,
    rationale="""The scheme name is a key inside the description; callers send the same
    credential the same way. Requirements naming it follow the rename.""",
    citation=SCHEME_CITATION,
    example="securitySchemes: {bearerAuth} -> {BearerAuth} (same definition)",
)
def _scheme_renamed(c: Change, env: Env) -> Hit:
    return Hit(f"security scheme {c.old} renamed to {c.new} (same definition)")


@rule(
    "scheme.credential-changed",
    title="How callers present credentials changed",
    topics=("scheme.type", "scheme.location", "scheme.parameter", "scheme.http_scheme"),
    severity="breaking",
    breaks=("clients",),
    rationale="""Another scheme type, another HTTP authentication scheme (Bearer to Basic), or an
    API key moved to another header, query parameter or cookie: callers sending credentials the
    old way get 401. Moving a key into the query string also exposes it in logs.""",
    citation=SCHEME_CITATION + "; RFC 9110 §11; RFC 6750 §2",
    example="apiKey: {in: header, name: X-API-Key} -> {in: query, name: api_key}",
)
def _scheme_credential(c: Change, env: Env) -> Hit:
    field = str(ctx(c, "field"))
    what = {"in": "location", "name": "parameter name", "scheme": "HTTP scheme"}.get(field, field)
    security = "weakens" if field == "in" and c.new == "query" else None
    return Hit(
        f"security scheme {_scheme(c)} {what} {fmt(c.old)} -> {fmt(c.new)}", security=security
    )


@rule(
    "scheme.bearer-format-changed",
    title="Bearer format hint changed",
    topics="scheme.bearer_format",
    severity="safe",
    editorial=True,
    rationale="""bearerFormat is a documentation hint (the token is opaque to the caller); a
    change to it changes no request.""",
    citation=SCHEME_CITATION + " (bearerFormat)",
    example="bearerFormat: JWT -> opaque",
)
def _bearer_format(c: Change, env: Env) -> Hit:
    return Hit(f"security scheme {_scheme(c)} bearer format {fmt(c.old)} -> {fmt(c.new)}")


@rule(
    "scheme.provider-changed",
    title="OpenID Connect or OAuth metadata URL changed",
    topics="scheme.url",
    severity="risky",
    breaks=("clients",),
    rationale="""Callers discover where to get tokens from this URL. On another host it names
    another authorization server: tokens from the old one are rejected (breaking). On the same
    host the document moved: clients that hard-code it break.""",
    citation=SCHEME_CITATION + " (openIdConnectUrl); OpenID Connect Discovery 1.0 §4",
    example="openIdConnectUrl: https://login.example.com/.well-known/openid-configuration -> https://id.example.com/...",
)
def _scheme_url(c: Change, env: Env) -> Hit:
    message = f"security scheme {_scheme(c)} {str(ctx(c, 'field')).replace('_', ' ')} {fmt(c.old)} -> {fmt(c.new)}"
    if c.old and c.new and host_of(c.old) != host_of(c.new):
        return Hit(message, severity="breaking", note="another host: another authorization server")
    return Hit(message)


@rule(
    "scheme.deprecated",
    title="Security scheme deprecated",
    topics="scheme.deprecated",
    severity="safe",
    rationale="""Marking a scheme deprecated (OpenAPI 3.2) changes no behaviour.""",
    citation="OpenAPI 3.2 Security Scheme Object (deprecated)",
    example="deprecated: false -> true",
)
def _scheme_deprecated(c: Change, env: Env) -> Hit:
    state = "deprecated" if c.new else "no longer deprecated"
    return Hit(f"security scheme {_scheme(c)} {state}")


_FLOW_GRANTS = {"implicit": "implicit", "password": "password"}


@rule(
    "scheme.flow-added",
    title="OAuth flow added to a scheme",
    topics="scheme.flow.added",
    severity="safe",
    rationale="""Another way to obtain tokens for the API breaks nobody; the implicit and password
    flows weaken security.""",
    citation=SCHEME_CITATION + " (OAuth Flows); RFC 9700 §2.1.2, §2.4",
    example="flows: {authorizationCode} -> {authorizationCode, clientCredentials}",
)
def _flow_added(c: Change, env: Env) -> Hit:
    security = "weakens" if c.new in _FLOW_GRANTS else None
    return Hit(f"security scheme {_scheme(c)} offers the {c.new} flow", security=security)


@rule(
    "scheme.flow-removed",
    title="OAuth flow removed from a scheme",
    topics="scheme.flow.removed",
    severity="breaking",
    breaks=("clients",),
    rationale="""Callers that obtained tokens with the removed flow must move to another one.
    Removing implicit or password strengthens security.""",
    citation=SCHEME_CITATION + " (OAuth Flows)",
    example="flows: {implicit, authorizationCode} -> {authorizationCode}",
)
def _flow_removed(c: Change, env: Env) -> Hit:
    security = "strengthens" if c.old in _FLOW_GRANTS else None
    return Hit(f"security scheme {_scheme(c)} no longer offers the {c.old} flow", security=security)


@rule(
    "scheme.flow-url-changed",
    title="OAuth flow URL changed",
    topics="scheme.flow.url",
    severity="risky",
    breaks=("clients",),
    rationale="""Callers configured from the description use the authorization, token or
    refresh URL as written: they call the old one until reconfigured. Another host usually
    means another authorization server.""",
    citation=SCHEME_CITATION + " (OAuth Flow Object)",
    example="tokenUrl: https://login.example.com/token -> https://login.example.com/oauth2/token",
)
def _flow_url(c: Change, env: Env) -> Hit:
    field = str(ctx(c, "field")).replace("_", " ")
    message = (
        f"security scheme {_scheme(c)} {ctx(c, 'flow')} flow {field} {fmt(c.old)} -> {fmt(c.new)}"
    )
    if c.old is None:
        return Hit(message, severity="safe", breaks=())
    security = "weakens" if plain_http(c.new) else None
    return Hit(message, security=security)


@rule(
    "scheme.flow-scope-removed",
    title="Scope removed from an OAuth flow",
    topics="scheme.flow.scope",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""Callers requesting the scope get invalid_scope, and the operations that needed it
    cannot be called.""",
    citation=SCHEME_CITATION + " (scopes); RFC 6749 §3.3",
    example="scopes: {orders:read, orders:legacy} -> {orders:read}",
)
def _flow_scope_removed(c: Change, env: Env) -> Hit:
    return Hit(f"security scheme {_scheme(c)} {ctx(c, 'flow')} flow no longer offers scope {c.old}")


@rule(
    "scheme.flow-scope-added",
    title="Scope added to an OAuth flow",
    topics="scheme.flow.scope",
    kinds=("added",),
    severity="safe",
    rationale="""A new scope callers may request breaks nobody.""",
    citation=SCHEME_CITATION + " (scopes)",
    example="scopes: {orders:read} -> {orders:read, orders:export}",
)
def _flow_scope_added(c: Change, env: Env) -> Hit:
    return Hit(f"security scheme {_scheme(c)} {ctx(c, 'flow')} flow offers scope {c.new}")
