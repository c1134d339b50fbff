"""Security state rules for what real artefacts describe (format v1.1): registered clients,
authorization server settings, published endpoints and algorithms, upstream providers.

Also :func:`applicable`: which contract-level rules say something true about an artefact. An
authorization server's configuration (discovery metadata, a Keycloak realm, a Dex config) is
the *issuer's* side: the verifier-side checks (an algorithm allow-list, a required audience,
typ, required claims) concern each relying party's own configuration, which the artefact does
not hold, so they do not run on it. Where an artefact cannot state a fact (discovery metadata
never says whether PKCE is enforced) the finding stays, at low severity, worded as undecided.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from workbench.contract.model import Contract
from workbench.contract.paths import join
from workbench.security.context import StateContext, plain_http
from workbench.security.model import Hit
from workbench.security.rules._base import rule

ISSUER_CONFIGS = frozenset({"oidc-discovery", "rfc8414", "keycloak-realm", "dex-config"})
METADATA = frozenset({"oidc-discovery", "rfc8414"})
VERIFIER_SIDE = frozenset(
    {
        "jwt.no-algorithm-allowlist",
        "jwt.audience-not-required",
        "jwt.access-token-type",
        "jwt.required-claims",
    }
)


def artefact_kind(contract: Contract) -> str | None:
    artefact = contract.data.get("artefact")
    return artefact.get("kind") if isinstance(artefact, dict) else None


def applicable(rule_id: str, contract: Contract, hit: Hit) -> Hit | None:
    """The hit as it holds for this contract's artefact kind (``None`` when the rule's claim is
    about something the artefact does not describe)."""
    kind = artefact_kind(contract)
    if kind is None:
        return hit
    if kind in ISSUER_CONFIGS and rule_id in VERIFIER_SIDE:
        return None
    if (
        kind == "keycloak-realm"
        and rule_id == "oauth.refresh-token-expiry"
        and hit.path.startswith("tokens.refresh_token")
    ):
        return None  # Keycloak refresh tokens end with the SSO session (sessions.* rules)
    if kind in METADATA and rule_id == "oauth.pkce-not-required":
        pkce = contract.section("pkce")
        if "required" not in pkce and pkce.get("methods"):
            return hit.replace(
                key="undecided",
                severity="low",
                message="the metadata lists PKCE methods but cannot say whether PKCE is "
                "required (undecided): check that the server enforces it",
            )
    return hit


# --- registered clients ----------------------------------------------------------------------------


def _clients(ctx: StateContext) -> Iterator[tuple[int, dict]]:
    for i, client in enumerate(ctx.contract.section("clients")):
        if (
            isinstance(client, dict)
            and client.get("enabled", True) is not False
            and client.get("bearer_only") is not True  # verifies tokens, never obtains one
        ):
            yield i, client


def _client_path(client: dict, *rest: str) -> str:
    path = join("clients", str(client.get("id")), select=True)
    for part in rest:
        path = join(path, part)
    return path


def _grant_hit(ctx: StateContext, grant: str, message: str) -> Iterator[Hit]:
    for i, client in _clients(ctx):
        grants = client.get("grants") or []
        if grant in grants:
            yield Hit(
                join(_client_path(client, "grants"), grant, select=True),
                ("clients", i, "grants", grants.index(grant)),
                message.format(client=client.get("id")),
                key=str(client.get("id")),
            )


@rule(
    "oauth.client-implicit",
    weakened_by=("client.insecure-flow-enabled",),
    severity="high",
    title="Client registered for the implicit grant",
    rationale="""The implicit grant returns tokens in the redirect URI fragment, where they leak
    through history, referrers and injected scripts, and cannot be sender-constrained.""",
    fix="Turn the implicit flow off for the client; use the authorization code flow with PKCE.",
    citation="RFC 9700 §2.1.2",
)
def client_implicit(ctx: StateContext) -> Iterator[Hit]:
    yield from _grant_hit(ctx, "implicit", "client {client} may use the implicit grant")


@rule(
    "oauth.client-password",
    weakened_by=("client.insecure-flow-enabled",),
    severity="critical",
    title="Client registered for the password grant",
    rationale="""The resource owner password credentials grant hands the user's password to the
    client, rules out MFA and phishing-resistant sign-in, and RFC 9700 says it MUST NOT be used.
    (Keycloak's own admin-cli client has it by default.)""",
    fix="Turn direct access grants off for the client; use the authorization code or device flow.",
    citation="RFC 9700 §2.4",
)
def client_password(ctx: StateContext) -> Iterator[Hit]:
    yield from _grant_hit(ctx, "password", "client {client} may use the password grant")


