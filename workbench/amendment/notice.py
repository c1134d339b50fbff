"""The amendment notice: a Markdown message for the people who rely on the contract.

It says what changes (grouped by severity, with the security review), who is affected (the
consumers whose ``uses`` intersect the changed parts), what each of them must do and by when,
and the deprecation and sunset dates with the HTTP header values servers send: ``Deprecation:
@<unix seconds>`` (RFC 9745, a structured-field date) and ``Sunset: <HTTP-date>`` (RFC 8594),
each with its ``Link`` relation. Every value from the contract is escaped for Markdown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.utils import format_datetime
from typing import Any

from workbench.amendment.bump import BumpError, next_version
from workbench.amendment.compat import Coverage, coverage
from workbench.amendment.record import Acceptance, Record, SignOff
from workbench.contract.model import Contract
from workbench.contract.units import as_date
from workbench.engine.impact import EVERYONE, AffectedConsumer, affected_consumers
from workbench.engine.model import DiffReport, Finding
from workbench.report.markdown import md, md_code

SEVERITY_TITLES = {
    "breaking": "Breaking changes",
    "risky": "Changes that may need action",
    "safe": "Compatible changes",
}
PARTY_WORDS = {
    "clients": "clients",
    "relying_parties": "relying parties (token verifiers)",
    "issuer": "the issuer",
}


def deprecation_header(day: dt.date) -> str:
    """The RFC 9745 ``Deprecation`` field value for midnight UTC of ``day``: ``@<unix>``."""
    moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return f"@{int(moment.timestamp())}"


def sunset_header(day: dt.date) -> str:
    """The RFC 8594 ``Sunset`` field value (an IMF-fixdate) for midnight UTC of ``day``."""
    moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return format_datetime(moment, usegmt=True)


def _header_safe(text: str) -> str:
    """A URL fit for a header line inside a code fence: no controls, backticks or brackets."""
    return "".join(ch for ch in text if ch.isprintable() and ch not in "`<> ")


@dataclass(slots=True)
class DeprecationInfo:
    """One ``deprecations`` entry with its header values."""

    target: str
    announced: dt.date | None
    sunset: dt.date | None
    replacement: str | None
    notice: str | None
    link: str | None
    new: bool  # added or changed by this amendment

    @property
    def headers(self) -> list[str]:
        out = []
        if self.announced is not None:
            out.append(f"Deprecation: {deprecation_header(self.announced)}")
        if self.sunset is not None:
            out.append(f"Sunset: {sunset_header(self.sunset)}")
        link = _header_safe(self.link) if self.link else ""
        if link:
            out.append(f'Link: <{link}>; rel="deprecation"')
            if self.sunset is not None:
                out.append(f'Link: <{link}>; rel="sunset"')
        return out


def deprecations(old: Contract | None, new: Contract | None) -> list[DeprecationInfo]:
    """The deprecations of the new contract, each marked whether this amendment adds it."""
    if new is None:
        return []
    before = [
        d for d in (old.norm.get("deprecations") if old else None) or [] if isinstance(d, dict)
    ]
    out = []
    for dep in new.norm.get("deprecations") or []:
        if not isinstance(dep, dict):
            continue
        out.append(
            DeprecationInfo(
                target=str(dep.get("target")),
                announced=as_date(dep.get("announced")) if dep.get("announced") else None,
                sunset=as_date(dep.get("sunset")) if dep.get("sunset") else None,
                replacement=str(dep["replacement"]) if dep.get("replacement") else None,
                notice=str(dep["notice"]) if dep.get("notice") else None,
                link=str(dep["link"]) if dep.get("link") else None,
                new=dep not in before,
            )
        )
    return out


@dataclass(slots=True)
class NoticeInput:
    """Everything a notice says; faces fill it from the checklist (or just two contracts)."""

    old: Contract | None
    new: Contract | None
    report: DiffReport
    path: str = ""
    summary: str = ""
    today: dt.date = field(default_factory=dt.date.today)
    effective: dt.date | None = None
    coverages: dict[str, Coverage] = field(default_factory=dict)  # breaking fingerprint -> how
    accepted: dict[str, Acceptance] = field(default_factory=dict)  # any fingerprint -> reason
    sign_off: SignOff | None = None
    fingerprint: str = ""
    version: str | None = None  # the version the amendment produces (default: see below)


def record_notes(record: Record | None, fingerprint: str) -> dict[str, Any]:
    """What an amendment record adds to a notice (``NoticeInput`` fields): its summary,
    effective date and accepted reasons, and the sign-off when it is for change set
    ``fingerprint``."""
    if record is None:
        return {}
    sign = record.step("security_review").sign_off
    return {
        "summary": record.summary,
        "effective": dt.date.fromisoformat(record.effective) if record.effective else None,
        "accepted": {
            a.fingerprint: a
            for name in ("compatibility", "security_review")
            for a in record.step(name).accepted
        },
        "sign_off": sign if sign is not None and sign.fingerprint == fingerprint else None,
    }


def _contract(inp: NoticeInput) -> Contract | None:
    return inp.new if inp.new is not None else inp.old


def _by_when(inp: NoticeInput, finding: Finding, to_version: str) -> str:
    cov = inp.coverages.get(finding.fingerprint)
    if cov is not None and cov.sunset is not None:
        return f"By {cov.sunset}"
    if inp.effective is not None:
        return f"By {inp.effective}"
    return f"Before {to_version} is released"


def _finding_line(inp: NoticeInput, f: Finding) -> str:
    parts = [f"- {md(f.message)} ({md_code(f.path)})"]
    if f.severity in ("breaking", "risky") and f.breaks:
        who = ", ".join(PARTY_WORDS.get(p, p) for p in f.breaks)
        parts.append(f"  breaks {md(who)}.")
    cov = inp.coverages.get(f.fingerprint)
    if cov is not None and cov.ok and cov.kind != "accepted":
        parts.append(f"  {md(cov.detail)}.")
    acc = inp.accepted.get(f.fingerprint)
    reason = acc.reason if acc is not None else f.ignored
    if reason:
        parts.append(f"  Accepted: {md(reason)}")
    return "".join(parts[:1]) + ("\n" + "\n".join(parts[1:]) if len(parts) > 1 else "")


def render_notice(inp: NoticeInput) -> str:
    """The notice as Markdown (see the module docstring)."""
    report = inp.report
    contract = _contract(inp)
    cid = contract.id if contract is not None else "?"
    title = contract.title if contract is not None else cid
    old_v = inp.old.version if inp.old is not None else None
    verdict = report.verdict
    new_v = inp.new.version if inp.new is not None else "(deleted)"
    # an artefact without a SemVer version goes out under the label the author gave
    labelled = contract is not None and "artefact" in contract.data and not contract.version
    if labelled:
        new_v = inp.version or "its next release"
    unbumped = (
        not labelled
        and inp.old is not None
        and inp.new is not None
        and inp.new.version == inp.old.version
        and verdict.required_bump != "none"
    )
    if unbumped:  # never announce the released version as the one to come
        assert inp.old is not None
        upcoming = inp.version if inp.version and inp.version != inp.old.version else None
        if upcoming is None:
            try:
                upcoming = next_version(inp.old.version, verdict.required_bump)
            except BumpError:
                upcoming = None
        new_v = upcoming or "the next version"
    findings = list(report.findings)
    ignored = list(report.ignored)
    lines: list[str] = [f"# Amendment notice: {md(title)} {md(new_v)}", ""]
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITY_TITLES}
    rows = [
        (
            "Contract",
            f"{md_code(cid)} ({md(title)})" + (f", {md_code(inp.path)}" if inp.path else ""),
        ),
        (
            "Version",
            f"released as {md(new_v)}: a {md(verdict.required_bump)} change (the artefact "
            "carries no SemVer version)"
            if labelled
            else f"{md(old_v or '(new contract)')} → {md(new_v)} ({md(verdict.required_bump)} bump required)"
            + (
                f"; the draft still says {md(inp.new.version)}: set the version before release"
                if unbumped and inp.new is not None
                else ""
            ),
        ),
        (
            "Severity",
            f"{md(verdict.severity)}: {counts['breaking']} breaking, {counts['risky']} risky, "
            f"{counts['safe']} compatible",
        ),
        ("Date", str(inp.today)),
        ("Takes effect", str(inp.effective) if inp.effective else f"when {md(new_v)} is released"),
    ]
    if inp.fingerprint or verdict.fingerprint:
        rows.append(("Change set", md_code(inp.fingerprint or verdict.fingerprint)))
    lines += ["| | |", "|---|---|", *(f"| {k} | {v} |" for k, v in rows), ""]

    lines += ["## Summary", ""]
    if inp.summary.strip():
        lines += [md(inp.summary.strip()).replace("<br>", "\n"), ""]
    else:
        lines += [_auto_summary(findings, old_v, new_v), ""]

    lines += ["## What changes", ""]
    if not findings and not ignored:
        lines += ["Nothing that affects anyone: the change is editorial.", ""]
    for severity, heading in SEVERITY_TITLES.items():
        group = [f for f in findings if f.severity == severity]
        if group:
            lines += [f"### {heading}", ""]
            lines += [_finding_line(inp, f) for f in group]
            lines.append("")
    if ignored:
        lines += ["### Accepted in the ignore file", ""]
        lines += [_finding_line(inp, f) for f in ignored]
        lines.append("")

    relevant = [
        s
        for s in report.security_findings
        if s.new_in_amendment or s.severity in ("critical", "high")
    ]
    lines += ["## Security review", ""]
    if relevant:
        for s in relevant:
            acc = inp.accepted.get(s.fingerprint)
            reason = acc.reason if acc is not None else s.ignored
            new_mark = "" if s.new_in_amendment else " (already present before)"
            lines.append(
                f"- **{md(s.severity)}** {md(s.title)}: {md(s.message)} ({md_code(s.path)}){new_mark}"
            )
            if reason:
                lines.append(f"  Accepted: {md(reason)}")
    else:
        lines.append("No security finding introduced by this amendment.")
    if inp.sign_off is not None:
        lines.append("")
        lines.append(
            f"Reviewed and signed off by {md(inp.sign_off.who)} on {md(inp.sign_off.at[:10])}"
            f" for change set {md_code(inp.sign_off.fingerprint)}."
        )
    lines.append("")

    consumers = affected_consumers(findings, inp.old, inp.new)
    lines += ["## Who is affected", ""]
    if consumers:
        lines += ["| Consumer | Contact | Why |", "|---|---|---|"]
        for c in consumers:
            why = (
                "every consumer"
                if EVERYONE in c.matched
                else "uses " + ", ".join(md_code(m) for m in c.matched)
            )
            lines.append(f"| {md(c.name)} | {md(c.contact or '(no contact)')} | {why} |")
    elif contract is not None and contract.section("consumers"):
        lines.append("No listed consumer uses the parts this amendment changes.")
    else:
        lines.append("The contract lists no consumers.")
    lines.append("")

    lines += _actions(inp, consumers, new_v)
    lines += _deprecation_section(inp)
    return "\n".join(lines).rstrip("\n") + "\n"


def _auto_summary(findings: list[Any], old_v: str | None, new_v: str) -> str:
    if not findings:
        return f"Version {md(new_v)} changes no behaviour."
    first = "; ".join(md(f.message) for f in findings[:3])
    more = f"; and {len(findings) - 3} more" if len(findings) > 3 else ""
    return f"Version {md(new_v)}: {first}{more}."


def _actions(inp: NoticeInput, consumers: list[AffectedConsumer], new_v: str) -> list[str]:
    lines = ["## What you must do, and by when", ""]
    any_action = False
    for c in consumers:
        todo = [f for f in c.findings if f.severity in ("breaking", "risky")]
        if not todo:
            continue
        any_action = True
        lines += [f"### {md(c.name)}", ""]
        for f in todo:
            when = _by_when(inp, f, new_v)
            verb = "Adapt" if f.severity == "breaking" else "Check"
            text = f"- **{md(when)}** — {verb}: {md(f.message)}"
            cov = inp.coverages.get(f.fingerprint)
            dep = cov.deprecation if cov is not None else None
            if dep and dep.get("replacement"):
                text += f" Use {md(dep['replacement'])} instead."
            if dep and dep.get("notice"):
                text += f" {md(dep['notice'])}"
            lines.append(text)
        lines.append("")
    if not any_action:
        lines += ["Nothing: every change is compatible for the listed consumers.", ""]
    return lines


def _deprecation_section(inp: NoticeInput) -> list[str]:
    deps = deprecations(inp.old, inp.new)
    if not deps:
        return []
    lines = ["## Deprecations and sunset dates", ""]
    lines += [
        "| Target | Announced | Sunset | Replacement | New in this version |",
        "|---|---|---|---|---|",
    ]
    for d in deps:
        lines.append(
            f"| {md_code(d.target)} | {d.announced or '—'} | {d.sunset or '—'} | "
            f"{md(d.replacement or '—')} | {'yes' if d.new else 'no'} |"
        )
    lines.append("")
    for d in deps:
        if not d.headers:
            continue
        lines += [
            f"Responses that use {md_code(d.target)} carry:",
            "",
            "```http",
            *d.headers,
            "```",
            "",
        ]
    return lines


def notice_for(
    old: Contract | None,
    new: Contract | None,
    report: DiffReport,
    *,
    path: str = "",
    today: dt.date | None = None,
    notice_period: int = 90 * 86400,
    default_skew: int = 60,
    old_since: dt.datetime | None = None,
    record: Record | None = None,
    now: dt.datetime | None = None,
) -> str:
    """The notice for two contracts (``workbench notice OLD NEW``); a record, when given, adds
    its summary, effective date, accepted reasons and the sign-off for this change set."""
    day = today or dt.date.today()
    now = now or dt.datetime.now(dt.UTC)
    notes = record_notes(record, report.verdict.fingerprint)
    accepted: dict[str, Acceptance] = notes.get("accepted", {})
    coverages = {
        f.fingerprint: coverage(
            f,
            old,
            new,
            accepted=accepted.get(f.fingerprint),
            notice_period=notice_period,
            default_skew=default_skew,
            today=day,
            now=now,
            old_since=old_since,
        )
        for f in report.findings
        if f.severity == "breaking"
    }
    return render_notice(
        NoticeInput(
            old=old,
            new=new,
            report=report,
            path=path,
            today=day,
            coverages=coverages,
            fingerprint=report.verdict.fingerprint,
            **notes,
        )
    )
