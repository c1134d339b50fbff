"""One report for an amendment: the engine's semantic diff plus the security review.

Every face (``workbench diff``, ``workbench review``, the TUI, the checklist) builds its report
here, so they all show the same findings with the same fingerprints.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from workbench.contract.model import Contract
from workbench.engine.model import DiffReport
from workbench.security.policy import Policy
from workbench.security.review import review_amendment


def build_report(
    old: Contract | None,
    new: Contract | None,
    *,
    policy: Policy | None = None,
    today: dt.date | None = None,
    ignores: Any = None,
) -> DiffReport:
    """``engine.compare(old, new)`` with ``security_findings`` filled by the security review.

    With ``old`` ``None`` (a new contract) the review is the state of ``new``; otherwise it is
    the state of ``new`` (each finding marked whether ``old`` already had it) plus regressions.
    Security findings named by ``ignores`` (the ignore file) keep their place but carry the
    reason, and no longer fail a gate.
    """
    from workbench.engine import compare

    report = compare(old, new, today=today, ignores=ignores)
    findings = review_amendment(old, new, report, policy, today=today)
    if ignores is not None and findings:
        contract_id = (new or old).id if (new or old) is not None else None
        scoped = ignores.scoped(contract_id) if hasattr(ignores, "scoped") else ignores
        for finding in findings:
            if not finding.ignored:
                finding.ignored = scoped.match(finding)
    report.security_findings = findings
    return report
