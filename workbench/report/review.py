"""The security review as a reviewer reads it: findings grouped by what the amendment did.

``REVIEW_RENDERERS`` maps each ``workbench review --format`` name to a renderer
``(DiffReport, Policy, RenderOptions) -> str``. Text and Markdown are written here (regressions
first, then what the amendment introduced, then what was already there); SARIF, JUnit and
GitHub annotations are the shared report renderers applied to :func:`review_view`, and JSON is
the full report, so every format gates on exactly the same findings (:func:`review_exit_code`).
"""

from __future__ import annotations

from collections.abc import Callable

from workbench.engine.model import DiffReport, SecurityFinding
from workbench.report.common import (
    RenderOptions,
    clean,
    exit_code,
    security_fails,
    security_file,
    security_items,
)
from workbench.report.github import render_github
from workbench.report.html import render_review_html
from workbench.report.json_report import render_json
from workbench.report.junit import render_junit
from workbench.report.markdown import ICONS, link, md, md_code
from workbench.report.sarif import render_sarif
from workbench.report.text import Painter, security_advice, security_place
from workbench.security.policy import Policy
from workbench.security.summary import count_security

ReviewRenderer = Callable[[DiffReport, Policy, RenderOptions], str]


def review_view(report: DiffReport) -> DiffReport:
    """The report with only its security findings: what ``workbench review`` renders and gates
    on (compatibility findings belong to ``workbench diff``)."""
    return report.replace(findings=[], ignored=[])


def review_options(fail_on: str, **kwargs) -> RenderOptions:
    """Render options whose gate is the security threshold alone."""
    return RenderOptions(fail_on="breaking", security_fail_on=fail_on, **kwargs)


def _groups(
    report: DiffReport, items: list[SecurityFinding]
) -> list[tuple[str, list[SecurityFinding]]]:
    """The review's sections that hold findings, each ``(title, findings)``; a review of one
    contract has no amendment, so what it introduces is just its findings."""
    amendment = report.old is not None and report.new is not None
    regressions = [s for s in items if s.kind == "regression" and not s.ignored]
    introduced = [s for s in items if s.kind == "state" and s.new_in_amendment and not s.ignored]
    present = [s for s in items if s.kind == "state" and not s.new_in_amendment and not s.ignored]
    ignored = [s for s in items if s.ignored]
    groups = [
        ("Regressions introduced by this amendment", regressions),
        ("Introduced in the new version" if amendment else "Findings", introduced),
        ("Already present before this amendment", present),
        ("Accepted in the ignore file", ignored),
    ]
    return [(title, group) for title, group in groups if group]


def _counts(items: list[SecurityFinding], options: RenderOptions) -> str:
    """The security count (``security.summary``), as the log and every report give it."""
    if not items:
        return "no findings"
    return count_security(items, options.security_fail_on).describe()


def _subject(report: DiffReport) -> tuple[str, list[tuple[str, str]]]:
    old, new = report.old, report.new
    summary = new or old
    name = clean(summary.contract) if summary else "contract"
    if old and new:
        head = f"{name} {clean(old.shown_version)} -> {clean(new.shown_version)}"
        return head, [("old", clean(old.source)), ("new", clean(new.source))]
    if new:
        return f"{name} {clean(new.shown_version)}", [("file", clean(new.source))]
    return name, []


def render_review_text(report: DiffReport, policy: Policy, options: RenderOptions) -> str:
    """The review for a terminal or a CI log (coloured when ``options.color``)."""
    paint = Painter(options.color)
    items = security_items(report)
    head, sources = _subject(report)
    out = [paint(f"Security review: {head}", "bold")]
    out += [paint(f"  {label}: {source}", "dim") for label, source in sources]
    out.append(
        paint(f"  policy: {clean(policy.source)}; fails on {options.security_fail_on}", "dim")
    )
    for title, group in _groups(report, items):
        out.append("")
        out.append(paint(f"{title.upper()} ({len(group)})", "bold"))
        for item in group:
            out.extend(_text_item(report, item, options, paint))
    failing = [s for s in items if security_fails(s, options)]
    out.append("")
    if not items:
        out.append(paint("No security findings.", "safe"))
    verdict = (
        paint(f"FAIL: {len(failing)} at or above {options.security_fail_on}", "high")
        if failing
        else paint(f"PASS: nothing new at or above {options.security_fail_on}", "safe")
        if options.security_fail_on != "never"
        else "PASS: gate off (--fail-on never)"
    )
    out.append(f"{verdict}; {_counts(items, options)}")
    return "\n".join(out) + "\n"


