"""Rules on an amendment: security weakenings the engine classified, and rotation overlap."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from workbench.contract.model import Contract
from workbench.contract.paths import is_within, join
from workbench.contract.units import format_duration
from workbench.engine.rules import REGISTRY
from workbench.engine.rules import Rule as EngineRule
from workbench.security.context import AmendmentContext, StateContext, lifetime_of, token_path
from workbench.security.model import Hit
from workbench.security.rules._base import rule

WEAKENS_FIX = """Make sure the weakening is intended: state why in the amendment record, and
accept it in .workbench-ignore.yaml with a reason (or revert it)."""


def engine_rule(rule_id: str) -> EngineRule | None:
    """The engine's registry entry for ``rule_id`` (title, rationale, citation), if known."""
    return REGISTRY.get(rule_id)


@rule(
    "regression.weakens",
    severity="high",
    title="Amendment weakens security",
    rationale="""Every change the amendment engine classifies as weakening security (a longer
    lifetime, an algorithm or grant added, a requirement dropped) reaches the reviewer with the
    standard behind its rule, so the weakening is a decision, not an accident. When a state
    rule describes the same weakness at the same place (PKCE plain allowed, and PKCE plain
    present), the two are one finding: this regression, at the higher of the two severities,
    with the state rule's citation and fix.""",
    fix=WEAKENS_FIX,
    citation="the citation of the engine rule that classified the change (docs/rules.md)",
    kind="regression",
    threshold=lambda policy: (
        "every engine finding with security: weakens (accepted ones are shown as ignored)"
    ),
)
def weakens(ctx: AmendmentContext) -> Iterator[Hit]:
    report = ctx.report
    if report is None:
        return
    for finding in [*report.findings, *report.ignored]:
        if finding.security != "weakens":
            continue
        meta = engine_rule(finding.rule)
        # point at the new file, unless the thing is gone from it (then at the removed line)
        gone = ctx.new.resolve(finding.path) is None and ctx.old.resolve(finding.path) is not None
        side = "old" if gone or finding.new_loc is None else "new"
        contract = ctx.new if side == "new" else ctx.old
        raw = _raw_for(contract, finding.path)
        citation = (meta.citation if meta is not None and meta.citation else "") or (
            "see docs/rules.md"
        )
        yield Hit(
            finding.path,
            raw,
            f"{finding.message} [{finding.rule}]",
            key=finding.fingerprint or f"{finding.rule}:{finding.old}->{finding.new}",
            side=side,
            citation=citation,
            title=f"Weakens security: {meta.title}" if meta is not None else None,
            cause=finding.rule,
            why=meta.rationale if meta is not None and meta.rationale else "",
        )


def _raw_for(contract: Contract, path: str) -> tuple:
    found = contract.resolve(path)
    while found is None and ("." in path or "[" in path):
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut]
        found = contract.resolve(path)
    return found[0] if found is not None else ()


# --- rotation overlap -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Removal:
    what: str  # "signing algorithm RS256 of access_token"
    path: str  # contract path of the removed thing, in the old contract
    raw: tuple  # raw path in the old contract
    targets: tuple[str, ...]  # deprecation targets that announce it
    need: int | None  # longest lifetime (+ skew, + cache) in seconds; None when unknown
    need_text: str
    overlap: bool  # whether old and new accept something in common
    replacement: str  # what replaces it, for the message


def _skew(ctx: AmendmentContext, *tokens: dict) -> int:
    skews = [t.get("clock_skew") for t in tokens if isinstance(t.get("clock_skew"), int)]
    return max(skews) if skews else ctx.policy.clock_skew


def _need(
    ctx: AmendmentContext, tokens: list[tuple[str, dict]], cache: int | None = None
) -> tuple[int | None, str]:
    lifetimes = [(lifetime_of(t), kind) for kind, t in tokens if lifetime_of(t) is not None]
    skew = _skew(ctx, *(t for _, t in tokens))
    if not lifetimes:
        return None, "unknown (no lifetime declared)"
    life, kind = max(lifetimes)
    total = life + skew + (cache or 0)
    text = f"{format_duration(total)} ({kind} lifetime {format_duration(life)} + clock skew " + (
        f"{format_duration(skew)}" + (f" + JWKS cache {format_duration(cache)})" if cache else ")")
    )
    return total, text


