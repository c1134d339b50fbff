"""Rules about tokens (every property of a token kind) and signing keys."""

from __future__ import annotations

from typing import Any

from workbench.engine.model import Change
from workbench.engine.rules.base import (
    Env,
    Hit,
    ctx,
    duration,
    fmt,
    rule,
    security_claim,
    shortened,
)

HMAC = {"HS256", "HS384", "HS512"}
WEAK_ALGS = {"none": "RFC 8725 3.1-3.2", "RS1": "NIST SP 800-131A Rev. 2 (SHA-1)"}
WEAK_ENC = {"RSA1_5"}
EC_ORDER = ["P-192", "P-224", "P-256", "secp256k1", "P-384", "P-521"]
EDWARDS = {"Ed25519", "Ed448"}
KEY_HEADERS = {
    "jku": "RFC 8725 §3.10",
    "x5u": "RFC 8725 §3.10",
    "jwk": "RFC 8725 §3.8",
    "x5c": "RFC 8725 §3.8",
}


def _token(c: Change) -> str:
    return str(ctx(c, "owner", "token"))


def _asymmetric(alg: str) -> bool:
    return alg not in HMAC and alg != "none"


def overlap_window(env: Env, kind: str | None = None) -> int | None:
    """Longest token lifetime + JWKS cache + clock skew: how long an old algorithm or key must
    stay accepted after issuers stop using it (expand, then contract)."""
    norm = env.new_norm() or env.old_norm()
    tokens = norm.get("tokens") or {}
    lifetimes = []
    skew = 0
    for name, token in tokens.items():
        if not isinstance(token, dict) or (kind is not None and name != kind):
            continue
        life = token.get("absolute_lifetime", token.get("lifetime"))
        if isinstance(life, int):
            lifetimes.append(life)
        if isinstance(token.get("clock_skew"), int):
            skew = max(skew, token["clock_skew"])
    if not lifetimes:
        return None
    cache = (norm.get("keys") or {}).get("jwks_cache")
    return max(lifetimes) + (cache if isinstance(cache, int) else 0) + skew


# --- the token kinds themselves -------------------------------------------------------------------


@rule(
    "token.added",
    title="Token kind added",
    topics="token.added",
    severity="safe",
    rationale="""A new token kind is an addition: nobody relies on it yet.""",
    citation="RFC 9068 §2",
    example="tokens: {access_token} -> tokens: {access_token, id_token}",
)
def _token_added(c: Change, env: Env) -> Hit:
    return Hit(f"token {_token(c)} added")


@rule(
    "token.removed",
    title="Token kind removed",
    topics="token.removed",
    severity="breaking",
    breaks=("clients", "relying_parties"),
    rationale="""Clients that request the token and verifiers that accept it both lose it.""",
    citation="RFC 9068 §2",
    example="tokens: {access_token, legacy_token} -> tokens: {access_token}",
)
def _token_removed(c: Change, env: Env) -> Hit:
    return Hit(f"token {_token(c)} removed")


@rule(
    "token.format-changed",
    title="Token format changed",
    topics="token.format",
    severity="breaking",
    breaks=("relying_parties", "clients"),
    rationale="""Verifiers parse JWTs locally but introspect opaque tokens; switching the format
    breaks every verifier and every client that reads the token.""",
    citation="RFC 9068 §2; RFC 7662 §2",
    example="format: opaque -> format: jwt",
)
def _format(c: Change, env: Env) -> Hit:
    return Hit(f"{_token(c)} format {fmt(c.old)} -> {fmt(c.new)}")


@rule(
    "token.type-required",
    title="Explicit token type (typ) now required",
    topics="token.type",
    kinds=("added",),
    severity="breaking",
    security="strengthens",
    breaks=("issuer",),
    rationale="""Verifiers that start requiring a typ header (at+jwt) reject tokens from issuers that
    do not set it yet, including tokens already issued. Explicit typing prevents token
    confusion: have the issuer set it first.""",
    citation="RFC 8725 §3.11-3.12; RFC 9068 §2.1",
    example="(no type) -> type: at+jwt",
)
def _type_required(c: Change, env: Env) -> Hit:
    return Hit(f"{_token(c)} must now carry typ {c.new}")


