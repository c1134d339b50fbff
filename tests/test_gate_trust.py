"""Trust the gate (issue 11): a read never writes, answers are never lost, the gate's policy
comes from the base, sign-offs are verified from git, the fingerprint sees every change, and
whatever cannot be judged fails. Every test builds real git repositories (the demo repository,
or the small orders contract) and runs the real command line."""

from __future__ import annotations

import threading
from pathlib import Path

from test_amendment_support import (
    CONTRACT,
    CONTRACT_PATH,
    Repo,
    cli,
    git_env,
    orders_repo,
    review,
)

from workbench.amendment.session import AmendmentSession
from workbench.demo import build_demo_repo

DRAFT = "contracts/payments/payments-api.yaml"
RECORD = "amendments/payments-api/4.0.0.yaml"
NOTICE = "amendments/payments-api/4.0.0.notice.md"
CHANGELOG = "contracts/payments/CHANGELOG.md"
NEW_ISSUER = ("issuer: https://login.example.com", "issuer: https://id.example.com")


def existing(root: Path) -> Repo:
    """A :class:`Repo` for a repository that already exists (the demo), as Ada Author."""
    repo = Repo.__new__(Repo)
    repo.root = root
    repo.env = git_env()
    repo.git("config", "user.name", "Ada Author")
    repo.git("config", "user.email", "ada@example.com")
    repo.git("config", "commit.gpgsign", "false")
    return repo


def demo(tmp_path: Path, branch: str | None = "amend") -> Repo:
    """The demo repository with its draft amendment of payments-api, on ``branch``."""
    repo = existing(build_demo_repo(tmp_path / "demo"))
    if branch:
        repo.git("checkout", "--quiet", "-b", branch)
    return repo


def fingerprints(repo: Repo, path: str = DRAFT, base: str | None = None) -> dict[str, str]:
    """rule -> fingerprint of the current findings of both families."""
    with AmendmentSession.open(path, repo=repo.root, base=base) as s:
        return {
            **{f.rule: f.fingerprint for f in s.report.findings},
            **{f.rule: f.fingerprint for f in s.report.security_findings},
        }


def ok(*args: str, repo: Repo) -> str:
    result = cli(*args, repo=repo.root)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result.stdout


def author_part(repo: Repo, base: str | None = None) -> None:
    """Everything the author answers for the demo draft (all but the reviewer's sign-off)."""
    on = ["--base", base] if base else []
    ok("amend", "bump", *on, repo=repo)
    fp = fingerprints(repo, base=base)
    ok(
        "amend",
        "accept",
        *on,
        fp["token.required-claim-added"],
        "-r",
        "SDK sends acr since 24.10",
        repo=repo,
    )
    ok(
        "amend",
        "accept",
        *on,
        fp["jwt.algorithm-confusion"],
        "-r",
        "Settlement batch until Q3 (SETTLE-88)",
        repo=repo,
    )
    ok("amend", "notice", *on, repo=repo)
    ok("amend", "changelog", *on, repo=repo)
    ok("amend", "notify", *on, "--all", repo=repo)


def reviewed_demo(tmp_path: Path) -> Repo:
    """The demo draft answered by Ada, committed on ``amend``, signed off by Grace (committed):
    ``check --base main`` passes."""
    repo = demo(tmp_path)
    author_part(repo)
    repo.commit("payments-api 4.0.0: shorter tokens, acr required")
    review(repo, DRAFT)
    result = cli("check", "--base", "main", repo=repo.root)
    assert result.exit_code == 0, result.stderr
    return repo


def gate(repo: Repo, *args: str):
    return cli("check", *args, repo=repo.root)


# --- a read never writes; no answer is lost -----------------------------------------------------


WRITES = [
    ("amend", "refresh"),
    ("amend", "start"),
    ("amend", "summary", "Another summary"),
    ("amend", "bump"),
    ("amend", "bump", "--version", "9.0.0"),
    ("amend", "accept", "0123456789abcdef", "-r", "a reason long enough"),
    ("amend", "withdraw", "0123456789abcdef"),
    ("amend", "sign-off"),
    ("amend", "notice"),
    ("amend", "changelog", "--replace"),
    ("amend", "notify", "--all"),
]


def test_no_write_path_touches_a_committed_amendment(tmp_path: Path) -> None:
    """After the amendment is committed, `amend refresh` rewrote its record as incomplete
    (required_bump none, completed null); now every write path says the contract is unchanged
    and writes nothing."""
    repo = demo(tmp_path, branch=None)
    author_part(repo)
    repo.commit("payments-api 4.0.0")
    before = repo.git("rev-parse", "HEAD:" + RECORD).strip()
    for args in WRITES:
        result = cli(*args[:2], "--contract", DRAFT, *args[2:], repo=repo.root)
        assert "contract unchanged since HEAD" in result.stdout + result.stderr, (args, result)
        assert repo.git("status", "--porcelain") == "", (args, repo.git("status"))
    assert repo.git("hash-object", RECORD).strip() == before


async def test_the_checklist_re_check_never_rewrites_a_committed_record(tmp_path: Path) -> None:
    """`r` in a checklist still open after the amendment was committed elsewhere."""
    from test_checklist_tui import SIZE, idle, open_checklist

    from workbench.tui.app import create_app
    from workbench.tui.settings import Settings

    repo = demo(tmp_path, branch=None)
    author_part(repo)
    app = create_app(repo.root, settings=Settings())
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_checklist(pilot)
        repo.commit("payments-api 4.0.0")  # from another terminal
        record = (repo.root / RECORD).read_bytes()
        await pilot.press("r")
        await idle(pilot, screen)
        assert (repo.root / RECORD).read_bytes() == record
        assert "contract unchanged since HEAD" in screen.last_note
    assert repo.git("status", "--porcelain") == ""


