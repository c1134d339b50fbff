"""The security count of an amendment: one definition behind the log's SEC column, the verdict's
``counts["security"]``, the reports' summaries, the TUI's findings title and the gate.

What a reviewer needs from one number is *what this amendment asks them to decide*:

* **counted** (``new``): security findings the amendment introduced (regressions, and state
  findings the old version did not have), not accepted in the ignore file, above ``info``.
  These are the findings the checklist asks the author to fix or accept.
* not counted, but reported beside it: findings **already present** before the amendment
  (they belong to the amendment that introduced them, and would otherwise repeat on every
  row of a contract's history), findings **accepted** in the ignore file, and new **advice**
  (``info``: planning notes such as the post-quantum migration, which need no decision).
* **failing**: of the findings the amendment introduced (advice included), those at or above
  the policy's threshold (``fail_on``): exactly what fails the build (``report.failures``).
"""

from __future__ import annotations

from collections.abc import Iterable

from workbench.contract.record import Frozen
from workbench.engine.model import SecurityFinding
from workbench.security.model import SEVERITIES, at_or_above


def introduced(finding: SecurityFinding) -> bool:
    """Whether the amendment introduced ``finding`` and nobody accepted it."""
    return finding.new_in_amendment and not finding.ignored


def fails_at(finding: SecurityFinding, threshold: str) -> bool:
    """Whether ``finding`` fails a gate at ``threshold`` (``never``: nothing does): introduced
    by the amendment, not accepted, at or above the threshold."""
    return introduced(finding) and at_or_above(finding.severity, threshold)


class SecurityCount(Frozen):
    """The security findings of one amendment, counted once (see the module docstring)."""

    __slots__ = (
        "accepted",
        "advice",
        "by_severity",
        "failing",
        "new",
        "present",
        "present_at_threshold",
        "threshold",
    )
    new: int
    failing: int
    present: int
    present_at_threshold: int  # already present, at or above the threshold
    accepted: int
    advice: int
    threshold: str
    by_severity: dict[str, int]  # of the counted ones

    def __init__(
        self,
        new: int = 0,
        failing: int = 0,
        present: int = 0,
        present_at_threshold: int = 0,
        accepted: int = 0,
        advice: int = 0,
        threshold: str = "high",
        by_severity: dict[str, int] | None = None,
    ):
        put = object.__setattr__
        put(self, "new", new)
        put(self, "failing", failing)
        put(self, "present", present)
        put(self, "present_at_threshold", present_at_threshold)
        put(self, "accepted", accepted)
        put(self, "advice", advice)
        put(self, "threshold", threshold)
        put(self, "by_severity", dict() if by_severity is None else by_severity)

    @property
    def worst(self) -> str | None:
        """The highest severity among the counted findings."""
        return next((s for s in SEVERITIES if self.by_severity.get(s)), None)

    def describe(self) -> str:
        """``2 new (1 high, 1 medium); 3 already present; 1 accepted`` (``no new security
        findings`` when nothing is counted)."""
        if self.new:
            parts = [f"{n} {s}" for s in SEVERITIES if (n := self.by_severity.get(s, 0))]
            head = f"{self.new} new ({', '.join(parts)})"
        else:
            head = "no new security findings"
        tail = []
        if self.advice:
            tail.append(f"{self.advice} advice")
        if self.present:
            tail.append(f"{self.present} already present")
        if self.accepted:
            tail.append(f"{self.accepted} accepted")
        return "; ".join([head, *tail])

    def to_dict(self) -> dict[str, object]:
        return {
            "new": self.new,
            "failing": self.failing,
            "threshold": self.threshold,
            "by_severity": dict(self.by_severity),
            "present": self.present,
            "present_at_threshold": self.present_at_threshold,
            "accepted": self.accepted,
            "advice": self.advice,
        }


def count_security(findings: Iterable[SecurityFinding], threshold: str = "high") -> SecurityCount:
    """Count ``findings`` (a report's ``security_findings``) as every face shows them."""
    new = failing = present = present_high = accepted = advice = 0
    by: dict[str, int] = {}
    for f in findings:
        if f.ignored:
            accepted += 1
            continue
        if not f.new_in_amendment:
            present += 1
            present_high += at_or_above(f.severity, threshold)
            continue
        failing += at_or_above(f.severity, threshold)
        if f.severity == "info":
            advice += 1
            continue
        new += 1
        by[f.severity] = by.get(f.severity, 0) + 1
    return SecurityCount(new, failing, present, present_high, accepted, advice, threshold, by)
