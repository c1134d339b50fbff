"""JSON Web Token rules: algorithms, key sources, audience, explicit typing, claims."""

from __future__ import annotations

from collections.abc import Iterator

from workbench.contract.paths import join
from workbench.security.context import (
    SYMMETRIC,
    StateContext,
    algorithm_hit,
    is_asymmetric,
    token_algorithms,
    token_path,
)
from workbench.security.model import Hit
from workbench.security.rules._base import rule

ACCESS_CLAIMS = ("iss", "exp", "aud", "sub", "client_id", "iat", "jti")
JWT_CLAIMS = ("iss", "exp", "aud", "sub")
HEADER_KEY_SOURCES = ("jku", "x5u", "jwk")


@rule(
    "jwt.alg-none",
    weakened_by=("token.alg-none-added",),
    severity="critical",
    title="Unsigned tokens ('none') accepted",
    rationale="""A verifier that accepts alg 'none' accepts a token anyone can write: the
    signature is the only thing that binds a token to its issuer.""",
    fix="Remove 'none' from signing_algorithms; accept only the asymmetric algorithms the issuer uses.",
    citation="RFC 8725 §3.1, §3.2; RFC 9068 §2.1",
)
def alg_none(ctx: StateContext) -> Iterator[Hit]:
    for kind, i, alg in ctx.algorithms():
        if alg.lower() == "none":
            yield algorithm_hit(
                kind, i, alg, f"{kind} accepts alg 'none': an unsigned token verifies"
            )


@rule(
    "jwt.no-algorithm-allowlist",
    severity="critical",
    title="No explicit algorithm allow-list",
    rationale="""Without an explicit list the verifier falls back to trusting the 'alg' header of
    the token itself, which is how 'none' and HMAC-with-the-public-key forgeries get in.""",
    fix="List the exact signing_algorithms the verifier accepts for this token.",
    citation="RFC 8725 §3.1",
)
def no_allowlist(ctx: StateContext) -> Iterator[Hit]:
    for kind, token in ctx.jwt_tokens():
        algs = token.get("signing_algorithms")
        if not algs:
            raw = ("tokens", kind, "signing_algorithms") if algs is not None else ("tokens", kind)
            yield Hit(
                token_path(kind, "signing_algorithms"),
                raw,
                f"{kind} is a JWT with no signing_algorithms: the verifier would trust the "
                "token's own 'alg' header",
            )


@rule(
    "jwt.algorithm-confusion",
    weakened_by=("token.alg-hmac-mixed",),
    severity="high",
    title="Symmetric and asymmetric algorithms accepted for one issuer",
    rationale="""When HS* and RS/ES/PS* are both accepted for the same issuer, an attacker can
    MAC a token with the issuer's public key and a verifier that picks the key by 'alg' accepts
    it (algorithm confusion).""",
    fix="""Accept one family per issuer: drop the HS* algorithms (or move HMAC tokens to an issuer
    and key of their own) and bind each key to exactly one algorithm.""",
    citation="RFC 8725 §2.1, §3.1",
)
def algorithm_confusion(ctx: StateContext) -> Iterator[Hit]:
    # group every accepted algorithm by issuer; tokens without issued_by are their own issuer
    groups: dict[str, list[tuple[str, int, str]]] = {}
    for kind, token in ctx.jwt_tokens():
        issuers = token.get("issued_by") or [f"(issuer of {kind})"]
        for issuer in issuers:
            for i, alg in token_algorithms(token):
                groups.setdefault(str(issuer), []).append((kind, i, alg))
    found: dict[tuple[str, int], tuple[str, list[str], list[str]]] = {}
    for issuer, entries in groups.items():
        asym = sorted({f"{alg} ({k})" for k, _, alg in entries if is_asymmetric(alg)})
        if not asym:
            continue
        for kind, i, alg in entries:
            if alg in SYMMETRIC:
                _, issuers, _ = found.setdefault((kind, i), (alg, [], asym))
                issuers.append(issuer)
    for (kind, i), (alg, issuers, asym) in found.items():
        yield algorithm_hit(
            kind,
            i,
            alg,
            f"{alg} on {kind} is accepted alongside {', '.join(asym)} for "
            f"{', '.join(issuers)}: a token MACed with the public key could verify",
        )


@rule(
    "jwt.shared-secret-key",
    severity="medium",
    title="Tokens keyed with a shared secret (HMAC or password-based)",
    rationale="""HS* tokens are MACed with a secret every verifier holds, so every verifier can
    mint tokens, and a human-memorable secret is brute-forced offline from one captured token.
    PBES2 key wrapping is password-based by design.""",
    fix="""Prefer asymmetric signatures (ES256, PS256, EdDSA). Where HMAC stays, use a random key
    at least as long as the hash output (256 bits for HS256) from a CSPRNG, never a password.""",
    citation="RFC 8725 §3.5, §2.1",
    threshold=lambda policy: "any HS* signing algorithm or PBES2-* key management algorithm",
)
def shared_secret(ctx: StateContext) -> Iterator[Hit]:
    for kind, token in ctx.tokens():
        for i, alg in token_algorithms(token):
            if alg in SYMMETRIC:
                yield algorithm_hit(
                    kind,
                    i,
                    alg,
                    f"{kind} is MACed with {alg}: the key is shared with every verifier and must "
                    "be random, at least as long as the hash, never a password",
                )
        for i, alg in token_algorithms(token, "encryption_algorithms"):
            if alg.startswith("PBES2"):
                yield algorithm_hit(
                    kind,
                    i,
                    alg,
                    f"{kind} is encrypted with password-based {alg}: its strength is the "
                    "password's entropy",
                    "encryption_algorithms",
                )


