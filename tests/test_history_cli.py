"""``workbench log`` on real repositories: the story repository and the demo repository."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from history_support import (
    P2,
    P,
    Repo,
    Story,
    W,
    contract_text,
)

from workbench.cli import main
from workbench.demo import load_plan
from workbench.history import read_contract_at
from workbench.review import build_report
from workbench.security.policy import load_policy


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["log", *args])
    return result.exit_code, result.stdout, result.stderr


def log_json(*args: str) -> list[dict]:
    code, out, err = run(*args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_text_columns_verdicts_and_inline_errors(story: Story) -> None:
    code, out, _ = run(P2, "--repo", str(story.root))
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == [
        "DATE",
        "REV",
        "AUTHOR",
        "VERSION",
        "NEEDS",
        "GOT",
        "BRK",
        "RSK",
        "SAFE",
        "WEAK",
        "SEC",
        "GATE",
        "SUBJECT",
    ]
    assert len(rows) == 8
    subject_at = header.index("SUBJECT")
    by_subject = {row[subject_at:].split("  [")[0].split(" (")[0]: row for row in rows}
    repaired = by_subject["Repair payments; ES256 only"]
    assert repaired.startswith(f"2024-01-09  {story.sha['c8'][:7]}   Ann Author")
    assert "2.0.0" in repaired and "major major" in repaired
    assert f"(compared with {story.sha['c6'][:7]}: the parent is invalid)" in repaired
    broken = by_subject["Break payments by accident"]
    assert "invalid" in broken
    assert f"[invalid: {P2}:4:" in broken
    merge = by_subject["Merge branch 'feature'"]
    assert "(merge: vs first parent)" in merge
    assert "minor minor" in merge
    assert all(len(row) > subject_at and row[subject_at - 2 : subject_at] == "  " for row in rows)


def test_json_entries(story: Story) -> None:
    entries = log_json(P2, "--repo", str(story.root))
    assert [e["rev"] for e in entries] == [
        story.sha[k] for k in ("c8", "c7", "c6", "c5", "c4", "c3", "c2", "c1")
    ]
    repaired, broken, merge = entries[:3]
    assert repaired["severity"] == "breaking"
    assert (repaired["required_bump"], repaired["actual_bump"]) == ("major", "major")
    assert repaired["version_bump_ok"] is True
    assert repaired["counts"]["breaking"] >= 1
    assert repaired["compared_with"]["rev"] == story.sha["c6"]
    assert broken["invalid"] is True and broken["severity"] is None
    assert broken["error"].startswith(f"{P2}:4:")
    assert merge["merge"] is True and merge["parent"]["rev"] == story.sha["c5"]
    assert entries[-1]["change"] == "added" and entries[-1]["path"] == P
    assert entries[-1]["author"] == {"name": "Ann Author", "email": "ann@example.com"}


def test_limit(story: Story) -> None:
    assert len(log_json(P2, "--repo", str(story.root), "--limit", "2")) == 2
    assert log_json(P2, "--repo", str(story.root), "--limit", "0") == []


def test_all_contracts_interleaved_with_drafts_first(story: Story) -> None:
    entries = log_json("--repo", str(story.root))
    firsts = [(e["short"], e["path"]) for e in entries[:3]]
    assert firsts == [("WORKTREE", "contracts/new.yaml"), ("WORKTREE", W), ("INDEX", W)]
    assert entries[3]["contract"] == "legacy-api" and entries[3]["change"] == "deleted"
    assert {e["contract"] for e in entries} == {
        "payments-api",
        "wallet-app",
        "new-api",
        "legacy-api",
    }
    dates = [e["date"] for e in entries if e["kind"] == "commit"]
    assert dates == sorted(dates, reverse=True)


def test_text_of_all_contracts_has_a_contract_column(story: Story) -> None:
    code, out, _ = run("--repo", str(story.root))
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split()[2] == "CONTRACT"
    assert rows[0].split()[2] == "new-api"


def test_directory_and_paths_relative_to_the_current_directory(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(story.root / "contracts" / "pay")
    assert len(log_json("payments.yaml")) == 8
    under = log_json(".")
    assert {e["path"] for e in under} == {P2}
    assert [e["rev"] for e in under] == [story.sha[k] for k in ("c8", "c7", "c6", "c5", "c4", "c3")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["contracts/none.yaml"], "contracts/none.yaml: no history in repo"),
        (["ci/pipeline.yaml"], "ci/pipeline.yaml: not an authentication contract"),
        (["--repo", "{tmp}"], "not inside a git repository"),
    ],
)
def test_errors_are_one_line_with_exit_2(
    story: Story, tmp_path: Path, args: list[str], message: str
) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if "--repo" not in args:
        args += ["--repo", str(story.root)]
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("workbench log: ")
    assert message in err


def test_control_characters_in_subjects_and_authors_are_shown_escaped(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    repo.commit("Add \x1b[2Jpayments\x07", {P: contract_text()}, author="Eve\x1b]0;owned\x07 Evil")
    code, out, err = run(P, "--repo", str(repo.root))
    assert code == 0, err
    header, row = out.splitlines()
    assert header.startswith("DATE")
    assert "\x1b" not in out and "\x07" not in out
    assert "Eve\\x1b]0;owned" in row
    assert row.endswith("Add \\x1b[2Jpayments\\x07")


def test_bad_limit_is_a_usage_error(story: Story) -> None:
    code, _, err = run(P2, "--repo", str(story.root), "--limit", "-1")
    assert code == 2 and "--limit" in err


# --- the demo repository ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_log(demo_repo: Path) -> list[dict]:
    return log_json("--repo", str(demo_repo))


def test_demo_log_shows_every_amendment(demo_log: list[dict]) -> None:
    plan = load_plan()
    expected = [
        (c.contract, c.version or "", c.subject) for c in reversed(plan.commits) if c.contract
    ]
    commits = [e for e in demo_log if e["kind"] == "commit"]
    assert [(e["contract"], e["version"], e["subject"]) for e in commits] == expected
    drafts = [e for e in demo_log if e["kind"] != "commit"]
    assert [(e["contract"], e["short"]) for e in drafts] == [
        (d.contract, "WORKTREE") for d in plan.drafts
    ]
    assert all(e["error"] is None and e["severity"] for e in demo_log)


def test_demo_log_verdicts_match_an_independent_diff(demo_repo: Path, demo_log) -> None:
    """Each amendment's verdict is what `workbench diff PARENT:PATH REV:PATH` would say."""
    policy = load_policy(demo_repo)
    for entry in demo_log:
        parent = entry["parent"]
        old = None
        if parent is not None and entry["change"] != "added":
            old = read_contract_at(demo_repo, parent["rev"], parent["path"])
        rev = entry["rev"]
        new = (
            None
            if entry["change"] == "deleted"
            else read_contract_at(demo_repo, rev, entry["path"])
        )
        today = dt.date.fromisoformat(entry["date"][:10]) if entry["kind"] == "commit" else None
        report = build_report(old, new, policy=policy, today=today)
        verdict = report.verdict
        assert (entry["severity"], entry["required_bump"], entry["actual_bump"]) == (
            verdict.severity,
            verdict.required_bump,
            verdict.actual_bump,
        ), entry["subject"]
        assert entry["fingerprint"] == verdict.fingerprint
        assert entry["counts"]["breaking"] == verdict.counts["breaking"]
        assert entry["counts"]["weakens"] == verdict.counts["weakens"]


