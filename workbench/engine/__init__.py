"""The amendment engine: semantic diff, rule classification, verdict and fingerprints.

``compare(old, new)`` is the one entry point every face uses (CLI, TUI, reports, checklist)::

    report = compare(load_contract("v1.yaml"), load_contract("v2.yaml"))
    report.verdict.severity        # "breaking" | "risky" | "safe" | "none"
    report.verdict.required_bump   # "major" | "minor" | "patch" | "none"
    for finding in report.findings: ...
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from workbench.engine.model import (
    SEVERITY_ORDER,
    Change,
    ContractSummary,
    DiffReport,
    Finding,
    Verdict,
)
from workbench.lazy import lazy_exports

if TYPE_CHECKING:
    from workbench.contract.model import Contract
    from workbench.engine.diff import diff_contracts
    from workbench.engine.rules import REGISTRY

# The rules, the differ and the classifier are imported on first use (``compare``, or the names
# below): a process that only reads cached reports (the log) never loads them.
_LAZY: dict[str, str] = {
    "REGISTRY": "workbench.engine.rules",
    "diff_contracts": "workbench.engine.diff",
}


__getattr__ = lazy_exports(__name__, globals(), _LAZY)


__all__ = [
    "REGISTRY",
    "Change",
    "ContractSummary",
    "DiffReport",
    "Finding",
    "Verdict",
    "compare",
    "diff_contracts",
    "summarize",
    "verdict_for",
]


class IgnoreMatcher(Protocol):
    def match(self, finding: Finding) -> str | None: ...


Ignores = IgnoreMatcher | Callable[[Finding], "str | None"] | None


def compare(
    old: Contract | None,
    new: Contract | None,
    *,
    today: dt.date | None = None,
    ignores: Ignores = None,
) -> DiffReport:
    """Classify the amendment ``old`` -> ``new``; ``None`` on one side means the contract was
    created or deleted. ``today`` decides whether deprecation sunsets have passed.
    ``ignores`` (an object with ``match(finding) -> reason | None``, or such a callable) moves
    accepted findings to ``report.ignored`` with their reason."""
    from workbench.engine.classify import classify
    from workbench.engine.diff import diff_contracts
    from workbench.engine.rules import Env

    if old is None and new is None:
        raise ValueError("compare() needs at least one contract")
    env = Env(old, new, today or dt.date.today())
    if old is not None and new is not None:
        changes = diff_contracts(old, new)
    else:
        changes = [_lifecycle_change(old, new)]
    findings = classify(changes, env)
    if ignores is not None and hasattr(ignores, "scoped"):
        ignores = ignores.scoped((new or old).id)  # entries limited to one contract id
    kept, ignored = _apply_ignores(findings, ignores)
    verdict = verdict_for(old, new, kept, ignored)
    return DiffReport(
        old=summarize(old),
        new=summarize(new),
        findings=kept,
        verdict=verdict,
        ignored=ignored,
    )


def summarize(c: Contract | None) -> ContractSummary | None:
    if c is None:
        return None
    artefact = c.data.get("artefact") if isinstance(c.data, dict) else None
    kind = artefact.get("kind") if isinstance(artefact, dict) else None
    return ContractSummary(
        source=c.source,
        contract=c.id,
        version=c.version,
        title=c.title,
        kind=kind if isinstance(kind, str) else "contract",
    )


def _lifecycle_change(old: Contract | None, new: Contract | None) -> Change:
    if old is None:
        assert new is not None
        return Change(
            path="contract",
            kind="added",
            new=new.id,
            new_raw=("contract",),
            new_loc=new.anchor(("contract",)),
            context={"topic": "contract.lifecycle", "status": new.status},
        )
    return Change(
        path="contract",
        kind="removed",
        old=old.id,
        old_raw=("contract",),
        old_loc=old.anchor(("contract",)),
        context={"topic": "contract.lifecycle", "status": old.status},
    )


def _apply_ignores(
    findings: list[Finding], ignores: Ignores
) -> tuple[list[Finding], list[Finding]]:
    if ignores is None:
        return findings, []
    matcher = ignores.match if hasattr(ignores, "match") else ignores
    kept, ignored = [], []
    for finding in findings:
        reason = matcher(finding)  # type: ignore[operator]
        if reason:
            ignored.append(_with(finding, ignored=str(reason)))
        else:
            kept.append(finding)
    return kept, ignored


def _with(finding: Finding, **changes: Any) -> Finding:
    return finding.replace(**changes)


def verdict_for(
    old: Contract | None,
    new: Contract | None,
    findings: list[Finding],
    ignored: list[Finding] | None = None,
) -> Verdict:
    """The verdict of an amendment from its (not ignored) findings.

    The change-set fingerprint covers ignored findings too: silencing a finding does not make it
    a different amendment.
    """
    from workbench.engine import semver
    from workbench.engine.classify import change_set_fingerprint, content_changes

    ignored = ignored or []
    severity = "none"
    for f in findings:
        if SEVERITY_ORDER[f.severity] > SEVERITY_ORDER.get(severity, -1):
            severity = f.severity
    counts = Counter(f.severity for f in findings)
    security = Counter(f.security for f in findings)
    bump_note = ""
    if old is None or new is None:
        required = "none"
        actual = "none"
        ok = True
        bump_note = (
            "new contract: any valid version starts it"
            if old is None
            else "deleted contract: no version to bump"
        )
        if new is not None and "artefact" in new.data and not new.version:
            actual, bump_note = "unversioned", "new artefact: it carries no SemVer version"
        elif new is not None and not semver.is_valid(new.version):
            actual, ok = "invalid", False
    elif not (old.version and new.version) and (
        not (old.version or new.version) or ("artefact" in old.data and "artefact" in new.data)
    ):
        # an artefact (discovery metadata, a realm export) carries no SemVer version: say which
        # bump the amendment needs and leave the label to whoever releases it
        required = semver.max_bump(f.bump or _bump_of(f.severity) for f in findings)  # type: ignore[assignment]
        actual, ok = "unversioned", True
        bump_note = (
            "the artefact carries no SemVer version: release it under a label that shows "
            f"a {required} change"
            if required != "none"
            else "the artefact carries no SemVer version"
        )
    else:
        semantic = semver.max_bump(f.bump or _bump_of(f.severity) for f in findings)
        required = semver.required_for(semantic, old.version)
        if required != semantic:
            bump_note = (
                f"{old.version} is an initial-development (0.y.z) version: a {semantic} change "
                f"needs only a {required} bump (0.y acts as the major version)"
            )
        actual = semver.bump_kind(old.version, new.version)
        ok = semver.satisfies(actual, required)
        if semver.prerelease_step(old.version, new.version):
            ok = True
            bump_note = (
                f"{old.version} -> {new.version} stays within a pre-release series, which carries "
                "no compatibility promise (SemVer item 9)"
            )
    return Verdict(
        severity=severity,
        required_bump=required,  # type: ignore[arg-type]
        actual_bump=actual,
        version_bump_ok=ok,
        fingerprint=change_set_fingerprint(
            [f.fingerprint for f in (*findings, *ignored)],
            content_changes(old.norm if old else None, new.norm if new else None),
        ),
        counts={
            "breaking": counts.get("breaking", 0),
            "risky": counts.get("risky", 0),
            "safe": counts.get("safe", 0),
            "weakens": security.get("weakens", 0),
            "strengthens": security.get("strengthens", 0),
            "ignored": len(ignored),
        },
        bump_note=bump_note,
    )


def _bump_of(severity: str) -> str:
    return {"breaking": "major", "risky": "minor"}.get(severity, "minor")