def _text_item(report, item: SecurityFinding, options: RenderOptions, paint) -> list[str]:
    gate = "  " + paint("<- fails", item.severity) if security_fails(item, options) else ""
    label = paint(f"{item.severity.upper():8}", item.severity)
    lines = [f"  {label} {paint(item.rule, 'rule')}  {clean(item.title)}{gate}"]
    where = security_place(report, item, options)
    if item.side == "old" and report.new is not None and report.old is not None:
        where += " (old)"
    lines.append(f"      {paint(where, 'dim')}  {clean(item.path)}")
    lines.append(f"      {clean(item.message)}")
    lines += security_advice(item)
    if item.ignored:
        lines.append(f"      accepted: {clean(item.ignored)}")
    return lines


def render_review_markdown(report: DiffReport, policy: Policy, options: RenderOptions) -> str:
    """The review as GitHub-flavoured Markdown (a pull-request comment or job summary)."""
    items = security_items(report)
    head, sources = _subject(report)
    failing = [s for s in items if security_fails(s, options)]
    status = "❌ fails" if failing else "✅ passes"
    out = [f"## Security review: {md(head)}", ""]
    for label, source in sources:
        out.append(f"- {label}: {md_code(source)}")
    out.append(
        f"- policy: {md_code(policy.source)}; gate: {md(options.security_fail_on)} "
        f"and above ({status})"
    )
    out.append(f"- findings: {md(_counts(items, options))}")
    if not items:
        out += ["", "No security findings."]
    for title, group in _groups(report, items):
        out += ["", f"### {md(title)} ({len(group)})", ""]
        out.append("| | severity | rule | where | finding | fix | standard |")
        out.append("|---|---|---|---|---|---|---|")
        for s in group:
            where = security_file(report, s, options) + (f":{s.line}" if s.line else "")
            standard = link(s.citation, s.citation_url)
            mark = "**fails**" if security_fails(s, options) else ""
            out.append(
                f"| {ICONS.get(s.severity, '')} {mark} | {md(s.severity)} | {md_code(s.rule)} "
                f"| {md_code(where)}<br>{md_code(s.path)} | {md(s.message)} | {md(s.fix)} "
                f"| {standard} |"
            )
    return "\n".join(out) + "\n"


def _view_of(renderer: Callable[[DiffReport, RenderOptions], str]) -> ReviewRenderer:
    """A report renderer applied to the review's view (its security findings only)."""

    def render(report: DiffReport, policy: Policy, options: RenderOptions) -> str:
        return renderer(review_view(report), options)

    return render


def render_review_json(report: DiffReport, policy: Policy, options: RenderOptions) -> str:
    """The full JSON report: the engine's findings and ``security_findings``."""
    return render_json(report, options)


# The review format registry: one entry per ``workbench review --format`` name.
REVIEW_RENDERERS: dict[str, ReviewRenderer] = {
    "text": render_review_text,  # these two read only the security findings
    "json": render_review_json,
    "markdown": render_review_markdown,
    "sarif": _view_of(render_sarif),
    "junit": _view_of(render_junit),
    "github": _view_of(render_github),
    "html": _view_of(render_review_html),
}


def render_review(report: DiffReport, fmt: str, policy: Policy, options: RenderOptions) -> str:
    """Render the security review of ``report`` in format ``fmt`` (a key of
    ``REVIEW_RENDERERS``)."""
    if fmt not in REVIEW_RENDERERS:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(REVIEW_RENDERERS)})")
    return REVIEW_RENDERERS[fmt](report, policy, options)


def review_exit_code(report: DiffReport, options: RenderOptions) -> int:
    """1 when a security finding fails the review's gate, else 0 (whatever the format)."""
    return exit_code(review_view(report), options)
