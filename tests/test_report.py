"""The report renderers on hand-built reports (real Finding/Verdict values, hostile text included).

Renderers are tested here independently of the engine; tests/test_cli_diff.py runs them on real
reports of the demo repository.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from markdown_it import MarkdownIt

from workbench.contract.yamlsrc import Loc
from workbench.engine.model import ContractSummary, DiffReport, Finding, Verdict
from workbench.report import (
    FORMATS,
    RENDERERS,
    RenderOptions,
    exit_code,
    render,
    report_data,
    report_schema,
    sarif_log,
    use_color,
)
from workbench.report.common import clean, failures, strip_rev
from workbench.report.github import command, escape_data, escape_property
from workbench.report.markdown import md
from workbench.security.model import SecurityFinding

SARIF_SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)
HOSTILE = "a|b *bold* <script>alert(1)</script> `tick` [x](http://evil) _u_ \\ #h\nsecond\r\nthird"


def _finding(rule: str, severity: str, path: str, message: str, **kw) -> Finding:
    kw.setdefault("security", "neutral")
    kw.setdefault("breaks", ())
    return Finding(rule=rule, severity=severity, path=path, message=message, **kw)


def build_report(*, hostile: bool = False) -> DiffReport:
    text = HOSTILE if hostile else "New error code rate_limited"
    findings = [
        _finding(
            "token.alg-removed",
            "breaking",
            "tokens.access_token.signing_algorithms[RS256]",
            "signing algorithm RS256 removed",
            breaks=("relying_parties",),
            old="RS256",
            old_loc=Loc(47, 25, 47),
            fingerprint="a1b2c3d4e5f60718",
            consumers=("checkout-web", "ledger-service"),
        ),
        _finding(
            "token.lifetime-raised",
            "safe",
            "tokens.access_token.lifetime",
            "lifetime raised from 15m to 24h",
            security="weakens",
            old=900,
            new=86400,
            old_loc=Loc(50, 15, 50),
            new_loc=Loc(51, 15, 51),
            fingerprint="ffff0000aaaa1111",
        ),
        _finding(
            "error.code-added",
            "risky",
            f"errors[{'rate|limited' if hostile else 'rate_limited'}]",
            text,
            breaks=("clients",),
            new={"status": 429},
            new_loc=Loc(90, 3, 92),
            fingerprint="1234567890abcdef",
            note="clients must handle it: 100%, a,b:c" if hostile else None,
        ),
    ]
    ignored = [
        _finding(
            "scope.removed",
            "breaking",
            "scopes[payments.write]",
            "scope payments.write removed",
            breaks=("clients",),
            old_loc=Loc(120, 3, 121),
            fingerprint="9999888877776666",
            ignored=("accepted | by *team* <b>" if hostile else "agreed with checkout, PAY-12"),
        )
    ]
    security = [
        SecurityFinding(
            rule="jwt.alg-none",
            severity="critical",
            title="Unsigned tokens accepted",
            message="'none' is accepted: anyone can mint tokens",
            fix="Remove 'none' from signing_algorithms",
            citation="RFC 8725 §3.1",
            path="tokens.access_token.signing_algorithms",
            location=Loc(48, 25, 48),
            kind="regression",
            fingerprint="0011223344556677",
            source="contracts/payments.yaml",
        ),
        SecurityFinding(
            rule="jwt.audience-not-required",
            severity="medium",
            title="Audience not required",
            message="relying parties do not check aud",
            fix="Add aud to required_claims",
            citation="RFC 8725 §3.9",
            path="tokens.id_token.required_claims",
            location=Loc(70, 5, 70),
            kind="state",
            fingerprint="7766554433221100",
            source="contracts/payments.yaml",
            new_in_amendment=False,
        ),
    ]
    verdict = Verdict(
        severity="breaking",
        required_bump="major",
        actual_bump="minor",
        version_bump_ok=False,
        fingerprint="cafebabe12345678",
        counts={"breaking": 1, "risky": 1, "safe": 1, "weakens": 1, "ignored": 1},
    )
    return DiffReport(
        old=ContractSummary("HEAD~1:contracts/payments.yaml", "payments-api", "1.0.0", "Payments"),
        new=ContractSummary("contracts/payments.yaml", "payments-api", "1.1.0", "Payments"),
        findings=findings,
        verdict=verdict,
        ignored=ignored,
        security_findings=security,
    )


def empty_report() -> DiffReport:
    """A created contract with nothing to say: old side absent, no findings."""
    return DiffReport(
        old=None,
        new=ContractSummary("contracts/new.yaml", "new-api", "0.1.0"),
        findings=[],
        verdict=Verdict("none", "none", "none", True, "0000000000000000", {}),
    )


@pytest.fixture(scope="module")
def report() -> DiffReport:
    return build_report()


@pytest.fixture(scope="module")
def hostile() -> DiffReport:
    return build_report(hostile=True)


# --- registry and gate ------------------------------------------------------------------------


def test_registry_has_every_format():
    assert FORMATS == ("text", "json", "markdown", "sarif", "junit", "github", "html")
    assert set(RENDERERS) == set(FORMATS)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("make", [build_report, empty_report, lambda: build_report(hostile=True)])
def test_every_format_renders_text_ending_in_newline(fmt, make):
    out = render(make(), fmt)
    assert isinstance(out, str) and out.endswith("\n") and out.strip()
    assert "\x1b" not in out  # no colour unless asked for


def test_unknown_format_is_refused(report):
    with pytest.raises(ValueError, match="unknown format 'yaml'"):
        render(report, "yaml")


def test_gate_follows_fail_on_and_security_threshold(report):
    assert exit_code(report, RenderOptions(fail_on="breaking", security_fail_on="never")) == 1
    assert exit_code(report, RenderOptions(fail_on="never")) == 0
    compat, security = failures(report, RenderOptions(fail_on="risky", security_fail_on="never"))
    assert [f.rule for f in compat] == ["token.alg-removed", "error.code-added"]
    assert security == []
    _, security = failures(report, RenderOptions(security_fail_on="medium"))
    # the medium finding was already present before the amendment: it does not fail a diff
    assert [s.rule for s in security] == ["jwt.alg-none"]
    only_safe = DiffReport(report.old, report.new, [report.findings[1]], report.verdict)
    assert exit_code(only_safe, RenderOptions(fail_on="risky")) == 0


def test_ignored_findings_never_fail(report):
    ignored_only = DiffReport(report.old, report.new, [], report.verdict, ignored=report.ignored)
    assert exit_code(ignored_only, RenderOptions(fail_on="risky")) == 0


def test_strip_rev_keeps_plain_paths():
    assert strip_rev("HEAD~1:contracts/a.yaml") == "contracts/a.yaml"
    assert strip_rev("origin/main:contracts/a.yaml") == "contracts/a.yaml"
    assert strip_rev("./contracts/a.yaml") == "contracts/a.yaml"
    assert strip_rev("C:\\work\\a.yaml") == "C:\\work\\a.yaml"


def test_clean_makes_terminal_escapes_inert():
    assert clean("a\x1b[31mred\x07") == "a\\x1b[31mred\\x07"
    assert clean("one\ntwo") == "one\\ntwo"
    assert clean("one\ntwo", newlines=True) == "one\ntwo"
    assert clean("\x9b2J") == "\\x9b2J"


# --- text -------------------------------------------------------------------------------------


def test_text_groups_by_severity_with_locations_parties_and_verdict(report):
    out = render(report, "text")
    order = [out.index(h) for h in ("BREAKING (1)", "RISKY (1)", "SAFE (1)", "IGNORED (1)")]
    assert order == sorted(order)
    assert out.index("SECURITY REVIEW (2)") > order[-1]
    assert "token.alg-removed  tokens.access_token.signing_algorithms[RS256]" in out
    # a removal points into the old file; everything else into the new one
    assert "contracts/payments.yaml:47:25 (old)  signing algorithm RS256 removed" in out
    assert "contracts/payments.yaml:90:3  New error code rate_limited" in out
    assert "breaks: relying_parties" in out
    assert "[weakens security]" in out
    assert "was 15m  now 1d" in out  # durations are compared in seconds, shown as written
    assert "ignored (breaking, neutral): agreed with checkout, PAY-12" in out
    assert "CRITICAL jwt.alg-none" in out and "see: RFC 8725 §3.1" in out
    assert "(already present)" in out
    verdict = next(line for line in out.splitlines() if line.startswith("Verdict:"))
    assert "requires a major bump" in verdict and "minor bump" in verdict
    assert "NOT ENOUGH" in verdict
    assert "1 breaking; 1 risky; 1 safe; 1 ignored; 1 weaken security" in out


def test_text_names_consumers_and_the_gate(report):
    out = render(report, "text")
    assert "breaks: relying_parties (consumers: checkout-web, ledger-service)" in out
    assert "Gate: fails: 1 breaking finding, 1 security finding at or above high" in out
    out = render(report, "text", RenderOptions(fail_on="never"))
    assert "Gate: passes (--fail-on never)" in out
    # an already-present security finding is listed without its fix: not this amendment's doing
    present = out.split("jwt.audience-not-required")[1].split("\n\n")[0]
    assert "fix:" not in present


def test_text_colour_only_when_asked(report):
    plain = render(report, "text", RenderOptions(color=False))
    coloured = render(report, "text", RenderOptions(color=True))
    assert "\x1b[" not in plain
    assert "\x1b[1;31mBREAKING (1)\x1b[0m" in coloured


def test_text_escapes_control_characters_from_contracts():
    f = _finding("meta.title-changed", "safe", "title", "title set to \x1b]0;pwned\x07 x")
    r = DiffReport(None, ContractSummary("a.yaml", "a", "1.0.0"), [f], empty_report().verdict)
    out = render(r, "text", RenderOptions(color=True))
    assert "\x1b]0;" not in out and "\\x1b]0;pwned\\x07" in out


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_use_color_needs_a_tty_and_no_NO_COLOR(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(_Tty())
    assert not use_color(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_color(_Tty())
    monkeypatch.setenv("NO_COLOR", "")  # an empty NO_COLOR does not count (no-color.org)
    assert use_color(_Tty())


def test_text_for_a_created_contract_without_findings():
    out = render(empty_report(), "text")
    assert "created at 0.1.0" in out and "No semantic changes." in out


# --- json -------------------------------------------------------------------------------------


def test_json_is_to_dict_plus_schema_version(report):
    data = json.loads(render(report, "json"))
    assert data == {"schema_version": 1, **json.loads(json.dumps(report.to_dict()))}
    assert next(iter(data)) == "schema_version"


@pytest.mark.parametrize("make", [build_report, empty_report, lambda: build_report(hostile=True)])
def test_json_validates_against_the_shipped_schema(make):
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(render(make(), "json")), schema)


def test_json_schema_rejects_drift(report):
    data = report_data(report)
    data = json.loads(json.dumps(data))
    data["findings"][0]["severity"] = "catastrophic"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, report_schema())
    data = json.loads(json.dumps(report_data(report)))
    data["ignored"][0].pop("ignored")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, report_schema())


def test_json_schema_is_documented():
    doc = (Path(__file__).parents[1] / "docs" / "json-report.md").read_text(encoding="utf-8")
    assert "workbench/report/schema/diff-report.schema.json" in doc
    for field in report_schema()["properties"]:
        assert f"`{field}`" in doc, field


# --- markdown ---------------------------------------------------------------------------------


def _html(markdown: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)


def test_markdown_summary_sections(report):
    out = render(report, "markdown")
    assert out.startswith("## 🔴 payments-api: breaking amendment (1.0.0 → 1.1.0)")
    for heading in (
        "### Who is affected",
        "### 🔴 Breaking (1)",
        "### 🟡 Risky (1)",
        "### 🔒 Security",
    ):
        assert heading in out
    assert "<summary>🟢 Safe changes (1)</summary>" in out
    assert "<summary>⚪ Ignored (1)</summary>" in out
    # the security count: one new finding (the other was already present)
    assert "| 🔴 breaking | major | minor | ❌ no | 1 | 1 | 1 | 1 | 1 | 1 |" in out
    assert "[RFC 8725 §3.1](https://www.rfc-editor.org/rfc/rfc8725#section-3.1)" in out
    assert "relying parties \\(services verifying tokens\\)" in out
    assert "(already present)" in out
    assert "<summary>Already present before this amendment (1)</summary>" in out
    assert "**CI gate:** ❌ fails: 1 breaking finding, 1 security finding at or above high" in out
    assert "- <code>checkout-web</code>: 1 breaking (<code>token.alg-removed</code>)" in out
    assert "relying parties<br><code>checkout-web</code>, <code>ledger-service</code>" in out


def test_markdown_escapes_hostile_values(hostile):
    out = render(hostile, "markdown")
    html = _html(out)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<em>u</em>" not in html and "_u_" in html
    assert "<strong>bold</strong>" not in html and "*bold*" in html
    assert "<code>tick</code>" not in html and "`tick`" in html
    assert 'href="http://evil"' not in html
    assert "<b>" not in html
    # every row of every table keeps its column count despite pipes and newlines in values
    for table in html.split("<table>")[1:]:
        body = table.split("</table>")[0]
        header = len(re.findall(r"<th[ >]", body.split("</tr>")[0]))
        for row in body.split("<tr>")[2:]:
            assert row.count("<td") == header, row
    risky = next(line for line in out.splitlines() if line.startswith("| <code>error.code-added"))
    assert "a\\|b" in risky and "second<br>third" in risky


def test_md_escape_function():
    assert md("a|b") == "a\\|b"
    assert md("<script>") == "\\<script\\>"
    assert md("x\ny") == "x<br>y"
    assert md("`*_[]") == "\\`\\*\\_\\[\\]"


def test_markdown_links_rules_when_docs_are_online(report):
    out = render(report, "markdown", RenderOptions(docs_base="https://docs.example.org/workbench/"))
    assert (
        "[token.alg-removed](https://docs.example.org/workbench/rules.md#tokenalg-removed)" in out
    )
    assert "(https://docs.example.org/workbench/security-rules.md#jwtalg-none)" in out


# --- sarif ------------------------------------------------------------------------------------


def _validate_sarif(log: dict) -> None:
    validator = jsonschema.Draft4Validator(SARIF_SCHEMA)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


@pytest.mark.parametrize("make", [build_report, empty_report, lambda: build_report(hostile=True)])
def test_sarif_validates_against_the_official_schema(make):
    log = json.loads(render(make(), "sarif"))
    _validate_sarif(log)
    assert log["version"] == "2.1.0"


def test_sarif_results_levels_locations_fingerprints_and_suppressions(report):
    log = sarif_log(report)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_id = {r["id"]: r for r in rules}
    results = {r["ruleId"]: r for r in run["results"]}
    assert len(run["results"]) == 3 + 1 + 2
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert results["token.alg-removed"]["level"] == "error"
    assert results["error.code-added"]["level"] == "warning"
    assert results["token.lifetime-raised"]["level"] == "note"
    assert results["jwt.alg-none"]["level"] == "error"
    assert results["jwt.audience-not-required"]["level"] == "warning"
    removed = results["token.alg-removed"]["locations"][0]["physicalLocation"]
    assert removed == {
        "artifactLocation": {"uri": "contracts/payments.yaml"},
        "region": {"startLine": 47, "startColumn": 25},
    }
    changed = results["token.lifetime-raised"]
    assert changed["locations"][0]["physicalLocation"]["region"]["startLine"] == 51
    assert changed["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 50
    assert changed["partialFingerprints"] == {"workbench/v1": "ffff0000aaaa1111"}
    suppressed = results["scope.removed"]
    assert suppressed["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "agreed with checkout, PAY-12"}
    ]
    assert "suppressions" not in results["token.alg-removed"]
    security_rule = by_id["jwt.alg-none"]
    assert security_rule["properties"]["security-severity"] == "9.5"
    assert security_rule["helpUri"] == "docs/security-rules.md#jwtalg-none"
    assert security_rule["defaultConfiguration"] == {"level": "error"}
    assert by_id["token.alg-removed"]["helpUri"] == "docs/rules.md#tokenalg-removed"
    assert by_id["token.alg-removed"]["name"] == "TokenAlgRemoved"
    assert run["properties"]["verdict"]["required_bump"] == "major"


def test_sarif_driver_describes_only_the_rules_its_results_use(report):
    run = sarif_log(report)["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    used = {r["ruleId"] for r in run["results"]}
    assert set(ids) == used and len(ids) == len(set(ids))
    # a log of a few results stays small (it embedded all ~300 rules: 320 KB for 8 results)
    assert len(render(report, "sarif")) < 30_000
    assert sarif_log(empty_report())["runs"][0]["tool"]["driver"]["rules"] == []


def test_sarif_uses_given_repository_paths(report):
    log = sarif_log(report, RenderOptions(old_path="old dir/p.yaml", new_path="new/p.yaml"))
    uris = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris["token.alg-removed"] == "old%20dir/p.yaml"
    assert uris["error.code-added"] == "new/p.yaml"


# --- junit ------------------------------------------------------------------------------------


def _junit(report: DiffReport, **kw) -> ET.Element:
    return ET.fromstring(render(report, "junit", RenderOptions(**kw)).encode("utf-8"))


def test_junit_counts_and_failures(report):
    root = _junit(report, fail_on="breaking", security_fail_on="high")
    compat, security = root.findall("testsuite")
    assert (compat.get("tests"), compat.get("failures"), compat.get("skipped")) == ("4", "1", "1")
    assert (security.get("tests"), security.get("failures")) == ("2", "1")
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("6", "2", "1")
    case = compat.find("testcase[@classname='token.alg-removed']")
    assert case.get("name") == "tokens.access_token.signing_algorithms[RS256]"
    assert case.get("file") == "contracts/payments.yaml" and case.get("line") == "47"
    assert case.find("failure").get("type") == "breaking"
    skipped = compat.find("testcase[@classname='scope.removed']/skipped")
    assert skipped.get("message") == "ignored: agreed with checkout, PAY-12"
    props = {p.get("name"): p.get("value") for p in compat.iter("property")}
    assert props["verdict.version_bump_ok"] == "false"


def test_junit_fail_on_risky_and_never(report):
    assert _junit(report, fail_on="risky", security_fail_on="never").get("failures") == "2"
    assert _junit(report, fail_on="never").get("failures") == "0"


def test_junit_with_nothing_to_report_has_one_passing_case():
    root = _junit(empty_report())
    assert root.get("tests") == "1" and root.get("failures") == "0"


def test_junit_stays_parseable_with_hostile_text(hostile):
    f = _finding("meta.title-changed", "breaking", "title\x00", "bad \x1b\x01 & <x> ]]>")
    r = DiffReport(hostile.old, hostile.new, [*hostile.findings, f], hostile.verdict)
    root = _junit(r)
    messages = [c.get("message") for c in root.iter("failure")]
    assert "bad \\x1b\\x01 & <x> ]]>" in messages


# --- github -----------------------------------------------------------------------------------


def test_github_escaping_rules():
    assert escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = command("error", "x\ny", file="dir,x/a:b.yaml", line=3, col=None, title="t")
    assert line == "::error file=dir%2Cx/a%3Ab.yaml,line=3,title=t::x%0Ay"


def test_github_annotations(report):
    lines = render(report, "github").splitlines()
    assert all(line.startswith("::") for line in lines)
    assert lines[0] == (
        "::error file=contracts/payments.yaml,line=47,col=25,title=token.alg-removed (breaking)"
        "::tokens.access_token.signing_algorithms[RS256]: signing algorithm RS256 removed"
        "%0ABreaks: relying parties"
    )
    assert lines[1].startswith("::warning file=contracts/payments.yaml,line=90,col=3,endLine=92,")
    assert lines[2].startswith("::notice ") and "Weakens security." in lines[2]
    assert any(
        line.startswith("::error ") and "title=jwt.alg-none (security%3A critical)" in line
        for line in lines
    )
    ignored = next(line for line in lines if "scope.removed" in line)
    assert ignored.startswith("::notice ") and "Ignored: agreed with checkout, PAY-12" in ignored
    # a finding the old version already had is a note, not an error on an untouched line
    existing = next(line for line in lines if "jwt.audience-not-required" in line)
    assert existing.startswith("::notice ") and "already present" in existing
    assert lines[-1].startswith("::notice title=workbench verdict for payments-api::")


def test_github_hostile_values_stay_on_one_command(hostile):
    lines = render(hostile, "github").splitlines()
    risky = next(line for line in lines if line.startswith("::warning") and "errors[" in line)
    assert "%0Asecond" in risky and "%0D" not in risky  # CRLF normalized, then escaped
    assert "100%25, a,b:c" in risky
    assert len(lines) == 3 + 2 + 1 + 1


def test_sarif_uris_are_relative_references_or_file_uris():
    from workbench.report.sarif import _uri

    assert _uri("contracts/a b.yaml") == "contracts/a%20b.yaml"
    assert _uri("contracts\\win.yaml") == "contracts/win.yaml"
    assert _uri("rev:odd.yaml") == "rev%3Aodd.yaml"  # never mistaken for a scheme
    assert _uri("/tmp/x y/c.yaml") == "file:///tmp/x%20y/c.yaml"


def test_markdown_cuts_very_long_sections(report):
    from workbench.report.markdown import MAX_ROWS

    many = [
        _finding(
            "scope.added",
            "safe",
            f"scopes[s{i}]",
            f"scope s{i} added",
            new_loc=Loc(i + 1, 1, i + 1),
        )
        for i in range(MAX_ROWS + 7)
    ]
    big = DiffReport(report.old, report.new, many, report.verdict)
    out = render(big, "markdown")
    assert out.count("| <code>scope.added</code>") == MAX_ROWS
    assert "… and 7 more (see the JSON or SARIF report)." in out


def _github_slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation (backticks, dots) dropped,
    spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_help_uris_name_real_headings_in_the_rule_docs():
    from workbench.report.rules import compatibility_rules, rule_doc_url, security_rules

    docs = Path(__file__).parents[1] / "docs"
    anchors = {}
    for page in ("rules.md", "security-rules.md"):
        text = (docs / page).read_text(encoding="utf-8")
        anchors[page] = {
            _github_slug(line[4:]) for line in text.splitlines() if line.startswith("### ")
        }
    rules = {**compatibility_rules(), **security_rules()}
    assert len(rules) > 200
    for rule_id in rules:
        page, _, anchor = rule_doc_url(rule_id).removeprefix("docs/").partition("#")
        assert anchor in anchors[page], (rule_id, page, anchor)
