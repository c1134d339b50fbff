"""Key and algorithm strength rules (NIST SP 800-57, SP 800-131A, IR 8547) and the policy's
algorithm allow-list and lifetime limits."""

from __future__ import annotations

from collections.abc import Iterator

from workbench.contract.units import format_duration
from workbench.security.context import StateContext, algorithm_hit, lifetime_of, token_path
from workbench.security.model import EC_CURVES, Hit
from workbench.security.rules._base import rule

RSA_PREFIXES = ("RS", "PS")


def _uses_rsa(ctx: StateContext) -> bool:
    return any(alg.startswith(RSA_PREFIXES) for _, _, alg in ctx.algorithms())


@rule(
    "keys.rsa-too-small",
    weakened_by=("key.min-strength-lowered",),
    severity="critical",
    title="RSA keys below the minimum size",
    rationale="""RSA keys under 2048 bits give less than 112 bits of security and are disallowed
    for signatures; a verifier that does not enforce a minimum accepts whatever it is given.""",
    fix="Set keys.min_rsa_bits to at least the minimum (3072 plans past 2030).",
    citation="NIST SP 800-57 Part 1 Rev. 5 §5.6.1; NIST SP 800-131A Rev. 2 §3",
    severity_note="medium when RSA is accepted but no minimum is declared",
    threshold=lambda policy: f"at least {policy.min_rsa_bits} bits{policy.origin('min_rsa_bits')}",
)
def rsa_size(ctx: StateContext) -> Iterator[Hit]:
    keys = ctx.contract.section("keys")
    bits = keys.get("min_rsa_bits")
    minimum = ctx.policy.min_rsa_bits
    origin = ctx.policy.origin("min_rsa_bits")
    if isinstance(bits, int) and bits < minimum:
        yield Hit(
            "keys.min_rsa_bits",
            ("keys", "min_rsa_bits"),
            f"RSA keys of {bits} bits are accepted; the minimum is {minimum}{origin}",
        )
    elif bits is None and _uses_rsa(ctx):
        yield Hit(
            "keys.min_rsa_bits",
            ("keys",) if keys else ("tokens",),
            f"RSA signatures are accepted but keys.min_rsa_bits is not declared (minimum "
            f"{minimum}{origin})",
            severity="medium",
            key="undeclared",
        )


@rule(
    "keys.ec-too-small",
    weakened_by=("key.min-strength-lowered",),
    severity="critical",
    title="Elliptic curves below the minimum strength",
    rationale="""P-192 and P-224 give 80 and 112 bits of security; curves under P-256 are not
    acceptable for new signatures.""",
    fix="Set keys.min_ec_curve to P-256 or stronger.",
    citation="NIST SP 800-57 Part 1 Rev. 5 §5.6.1; NIST SP 800-131A Rev. 2 §3; NIST SP 800-186",
    threshold=lambda policy: f"at least {policy.min_ec_curve}{policy.origin('min_ec_curve')}",
)
def ec_size(ctx: StateContext) -> Iterator[Hit]:
    curve = ctx.contract.section("keys").get("min_ec_curve")
    minimum = ctx.policy.min_ec_curve
    if isinstance(curve, str) and EC_CURVES.get(curve, 0) < EC_CURVES[minimum]:
        yield Hit(
            "keys.min_ec_curve",
            ("keys", "min_ec_curve"),
            f"curve {curve} ({EC_CURVES.get(curve, '?')}-bit security) is accepted; the minimum "
            f"is {minimum}{ctx.policy.origin('min_ec_curve')}",
        )


@rule(
    "keys.sha1-signature",
    weakened_by=("token.alg-weak-added",),
    severity="high",
    title="SHA-1 signatures accepted",
    rationale="""SHA-1 collisions are practical; SHA-1 is disallowed for generating digital
    signatures.""",
    fix="Remove RS1; use RS256/PS256 or stronger.",
    citation="NIST SP 800-131A Rev. 2 §9; RFC 8725 §3.2",
)
def sha1_signature(ctx: StateContext) -> Iterator[Hit]:
    for kind, i, alg in ctx.algorithms():
        if alg == "RS1":
            yield algorithm_hit(kind, i, alg, f"{kind} accepts RS1 (RSA with SHA-1)")


