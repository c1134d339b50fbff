"""Value types of the amendment engine, shared by every face (CLI, TUI, reports, checklist)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from workbench.contract.yamlsrc import Loc

Severity = Literal["breaking", "risky", "safe"]
Security = Literal["weakens", "strengthens", "neutral"]
Party = Literal["clients", "relying_parties", "issuer"]
Bump = Literal["major", "minor", "patch", "none"]
ChangeKind = Literal["added", "removed", "changed"]

SEVERITY_ORDER: dict[str, int] = {"safe": 0, "risky": 1, "breaking": 2}
BUMP_ORDER: dict[str, int] = {"none": 0, "patch": 1, "minor": 2, "major": 3}


@dataclass(frozen=True, slots=True)
class Change:
    """One semantic difference between two contract versions.

    ``path`` is a contract path (``tokens.access_token.signing_algorithms[RS256]``);
    ``old_raw``/``new_raw`` are raw paths into each side's data, used to find source lines.
    """

    path: str
    kind: ChangeKind
    old: Any = None
    new: Any = None
    old_raw: tuple | None = None
    new_raw: tuple | None = None
    old_loc: Loc | None = None
    new_loc: Loc | None = None
    context: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Finding:
    """A classified change: which rule matched, how bad it is, and for whom."""

    rule: str
    severity: Severity
    security: Security
    breaks: tuple[str, ...]
    path: str
    message: str
    old: Any = None
    new: Any = None
    old_loc: Loc | None = None
    new_loc: Loc | None = None
    fingerprint: str = ""
    note: str | None = None  # e.g. "planned removal: deprecated 2026-01-10, sunset 2026-04-10"
    ignored: str | None = None  # reason from the ignore file, when silenced

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "security": self.security,
            "breaks": list(self.breaks),
            "path": self.path,
            "old": self.old,
            "new": self.new,
            "message": self.message,
            "note": self.note,
            "location": {
                "old": self.old_loc.to_dict() if self.old_loc else None,
                "new": self.new_loc.to_dict() if self.new_loc else None,
            },
            "fingerprint": self.fingerprint,
            **({"ignored": self.ignored} if self.ignored else {}),
        }