def test_a_change_without_findings_never_takes_over_the_previous_record(tmp_path: Path) -> None:
    repo = demo(tmp_path, branch=None)
    author_part(repo)
    repo.commit("payments-api 4.0.0")
    before = (repo.root / RECORD).read_bytes()
    repo.edit(DRAFT, "\n", "\n# a comment only\n")  # a change, but none that matters
    result = cli("amend", "refresh", "--contract", DRAFT, repo=repo.root)
    assert result.exit_code == 0
    result = cli("amend", "start", "--contract", DRAFT, repo=repo.root)
    assert result.exit_code == 1 and "no record to write" in result.stderr
    assert (repo.root / RECORD).read_bytes() == before
    assert repo.git("status", "--porcelain") == f" M {DRAFT}\n"


def test_two_hundred_concurrent_accept_pairs_lose_nothing(tmp_path: Path) -> None:
    """Two `amend accept` at the same moment lost one acceptance about one run in five while
    both printed "accepted". Record writes are serialised: every answer is kept."""
    from click.testing import CliRunner  # noqa: F401 - the same entry point, in threads

    from workbench.cli import main

    repo = orders_repo(tmp_path / "repo")
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    with AmendmentSession.open(CONTRACT_PATH, repo=repo.root) as s:
        issuer = next(f for f in s.report.findings if f.rule == "idp.issuer-changed").fingerprint
        overlap = next(
            f for f in s.report.security_findings if f.rule == "regression.rotation-overlap"
        ).fingerprint
    ok("amend", "start", repo=repo)
    record = repo.root / "amendments/orders-api/2.0.0.yaml"
    errors: list[str] = []

    def accept(fingerprint: str, reason: str, barrier: threading.Barrier) -> None:
        barrier.wait()
        try:
            main.main(
                ["amend", "accept", "--repo", str(repo.root), fingerprint, "-r", reason],
                standalone_mode=False,
            )
        except SystemExit as exc:  # pragma: no cover - a refusal would be a failure
            errors.append(f"exit {exc.code}")
        except Exception as exc:  # pragma: no cover
            errors.append(repr(exc))

    import yaml

    for round_ in range(200):
        barrier = threading.Barrier(2)
        a = f"issuer answer number {round_}"
        b = f"overlap answer number {round_}"
        threads = [
            threading.Thread(target=accept, args=(issuer, a, barrier)),
            threading.Thread(target=accept, args=(overlap, b, barrier)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        data = yaml.safe_load(record.read_text())
        reasons = {
            a["fingerprint"]: a["reason"]
            for step in ("compatibility", "security_review")
            for a in data["steps"][step]["accepted"]
        }
        assert reasons == {issuer: a, overlap: b}, round_


def test_contract_ids_that_differ_never_share_a_record(tmp_path: Path) -> None:
    """`pay:api` and `pay_api` mapped to the same record folder; the second took the first's
    record over."""
    repo = Repo(tmp_path / "repo")
    for cid in ("pay:api", "pay_api"):
        repo.write(f"contracts/{cid.replace(':', '-')}.yaml", CONTRACT.replace("orders-api", cid))
    repo.commit("Two contracts")
    for cid in ("pay:api", "pay_api"):
        path = f"contracts/{cid.replace(':', '-')}.yaml"
        repo.edit(path, *NEW_ISSUER)
        ok("amend", "start", "--contract", path, "--summary", f"summary of {cid}", repo=repo)
    first = cli("amend", "status", "--contract", "contracts/pay-api.yaml", repo=repo.root).stdout
    second = cli("amend", "status", "--contract", "contracts/pay_api.yaml", repo=repo.root).stdout
    assert "record: amendments/pay~api/2.0.0.yaml" in first
    assert "record: amendments/pay_api/2.0.0.yaml" in second
    import yaml

    for folder, cid in (("pay~api", "pay:api"), ("pay_api", "pay_api")):
        data = yaml.safe_load((repo.root / f"amendments/{folder}/2.0.0.yaml").read_text())
        assert (data["contract"], data["summary"]) == (cid, f"summary of {cid}")


def test_moving_the_version_never_leaves_a_complete_record_without_its_notice(
    tmp_path: Path,
) -> None:
    """`amend bump --version` deleted the notice file while the record stayed complete (bump
    away and back: the record named a notice that no longer existed)."""
    repo = demo(tmp_path, branch=None)
    author_part(repo)
    ok("amend", "bump", "--version", "5.0.0", repo=repo)
    assert not (repo.root / NOTICE).exists()
    ok("amend", "bump", "--version", "4.0.0", repo=repo)
    status = cli("amend", "status", repo=repo.root)
    assert status.exit_code == 1
    assert "amendment notice not generated yet" in status.stdout
    result = gate(repo)
    assert result.exit_code == 1 and "notice" in result.stderr
    # and deleting the notice by hand is seen too
    ok("amend", "notice", repo=repo)
    (repo.root / NOTICE).unlink()
    result = gate(repo)
    assert result.exit_code == 1
    assert f"Communication: [missing] {NOTICE} is missing" in result.stderr