@rule(
    "oauth.client-pkce",
    severity="high",
    title="Client uses the authorization code grant without required PKCE",
    rationale="""Without PKCE an intercepted or injected authorization code can be redeemed by
    the attacker. Public clients (native and browser apps) have nothing else protecting the
    code; confidential clients have their secret, hence medium for them.""",
    fix="Require PKCE with S256 for the client (Keycloak: pkce.code.challenge.method S256).",
    citation="RFC 9700 §2.1.1; RFC 7636 §4.4.1; RFC 8252 §8.1",
    severity_note="medium for confidential clients",
)
def client_pkce(ctx: StateContext) -> Iterator[Hit]:
    for i, client in _clients(ctx):
        if "authorization_code" not in (client.get("grants") or []):
            continue
        pkce = client.get("pkce") if isinstance(client.get("pkce"), dict) else {}
        if pkce.get("required") is True:
            continue
        raw = ("clients", i, "pkce") if pkce else ("clients", i)
        public = client.get("public") is True
        yield Hit(
            _client_path(client, "pkce", "required"),
            raw,
            f"client {client.get('id')} ({'public' if public else 'confidential'}) uses the "
            "authorization code grant without required PKCE",
            key=str(client.get("id")),
            severity=None if public else "medium",
        )


@rule(
    "oauth.client-pkce-plain",
    weakened_by=("client.pkce-plain-allowed",),
    severity="high",
    title="Client required to use PKCE plain",
    rationale="""With plain the code challenge is the verifier itself, so anyone who sees the
    authorization request can redeem the code.""",
    fix="Require S256 instead of plain.",
    citation="RFC 9700 §2.1.1; RFC 7636 §7.2",
)
def client_pkce_plain(ctx: StateContext) -> Iterator[Hit]:
    for i, client in _clients(ctx):
        pkce = client.get("pkce") if isinstance(client.get("pkce"), dict) else {}
        if pkce.get("required") is True and "plain" in (pkce.get("methods") or []):
            yield Hit(
                _client_path(client, "pkce", "methods"),
                ("clients", i, "pkce"),
                f"client {client.get('id')} must use PKCE plain: the challenge reveals the "
                "verifier",
                key=str(client.get("id")),
            )


def _uri_hits(ctx: StateContext, test, message: str) -> Iterator[Hit]:
    for i, client in _clients(ctx):
        for field in ("redirect_uris", "post_logout_redirect_uris"):
            for j, uri in enumerate(client.get(field) or []):
                if isinstance(uri, str) and test(uri):
                    yield Hit(
                        join(_client_path(client, field), uri, select=True),
                        ("clients", i, field, j),
                        message.format(client=client.get("id"), uri=uri),
                        key=f"{client.get('id')} {uri}",
                    )


@rule(
    "oauth.client-redirect-wildcard",
    weakened_by=("client.redirect-uri-insecure-added",),
    severity="high",
    title="Client redirect URI with a wildcard",
    rationale="""Pattern matching of redirect URIs has repeatedly let attackers receive codes and
    tokens (open redirectors on a matched path, subdomain takeover); authorization servers must
    compare exact strings.""",
    fix="Register every redirect URI in full instead of a pattern.",
    citation="RFC 9700 §2.1, §4.1.3",
)
def client_redirect_wildcard(ctx: StateContext) -> Iterator[Hit]:
    yield from _uri_hits(
        ctx, lambda uri: "*" in uri, "client {client} redirect URI {uri!r} contains a wildcard"
    )


@rule(
    "oauth.client-redirect-http",
    weakened_by=("client.redirect-uri-insecure-added",),
    severity="high",
    title="Client redirect URI over plain http",
    rationale="""Authorization responses over plain http expose codes and tokens on the network;
    only native apps' loopback redirects may use http.""",
    fix="Use https redirect URIs; native apps may use http://127.0.0.1 or http://[::1].",
    citation="RFC 9700 §2.6; RFC 8252 §7.3",
)
def client_redirect_http(ctx: StateContext) -> Iterator[Hit]:
    yield from _uri_hits(
        ctx,
        lambda uri: plain_http(uri.replace("*", "x")),
        "client {client} redirect URI {uri!r} uses plain http to a non-loopback host",
    )


