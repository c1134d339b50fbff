"""The commit gate: `workbench check`, a plain git pre-commit hook, the pre-commit framework's
hook definition, and `workbench notice`."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml
from test_amendment_support import (
    CONTRACT,
    CONTRACT_PATH,
    WORKBENCH,
    Repo,
    cli,
    orders_repo,
    review,
    workbench,
)

ROOT = Path(__file__).resolve().parent.parent
NEW_ISSUER = ("issuer: https://login.example.com", "issuer: https://id.example.com")


def answer_everything(repo: Repo, base: str | None = None) -> None:
    """Answer the author's part of the checklist of the issuer change with the CLI, as a script
    would (the reviewer's sign-off comes after the commit: see ``review``)."""
    from workbench.amendment.session import AmendmentSession

    with AmendmentSession.open(CONTRACT_PATH, repo=repo.root, base=base) as s:
        issuer = next(f for f in s.report.findings if f.rule == "idp.issuer-changed").fingerprint
        overlap = next(
            f for f in s.report.security_findings if f.rule == "regression.rotation-overlap"
        ).fingerprint
    steps = [
        ("amend", "start", "--summary", "New identity platform"),
        ("amend", "bump"),
        ("amend", "accept", issuer, "--reason", "Verifiers read the issuer from discovery"),
        ("amend", "accept", overlap[:10], "-r", "Night cut-over, 15m tokens"),
        ("amend", "notice"),
        ("amend", "changelog"),
        ("amend", "notify", "--all"),
    ]
    for args in steps:
        if base:
            args = (*args[:2], "--base", base, *args[2:])
        result = cli(*args, repo=repo.root)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return orders_repo(tmp_path / "repo")


# --- workbench check -------------------------------------------------------------------------------


def test_check_passes_when_nothing_changed(repo: Repo) -> None:
    result = cli("check", repo=repo.root)
    assert result.exit_code == 0
    assert "no contract changed in the working tree" in result.stdout


def test_check_fails_on_an_unrecorded_breaking_amendment_then_passes(repo: Repo) -> None:
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    result = cli("check", repo=repo.root)
    assert result.exit_code == 1
    out = result.stderr
    assert f"FAIL {CONTRACT_PATH} (orders-api 1.4.0, not bumped yet, breaking)" in out
    assert "no amendment record (expected amendments/orders-api/2.0.0.yaml)" in out
    assert "Versioning: [missing] the version is still 1.4.0" in out
    assert "Backward compatibility: [missing] issuer of corp changed" in out
    assert "Security review: [blocked] reviewer sign-off" in out
    answer_everything(repo)
    result = cli("check", repo=repo.root)
    assert result.exit_code == 0, result.stderr  # the commit gate: the review comes later
    assert (
        "wait contracts/orders/orders-api.yaml (orders-api 1.4.0 -> 2.0.0, breaking: "
        "amendments/orders-api/2.0.0.yaml complete but for the review)" in result.stdout
    )
    assert "awaiting review: reviewer sign-off (awaiting review)" in result.stdout
    # the staged view: nothing is staged yet, then the contract without its record
    assert cli("check", "--staged", repo=repo.root).exit_code == 0
    repo.git("add", CONTRACT_PATH)
    result = cli("check", "--staged", repo=repo.root)
    assert result.exit_code == 1
    assert (
        "amendments/orders-api/2.0.0.yaml exists but is not staged: run "
        "`git add amendments/orders-api/2.0.0.yaml`" in result.stderr
    )
    assert "no amendment record" not in result.stderr  # it is there, only not staged
    repo.git("add", "amendments", "contracts")
    result = cli("check", "--staged", "--format", "json", repo=repo.root)
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["mode"] == "index"
    assert data["policy"]["revision"] == repo.git("rev-parse", "HEAD").strip()
    [entry] = data["contracts"]
    assert entry["state"] == "pending" and entry["checklist"]["complete"] is False
    # one more line changed after staging: the staged record is stale for the working tree
    repo.edit(CONTRACT_PATH, "lifetime: 15m", "lifetime: 10m")
    result = cli("check", repo=repo.root)
    assert result.exit_code == 1
    assert "Communication: [stale] the notice describes another change set" in result.stderr
    assert "Communication: [stale] web-shop was notified about another change set" in result.stderr
    # the staged copy is still the completed one
    assert cli("check", "--staged", repo=repo.root).exit_code == 0


def test_staged_record_with_unstaged_edits_is_named(repo: Repo) -> None:
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    answer_everything(repo)
    repo.git("add", "-A")
    record = repo.root / "amendments/orders-api/2.0.0.yaml"
    record.write_text(record.read_text().replace("New identity platform", "Edited later"))
    result = cli("check", "--staged", repo=repo.root)
    assert result.exit_code == 0  # the staged record is complete...
    repo.git("reset", "--quiet", "--", "amendments/orders-api/2.0.0.yaml")
    result = cli("check", "--staged", repo=repo.root)
    assert result.exit_code == 1  # ...but without it staged, the commit would lack it
    assert "exists but is not staged" in result.stderr


def test_changes_that_need_no_record(repo: Repo) -> None:
    repo.edit(CONTRACT_PATH, "# Orders API:", "# The Orders API:")  # a comment
    repo.edit(
        CONTRACT_PATH,
        "grants: [authorization_code, client_credentials]",
        "grants: [client_credentials, authorization_code]",
    )
    repo.write("contracts/new/billing.yaml", CONTRACT.replace("orders-api", "billing-api"))
    result = cli("check", repo=repo.root)
    assert result.exit_code == 0, result.stderr
    assert "nothing changed that matters (no findings)" in result.stdout
    assert (
        "(billing-api 1.4.0: a new contract needs only to validate (no security finding to "
        "review))" in result.stdout
    )


def test_min_bump_setting_exempts_small_amendments(repo: Repo) -> None:
    repo.edit(
        CONTRACT_PATH,
        "  orders:write: Create orders\n",
        "  orders:write: Create orders\n  orders:export: Export orders\n",
    )
    assert cli("check", repo=repo.root).exit_code == 1
    # the setting counts once committed (a working-tree copy is a policy change to review)
    repo.write(".workbench.yaml", "amendments:\n  min_bump: major\n")
    result = cli("check", repo=repo.root)
    assert result.exit_code == 1
    assert "wait .workbench.yaml (the gate's policy: .workbench.yaml added)" in result.stderr
    assert "records are required from major up" not in result.stderr
    repo.commit("Records from major bumps up", ".workbench.yaml")
    result = cli("check", repo=repo.root)
    assert result.exit_code == 0
    assert "records are required from major up" in result.stdout


def test_deleting_a_contract_needs_it_retired_first(repo: Repo) -> None:
    repo.git("rm", "--quiet", CONTRACT_PATH)
    result = cli("check", "--staged", repo=repo.root)
    assert result.exit_code == 1
    assert "amend it to `status: retired` first" in result.stderr
    repo.git("reset", "--quiet", "--hard")
    repo.edit(CONTRACT_PATH, "status: active", "status: retired")
    repo.commit("Retire the orders contract", CONTRACT_PATH)
    repo.git("rm", "--quiet", CONTRACT_PATH)
    result = cli("check", "--staged", repo=repo.root)
    assert result.exit_code == 0, result.stderr
    assert "deleted after it was retired" in result.stdout


def test_invalid_draft_fails_with_its_position(repo: Repo) -> None:
    repo.edit(CONTRACT_PATH, "lifetime: 15m", "lifetime: soon")
    result = cli("check", repo=repo.root)
    assert result.exit_code == 1
    assert f"{CONTRACT_PATH}:34:15: error: 'soon' is not a duration" in result.stderr


def test_check_base_for_pull_requests(repo: Repo) -> None:
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    repo.commit("Move to the new issuer", CONTRACT_PATH, date="2026-01-10T10:00:00+00:00")
    result = cli("check", "--base", "main", repo=repo.root)
    assert result.exit_code == 1
    assert "contract changed since main" in result.stderr
    answer_everything(repo, base="main")
    repo.commit("Amendment record", date="2026-01-11T10:00:00+00:00")
    result = cli("check", "--base", "main", repo=repo.root)
    assert result.exit_code == 1  # the merge gate needs the reviewer's verified sign-off
    assert "[missing] reviewer sign-off (awaiting review)" in result.stderr
    review(repo, base="main")
    result = cli("check", "--base", "main", repo=repo.root)
    assert result.exit_code == 0, result.stderr
    assert "complete for change set" in result.stdout


def test_check_usage_errors_exit_2(tmp_path: Path, repo: Repo) -> None:
    outside = tmp_path / "not-a-repo"
    outside.mkdir()
    result = workbench("check", "--repo", str(outside), cwd=tmp_path)  # a real process
    assert result.returncode == 2 and "not inside a git repository" in result.stderr
    result = cli("check", "--staged", "--base", "main", repo=repo.root)
    assert result.exit_code == 2 and "exclude each other" in result.stderr
    repo.write(".workbench.yaml", "amendments:\n  notice_period: forever\n")
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    result = cli("check", repo=repo.root)
    assert result.exit_code == 2
    assert ".workbench.yaml:2:" in result.stderr and "Traceback" not in result.stderr


# --- hooks -------------------------------------------------------------------------------------------


def test_pre_commit_hooks_definition_has_the_frameworks_shape() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(hooks, list) and len(hooks) == 1
    [hook] = hooks
    required = {"id", "name", "entry", "language"}
    assert required <= set(hook)
    assert hook["id"] == "workbench-check"
    assert hook["entry"] == "workbench check --staged"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    known = {
        "id", "name", "entry", "language", "files", "exclude", "types", "types_or",
        "exclude_types", "always_run", "fail_fast", "verbose", "pass_filenames",
        "require_serial", "description", "language_version", "minimum_pre_commit_version",
        "args", "stages",
    }  # fmt: skip
    assert set(hook) <= known
    assert set(hook.get("stages", [])) <= {"pre-commit", "pre-push", "manual"}
    # the entry names a console script the package really installs
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'workbench = "workbench.cli:main"' in pyproject


def _install_hook(repo: Repo) -> None:
    hook = repo.root / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(parents=True, exist_ok=True)
    command = " ".join(shlex.quote(part) for part in WORKBENCH)
    hook.write_text(
        f"#!/bin/sh\n# workbench: refuse unrecorded amendments\nexec {command} check --staged\n"
    )
    hook.chmod(0o755)


def _commit(repo: Repo, message: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "commit", "-m", message],
        cwd=repo.root,
        capture_output=True,
        text=True,
        env=repo.env,
    )