@rule(
    "token.type-dropped",
    title="Token type (typ) no longer checked",
    topics="token.type",
    kinds=("removed",),
    severity="safe",
    security="weakens",
    rationale="""Nobody breaks, but without an explicit typ a verifier may accept an ID token or
    another JWT where an access token is expected.""",
    citation="RFC 8725 §3.11-3.12; RFC 9068 §2.1",
    example="type: at+jwt -> (no type)",
)
def _type_dropped(c: Change, env: Env) -> Hit:
    return Hit(f"{_token(c)} typ {c.old} no longer required")


@rule(
    "token.type-changed",
    title="Token type (typ) changed",
    topics="token.type",
    kinds=("changed",),
    severity="breaking",
    breaks=("issuer", "relying_parties"),
    rationale="""Verifiers compare typ exactly; a new value rejects every token issued with the old
    one.""",
    citation="RFC 8725 §3.11; RFC 9068 §2.1",
    example="type: JWT -> type: at+jwt",
)
def _type_changed(c: Change, env: Env) -> Hit:
    return Hit(f"{_token(c)} typ {c.old} -> {c.new}")


# --- issuers of a token ---------------------------------------------------------------------------


@rule(
    "token.issuer-added",
    title="Token accepted from another identity provider",
    topics="token.issued_by",
    kinds=("added",),
    severity="risky",
    breaks=("relying_parties",),
    rationale="""Verifiers must now trust a second issuer (its iss value and keys); those that
    compare iss against one configured value reject the new provider's tokens.""",
    citation="RFC 9068 §4; RFC 8414 §3.3",
    example="issued_by: [corp-idp] -> issued_by: [corp-idp, partner-idp]",
)
def _issuer_added(c: Change, env: Env) -> Hit:
    return Hit(f"{_token(c)} may now be issued by {c.new}")


@rule(
    "token.issuer-removed",
    title="Identity provider no longer issues a token",
    topics="token.issued_by",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients",),
    rationale="""Tokens from the removed provider are rejected: clients that obtain them from it
    fail.""",
    citation="RFC 9068 §4",
    example="issued_by: [corp-idp, legacy-idp] -> issued_by: [corp-idp]",
)
def _issuer_removed(c: Change, env: Env) -> Hit:
    return Hit(f"{_token(c)} no longer accepted from {c.old}")


# --- signing and encryption algorithms ----------------------------------------------------------


@rule(
    "token.alg-none-added",
    title="Unsigned tokens (alg none) accepted",
    topics="token.signing_algorithms",
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""Accepting alg none lets anyone mint a token: it is compatible with every client
    and the worst possible security regression. Never accept it.""",
    citation="RFC 8725 §3.1-3.2; RFC 9068 §2.1",
    example="signing_algorithms: [RS256] -> [RS256, none]",
)
def _alg_none(c: Change, env: Env) -> Hit | None:
    if c.new != "none":
        return None
    return Hit(f"{_token(c)} accepts unsigned tokens (alg none): anyone can forge one")


@rule(
    "token.alg-hmac-mixed",
    title="Symmetric and asymmetric algorithms accepted together",
    topics="token.signing_algorithms",
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""A verifier accepting HS* next to RS*/ES*/PS* for one issuer can be tricked into
    verifying an HMAC with the public key as the secret (algorithm confusion).""",
    citation="RFC 8725 §2.1, §3.1",
    example="signing_algorithms: [RS256] -> [RS256, HS256]",
)
def _alg_mixed(c: Change, env: Env) -> Hit | None:
    added = str(c.new)
    old = [str(a) for a in ctx(c, "old_set", [])]
    if added in HMAC and any(_asymmetric(a) for a in old):
        return Hit(
            f"{_token(c)} accepts {added} next to {', '.join(a for a in old if _asymmetric(a))}"
        )
    if _asymmetric(added) and any(a in HMAC for a in old):
        return Hit(f"{_token(c)} accepts {added} next to {', '.join(a for a in old if a in HMAC)}")
    return None