@rule(
    "jwt.rsa1_5",
    weakened_by=("token.enc-alg-added",),
    severity="high",
    title="RSA1_5 key encryption accepted",
    rationale="""RSAES-PKCS1-v1_5 key encryption is open to padding-oracle (Bleichenbacher)
    attacks that recover the content key.""",
    fix="Use RSA-OAEP-256 or ECDH-ES key agreement instead of RSA1_5.",
    citation="RFC 8725 §3.2",
)
def rsa1_5(ctx: StateContext) -> Iterator[Hit]:
    for kind, i, alg in ctx.algorithms("encryption_algorithms"):
        if alg == "RSA1_5":
            yield algorithm_hit(
                kind,
                i,
                alg,
                f"{kind} accepts RSA1_5 key encryption (padding-oracle attacks)",
                "encryption_algorithms",
            )


@rule(
    "jwt.keys-from-headers",
    weakened_by=("key.header-source-added",),
    severity="critical",
    title="Verification keys taken from token headers",
    rationale="""A key named by the token itself ('jku', 'x5u', 'jwk') lets the attacker supply
    the key that verifies their own forgery, and fetching 'jku'/'x5u' URLs is a server-side
    request forgery vector.""",
    fix="""Take keys only from the issuer's configured jwks_uri; if 'kid' selects a key, look it
    up there. Remove jku, x5u and jwk from keys.from_token_headers.""",
    citation="RFC 8725 §3.8, §3.10",
    threshold=lambda policy: (
        "any of jku, x5u, jwk (x5c is allowed when chains are validated "
        "against a pinned trust anchor)"
    ),
)
def keys_from_headers(ctx: StateContext) -> Iterator[Hit]:
    keys = ctx.contract.section("keys")
    headers = keys.get("from_token_headers") if isinstance(keys, dict) else None
    for i, header in enumerate(headers or []):
        if header in HEADER_KEY_SOURCES:
            yield Hit(
                join("keys.from_token_headers", header, select=True),
                ("keys", "from_token_headers", i),
                f"verifiers take keys from the token's '{header}' header: the attacker picks "
                "the key",
                key=str(header),
            )


@rule(
    "jwt.audience-not-required",
    severity="high",
    title="Audience not restricted",
    rationale="""A JWT without a required audience is accepted by every service that trusts the
    issuer, so a token obtained for one API can be replayed against another.""",
    fix="List the audience values verifiers require in tokens.<kind>.audience and require 'aud'.",
    citation="RFC 8725 §3.9; RFC 9068 §4",
)
def audience(ctx: StateContext) -> Iterator[Hit]:
    for kind, token in ctx.jwt_tokens():
        if ctx.is_refresh(kind) or ctx.is_code(kind):
            continue
        if not token.get("audience"):
            raw = ("tokens", kind, "audience") if "audience" in token else ("tokens", kind)
            yield Hit(
                token_path(kind, "audience"),
                raw,
                f"{kind} names no audience: any service trusting the issuer accepts it",
            )


@rule(
    "jwt.access-token-type",
    weakened_by=("token.type-dropped",),
    severity="medium",
    title="Access token without explicit type (typ at+jwt)",
    rationale="""Without an explicit 'typ' a verifier cannot tell an access token from an ID
    token or another JWT signed by the same issuer, and accepts one in place of the other.""",
    fix="Set tokens.<kind>.type: at+jwt and have verifiers reject any other 'typ'.",
    citation="RFC 9068 §2.1, §4; RFC 8725 §3.11, §3.12",
    threshold=lambda policy: "JWT access tokens must declare type at+jwt (or application/at+jwt)",
)
def access_token_type(ctx: StateContext) -> Iterator[Hit]:
    for kind, token in ctx.access_tokens():
        if token.get("format") != "jwt":
            continue
        typ = token.get("type")
        if not typ:
            yield Hit(
                token_path(kind, "type"),
                ("tokens", kind),
                f"{kind} is a JWT access token with no explicit type",
            )
        elif str(typ).lower() not in ("at+jwt", "application/at+jwt"):
            yield Hit(
                token_path(kind, "type"),
                ("tokens", kind, "type"),
                f"{kind} declares type {typ!r}; JWT access tokens use at+jwt",
                key=str(typ),
            )


@rule(
    "jwt.required-claims",
    weakened_by=("token.required-claim-removed",),
    severity="medium",
    title="Token profile misses required claims",
    rationale="""Verifiers can only check what the profile requires: without iss, exp, aud and
    sub a token is not bound to its issuer, lifetime, audience and subject; JWT access tokens
    also carry client_id, iat and jti.""",
    fix="Add the missing names to tokens.<kind>.required_claims.",
    citation="RFC 9068 §2.2; RFC 8725 §3.8, §3.9",
    threshold=lambda policy: (
        f"access tokens: {', '.join(ACCESS_CLAIMS)}; other JWTs: {', '.join(JWT_CLAIMS)}"
    ),
)
def required_claims(ctx: StateContext) -> Iterator[Hit]:
    for kind, token in ctx.jwt_tokens():
        if ctx.is_refresh(kind) or ctx.is_code(kind):
            continue
        needed = ACCESS_CLAIMS if ctx.is_access(kind) else JWT_CLAIMS
        have = {str(c) for c in token.get("required_claims") or []}
        missing = [c for c in needed if c not in have]
        if missing:
            raw = (
                ("tokens", kind, "required_claims")
                if "required_claims" in token
                else (
                    "tokens",
                    kind,
                )
            )
            yield Hit(
                token_path(kind, "required_claims"),
                raw,
                f"{kind} does not require {', '.join(missing)}",
            )
