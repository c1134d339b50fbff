"""GitHub Actions workflow commands: one annotation per finding on the changed file and line.

``::error file=contracts/payments.yaml,line=47,col=25,title=token.alg-removed::message``.
Property values escape ``%``, ``\\r``, ``\\n``, ``:`` and ``,``; the message escapes ``%``,
``\\r`` and ``\\n`` (GitHub's rules), so a contract value can never end an annotation early or
inject a second command. Breaking findings are errors, risky ones warnings, safe ones notices;
security findings by severity; ignored findings are notices saying so. The verdict closes the
output as a notice.
"""

from __future__ import annotations

from workbench.engine.model import DiffReport, Finding, SecurityFinding
from workbench.report.common import (
    RenderOptions,
    by_severity,
    clean,
    finding_file,
    security_file,
    security_items,
    site,
    verdict_sentence,
)

LEVELS = {
    "breaking": "error",
    "risky": "warning",
    "safe": "notice",
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "notice",
    "info": "notice",
}


def escape_data(text: str) -> str:
    """Escape an annotation message (GitHub's ``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (GitHub's ``escapeProperty``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **props: object) -> str:
    """One workflow command line; ``None`` properties are left out."""
    parts = [
        f"{key}={escape_property(clean(str(value), newlines=True))}"
        for key, value in props.items()
        if value is not None and value != ""
    ]
    head = f"::{level} {','.join(parts)}" if parts else f"::{level}"
    return f"{head}::{escape_data(clean(message, newlines=True))}"


def _finding(report: DiffReport, f: Finding, options: RenderOptions) -> str:
    _, loc = site(f)
    text = f"{f.path}: {f.message}"
    if f.note:
        text += f"\n{f.note}"
    if f.breaks and f.severity != "safe":
        text += f"\nBreaks: {', '.join(p.replace('_', ' ') for p in f.breaks)}"
    if f.security == "weakens":
        text += "\nWeakens security."
    level = LEVELS.get(f.severity, "warning")
    title = f"{f.rule} ({f.severity})"
    if f.ignored:
        level = "notice"
        title = f"{f.rule} (ignored {f.severity})"
        text += f"\nIgnored: {f.ignored}"
    return command(
        level,
        text,
        file=finding_file(report, f, options),
        line=loc.line if loc else None,
        col=loc.column if loc else None,
        endLine=loc.end_line if loc is not None and loc.end_line > loc.line else None,
        title=title,
    )


def _security(report: DiffReport, s: SecurityFinding, options: RenderOptions) -> str:
    text = f"{s.path}: {s.message}"
    if s.fix:
        text += f"\nFix: {s.fix}"
    if s.citation:
        text += f"\nSee: {s.citation}" + (f" {s.citation_url}" if s.citation_url else "")
    level = LEVELS.get(s.severity, "warning")
    title = f"{s.rule} (security: {s.severity})"
    if not s.new_in_amendment and not s.ignored:
        # the old version already had it: worth a note, not a red mark on an untouched line
        level = "notice"
        title = f"{s.rule} (security: {s.severity}, already present)"
    if s.ignored:
        level = "notice"
        title = f"{s.rule} (ignored security: {s.severity})"
        text += f"\nIgnored: {s.ignored}"
    return command(
        level,
        text,
        file=security_file(report, s, options),
        line=s.line,
        col=s.column if s.line else None,
        title=title,
    )


def render_github(report: DiffReport, options: RenderOptions | None = None) -> str:
    """Workflow commands, most severe first, then the verdict."""
    options = options or RenderOptions()
    lines: list[str] = []
    for findings in by_severity(report.findings).values():
        lines.extend(_finding(report, f, options) for f in findings)
    lines.extend(_security(report, s, options) for s in security_items(report))
    lines.extend(_finding(report, f, options) for f in report.ignored)
    summary = report.new or report.old
    contract = summary.contract if summary else "contract"
    lines.append(
        command("notice", verdict_sentence(report), title=f"workbench verdict for {contract}")
    )
    return "\n".join(lines) + "\n"