@rule(
    "oauth.client-web-origin-wildcard",
    severity="medium",
    title="Client allows every web origin",
    rationale="""Web origin * lets any web page call the token and userinfo endpoints from the
    browser with this client's tokens in reach (CORS is the browser's only barrier).""",
    fix="List the origins of the client's own pages instead of *.",
    citation="OWASP ASVS 5.0 (CORS: allowed origins from an allow-list); OAuth 2.0 for "
    "Browser-Based Applications (draft-ietf-oauth-browser-based-apps)",
)
def client_web_origin(ctx: StateContext) -> Iterator[Hit]:
    for i, client in _clients(ctx):
        origins = client.get("web_origins") or []
        if "*" in origins:
            yield Hit(
                join(_client_path(client, "web_origins"), "*", select=True),
                ("clients", i, "web_origins", origins.index("*")),
                f"client {client.get('id')} accepts requests from every web origin",
                key=str(client.get("id")),
            )


@rule(
    "oauth.client-refresh-unprotected",
    severity="high",
    title="Public client gets refresh tokens that are neither rotated nor sender-constrained",
    rationale="""A public client cannot keep a secret, so a stolen refresh token works for the
    thief until it expires, unless each use rotates it (reuse is then detected) or it is bound
    to the client's key.""",
    fix="Turn refresh token rotation on (Keycloak: revoke refresh token), or bind the client's "
    "tokens with DPoP or mTLS.",
    citation="RFC 9700 §2.2.2, §4.14.2",
)
def client_refresh(ctx: StateContext) -> Iterator[Hit]:
    refresh = (ctx.contract.section("tokens") or {}).get("refresh_token")
    rotated = isinstance(refresh, dict) and refresh.get("rotation") is True
    if rotated:
        return
    for i, client in _clients(ctx):
        if not client.get("public") or "refresh_token" not in (client.get("grants") or []):
            continue
        access = ((client.get("tokens") or {}).get("access_token")) or {}
        if access.get("sender_constraint") in ("dpop", "mtls"):
            continue
        yield Hit(
            _client_path(client, "grants"),
            ("clients", i, "grants"),
            f"public client {client.get('id')} gets refresh tokens that are not rotated",
            key=str(client.get("id")),
        )


# --- server settings ---------------------------------------------------------------------------


@rule(
    "transport.ssl-not-required",
    severity="high",
    title="TLS not required",
    rationale="""With TLS off even for external requests, passwords, codes and tokens can travel
    in clear text.""",
    fix="Require TLS for external requests at least (Keycloak: sslRequired external or all).",
    citation="RFC 6749 §3.1, §10.9; RFC 9700 §2.6",
)
def ssl_required(ctx: StateContext) -> Iterator[Hit]:
    server = ctx.contract.section("server")
    if server.get("ssl_required") == "none":
        yield Hit("server.ssl_required", ("server", "ssl_required"), "TLS is not required")


@rule(
    "oauth.brute-force-unprotected",
    severity="medium",
    title="Password sign-in without brute-force protection",
    rationale="""Without throttling of failed sign-ins, online password guessing is unlimited.""",
    fix="Turn brute-force detection on (Keycloak: bruteForceProtected).",
    citation="NIST SP 800-63B-4 §3.2.2",
)
def brute_force(ctx: StateContext) -> Iterator[Hit]:
    server = ctx.contract.section("server")
    if server.get("brute_force_protection") is False:
        yield Hit(
            "server.brute_force_protection",
            ("server", "brute_force_protection"),
            "failed sign-ins are not throttled",
        )


# --- what the server publishes -------------------------------------------------------------------


def _idps(ctx: StateContext) -> Iterator[tuple[int, dict]]:
    for i, idp in enumerate(ctx.contract.section("identity_providers")):
        if isinstance(idp, dict):
            yield i, idp


