"""The demo repository: a real git history built from the sample stories."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from workbench.cli import main
from workbench.demo import DemoCommit, DemoError, build_demo_repo, fast_import_stream, load_plan
from workbench.sources import artefact_id, kind_of, load_document_bytes

SAMPLES = Path(__file__).resolve().parents[1] / "sample_contracts"
PAYMENTS = "contracts/payments/payments-api.yaml"
PARTNER_OLD = "contracts/partner-api.yaml"
PARTNER_NEW = "contracts/partner/partner-api.yaml"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def plan():
    return load_plan()


@pytest.fixture(scope="module")
def log(demo_repo: Path) -> list[dict[str, str]]:
    """Every commit, oldest first."""
    fmt = "%H%x1f%an%x1f%ae%x1f%aI%x1f%cn%x1f%ce%x1f%cI%x1f%B%x1e"
    out = git(demo_repo, "log", "--reverse", f"--format={fmt}")
    keys = ("sha", "an", "ae", "ad", "cn", "ce", "cd", "message")
    return [
        dict(zip(keys, rec.strip("\n").split("\x1f"), strict=True))
        for rec in out.split("\x1e")[:-1]
    ]


# --- the plan --------------------------------------------------------------------------------


def test_plan_interleaves_every_story_by_date(plan) -> None:
    dates = [c.date for c in plan.commits]
    assert dates == sorted(dates)
    assert len(plan.commits) >= 32
    contracts = [c.contract for c in plan.commits if c.contract]
    assert set(contracts) == {
        "payments-api",
        "ledger-service",
        "wallet-app",
        "partner-api",
        "idp-login-discovery",  # artefacts are named by their paths
        "openapi-merchant-api",
        "keycloak-customers",
    }
    kinds = {c.contract: c.kind for c in plan.commits if c.contract}
    assert kinds["idp-login-discovery"] == "oidc-discovery"
    assert kinds["openapi-merchant-api"] == "openapi"
    assert kinds["keycloak-customers"] == "keycloak-realm"
    assert [d.path for d in plan.drafts] == [PAYMENTS]


def test_fast_import_stream_counts_bytes_not_characters() -> None:
    date = datetime.fromisoformat("2024-05-02T10:26:45+02:00")
    commit = DemoCommit(
        date=date,
        author="Sofía Herrera",
        email="sofia@example.com",
        message="Résumé of the change\n\nBody.",
        files={"c/a.yaml": "title: Café\n".encode()},
        deletes=("c/old.yaml",),
    )
    stream = fast_import_stream([commit])
    assert "author Sofía Herrera <sofia@example.com> 1714638405 +0200\n".encode() in stream
    message = "Résumé of the change\n\nBody.\n".encode()
    assert b"data %d\n" % len(message) + message in stream
    assert b"D c/old.yaml\nM 100644 inline c/a.yaml\ndata 13\ntitle: Caf\xc3\xa9\n" in stream
    assert stream.endswith(b"done\n")


def test_identities_git_would_reject_are_refused() -> None:
    date = datetime.fromisoformat("2024-05-02T10:26:45+02:00")
    bad = DemoCommit(date=date, author="Eve <evil>", email="e@example.com", message="m")
    with pytest.raises(DemoError, match="characters git refuses"):
        fast_import_stream([bad])


# --- the repository --------------------------------------------------------------------------


def test_demo_repo_has_one_commit_per_story_entry(demo_repo: Path, log, plan) -> None:
    assert len(log) == len(plan.commits) >= 32
    assert git(demo_repo, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert git(demo_repo, "branch", "--format=%(refname:short)").split() == ["main"]


def test_commits_carry_the_story_authors_dates_and_messages(log, plan) -> None:
    for commit, expected in zip(log, plan.commits, strict=True):
        assert (commit["an"], commit["ae"]) == (expected.author, expected.email)
        assert (commit["cn"], commit["ce"]) == (expected.author, expected.email)
        assert datetime.fromisoformat(commit["ad"]) == expected.date
        assert commit["ad"] == expected.date.isoformat()  # the offset is kept too
        assert commit["message"].rstrip("\n") == expected.message.rstrip("\n")
    assert any(c["an"] == "Sofía Herrera" for c in log)


def test_head_contracts_equal_the_top_level_samples(demo_repo: Path) -> None:
    files = git(demo_repo, "ls-files").split()
    contracts = sorted(f for f in files if f.startswith("contracts/") and f.endswith(".yaml"))
    assert contracts == [
        "contracts/internal/ledger-service.yaml",
        "contracts/mobile/wallet-app.yaml",
        PARTNER_NEW,
        PAYMENTS,
        "contracts/teams.yaml",
    ]
    for path in contracts[:-1]:
        committed = git(demo_repo, "show", f"HEAD:{path}")
        assert committed == (SAMPLES / Path(path).name).read_text(encoding="utf-8")


def test_every_contract_revision_in_history_loads(demo_repo: Path, plan) -> None:
    shas = git(demo_repo, "rev-list", "--reverse", "HEAD").split()
    for sha, commit in zip(shas, plan.commits, strict=True):
        if commit.contract:
            raw = subprocess.run(
                ["git", "show", f"{sha}:{commit.path}"], cwd=demo_repo, capture_output=True
            ).stdout
            contract = load_document_bytes(
                raw, f"{sha[:7]}:{commit.path}", contract_id=artefact_id(commit.path)
            )
            assert (contract.id, contract.version or None) == (commit.contract, commit.version)
            assert kind_of(contract) == commit.kind


def test_rename_is_followed_by_git(demo_repo: Path) -> None:
    out = git(demo_repo, "log", "--follow", "--name-status", "--format=%s", "--", PARTNER_NEW)
    assert f"R100\t{PARTNER_OLD}\t{PARTNER_NEW}" in out
    assert out.rstrip().endswith(f"A\t{PARTNER_OLD}")
    assert not (demo_repo / PARTNER_OLD).exists()


def test_draft_amendment_is_left_in_the_working_tree(demo_repo: Path) -> None:
    assert git(demo_repo, "status", "--porcelain").splitlines() == [f" M {PAYMENTS}"]
    story = yaml.safe_load((SAMPLES / "history/payments-api/story.yaml").read_text())
    draft = (SAMPLES / "history/payments-api" / story["draft"]["file"]).read_bytes()
    assert (demo_repo / PAYMENTS).read_bytes() == draft
    diff = git(demo_repo, "diff", "--", PAYMENTS)
    assert "-    lifetime: 15m" in diff and "+    lifetime: 5m" in diff
    assert "version:" not in diff, "the draft is not bumped yet"


def test_no_draft_leaves_a_clean_tree(demo_repo_clean: Path) -> None:
    assert git(demo_repo_clean, "status", "--porcelain") == ""


def test_builds_are_reproducible(demo_repo: Path, demo_repo_clean: Path) -> None:
    # Same stories, same commit ids: snapshot tests and docs can name demo commits.
    assert git(demo_repo, "rev-parse", "HEAD") == git(demo_repo_clean, "rev-parse", "HEAD")
    tags = git(demo_repo, "show-ref", "--tags")
    assert tags == git(demo_repo_clean, "show-ref", "--tags")


def test_non_contract_files_readme_and_changelogs(demo_repo: Path) -> None:
    for path in ("README.md", ".github/workflows/contracts.yaml", "contracts/teams.yaml"):
        assert (demo_repo / path).is_file()
    for area, cid in [("payments", "payments-api"), ("partner", "partner-api")]:
        text = (demo_repo / "contracts" / area / "CHANGELOG.md").read_text()
        assert text.startswith(f"# Changelog: {cid}\n")
        assert "## [Unreleased]" in text and "## [1.0.0] - " in text
    assert "## [3.2.0] - 2025-03-04" in (demo_repo / "contracts/payments/CHANGELOG.md").read_text()


def test_major_versions_are_tagged(demo_repo: Path) -> None:
    tags = git(demo_repo, "tag", "--list").split()
    assert {"payments-api/v1.0.0", "payments-api/v2.0.0", "payments-api/v3.0.0"} <= set(tags)
    assert "partner-api/v3.0.0" in tags
    shown = git(demo_repo, "show", "payments-api/v3.0.0:" + PAYMENTS)
    assert "version: 3.0.0\n" in shown
    assert git(demo_repo, "cat-file", "-t", "payments-api/v3.0.0").strip() == "tag"


# --- errors ----------------------------------------------------------------------------------


def test_refuses_a_non_empty_destination(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(DemoError) as info:
        build_demo_repo(tmp_path)
    assert "not empty" in str(info.value) and "\n" not in str(info.value)
    assert isinstance(info.value, ValueError) and info.value.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_refuses_a_file_as_destination(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(DemoError, match="not a directory"):
        build_demo_repo(target)


def test_builds_into_an_existing_empty_directory_and_new_parents(tmp_path: Path) -> None:
    assert build_demo_repo(tmp_path, draft=False) == tmp_path.resolve()
    nested = build_demo_repo(tmp_path / "a" / "b")
    assert (nested / ".git").is_dir()


def test_malformed_stories_give_one_line_errors(tmp_path: Path) -> None:
    story_dir = tmp_path / "history" / "broken"
    story_dir.mkdir(parents=True)
    cases = {
        "revisions: {}\n": "a story is a mapping with a 'revisions' list",
        "contract: other\nrevisions: []\n": "'contract' must be 'broken'",
        "contract: broken\nrevisions:\n  - file: 01-missing.yaml\n": "does not exist",
        "contract: broken\nrevisions: [\n": "cannot read story",
    }
    for text, message in cases.items():
        (story_dir / "story.yaml").write_text(text)
        with pytest.raises(DemoError) as info:
            load_plan(tmp_path)
        assert message in str(info.value) and "\n" not in str(info.value)
        assert info.value.exit_code == 1
    (story_dir / "01-a.yaml").write_text("contract: broken\nversion: 1.0.0\n")
    (story_dir / "story.yaml").write_text(
        "contract: broken\nrevisions:\n  - {file: 01-a.yaml, path: c/a.yaml, author: A,"
        " email: a@example.com, date: '2024-13-01T00:00:00+00:00', message: m}\n"
    )
    with pytest.raises(DemoError, match="is not ISO 8601"):
        load_plan(tmp_path)


# --- the command -----------------------------------------------------------------------------


def test_demo_command_no_open_prints_only_the_path(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "--no-open", str(target)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{target.resolve()}\n"
    assert (target / ".git").is_dir()
    assert git(target, "status", "--porcelain").strip() == f"M {PAYMENTS}"


def test_demo_command_no_draft(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--no-open", "--no-draft", str(tmp_path / "d")])
    assert result.exit_code == 0
    assert git(tmp_path / "d", "status", "--porcelain") == ""


def test_demo_command_without_dir_uses_a_fresh_temporary_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = CliRunner().invoke(main, ["demo", "--no-open"])
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    assert path.parent == tmp_path.resolve() and path.name.startswith("workbench-demo-")
    assert (path / ".git").is_dir()


def test_demo_command_refuses_a_non_empty_dir(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("x")
    result = CliRunner().invoke(main, ["demo", "--no-open", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "not empty" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_in_a_subprocess_without_any_git_identity(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GIT_") and k not in ("EMAIL", "XDG_CONFIG_HOME")
    }
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    target = tmp_path / "demo"
    code = "import sys; from workbench.cli import main; sys.argv[0] = 'workbench'; main()"
    run = subprocess.run(
        [sys.executable, "-c", code, "demo", "--no-open", str(target)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == f"{target.resolve()}\n"
    again = subprocess.run(
        [sys.executable, "-c", code, "demo", "--no-open", str(target)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 2
    assert again.stderr.startswith("workbench demo: error: ") and again.stderr.count("\n") == 1
