"""Value types of the checklist: items, steps and the whole checklist, shared by every face."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.amendment.record import STEP_TITLES, Stamp

StepStatus = Literal["done", "needs you", "blocked"]
ItemStatus = Literal["ok", "missing", "stale", "blocked", "info"]
# Item statuses that keep a step from being done.
OPEN: frozenset[str] = frozenset({"missing", "stale", "blocked"})


@dataclass(slots=True)
class Item:
    """One line of a step: a computed check or a human answer, with what to do about it.

    ``action`` names what resolves it (``bump``, ``accept``, ``sign_off``, ``notice``,
    ``changelog``, ``notify``, ``edit``, ``start``); ``target`` is the fingerprint or consumer
    the action applies to; ``line`` points into the new contract when it helps.
    """

    id: str
    label: str
    status: ItemStatus
    detail: str = ""
    action: str | None = None
    target: str | None = None
    line: int | None = None
    severity: str | None = None

    @property
    def open(self) -> bool:
        return self.status in OPEN

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "status": self.status,
            "detail": self.detail,
            "action": self.action,
            "target": self.target,
            "line": self.line,
            "severity": self.severity,
        }


@dataclass(slots=True)
class StepResult:
    """One of the five steps, evaluated: ``done`` / ``needs you`` / ``blocked`` and why."""

    id: str
    status: StepStatus
    reason: str
    items: list[Item] = field(default_factory=list)
    completed: Stamp | None = None

    @property
    def title(self) -> str:
        return STEP_TITLES[self.id]

    @property
    def open_items(self) -> list[Item]:
        return [i for i in self.items if i.open]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "reason": self.reason,
            "items": [i.to_dict() for i in self.items],
            "completed": self.completed.to_dict() if self.completed else None,
        }


def step_status(items: list[Item], done_reason: str) -> tuple[StepStatus, str]:
    """A step is done when no item is open; it needs you when something is actionable (missing
    or stale); otherwise it is blocked (waiting on something another step must fix first)."""
    actionable = [i for i in items if i.status in ("missing", "stale")]
    if actionable:
        n = len(actionable)
        return "needs you", f"{n} item{'s' if n != 1 else ''} to answer: {actionable[0].label}"
    blocked = [i for i in items if i.status == "blocked"]
    if blocked:
        return "blocked", blocked[0].detail or blocked[0].label
    return "done", done_reason