@rule(
    "token.alg-weak-added",
    title="Deprecated signing algorithm accepted",
    topics="token.signing_algorithms",
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""SHA-1 based signatures (RS1) are disallowed for digital signatures; accepting them
    lets forged tokens through as collisions get cheaper.""",
    citation="NIST SP 800-131A Rev. 2",
    example="signing_algorithms: [RS256] -> [RS256, RS1]",
)
def _alg_weak(c: Change, env: Env) -> Hit | None:
    if c.new not in WEAK_ALGS:
        return None
    return Hit(f"{_token(c)} accepts {c.new} ({WEAK_ALGS[c.new]})")


@rule(
    "token.alg-added",
    title="Signing algorithm added to the accepted set",
    topics="token.signing_algorithms",
    kinds=("added",),
    severity="safe",
    rationale="""Accepting one more algorithm is the expand step of an algorithm migration: existing
    tokens keep verifying. Verifiers must implement the new algorithm before issuers use it.""",
    citation="RFC 8725 §3.1; compatibility: expand, then contract",
    example="signing_algorithms: [RS256] -> [RS256, ES256]",
)
def _alg_added(c: Change, env: Env) -> Hit:
    old = [a for a in ctx(c, "old_set", [])]
    new = set(ctx(c, "new_set", []))
    note = None
    if old and set(old) <= new:
        window = overlap_window(env, _token(c))
        after = f" and at least {duration(window)} have passed" if window else ""
        note = (
            f"expand step: {', '.join(map(str, old))} still accepted; remove it only once "
            f"issuers sign with {c.new}{after} (longest token lifetime + JWKS cache + clock skew)"
        )
    return Hit(f"{_token(c)} also accepts {c.new}", note=note)


@rule(
    "token.alg-removed",
    title="Signing algorithm removed from the accepted set",
    topics="token.signing_algorithms",
    kinds=("removed",),
    severity="breaking",
    breaks=("issuer", "clients"),
    rationale="""Tokens signed with the removed algorithm are rejected, including tokens already
    issued and still valid. Remove an algorithm only after issuers stopped using it and the
    longest token lifetime plus JWKS cache time and clock skew has passed.""",
    citation="RFC 8725 §3.1; OpenID Connect Core 1.0 §10.1.1",
    example="signing_algorithms: [RS256, ES256] -> [ES256]",
)
def _alg_removed(c: Change, env: Env) -> Hit:
    old, new = set(ctx(c, "old_set", [])), set(ctx(c, "new_set", []))
    security = "strengthens" if c.old in WEAK_ALGS or c.old in HMAC else None
    window = overlap_window(env, _token(c))
    wait = f" (at least {duration(window)})" if window else ""
    if new - old:
        note = (
            f"replaced by {', '.join(sorted(map(str, new - old)))} in one step: there is no "
            f"window in which both are accepted; accept both first, remove {c.old} later{wait}"
        )
    elif not new:
        note = "no signing algorithm is accepted any more"
    else:
        note = f"contract step: make sure no token signed with {c.old} is still valid{wait}"
    return Hit(f"{_token(c)} no longer accepts {c.old}", security=security, note=note)


@rule(
    "token.enc-alg-added",
    title="Encryption algorithm added",
    topics="token.encryption_algorithms",
    kinds=("added",),
    severity="safe",
    rationale="""Accepting another key-management or content-encryption algorithm breaks nobody;
    RSA1_5 is the exception for security (padding-oracle attacks).""",
    citation="RFC 8725 §3.2",
    example="encryption_algorithms: [RSA-OAEP-256] -> [RSA-OAEP-256, ECDH-ES]",
)
def _enc_added(c: Change, env: Env) -> Hit:
    security = "weakens" if c.new in WEAK_ENC else None
    return Hit(f"{_token(c)} accepts encryption algorithm {c.new}", security=security)


@rule(
    "token.enc-alg-removed",
    title="Encryption algorithm removed",
    topics="token.encryption_algorithms",
    kinds=("removed",),
    severity="breaking",
    breaks=("issuer",),
    rationale="""Issuers still encrypting with the removed algorithm produce tokens the recipient
    refuses to decrypt.""",
    citation="RFC 8725 §3.2",
    example="encryption_algorithms: [RSA1_5, RSA-OAEP-256] -> [RSA-OAEP-256]",
)
def _enc_removed(c: Change, env: Env) -> Hit:
    security = "strengthens" if c.old in WEAK_ENC else None
    return Hit(f"{_token(c)} no longer accepts encryption algorithm {c.old}", security=security)


# --- audience and claims --------------------------------------------------------------------------


@rule(
    "token.audience-added",
    title="Audience added",
    topics="token.audience",
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""Existing verifiers keep accepting their tokens, but a token now valid at more
    resource servers is worth more to a thief, and a server that does not check aud strictly
    may accept tokens meant for another.""",
    citation="RFC 8725 §3.9; RFC 9068 §4",
    example="audience: [https://api/payments] -> [https://api/payments, https://api/ledger]",
)
def _aud_added(c: Change, env: Env) -> Hit:
    return Hit(f"{_token(c)} audience now includes {c.new}")


