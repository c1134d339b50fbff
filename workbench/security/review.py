"""Run the security rules: on one contract (state) and on an amendment (state plus regressions)."""

from __future__ import annotations

import copy
import datetime as dt

from workbench.contract.loc import Loc
from workbench.contract.model import Contract
from workbench.contract.paths import is_within
from workbench.engine.model import DiffReport
from workbench.security.context import AmendmentContext, StateContext
from workbench.security.model import (
    SEVERITY_RANK,
    Hit,
    Rule,
    SecurityFinding,
    fingerprint,
    sort_key,
)
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
        message=_message(hit),
        fix=hit.fix or rule.fix,
        citation=hit.citation or rule.citation,
        path=hit.path,
        location=problem_location(contract, hit.raw),
        kind=rule.kind,
        fingerprint=fingerprint(rule.id, contract_id, hit.path, hit.key),
        source=contract.source,
        side=hit.side,
    )


def _message(hit: Hit, also: str = "") -> str:
    """A hit's message; a regression's names its engine rule and says why it matters, with the
    state finding it absorbed (``also``) in between."""
    if hit.cause is None:
        return hit.message
    text = f"{hit.message}: {also}" if also else hit.message
    return f"{text}." + (f" Why it matters: {hit.why}" if hit.why else "")


def problem_location(contract: Contract, raw: tuple) -> Loc | None:
    """The line(s) holding the problem at ``raw``, for marks and jumps: a ``key: value`` entry
    (a multi-line scalar whole), a list item, or only the key line of a block mapping or list
    (the problem is one setting, not every line below it). Something missing points at the
    key line of its nearest present ancestor, never at that ancestor's whole block."""
    found = _located(contract, raw)
    if found is None:
        return None
    at, key, value = found
    start = key or value
    assert start is not None
    if at != raw or _is_collection(contract.data, at):
        return Loc(start.line, start.column, start.line)
    end = value.end_line if value is not None else start.end_line
    return Loc(start.line, start.column, max(end, start.line))


def _located(contract: Contract, raw: tuple) -> tuple[tuple, Loc | None, Loc | None] | None:
    """``(path, key loc, value loc)`` of ``raw`` or of its nearest located ancestor."""
    at = raw
    while True:
        key, value = contract.key_locs.get(at), contract.locs.get(at)
        if key is not None or value is not None:
            return at, key, value
        if not at:
            return None
        at = at[:-1]


def _is_collection(data: object, raw: tuple) -> bool:
    node = data
    for part in raw:
        try:
            node = node[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(node, dict | list)


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


class StateReviews:
    """The state findings of the last few contracts reviewed, kept by identity, for a caller
    that judges a chain of amendments: a log judges each revision once as the new side and
    again as the old side of the next amendment, and the state review of one contract under
    one policy is the same both times. The caller owns the memo and promises that the
    contracts it passes are never changed after loading (the history layer's parsed
    revisions are not). Each answer is a fresh copy: callers mark and merge findings."""

    def __init__(self, size: int = 2):
        self._size = size
        self._entries: list[tuple[Contract, Policy, list[SecurityFinding]]] = []

    def of(self, contract: Contract, policy: Policy) -> list[SecurityFinding]:
        """``review_contract(contract, policy)``, computed once while it stays in the memo."""
        found = next((e[2] for e in self._entries if e[0] is contract and e[1] is policy), None)
        if found is None:
            found = review_contract(contract, policy)
            self._entries = [(contract, policy, found), *self._entries[: self._size - 1]]
        return [copy.copy(f) for f in found]


def review_amendment(
    old: Contract | None,
    new: Contract | None,
    report: DiffReport | None = None,
    policy: Policy | None = None,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    old_since: dt.datetime | None = None,
    states: StateReviews | None = None,
) -> list[SecurityFinding]:
    """State findings of ``new`` (each marked whether ``old`` already had it) plus the
    regressions the amendment introduces: security weakenings from the engine's ``report`` and
    rotations without enough overlap. With ``new`` deleted, nothing is left to review.

    ``now`` is when the amendment takes effect (default: the start of ``today``) and
    ``old_since`` when ``old`` was committed: the rotation overlap is measured between them, as
    the checklist's compatibility step measures it (``security.overlap``). ``states``
    remembers the state reviews of a chain of amendments (:class:`StateReviews`)."""
    policy = policy or DEFAULT_POLICY
    if new is None:
        return []
    state = states.of if states is not None else review_contract
    findings = state(new, policy)
    if old is None:
        return findings
    before = {f.fingerprint for f in state(old, policy)}
    for f in findings:
        f.new_in_amendment = f.fingerprint not in before
    ctx = AmendmentContext(old, new, report, policy, today, now, old_since)
    contract_id = new.id or old.id
    reasons = {f.fingerprint: f.ignored for f in report.ignored} if report is not None else {}
    regressions: list[tuple[SecurityFinding, Hit]] = []
    for rule in RULES.values():
        if rule.kind != "regression" or not policy.enabled(rule.id):
            continue
        for hit in rule.check(ctx):
            side = new if hit.side == "new" else old
            finding = _finding(rule, hit, side, policy, contract_id)
            if reasons.get(hit.key):
                finding.ignored = reasons[hit.key]
            regressions.append((finding, hit))
    findings = merge_same_weakness(findings, regressions)
    findings.sort(key=sort_key)
    return findings


def merge_same_weakness(
    state: list[SecurityFinding], regressions: list[tuple[SecurityFinding, Hit]]
) -> list[SecurityFinding]:
    """One finding per weakness: a state finding whose rule names the regression's engine rule
    in ``weakened_by``, at the same path (or one inside the other), is absorbed by the
    regression. The regression keeps its fingerprint and says what the amendment did; it takes
    the higher severity, the state rule's citation and fix, and lists the absorbed finding in
    ``same_as`` (so an ignore entry or acceptance naming either still applies). A state finding
    the old version already had is absorbed too: the amendment made that weakness worse.
    """
    kept = list(state)
    out: list[SecurityFinding] = []
    for finding, hit in regressions:
        absorbed = [
            s
            for s in kept
            if hit.cause is not None
            and hit.cause in RULES[s.rule].weakened_by
            and (
                s.path == finding.path
                or is_within(s.path, finding.path)
                or is_within(finding.path, s.path)
            )
        ]
        if absorbed:
            kept = [s for s in kept if all(s is not a for a in absorbed)]
            worst = max(absorbed, key=lambda s: SEVERITY_RANK[s.severity])
            if SEVERITY_RANK[worst.severity] > SEVERITY_RANK[finding.severity]:
                finding.severity = worst.severity
            finding.citation = worst.citation
            finding.fix = worst.fix
            also = "; ".join(f"{s.message} [{s.rule}]" for s in absorbed)
            finding.message = _message(hit, also)
            finding.same_as = tuple((s.rule, s.fingerprint, s.path) for s in absorbed)
        out.append(finding)
    return kept + out