@pytest.mark.skipif(os.name != "posix", reason="shell hook")
def test_plain_git_pre_commit_hook_blocks_then_lets_through(repo: Repo) -> None:
    _install_hook(repo)
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    repo.git("add", CONTRACT_PATH)
    blocked = _commit(repo, "New issuer")
    assert blocked.returncode != 0
    assert "FAIL contracts/orders/orders-api.yaml" in blocked.stderr
    assert "no amendment record" in blocked.stderr
    assert len(repo.git("log", "--oneline").splitlines()) == 1  # nothing was committed
    answer_everything(repo)
    repo.git("add", CONTRACT_PATH, "amendments", "contracts/orders/CHANGELOG.md")
    passed = _commit(repo, "New issuer, with its amendment record")
    assert passed.returncode == 0, passed.stderr
    assert len(repo.git("log", "--oneline").splitlines()) == 2
    files = repo.git("show", "--name-only", "--format=", "HEAD").split()
    assert sorted(files) == [
        "amendments/orders-api/2.0.0.notice.md",
        "amendments/orders-api/2.0.0.yaml",
        "contracts/orders/CHANGELOG.md",
        CONTRACT_PATH,
    ]
    # a later edit staged without re-answering is blocked again, naming the stale items
    repo.edit(CONTRACT_PATH, "issuer: https://id.example.com", "issuer: https://id2.example.com")
    repo.git("add", CONTRACT_PATH)
    stale = _commit(repo, "Another issuer")
    assert stale.returncode != 0
    assert "no amendment record (expected amendments/orders-api/3.0.0.yaml)" in stale.stderr