@rule(
    "token.audience-removed",
    title="Audience removed",
    topics="token.audience",
    kinds=("removed",),
    severity="breaking",
    breaks=("relying_parties", "clients"),
    rationale="""The resource server whose audience was removed rejects new tokens (aud mismatch);
    clients calling it fail. Have the resource server accept the new audience first.""",
    citation="RFC 8725 §3.9; RFC 9068 §4",
    example="audience: [https://api/payments, https://api/ledger] -> [https://api/payments]",
)
def _aud_removed(c: Change, env: Env) -> Hit:
    return Hit(f"{_token(c)} audience no longer includes {c.old}")


@rule(
    "token.required-claim-added",
    title="Claim newly required",
    topics="token.required_claims",
    kinds=("added",),
    severity="breaking",
    breaks=("issuer",),
    rationale="""Verifiers that require a new claim reject tokens from issuers that do not emit it
    yet, including tokens already issued. Have the issuer add the claim first.""",
    citation="RFC 9068 §2.2",
    example="required_claims: [iss, sub] -> [iss, sub, jti]",
)
def _claim_added(c: Change, env: Env) -> Hit:
    security = "strengthens" if security_claim(c.new) else None
    return Hit(f"{_token(c)} must now carry claim {c.new}", security=security)


@rule(
    "token.required-claim-removed",
    title="Claim no longer required",
    topics="token.required_claims",
    kinds=("removed",),
    severity="risky",
    breaks=("relying_parties",),
    rationale="""Issuers may stop emitting the claim; verifiers and applications that read it
    break. Dropping a claim verifiers use for trust (aud, exp, iss, jti, ...) weakens
    security.""",
    citation="RFC 9068 §2.2; RFC 8725 §3.9",
    example="required_claims: [iss, sub, jti] -> [iss, sub]",
)
def _claim_removed(c: Change, env: Env) -> Hit:
    security = "weakens" if security_claim(c.old) else None
    return Hit(f"{_token(c)} no longer required to carry claim {c.old}", security=security)


# --- lifetimes ------------------------------------------------------------------------------------


