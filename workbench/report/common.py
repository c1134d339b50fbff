"""What every renderer shares: options, the CI gate, locations, and security findings in order.

Renderers take a :class:`~workbench.engine.model.DiffReport` and :class:`RenderOptions` and
return text. They never decide policy themselves: :func:`failures` is the one definition of
what fails a build, used by the exit code, JUnit failures and annotation levels alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from workbench.contract.model import DURATION_FIELDS
from workbench.contract.record import Frozen
from workbench.contract.revspec import parse_rev_path
from workbench.contract.units import format_duration
from workbench.engine.model import DiffReport, Finding, SecurityFinding
from workbench.security.model import SEVERITY_RANK
from workbench.security.summary import SecurityCount, count_security, fails_at
from workbench.textsafe import clean

SEVERITIES: tuple[str, ...] = ("breaking", "risky", "safe")
PARTY_LABELS: dict[str, str] = {
    "clients": "clients (apps calling the endpoints)",
    "relying_parties": "relying parties (services verifying tokens)",
    "issuer": "the issuer (identity provider)",
}


class RenderOptions(Frozen):
    """How to render a report.

    ``fail_on`` is the compatibility gate (``breaking``, ``risky`` or ``never``);
    ``security_fail_on`` the lowest security severity that fails (``never`` to only report).
    ``old_path``/``new_path`` are the repository-relative paths of each side's file, used
    where a format needs a file (SARIF, JUnit, GitHub annotations); by default they are derived
    from the report's sources (``REV:PATH`` gives ``PATH``). ``docs_base`` is where the rule
    documentation lives (``rules.md`` and ``security-rules.md`` of the workbench project's
    ``docs/``); links become absolute when it is an absolute URL. ``old_text``/``new_text`` are
    the two contract texts, for formats that show them (the HTML side-by-side diff).
    """

    __slots__ = (
        "color",
        "docs_base",
        "fail_on",
        "new_path",
        "new_text",
        "old_path",
        "old_text",
        "security_fail_on",
    )
    fail_on: str
    security_fail_on: str
    color: bool
    old_path: str | None
    new_path: str | None
    docs_base: str
    old_text: str | None
    new_text: str | None

    def __init__(
        self,
        fail_on: str = "breaking",
        security_fail_on: str = "high",
        color: bool = False,
        old_path: str | None = None,
        new_path: str | None = None,
        docs_base: str = "docs/",
        old_text: str | None = None,
        new_text: str | None = None,
    ):
        put = object.__setattr__
        put(self, "fail_on", fail_on)
        put(self, "security_fail_on", security_fail_on)
        put(self, "color", color)
        put(self, "old_path", old_path)
        put(self, "new_path", new_path)
        put(self, "docs_base", docs_base)
        put(self, "old_text", old_text)
        put(self, "new_text", new_text)


def security_items(report: DiffReport) -> list[SecurityFinding]:
    """Security findings, most severe first (regressions before state findings)."""
    return sorted(
        report.security_findings,
        key=lambda s: (-SEVERITY_RANK[s.severity], s.kind != "regression", s.line or 0),
    )


# --- the gate -------------------------------------------------------------------------------


def fails(finding: Finding, fail_on: str) -> bool:
    """Whether a compatibility finding fails the build under ``--fail-on``."""
    if finding.ignored:
        return False
    if fail_on == "breaking":
        return finding.severity == "breaking"
    if fail_on == "risky":
        return finding.severity in ("breaking", "risky")
    return False


def security_fails(item: SecurityFinding, options: RenderOptions) -> bool:
    """Whether a security finding fails the build: at or above the security threshold, not
    ignored, introduced by this amendment (``security.summary.fails_at``, the definition the
    security count uses too), and the gate not switched off by ``--fail-on never``."""
    return options.fail_on != "never" and fails_at(item, options.security_fail_on)


def failures(
    report: DiffReport, options: RenderOptions
) -> tuple[list[Finding], list[SecurityFinding]]:
    """Everything that fails the build: the one definition behind exit codes and CI formats."""
    return (
        [f for f in report.findings if fails(f, options.fail_on)],
        [s for s in security_items(report) if security_fails(s, options)],
    )


def exit_code(report: DiffReport, options: RenderOptions) -> int:
    """1 when anything fails the gate, else 0."""
    compat, security = failures(report, options)
    return 1 if compat or security else 0


def security_count(report: DiffReport, options: RenderOptions) -> SecurityCount:
    """The security count of ``report`` under the options' threshold (``security.summary``):
    the one number every face shows."""
    return count_security(report.security_findings, options.security_fail_on)


# --- grouping and locations -----------------------------------------------------------------


def by_severity(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """Findings grouped breaking, risky, safe; within a group by rule, then path."""
    groups: dict[str, list[Finding]] = {s: [] for s in SEVERITIES}
    for f in findings:
        groups.setdefault(f.severity, []).append(f)
    for items in groups.values():
        items.sort(key=lambda f: (line_of(f), f.rule, f.path))
    return groups


def site(finding: Finding) -> tuple[str, Any]:
    """``(side, Loc)`` a reader should look at: the new file, or the old one for a removal."""
    if finding.new_loc is not None:
        return "new", finding.new_loc
    if finding.old_loc is not None:
        return "old", finding.old_loc
    return ("old" if finding.new is None and finding.old is not None else "new"), None


def line_of(finding: Finding) -> int:
    loc = site(finding)[1]
    return loc.line if loc is not None else 0


def strip_rev(source: str) -> str:
    """``HEAD~1:contracts/a.yaml`` -> ``contracts/a.yaml``; a plain file path is kept."""
    if not source:
        return source
    parsed = parse_rev_path(source)
    path = parsed[1] if parsed else source
    return path.removeprefix("./")


def artifact(report: DiffReport, side: str, options: RenderOptions) -> str:
    """The file of one side of the comparison, as a path relative to the repository root."""
    override = options.new_path if side == "new" else options.old_path
    if override:
        return override
    summary = report.new if side == "new" else report.old
    other = report.old if side == "new" else report.new
    summary = summary or other
    return strip_rev(summary.source) if summary else ""


def finding_file(report: DiffReport, finding: Finding, options: RenderOptions) -> str:
    return artifact(report, site(finding)[0], options)


def security_file(report: DiffReport, item: SecurityFinding, options: RenderOptions) -> str:
    """The file a security finding points into: matched by source, else by side."""
    for side, summary in (("new", report.new), ("old", report.old)):
        if summary is not None and item.source and item.source == summary.source:
            return artifact(report, side, options)
    if item.source:
        return strip_rev(item.source)
    return artifact(report, "old" if item.side == "old" else "new", options)


def counts(report: DiffReport) -> dict[str, int]:
    """Finding counts by severity (plus ``ignored`` and ``weakens``), from the verdict or recount."""
    out = {s: 0 for s in SEVERITIES}
    for f in report.findings:
        out[f.severity] = out.get(f.severity, 0) + 1
    out["ignored"] = len(report.ignored)
    out["weakens"] = sum(1 for f in report.findings if f.security == "weakens")
    return out


def affected(findings: Iterable[Finding]) -> dict[str, dict[str, list[Finding]]]:
    """Who is affected: party -> severity -> findings (only breaking and risky findings)."""
    out: dict[str, dict[str, list[Finding]]] = {}
    for f in findings:
        if f.severity not in ("breaking", "risky"):
            continue
        for party in f.breaks or ():
            out.setdefault(party, {}).setdefault(f.severity, []).append(f)
    order = {p: i for i, p in enumerate(PARTY_LABELS)}
    return dict(sorted(out.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))


def consumers_of(finding: Finding) -> tuple[str, ...]:
    """The listed consumers whose ``uses`` mention what a finding changes (engine-provided)."""
    return finding.consumers


def affected_consumers(findings: Iterable[Finding]) -> dict[str, dict[str, list[Finding]]]:
    """Named consumers reached by breaking or risky findings: name -> severity -> findings."""
    out: dict[str, dict[str, list[Finding]]] = {}
    for f in findings:
        if f.severity not in ("breaking", "risky"):
            continue
        for name in consumers_of(f):
            out.setdefault(name, {}).setdefault(f.severity, []).append(f)
    return dict(sorted(out.items(), key=lambda kv: (-len(kv[1].get("breaking", [])), kv[0])))


class GateResult(Frozen):
    """What the gate decided for one report: whether it fails, the findings that make it fail
    (by compatibility severity, and security at or above the threshold) and the sentence."""

    __slots__ = ("breaking", "fails", "risky", "security", "sentence")
    fails: bool
    breaking: int
    risky: int
    security: int
    sentence: str

    def __init__(self, fails: bool, breaking: int, risky: int, security: int, sentence: str):
        put = object.__setattr__
        put(self, "fails", fails)
        put(self, "breaking", breaking)
        put(self, "risky", risky)
        put(self, "security", security)
        put(self, "sentence", sentence)

    def to_dict(self) -> dict[str, Any]:
        return {
            "fails": self.fails,
            "breaking": self.breaking,
            "risky": self.risky,
            "security": self.security,
            "sentence": self.sentence,
        }


def gate_options(security_fail_on: str) -> RenderOptions:
    """The options of the default gate (``workbench diff`` without ``--fail-on``): breaking
    findings, and security findings at or above the policy's ``fail_on``. The history's
    verdicts (``workbench log``, the TUI's badges) show what this gate would say."""
    return RenderOptions(fail_on="breaking", security_fail_on=security_fail_on)


def gate_result(report: DiffReport, options: RenderOptions) -> GateResult:
    """The gate's decision on ``report`` (from :func:`failures`, the one definition)."""
    compat, security = failures(report, options)
    breaking = sum(1 for f in compat if f.severity == "breaking")
    risky = sum(1 for f in compat if f.severity == "risky")
    reasons = []
    for severity, n in (("breaking", breaking), ("risky", risky)):
        if n:
            reasons.append(f"{n} {severity} finding{'s' if n != 1 else ''}")
    if security:
        n = len(security)
        reasons.append(
            f"{n} security finding{'s' if n != 1 else ''} at or above {options.security_fail_on}"
        )
    if reasons:
        sentence = "fails: " + ", ".join(reasons)
    elif options.fail_on == "never":
        sentence = "passes (--fail-on never)"
    else:
        sentence = f"passes (--fail-on {options.fail_on}, security at {options.security_fail_on})"
    return GateResult(bool(reasons), breaking, risky, len(security), sentence)


def gate_summary(report: DiffReport, options: RenderOptions) -> tuple[bool, str]:
    """``(fails, sentence)``: what the gate decided and why, for the verdict lines."""
    result = gate_result(report, options)
    return result.fails, result.sentence


def verdict_sentence(report: DiffReport) -> str:
    """One line: the overall severity and what the version bump needed and got."""
    v = report.verdict
    old_v = report.old.version if report.old else None
    new_v = report.new.version if report.new else None
    versions = f" ({old_v} -> {new_v})" if old_v and new_v else ""
    if v.severity == "none" and not report.findings:
        head = "no changes that affect anyone"
    else:
        head = f"{v.severity}"
    need = f"requires a {v.required_bump} bump" if v.required_bump != "none" else "requires no bump"
    got = {
        "none": "the version did not change",
        "downgrade": "the version went down",
        "invalid": "the version is not SemVer",
        "unversioned": "the artefact has no SemVer version",
    }.get(v.actual_bump, f"the version got a {v.actual_bump} bump")
    ok = "ok" if v.version_bump_ok else "NOT ENOUGH"
    note = v.bump_note
    return f"{head}: {need}; {got}{versions}: {ok}" + (f" ({note})" if note else "")


# --- text hygiene: clean() (textsafe.py) escapes what a terminal would act on --------


def short_value(value: Any, limit: int = 60) -> str:
    """A contract value in one short line (lists and maps in flow style)."""
    text = clean(_flow(value, limit))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _flow(value: Any, budget: int) -> str:
    """``value`` in flow style, stopped soon after ``budget`` characters: a value that YAML
    aliases expanded into 100,000 parts is never written out whole to show 60 characters."""
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
        parts: list[str] = []
        size = 1
        for key, item in items:
            if size > budget:
                parts.append("...")
                break
            text = _flow(item, budget - size)
            if key is not None:
                text = f"{key}: {text}"
            parts.append(text)
            size += len(text) + 2
        inner = ", ".join(parts)
        return f"{{{inner}}}" if isinstance(value, dict) else f"[{inner}]"
    return str(value)


_DURATION_KEYS = frozenset(spec[-1] for spec in DURATION_FIELDS)


def display_value(path: str, value: Any, limit: int = 60) -> str:
    """:func:`short_value`, with durations (compared in seconds) shown as ``15m``, ``1h30m``."""
    last = path.rsplit(".", 1)[-1]
    if last in _DURATION_KEYS and isinstance(value, int) and not isinstance(value, bool):
        return format_duration(value)
    return short_value(value, limit)


def witness_text(finding: Finding, limit: int = 160) -> str | None:
    """The witness of a schema finding in words: the instance (compact JSON, shortened) and
    which side accepts it."""
    w = finding.witness
    if not w:
        return None
    import json

    text = json.dumps(w.get("instance"), sort_keys=True, ensure_ascii=False, default=str)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{clean(text)} is valid under the {w.get('valid')} schema, rejected by the {w.get('invalid')}"


def rule_anchor(rule_id: str) -> str:
    """The anchor of a rule's heading in docs/rules.md (GitHub's slug of ``### rule.id``)."""
    return re.sub(r"[^a-z0-9_\- ]", "", rule_id.lower()).replace(" ", "-")
