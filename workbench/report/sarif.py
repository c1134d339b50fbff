"""SARIF 2.1.0 for code-scanning tools (GitHub code scanning, Azure DevOps, IDE viewers).

One run; ``tool.driver.rules`` describes the rules the results use (from the engine's and the
security review's registries, or from the finding itself for a rule neither knows), each with
its documentation link and default level: embedding all ~300 rules made a log of a handful of
results weigh hundreds of kilobytes. Every finding is a result: compatibility findings at ``error``
(breaking), ``warning`` (risky) or ``note`` (safe), security findings by their severity, ignored
findings with an ``accepted`` external suppression carrying the reason. Locations point at the
new file, or at the old one for something removed; ``partialFingerprints`` carries our stable
fingerprint so alerts survive line moves.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from workbench import __version__
from workbench.contract.loc import Loc
from workbench.engine.model import DiffReport, Finding, SecurityFinding
from workbench.engine.registry import RuleMeta
from workbench.report.common import (
    RenderOptions,
    artifact,
    finding_file,
    security_file,
    security_items,
    site,
    witness_text,
)
from workbench.report.rules import (
    compatibility_rules,
    rule_doc_url,
    security_rules,
)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "workbench/v1"
LEVELS = {
    "breaking": "error",
    "risky": "warning",
    "safe": "note",
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "note",
    "info": "note",
}
# GitHub code scanning reads a rule's security severity from this number (CVSS-like bands).
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}


def _name(rule_id: str) -> str:
    """``token.alg-removed`` -> ``TokenAlgRemoved`` (SARIF wants an identifier-like name)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", rule_id))


def _descriptor(info: RuleMeta, options: RenderOptions) -> dict[str, Any]:
    tags = [info.family]
    properties: dict[str, Any] = {}
    if info.family == "security":
        properties["security-severity"] = SECURITY_SEVERITY.get(info.severity, "0.0")
    else:
        tags.append(info.id.split(".", 1)[0])
        if info.security == "weakens":
            tags.append("security")
        properties["breaks"] = list(info.breaks)
    properties["tags"] = tags
    help_text = info.rationale
    if info.fix:
        help_text += f"\n\nFix: {info.fix}"
    if info.citation:
        help_text += f"\n\nSee: {info.citation}"
    return {
        "id": info.id,
        "name": _name(info.id),
        "shortDescription": {"text": info.title or info.id},
        "fullDescription": {"text": info.rationale or info.title or info.id},
        "help": {"text": help_text or info.title or info.id},
        "helpUri": rule_doc_url(info.id, options.docs_base),
        "defaultConfiguration": {"level": LEVELS.get(info.severity, "warning")},
        "properties": properties,
    }


def _region(loc: Loc) -> dict[str, Any]:
    region = {"startLine": max(1, loc.line), "startColumn": max(1, loc.column)}
    end = loc.end_line
    if end and end > loc.line:
        region["endLine"] = end
    return region


def _location(
    uri: str, loc: Loc | None, logical: str, description: str | None = None
) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(uri)}}
    physical["region"] = _region(loc) if loc is not None else {"startLine": 1, "startColumn": 1}
    out: dict[str, Any] = {"physicalLocation": physical}
    if logical:
        out["logicalLocations"] = [{"fullyQualifiedName": logical, "kind": "member"}]
    if description:
        out["message"] = {"text": description}
    return out


def _uri(path: str) -> str:
    """A repository-relative path as a relative URI reference (``/`` separators, spaces and the
    like percent-encoded); a path outside the repository as a ``file:`` URI."""
    if path and PurePath(path).is_absolute():
        with contextlib.suppress(ValueError):
            return Path(path).as_uri()
    return quote(path.replace("\\", "/"), safe="/@!$&'()*+,;=-._~") or "."