# --- workbench notice ------------------------------------------------------------------------------


def test_notice_of_two_files_and_of_revisions(repo: Repo, tmp_path: Path) -> None:
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    old = tmp_path / "old.yaml"
    old.write_text(CONTRACT)
    result = cli("notice", str(old), str(repo.root / CONTRACT_PATH), repo=repo.root)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    # the draft is not bumped yet: the notice names the version to come, not the released one
    assert text.startswith("# Amendment notice: Orders API authentication 2.0.0\n")
    assert "the draft still says 1.4.0: set the version before release" in text
    assert "## Who is affected" in text and "| web-shop | web@example.com |" in text
    assert "## What you must do, and by when" in text
    by_rev = cli("notice", f"HEAD:{CONTRACT_PATH}", f"WORKTREE:{CONTRACT_PATH}", repo=repo.root)
    assert by_rev.exit_code == 0
    assert by_rev.stdout.split("## Summary")[1] == text.split("## Summary")[1]
    # with the record, its summary, reasons and sign-off appear
    answer_everything(repo)
    with_record = cli(
        "notice", f"HEAD:{CONTRACT_PATH}", f"WORKTREE:{CONTRACT_PATH}", repo=repo.root
    ).stdout
    assert "New identity platform" in with_record
    assert "Accepted: Verifiers read the issuer from discovery" in with_record
    bare = cli(
        "notice",
        "--no-record",
        f"HEAD:{CONTRACT_PATH}",
        f"WORKTREE:{CONTRACT_PATH}",
        repo=repo.root,
    )
    assert "New identity platform" not in bare.stdout