def _lifetime_pair(
    topic: str, key: str, label: str, citation: str, example: tuple[str, str]
) -> None:
    @rule(
        f"token.{key}-shortened",
        title=f"Token {label} shortened",
        topics=topic,
        severity="risky",
        security="strengthens",
        breaks=("clients",),
        rationale=f"""A shorter {label} limits what a stolen token is worth, but clients that cache
        tokens, hard-code their lifetime or run jobs longer than it start failing with expired
        tokens.""",
        citation=citation,
        example=example[0],
    )
    def _shorter(c: Change, env: Env) -> Hit | None:
        if not shortened(c):
            return None
        return Hit(f"{_token(c)} {label} {duration(c.old)} -> {duration(c.new)}")

    @rule(
        f"token.{key}-lengthened",
        title=f"Token {label} lengthened",
        topics=topic,
        severity="safe",
        security="weakens",
        rationale=f"""Every client keeps working with a longer {label}, but a stolen or leaked token
        stays usable longer: a compatible change that weakens security.""",
        citation=citation,
        example=example[1],
    )
    def _longer(c: Change, env: Env) -> Hit:
        return Hit(f"{_token(c)} {label} {duration(c.old)} -> {duration(c.new)}")


_lifetime_pair(
    "token.lifetime",
    "lifetime",
    "lifetime",
    "RFC 9700 §4.14.2; RFC 9068 §2.2 (exp)",
    ("lifetime: 1h -> lifetime: 15m", "lifetime: 15m -> lifetime: 24h"),
)
_lifetime_pair(
    "token.idle_lifetime",
    "idle-lifetime",
    "idle lifetime",
    "RFC 9700 §4.14.2",
    ("idle_lifetime: 14d -> idle_lifetime: 7d", "idle_lifetime: 7d -> idle_lifetime: 30d"),
)
_lifetime_pair(
    "token.absolute_lifetime",
    "absolute-lifetime",
    "absolute lifetime",
    "RFC 9700 §4.14.2",
    ("absolute_lifetime: 90d -> 30d", "absolute_lifetime: 30d -> 90d"),
)


@rule(
    "token.clock-skew-narrowed",
    title="Clock skew tolerance narrowed",
    topics="token.clock_skew",
    severity="risky",
    security="strengthens",
    breaks=("relying_parties", "clients"),
    rationale="""Verifiers with a less accurate clock start rejecting fresh tokens (iat/nbf in the
    future) or recently expired ones.""",
    citation="RFC 9068 §4 (exp); RFC 8725 §3.10",
    example="clock_skew: 2m -> clock_skew: 30s",
)
def _skew_narrowed(c: Change, env: Env) -> Hit | None:
    if not (isinstance(c.old, int) and isinstance(c.new, int) and c.new < c.old):
        return None
    return Hit(f"{_token(c)} clock skew {duration(c.old)} -> {duration(c.new)}")


@rule(
    "token.clock-skew-widened",
    title="Clock skew tolerance widened",
    topics="token.clock_skew",
    severity="safe",
    security="weakens",
    rationale="""Compatible for everyone, but expired tokens stay accepted for longer.""",
    citation="RFC 9068 §4 (exp)",
    example="clock_skew: 30s -> clock_skew: 5m",
)
def _skew_widened(c: Change, env: Env) -> Hit:
    return Hit(f"{_token(c)} clock skew {duration(c.old)} -> {duration(c.new)}")


# --- sender constraint, rotation, introspection ---------------------------------------------------


@rule(
    "token.sender-constraint-added",
    title="Sender-constrained tokens required",
    topics="token.sender_constraint",
    severity="breaking",
    security="strengthens",
    breaks=("clients",),
    rationale="""Once tokens must be bound to a DPoP key or an mTLS certificate, bearer-only
    clients are refused. Accept both during the transition.""",
    citation="RFC 9449 (DPoP); RFC 8705 §3 (mTLS); RFC 9700 §2.2.1",
    example="sender_constraint: none -> sender_constraint: dpop",
)
def _sender_added(c: Change, env: Env) -> Hit | None:
    if c.old not in (None, "none") or c.new in (None, "none"):
        return None
    return Hit(f"{_token(c)} must now be sender-constrained ({c.new})")


