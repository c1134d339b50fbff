"""OAuth 2.0 rules: grants, PKCE, redirect URIs, refresh tokens, client authentication."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from workbench.contract.paths import join
from workbench.contract.units import format_duration
from workbench.security.context import (
    StateContext,
    lifetime_of,
    plain_http,
    token_path,
)
from workbench.security.model import Hit
from workbench.security.rules._base import rule

SECRET_METHODS = frozenset({"client_secret_basic", "client_secret_post", "client_secret_jwt"})
KEY_METHODS = frozenset({"private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"})
SENDER_CONSTRAINTS = frozenset({"dpop", "mtls"})


def _grant_hit(ctx: StateContext, grant: str, message: str) -> Iterator[Hit]:
    for i, g in enumerate(ctx.grants()):
        if g == grant:
            yield Hit(join("grants", grant, select=True), ("grants", i), message, key=grant)


@rule(
    "oauth.implicit-grant",
    weakened_by=("grant.insecure-added",),
    severity="high",
    title="Implicit grant offered",
    rationale="""The implicit grant returns access tokens in the redirect URI fragment, where
    they leak through browser history, referrers and injected scripts, and cannot be
    sender-constrained.""",
    fix="Remove 'implicit' from grants; use the authorization code grant with PKCE.",
    citation="RFC 9700 §2.1.2",
)
def implicit_grant(ctx: StateContext) -> Iterator[Hit]:
    yield from _grant_hit(
        ctx, "implicit", "the implicit grant is offered: tokens travel in the URL fragment"
    )


@rule(
    "oauth.password-grant",
    weakened_by=("grant.insecure-added",),
    severity="critical",
    title="Resource owner password credentials grant offered",
    rationale="""The password grant hands the user's password to the client, cannot do MFA or
    phishing-resistant authentication, and trains users to type passwords into apps. RFC 9700
    says it MUST NOT be used.""",
    fix="Remove 'password' from grants; use the authorization code grant (or device_code).",
    citation="RFC 9700 §2.4",
)
def password_grant(ctx: StateContext) -> Iterator[Hit]:
    yield from _grant_hit(
        ctx, "password", "the password grant is offered: clients see users' passwords"
    )


@rule(
    "oauth.pkce-not-required",
    weakened_by=("pkce.required-removed",),
    severity="high",
    title="PKCE not required for the authorization code grant",
    rationale="""Without PKCE an intercepted or injected authorization code can be redeemed by
    the attacker (code interception and injection).""",
    fix="Set pkce.required: true with methods [S256].",
    citation="RFC 9700 §2.1.1",
)
def pkce_required(ctx: StateContext) -> Iterator[Hit]:
    if "authorization_code" not in ctx.grants():
        return
    pkce = ctx.contract.section("pkce")
    if pkce.get("required") is not True:
        raw = ("pkce", "required") if "required" in pkce else ("pkce",) if pkce else ("grants",)
        yield Hit(
            "pkce.required",
            raw,
            "the authorization code grant is offered without requiring PKCE",
        )


@rule(
    "oauth.pkce-plain",
    weakened_by=("pkce.plain-added",),
    severity="high",
    title="PKCE method 'plain' allowed",
    rationale="""With 'plain' the code challenge equals the verifier, so anyone who sees the
    authorization request can redeem the code.""",
    fix="Allow only S256 in pkce.methods.",
    citation="RFC 9700 §2.1.1",
)
def pkce_plain(ctx: StateContext) -> Iterator[Hit]:
    for i, method in enumerate(ctx.contract.section("pkce").get("methods") or []):
        if method == "plain":
            yield Hit(
                "pkce.methods[plain]",
                ("pkce", "methods", i),
                "PKCE 'plain' is allowed: the challenge reveals the verifier",
                key="plain",
            )


@rule(
    "oauth.redirect-uri-wildcard",
    weakened_by=("redirect-uri.insecure-added",),
    severity="high",
    title="Redirect URI with a wildcard",
    rationale="""Pattern matching of redirect URIs has repeatedly let attackers send codes and
    tokens to hosts or paths they control; authorization servers must compare exact strings.""",
    fix="Register every redirect URI in full; compare them by exact string match.",
    citation="RFC 9700 §2.1, §4.1.3",
)
def redirect_wildcard(ctx: StateContext) -> Iterator[Hit]:
    for i, uri in enumerate(ctx.contract.section("redirect_uris")):
        if isinstance(uri, str) and "*" in uri:
            yield Hit(
                join("redirect_uris", uri, select=True),
                ("redirect_uris", i),
                f"redirect URI {uri!r} contains a wildcard",
                key=uri,
            )


@rule(
    "oauth.redirect-uri-http",
    weakened_by=("redirect-uri.insecure-added",),
    severity="high",
    title="Redirect URI over plain http",
    rationale="""Authorization responses sent over unencrypted connections expose codes and
    tokens to anyone on the path; only native apps' loopback redirects may use http.""",
    fix="Use https redirect URIs; native apps may use http://127.0.0.1 or http://[::1] loopback.",
    citation="RFC 9700 §2.6; RFC 8252 §7.3",
    threshold=lambda policy: "http is allowed only for localhost, 127.0.0.0/8 and [::1]",
)
def redirect_http(ctx: StateContext) -> Iterator[Hit]:
    for i, uri in enumerate(ctx.contract.section("redirect_uris")):
        if isinstance(uri, str) and plain_http(uri.replace("*", "x")):
            yield Hit(
                join("redirect_uris", uri, select=True),
                ("redirect_uris", i),
                f"redirect URI {uri!r} uses plain http to a non-loopback host",
                key=uri,
            )


