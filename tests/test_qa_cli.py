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
