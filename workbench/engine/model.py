"""The finding model, shared by every face (CLI, TUI, reports, checklist).

Two families of findings, one report: a :class:`Finding` classifies a change for compatibility
(the engine's rules), a :class:`SecurityFinding` is a security review result (the security
rules). Both point to lines, carry the rule id and a stable fingerprint, and sit in one
:class:`DiffReport`. They live here, below the rules that produce them, so every layer can name
them without importing the rules.
"""

from __future__ import annotations

from typing import Any, Literal

from workbench.contract.loc import Loc, packed_state
from workbench.contract.record import Frozen, Record
from workbench.engine.citations import citation_url

Severity = Literal["breaking", "risky", "safe"]
Security = Literal["weakens", "strengthens", "neutral"]
Party = Literal["clients", "relying_parties", "issuer"]
Bump = Literal["major", "minor", "patch", "none"]
ChangeKind = Literal["added", "removed", "changed"]

SecuritySeverity = Literal["critical", "high", "medium", "low", "info"]
FindingKind = Literal["state", "regression"]

SEVERITIES: tuple[str, ...] = ("breaking", "risky", "safe")
SECURITIES: tuple[str, ...] = ("weakens", "strengthens", "neutral")
PARTIES: tuple[str, ...] = ("clients", "relying_parties", "issuer")
SECURITY_SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low", "info")
SEVERITY_ORDER: dict[str, int] = {"safe": 0, "risky": 1, "breaking": 2}
BUMP_ORDER: dict[str, int] = {"none": 0, "patch": 1, "minor": 2, "major": 3}


class Change(Frozen):
    """One semantic difference between two contract versions.

    ``path`` is a contract path (``tokens.access_token.signing_algorithms[RS256]``);
    ``old_raw``/``new_raw`` are raw paths into each side's data, used to find source lines.
    """

    __slots__ = (
        "context",
        "kind",
        "new",
        "new_loc",
        "new_raw",
        "old",
        "old_loc",
        "old_raw",
        "path",
    )
    _uncompared = frozenset(("context",))
    path: str
    kind: ChangeKind
    old: Any
    new: Any
    old_raw: tuple | None
    new_raw: tuple | None
    old_loc: Loc | None
    new_loc: Loc | None
    context: dict[str, Any]

    def __init__(
        self,
        path: str,
        kind: ChangeKind,
        old: Any = None,
        new: Any = None,
        old_raw: tuple | None = None,
        new_raw: tuple | None = None,
        old_loc: Loc | None = None,
        new_loc: Loc | None = None,
        context: dict[str, Any] | None = None,
    ):
        put = object.__setattr__
        put(self, "path", path)
        put(self, "kind", kind)
        put(self, "old", old)
        put(self, "new", new)
        put(self, "old_raw", old_raw)
        put(self, "new_raw", new_raw)
        put(self, "old_loc", old_loc)
        put(self, "new_loc", new_loc)
        put(self, "context", dict() if context is None else context)


@packed_state
class Finding(Frozen):
    """A classified change: which rule matched, how bad it is, and for whom."""

    __slots__ = (
        "breaks",
        "bump",
        "consumers",
        "fingerprint",
        "ignored",
        "message",
        "new",
        "new_loc",
        "note",
        "old",
        "old_loc",
        "path",
        "rule",
        "security",
        "severity",
        "witness",
    )
    rule: str
    severity: Severity
    security: Security
    breaks: tuple[str, ...]
    path: str
    message: str
    old: Any
    new: Any
    old_loc: Loc | None
    new_loc: Loc | None
    fingerprint: str
    note: str | None  # e.g. "planned removal: deprecated 2026-01-10, sunset 2026-04-10"
    ignored: str | None  # reason from the ignore file, when silenced
    bump: str  # the SemVer bump this finding requires: major | minor | patch
    consumers: tuple[str, ...]  # listed consumers whose `uses` mention what changed
    # schema findings: a JSON instance one side's schema accepts and the other rejects, checked
    # with the validator: {"instance": ..., "valid": "old"|"new", "invalid": "new"|"old"}
    witness: dict[str, Any] | None

    def __init__(
        self,
        rule: str,
        severity: Severity,
        security: Security,
        breaks: tuple[str, ...],
        path: str,
        message: str,
        old: Any = None,
        new: Any = None,
        old_loc: Loc | None = None,
        new_loc: Loc | None = None,
        fingerprint: str = "",
        note: str | None = None,
        ignored: str | None = None,
        bump: str = "",
        consumers: tuple[str, ...] = (),
        witness: dict[str, Any] | None = None,
    ):
        put = object.__setattr__
        put(self, "rule", rule)
        put(self, "severity", severity)
        put(self, "security", security)
        put(self, "breaks", breaks)
        put(self, "path", path)
        put(self, "message", message)
        put(self, "old", old)
        put(self, "new", new)
        put(self, "old_loc", old_loc)
        put(self, "new_loc", new_loc)
        put(self, "fingerprint", fingerprint)
        put(self, "note", note)
        put(self, "ignored", ignored)
        put(self, "bump", bump)
        put(self, "consumers", consumers)
        put(self, "witness", witness)

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
            "bump": self.bump,
            "consumers": list(self.consumers),
            "witness": self.witness,
            **({"ignored": self.ignored} if self.ignored else {}),
        }