@rule(
    "transport.endpoint-http",
    severity="high",
    title="Endpoint published over plain http",
    rationale="""Clients send credentials, codes and tokens to these endpoints; over plain http
    anyone on the path reads and replays them.""",
    fix="Publish every endpoint as an https URL (loopback excepted).",
    citation="RFC 6749 §3.1, §3.2; RFC 8414 §2",
)
def endpoint_http(ctx: StateContext) -> Iterator[Hit]:
    for i, idp in _idps(ctx):
        for field in ("endpoints", "mtls_endpoints"):
            for name, url in (idp.get(field) or {}).items():
                if plain_http(url):
                    path = join(
                        join(join("identity_providers", str(idp.get("id")), select=True), field),
                        name,
                    )
                    yield Hit(
                        path,
                        ("identity_providers", i, field, name),
                        f"{name} endpoint {url} uses plain http",
                        key=f"{field} {name}",
                    )


@rule(
    "jwt.metadata-alg-none",
    weakened_by=("idp.alg-weak-added",),
    severity="high",
    title="Unsigned objects accepted or issued ('none' advertised)",
    rationale="""An authorization server that advertises none for ID tokens, request objects or
    client assertions accepts or issues objects anyone can forge; OpenID Connect allows unsigned
    ID tokens only from the token endpoint, and relying parties must still refuse them.""",
    fix="Remove none from every *_signing_alg_values_supported list.",
    citation="RFC 8725 §3.1, §3.2; OpenID Connect Core 1.0 §6.1",
)
def metadata_none(ctx: StateContext) -> Iterator[Hit]:
    for i, idp in _idps(ctx):
        for family, algs in (idp.get("algorithms") or {}).items():
            if "signing" not in str(family) or not isinstance(algs, list):
                continue
            for j, alg in enumerate(algs):
                if str(alg).lower() == "none":
                    base = join(
                        join(
                            join("identity_providers", str(idp.get("id")), select=True),
                            "algorithms",
                        ),
                        family,
                    )
                    yield Hit(
                        join(base, "none", select=True),
                        ("identity_providers", i, "algorithms", family, j),
                        f"{family.replace('_', ' ')} advertises alg none",
                        key=str(family),
                    )


# --- upstream providers ----------------------------------------------------------------------------

INSECURE_UPSTREAM: dict[str, tuple[Any, str, str]] = {
    "insecureSkipVerify": (True, "high", "TLS certificates of the upstream are not verified"),
    "insecureNoSSL": (True, "high", "the upstream directory is reached without TLS"),
    "insecureSkipEmailVerified": (
        True,
        "medium",
        "upstream e-mail addresses count as verified without proof",
    ),
    "validateSignature": (
        False,
        "critical",
        "upstream tokens are accepted without checking their signature",
    ),
}


@rule(
    "transport.upstream-insecure",
    weakened_by=("upstream.insecure-setting",),
    severity="high",
    title="Upstream identity provider reached or trusted insecurely",
    rationale="""Sign-in through an upstream provider is only as strong as the link to it: an
    unverified TLS certificate or no TLS lets a network attacker answer for it, and an unchecked
    token signature lets anyone forge an upstream identity.""",
    fix="Verify the upstream's TLS certificate, use TLS, and validate its token signatures.",
    citation="RFC 8725 §3.1; RFC 6125 §6; OpenID Connect Core 1.0 §3.1.3.7",
    severity_note="critical when signatures are not validated, medium for unverified e-mail",
)
def upstream_insecure(ctx: StateContext) -> Iterator[Hit]:
    for i, up in enumerate(ctx.contract.section("upstream_providers")):
        if not isinstance(up, dict) or up.get("enabled", True) is False:
            continue
        for name, value in (up.get("settings") or {}).items():
            last = str(name).rsplit(".", 1)[-1]
            if last not in INSECURE_UPSTREAM:
                continue
            bad, severity, message = INSECURE_UPSTREAM[last]
            actual = value if isinstance(value, bool) else str(value).lower() == "true"
            if actual == bad:
                yield Hit(
                    join(
                        join(
                            join("upstream_providers", str(up.get("id")), select=True), "settings"
                        ),
                        name,
                    ),
                    ("upstream_providers", i, "settings", name),
                    f"{up.get('id')}: {message}",
                    key=f"{up.get('id')} {name}",
                    severity=severity,
                )