@rule(
    "keys.quantum-vulnerable",
    severity="info",
    title="Quantum-vulnerable signatures (RSA-2048, P-256): plan the post-quantum migration",
    rationale="""RSA and elliptic-curve signatures (ECDSA, EdDSA) can be forged by a large enough
    quantum computer whatever the key size: NIST's transition plan disallows all of them after
    2035, and deprecates 112-bit RSA-2048 already after 2030. The lasting replacement is a
    post-quantum signature (ML-DSA, FIPS 204), possibly as a hybrid with a classical one during
    the transition. Larger classical keys (RSA-3072, P-384) are just as quantum-vulnerable:
    they are no remedy (RSA-3072 only meets the classical 128-bit requirement from 2031).""",
    fix="Plan the move to post-quantum signatures: ML-DSA (FIPS 204), or a hybrid ML-DSA plus "
    "ECDSA/EdDSA composite during the transition, as your JOSE libraries and identity providers "
    "support it; keep signing_algorithms agile (a new algorithm added alongside the old one, "
    "then the old one retired). Do not move to RSA-3072 or P-384 expecting quantum resistance: "
    "they are disallowed after 2035 too.",
    citation="NIST IR 8547 (initial public draft) §4.1; FIPS 204; "
    "NIST SP 800-57 Part 1 Rev. 5 §5.6.2",
    threshold=lambda policy: (
        "RSA accepted with min_rsa_bits under 3072 (deprecated after 2030), or ES256/P-256 "
        "(the common defaults; every RSA and ECDSA key is disallowed after 2035)"
    ),
)
def quantum(ctx: StateContext) -> Iterator[Hit]:
    keys = ctx.contract.section("keys")
    bits = keys.get("min_rsa_bits")
    if _uses_rsa(ctx) and (not isinstance(bits, int) or bits < 3072):
        raw = ("keys", "min_rsa_bits") if bits is not None else ("keys",) if keys else ("tokens",)
        shown = f"{bits}-bit" if isinstance(bits, int) else "RSA (no declared minimum)"
        yield Hit(
            "keys.min_rsa_bits",
            raw,
            f"{shown} RSA keys give 112-bit security: deprecated after 2030; RSA of any size is "
            "quantum-vulnerable and disallowed after 2035",
            key="rsa",
        )
    curve = keys.get("min_ec_curve")
    es256 = [(k, i) for k, i, alg in ctx.algorithms() if alg == "ES256"]
    if curve == "P-256" or es256:
        raw = (
            ("keys", "min_ec_curve")
            if curve == "P-256"
            else (
                "tokens",
                es256[0][0],
                "signing_algorithms",
                es256[0][1],
            )
        )
        yield Hit(
            "keys.min_ec_curve"
            if curve == "P-256"
            else token_path(es256[0][0], "signing_algorithms"),
            raw,
            "P-256 ECDSA is quantum-vulnerable, like every ECDSA curve: disallowed after 2035",
            key="p256",
        )


@rule(
    "policy.algorithm-not-allowed",
    severity="high",
    title="Signing algorithm outside the repository's allow-list",
    rationale="""The repository names the only signing algorithms it accepts; anything else
    needs a policy change, not a contract change.""",
    fix="Replace the algorithm with an allowed one, or amend security.allowed_algorithms.",
    citation="Repository policy (security.allowed_algorithms); RFC 8725 §3.1",
    threshold=lambda policy: (
        "allowed: "
        + (
            ", ".join(policy.allowed_algorithms)
            if policy.allowed_algorithms is not None
            else "not set"
        )
    ),
)
def algorithm_not_allowed(ctx: StateContext) -> Iterator[Hit]:
    allowed = ctx.policy.allowed_algorithms
    if allowed is None:
        return
    for kind, i, alg in ctx.algorithms():
        if alg not in allowed:
            yield algorithm_hit(
                kind,
                i,
                alg,
                f"{kind} accepts {alg}; policy allows only {', '.join(allowed)}"
                f"{ctx.policy.origin('allowed_algorithms')}",
            )


@rule(
    "policy.token-lifetime",
    weakened_by=("token.lifetime-lengthened", "token.absolute-lifetime-lengthened"),
    severity="medium",
    title="Token lifetime above the repository's limit",
    rationale="""The repository caps how long tokens of a kind may live; the shorter a token
    lives, the shorter a stolen one is useful.""",
    fix="Shorten the token's lifetime, or amend security.max_lifetime.",
    citation="Repository policy (security.max_lifetime); RFC 9700 §4.14; RFC 6749 §10.3",
    threshold=lambda policy: (
        ", ".join(
            f"{kind} {format_duration(sec)}"
            for kind, sec in sorted(policy.max_lifetime.items())
            if kind != "authorization_code"
        )
        or "not set (authorization codes: see oauth.code-lifetime)"
    ),
)
def token_lifetime(ctx: StateContext) -> Iterator[Hit]:
    origin = ctx.policy.origin("max_lifetime")
    for kind, token in ctx.tokens():
        limit = ctx.policy.max_lifetime.get(kind)
        if limit is None or ctx.is_code(kind):
            continue
        life = lifetime_of(token)
        if life is None:
            yield Hit(
                token_path(kind, "lifetime"),
                ("tokens", kind),
                f"{kind} has no lifetime; policy allows at most {format_duration(limit)}{origin}",
            )
        elif life > limit:
            field = "absolute_lifetime" if "absolute_lifetime" in token else "lifetime"
            yield Hit(
                token_path(kind, field),
                ("tokens", kind, field),
                f"{kind} lives {format_duration(life)}; policy allows at most "
                f"{format_duration(limit)}{origin}",
            )
