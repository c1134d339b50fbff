"""The reviewer's summary in GitHub-flavoured Markdown, for a pull-request comment or a job summary.

Every value that comes from a contract (paths, messages, versions, reasons) is escaped: Markdown
and HTML syntax characters are backslash-escaped, table pipes too, and newlines become ``<br>``,
so a hostile contract can neither break a table nor inject HTML or links.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from workbench import __version__
from workbench.engine.model import DiffReport, Finding, SecurityFinding
from workbench.report.common import (
    PARTY_LABELS,
    RenderOptions,
    affected,
    affected_consumers,
    by_severity,
    clean,
    consumers_of,
    counts,
    finding_file,
    gate_summary,
    security_count,
    security_file,
    security_items,
    short_value,
    site,
    witness_text,
)
from workbench.report.rules import rule_doc_url

ICONS = {
    "breaking": "🔴",
    "risky": "🟡",
    "safe": "🟢",
    "none": "⚪",
    "critical": "🟣",
    "high": "🔴",
    "medium": "🟠",
    "low": "🔵",
    "info": "⚪",
}
# A pull-request comment holds at most 65,536 characters: long sections are cut at this many rows.
MAX_ROWS = 150
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#!|~&$])")


def md(text: object) -> str:
    """Escape untrusted text for inline Markdown (table cells included); newlines -> ``<br>``."""
    s = clean("" if text is None else text, newlines=True)
    s = _SPECIAL.sub(r"\\\1", s)
    return s.replace("\n", "<br>")


def md_code(text: object) -> str:
    """Untrusted text shown in a monospace font, escaped like :func:`md`."""
    s = md(text)
    return f"<code>{s}</code>" if s else ""


def _url(url: str | None) -> str | None:
    if not url or not re.match(r"^https?://", url):
        return None
    return quote(url, safe=":/?#[]@!$&'*+,;=%-._~")


def link(text: str, url: str | None) -> str:
    """``[text](url)`` for an http(s) URL (escaped, parentheses encoded), else the text alone."""
    safe = _url(url)
    return f"[{md(text)}]({safe.replace('(', '%28').replace(')', '%29')})" if safe else md(text)


def _rule(rule: str, options: RenderOptions) -> str:
    if re.match(r"^https?://", options.docs_base):
        return link(rule, rule_doc_url(rule, options.docs_base))
    return md_code(rule)


def _where(report: DiffReport, f: Finding, options: RenderOptions) -> str:
    side, loc = site(f)
    path = finding_file(report, f, options)
    text = f"{path}:{loc.line}" if loc is not None else path
    if side == "old" and report.new is not None:
        text += " (old)"
    return md(text)


def _security_mark(f: Finding) -> str:
    return {"weakens": "⚠️ weakens", "strengthens": "🛡️ strengthens"}.get(f.security, "neutral")


def _parties(parties: tuple[str, ...]) -> str:
    return ", ".join(md(p.replace("_", " ")) for p in parties) or "nobody"


def render_markdown(report: DiffReport, options: RenderOptions | None = None) -> str:
    """The Markdown review summary."""
    options = options or RenderOptions()
    out: list[str] = []
    v = report.verdict
    summary = report.new or report.old
    name = md(summary.contract) if summary else "contract"
    old_v = md(report.old.shown_version) if report.old else "—"
    new_v = md(report.new.shown_version) if report.new else "—"
    if report.old and report.new:
        change = f"{old_v} → {new_v}"
    elif report.new:
        change = f"new contract at {new_v}"
    else:
        change = f"deleted (was {old_v})"
    icon = ICONS.get(v.severity, "⚪")
    label = "no semantic changes" if v.severity == "none" else f"{v.severity} amendment"
    out.append(f"## {icon} {name}: {label} ({change})")
    out.append("")
    if summary and summary.title:
        out.append(f"_{md(short_value(summary.title, 200))}_")
        out.append("")

    c = counts(report)
    sec = security_items(report)
    live_sec = [s for s in sec if not s.ignored]
    security = security_count(report, options)
    ok = "✅ yes" if v.version_bump_ok else "❌ no"
    out += [
        "| Verdict | Required bump | Actual bump | Bump OK | Breaking | Risky | Safe | Weakens security | New security findings | Ignored |",
        "|---|---|---|---|--:|--:|--:|--:|--:|--:|",
        f"| {icon} {md(v.severity)} | {md(v.required_bump)} | {md(v.actual_bump)} | {ok} "
        f"| {c['breaking']} | {c['risky']} | {c['safe']} | {c['weakens']} | {security.new} "
        f"| {c['ignored'] + len(sec) - len(live_sec)} |",
        "",
        "| | Old | New |",
        "|---|---|---|",
        f"| Source | {md_code(report.old.source) if report.old else '—'} "
        f"| {md_code(report.new.source) if report.new else '—'} |",
        f"| Version | {old_v} | {new_v} |",
        "",
    ]
    failed, gate = gate_summary(report, options)
    out.append(f"**CI gate:** {'❌' if failed else '✅'} {md(gate)}")
    out.append("")
    note = v.bump_note
    if note:
        out.append(f"> **Version:** {md(note)}")
        out.append("")
    if not v.version_bump_ok:
        out.append(
            f"> **Version:** this amendment requires a **{md(v.required_bump)}** bump; "
            f"the version field shows **{md(v.actual_bump)}**."
        )
        out.append("")

    who = affected(report.findings)
    if who:
        out.append("### Who is affected")
        out.append("")
        for party, groups in who.items():
            label = md(PARTY_LABELS.get(party, party))
            parts = []
            for severity in ("breaking", "risky"):
                items = groups.get(severity, [])
                if items:
                    rules = ", ".join(sorted({md_code(f.rule) for f in items}))
                    parts.append(f"{len(items)} {severity} ({rules})")
            out.append(f"- **{label}**: " + "; ".join(parts))
        named = affected_consumers(report.findings)
        if named:
            out.append("")
            out.append("Listed consumers reached by these changes:")
            out.append("")
            for name, groups in named.items():
                parts = [
                    f"{len(groups[s])} {s} ({', '.join(sorted({md_code(f.rule) for f in groups[s]}))})"
                    for s in ("breaking", "risky")
                    if groups.get(s)
                ]
                out.append(f"- {md_code(name)}: " + "; ".join(parts))
        out.append("")

    titles = {"breaking": "Breaking", "risky": "Risky", "safe": "Safe"}
    for severity, findings in by_severity(report.findings).items():
        if not findings:
            continue
        heading = f"### {ICONS[severity]} {titles.get(severity, severity)} ({len(findings)})"
        table = _finding_table(report, findings, options)
        if severity == "safe":
            out += [
                "<details>",
                f"<summary>{ICONS[severity]} Safe changes ({len(findings)})</summary>",
                "",
                *table,
                "",
                "</details>",
                "",
            ]
        else:
            out += [heading, "", *table, ""]
    if not report.findings:
        out += ["No compatibility findings.", ""]

    out += _security_section(report, sec, options)

    ignored_rows = [
        f"| {_rule(f.rule, options)} | {md_code(f.path)} | {md(f.severity)} | {md(f.ignored)} |"
        for f in report.ignored
    ]
    ignored_rows += [
        f"| {_rule(s.rule, options)} | {md_code(s.path)} | security: {md(s.severity)} | {md(s.ignored)} |"
        for s in sec
        if s.ignored
    ]
    if ignored_rows:
        out += [
            "<details>",
            f"<summary>⚪ Ignored ({len(ignored_rows)})</summary>",
            "",
            "| Rule | Path | Severity | Reason |",
            "|---|---|---|---|",
            *ignored_rows,
            "",
            "</details>",
            "",
        ]
    out.append(f"<sub>change set {md_code(v.fingerprint)} · workbench {md(__version__)}</sub>")
    return "\n".join(out) + "\n"


def _finding_table(
    report: DiffReport, findings: list[Finding], options: RenderOptions
) -> list[str]:
    rows = [
        "| Rule | Path | Change | Breaks | Security | Location |",
        "|---|---|---|---|---|---|",
    ]
    for f in findings[:MAX_ROWS]:
        change = md(f.message)
        if f.note:
            change += f"<br>_{md(f.note)}_"
        if (witness := witness_text(f)) is not None:
            change += f"<br>witness: {md(witness)}"
        breaks = _parties(f.breaks) if f.severity != "safe" else "—"
        if f.severity != "safe" and consumers_of(f):
            breaks += "<br>" + ", ".join(md_code(c) for c in consumers_of(f))
        rows.append(
            f"| {_rule(f.rule, options)} | {md_code(f.path)} | {change} | {breaks} "
            f"| {_security_mark(f)} | {_where(report, f, options)} |"
        )
    if len(findings) > MAX_ROWS:
        rows += ["", f"… and {len(findings) - MAX_ROWS} more (see the JSON or SARIF report)."]
    return rows


def _security_rows(
    report: DiffReport, items: list[SecurityFinding], options: RenderOptions
) -> list[str]:
    rows = [
        "| Severity | Rule | Path | Finding | Fix | Reference | Location |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in items:
        kind = (
            "regression"
            if s.kind == "regression"
            else ("new" if s.new_in_amendment else "already present")
        )
        where = security_file(report, s, options)
        if s.line:
            where = f"{where}:{s.line}"
        finding = f"**{md(s.title)}**<br>{md(s.message)}"
        reference = link(s.citation, s.citation_url) if s.citation else "—"
        rows.append(
            f"| {ICONS.get(s.severity, '')} {md(s.severity)} ({kind}) | {_rule(s.rule, options)} "
            f"| {md_code(s.path)} | {finding} | {md(s.fix) or '—'} | {reference} | {md(where)} |"
        )
    return rows


def _security_section(
    report: DiffReport, items: list[SecurityFinding], options: RenderOptions
) -> list[str]:
    live = [s for s in items if not s.ignored]
    introduced = [s for s in live if s.kind == "regression" or s.new_in_amendment]
    present = [s for s in live if s not in introduced]
    out = ["### 🔒 Security", ""]
    weakening = [f for f in report.findings if f.security == "weakens"]
    if not live and not weakening:
        out += ["No security findings.", ""]
        return out
    if introduced:
        out += [*_security_rows(report, introduced, options), ""]
    elif live:
        out += ["This amendment introduces no security findings.", ""]
    if weakening:
        out.append("Compatibility findings that weaken security:")
        out.append("")
        for f in weakening:
            out.append(f"- {_rule(f.rule, options)} {md_code(f.path)}: {md(f.message)}")
        out.append("")
    if present:
        out += [
            "<details>",
            f"<summary>Already present before this amendment ({len(present)})</summary>",
            "",
            *_security_rows(report, present, options),
            "",
            "</details>",
            "",
        ]
    return out