@rule(
    "oauth.refresh-token-unprotected",
    weakened_by=("token.rotation-disabled", "token.sender-constraint-removed"),
    severity="high",
    title="Public-client refresh tokens neither rotated nor sender-constrained",
    rationale="""A public client cannot keep a secret, so a stolen refresh token works for the
    thief until it expires, unless each use rotates it (reuse is then detected) or it is bound
    to the client's key (DPoP or mTLS).""",
    fix="Set rotation: true on the refresh token (with a short reuse_grace), or bind it with "
    "sender_constraint: dpop.",
    citation="RFC 9700 §2.2.2, §4.14.2",
    threshold=lambda policy: "applies when client_authentication includes 'none' (public clients)",
)
def refresh_unprotected(ctx: StateContext) -> Iterator[Hit]:
    if "none" not in ctx.client_auth():
        return
    for kind, token in ctx.refresh_tokens():
        if token.get("rotation") is True or token.get("sender_constraint") in SENDER_CONSTRAINTS:
            continue
        raw = ("tokens", kind, "rotation") if "rotation" in token else ("tokens", kind)
        yield Hit(
            token_path(kind, "rotation"),
            raw,
            f"public clients get {kind}s that are neither rotated nor sender-constrained",
        )


@rule(
    "oauth.refresh-token-expiry",
    severity="medium",
    title="Refresh token without idle or absolute expiry",
    rationale="""A refresh token that never expires, or never expires while unused, keeps an
    abandoned or stolen grant alive indefinitely.""",
    fix="Give the refresh token both idle_lifetime and an absolute lifetime.",
    citation="RFC 9700 §4.14.2",
    threshold=lambda policy: "both idle_lifetime and lifetime (or absolute_lifetime) set",
)
def refresh_expiry(ctx: StateContext) -> Iterator[Hit]:
    for kind, token in ctx.refresh_tokens():
        missing = []
        if token.get("idle_lifetime") is None:
            missing.append("idle_lifetime")
        if lifetime_of(token) is None:
            missing.append("an absolute lifetime")
        if missing:
            yield Hit(
                token_path(kind, "idle_lifetime" if "idle_lifetime" in missing else "lifetime"),
                ("tokens", kind),
                f"{kind} has no {' and no '.join(missing)}",
            )


@rule(
    "oauth.sender-constraint",
    weakened_by=("token.sender-constraint-removed",),
    severity="medium",
    title="Bearer access tokens at high assurance",
    rationale="""At aal2 and above a stolen bearer token undoes the strong authentication that
    produced it; DPoP or mTLS binding makes a stolen token useless without the client's key.""",
    fix="Set sender_constraint: dpop (or mtls) on the access token, accepting both during the "
    "transition.",
    citation="RFC 9700 §2.2.1; RFC 9449; RFC 8705",
    severity_note="high at aal3",
    threshold=lambda policy: (
        "aal2 and aal3 (the contract's mfa.assurance_level, raised to the "
        "policy's required_assurance_level)"
    ),
)
def sender_constraint(ctx: StateContext) -> Iterator[Hit]:
    level = ctx.level
    if level not in ("aal2", "aal3"):
        return
    for kind, token in ctx.access_tokens():
        if token.get("sender_constraint") in SENDER_CONSTRAINTS:
            continue
        raw = (
            ("tokens", kind, "sender_constraint")
            if "sender_constraint" in token
            else ("tokens", kind)
        )
        yield Hit(
            token_path(kind, "sender_constraint"),
            raw,
            f"{kind} is a bearer token at {level} ({ctx.level_source}): a stolen token is "
            "usable by anyone",
            severity="high" if level == "aal3" else None,
        )


@rule(
    "oauth.shared-secret-only",
    weakened_by=("client-auth.weak-method-added",),
    severity="low",
    title="Only shared-secret client authentication",
    rationale="""Client secrets are shared with the server, copied into configuration and rarely
    rotated; asymmetric methods keep the private key with the client.""",
    fix="Offer private_key_jwt or mTLS (tls_client_auth) alongside, and move clients to it.",
    citation="RFC 9700 §2.5",
)
def shared_secret_only(ctx: StateContext) -> Iterator[Hit]:
    methods = ctx.client_auth()
    if methods and not KEY_METHODS.intersection(methods) and SECRET_METHODS.intersection(methods):
        yield Hit(
            "client_authentication",
            ("client_authentication",),
            f"clients authenticate only with shared secrets ({', '.join(methods)})",
        )