@pytest.mark.parametrize(
    ("subject", "severity", "bump_ok"),
    [
        ("Rename bad_client_cert to invalid_client_certificate", "breaking", False),
        ("Add idempotency_key to payment creation", "breaking", False),
        ("Require MFA for payments:write and payments:refund", "breaking", True),
        ("Add list_payments endpoint for the merchant dashboard", "safe", True),
    ],
)
def test_demo_log_flags_the_known_amendments(
    demo_log: list[dict], subject: str, severity: str, bump_ok: bool
) -> None:
    (entry,) = [e for e in demo_log if e["subject"] == subject]
    assert (entry["severity"], entry["version_bump_ok"]) == (severity, bump_ok)


def test_demo_log_text(demo_repo: Path) -> None:
    code, out, _ = run("contracts/payments/payments-api.yaml", "--repo", str(demo_repo))
    assert code == 0
    rows = out.splitlines()[1:]
    assert rows[0].split()[1] == "WORKTREE"
    assert any("major minor!" in row and "idempotency_key" in row for row in rows)


def _log_on_a_terminal(story: Story, **env: str) -> str:
    """``workbench log`` with its standard output on a pseudo-terminal."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    code = "import sys; from workbench.cli import main; sys.exit(main())"
    environ = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | env
    with subprocess.Popen(
        [sys.executable, "-c", code, "log", P2, "--repo", str(story.root)],
        stdout=follower,
        stderr=subprocess.PIPE,
        env=environ,
    ) as proc:
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.wait() == 0, proc.stderr.read() if proc.stderr else ""
    os.close(leader)
    return b"".join(chunks).decode()


def test_text_is_coloured_on_a_terminal_unless_no_color(story: Story) -> None:
    coloured = _log_on_a_terminal(story)
    assert "\x1b[" in coloured and "Repair payments; ES256 only" in coloured
    plain = _log_on_a_terminal(story, NO_COLOR="1")
    assert "\x1b[" not in plain and "Repair payments; ES256 only" in plain
