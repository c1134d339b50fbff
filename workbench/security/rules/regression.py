"""Rules on an amendment: security weakenings the engine classified, and rotation overlap."""

from __future__ import annotations

from collections.abc import Iterator

from workbench.contract.model import Contract
from workbench.contract.units import format_duration
from workbench.engine.rules import REGISTRY
from workbench.engine.rules import Rule as EngineRule
from workbench.security.context import AmendmentContext
from workbench.security.model import Hit
from workbench.security.overlap import assess, removals
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


# --- rotation overlap (computed in security.overlap, shared with the checklist) -------------


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
    severity_note="medium when the overlap cannot be verified: no deprecation entry or commit "
    "date to start from, no sunset without a clock, or no token lifetime",
    threshold=lambda policy: (
        "old and new accepted together (from the deprecation's announced date or the old "
        "version's commit, whichever is earlier, until the removal) for at least the longest "
        "token lifetime + clock skew (+ JWKS cache for keys; default skew "
        f"{format_duration(policy.clock_skew)}{policy.origin('clock_skew')}); the checklist's "
        "compatibility step uses the same computation"
    ),
)
def rotation_overlap(ctx: AmendmentContext) -> Iterator[Hit]:
    for removal in removals(ctx.old, ctx.new):
        found = assess(
            removal,
            ctx.old,
            ctx.new,
            default_skew=ctx.policy.clock_skew,
            now=ctx.clock,
            old_since=ctx.old_since,
        )
        if found.ok:
            continue
        yield Hit(
            removal.path,
            removal.raw,
            found.detail,
            key=removal.what,
            side="old",
            severity="medium" if found.status in ("unproven", "unknown") else None,
        )
