"""Run the security rules: on one contract (state) and on an amendment (state plus regressions)."""

from __future__ import annotations

import datetime as dt

from workbench.contract.model import Contract
from workbench.engine.model import DiffReport
from workbench.security.context import AmendmentContext, StateContext
from workbench.security.model import Hit, Rule, SecurityFinding, fingerprint, sort_key
from workbench.security.policy import DEFAULT_POLICY, Policy
from workbench.security.registry import RULES
from workbench.security.rules.artefacts import applicable


def _finding(
    rule: Rule, hit: Hit, contract: Contract, policy: Policy, contract_id: str
) -> SecurityFinding:
    severity = policy.severity_for(rule.id, hit.severity or rule.severity)
    return SecurityFinding(
        rule=rule.id,
        severity=severity,  # type: ignore[arg-type]
        title=hit.title or rule.title,
        message=hit.message,
        fix=hit.fix or rule.fix,
        citation=hit.citation or rule.citation,
        path=hit.path,
        location=contract.anchor(hit.raw),
        kind=rule.kind,
        fingerprint=fingerprint(rule.id, contract_id, hit.path, hit.key),
        source=contract.source,
        side=hit.side,
    )


def review_contract(contract: Contract, policy: Policy | None = None) -> list[SecurityFinding]:
    """The state findings of one contract under ``policy`` (defaults when ``None``), most
    severe first."""
    policy = policy or DEFAULT_POLICY
    ctx = StateContext(contract, policy)
    out = []
    for rule in RULES.values():
        if rule.kind != "state" or not policy.enabled(rule.id):
            continue
        for found in rule.check(ctx):
            hit = applicable(rule.id, contract, found)  # what holds for a real artefact
            if hit is not None:
                out.append(_finding(rule, hit, contract, policy, contract.id))
    out.sort(key=sort_key)
    return out


def review_amendment(
    old: Contract | None,
    new: Contract | None,
    report: DiffReport | None = None,
    policy: Policy | None = None,
    *,
    today: dt.date | None = None,
) -> list[SecurityFinding]:
    """State findings of ``new`` (each marked whether ``old`` already had it) plus the
    regressions the amendment introduces: security weakenings from the engine's ``report`` and
    rotations without enough overlap. With ``new`` deleted, nothing is left to review."""
    policy = policy or DEFAULT_POLICY
    if new is None:
        return []
    findings = review_contract(new, policy)
    if old is None:
        return findings
    before = {f.fingerprint for f in review_contract(old, policy)}
    for f in findings:
        f.new_in_amendment = f.fingerprint not in before
    ctx = AmendmentContext(old, new, report, policy, today)
    contract_id = new.id or old.id
    reasons = {f.fingerprint: f.ignored for f in report.ignored} if report is not None else {}
    for rule in RULES.values():
        if rule.kind != "regression" or not policy.enabled(rule.id):
            continue
        for hit in rule.check(ctx):
            side = new if hit.side == "new" else old
            finding = _finding(rule, hit, side, policy, contract_id)
            if reasons.get(hit.key):
                finding.ignored = reasons[hit.key]
            findings.append(finding)
    findings.sort(key=sort_key)
    return findings