@rule(
    "token.sender-constraint-removed",
    title="Sender constraint dropped",
    topics="token.sender_constraint",
    severity="safe",
    security="weakens",
    rationale="""Every client keeps working, but a stolen token can be replayed from anywhere
    (bearer semantics).""",
    citation="RFC 9700 §2.2.1",
    example="sender_constraint: dpop -> sender_constraint: none",
)
def _sender_removed(c: Change, env: Env) -> Hit | None:
    if c.new not in (None, "none"):
        return None
    return Hit(f"{_token(c)} no longer sender-constrained (was {c.old})")


@rule(
    "token.sender-constraint-changed",
    title="Sender-constraint mechanism changed",
    topics="token.sender_constraint",
    severity="breaking",
    breaks=("clients", "relying_parties"),
    rationale="""Clients holding DPoP keys cannot present mTLS-bound tokens and vice versa; both
    clients and verifiers must change together.""",
    citation="RFC 9449; RFC 8705",
    example="sender_constraint: mtls -> sender_constraint: dpop",
)
def _sender_changed(c: Change, env: Env) -> Hit:
    return Hit(f"{_token(c)} sender constraint {c.old} -> {c.new}")


@rule(
    "token.rotation-enabled",
    title="Refresh token rotation turned on",
    topics="token.rotation",
    severity="breaking",
    security="strengthens",
    breaks=("clients",),
    rationale="""With rotation, each refresh returns a new refresh token and the old one dies:
    clients that do not store the new token, or parallel workers sharing one, are logged out. A
    reuse grace window softens this to risky.""",
    citation="RFC 9700 §2.2.2, §4.14.2",
    example="rotation: false -> rotation: true",
)
def _rotation_on(c: Change, env: Env) -> Hit | None:
    if c.new is not True:
        return None
    token = ((env.new_norm().get("tokens") or {}).get(_token(c))) or {}
    grace = token.get("reuse_grace") if isinstance(token, dict) else None
    if isinstance(grace, int) and grace > 0:
        return Hit(
            f"{_token(c)} rotation turned on",
            severity="risky",
            note=f"reuse grace of {duration(grace)} lets a recently rotated token be reused",
        )
    return Hit(f"{_token(c)} rotation turned on")


@rule(
    "token.rotation-disabled",
    title="Refresh token rotation turned off",
    topics="token.rotation",
    severity="safe",
    security="weakens",
    rationale="""Compatible for clients, but a leaked refresh token stays usable until it expires
    and theft is no longer detected by reuse.""",
    citation="RFC 9700 §4.14.2",
    example="rotation: true -> rotation: false",
)
def _rotation_off(c: Change, env: Env) -> Hit:
    return Hit(f"{_token(c)} rotation turned off")


@rule(
    "token.reuse-grace-shortened",
    title="Refresh token reuse grace shortened",
    topics="token.reuse_grace",
    severity="risky",
    security="strengthens",
    breaks=("clients",),
    rationale="""Parallel requests that refresh with the same token within the grace window start
    failing (and may revoke the whole token family). Where rotation is off on either side the
    grace has no effect: safe and neutral.""",
    citation="RFC 9700 §4.14.2",
    example="reuse_grace: 1m -> reuse_grace: 10s",
)
def _grace_short(c: Change, env: Env) -> Hit | None:
    if not (isinstance(c.old, int) and isinstance(c.new, int) and c.new < c.old):
        return None
    message = f"{_token(c)} reuse grace {duration(c.old)} -> {duration(c.new)}"
    idle = _grace_idle(c, env)
    if idle:
        return Hit(message, severity="safe", security="neutral", breaks=(), note=idle)
    return Hit(message)