def _deprecation(ctx: AmendmentContext, targets: tuple[str, ...]) -> dict | None:
    for contract in (ctx.new, ctx.old):
        for dep in contract.section("deprecations"):
            target = dep.get("target") if isinstance(dep, dict) else None
            if isinstance(target, str) and any(
                is_within(t, target) or is_within(target, t) for t in targets
            ):
                return dep
    return None


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _removals(ctx: AmendmentContext) -> Iterator[_Removal]:
    old, new = StateContext(ctx.old, ctx.policy), StateContext(ctx.new, ctx.policy)
    new_tokens = dict(new.tokens())
    # signing algorithms, per token kind present on both sides
    for kind, old_token in old.tokens():
        new_token = new_tokens.get(kind)
        if new_token is None:
            continue
        old_algs = [str(a) for a in old_token.get("signing_algorithms") or []]
        new_algs = [str(a) for a in new_token.get("signing_algorithms") or []]
        if not new_algs:
            continue
        common = set(old_algs) & set(new_algs)
        need, text = _need(ctx, [(kind, old_token), (kind, new_token)])
        for i, alg in enumerate(old_algs):
            if alg in new_algs or alg.lower() == "none":
                continue
            path = join(token_path(kind, "signing_algorithms"), alg, select=True)
            yield _Removal(
                f"signing algorithm {alg} of {kind}",
                path,
                ("tokens", kind, "signing_algorithms", i),
                (path,),
                need,
                text,
                bool(common),
                ", ".join(a for a in new_algs if a not in old_algs) or ", ".join(new_algs),
            )
    # issuers, per identity provider that issues tokens
    old_idps = {str(p.get("id")): (i, p) for i, p in enumerate(old.contract.section("identity_providers")) if isinstance(p, dict)}  # fmt: skip
    new_idps = {str(p.get("id")): p for p in new.contract.section("identity_providers") if isinstance(p, dict)}  # fmt: skip
    old_issuers = {str(p.get("issuer")) for _, p in old_idps.values()}
    new_issuers = {str(p.get("issuer")) for p in new_idps.values()}
    for idp_id, (i, idp) in old_idps.items():
        issuer = str(idp.get("issuer"))
        issued = [(kind, t) for kind, t in old.tokens() if idp_id in (t.get("issued_by") or [])]
        base = join("identity_providers", idp_id, select=True)
        if issuer not in new_issuers and issued:
            need, text = _need(ctx, issued)
            changed = idp_id in new_idps
            yield _Removal(
                f"issuer {issuer} ({idp_id})",
                join(base, "issuer") if changed else base,
                ("identity_providers", i, "issuer") if changed else ("identity_providers", i),
                (base, *(join(token_path(k, "issued_by"), idp_id, select=True) for k, _ in issued)),
                need,
                text,
                any(_issuers(old, k) & _issuers(new, k) for k, _ in issued if k in new_tokens),
                ", ".join(sorted(set().union(*(_issuers(new, k) for k, _ in issued))))
                or ", ".join(sorted(new_issuers - old_issuers))
                or "the remaining issuers",
            )
        # keys: the JWKS moved
        new_idp = new_idps.get(idp_id)
        old_jwks = idp.get("jwks_uri")
        if new_idp is not None and old_jwks and new_idp.get("jwks_uri") not in (None, old_jwks):
            if str(new_idp.get("issuer")) != issuer:
                continue  # already reported as an issuer change
            cache = _cache(ctx)
            need, text = _need(ctx, issued, cache) if issued else (None, "unknown")
            yield _Removal(
                f"JWKS {old_jwks} of {idp_id}",
                join(base, "jwks_uri"),
                ("identity_providers", i, "jwks_uri"),
                (join(base, "jwks_uri"),),
                need,
                text,
                False,
                str(new_idp.get("jwks_uri")),
            )
    # keys: stronger minimums reject keys in use
    old_keys, new_keys = old.contract.section("keys"), new.contract.section("keys")
    old_bits, new_bits = old_keys.get("min_rsa_bits"), new_keys.get("min_rsa_bits")
    if isinstance(old_bits, int) and isinstance(new_bits, int) and new_bits > old_bits:
        signed = [(k, t) for k, t in old.tokens() if t.get("signing_algorithms")]
        need, text = _need(ctx, signed, _cache(ctx))
        yield _Removal(
            f"RSA keys of {old_bits}-{new_bits - 1} bits",
            "keys.min_rsa_bits",
            ("keys", "min_rsa_bits"),
            ("keys.min_rsa_bits",),
            need,
            text,
            False,
            f"keys of {new_bits} bits or more",
        )


