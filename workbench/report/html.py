"""The review as one self-contained HTML file: for reviewers and readers who do not live in a
terminal.

One file, no network: the styles are inline, there is no script at all, no font, image or
stylesheet is fetched, and a Content-Security-Policy forbids the browser to load anything or run
anything even if a page were tampered with. It reads in light and dark (``prefers-color-scheme``),
prints (``@media print``), and never carries a severity by colour alone: every badge and every
diff mark has a symbol and a word.

Every value that comes from a contract, a path, a commit or a finding is made inert first
(control characters and bidirectional overrides shown escaped, as ``\\x1b`` or ``\\u202e``) and
then escaped with ``html.escape(..., quote=True)``, in text and attributes alike.

Renderers:

- :func:`render_html` (``--format html`` of ``workbench diff``): verdict, who is affected,
  findings by severity with rationale, fix, citation and witness, the security review, ignored
  findings, and the side-by-side diff of the contract texts (``RenderOptions.old_text`` /
  ``new_text``) with each finding marked on its lines and changed characters highlighted.
- :func:`render_review_html` (``workbench review``): the same page for a security review.
- :func:`render_notice_html` (``workbench notice``): the notice's Markdown as HTML, then the
  review it summarises.
- :func:`render_log_html` (``workbench log``): the amendment timeline with verdict badges.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from workbench import __version__
from workbench.engine.model import MARK_RANK as _RANK
from workbench.engine.model import SECURITY_SEVERITIES, DiffReport, Finding, SecurityFinding
from workbench.report.common import (
    PARTY_LABELS,
    RenderOptions,
    affected,
    affected_consumers,
    artifact,
    by_severity,
    clean,
    consumers_of,
    display_value,
    fails,
    gate_summary,
    security_count,
    security_fails,
    security_file,
    security_items,
)
from workbench.report.rules import compatibility_rules, security_rules

# --- making untrusted text inert --------------------------------------------------------------


def inert(value: Any, *, newlines: bool = False) -> str:
    """Untrusted text with control, bidi and invisible format characters shown escaped (``clean``
    covers them all); not yet HTML."""
    return clean("" if value is None else value, newlines=newlines)


def esc(value: Any, *, newlines: bool = False) -> str:
    """Untrusted text for HTML text or a quoted attribute value."""
    return html.escape(inert(value, newlines=newlines), quote=True)


def _url(url: Any) -> str | None:
    """An http(s) URL for a link, or ``None``: nothing else (``javascript:``, ``data:``) links."""
    if not isinstance(url, str) or not re.match(r"^https?://[^\s<>\"'`]+$", url):
        return None
    return url


def _link(label: str, url: Any) -> str:
    """``label`` (already HTML) as a link to an http(s) URL that never sends a referrer."""
    safe = _url(url)
    if safe is None:
        return label
    return f'<a href="{esc(safe)}" rel="noopener noreferrer external">{label}</a>'


# --- severity marks: a symbol and a word, never colour alone ----------------------------------

SYMBOLS: dict[str, str] = {
    "breaking": "✖",
    "risky": "▲",
    "safe": "✔",
    "none": "○",
    "critical": "◆",
    "high": "■",
    "medium": "●",
    "low": "○",
    "info": "ℹ",
    "ignored": "–",
    "invalid": "✖",
    "error": "?",
}
TITLES = {"breaking": "Breaking", "risky": "Risky", "safe": "Safe"}


def badge(severity: str, word: str | None = None) -> str:
    """A severity badge: symbol and word, coloured by a class (the colour is a bonus)."""
    key = severity if severity in SYMBOLS else "none"
    return (
        f'<span class="badge s-{key}"><span aria-hidden="true">{SYMBOLS[key]}</span> '
        f"{esc(word or severity)}</span>"
    )


# --- the page ---------------------------------------------------------------------------------

CSS = """
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;
--card:#f6f8fa;--code:#eff2f5;--del:#ffebe9;--del-hl:#ffb3b0;--ins:#dafbe1;--ins-hl:#9be9a8;
--target:#fff8c5;--breaking:#cf222e;--risky:#9a6700;--safe:#1a7f37;--critical:#8250df;
--high:#cf222e;--medium:#bc4c00;--low:#0969da;--info:#59636e;--none:#59636e;--link:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;
--line:#3d444d;--card:#151b23;--code:#1f2630;--del:#3b1d21;--del-hl:#7d2a30;--ins:#13291d;
--ins-hl:#1f6e38;--target:#3d3312;--breaking:#ff7b72;--risky:#d29922;--safe:#3fb950;
--critical:#bc8cff;--high:#ff7b72;--medium:#f0883e;--low:#58a6ff;--info:#9198a1;--none:#9198a1;
--link:#58a6ff}}
*{box-sizing:border-box}
html{background:var(--bg);color:var(--fg)}
body{margin:0 auto;max-width:1400px;padding:1.5rem;font:15px/1.5 system-ui,-apple-system,
"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",sans-serif}
a{color:var(--link)}
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.3rem;margin:2rem 0 .75rem;
border-bottom:1px solid var(--line);padding-bottom:.25rem}h3{font-size:1.1rem;margin:1.25rem 0 .5rem}
h4{margin:1rem 0 .4rem}
code,pre,.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",
"Liberation Mono",monospace;font-size:.88em}
code{background:var(--code);padding:.05em .3em;border-radius:4px;overflow-wrap:anywhere}
pre{background:var(--code);padding:.6rem .8rem;border-radius:6px;overflow:auto;
white-space:pre-wrap;overflow-wrap:anywhere}
.muted{color:var(--muted)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
nav.toc{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:.75rem 0;font-size:.95em}
.badge{display:inline-block;border:1.5px solid currentColor;border-radius:1em;padding:0 .55em;
font-weight:600;font-size:.85em;white-space:nowrap;line-height:1.5}
.s-breaking{color:var(--breaking)}.s-risky{color:var(--risky)}.s-safe{color:var(--safe)}
.s-critical{color:var(--critical)}.s-high{color:var(--high)}.s-medium{color:var(--medium)}
.s-low{color:var(--low)}.s-info{color:var(--info)}.s-none,.s-ignored{color:var(--none)}
.s-invalid{color:var(--breaking)}.s-error{color:var(--risky)}
table.kv,table.grid{border-collapse:collapse;margin:.5rem 0}
table.kv th{text-align:left;font-weight:600;padding:.15rem 1rem .15rem 0;vertical-align:top}
table.kv td{padding:.15rem 0;vertical-align:top}
table.grid th,table.grid td{border:1px solid var(--line);padding:.3rem .6rem;text-align:left;
vertical-align:top}
table.grid th{background:var(--card)}
.verdict{border:1px solid var(--line);border-left:6px solid var(--none);border-radius:8px;
padding:.75rem 1rem;background:var(--card)}
.verdict.s-breaking{border-left-color:var(--breaking)}.verdict.s-risky{border-left-color:var(--risky)}
.verdict.s-safe{border-left-color:var(--safe)}
.verdict,.verdict td,.verdict th{color:var(--fg)}
.verdict .head{font-size:1.2rem;font-weight:600;margin:0 0 .4rem}
.counts{display:flex;flex-wrap:wrap;gap:.4rem;margin:.5rem 0 0;padding:0;list-style:none}
.finding{border:1px solid var(--line);border-left:5px solid var(--none);border-radius:8px;
padding:.6rem .9rem;margin:.6rem 0;background:var(--card)}
.finding.s-breaking{border-left-color:var(--breaking)}.finding.s-risky{border-left-color:var(--risky)}
.finding.s-safe{border-left-color:var(--safe)}.finding.s-critical{border-left-color:var(--critical)}
.finding.s-high{border-left-color:var(--high)}.finding.s-medium{border-left-color:var(--medium)}
.finding.s-low{border-left-color:var(--low)}.finding.s-info{border-left-color:var(--info)}
.finding,.finding dd,.finding dt{color:var(--fg)}
.finding>header{display:flex;flex-wrap:wrap;gap:.5rem;align-items:baseline}
.finding .message{margin:.35rem 0;font-weight:500}
.finding dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .9rem;margin:.4rem 0 0}
.finding dt{font-weight:600;color:var(--muted)}.finding dd{margin:0;overflow-wrap:anywhere}
.finding pre{margin:0}
.fails{font-weight:700}
.diff{border:1px solid var(--line);border-radius:8px;overflow:hidden;font-size:13px}
.diff .files,.diff .row{display:grid;grid-template-columns:3.5em 1.6em minmax(0,1fr) 3.5em 1.6em minmax(0,1fr)}
.diff.single .files,.diff.single .row{grid-template-columns:3.5em 1.6em minmax(0,1fr)}
.diff .files{background:var(--card);border-bottom:1px solid var(--line);font-weight:600}
.diff .files>span{padding:.3rem .5rem;overflow-wrap:anywhere;grid-column:span 3}
.diff .row>span{padding:0 .4rem;min-height:1.45em}
.diff .code{white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.45}
.diff .ln{text-align:right;color:var(--muted);user-select:none;font-family:ui-monospace,
Menlo,Consolas,"DejaVu Sans Mono",monospace}
.diff .ln::before{content:attr(data-ln)}
.diff .mk{text-align:center;user-select:none;font-weight:700;padding:0}
.diff .mk a{text-decoration:none;color:inherit}
.diff .old.del,.diff .ln.del,.diff .mk.del{background:var(--del)}
.diff .new.ins,.diff .ln.ins,.diff .mk.ins{background:var(--ins)}
.diff del{background:var(--del-hl);text-decoration:none;border-radius:2px}
.diff ins{background:var(--ins-hl);text-decoration:none;border-radius:2px}
.diff .code.m-breaking{box-shadow:inset 3px 0 var(--breaking)}
.diff .code.m-risky{box-shadow:inset 3px 0 var(--risky)}
.diff .code.m-safe{box-shadow:inset 3px 0 var(--safe)}
.diff .code.m-security{box-shadow:inset 3px 0 var(--critical)}
.diff .code.m-present{box-shadow:inset 3px 0 var(--line)}.diff .mk.present{opacity:.55}
.diff .empty{background:repeating-linear-gradient(135deg,transparent 0 6px,var(--code) 6px 8px)}
.diff .ln:target,.diff .ln:target+.mk,.diff .ln:target+.mk+.code{background:var(--target)}
.diff details.fold>summary{cursor:pointer;padding:.15rem .6rem;background:var(--card);
color:var(--muted);border-top:1px solid var(--line);border-bottom:1px solid var(--line);
list-style:none;font-family:ui-monospace,Menlo,Consolas,monospace}
.diff details.fold>summary::-webkit-details-marker{display:none}
.diff details.fold[open]>summary{display:none}
ol.timeline{list-style:none;padding:0;margin:0}
ol.timeline>li{display:grid;grid-template-columns:7.5em 6em 1fr;gap:.2rem 1rem;padding:.6rem 0;
border-bottom:1px solid var(--line)}
ol.timeline .what{display:flex;flex-wrap:wrap;gap:.4rem;align-items:baseline}
ol.timeline .subject{grid-column:3}
ol.timeline details{grid-column:3}
.notice h2{font-size:1.25rem}.notice h3{font-size:1.1rem}.notice h4{font-size:1rem}
footer{margin-top:2.5rem;color:var(--muted);font-size:.85em;border-top:1px solid var(--line);
padding-top:.5rem}
@media print{:root{color-scheme:light;--bg:#fff;--fg:#000;--muted:#444;--line:#bbb;--card:#fff;
--code:#f3f3f3;--del:#fde8e8;--del-hl:#f5b5b5;--ins:#e4f7e8;--ins-hl:#a5e0b0;--target:#fff;
--breaking:#b00020;--risky:#7a5200;--safe:#17692e;--critical:#5b2a9e;--high:#b00020;
--medium:#8a3a00;--low:#0550ae;--info:#444;--none:#444;--link:#000}
body{max-width:none;padding:0;font-size:11pt}nav.toc{display:none}
a{text-decoration:none}.finding,.verdict,ol.timeline>li{break-inside:avoid}
h2,h3{break-after:avoid}.diff{font-size:8.5pt;border-color:#999}.diff .row{break-inside:avoid}
details::details-content{content-visibility:visible;display:contents}
details>summary{display:none}}
"""
# Nothing but this stylesheet may apply: the policy names its hash.
_STYLE_HASH = base64.b64encode(hashlib.sha256(CSS.encode("utf-8")).digest()).decode("ascii")
CSP = (
    "default-src 'none'; "
    f"style-src 'sha256-{_STYLE_HASH}'; "
    "img-src 'none'; font-src 'none'; script-src 'none'; connect-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)


def _page(title: str, body: Iterable[str]) -> str:
    head = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        '<meta name="referrer" content="no-referrer">',
        f'<meta name="generator" content="workbench {esc(__version__)}">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
    ]
    return "\n".join([*head, *body, "</body>", "</html>"]) + "\n"


def _footer(report: DiffReport | None = None) -> str:
    parts = []
    if report is not None and report.verdict.fingerprint:
        parts.append(f"change set <code>{esc(report.verdict.fingerprint)}</code>")
    parts.append(f"workbench {esc(__version__)}")
    parts.append("self-contained: this page loads nothing and runs no script")
    return f"<footer>{' · '.join(parts)}</footer>"


# --- one report -------------------------------------------------------------------------------


@dataclass(slots=True)
class _Mark:
    """A finding as the diff marks it: on which lines of which side, and where its card is."""

    anchor: str  # the id of the finding's card
    severity: str
    label: str  # "breaking: rule — message" for the mark's tooltip
    security: bool = False
    old: tuple[int, int] | None = None
    new: tuple[int, int] | None = None
    present: bool = False  # a security finding the old version already had: not this change


@dataclass(slots=True)
class _Marks:
    items: list[_Mark] = field(default_factory=list)

    def on(self, side: str, line: int) -> list[_Mark]:
        out = []
        for m in self.items:
            span = m.old if side == "old" else m.new
            if span is not None and span[0] <= line <= span[1]:
                out.append(m)
        return out

    def lines(self, side: str) -> set[int]:
        out: set[int] = set()
        for m in self.items:
            span = m.old if side == "old" else m.new
            if span is not None:
                out.update(range(span[0], min(span[1], span[0] + 500) + 1))
        return out


def _span(loc: Any, has_value: bool) -> tuple[int, int] | None:
    """A finding's lines on one side: the value's lines, or only the first line of the block
    it was added to (or removed from) when that side has no value."""
    if loc is None or not isinstance(loc.line, int) or loc.line < 1:
        return None
    end = loc.end_line if isinstance(loc.end_line, int) and loc.end_line >= loc.line else loc.line
    return (loc.line, end if has_value else loc.line)


def _card(
    severity: str, anchor: str, head: list[str], message: str, rows: list[tuple[str, str]]
) -> list[str]:
    """A finding's card: its badges, its message and its details (``rows`` of HTML)."""
    return [
        f'<article class="finding s-{severity}" id="{anchor}">',
        f"<header>{' '.join(head)}</header>",
        f'<p class="message">{esc(message)}</p>',
        "<dl>",
        *(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows),
        "</dl>",
        "</article>",
    ]


class _Review:
    """Renders one report; keeps the anchors that tie finding cards to diff lines."""

    def __init__(self, report: DiffReport, options: RenderOptions, *, mode: str) -> None:
        self.report = report
        self.options = options
        self.mode = mode  # "diff" | "review" | "notice"
        self.marks = _Marks()
        self.compat_info = compatibility_rules()
        self.security_info = security_rules()
        self.security = security_items(report)
        self._ids = 0
        self.has_text = options.old_text is not None or options.new_text is not None
        # a security review of one contract is no amendment: its text alone, not a diff
        self.single = mode == "review" and report.old is None and report.new is not None

    def _anchor(self) -> str:
        self._ids += 1
        return f"f{self._ids}"

    # -- header and verdict

    def subject(self) -> tuple[str, str]:
        """``(name, change)``: the contract and what happened to its version."""
        old, new = self.report.old, self.report.new
        summary = new or old
        name = summary.contract if summary else "contract"
        if old and new:
            change = f"{inert(old.shown_version)} → {inert(new.shown_version)}"
        elif new and self.single:
            change = f"version {inert(new.shown_version)}"
        elif new:
            change = f"new contract at {inert(new.shown_version)}"
        elif old:
            change = f"deleted (was {inert(old.shown_version)})"
        else:
            change = ""
        return inert(name), change

    def title(self, what: str) -> str:
        name, change = self.subject()
        return f"{what}: {name} {change}".strip()

    def header(self, what: str) -> list[str]:
        name, change = self.subject()
        summary = self.report.new or self.report.old
        out = [
            "<header>",
            f'<p class="muted">{esc(what)}</p>',
            f'<h1>{html.escape(name, quote=True)} <span class="muted">'
            f"{html.escape(change, quote=True)}</span></h1>",
        ]
        if summary and summary.title:
            out.append(f"<p>{esc(summary.title)}</p>")
        rows = []
        for label, side in (("Old", self.report.old), ("New", self.report.new)):
            if side is not None:
                rows.append(
                    f"<tr><th>{label}</th><td><code>{esc(side.source)}</code> "
                    f'<span class="muted">version {esc(side.shown_version)}</span></td></tr>'
                )
        if rows:
            out += ['<table class="kv">', *rows, "</table>"]
        out.append("</header>")
        return out

    def toc(self, sections: list[tuple[str, str]]) -> str:
        links = " ".join(f'<a href="#{a}">{esc(t)}</a>' for a, t in sections)
        return f'<nav class="toc" aria-label="Sections">{links}</nav>'

    def verdict(self) -> list[str]:
        v = self.report.verdict
        sev = v.severity if v.severity in ("breaking", "risky", "safe") else "none"
        if self.mode == "review":
            live = [s for s in self.security if not s.ignored]
            worst = min(live, key=lambda s: _RANK.get(s.severity, 9), default=None)
            head = (
                f"{badge(worst.severity)} highest security finding"
                if worst is not None
                else f"{badge('safe', 'no findings')} no security findings"
            )
            klass = "none"
        else:
            word = "no semantic changes" if v.severity == "none" else f"{v.severity} amendment"
            head = badge(sev, v.severity) + f" {esc(word)}"
            klass = sev
        out = [
            '<section id="verdict" aria-labelledby="verdict-h">',
            '<h2 id="verdict-h">Verdict</h2>',
            f'<div class="verdict s-{klass}">',
            f'<p class="head">{head}</p>',
            '<table class="kv">',
        ]
        if self.mode != "review":
            ok = badge("safe", "enough") if v.version_bump_ok else badge("breaking", "not enough")
            got = {
                "none": "none (the version did not change)",
                "downgrade": "downgrade (the version went down)",
                "invalid": "invalid (the version is not SemVer)",
            }.get(v.actual_bump, v.actual_bump)
            out += [
                f"<tr><th>Required bump</th><td>{esc(v.required_bump)}</td></tr>",
                f"<tr><th>Actual bump</th><td>{esc(got)} {ok}</td></tr>",
            ]
            if v.bump_note:
                out.append(f"<tr><th>Note</th><td>{esc(v.bump_note)}</td></tr>")
        failed, gate = gate_summary(self.report, self.options)
        gate_badge = badge("breaking", "fails") if failed else badge("safe", "passes")
        sentence = gate.split(": ", 1)[1] if ": " in gate else gate
        out.append(f"<tr><th>CI gate</th><td>{gate_badge} {esc(sentence)}</td></tr>")
        out.append("</table>")
        chips = []
        if self.mode != "review":
            for s in ("breaking", "risky", "safe"):
                n = sum(1 for f in self.report.findings if f.severity == s)
                chips.append(f"<li>{badge(s, f'{n} {s}')}</li>")
            weak = sum(1 for f in self.report.findings if f.security == "weakens")
            if weak:
                chips.append(f"<li>{badge('high', f'{weak} weaken security')}</li>")
        count = security_count(self.report, self.options)  # the one security count
        for s in SECURITY_SEVERITIES:
            n = count.by_severity.get(s, 0)
            if n:
                chips.append(f"<li>{badge(s, f'{n} new {s} security')}</li>")
        if count.advice:
            chips.append(f"<li>{badge('info', f'{count.advice} advice')}</li>")
        if count.present:
            chips.append(f"<li>{badge('none', f'{count.present} already present')}</li>")
        ignored = len(self.report.ignored) + sum(1 for i in self.security if i.ignored)
        if ignored:
            chips.append(f"<li>{badge('ignored', f'{ignored} ignored')}</li>")
        out += [f'<ul class="counts" aria-label="Counts">{"".join(chips)}</ul>', "</div>"]
        out.append("</section>")
        return out

    def affected(self) -> list[str]:
        who = affected(self.report.findings)
        if not who:
            return []
        out = [
            '<section id="affected" aria-labelledby="affected-h">',
            '<h2 id="affected-h">Who is affected</h2>',
            "<ul>",
        ]
        for party, groups in who.items():
            parts = []
            for severity in ("breaking", "risky"):
                items = groups.get(severity, [])
                if items:
                    rules = ", ".join(sorted({f"<code>{esc(f.rule)}</code>" for f in items}))
                    parts.append(f"{badge(severity, f'{len(items)} {severity}')} {rules}")
            label = esc(PARTY_LABELS.get(party, party))
            out.append(f"<li><strong>{label}</strong>: {'; '.join(parts)}</li>")
        out.append("</ul>")
        named = affected_consumers(self.report.findings)
        if named:
            out += ["<p>Listed consumers reached by these changes:</p>", "<ul>"]
            for name, groups in named.items():
                parts = [
                    badge(s, f"{len(groups[s])} {s}")
                    for s in ("breaking", "risky")
                    if groups.get(s)
                ]
                out.append(f"<li><code>{esc(name)}</code> {' '.join(parts)}</li>")
            out.append("</ul>")
        out.append("</section>")
        return out

    # -- findings

    def _where(self, side: str, line: int, file: str) -> str:
        """``file:line`` linking to the line in the diff (when the diff has the texts)."""
        text = esc(f"{file}:{line}")
        label = f"{text} ({side})" if self.report.old and self.report.new else text
        if self.has_text:
            return f'<a href="#{side}-L{int(line)}">{label}</a>'
        return label

    def finding(self, f: Finding, *, ignored: bool = False) -> list[str]:
        anchor = self._anchor()
        info = self.compat_info.get(f.rule)
        if not ignored:
            self.marks.items.append(
                _Mark(
                    anchor=anchor,
                    severity=f.severity,
                    label=f"{f.severity}: {f.rule} — {inert(f.message)}",
                    old=_span(f.old_loc, f.old is not None),
                    new=_span(f.new_loc, f.new is not None),
                )
            )
        sev = "ignored" if ignored else f.severity
        head = [badge(sev, f"ignored {f.severity}" if ignored else f.severity)]
        head.append(f'<code class="rule">{esc(f.rule)}</code>')
        if info is not None and info.title:
            head.append(f"<span>{esc(info.title)}</span>")
        if f.security == "weakens":
            head.append(badge("high", "weakens security"))
        elif f.security == "strengthens":
            head.append(badge("safe", "strengthens security"))
        if fails(f, self.options.fail_on):
            head.append('<span class="fails">fails the gate</span>')
        rows: list[tuple[str, str]] = [("Path", f"<code>{esc(f.path)}</code>")]
        if f.old is not None or f.new is not None:
            was = esc(display_value(f.path, f.old, 400)) if f.old is not None else "(unset)"
            now = esc(display_value(f.path, f.new, 400)) if f.new is not None else "(unset)"
            rows.append(("Was", f"<code>{was}</code>"))
            rows.append(("Now", f"<code>{now}</code>"))
        where = []
        for side, loc in (("old", f.old_loc), ("new", f.new_loc)):
            summary = self.report.old if side == "old" else self.report.new
            if loc is not None and summary is not None:
                file = artifact(self.report, side, self.options)
                where.append(self._where(side, loc.line, file))
        if where:
            rows.append(("Where", " · ".join(where)))
        if f.breaks and f.severity != "safe":
            who = ", ".join(esc(PARTY_LABELS.get(p, p)) for p in f.breaks)
            named = consumers_of(f)
            if named:
                who += "; consumers " + ", ".join(f"<code>{esc(c)}</code>" for c in named)
            rows.append(("Breaks", who))
        if f.note:
            rows.append(("Note", esc(f.note)))
        if ignored:
            rows.append(("Ignored", esc(f.ignored or "")))
        if info is not None and info.rationale:
            rows.append(("Why", esc(info.rationale)))
        if info is not None and info.fix:
            rows.append(("Fix", esc(info.fix)))
        if info is not None and info.citation:
            rows.append(("Reference", _link(esc(info.citation), info.citation_url)))
        witness = f.to_dict().get("witness")
        if witness is not None:
            rows.append(("Witness", f"<pre>{_json_text(witness)}</pre>"))
        rows.append(("Fingerprint", f"<code>{esc(f.fingerprint)}</code>"))
        return _card(sev, anchor, head, f.message, rows)

    def findings(self) -> list[str]:
        total = len(self.report.findings)
        out = [
            '<section id="findings" aria-labelledby="findings-h">',
            f'<h2 id="findings-h">Findings ({total})</h2>',
        ]
        if not total:
            out.append("<p>No compatibility findings.</p>")
        for severity, group in by_severity(self.report.findings).items():
            if not group:
                continue
            title = TITLES.get(severity, severity.title())
            out.append(
                f'<h3 id="findings-{esc(severity)}">{badge(severity, title)} '
                f'<span class="muted">({len(group)})</span></h3>'
            )
            for f in group:
                out += self.finding(f)
        out.append("</section>")
        return out

    def ignored(self) -> list[str]:
        items = self.report.ignored
        sec = [s for s in self.security if s.ignored]
        if not items and not sec:
            return []
        out = [
            '<section id="ignored" aria-labelledby="ignored-h">',
            f'<h2 id="ignored-h">Accepted in the ignore file ({len(items) + len(sec)})</h2>',
            "<details>",
            "<summary>Show the accepted findings and their reasons</summary>",
        ]
        for f in items:
            out += self.finding(f, ignored=True)
        for s in sec:
            out += self.security_card(s)
        out += ["</details>", "</section>"]
        return out

    def security_card(self, s: SecurityFinding) -> list[str]:
        anchor = self._anchor()
        side = "old" if s.side == "old" else "new"
        if self.report.old is None or self.report.new is None:
            side = "new" if self.report.new is not None else "old"
        if not s.ignored and s.line:
            present = s.kind == "state" and not s.new_in_amendment
            span = _span(s.location, True)
            label = f"security {s.severity}: {s.rule} — {inert(s.message)}"
            self.marks.items.append(
                _Mark(
                    anchor=anchor,
                    severity=s.severity,
                    label=label + (" (already present)" if present else ""),
                    security=True,
                    old=span if side == "old" else None,
                    new=span if side == "new" else None,
                    present=present,
                )
            )
        info = self.security_info.get(s.rule)
        head = [badge(s.severity), f'<code class="rule">{esc(s.rule)}</code>']
        head.append(f"<span>{esc(s.title)}</span>")
        if s.kind == "regression":
            head.append('<span class="muted">regression</span>')
        elif not s.new_in_amendment:
            head.append('<span class="muted">already present</span>')
        if s.ignored:
            head.append(badge("ignored", "ignored"))
        if security_fails(s, self.options):
            head.append('<span class="fails">fails the gate</span>')
        rows: list[tuple[str, str]] = [("Path", f"<code>{esc(s.path)}</code>")]
        file = security_file(self.report, s, self.options)
        if s.line:
            rows.append(("Where", self._where(side, int(s.line), file)))
        if info is not None and info.rationale:
            rows.append(("Why", esc(info.rationale)))
        if s.fix:
            rows.append(("Fix", esc(s.fix)))
        if s.citation:
            rows.append(("Reference", _link(esc(s.citation), s.citation_url)))
        if s.ignored:
            rows.append(("Ignored", esc(s.ignored)))
        rows.append(("Fingerprint", f"<code>{esc(s.fingerprint)}</code>"))
        return _card(esc(s.severity), anchor, head, s.message, rows)

    def security_section(self) -> list[str]:
        live = [s for s in self.security if not s.ignored]
        groups = [
            (
                "Regressions introduced by this amendment",
                [s for s in live if s.kind == "regression"],
            ),
            (
                "Introduced in the new version" if self.report.old is not None else "Findings",
                [s for s in live if s.kind != "regression" and s.new_in_amendment],
            ),
            (
                "Already present before this amendment",
                [s for s in live if s.kind != "regression" and not s.new_in_amendment],
            ),
        ]
        out = [
            '<section id="security" aria-labelledby="security-h">',
            f'<h2 id="security-h">Security review ({len(live)})</h2>',
        ]
        if not live:
            out.append("<p>No security findings.</p>")
        for title, group in groups:
            if not group:
                continue
            out.append(f'<h3>{esc(title)} <span class="muted">({len(group)})</span></h3>')
            for s in group:
                out += self.security_card(s)
        out.append("</section>")
        return out

    # -- the side-by-side diff

    def diff(self) -> list[str]:
        heading = "The contract" if self.single else "Side-by-side diff"
        out = [
            '<section id="diff" aria-labelledby="diff-h">',
            f'<h2 id="diff-h">{heading}</h2>',
        ]
        if not self.has_text:
            out += [
                "<p>The contract texts were not given to this report, so it shows no diff "
                "(<code>workbench diff OLD NEW --format html</code> includes them).</p>",
                "</section>",
            ]
            return out
        old_text = self.options.old_text if self.report.old is not None else None
        new_text = self.options.new_text if self.report.new is not None else None
        old_name = artifact(self.report, "old", self.options) if self.report.old else ""
        new_name = artifact(self.report, "new", self.options) if self.report.new else ""
        folded = (
            "Stretches without findings are folded"
            if self.single
            else "Changed words are highlighted; unchanged stretches are folded"
        )
        out.append(
            '<p class="muted">Each finding is marked on its lines (symbol in the gutter, a bar '
            f"beside the code; the symbol links to the finding). {folded} (click to unfold).</p>"
        )
        out += side_by_side(
            old_text or "",
            new_text or "",
            self.marks,
            old_name=(
                f"{old_name} ({self.report.old.shown_version})"
                if self.report.old
                else "(no old version)"
            ),
            new_name=(
                f"{new_name} ({self.report.new.shown_version})" if self.report.new else "(deleted)"
            ),
            single=self.single,
        )
        out.append("</section>")
        return out


def _json_text(value: Any) -> str:
    if isinstance(value, str):
        return esc(value, newlines=True)
    try:
        text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return esc(text, newlines=True)


# --- the side-by-side diff --------------------------------------------------------------------

CONTEXT = 3  # unchanged lines shown around a change or a marked line
MIN_FOLD = 4  # never fold fewer lines than this


def _align(old: list[str], new: list[str]) -> list[tuple[str, int | None, int | None]]:
    """Rows ``(kind, old index, new index)``: equal, replace (a changed pair), delete, insert.
    The common head and tail are matched first, so a small amendment of a long contract is
    cheap."""
    head = 0
    while head < len(old) and head < len(new) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < len(old) - head and tail < len(new) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    rows: list[tuple[str, int | None, int | None]] = [("equal", i, i) for i in range(head)]
    a, b = old[head : len(old) - tail], new[head : len(new) - tail]
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            rows += [("equal", head + i1 + k, head + j1 + k) for k in range(i2 - i1)]
            continue
        n_old, n_new = i2 - i1, j2 - j1
        pairs = min(n_old, n_new) if tag == "replace" else 0
        rows += [("replace", head + i1 + k, head + j1 + k) for k in range(pairs)]
        rows += [("delete", head + i1 + k, None) for k in range(pairs, n_old)]
        rows += [("insert", None, head + j1 + k) for k in range(pairs, n_new)]
    base_old, base_new = len(old) - tail, len(new) - tail
    rows += [("equal", base_old + k, base_new + k) for k in range(tail)]
    return rows


_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.S)


def _intraline(a: str, b: str) -> tuple[str, str]:
    """Two changed lines as HTML with the differing characters in ``<del>``/``<ins>``; lines
    that share almost nothing are left whole (the row colour already says they changed)."""
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    sm = SequenceMatcher(None, ta, tb, autojunk=False)
    if sm.ratio() < 0.3:
        return html.escape(a, quote=True), html.escape(b, quote=True)
    left: list[str] = []
    right: list[str] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        x = html.escape("".join(ta[i1:i2]), quote=True)
        y = html.escape("".join(tb[j1:j2]), quote=True)
        if tag == "equal":
            left.append(x)
            right.append(y)
            continue
        if x:
            left.append(f"<del>{x}</del>")
        if y:
            right.append(f"<ins>{y}</ins>")
    return "".join(left), "".join(right)


def _gutter(marks: list[_Mark], side: str, klass: str) -> str:
    if not marks:
        return f'<span class="mk {klass}"></span>'
    marks = sorted(marks, key=lambda m: _RANK.get(m.severity, 9))
    worst = marks[0]
    title = esc("\n".join(m.label for m in marks), newlines=True)
    key = worst.severity if worst.severity in SYMBOLS else "none"
    words = ", ".join(sorted({m.severity for m in marks}, key=lambda s: _RANK.get(s, 9)))
    if all(m.present for m in marks):
        klass += " present"
    return (
        f'<span class="mk {klass} s-{key}"><a href="#{worst.anchor}" title="{title}">'
        f'<span aria-hidden="true">{SYMBOLS[key]}</span><span class="sr">{esc(words)}</span>'
        "</a></span>"
    )


def _mark_class(marks: list[_Mark]) -> str:
    if not marks:
        return ""
    compat = [m for m in marks if not m.security]
    if compat:
        worst = min(compat, key=lambda m: _RANK.get(m.severity, 9))
        return f" m-{worst.severity}"
    return " m-present" if all(m.present for m in marks) else " m-security"


def side_by_side(
    old_text: str,
    new_text: str,
    marks: _Marks | None = None,
    *,
    old_name: str = "old",
    new_name: str = "new",
    single: bool = False,
) -> list[str]:
    """The two texts aligned line by line, as HTML rows; each line has an anchor
    (``old-L12``/``new-L12``) and the marks of the findings on it. ``single``: the new text
    alone, with its marks (a contract reviewed on its own)."""
    marks = marks or _Marks()
    old = [inert(line) for line in old_text.splitlines()]
    new = [inert(line) for line in new_text.splitlines()]
    if single:
        old = []
        rows: list[tuple[str, int | None, int | None]] = [
            ("equal", None, j) for j in range(len(new))
        ]
    else:
        rows = _align(old, new)
    marked_old, marked_new = marks.lines("old"), marks.lines("new")
    keep = [False] * len(rows)
    for idx, (kind, i, j) in enumerate(rows):
        hot = (
            kind != "equal"
            or (i is not None and i + 1 in marked_old)
            or (j is not None and j + 1 in marked_new)
        )
        if hot:
            for k in range(max(0, idx - CONTEXT), min(len(rows), idx + CONTEXT + 1)):
                keep[k] = True
    headers = [new_name] if single else [old_name, new_name]
    out = [
        f'<div class="diff{" single" if single else ""}" role="table" '
        f'aria-label="{"Contract" if single else "Side-by-side diff"}">',
        '<div class="files" role="row">'
        + "".join(f'<span role="columnheader">{esc(h)}</span>' for h in headers)
        + "</div>",
    ]
    idx = 0
    while idx < len(rows):
        if keep[idx]:
            out.append(_row(rows[idx], old, new, marks, single))
            idx += 1
            continue
        end = idx
        while end < len(rows) and not keep[end]:
            end += 1
        run = rows[idx:end]
        if len(run) < MIN_FOLD:
            out += [_row(r, old, new, marks, single) for r in run]
        else:
            first, last = run[0], run[-1]
            where = f"lines {(first[2] or 0) + 1}–{(last[2] or 0) + 1}"
            what = "lines without findings" if single else "unchanged lines"
            out.append(f'<details class="fold"><summary>⋯ {len(run)} {what} ({where})</summary>')
            out += [_row(r, old, new, marks, single) for r in run]
            out.append("</details>")
        idx = end
    if not rows:
        out.append(
            '<div class="row"><span></span><span></span><span class="code muted">'
            "(both texts are empty)</span></div>"
        )
    out.append("</div>")
    return out


def _row(
    row: tuple[str, int | None, int | None],
    old: list[str],
    new: list[str],
    marks: _Marks,
    single: bool = False,
) -> str:
    kind, i, j = row
    a = old[i] if i is not None else None
    b = new[j] if j is not None else None
    if kind == "replace" and a is not None and b is not None:
        left, right = _intraline(a, b)
    else:
        left = html.escape(a, quote=True) if a is not None else ""
        right = html.escape(b, quote=True) if b is not None else ""
    cells = []
    for side, index, code, changed in (
        ("old", i, left, kind in ("replace", "delete")),
        ("new", j, right, kind in ("replace", "insert")),
    ):
        if index is None and single:
            continue
        if index is None:
            cells.append(
                '<span class="ln empty"></span><span class="mk empty"></span>'
                '<span class="code empty"></span>'
            )
            continue
        line = index + 1
        here = marks.on(side, line)
        klass = ("del" if side == "old" else "ins") if changed else ""
        cells.append(
            f'<span class="ln {klass}" id="{side}-L{line}" data-ln="{line}"></span>'
            + _gutter(here, side, klass)
            + f'<span class="code {side} {klass}{_mark_class(here)}">{code}</span>'
        )
    return f'<div class="row {kind}" role="row">{"".join(cells)}</div>'


# --- renderers --------------------------------------------------------------------------------


def _review_page(
    page: _Review,
    what: str,
    sections: list[tuple[str, str]],
    parts: Sequence[Callable[[], list[str]]],
    lead: Sequence[str] = (),
) -> str:
    """One review page: the header, the table of contents, ``lead`` and then ``parts``."""
    body = page.header(what)
    body.append(page.toc(sections))
    body.append("<main>")
    body += lead
    for part in parts:
        body += part()
    body.append("</main>")
    body.append(_footer(page.report))
    return _page(page.title(what), body)


def render_html(report: DiffReport, options: RenderOptions | None = None) -> str:
    """The amendment review as one self-contained HTML page (``--format html``)."""
    page = _Review(report, options or RenderOptions(), mode="diff")
    sections = [("verdict", "Verdict"), ("findings", "Findings"), ("security", "Security")]
    if report.ignored or any(s.ignored for s in page.security):
        sections.append(("ignored", "Ignored"))
    sections.append(("diff", "Diff"))
    parts = [page.verdict, page.affected, page.findings, page.security_section]
    return _review_page(page, "Amendment review", sections, [*parts, page.ignored, page.diff])


def render_review_html(report: DiffReport, options: RenderOptions | None = None) -> str:
    """The security review (``workbench review --format html``): security findings and the
    diff they point into; compatibility findings belong to ``workbench diff``."""
    page = _Review(report, options or RenderOptions(), mode="review")
    sections = [("verdict", "Verdict"), ("security", "Security"), ("diff", "Diff")]
    parts = [page.verdict, page.security_section, page.ignored, page.diff]
    return _review_page(page, "Security review", sections, parts)


def render_notice_html(
    report: DiffReport, notice_markdown: str, options: RenderOptions | None = None
) -> str:
    """The amendment notice (its Markdown, as HTML), followed by the review it summarises."""
    page = _Review(report, options or RenderOptions(), mode="notice")
    sections = [
        ("notice", "Notice"),
        ("verdict", "Verdict"),
        ("findings", "Findings"),
        ("security", "Security"),
        ("diff", "Diff"),
    ]
    lead = [
        '<section id="notice" class="notice">',
        markdown_html(notice_markdown),
        "</section>",
        '<h2 id="details">The review behind this notice</h2>',
    ]
    parts = [page.verdict, page.affected, page.findings, page.security_section]
    return _review_page(page, "Amendment notice", sections, [*parts, page.ignored, page.diff], lead)


def render_log_html(
    entries: Sequence[tuple[Mapping[str, Any], DiffReport | None]], *, title: str = ""
) -> str:
    """The amendment timeline (``workbench log --format html``), newest first.

    ``entries`` are the log's rows as ``LogEntry.to_dict()`` gives them, each with its report
    (``None`` when it could not be computed): every row gets a verdict badge, the bump needed
    and made, the counts, and the breaking, risky and new security findings on demand."""
    contracts = sorted({str(row.get("contract") or "") for row, _ in entries} - {""})
    heading = title or (contracts[0] if len(contracts) == 1 else "All contracts")
    body = [
        "<header>",
        '<p class="muted">Amendment log</p>',
        f"<h1>{esc(heading)}</h1>",
        f'<p class="muted">{len(entries)} amendment{"s" if len(entries) != 1 else ""}, '
        "newest first</p>",
        "</header>",
        "<main>",
    ]
    if not entries:
        body.append("<p>No amendments.</p>")
    else:
        body.append('<ol class="timeline">')
        for row, report in entries:
            body += _log_item(row, report, show_contract=len(contracts) > 1)
        body.append("</ol>")
    body += ["</main>", _footer()]
    return _page(f"Amendment log: {inert(heading)}", body)


def _log_item(
    row: Mapping[str, Any], report: DiffReport | None, *, show_contract: bool
) -> list[str]:
    date = str(row.get("date") or "")[:10] or "—"
    author = row.get("author") or {}
    who = author.get("name") or author.get("email") or "—"
    version = "deleted" if row.get("change") == "deleted" else (row.get("version") or "?")
    severity = row.get("severity")
    if severity is None:
        mark = badge(
            "invalid" if row.get("invalid") else "error",
            "invalid" if row.get("invalid") else "no verdict",
        )
    else:
        mark = badge(str(severity) if severity != "none" else "none", str(severity))
    what = [mark]
    if show_contract:
        what.append(f"<code>{esc(row.get('contract') or '?')}</code>")
    what.append(f"<strong>{esc(version)}</strong>")
    if severity is not None:
        need, got = row.get("required_bump"), row.get("actual_bump")
        ok = row.get("version_bump_ok")
        bump = f"needs {esc(need)}, got {esc(got)}"
        what.append(
            f"<span>{bump} {badge('safe', 'ok') if ok else badge('breaking', 'not enough')}</span>"
        )
        counts = row.get("counts") or {}
        for key, sev in (
            ("breaking", "breaking"),
            ("risky", "risky"),
            ("safe", "safe"),
            ("weakens", "high"),
            ("security", "medium"),
        ):
            n = int(counts.get(key) or 0)
            if n:
                label = {"weakens": "weaken security", "security": "new security"}.get(key, key)
                what.append(badge(sev, f"{n} {label}"))
        gate = row.get("gate") or {}
        if gate:
            what.append(
                badge("breaking", "gate fails")
                if gate.get("fails")
                else badge("safe", "gate passes")
            )
    out = [
        "<li>",
        f"<time>{esc(date)}</time>",
        f"<code>{esc(row.get('short') or row.get('rev') or '')}</code>",
        f'<div class="what">{" ".join(what)} <span class="muted">{esc(who)}</span></div>',
    ]
    subject = esc(row.get("subject") or "")
    notes = []
    if row.get("merge"):
        notes.append("merge: compared with the first parent")
    base = row.get("compared_with")
    if base:
        notes.append(f"compared with {inert(str(base.get('rev', ''))[:8])}: the parent is invalid")
    if row.get("error"):
        notes.append(("invalid: " if row.get("invalid") else "") + inert(row["error"]))
    note = f' <span class="muted">({esc("; ".join(notes))})</span>' if notes else ""
    out.append(f'<div class="subject">{subject}{note}</div>')
    if report is not None:
        detail = _log_details(report)
        if detail:
            out += ["<details>", "<summary>What needs attention</summary>", *detail, "</details>"]
    out.append("</li>")
    return out


def _log_details(report: DiffReport) -> list[str]:
    out = []
    for f in report.findings:
        if f.severity in ("breaking", "risky") or f.security == "weakens":
            out.append(f"<li>{badge(f.severity)} {esc(f.message)} <code>{esc(f.path)}</code></li>")
    for s in security_items(report):
        if (s.kind == "regression" or s.new_in_amendment) and not s.ignored:
            out.append(f"<li>{badge(s.severity)} {esc(s.title)}: {esc(s.message)}</li>")
    return ["<ul>", *out, "</ul>"] if out else []


# --- the notice's Markdown, as HTML -----------------------------------------------------------

# The notice is Markdown written by the workbench, with every contract value escaped by
# ``report.markdown.md`` (backslashes before syntax characters) and a few literal tags of its
# own. This reads exactly that subset: headings, paragraphs, lists (with indented continuation
# lines), pipe tables, fenced code, ``**bold**``, ``<code>``, ``<br>`` and backslash escapes.
# Anything else is text: it is escaped, never passed through.
_INLINE = re.compile(r"\\(.)|(\*\*)|(</?code>|<br>|</?sub>)|(`)", re.S)


def _inline(text: str) -> str:
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(esc(text[pos : m.start()]))
        pos = m.end()
        if m.group(1) is not None:
            out.append(esc(m.group(1)))
        elif m.group(2):
            if stack and stack[-1] == "strong":
                out.append("</strong>")
                stack.pop()
            elif "code" not in stack:
                out.append("<strong>")
                stack.append("strong")
            else:
                out.append("**")
        elif m.group(3):
            tag = m.group(3)
            if tag == "<br>":
                out.append("<br>")
            elif tag.startswith("</"):
                name = tag[2:-1]
                if stack and stack[-1] == name:
                    out.append(tag)
                    stack.pop()
                else:
                    out.append(esc(tag))
            else:
                out.append(tag)
                stack.append(tag[1:-1])
        else:  # a backtick code span
            if stack and stack[-1] == "tick":
                out.append("</code>")
                stack.pop()
            else:
                out.append("<code>")
                stack.append("tick")
    out.append(esc(text[pos:]))
    closing = {"strong": "</strong>", "code": "</code>", "tick": "</code>", "sub": "</sub>"}
    out += [closing[name] for name in reversed(stack)]
    return "".join(out)


def _cells(line: str) -> list[str]:
    """The cells of a pipe-table row (``\\|`` is a pipe inside a cell)."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    cells, cur, i = [], [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            cur.append(body[i : i + 2])
            i += 2
            continue
        if ch == "|":
            cells.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    cells.append("".join(cur).strip())
    return cells


def markdown_html(text: str) -> str:
    """The notice's Markdown subset as HTML (headings shifted one level down, under the page's
    own ``h1``)."""
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    para: list[str] = []
    items: list[list[str]] = []

    def flush() -> None:
        if para:
            out.append("<p>" + "<br>".join(_inline(p) for p in para) + "</p>")
            para.clear()
        if items:
            out.append("<ul>")
            out.extend("<li>" + "<br>".join(_inline(x) for x in item) + "</li>" for item in items)
            out.append("</ul>")
            items.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            i += 1
            code = []
            while i < len(lines) and not lines[i].strip().startswith("```"):
                code.append(lines[i])
                i += 1
            out.append("<pre><code>" + esc("\n".join(code), newlines=True) + "</code></pre>")
            i += 1
            continue
        heading = re.match(r"^(#{1,5})\s+(.*)$", line)
        if heading:
            flush()
            level = len(heading.group(1)) + 1
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
        elif stripped.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            rows = [r for r in rows if not all(re.fullmatch(r":?-{3,}:?", c) for c in r)]
            if rows:
                head, *rest = rows
                out.append('<table class="grid">')
                if any(head):
                    out.append("<tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr>")
                else:
                    rest = rows[1:]
                for r in rest:
                    out.append("<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>")
                out.append("</table>")
            continue
        elif line.startswith("- "):
            if para:
                out.append("<p>" + "<br>".join(_inline(p) for p in para) + "</p>")
                para.clear()
            items.append([line[2:]])
        elif line.startswith("  ") and items and stripped:
            items[-1].append(stripped)
        elif not stripped:
            flush()
        else:
            if items:
                flush()
            para.append(stripped)
        i += 1
    flush()
    return "\n".join(out)
