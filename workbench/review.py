"""One report for an amendment: the engine's semantic diff plus the security review.

Every face (``workbench diff``, ``workbench review``, the TUI, the checklist) builds its report
here, so they all show the same findings with the same fingerprints. The ignore file names
findings of both families, so it is loaded here too (:func:`load_ignores`), with the rule ids of
both registries to warn about.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from workbench.contract.collector import collector_paused
from workbench.contract.model import Contract
from workbench.engine import compare
from workbench.engine import ignore as ignore_file
from workbench.engine.ignore import Ignores
from workbench.engine.model import DiffReport
from workbench.engine.rules import REGISTRY
from workbench.security.policy import Policy
from workbench.security.registry import RULES as SECURITY_RULES
from workbench.security.review import StateReviews, review_amendment
from workbench.security.summary import count_security


def known_rule_ids() -> frozenset[str]:
    """Every rule id of both families: what an ignore entry's ``rule`` may name."""
    return frozenset((*REGISTRY, *SECURITY_RULES))


def load_ignores(path_or_repo_root: str | Path, *, today: dt.date | None = None) -> Ignores:
    """The ignore file (or a repository's ``.workbench-ignore.yaml``), with a warning for each
    entry naming a rule that neither family has. Raises ``ContractError`` on bad entries."""
    return ignore_file.load_ignores(path_or_repo_root, today=today, known_rules=known_rule_ids())


def build_report(
    old: Contract | None,
    new: Contract | None,
    *,
    policy: Policy | None = None,
    today: dt.date | None = None,
    ignores: Ignores | None = None,
    now: dt.datetime | None = None,
    old_since: dt.datetime | None = None,
    states: StateReviews | None = None,
) -> DiffReport:
    """``engine.compare(old, new)`` with ``security_findings`` filled by the security review.

    With ``old`` ``None`` (a new contract) the review is the state of ``new``; otherwise it is
    the state of ``new`` (each finding marked whether ``old`` already had it) plus regressions.
    Security findings named by ``ignores`` (the ignore file) keep their place but carry the
    reason, and no longer fail a gate. The amendment is judged as of ``today`` (default: the
    current date, as the engine judges sunsets); ``now`` and ``old_since`` (when the old side
    was committed, if known) measure rotation overlaps as the checklist does. ``states``
    shares the state reviews of a chain of amendments (``security.review.StateReviews``).
    """
    day = today or dt.date.today()
    # the engine and the review allocate a great deal and keep little; with the collector on,
    # each full collection would rescan both loaded contracts (a quarter of a large diff)
    with collector_paused():
        report = compare(old, new, today=day, ignores=ignores)
        findings = review_amendment(
            old, new, report, policy, today=day, now=now, old_since=old_since, states=states
        )
    if ignores is not None and findings:
        contract = new or old
        scoped = ignores.scoped(contract.id if contract is not None else None)
        for finding in findings:
            if not finding.ignored:
                finding.ignored = scoped.match(finding)
    report.security_findings = findings
    # the one security count (security.summary): what the amendment introduced, open, above info
    report.verdict.counts["security"] = count_security(findings).new
    return report