def _issuers(ctx: StateContext, kind: str) -> set[str]:
    """The issuer URLs a verifier of token ``kind`` accepts."""
    token = dict(ctx.tokens()).get(kind) or {}
    urls = {
        str(p.get("id")): str(p.get("issuer"))
        for p in ctx.contract.section("identity_providers")
        if isinstance(p, dict)
    }
    return {urls[i] for i in token.get("issued_by") or [] if i in urls}


def _cache(ctx: AmendmentContext) -> int | None:
    values = [
        c.section("keys").get("jwks_cache")
        for c in (ctx.old, ctx.new)
        if isinstance(c.section("keys").get("jwks_cache"), int)
    ]
    return max(values) if values else None


@rule(
    "regression.rotation-overlap",
    severity="high",
    title="Rotation without enough overlap",
    rationale="""When signing algorithms, keys or issuers change, tokens issued under the old
    setting are still in flight: old and new must both be accepted for at least the longest
    token lifetime plus clock skew (plus the JWKS cache time for keys), or valid tokens are
    rejected, and teams under pressure respond by loosening verification.""",
    fix="""Expand, then contract: accept old and new together first, announce the removal in
    deprecations (announced, sunset) at least the longest token lifetime plus clock skew
    ahead, and remove the old one only after the sunset.""",
    citation="OpenID Connect Core 1.0 §10.1.1; RFC 8725 §3.1; RFC 7517 §5",
    kind="regression",
    severity_note="medium when the overlap cannot be verified: no deprecation entry or no sunset",
    threshold=lambda policy: (
        "deprecation sunset - announced >= longest token lifetime + clock "
        f"skew (default skew {format_duration(policy.clock_skew)}{policy.origin('clock_skew')})"
    ),
)
def rotation_overlap(ctx: AmendmentContext) -> Iterator[Hit]:
    for r in _removals(ctx):
        if not r.overlap:
            yield Hit(
                r.path,
                r.raw,
                f"{r.what} is replaced by {r.replacement} in one step: no version accepts both, "
                f"so tokens issued before the switch fail (overlap needed: {r.need_text})",
                key=r.what,
                side="old",
            )
            continue
        dep = _deprecation(ctx, r.targets)
        if dep is None:
            yield Hit(
                r.path,
                r.raw,
                f"{r.what} is removed with no deprecation entry: nothing shows it was accepted "
                f"alongside {r.replacement} for at least {r.need_text}",
                key=r.what,
                side="old",
                severity="medium",
            )
            continue
        announced, sunset = _date(dep.get("announced")), _date(dep.get("sunset"))
        if announced is None:
            continue
        end, early = sunset, False
        if sunset is None or (ctx.today is not None and ctx.today < sunset):
            end, early = ctx.today, sunset is not None
        if end is None:
            yield Hit(
                r.path,
                r.raw,
                f"{r.what} is removed; its deprecation (announced {announced}) has no sunset "
                f"date, so the overlap of {r.need_text} cannot be checked",
                key=r.what,
                side="old",
                severity="medium",
            )
            continue
        window = max(0, (end - announced).days) * 86400
        if r.need is not None and window < r.need:
            when = (
                f"removed on {end}, before its sunset {sunset}"
                if early
                else f"sunset {end}"
                if sunset
                else f"removed on {end}"
            )
            yield Hit(
                r.path,
                r.raw,
                f"{r.what}: deprecation announced {announced}, {when}: "
                f"{format_duration(window)} of overlap, less than {r.need_text}",
                key=r.what,
                side="old",
            )