@rule(
    "token.reuse-grace-lengthened",
    title="Refresh token reuse grace lengthened",
    topics="token.reuse_grace",
    severity="safe",
    security="weakens",
    rationale="""More tolerance for concurrent refreshes, and a longer window in which a stolen,
    already-rotated refresh token still works. Where rotation was off before (every used token
    stayed valid) or is off now, the grace weakens nothing: neutral.""",
    citation="RFC 9700 §4.14.2",
    example="reuse_grace: 10s -> reuse_grace: 2m",
)
def _grace_long(c: Change, env: Env) -> Hit:
    message = f"{_token(c)} reuse grace {duration(c.old)} -> {duration(c.new)}"
    idle = _grace_idle(c, env)
    if idle:
        return Hit(message, security="neutral", note=idle)
    return Hit(message)


def _rotates(norm: dict, kind: str) -> bool:
    token = (norm.get("tokens") or {}).get(kind)
    return isinstance(token, dict) and token.get("rotation") is True


def _grace_idle(c: Change, env: Env) -> str | None:
    """Why a reuse grace change has no effect on either side, or ``None`` when it has one.

    The grace only exists under rotation: without it every used refresh token stays valid
    anyway, so a grace neither weakens anything nor makes a refresh fail."""
    kind = _token(c)
    before, after = _rotates(env.old_norm(), kind), _rotates(env.new_norm(), kind)
    if before and after:
        return None
    if not after:
        return "rotation is off: the grace has no effect until rotation is turned on"
    return (
        "rotation was off before: a used refresh token stayed valid until it expired; "
        f"now only for {duration(c.new)} after it is rotated"
    )


@rule(
    "token.introspection-changed",
    title="Introspection requirement changed",
    topics="token.introspection",
    severity="breaking",
    breaks=("relying_parties",),
    rationale="""Verifiers either call the introspection endpoint or validate locally; switching
    changes how every resource server verifies the token.""",
    citation="RFC 7662 §2",
    example="introspection: false -> introspection: true",
)
def _introspection(c: Change, env: Env) -> Hit:
    state = (
        "must now be verified by introspection" if c.new else "no longer verified by introspection"
    )
    security = "strengthens" if c.new else None
    return Hit(f"{_token(c)} {state}", security=security)


# --- keys -----------------------------------------------------------------------------------------


@rule(
    "key.rotation-shortened",
    title="Key rotation period shortened",
    topics="key.rotation_period",
    severity="risky",
    security="strengthens",
    breaks=("relying_parties",),
    rationale="""Keys change more often: verifiers that cache the JWKS too long or pin keys see
    unknown kids sooner. A shorter key life limits the damage of a leaked key.""",
    citation="OpenID Connect Core 1.0 §10.1.1; NIST SP 800-57 Part 1 Rev. 5 §5.3",
    example="rotation_period: 180d -> rotation_period: 90d",
)
def _rot_short(c: Change, env: Env) -> Hit | None:
    if not shortened(c):
        return None
    return Hit(f"signing keys rotate every {duration(c.new)} (was {duration(c.old)})")


@rule(
    "key.rotation-lengthened",
    title="Key rotation period lengthened",
    topics="key.rotation_period",
    severity="safe",
    security="weakens",
    rationale="""Compatible for verifiers; a key compromised in the meantime stays trusted for
    longer.""",
    citation="NIST SP 800-57 Part 1 Rev. 5 §5.3",
    example="rotation_period: 90d -> rotation_period: 365d",
)
def _rot_long(c: Change, env: Env) -> Hit:
    return Hit(f"signing keys rotate every {duration(c.new)} (was {duration(c.old)})")


@rule(
    "key.jwks-cache-lengthened",
    title="JWKS cache time lengthened",
    topics="key.jwks_cache",
    severity="risky",
    security="weakens",
    breaks=("relying_parties",),
    rationale="""Verifiers keep a stale key set for longer: a newly published key is picked up later
    (tokens signed with it fail meanwhile) and a revoked key stays trusted longer. The overlap
    window of every key and algorithm migration grows by the same amount.""",
    citation="OpenID Connect Core 1.0 §10.1.1",
    example="jwks_cache: 1h -> jwks_cache: 24h",
)
def _cache_long(c: Change, env: Env) -> Hit | None:
    if shortened(c):
        return None
    return Hit(f"JWKS cache time {duration(c.old)} -> {duration(c.new)}")