def _compat_result(
    report: DiffReport, f: Finding, index: dict[str, int], options: RenderOptions
) -> dict[str, Any]:
    side, loc = site(f)
    text = f.message
    if f.note:
        text += f" ({f.note})"
    if (witness := witness_text(f)) is not None:
        text += f" Witness: {witness}."
    if f.breaks and f.severity != "safe":
        text += f" Breaks: {', '.join(p.replace('_', ' ') for p in f.breaks)}."
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index[f.rule],
        "level": LEVELS.get(f.severity, "warning"),
        "message": {"text": text},
        "locations": [_location(finding_file(report, f, options), loc, f.path)],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint or f"{f.rule}:{f.path}"},
        "properties": {
            "severity": f.severity,
            "security": f.security,
            "breaks": list(f.breaks),
            "side": side,
        },
    }
    if side == "new" and f.old_loc is not None and report.old is not None:
        result["relatedLocations"] = [
            {"id": 1, **_location(artifact(report, "old", options), f.old_loc, f.path, "before")}
        ]
    if f.ignored:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": f.ignored}
        ]
    return result


def _security_result(
    report: DiffReport, s: SecurityFinding, index: dict[str, int], options: RenderOptions
) -> dict[str, Any]:
    text = s.message
    if s.fix:
        text += f" Fix: {s.fix}"
    loc = s.location if s.line else None
    result: dict[str, Any] = {
        "ruleId": s.rule,
        "ruleIndex": index[s.rule],
        "level": LEVELS.get(s.severity, "warning"),
        "message": {"text": text},
        "locations": [_location(security_file(report, s, options), loc, s.path)],
        "partialFingerprints": {FINGERPRINT_KEY: s.fingerprint or f"{s.rule}:{s.path}"},
        "properties": {
            "severity": s.severity,
            "kind": s.kind,
            "newInAmendment": s.new_in_amendment,
            **({"citation": s.citation} if s.citation else {}),
        },
    }
    if s.ignored:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": s.ignored}
        ]
    return result


def sarif_log(report: DiffReport, options: RenderOptions | None = None) -> dict[str, Any]:
    """The SARIF log as Python data."""
    options = options or RenderOptions()
    known: dict[str, RuleMeta] = {**compatibility_rules(), **security_rules()}
    sec = security_items(report)
    infos: dict[str, RuleMeta] = {}
    for f in (*report.findings, *report.ignored):
        if f.rule not in infos:
            infos[f.rule] = known.get(f.rule) or RuleMeta(
                id=f.rule, title=f.rule, rationale="", severity=f.severity
            )
    for s in sec:
        if s.rule not in infos:
            infos[s.rule] = known.get(s.rule) or RuleMeta(
                id=s.rule,
                title=s.title,
                rationale=s.message,
                severity=s.severity,
                citation=s.citation,
                fix=s.fix,
                family="security",
            )
    ordered = sorted(infos.values(), key=lambda r: (r.family != "compatibility", r.id))
    index = {r.id: i for i, r in enumerate(ordered)}

    results = [_compat_result(report, f, index, options) for f in report.findings]
    results += [_compat_result(report, f, index, options) for f in report.ignored]
    results += [_security_result(report, s, index, options) for s in sec]

    summary = report.new or report.old
    contract = summary.contract if summary else "contract"
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "workbench",
                "fullName": f"workbench {__version__}: authentication contract amendments",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_descriptor(r, options) for r in ordered],
            }
        },
        "automationDetails": {"id": f"workbench-diff/{contract}/"},
        "columnKind": "unicodeCodePoints",
        "invocations": [{"executionSuccessful": True}],
        "results": results,
        "properties": {
            "old": report.old.to_dict() if report.old else None,
            "new": report.new.to_dict() if report.new else None,
            "verdict": report.verdict.to_dict(),
        },
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(report: DiffReport, options: RenderOptions | None = None) -> str:
    """The SARIF 2.1.0 log as JSON text."""
    return json.dumps(sarif_log(report, options), indent=2, ensure_ascii=True, default=str) + "\n"