def test_notice_errors(repo: Repo) -> None:
    result = cli("notice", "missing.yaml", f"WORKTREE:{CONTRACT_PATH}", repo=repo.root)
    assert result.exit_code == 2 and "missing.yaml:1:1: error: no such file" in result.stderr
    result = cli("notice", CONTRACT_PATH, repo=repo.root)
    assert result.exit_code == 2


def test_amend_without_a_unique_contract_is_a_usage_error(repo: Repo) -> None:
    result = cli("amend", "status", repo=repo.root)
    assert result.exit_code == 2 and "0 contracts changed" in result.stderr
    result = cli("amend", "notify", repo=repo.root)
    assert result.exit_code == 2 and "--all" in result.stderr


def test_amend_commands_report_what_they_did(repo: Repo) -> None:
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    status = cli("amend", "status", "--format", "json", repo=repo.root)
    assert status.exit_code == 1
    data = json.loads(status.stdout)
    assert data["contract"] == "orders-api" and data["complete"] is False
    assert [s["status"] for s in data["steps"]] == [
        "needs you",
        "done",
        "needs you",
        "needs you",
        "blocked",
    ]
    started = cli(
        "amend", "start", "--summary", "New platform", "--effective", "2026-03-01", repo=repo.root
    )
    assert started.stdout == "amendments/orders-api/2.0.0.yaml: orders-api 1.4.0 -> 2.0.0\n"
    bumped = cli("amend", "bump", repo=repo.root)
    assert bumped.stdout == f"{CONTRACT_PATH}:4: version 1.4.0 -> 2.0.0\n"
    assert cli("amend", "bump", repo=repo.root).stdout == f"{CONTRACT_PATH}: already at 2.0.0\n"
    refused = cli("amend", "accept", "deadbeef00", "--reason", "x", repo=repo.root)
    assert refused.exit_code == 1
    assert (
        refused.stderr
        == "workbench amend: error: no current finding has the fingerprint 'deadbeef00'\n"
    )
    text = cli("amend", "status", "--all", repo=repo.root).stdout
    assert "[needs you] Backward compatibility" in text and "[     done] Versioning" in text
    refreshed = cli("amend", "refresh", repo=repo.root)
    assert (
        refreshed.exit_code == 0
        and "record: amendments/orders-api/2.0.0.yaml (in progress)" in refreshed.stdout
    )
    notice = cli("amend", "notice", "--print", repo=repo.root).stdout
    assert "| Takes effect | 2026-03-01 |" in notice
    assert "**By 2026-03-01** — Adapt: issuer of corp changed" in notice


def test_an_unreadable_record_is_named_with_its_position(repo: Repo) -> None:
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    answer_everything(repo)
    record = repo.root / "amendments/orders-api/2.0.0.yaml"
    record.write_text(record.read_text().replace("format: 1", "format: 1\nformat: 2", 1))
    result = cli("check", repo=repo.root)
    assert result.exit_code == 1
    assert (
        "amendment record cannot be read: amendments/orders-api/2.0.0.yaml:4:1: error: "
        "duplicate key 'format' (first at line 3)"
    ) in result.stderr
    refused = cli("amend", "accept", "abcdef12", "-r", "x", repo=repo.root)
    assert refused.exit_code == 1 and "cannot be read" in refused.stderr