class SecurityFinding(Record):
    """A security review result, pointing to a line of the new contract (or the old one for
    something removed).

    ``kind`` is ``state`` (a property of one contract) or ``regression`` (introduced by an
    amendment). ``new_in_amendment`` is false for a state finding that the old version already
    had, so the reviewer sees what this amendment introduced. ``fingerprint`` is stable across
    runs and line moves: rule, contract id, path and the hit's key.
    """

    __slots__ = (
        "citation",
        "fingerprint",
        "fix",
        "ignored",
        "kind",
        "location",
        "message",
        "new_in_amendment",
        "path",
        "rule",
        "same_as",
        "severity",
        "side",
        "source",
        "title",
    )
    rule: str
    severity: SecuritySeverity
    title: str
    message: str
    fix: str
    citation: str
    path: str
    location: Loc | None
    kind: FindingKind
    fingerprint: str
    source: str  # the file (or REV:PATH) the location refers to
    side: Literal["new", "old"]
    new_in_amendment: bool
    ignored: str | None  # reason from the ignore file, when accepted
    same_as: tuple[tuple[str, str, str], ...]

    def __init__(
        self,
        rule: str,
        severity: SecuritySeverity,
        title: str,
        message: str,
        fix: str,
        citation: str,
        path: str,
        location: Loc | None,
        kind: FindingKind,
        fingerprint: str,
        source: str = "",
        side: Literal["new", "old"] = "new",
        new_in_amendment: bool = True,
        ignored: str | None = None,
        same_as: tuple[tuple[str, str, str], ...] = (),
    ):
        self.rule = rule
        self.severity = severity
        self.title = title
        self.message = message
        self.fix = fix
        self.citation = citation
        self.path = path
        self.location = location
        self.kind = kind
        self.fingerprint = fingerprint
        self.source = source
        self.side = side
        self.new_in_amendment = new_in_amendment
        self.ignored = ignored
        self.same_as = same_as

    def identities(self) -> list[tuple[str, str, str]]:
        """``(rule, fingerprint, path)`` of this finding and of those it absorbed."""
        return [(self.rule, self.fingerprint, self.path), *self.same_as]

    @property
    def line(self) -> int | None:
        """The 1-based line of ``location`` (``None`` without one)."""
        return self.location.line if self.location else None

    @property
    def column(self) -> int | None:
        return self.location.column if self.location else None

    @property
    def citation_url(self) -> str | None:
        """A link to the first standard the citation names."""
        return citation_url(self.citation)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "kind": self.kind,
            "title": self.title,
            "path": self.path,
            "message": self.message,
            "fix": self.fix,
            "citation": self.citation,
            "citation_url": self.citation_url,
            "source": self.source,
            "side": self.side,
            "location": self.location.to_dict() if self.location else None,
            "new_in_amendment": self.new_in_amendment,
            "fingerprint": self.fingerprint,
            **({"ignored": self.ignored} if self.ignored else {}),
            **(
                {
                    "same_as": [
                        {"rule": r, "fingerprint": fp, "path": path} for r, fp, path in self.same_as
                    ]
                }
                if self.same_as
                else {}
            ),
        }


