"""The review renderer registry: one entry per ``workbench review --format``, one gate."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from workbench.contract.loader import load_contract_text
from workbench.engine.model import DiffReport
from workbench.report import FORMATS, REVIEW_RENDERERS, RenderOptions, exit_code, render_review
from workbench.report.review import review_exit_code, review_options, review_view
from workbench.review import build_report
from workbench.security.policy import DEFAULT_POLICY

EXEMPLARY = Path(__file__).parent / "security_cases" / "exemplary.yaml"


@pytest.fixture(scope="module")
def report() -> DiffReport:
    """A real amendment: the implicit grant added (a security regression and a state finding),
    the access token lifetime raised (weakens security) and ES384 dropped (breaking)."""
    text = EXEMPLARY.read_text(encoding="utf-8")
    amended = (
        text.replace("version: 2.0.0", "version: 2.1.0")
        .replace(
            "grants: [authorization_code, refresh_token, client_credentials]",
            "grants: [authorization_code, refresh_token, client_credentials, implicit]",
        )
        .replace("    lifetime: 10m", "    lifetime: 24h", 1)
        .replace("signing_algorithms: [PS256, ES384]", "signing_algorithms: [PS256]", 1)
    )
    assert amended.count("implicit") == 1 and "lifetime: 24h" in amended
    old = load_contract_text(text, "HEAD:contracts/api.yaml")
    new = load_contract_text(amended, "contracts/api.yaml")
    return build_report(old, new, today=dt.date(2026, 3, 1))


def test_every_report_format_is_a_review_format() -> None:
    assert tuple(REVIEW_RENDERERS) == FORMATS


def test_each_format_renders_the_review(report: DiffReport) -> None:
    assert report.findings and report.security_findings
    options = review_options("high", old_path="contracts/api.yaml", new_path="contracts/api.yaml")
    rule = report.security_findings[0].rule
    for fmt in FORMATS:
        text = render_review(report, fmt, DEFAULT_POLICY, options)
        assert rule in text, fmt
    # JSON is the full report; the other formats show the security findings only
    data = json.loads(render_review(report, "json", DEFAULT_POLICY, options))
    assert [f["rule"] for f in data["findings"]] == [f.rule for f in report.findings]
    sarif = json.loads(render_review(report, "sarif", DEFAULT_POLICY, options))
    rules = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert rules == {s.rule for s in report.security_findings}
    text = render_review(report, "text", DEFAULT_POLICY, options)
    assert text.startswith("Security review: ") and "REGRESSIONS INTRODUCED" in text
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        render_review(report, "pdf", DEFAULT_POLICY, options)


def test_the_gate_is_the_security_threshold_alone(report: DiffReport) -> None:
    failing = review_options("high")
    assert review_exit_code(report, failing) == 1
    assert review_exit_code(report, review_options("never")) == 0
    assert review_exit_code(report, failing) == exit_code(review_view(report), failing)
    # the compatibility findings alone would fail a diff gate, not the review's
    assert any(f.severity == "breaking" for f in report.findings)
    assert exit_code(report, RenderOptions(security_fail_on="never")) == 1
    assert review_view(report).findings == [] and review_view(report).ignored == []