@rule(
    "oauth.code-lifetime",
    weakened_by=("token.lifetime-lengthened",),
    severity="medium",
    title="Authorization code lives too long",
    rationale="""An authorization code is a one-time credential for a redirect that takes
    seconds; a long lifetime widens the window to steal and redeem it.""",
    fix="Set tokens.authorization_code.lifetime to 10 minutes or less (1 minute is common).",
    citation="OWASP ASVS 5.0 §10.4.2; RFC 6749 §4.1.2",
    threshold=lambda policy: (
        "at most "
        f"{format_duration(policy.max_lifetime.get('authorization_code', 600))}"
        f"{policy.origin('max_lifetime')}"
    ),
)
def code_lifetime(ctx: StateContext) -> Iterator[Hit]:
    limit = ctx.policy.max_lifetime.get("authorization_code", 600)
    for kind, token in ctx.tokens():
        if not ctx.is_code(kind):
            continue
        life = lifetime_of(token)
        if life is None:
            yield Hit(
                token_path(kind, "lifetime"),
                ("tokens", kind),
                f"{kind} has no lifetime (limit {format_duration(limit)})",
            )
        elif life > limit:
            yield Hit(
                token_path(kind, "lifetime"),
                ("tokens", kind, "lifetime" if "lifetime" in token else "absolute_lifetime"),
                f"{kind} lives {format_duration(life)}, over the "
                f"{format_duration(limit)} limit{ctx.policy.origin('max_lifetime')}",
            )


def _metadata_urls(issuer: str) -> set[str]:
    """Where metadata for ``issuer`` may live (OIDC Discovery §4; RFC 8414 §3 and §5)."""
    base = issuer.rstrip("/")
    parts = urlsplit(issuer)
    origin = f"{parts.scheme}://{parts.netloc}"
    path = parts.path.rstrip("/")
    return {
        f"{base}/.well-known/openid-configuration",
        f"{base}/.well-known/oauth-authorization-server",
        f"{origin}/.well-known/oauth-authorization-server{path}",
        f"{origin}/.well-known/openid-configuration{path}",
    }


@rule(
    "oauth.issuer-metadata-mismatch",
    severity="high",
    title="Discovery URL does not belong to the issuer",
    rationale="""Clients must check that the metadata they fetched names the issuer they asked
    for; a discovery URL that is not derived from the issuer identifier means tokens and
    metadata come from different authorities (mix-up and impersonation).""",
    fix="Derive discovery_url from the issuer: <issuer>/.well-known/openid-configuration, or "
    "the RFC 8414 form.",
    citation="RFC 8414 §3, §3.3; OpenID Connect Discovery 1.0 §4, §4.3",
)
def issuer_mismatch(ctx: StateContext) -> Iterator[Hit]:
    for i, idp in enumerate(ctx.contract.section("identity_providers")):
        if not isinstance(idp, dict):
            continue
        issuer, discovery = idp.get("issuer"), idp.get("discovery_url")
        if not isinstance(issuer, str) or not isinstance(discovery, str):
            continue
        if discovery.rstrip("/") not in _metadata_urls(issuer):
            name = str(idp.get("id", i))
            yield Hit(
                join(join("identity_providers", name, select=True), "discovery_url"),
                ("identity_providers", i, "discovery_url"),
                f"discovery URL {discovery} is not the metadata location of issuer {issuer}",
                key=discovery,
            )


@rule(
    "transport.plain-http",
    severity="high",
    title="Issuer, discovery or JWKS URL over plain http",
    rationale="""Metadata and keys fetched over http can be replaced in transit: an attacker who
    swaps the JWKS signs tokens every verifier accepts. Issuer identifiers must be https URLs.""",
    fix="Use https for issuer, discovery_url, jwks_uri and metadata_url (loopback excepted).",
    citation="RFC 8414 §2, §3; OpenID Connect Discovery 1.0 §3, §4; RFC 9700 §2.6",
    threshold=lambda policy: "http is allowed only for localhost, 127.0.0.0/8 and [::1]",
)
def plain_http_urls(ctx: StateContext) -> Iterator[Hit]:
    for i, idp in enumerate(ctx.contract.section("identity_providers")):
        if not isinstance(idp, dict):
            continue
        name = str(idp.get("id", i))
        for field in ("issuer", "discovery_url", "jwks_uri", "metadata_url"):
            url = idp.get(field)
            if isinstance(url, str) and plain_http(url):
                yield Hit(
                    join(join("identity_providers", name, select=True), field),
                    ("identity_providers", i, field),
                    f"{name} {field} {url} uses plain http",
                    key=field,
                )
