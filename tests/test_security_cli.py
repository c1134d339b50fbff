"""``workbench review``: one contract or an amendment, every format, the gate, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from security_support import exemplary, patch

from workbench.cli import main

EXEMPLARY = Path(__file__).parent / "security_cases" / "exemplary.yaml"
IMPLICIT = {"set": {"grants": ["authorization_code", "implicit", "refresh_token"]}}
PLAIN = {"set": {"pkce.methods": ["S256", "plain"]}}
LONGER = {"set": {"tokens.access_token.lifetime": "24h"}}


def write(path: Path, spec: dict | None = None, version: str = "2.0.0") -> Path:
    data = patch(exemplary(), spec)
    data["version"] = version
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def git(root: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_SYSTEM": os.devnull,
    }
    done = subprocess.run(
        ["git", "-C", str(root), *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A real repository: v2.0.0 (clean), v2.1.0 (adds the implicit grant and plain PKCE),
    v2.2.0 (access tokens live 24h, checked out)."""
    root = tmp_path_factory.mktemp("review") / "repo"
    root.mkdir()
    git(root, "init", "--quiet", "-b", "main")
    contract = root / "contracts" / "api.yaml"
    contract.parent.mkdir()
    write(contract)
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "v2.0.0")
    write(contract, {"set": {**IMPLICIT["set"], **PLAIN["set"]}}, "2.1.0")
    git(root, "commit", "--quiet", "-am", "v2.1.0")
    write(contract, {"set": {**IMPLICIT["set"], **PLAIN["set"], **LONGER["set"]}}, "2.2.0")
    git(root, "commit", "--quiet", "-am", "v2.2.0")
    return root


def review(*args: str, cwd: Path | None = None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, ["review", *args], catch_exceptions=False)
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, ["review", *args], catch_exceptions=False)
    finally:
        os.chdir(old)


