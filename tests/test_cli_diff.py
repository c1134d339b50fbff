"""``workbench diff`` end to end on the demo repository: every format, the gate, the ignore file,
--base, --today, and clean one-line errors for everything it cannot read."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.demo import build_demo_repo
from workbench.report import FORMATS, report_schema

PAYMENTS = "contracts/payments/payments-api.yaml"
SARIF_SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["diff", *args], env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def commit_of(repo: Path, subject: str) -> str:
    """The short sha of the demo commit with this subject."""
    out = subprocess.run(
        ["git", "-C", str(repo), "log", "--format=%h %s", "--", PAYMENTS],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for line in out.splitlines():
        sha, _, text = line.partition(" ")
        if text == subject:
            return sha
    raise AssertionError(f"no demo commit {subject!r}")


def pair(repo: Path, subject: str) -> tuple[str, str]:
    """``REV:PATH`` of the commit with this subject and of its parent."""
    sha = commit_of(repo, subject)
    return f"{sha}~1:{PAYMENTS}", f"{sha}:{PAYMENTS}"


HS256 = "Accept HS256 access tokens from the settlement batch"
RS256_SUNSET = "Remove RS256 from access tokens after the sunset"
EDITORIAL = "Clarify token and error descriptions"
LIFETIME = "Shorten access-token lifetime from 1h to 15m"


@pytest.fixture(scope="module")
def hs256(demo_repo: Path) -> tuple[str, ...]:
    return (*pair(demo_repo, HS256), "--repo", str(demo_repo))


@pytest.fixture(scope="module")
def hs256_json(hs256: tuple[str, ...]) -> dict:
    code, out, err = run(*hs256, "--format", "json", "--fail-on", "never")
    assert code == 0, err
    return json.loads(out)


@pytest.fixture(scope="module")
def writable_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo repository of this module's own, for tests that add files to it."""
    return build_demo_repo(tmp_path_factory.mktemp("diff") / "repo")


# --- every format on real consecutive revisions -----------------------------------------------