@rule(
    "key.jwks-cache-shortened",
    title="JWKS cache time shortened",
    topics="key.jwks_cache",
    severity="safe",
    rationale="""Verifiers refresh keys sooner; the only cost is more JWKS fetches.""",
    citation="OpenID Connect Core 1.0 §10.1.1",
    example="jwks_cache: 24h -> jwks_cache: 1h",
)
def _cache_short(c: Change, env: Env) -> Hit:
    return Hit(f"JWKS cache time {duration(c.old)} -> {duration(c.new)}")


def _key_strength(field: str, value: Any) -> float | None:
    if value is None:
        return 0.0
    if field == "min_rsa_bits":
        return float(value) if isinstance(value, int) else None
    if value in EDWARDS:
        return 2.5  # between P-256 and P-384 for ordering purposes
    return float(EC_ORDER.index(value)) if value in EC_ORDER else None


@rule(
    "key.min-strength-raised",
    title="Minimum key strength raised",
    topics=("key.min_rsa_bits", "key.min_ec_curve"),
    severity="breaking",
    security="strengthens",
    breaks=("issuer",),
    rationale="""Verifiers refuse keys below the new minimum: an issuer still signing with such a
    key breaks. Roll the issuer's keys first.""",
    citation="NIST SP 800-57 Part 1 Rev. 5 §5.6; NIST SP 800-131A Rev. 2",
    example="min_rsa_bits: 2048 -> min_rsa_bits: 3072",
)
def _key_raised(c: Change, env: Env) -> Hit | None:
    field = str(ctx(c, "field"))
    a, b = _key_strength(field, c.old), _key_strength(field, c.new)
    if a is None or b is None or b <= a:
        return None
    return Hit(f"{field} {fmt(c.old)} -> {fmt(c.new)}")


@rule(
    "key.min-strength-lowered",
    title="Minimum key strength lowered",
    topics=("key.min_rsa_bits", "key.min_ec_curve"),
    severity="safe",
    security="weakens",
    rationale="""Compatible, but weaker keys become acceptable (RSA under 2048 bits or curves under
    P-256 are below 112-bit strength).""",
    citation="NIST SP 800-57 Part 1 Rev. 5 §5.6",
    example="min_rsa_bits: 3072 -> min_rsa_bits: 2048",
)
def _key_lowered(c: Change, env: Env) -> Hit:
    return Hit(f"{ctx(c, 'field')} {fmt(c.old)} -> {fmt(c.new)}")


@rule(
    "key.header-source-added",
    title="Keys taken from token headers",
    topics="key.from_token_headers",
    kinds=("added",),
    severity="safe",
    security="weakens",
    rationale="""A verifier that fetches or embeds keys named by the token itself (jku, x5u, jwk,
    x5c) lets the attacker choose the key that verifies the forged token.""",
    citation="RFC 8725 §3.8, §3.10",
    example="from_token_headers: [] -> from_token_headers: [jku]",
)
def _header_added(c: Change, env: Env) -> Hit:
    return Hit(
        f"verifiers take keys from the {c.new} header ({KEY_HEADERS.get(str(c.new), 'RFC 8725')})"
    )


@rule(
    "key.header-source-removed",
    title="Keys no longer taken from token headers",
    topics="key.from_token_headers",
    kinds=("removed",),
    severity="breaking",
    security="strengthens",
    breaks=("issuer",),
    rationale="""Issuers that relied on shipping keys in the token header must publish them in the
    JWKS first; the verifier stops trusting header keys.""",
    citation="RFC 8725 §3.8, §3.10",
    example="from_token_headers: [x5c] -> from_token_headers: []",
)
def _header_removed(c: Change, env: Env) -> Hit:
    return Hit(f"verifiers no longer take keys from the {c.old} header")