def test_clean_contract_exits_0(tmp_path):
    result = review(str(EXEMPLARY), "--repo", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "No security findings." in result.output
    assert "PASS" in result.output


def test_state_findings_gate_on_fail_on(tmp_path):
    path = write(tmp_path / "c.yaml", IMPLICIT)
    result = review(str(path), "--repo", str(tmp_path))
    assert result.exit_code == 1
    out = result.output
    assert "HIGH     oauth.implicit-grant" in out and "<- fails" in out
    assert f"{path}:" in out and "RFC 9700 §2.1.2" in out
    assert "https://www.rfc-editor.org/rfc/rfc9700#section-2.1.2" in out
    assert "fix: Remove 'implicit' from grants" in out
    assert review(str(path), "--repo", str(tmp_path), "--fail-on", "critical").exit_code == 0
    assert review(str(path), "--repo", str(tmp_path), "--fail-on", "never").exit_code == 0
    low = write(tmp_path / "low.yaml", {"set": {"client_authentication": ["client_secret_basic"]}})
    assert review(str(low), "--repo", str(tmp_path)).exit_code == 0
    assert review(str(low), "--repo", str(tmp_path), "--fail-on", "low").exit_code == 1


def test_policy_from_the_repository_and_from_a_file(tmp_path):
    low = write(tmp_path / "c.yaml", {"set": {"client_authentication": ["client_secret_basic"]}})
    (tmp_path / ".workbench.yaml").write_text("security:\n  fail_on: low\n", encoding="utf-8")
    assert review(str(low), "--repo", str(tmp_path)).exit_code == 1
    # --fail-on wins over the policy's fail_on
    assert review(str(low), "--repo", str(tmp_path), "--fail-on", "high").exit_code == 0
    strict = tmp_path / "strict.yaml"
    strict.write_text("max_lifetime: {access_token: 5m}\nfail_on: medium\n", encoding="utf-8")
    result = review(str(EXEMPLARY), "--repo", str(tmp_path), "--policy", str(strict))
    assert result.exit_code == 1
    assert "policy.token-lifetime" in result.output and f"(policy {strict}:1)" in result.output


def test_bad_policy_exits_2_with_a_position(tmp_path):
    (tmp_path / ".workbench.yaml").write_text(
        "security:\n  fail_on: high\n  max_lifetime: {access_token: soon}\n", encoding="utf-8"
    )
    result = review(str(EXEMPLARY), "--repo", str(tmp_path))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == [
        f"{tmp_path / '.workbench.yaml'}:3:18: error: 'soon' is not a duration (use seconds, "
        "'15m', '1h30m', '2d' or ISO 8601 'PT15M') (at security.max_lifetime.access_token)"
    ]
    bad = tmp_path / "p.yaml"
    bad.write_text("fail_on: high\nallowed_algorithm: [ES256]\n", encoding="utf-8")
    result = review(str(EXEMPLARY), "--policy", str(bad))
    assert result.exit_code == 2
    assert result.output.startswith(f"{bad}:2:1: error: unknown security setting")


def test_load_errors_and_usage_exit_2(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("contract: x\ntitle: [unclosed\n", encoding="utf-8")
    result = review(str(broken), "--repo", str(tmp_path))
    assert result.exit_code == 2
    assert result.output.startswith(f"{broken}:")
    assert "Traceback" not in result.output
    missing = review(str(tmp_path / "nope.yaml"), "--repo", str(tmp_path))
    assert missing.exit_code == 2 and "no such file" in missing.output
    assert review().exit_code == 2
    assert review("a", "b", "c").exit_code == 2
    assert review(str(EXEMPLARY), "--format", "pdf").exit_code == 2
    assert review(str(EXEMPLARY), "--fail-on", "severe").exit_code == 2
    assert review(str(EXEMPLARY), "--today", "tomorrow").exit_code == 2


def test_amendment_from_git_revisions(repo):
    result = review("HEAD~2:contracts/api.yaml", "HEAD~1:contracts/api.yaml", "--repo", str(repo))
    assert result.exit_code == 1, result.output
    out = result.output
    assert "Security review: exemplary-api 2.0.0 -> 2.1.0" in out
    assert "REGRESSIONS INTRODUCED BY THIS AMENDMENT" in out
    assert "regression.weakens" in out
    # one finding per weakness: the implicit grant and PKCE plain the amendment added are the
    # regressions, carrying the state rules they restate; no second finding for either
    assert "INTRODUCED IN THE NEW VERSION" not in out
    assert "[oauth.implicit-grant]" in out and "[oauth.pkce-plain]" in out
    assert "FAIL: 2 at or above high; 2 new (2 high)" in out
    assert "contracts/api.yaml:" in out


def test_findings_already_present_do_not_fail(repo):
    result = review(
        "HEAD~1:contracts/api.yaml",
        "HEAD:contracts/api.yaml",
        "--repo",
        str(repo),
        "--today",
        "2026-06-01",
    )
    out = result.output
    assert "ALREADY PRESENT BEFORE THIS AMENDMENT" in out
    present = out.split("ALREADY PRESENT BEFORE THIS AMENDMENT", 1)[1]
    assert "oauth.implicit-grant" in present and "oauth.pkce-plain" in present
    # the only new thing is the 24h lifetime: an engine weakening, high by default
    regressions = out.split("REGRESSIONS INTRODUCED BY THIS AMENDMENT", 1)[1].split(
        "ALREADY PRESENT", 1
    )[0]
    assert "tokens.access_token.lifetime" in regressions
    assert result.exit_code == 1
    # the same amendment with the regression rule off: only pre-existing findings, exit 0
    policy = repo / "off.yaml"
    policy.write_text("disabled_rules: [regression.weakens]\n", encoding="utf-8")
    quiet = review(
        "HEAD~1:contracts/api.yaml",
        "HEAD:contracts/api.yaml",
        "--repo",
        str(repo),
        "--policy",
        str(policy),
    )
    assert quiet.exit_code == 0, quiet.output


def test_ignore_file_accepts_a_finding(tmp_path):
    path = write(tmp_path / "c.yaml", IMPLICIT)
    (tmp_path / ".workbench-ignore.yaml").write_text(
        "ignore:\n  - rule: oauth.implicit-grant\n    path: grants[implicit]\n"
        "    reason: legacy widget until Q3\n",
        encoding="utf-8",
    )
    result = review(str(path), "--repo", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "ACCEPTED IN THE IGNORE FILE (1)" in result.output
    assert "accepted: legacy widget until Q3" in result.output
    assert review(str(path), "--repo", str(tmp_path), "--no-ignore").exit_code == 1


def test_json_is_the_full_report(repo):
    result = review(
        "HEAD~2:contracts/api.yaml", "HEAD~1:contracts/api.yaml", "--repo", str(repo), "-f", "json"
    )
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["schema_version"] == 1
    assert data["findings"], "the engine's findings are part of the report"
    absorbed = {a["rule"] for f in data["security_findings"] for a in f.get("same_as", [])}
    assert {f["rule"] for f in data["security_findings"]} == {"regression.weakens"}
    assert absorbed == {"oauth.implicit-grant", "oauth.pkce-plain"}
    weak = next(f for f in data["security_findings"] if f["rule"] == "regression.weakens")
    assert weak["kind"] == "regression" and weak["citation"] and weak["location"]["line"] > 0
    from jsonschema import Draft202012Validator

    from workbench.report import report_schema

    Draft202012Validator(report_schema()).validate(data)


def test_sarif_junit_github_markdown(tmp_path):
    path = write(tmp_path / "c.yaml", IMPLICIT)
    sarif = json.loads(review(str(path), "--repo", str(tmp_path), "-f", "sarif").output)
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"oauth.implicit-grant"}
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] > 0
    junit = review(str(path), "--repo", str(tmp_path), "-f", "junit")
    assert junit.exit_code == 1
    root = ET.fromstring(junit.output)
    failures = root.findall(".//failure")
    assert len(failures) == 1 and "implicit" in ET.tostring(failures[0], encoding="unicode")
    github = review(str(path), "--repo", str(tmp_path), "-f", "github")
    assert github.exit_code == 1
    assert "::error file=" in github.output and "oauth.implicit-grant" in github.output
    markdown = review(str(path), "--repo", str(tmp_path), "-f", "markdown").output
    assert markdown.startswith("## Security review: exemplary-api 2.0.0")
    assert "| 🔴 **fails** | high | <code>oauth.implicit-grant</code>" in markdown
    assert "[RFC 9700 §2.1.2](https://www.rfc-editor.org/rfc/rfc9700#section-2.1.2)" in markdown


def test_output_file_and_step_summary(tmp_path, monkeypatch):
    path = write(tmp_path / "c.yaml", IMPLICIT)
    out = tmp_path / "review.txt"
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = review(str(path), "--repo", str(tmp_path), "-f", "github", "-o", str(out))
    assert result.exit_code == 1 and result.output == ""
    assert "::error" in out.read_text(encoding="utf-8")
    assert "## Security review" in summary.read_text(encoding="utf-8")


def test_untrusted_text_is_inert(tmp_path):
    path = write(
        tmp_path / "c.yaml", {"set": {"redirect_uris": ["https://*.example.com/\x1b[2Jcb"]}}
    )
    assert "\\e" in path.read_text(encoding="utf-8")  # YAML carries the ESC escaped
    result = review(str(path), "--repo", str(tmp_path), "--color", "never")
    assert "oauth.redirect-uri-wildcard" in result.output
    assert "\x1b" not in result.output


def test_diff_json_carries_the_same_security_findings(repo):
    """One report for every face: diff's JSON holds the review's findings, same fingerprints."""
    args = ["HEAD~2:contracts/api.yaml", "HEAD~1:contracts/api.yaml", "--repo", str(repo)]
    diff = CliRunner().invoke(main, ["diff", *args, "-f", "json"], catch_exceptions=False)
    data = json.loads(diff.output)
    reviewed = json.loads(review(*args, "-f", "json").output)
    assert data["security_findings"]
    assert [f["fingerprint"] for f in data["security_findings"]] == [
        f["fingerprint"] for f in reviewed["security_findings"]
    ]


def test_base_reviews_the_working_tree_against_a_merge_base(repo):
    result = review("--base", "HEAD~2", "contracts/api.yaml", "--repo", str(repo))
    assert result.exit_code == 1, result.output
    assert "exemplary-api 2.0.0 -> 2.2.0" in result.output
    assert "oauth.implicit-grant" in result.output
    same = review("--base", "HEAD", "contracts/api.yaml", "--repo", str(repo))
    assert same.exit_code == 0, same.output
    assert "ALREADY PRESENT BEFORE THIS AMENDMENT" in same.output
    assert review("--base", "HEAD", "a.yaml", "b.yaml").exit_code == 2
