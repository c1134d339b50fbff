"""The terminal report: findings grouped by severity, each with rule, path, file:line, message,
who it breaks and whether it weakens security, then the security review and the verdict.

Colour is optional ANSI (the caller decides: a TTY and no ``NO_COLOR``); without it the output is
plain text that reads the same in a CI log.
"""

from __future__ import annotations

from workbench.engine.model import DiffReport, Finding, SecurityFinding
from workbench.report.common import (
    RenderOptions,
    by_severity,
    clean,
    consumers_of,
    counts,
    display_value,
    fails,
    finding_file,
    gate_summary,
    security_count,
    security_fails,
    security_file,
    security_items,
    short_value,
    site,
    verdict_sentence,
    witness_text,
)
from workbench.report.paint import STYLES as _STYLES
from workbench.report.paint import Painter, use_color  # noqa: F401 - re-exported

_MARK = {"breaking": "x", "risky": "!", "safe": "+"}


def render_text(report: DiffReport, options: RenderOptions | None = None) -> str:
    """The human report for terminals and CI logs."""
    options = options or RenderOptions()
    paint = Painter(options.color)
    out: list[str] = [_header(report, paint)]
    groups = by_severity(report.findings)
    if not report.findings and not report.ignored:
        out.append("")
        out.append("No semantic changes.")
    for severity, findings in groups.items():
        if not findings:
            continue
        out.append("")
        out.append(paint(f"{severity.upper()} ({len(findings)})", severity))
        for f in findings:
            out.extend(_finding(report, f, options, paint))
    if report.ignored:
        out.append("")
        out.append(paint(f"IGNORED ({len(report.ignored)})", "ignored"))
        for f in report.ignored:
            out.extend(_finding(report, f, options, paint, ignored=True))
    items = security_items(report)
    if items:
        out.append("")
        out.append(paint(f"SECURITY REVIEW ({len(items)})", "bold"))
        for item in items:
            out.extend(_security(report, item, options, paint))
    out.append("")
    out.extend(_verdict(report, options, paint, items))
    return "\n".join(out) + "\n"


TITLE_LIMIT = 100  # a title is a name, not a document: longer ones are cut in the header


def _header(report: DiffReport, paint: Painter) -> str:
    old, new = report.old, report.new
    summary = new or old
    name = clean(summary.contract) if summary else "contract"
    title = f" ({short_value(summary.title, TITLE_LIMIT)})" if summary and summary.title else ""
    if old and new:
        change = f"{clean(old.shown_version)} -> {clean(new.shown_version)}"
        sources = f"{clean(old.source)} -> {clean(new.source)}"
    elif new:
        change, sources = f"created at {clean(new.shown_version)}", clean(new.source)
    elif old:
        change, sources = f"deleted (was {clean(old.shown_version)})", clean(old.source)
    else:
        change, sources = "", ""
    return f"{paint(name, 'bold')}{title}  {change}\n{paint(sources, 'dim')}"


def _finding(
    report: DiffReport,
    f: Finding,
    options: RenderOptions,
    paint: Painter,
    *,
    ignored: bool = False,
) -> list[str]:
    mark = "-" if ignored else _MARK.get(f.severity, "*")
    security = ""
    if f.security == "weakens":
        security = "  " + paint("[weakens security]", "weakens")
    elif f.security == "strengthens":
        security = "  " + paint("[strengthens security]", "strengthens")
    level = f"{f.severity}, " if ignored else ""
    gate = "  " + paint("<- fails", f.severity) if fails(f, options.fail_on) else ""
    head = f"  {mark} {paint(f.rule, 'rule')}  {clean(f.path)}{security}{gate}"
    lines = [head]
    side, loc = site(f)
    where = finding_file(report, f, options)
    if loc is not None:
        where = f"{where}:{loc.line}:{loc.column}"
    if side == "old" and report.new is not None:
        where += " (old)"
    lines.append(f"      {paint(where, 'dim')}  {clean(f.message)}")
    was, now = display_value(f.path, f.old, 200), display_value(f.path, f.new, 200)
    if (f.old is not None or f.new is not None) and len(was) + len(now) <= 80:
        lines.append(f"      {paint('was', 'dim')} {was}  {paint('now', 'dim')} {now}")
    if f.breaks and f.severity != "safe":
        who = ", ".join(clean(p) for p in f.breaks)
        named = consumers_of(f)
        if named:
            who += f" (consumers: {', '.join(clean(c) for c in named)})"
        lines.append(f"      breaks: {who}")
    if f.note:
        lines.append(f"      note: {clean(f.note)}")
    if (witness := witness_text(f)) is not None:
        lines.append(f"      witness: {witness}")
    if ignored:
        reason = clean(f.ignored or "")
        lines.append("      " + paint(f"ignored ({level}{f.security}): {reason}", "ignored"))
    return lines


def security_place(report: DiffReport, item: SecurityFinding, options: RenderOptions) -> str:
    """``file:line:col`` of a security finding (its file alone when it has no line)."""
    where = security_file(report, item, options)
    if item.line:
        where = f"{where}:{item.line}:{item.column or 1}"
    return where


def security_advice(item: SecurityFinding) -> list[str]:
    """A security finding's ``fix:`` and ``see:`` lines (the standard, linked)."""
    lines = []
    if item.fix:
        lines.append(f"      fix: {clean(item.fix)}")
    if item.citation:
        url = f" <{clean(item.citation_url)}>" if item.citation_url else ""
        lines.append(f"      see: {clean(item.citation)}{url}")
    return lines


def _security(
    report: DiffReport, item: SecurityFinding, options: RenderOptions, paint: Painter
) -> list[str]:
    label = paint(f"{item.severity.upper():8}", item.severity)
    tags = []
    if item.kind == "regression":
        tags.append("regression")
    elif not item.new_in_amendment:
        tags.append("already present")
    if item.ignored:
        tags.append("ignored")
    tag = f"  ({', '.join(tags)})" if tags else ""
    gate = "  " + paint("<- fails", item.severity) if security_fails(item, options) else ""
    lines = [f"  {label} {paint(item.rule, 'rule')}  {clean(item.path)}{tag}{gate}"]
    where = security_place(report, item, options)
    lines.append(f"      {paint(where, 'dim')}  {clean(item.message)}")
    if not item.new_in_amendment and item.kind != "regression" and not item.ignored:
        return lines  # not this amendment's doing: the review command has the details
    lines += security_advice(item)
    if item.ignored:
        lines.append("      " + paint(f"ignored: {clean(item.ignored)}", "ignored"))
    return lines


def _verdict(
    report: DiffReport, options: RenderOptions, paint: Painter, items: list[SecurityFinding]
) -> list[str]:
    v = report.verdict
    style = v.severity if v.severity in _STYLES else "bold"
    line = "Verdict: " + paint(verdict_sentence(report), style)
    c = counts(report)
    parts = [f"{c[s]} {s}" for s in ("breaking", "risky", "safe")]
    if c["ignored"]:
        parts.append(f"{c['ignored']} ignored")
    if c["weakens"]:
        parts.append(f"{c['weakens']} weaken security")
    if items:
        parts.append("security: " + security_count(report, options).describe())
    lines = [line, "  " + "; ".join(parts)]
    failed, gate = gate_summary(report, options)
    lines.append("Gate: " + paint(gate, "breaking" if failed else "safe"))
    if not v.version_bump_ok:
        lines.append(
            "  "
            + paint(
                f"bump the version: this amendment needs a {v.required_bump} version change",
                "breaking" if v.required_bump == "major" else "risky",
            )
        )
    return lines