def test_json_report_of_consecutive_revisions(hs256_json: dict):
    jsonschema.validate(hs256_json, report_schema())
    assert hs256_json["schema_version"] == 1
    assert hs256_json["old"]["source"].endswith(f"~1:{PAYMENTS}")
    assert hs256_json["new"]["contract"] == "payments-api"
    assert hs256_json["findings"], "the amendment changes the accepted algorithms"
    assert any(f["path"].startswith("tokens.access_token") for f in hs256_json["findings"])
    for finding in hs256_json["findings"]:
        location = finding["location"]["new"] or finding["location"]["old"]
        assert location and location["line"] >= 1
    assert hs256_json["security_findings"], "HS256 next to ES256 is a security regression"
    assert {s["severity"] for s in hs256_json["security_findings"]} <= {
        "critical",
        "high",
        "medium",
        "low",
        "info",
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_on_consecutive_revisions(fmt: str, hs256, hs256_json: dict, tmp_path):
    out_file = tmp_path / f"report.{fmt}"
    code, out, err = run(*hs256, "--format", fmt, "--fail-on", "never", "-o", str(out_file))
    assert code == 0, err
    assert out == ""
    text = out_file.read_text(encoding="utf-8")
    findings = hs256_json["findings"]
    security = hs256_json["security_findings"]
    if fmt == "text":
        assert "payments-api" in text and "Verdict:" in text
        for f in findings:
            assert f["rule"] in text
        assert "SECURITY REVIEW" in text
        assert "\x1b[" not in text
    elif fmt == "json":
        assert json.loads(text) == hs256_json
    elif fmt == "markdown":
        assert text.startswith("## ")
        assert "### 🔒 Security" in text
        for s in security:
            assert s["rule"] in text
    elif fmt == "sarif":
        log = json.loads(text)
        errors = list(jsonschema.Draft4Validator(SARIF_SCHEMA).iter_errors(log))
        assert not errors, [e.message for e in errors[:3]]
        results = log["runs"][0]["results"]
        assert len(results) == len(findings) + len(hs256_json["ignored"]) + len(security)
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
        assert uris == {PAYMENTS}
        fingerprints = {r["partialFingerprints"]["workbench/v1"] for r in results}
        assert {f["fingerprint"] for f in findings} <= fingerprints
    elif fmt == "junit":
        root = ET.fromstring(text.encode("utf-8"))
        assert int(root.get("tests")) == len(findings) + len(security)
        assert root.get("failures") == "0"  # --fail-on never
        assert {c.get("file") for c in root.iter("testcase") if c.get("file")} == {PAYMENTS}
    elif fmt == "github":
        lines = text.splitlines()
        assert all(line.startswith("::") for line in lines)
        assert len(lines) == len(findings) + len(security) + 1
        assert all(f"file={PAYMENTS}," in line for line in lines[:-1])
    elif fmt == "html":
        assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
        assert text.count('<article class="finding') == len(findings) + len(security)
        for f in findings:
            assert f'id="new-L{f["location"]["new"]["line"]}"' in text
    else:
        raise AssertionError(f"no check for format {fmt}")


def test_consecutive_revisions_of_every_payments_amendment(demo_repo: Path):
    """Every amendment in the payments history renders in every format without error."""
    shas = subprocess.run(
        ["git", "-C", str(demo_repo), "log", "--format=%h", "--", PAYMENTS],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for old, new in zip(shas[1:], shas, strict=False):
        code, out, err = run(
            f"{old}:{PAYMENTS}", f"{new}:{PAYMENTS}", "--repo", str(demo_repo), "-f", "json"
        )
        assert code in (0, 1), err
        data = json.loads(out)
        jsonschema.validate(data, report_schema())
        sarif = run(
            f"{old}:{PAYMENTS}", f"{new}:{PAYMENTS}", "--repo", str(demo_repo), "-f", "sarif"
        )
        errors = list(jsonschema.Draft4Validator(SARIF_SCHEMA).iter_errors(json.loads(sarif[1])))
        assert not errors, (old, new, [e.message for e in errors[:3]])
        assert code == (1 if data["verdict"]["severity"] == "breaking" else 0) or any(
            s["severity"] in ("critical", "high") and s["new_in_amendment"] and not s.get("ignored")
            for s in data["security_findings"]
        )


# --- the gate ---------------------------------------------------------------------------------


def test_editorial_amendment_passes(demo_repo: Path):
    code, out, err = run(*pair(demo_repo, EDITORIAL), "--repo", str(demo_repo), "-f", "json")
    data = json.loads(out)
    assert code == 0, err
    assert data["verdict"]["severity"] in ("safe", "none")
    assert all(f["severity"] == "safe" for f in data["findings"])


def test_planned_removal_depends_on_today(demo_repo: Path):
    args = (*pair(demo_repo, RS256_SUNSET), "--repo", str(demo_repo), "-f", "json")
    code, out, _ = run(*args, "--today", "2024-11-12", "--fail-on", "risky")
    after = json.loads(out)
    assert code == 0  # a planned removal after its sunset fails nothing
    removal = [f for f in after["findings"] if "RS256" in f["path"]]
    assert removal and all(f["severity"] == "safe" for f in removal)
    code_before, out, _ = run(*args, "--today", "2024-10-01")
    before = json.loads(out)
    removal = [f for f in before["findings"] if "RS256" in f["path"]]
    assert removal and removal[0]["severity"] == "breaking" and removal[0]["note"]
    assert code_before == 1


def test_fail_on_levels(demo_repo: Path):
    args = (*pair(demo_repo, RS256_SUNSET), "--repo", str(demo_repo), "--today", "2024-10-01")
    assert run(*args)[0] == 1
    assert run(*args, "--fail-on", "risky")[0] == 1
    assert run(*args, "--fail-on", "never")[0] == 0


def test_fail_on_risky_catches_risky_only_amendments(demo_repo: Path):
    args = (*pair(demo_repo, LIFETIME), "--repo", str(demo_repo))
    code, out, _ = run(*args, "-f", "json", "--fail-on", "never")
    assert code == 0
    severities = {f["severity"] for f in json.loads(out)["findings"]}
    assert "risky" in severities and "breaking" not in severities
    assert run(*args, "--fail-on", "risky")[0] == 1


# --- ignore file ------------------------------------------------------------------------------


def test_ignore_file_silences_and_reports_as_ignored(demo_repo: Path, tmp_path: Path):
    args = (*pair(demo_repo, RS256_SUNSET), "--repo", str(demo_repo), "--today", "2024-10-01")
    data = json.loads(run(*args, "-f", "json")[1])
    breaking = [f for f in data["findings"] if f["severity"] == "breaking"]
    ignore = tmp_path / "ignore.yaml"
    entries = "".join(
        f"  - fingerprint: {f['fingerprint']}\n    reason: verifiers moved to ES256 | ok\n"
        for f in breaking
    )
    ignore.write_text("ignore:\n" + entries, encoding="utf-8")
    code, out, err = run(*args, "-f", "json", "--ignore-file", str(ignore))
    assert code == 0, err
    silenced = json.loads(out)
    assert {f["fingerprint"] for f in silenced["ignored"]} == {f["fingerprint"] for f in breaking}
    assert all(f["ignored"] == "verifiers moved to ES256 | ok" for f in silenced["ignored"])
    assert not any(f["severity"] == "breaking" for f in silenced["findings"])

    outputs = {fmt: run(*args, "-f", fmt, "--ignore-file", str(ignore))[1] for fmt in FORMATS}
    assert "IGNORED (" in outputs["text"]
    assert (
        "Ignored (" in outputs["markdown"]
        and "verifiers moved to ES256 \\| ok" in outputs["markdown"]
    )
    sarif = json.loads(outputs["sarif"])["runs"][0]["results"]
    assert sum(1 for r in sarif if r.get("suppressions")) == len(breaking)
    root = ET.fromstring(outputs["junit"].encode())
    assert int(root.get("skipped")) == len(breaking)
    assert outputs["github"].count("(ignored breaking)") == len(breaking)
    # --no-ignore brings them back
    assert run(*args, "--ignore-file", str(ignore), "--no-ignore")[0] == 1


def test_default_ignore_file_at_repository_root(writable_repo: Path):
    args = (*pair(writable_repo, RS256_SUNSET), "--repo", str(writable_repo))
    args = (*args, "--today", "2024-10-01")
    ignore = writable_repo / ".workbench-ignore.yaml"
    ignore.write_text(
        "ignore:\n"
        "  - rule: '*'\n"
        "    path: tokens.access_token.signing_algorithms*\n"
        "    contract: payments-api\n"
        "    reason: accepted\n",
        encoding="utf-8",
    )
    try:
        code, out, err = run(*args, "-f", "json")
        assert json.loads(out)["ignored"], err
        assert code == 0
    finally:
        ignore.unlink()


def test_expired_ignore_entry_warns_and_silences_nothing(demo_repo: Path, tmp_path: Path):
    args = (*pair(demo_repo, RS256_SUNSET), "--repo", str(demo_repo), "--today", "2024-10-01")
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text(
        "ignore:\n  - rule: '*'\n    path: '*'\n    reason: r\n    expires: 2024-09-30\n"
    )
    code, out, err = run(*args, "--ignore-file", str(ignore), "-f", "json")
    assert code == 1
    assert json.loads(out)["ignored"] == []
    assert err.splitlines() == [
        f"{ignore}:2:5: warning: ignore entry for * at * expired on 2024-09-30; it silences "
        "nothing (renew it with a new reason, or fix the finding) (at ignore[0])"
    ]


def test_bad_ignore_file_is_a_load_error(demo_repo: Path, tmp_path: Path):
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text("ignore:\n  - rule: token.alg-removed\n    path: x\n")
    code, out, err = run(
        *pair(demo_repo, HS256), "--repo", str(demo_repo), "--ignore-file", str(ignore)
    )
    assert code == 2 and out == ""
    assert err == (
        f"{ignore}:2:5: error: missing 'reason': say why this finding is accepted (at ignore[0])\n"
    )


# --- --base -----------------------------------------------------------------------------------


def test_base_compares_the_working_tree_with_the_merge_base(demo_repo: Path, monkeypatch):
    monkeypatch.chdir(demo_repo)
    code, out, err = run("--base", "main", PAYMENTS, "-f", "json", "--fail-on", "never")
    assert code == 0, err
    via_base = json.loads(out)
    head = subprocess.run(
        ["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert via_base["old"]["source"] == f"{head}:{PAYMENTS}"
    assert via_base["new"]["source"] == PAYMENTS
    explicit = json.loads(run(f"HEAD:{PAYMENTS}", PAYMENTS, "-f", "json", "--fail-on", "never")[1])
    assert via_base["findings"] == explicit["findings"]
    assert via_base["findings"], "the demo leaves a draft amendment in the working tree"


def test_base_with_a_contract_created_since_the_merge_base(writable_repo: Path, monkeypatch):
    monkeypatch.chdir(writable_repo)
    new = writable_repo / "contracts" / "payments" / "payments-copy.yaml"
    new.write_text((writable_repo / PAYMENTS).read_text(encoding="utf-8"), encoding="utf-8")
    try:
        code, out, err = run("--base", "main", str(new), "-f", "json")
        data = json.loads(out)
        assert data["old"] is None and data["new"]["source"] == str(new), err
        assert all(f["severity"] == "safe" for f in data["findings"]), "creating breaks no one"
        high = [s for s in data["security_findings"] if s["severity"] in ("critical", "high")]
        assert code == (1 if high else 0)  # the new contract's own state is reviewed
        code, out, err = run("--base", "main", str(new), "-f", "sarif", "--fail-on", "never")
        results = json.loads(out)["runs"][0]["results"]
        uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
        assert uris <= {"contracts/payments/payments-copy.yaml"}, err
    finally:
        new.unlink()


def test_base_with_a_contract_deleted_since_the_merge_base(writable_repo: Path, monkeypatch):
    monkeypatch.chdir(writable_repo)
    target = writable_repo / "contracts" / "mobile" / "wallet-app.yaml"
    saved = target.read_bytes()
    target.unlink()
    try:
        code, out, err = run("--base", "main", "contracts/mobile/wallet-app.yaml", "-f", "json")
        data = json.loads(out)
        assert data["new"] is None and data["old"]["contract"] == "wallet-app", err
        assert data["verdict"]["severity"] == "breaking" and code == 1
        code, out, err = run("--base", "main", "contracts/mobile/nothing.yaml")
        assert code == 2 and out == ""
        assert (
            err
            == "contracts/mobile/nothing.yaml:1:1: error: no such file (nor at the merge base)\n"
        )
    finally:
        target.write_bytes(saved)


def test_base_outside_a_repository(tmp_path: Path):
    contract = tmp_path / "c.yaml"
    contract.write_text(
        (Path(__file__).parents[1] / "sample_contracts" / "payments-api.yaml").read_text()
    )
    code, out, err = run("--base", "main", str(contract), "--repo", str(tmp_path))
    assert code == 2 and out == ""
    assert err == f"{tmp_path}:1:1: error: --base needs a git repository (see --repo)\n"


def test_unknown_base_ref(demo_repo: Path):
    code, _, err = run("--base", "no-such-branch", PAYMENTS, "--repo", str(demo_repo))
    assert code == 2
    assert err.startswith(f"no-such-branch:{PAYMENTS}:1:1: error: unknown revision")
    assert len(err.splitlines()) == 1


# --- files, output, colour --------------------------------------------------------------------


def test_plain_files_outside_git(tmp_path: Path):
    sample = (Path(__file__).parents[1] / "sample_contracts" / "payments-api.yaml").read_text()
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(sample)
    new.write_text(sample.replace("lifetime: 15m", "lifetime: 24h", 1))
    code, out, err = run(
        str(old), str(new), "--repo", str(tmp_path), "-f", "github", "--fail-on", "never"
    )
    assert code == 0, err
    assert f"file={new}," in out.replace("%3A", ":")


def test_color_is_off_for_pipes_and_on_when_forced(hs256):
    assert "\x1b[" not in run(*hs256)[1]
    assert "\x1b[" in run(*hs256, "--color", "always")[1]
    assert "\x1b[" not in run(*hs256, "--color", "always", "-f", "json")[1]


def test_output_to_a_missing_directory_is_a_one_line_error(hs256, tmp_path: Path):
    target = tmp_path / "missing" / "r.json"
    code, out, err = run(*hs256, "-o", str(target))
    assert code == 2 and out == ""
    assert err.startswith(f"{target}:1:1: error: cannot write") and len(err.splitlines()) == 1


def test_github_format_adds_the_job_summary(hs256, tmp_path: Path):
    summary = tmp_path / "summary.md"
    code, out, _ = run(*hs256, "-f", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert code == 1  # HS256 next to ES256: a high security regression
    assert out.startswith("::")
    assert summary.read_text(encoding="utf-8").startswith("## ")


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("only-one.yaml",), "expected OLD and NEW"),
        (("--base", "main", "a.yaml", "b.yaml"), "with --base give one contract"),
        (("a.yaml", "b.yaml", "--today", "2024-13-01"), "'2024-13-01' is not a date"),
        (("a.yaml", "b.yaml", "--format", "xml"), "'xml' is not one of"),
        (("a.yaml", "b.yaml", "--fail-on", "sometimes"), "'sometimes' is not one of"),
    ],
)
def test_usage_errors_exit_2(args, message):
    code, out, err = run(*args)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err


def test_missing_files_and_revisions_are_one_line_errors(demo_repo: Path, tmp_path: Path):
    missing = tmp_path / "nope.yaml"
    code, out, err = run(str(missing), str(missing))
    assert (code, out, err) == (2, "", f"{missing}:1:1: error: no such file\n")

    code, _, err = run(f"nosuchrev:{PAYMENTS}", PAYMENTS, "--repo", str(demo_repo))
    assert code == 2
    assert err == f"nosuchrev:{PAYMENTS}:1:1: error: unknown revision 'nosuchrev'\n"

    code, _, err = run("HEAD:contracts/nope.yaml", PAYMENTS, "--repo", str(demo_repo))
    assert code == 2 and err.startswith("HEAD:contracts/nope.yaml:1:1: error: ")
    assert len(err.splitlines()) == 1


def test_invalid_contract_is_reported_at_its_position(tmp_path: Path):
    sample = (Path(__file__).parents[1] / "sample_contracts" / "payments-api.yaml").read_text()
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(sample)
    lines = sample.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("version:"))
    lines[index] = "version: one"
    bad.write_text("\n".join(lines) + "\n")
    code, out, err = run(str(good), str(bad))
    assert code == 2 and out == ""
    assert (
        err
        == f"{bad}:{index + 1}:10: error: version 'one' is not SemVer 2.0 (MAJOR.MINOR.PATCH) (at version)\n"
    )

    broken = tmp_path / "broken.yaml"
    broken.write_text("contract: x\nversion: [1.0\n")
    code, _, err = run(str(good), str(broken))
    assert code == 2 and err.startswith(f"{broken}:") and ": error: invalid YAML" in err
    assert "Traceback" not in err and len(err.splitlines()) == 1


def test_installed_entry_point_prints_no_traceback(tmp_path: Path):
    """The real console script, as CI runs it: a load error is one line and exit 2."""
    import shutil
    import sys

    exe = shutil.which("workbench") or str(Path(sys.executable).with_name("workbench"))
    proc = subprocess.run(
        [exe, "diff", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr == f"{tmp_path / 'a.yaml'}:1:1: error: no such file\n"
