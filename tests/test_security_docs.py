"""The rule registry is complete data, and docs/security-rules.md is generated from it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.report.ruledocs import SECURITY_RULES_PATH as DOC_PATH
from workbench.report.ruledocs import main
from workbench.report.ruledocs import render_security_rules as render
from workbench.security import RULES, SEVERITIES
from workbench.security.model import citation_url
from workbench.security.registry import CATEGORIES

ROOT = Path(__file__).parents[1]
STANDARDS = ("RFC", "NIST", "OWASP", "OpenID", "Repository policy", "engine rule")


def test_docs_are_up_to_date():
    current = (ROOT / DOC_PATH).read_text(encoding="utf-8")
    assert current == render(), "run: python -m workbench.report.ruledocs"


def test_check_mode_reports_stale_docs(tmp_path, capsys):
    assert main(["--check", "--root", str(tmp_path)]) == 1
    assert "stale" in capsys.readouterr().err
    assert main(["--root", str(tmp_path)]) == 0
    assert main(["--check", "--root", str(tmp_path)]) == 0
    assert (tmp_path / DOC_PATH).read_text(encoding="utf-8") == render()


def test_module_entry_point_checks_the_repository():
    result = subprocess.run(
        [sys.executable, "-m", "workbench.report.ruledocs", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("rule", list(RULES.values()), ids=list(RULES))
def test_rule_is_complete_data(rule):
    assert re.fullmatch(r"[a-z]+\.[a-z0-9_-]+", rule.id)
    assert rule.area in CATEGORIES and rule.id.startswith(rule.area + ".")
    assert rule.severity in SEVERITIES
    assert rule.kind in ("state", "regression")
    assert rule.kind == "regression" or rule.area != "regression"
    assert len(rule.title) > 10 and len(rule.rationale) > 40 and len(rule.fix) > 20
    assert any(s in rule.citation for s in STANDARDS), rule.citation
    doc = render()
    section = doc.split(f"### `{rule.id}`", 1)[1].split("\n### ", 1)[0]
    assert f"Severity: {rule.severity}" in section
    assert rule.citation in section and "Why:" in section and "Fix:" in section
    if rule.threshold is not None:
        assert "Threshold (default policy):" in section


def test_citations_link_to_their_standard():
    assert (
        citation_url("RFC 8725 §3.1, §3.2") == "https://www.rfc-editor.org/rfc/rfc8725#section-3.1"
    )
    assert citation_url("RFC 9700") == "https://www.rfc-editor.org/rfc/rfc9700"
    assert citation_url("NIST SP 800-63B-4 §2.2.3").startswith("https://pages.nist.gov/800-63-4/")
    assert citation_url("RFC 8725 sections 2.1 and 3.1").endswith("rfc8725#section-2.1")
    assert citation_url("RFC 9700, section 4.14.2").endswith("rfc9700#section-4.14.2")
    assert citation_url("OpenID Connect Core 1.0 §10.1.1; RFC 8725 §3.1").startswith(
        "https://openid.net/specs/openid-connect-core-1_0"
    )
    assert citation_url("NIST IR 8547 (initial public draft)").endswith("8547/ipd")
    assert citation_url("a team decision") is None
