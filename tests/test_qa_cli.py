"""Regression tests from QA of the command line on the demo repository and hostile inputs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner

from workbench.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.exit_code, result.stdout, result.stderr


def _sha(repo: Path, subject: str) -> str:
    out = subprocess.run(
        ["git", "-C", str(repo), "log", "--format=%H %s"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return next(line.split(" ", 1)[0] for line in out.splitlines() if line.endswith(subject))


def test_turning_rotation_on_with_a_grace_is_not_a_security_regression(
    demo_repo_clean: Path,
) -> None:
    """Before rotation every used refresh token stayed valid: a first 30s grace weakens nothing."""
    sha = _sha(demo_repo_clean, "Turn on refresh-token rotation")
    path = "contracts/mobile/wallet-app.yaml"
    code, out, err = run(
        "diff", f"{sha}~1:{path}", f"{sha}:{path}", "--repo", str(demo_repo_clean), "-f", "json"
    )
    report = json.loads(out)
    assert code == 0, err
    assert [f["rule"] for f in report["security_findings"] if f["kind"] == "regression"] == []
    grace = next(f for f in report["findings"] if f["rule"] == "token.reuse-grace-lengthened")
    assert grace["security"] == "neutral"
    assert "rotation was off before" in grace["note"]


BROKEN_SETTINGS = "security: {fail_on: hgh}\n"


def _demo_copy(tmp_path: Path) -> Path:
    from workbench.demo import build_demo_repo

    return build_demo_repo(tmp_path / "repo")


def test_broken_settings_are_one_located_error_and_exit_2_everywhere(tmp_path: Path) -> None:
    """A bad .workbench.yaml is the repository's load error: exit 2, one file:line:col line,
    no doubled 'error:' prefix; log stops instead of repeating it on every row with exit 0."""
    repo = _demo_copy(tmp_path)
    (repo / ".workbench.yaml").write_text(BROKEN_SETTINGS, encoding="utf-8")
    path = str(repo / "contracts/payments/payments-api.yaml")
    for args in (
        ["log", path],
        ["log", "--repo", str(repo), "-f", "json"],
        ["check", "--repo", str(repo)],
        ["amend", "status", "--repo", str(repo)],
        ["amend", "bump", "--repo", str(repo)],
    ):
        code, out, err = run(*args)
        assert code == 2, (args, code, out, err)
        lines = err.splitlines()
        assert len(lines) == 1, (args, err)
        assert lines[0].startswith(str(repo / ".workbench.yaml") + ":1:12: error: "), (args, err)
        assert "fail_on 'hgh'" in lines[0]


def test_broken_ignore_file_stops_amend_with_exit_2(tmp_path: Path) -> None:
    repo = _demo_copy(tmp_path)
    (repo / ".workbench-ignore.yaml").write_text(
        'ignore: [{rule: x, path: "*"}]\n', encoding="utf-8"
    )
    code, _, err = run("amend", "status", "--repo", str(repo))
    assert code == 2
    assert err.startswith(str(repo / ".workbench-ignore.yaml") + ":1:10: error: missing 'reason'")


def test_amend_start_on_a_new_contract_says_new_not_none(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    who = ["-c", "user.name=A", "-c", "user.email=a@example.com"]
    subprocess.run(
        ["git", "-C", str(repo), *who, "commit", "-q", "--allow-empty", "-m", "init"], check=True
    )
    (repo / "c.yaml").write_text(
        "contract: fresh\ntitle: Fresh\nversion: 1.0.0\nstatus: draft\n", encoding="utf-8"
    )
    code, out, err = run("amend", "start", "--repo", str(repo))
    assert code == 0, err
    assert out == "amendments/fresh/1.0.0.yaml: fresh (new) -> 1.0.0\n"


def test_ignore_entry_with_a_misspelt_rule_warns_at_its_rule(
    demo_repo: Path, tmp_path: Path
) -> None:
    ignore = tmp_path / "ignore.yaml"
    ignore.write_text(
        "ignore:\n"
        "  - rule: token.lifetime-shortend\n"
        '    path: "*"\n'
        "    reason: clients refresh early\n"
        "  - rule: token.*\n"
        "    path: nowhere\n"
        "    reason: a pattern is not checked\n",
        encoding="utf-8",
    )
    path = "contracts/payments/payments-api.yaml"
    code, _, err = run(
        "diff",
        f"HEAD:{path}",
        str(demo_repo / path),
        "--repo",
        str(demo_repo),
        "--ignore-file",
        str(ignore),
    )
    assert code == 1
    assert err.splitlines() == [
        f"{ignore}:2:11: warning: ignore entry for token.lifetime-shortend at *: no rule is called "
        "'token.lifetime-shortend' (did you mean 'token.lifetime-shortened'?); it silences nothing "
        "(at ignore[0].rule)"
    ]


def test_a_huge_title_is_cut_in_the_report_headers(tmp_path: Path) -> None:
    body = "version: 1.0.0\nstatus: active\n"
    old = tmp_path / "old.yaml"
    new = tmp_path / "new.yaml"
    old.write_text(f"contract: big\ntitle: Big\n{body}", encoding="utf-8")
    new.write_text(f'contract: big\ntitle: "{"x" * 50_000}\\e[2J"\n{body}', encoding="utf-8")
    code, out, _ = run("diff", str(old), str(new), "--color", "never")
    assert code == 0
    header = out.splitlines()[0]
    assert len(header) < 160 and header.startswith("big (xxx") and "..." in header
    assert max(len(line) for line in out.splitlines()) < 400
    code, out, _ = run("diff", str(old), str(new), "-f", "markdown")
    assert max(len(line) for line in out.splitlines()) < 1000
    assert "\x1b" not in out
