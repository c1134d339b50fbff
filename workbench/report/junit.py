"""JUnit XML for CI test tabs (GitLab, Jenkins, Azure DevOps, CircleCI, GitHub test reporters).

One ``<testsuite>`` for compatibility and one for the security review; one ``<testcase>`` per
finding, its ``classname`` the rule id and its ``name`` the contract path. What fails the gate
(``--fail-on``; see :func:`workbench.report.common.failures`) is a ``<failure>``; ignored findings
are ``<skipped>`` with the reason; everything else passes with its message in ``<system-out>``.
A suite with nothing to report holds one passing testcase, so readers never see an empty run.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from workbench.engine.model import DiffReport, Finding, SecurityFinding
from workbench.report.common import (
    RenderOptions,
    clean,
    fails,
    finding_file,
    security_fails,
    security_file,
    security_items,
    site,
    verdict_sentence,
)


def _x(text: object) -> str:
    """Text safe for XML 1.0 (no control characters other than tab and newline)."""
    return clean("" if text is None else text, newlines=True)


def _suite(parent: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(parent, "testsuite", name=_x(name))


def _case(suite: ET.Element, classname: str, name: str, file: str, line: int | None) -> ET.Element:
    attrs = {"classname": _x(classname), "name": _x(name), "time": "0"}
    if file:
        attrs["file"] = _x(file)
    if line:
        attrs["line"] = str(line)
    return ET.SubElement(suite, "testcase", attrs)


def _finish(suite: ET.Element, empty_name: str) -> None:
    cases = suite.findall("testcase")
    if not cases:
        _case(suite, "workbench", empty_name, "", None)
        cases = suite.findall("testcase")
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
    suite.set("errors", "0")
    suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    suite.set("time", "0")


def _finding_case(
    suite: ET.Element, report: DiffReport, f: Finding, options: RenderOptions
) -> None:
    _, loc = site(f)
    file = finding_file(report, f, options)
    case = _case(suite, f.rule, f.path, file, loc.line if loc else None)
    where = f"{file}:{loc.line}:{loc.column}" if loc else file
    details = [f"{where}: {f.severity}: {f.message}"]
    if f.note:
        details.append(f"note: {f.note}")
    if f.breaks and f.severity != "safe":
        details.append(f"breaks: {', '.join(f.breaks)}")
    details.append(f"security: {f.security}")
    details.append(f"fingerprint: {f.fingerprint}")
    body = "\n".join(details)
    if f.ignored:
        ET.SubElement(case, "skipped", message=_x(f"ignored: {f.ignored}")).text = _x(body)
    elif fails(f, options.fail_on):
        failure = ET.SubElement(case, "failure", message=_x(f.message), type=f.severity)
        failure.text = _x(body)
    else:
        ET.SubElement(case, "system-out").text = _x(body)


def _security_case(
    suite: ET.Element, report: DiffReport, s: SecurityFinding, options: RenderOptions
) -> None:
    file = security_file(report, s, options)
    case = _case(suite, s.rule, s.path, file, s.line)
    where = f"{file}:{s.line}:{s.column or 1}" if s.line else file
    details = [f"{where}: {s.severity}: {s.title}: {s.message}"]
    if s.fix:
        details.append(f"fix: {s.fix}")
    if s.citation:
        details.append(f"see: {s.citation}" + (f" <{s.citation_url}>" if s.citation_url else ""))
    details.append(f"kind: {s.kind}{'' if s.new_in_amendment else ' (already present)'}")
    details.append(f"fingerprint: {s.fingerprint}")
    body = "\n".join(details)
    if s.ignored:
        ET.SubElement(case, "skipped", message=_x(f"ignored: {s.ignored}")).text = _x(body)
    elif security_fails(s, options):
        failure = ET.SubElement(case, "failure", message=_x(s.message), type=s.severity)
        failure.text = _x(body)
    else:
        ET.SubElement(case, "system-out").text = _x(body)


def junit_tree(report: DiffReport, options: RenderOptions | None = None) -> ET.Element:
    """The ``<testsuites>`` element."""
    options = options or RenderOptions()
    summary = report.new or report.old
    contract = summary.contract if summary else "contract"
    old_v = report.old.shown_version if report.old else "-"
    new_v = report.new.shown_version if report.new else "-"
    root = ET.Element("testsuites", name=_x(f"workbench diff {contract} {old_v} -> {new_v}"))

    compat = _suite(root, f"{contract}: compatibility")
    props = ET.SubElement(compat, "properties")
    for key, value in report.verdict.to_dict().items():
        if key != "counts":
            text = str(value).lower() if isinstance(value, bool) else value
            ET.SubElement(props, "property", name=f"verdict.{key}", value=_x(text))
    ET.SubElement(props, "property", name="fail_on", value=options.fail_on)
    for f in report.findings:
        _finding_case(compat, report, f, options)
    for f in report.ignored:
        _finding_case(compat, report, f, options)
    _finish(compat, "no compatibility findings")
    ET.SubElement(compat, "system-out").text = _x(f"verdict: {verdict_sentence(report)}")

    items = security_items(report)
    if items:
        security = _suite(root, f"{contract}: security review")
        for s in items:
            _security_case(security, report, s, options)
        _finish(security, "no security findings")

    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in root.findall("testsuite"))))
    root.set("time", "0")
    return root


def render_junit(report: DiffReport, options: RenderOptions | None = None) -> str:
    """The JUnit XML document (UTF-8, with declaration)."""
    root = junit_tree(report, options)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