@packed_state
class ContractSummary(Frozen):
    """Which contract a side of a comparison is: its source (file or REV:PATH), id and version."""

    __slots__ = ("contract", "kind", "source", "title", "version")
    source: str
    contract: str
    version: str
    title: str
    kind: str  # "contract", or the artefact kind it was read from (oidc-discovery, openapi...)

    def __init__(
        self, source: str, contract: str, version: str, title: str = "", kind: str = "contract"
    ):
        put = object.__setattr__
        put(self, "source", source)
        put(self, "contract", contract)
        put(self, "version", version)
        put(self, "title", title)
        put(self, "kind", kind)

    @property
    def shown_version(self) -> str:
        """The version as reports show it: artefacts rarely carry one (``unversioned``)."""
        return self.version or ("unversioned" if self.kind != "contract" else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "contract": self.contract,
            "version": self.version,
            "title": self.title,
            "kind": self.kind,
        }


class Verdict(Frozen):
    """The answer for a whole amendment.

    ``severity`` is the highest finding severity (``none`` when nothing changed);
    ``required_bump`` what SemVer demands (breaking -> major, risky or additive -> minor,
    editorial -> patch); ``actual_bump`` what the version field did; ``fingerprint`` identifies
    the change set (stable across runs, independent of finding order).
    """

    __slots__ = (
        "actual_bump",
        "bump_note",
        "counts",
        "fingerprint",
        "required_bump",
        "severity",
        "version_bump_ok",
    )
    severity: str
    required_bump: Bump
    actual_bump: str  # major | minor | patch | none | downgrade | invalid
    version_bump_ok: bool
    fingerprint: str
    counts: dict[str, int]  # breaking/risky/safe/weakens/ignored
    bump_note: str  # why the bump verdict is what it is when not obvious (0.x, pre-release)

    def __init__(
        self,
        severity: str,
        required_bump: Bump,
        actual_bump: str,
        version_bump_ok: bool,
        fingerprint: str,
        counts: dict[str, int] | None = None,
        bump_note: str = "",
    ):
        put = object.__setattr__
        put(self, "severity", severity)
        put(self, "required_bump", required_bump)
        put(self, "actual_bump", actual_bump)
        put(self, "version_bump_ok", version_bump_ok)
        put(self, "fingerprint", fingerprint)
        put(self, "counts", dict() if counts is None else counts)
        put(self, "bump_note", bump_note)

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "required_bump": self.required_bump,
            "actual_bump": self.actual_bump,
            "version_bump_ok": self.version_bump_ok,
            "bump_note": self.bump_note,
            "fingerprint": self.fingerprint,
            "counts": dict(self.counts),
        }


class DiffReport(Record):
    """Everything known about one amendment (old -> new): one report read by every face.

    ``security_findings`` holds the security review's results once
    ``workbench.review.build_report`` has run; the engine alone leaves it empty.
    """

    # in field order: pickles list the slots in this order, as the dataclass did
    __slots__ = ("old", "new", "findings", "verdict", "ignored", "security_findings")  # noqa: RUF023
    old: ContractSummary | None
    new: ContractSummary | None
    findings: list[Finding]
    verdict: Verdict
    ignored: list[Finding]
    security_findings: list[SecurityFinding]

    def __init__(
        self,
        old: ContractSummary | None,
        new: ContractSummary | None,
        findings: list[Finding],
        verdict: Verdict,
        ignored: list[Finding] | None = None,
        security_findings: list[SecurityFinding] | None = None,
    ):
        self.old = old
        self.new = new
        self.findings = findings
        self.verdict = verdict
        self.ignored = [] if ignored is None else ignored
        self.security_findings = [] if security_findings is None else security_findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old.to_dict() if self.old else None,
            "new": self.new.to_dict() if self.new else None,
            "verdict": self.verdict.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "ignored": [f.to_dict() for f in self.ignored],
            "security_findings": [f.to_dict() for f in self.security_findings],
        }


MARK_RANK: dict[str, int] = {
    "breaking": 0,
    "critical": 1,
    "high": 2,
    "risky": 3,
    "medium": 4,
    "safe": 5,
    "low": 6,
    "info": 7,
}
"""The order findings of both families are shown in, worst first (a breaking change, critical
and high security findings, risky, medium, safe, low, info): marks, lists and pages agree."""
