"""Trust the gate (issue 11): a read never writes, answers are never lost, the gate's policy
comes from the base, sign-offs are verified from git, the fingerprint sees every change, and
whatever cannot be judged fails. Every test builds real git repositories (the demo repository,
or the small orders contract) and runs the real command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from amendment_support import (
    CONTRACT,
    CONTRACT_PATH,
    REVIEWER,
    Repo,
    cli,
    git_env,
    identity_of,
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
    from tui_harness import SIZE, checklist_idle, make_app, open_checklist, press

    repo = demo(tmp_path, branch=None)
    author_part(repo)
    app = make_app(repo.root)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_checklist(pilot)
        repo.commit("payments-api 4.0.0")  # from another terminal
        record = (repo.root / RECORD).read_bytes()
        await press(pilot, "r")
        await checklist_idle(pilot, screen)
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


def new_issuer_fingerprints(repo: Repo) -> tuple[str, str]:
    """The fingerprints of the two findings a new issuer brings: the issuer change and the
    rotation without enough overlap."""
    with AmendmentSession.open(CONTRACT_PATH, repo=repo.root) as s:
        issuer = next(f for f in s.report.findings if f.rule == "idp.issuer-changed")
        overlap = next(
            f for f in s.report.security_findings if f.rule == "regression.rotation-overlap"
        )
    return issuer.fingerprint, overlap.fingerprint


def test_concurrent_accept_pairs_lose_nothing(tmp_path: Path) -> None:
    """Two `amend accept` at the same moment lost one acceptance about one run in five while
    both printed "accepted". Record writes are serialised: every answer is kept. (Without the
    lock an answer is lost in the first round; fifty rounds, not two hundred, show it is held.)"""
    from click.testing import CliRunner  # noqa: F401 - the same entry point, in threads

    from workbench.cli import main

    repo = orders_repo(tmp_path / "repo")
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    issuer, overlap = new_issuer_fingerprints(repo)
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

    for round_ in range(50):
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


# --- the gate's policy comes from the base --------------------------------------------------------


def branch_with_change(tmp_path: Path, old: str, new: str) -> Repo:
    """The orders contract on ``main``; on branch ``change`` a committed edit ``old -> new``."""
    repo = orders_repo(tmp_path / "repo")
    repo.git("checkout", "--quiet", "-b", "change")
    repo.edit(CONTRACT_PATH, old, new)
    repo.commit("An amendment", CONTRACT_PATH)
    return repo


ADD_SCOPE = (
    "  orders:write: Create orders\n",
    "  orders:write: Create orders\n  orders:export: Export\n",
)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (".workbench.yaml", "amendments: {min_bump: major}\n"),
        (".workbench.yaml", "contracts: {exclude: ['contracts/**']}\n"),
        (".workbench.yaml", "amendments: {require_reviewer: false, min_bump: major}\n"),
    ],
)
def test_a_branch_cannot_switch_off_its_own_gate(tmp_path: Path, name: str, text: str) -> None:
    """A branch committing a laxer .workbench.yaml passed `check --base main`."""
    repo = branch_with_change(tmp_path, *NEW_ISSUER)
    repo.write(name, text)
    repo.commit("Relax the gate", name)
    result = gate(repo, "--base", "main")
    assert result.exit_code == 1
    out = result.stderr
    assert f"FAIL {CONTRACT_PATH} (orders-api 1.4.0 -> " not in out  # not bumped: still judged
    assert f"FAIL {CONTRACT_PATH} (orders-api 1.4.0, not bumped yet, breaking)" in out
    assert "FAIL .workbench.yaml (the gate's policy:" in out
    assert "needs a verified sign-off: no sign-off committed" in out
    base = repo.git("merge-base", "main", "HEAD").strip()
    assert f"policy: defaults (no .workbench.yaml or .workbench-ignore.yaml at {base[:12]}" in out


def test_an_ignore_entry_accepting_its_own_finding_does_not_count_until_merged(
    tmp_path: Path,
) -> None:
    repo = branch_with_change(tmp_path, *NEW_ISSUER)
    fp = fingerprints(repo, CONTRACT_PATH, base="main")["idp.issuer-changed"]
    repo.write(
        ".workbench-ignore.yaml",
        f"ignore:\n  - fingerprint: {fp}\n    reason: we say so ourselves\n",
    )
    repo.commit("Accept it in the ignore file", ".workbench-ignore.yaml")
    result = gate(repo, "--base", "main", "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    by_path = {c["path"]: c for c in data["contracts"]}
    assert by_path[".workbench-ignore.yaml"]["state"] == "fail"
    contract = by_path[CONTRACT_PATH]
    assert contract["state"] == "fail"
    assert any("issuer of corp changed" in line for line in contract["missing"])
    assert data["policy"]["files"][".workbench-ignore.yaml"] is None  # the base has none


def test_untracked_policy_files_are_ignored_by_the_commit_gate(tmp_path: Path) -> None:
    """An untracked .workbench.yaml excluding the contract made `check --staged` say
    "nothing to check"."""
    repo = orders_repo(tmp_path / "repo")
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    repo.git("add", CONTRACT_PATH)
    repo.write(".workbench.yaml", "contracts: {exclude: ['contracts/**']}\n")
    result = gate(repo, "--staged")
    assert result.exit_code == 1
    assert "nothing to check" not in result.stdout + result.stderr
    assert f"FAIL {CONTRACT_PATH}" in result.stderr
    head = repo.git("rev-parse", "HEAD").strip()
    assert f"at HEAD {head[:12]}" in result.stderr


def test_a_reviewed_policy_change_passes_and_the_report_names_the_policy(tmp_path: Path) -> None:
    repo = orders_repo(tmp_path / "repo")
    repo.write(".workbench.yaml", "security: {fail_on: high}\n")
    repo.commit("A policy", ".workbench.yaml")
    repo.git("checkout", "--quiet", "-b", "policy")
    repo.write(".workbench.yaml", "security: {fail_on: critical}\n")
    repo.commit("Only critical findings fail", ".workbench.yaml")
    result = gate(repo, "--base", "main")
    assert result.exit_code == 1
    assert 'security.fail_on "high" -> "critical"' in result.stderr
    # the author cannot sign off their own policy change
    refused = cli("amend", "sign-off-policy", "--base", "main", repo=repo.root)
    assert refused.exit_code == 1 and "authored commit" in refused.stderr
    with identity_of(repo, *REVIEWER):
        signed = cli("amend", "sign-off-policy", "--base", "main", repo=repo.root)
        assert signed.exit_code == 0, signed.stderr
        repo.commit("Review of the policy change")
    result = gate(repo, "--base", "main")
    assert result.exit_code == 0, result.stderr
    base = repo.git("merge-base", "main", "HEAD").strip()
    assert f"policy: .workbench.yaml at {base[:12]} (the merge base with main)" in result.stdout
    assert "ok   .workbench.yaml (the gate's policy: security.fail_on" in result.stdout
    assert "signed off, committed by Grace Reviewer <grace@example.com>" in result.stdout


# --- verifiable sign-offs -------------------------------------------------------------------------


def record_data(repo: Repo, rel: str = RECORD) -> dict:
    import yaml

    return yaml.safe_load((repo.root / rel).read_text())


def write_record(repo: Repo, data: dict, rel: str = RECORD) -> None:
    import yaml

    (repo.root / rel).write_text(yaml.safe_dump(data, sort_keys=False))


def hand_sign(repo: Repo, reviewer: str, email: str, rel: str = RECORD) -> None:
    """Write a sign-off into the record by hand, with the current change set's fingerprint."""
    with AmendmentSession.open(DRAFT, repo=repo.root, base="main") as s:
        fingerprint = s.checklist.fingerprint
    data = record_data(repo, rel)
    data["steps"]["security_review"]["sign_off"] = {
        "reviewer": reviewer,
        "email": email,
        "at": "2026-11-28T18:05:50+00:00",
        "fingerprint": fingerprint,
    }
    write_record(repo, data, rel)


def authored_demo(tmp_path: Path) -> Repo:
    repo = demo(tmp_path)
    author_part(repo)
    repo.commit("payments-api 4.0.0")
    return repo


def test_the_author_cannot_sign_off_for_someone_else(tmp_path: Path) -> None:
    """`amend sign-off --reviewer "Grace Reviewer" --email grace@example.com` by the author was
    accepted; a sign-off the author writes into the record by hand is refused by the gate."""
    repo = authored_demo(tmp_path)
    result = cli(
        "amend", "sign-off", "--base", "main", "--reviewer", "Grace Reviewer",
        "--email", "grace@example.com", repo=repo.root,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "is not you (Ada Author <ada@example.com>, from git config)" in result.stderr
    hand_sign(repo, *REVIEWER)
    repo.commit("Security review (written by the author)")
    result = gate(repo, "--base", "main")
    assert result.exit_code == 1
    assert (
        "the sign-off names Grace Reviewer <grace@example.com> but commit" in result.stderr
        and "is authored by Ada Author <ada@example.com>" in result.stderr
    )


@pytest.mark.parametrize(
    ("name", "email"),
    [
        ("Ada Author.", "ada.other@example.org"),  # a trailing dot
        ("Ada\u200bAuthor", "someone@example.org"),  # a zero-width space
        ("\u0410da Author", "someone@example.org"),  # a Cyrillic A
        ("A. Nother", "ada+x@example.com"),  # a +tag alias of the author's email
        ("ADA AUTHOR", "someone@example.org"),  # case
    ],
)
def test_variants_of_the_authors_name_are_the_author(tmp_path: Path, name: str, email: str) -> None:
    repo = authored_demo(tmp_path)
    with identity_of(repo, name, email):
        refused = cli("amend", "sign-off", "--base", "main", repo=repo.root)
        assert refused.exit_code == 1, refused.stdout
        assert any(
            why in refused.stderr for why in ("is the author", "authored commit", "mixes scripts")
        ), refused.stderr
        hand_sign(repo, name, email)  # and written by hand, committed under that name
        repo.commit("Security review")
    result = gate(repo, "--base", "main")
    assert result.exit_code == 1
    assert "does not count" in result.stderr
    assert any(
        why in result.stderr
        for why in ("is the author of the amendment", "also authored commit", "mixing scripts")
    ), result.stderr


def test_hand_edited_author_and_hand_written_records_are_refused(tmp_path: Path) -> None:
    """A hand-edited `author:` or a hand-written record with a copied fingerprint passed."""
    repo = authored_demo(tmp_path)
    data = record_data(repo)
    data["author"] = {"name": "Someone Else", "email": "else@example.com"}
    write_record(repo, data)
    hand_sign(repo, "Ada Author", "ada@example.com")  # "not the author" any more?
    repo.commit("Edited record")
    result = gate(repo, "--base", "main")
    assert result.exit_code == 1
    assert "also authored commit" in result.stderr
    # a short hand-written record with the fingerprint copied from `amend status`
    with AmendmentSession.open(DRAFT, repo=repo.root, base="main") as s:
        fingerprint = s.checklist.fingerprint
    (repo.root / RECORD).write_text(
        "format: 1\ncontract: payments-api\npath: contracts/payments/payments-api.yaml\n"
        "from_version: 3.2.0\nto_version: 4.0.0\nrequired_bump: major\n"
        f"fingerprint: {fingerprint}\n"
        f"completed: {{by: Grace Reviewer, at: '2026-11-28T18:05:50+00:00', fingerprint: {fingerprint}}}\n"
        "summary: ''\neffective: null\nsteps:\n  security_review:\n    sign_off:\n"
        "      reviewer: Grace Reviewer\n      email: grace@example.com\n"
        f"      at: '2026-11-28T18:05:50+00:00'\n      fingerprint: {fingerprint}\n"
    )
    repo.commit("A record written by hand")
    result = gate(repo, "--base", "main")
    assert result.exit_code == 1
    out = result.stderr
    assert "is authored by Ada Author <ada@example.com>" in out
    assert "amendment notice not generated yet" in out


def _ssh_key(tmp_path: Path, name: str) -> tuple[Path, str]:
    key = tmp_path / f"{name}_key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key, (tmp_path / f"{name}_key.pub").read_text().strip()


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_signed_sign_offs_with_real_ssh_keys(tmp_path: Path) -> None:
    """`require_signed_signoff: true`: only the reviewer's own signed commit counts."""
    grace_key, grace_pub = _ssh_key(tmp_path, "grace")
    ada_key, ada_pub = _ssh_key(tmp_path, "ada")
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"grace@example.com {grace_pub}\nada@example.com {ada_pub}\n")
    repo = orders_repo(tmp_path / "repo")
    repo.git("config", "gpg.format", "ssh")
    repo.git("config", "gpg.ssh.allowedSignersFile", str(allowed))
    repo.write(".workbench.yaml", "amendments: {require_signed_signoff: true}\n")
    repo.commit("Signed sign-offs only", ".workbench.yaml")
    repo.git("checkout", "--quiet", "-b", "amend")
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    issuer, overlap = new_issuer_fingerprints(repo)
    for args in (
        ("amend", "bump"),
        ("amend", "accept", issuer, "-r", "Verifiers read the issuer from discovery"),
        ("amend", "accept", overlap, "-r", "Night cut-over, 15m tokens"),
        ("amend", "notice"),
        ("amend", "changelog"),
        ("amend", "notify", "--all"),
    ):
        ok(*args, repo=repo)
    repo.commit("Move to the new issuer")
    head = repo.git("rev-parse", "HEAD").strip()

    # 1. the author forges the reviewer as the commit's author: unsigned, refused
    with identity_of(repo, *REVIEWER):
        ok("amend", "sign-off", "--base", "main", repo=repo)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "review", "--author", "Grace Reviewer <grace@example.com>")
    result = gate(repo, "--base", "main")
    assert result.exit_code == 1 and "must be signed" in result.stderr
    assert "the commit is not signed" in result.stderr

    # 2. ... signed with the author's own key: refused (signed by someone else)
    repo.git("reset", "-q", "--hard", head)
    with identity_of(repo, *REVIEWER):
        ok("amend", "sign-off", "--base", "main", repo=repo)
    repo.git("add", "-A")
    repo.git(
        "-c", f"user.signingkey={ada_key}", "commit", "-q", "-S", "-m", "review",
        "--author", "Grace Reviewer <grace@example.com>",
    )  # fmt: skip
    result = gate(repo, "--base", "main")
    assert result.exit_code == 1
    assert "is signed by ada@example.com, not by its author Grace Reviewer" in result.stderr

    # 3. the reviewer's own signed commit passes
    repo.git("reset", "-q", "--hard", head)
    with identity_of(repo, *REVIEWER):
        ok("amend", "sign-off", "--base", "main", repo=repo)
        repo.git("add", "-A")
        repo.git("-c", f"user.signingkey={grace_key}", "commit", "-q", "-S", "-m", "Review")
    assert repo.git("log", "-1", "--format=%G?").strip() == "G"
    result = gate(repo, "--base", "main")
    assert result.exit_code == 0, result.stderr
    assert "(signed)" in result.stdout or "complete for change set" in result.stdout

    # 4. a tampered record is refused: the sign-off edited afterwards, or the notice's hash
    rel = "amendments/orders-api/2.0.0.yaml"
    data = record_data(repo, rel)
    data["steps"]["security_review"]["sign_off"]["comment"] = "looks fine"
    write_record(repo, data, rel)
    repo.commit("Touch up the sign-off")
    result = gate(repo, "--base", "main")
    assert result.exit_code == 1 and "is authored by Ada Author" in result.stderr
    repo.git("reset", "-q", "--hard", "HEAD~1")
    data = record_data(repo, rel)
    data["steps"]["communication"]["notice"]["sha256"] = "0" * 64
    write_record(repo, data, rel)
    repo.commit("Touch up the notice hash")
    result = gate(repo, "--base", "main")
    assert result.exit_code == 1
    assert "was edited or replaced since it was generated" in result.stderr


# --- the fingerprint sees every change; the notice and changelog are bound by hash ---------------

ADDED_ERROR = (
    "  insufficient_scope:\n",
    "  acr_too_weak:\n    status: 401\n    description: The session's acr is below what the"
    " endpoint requires.\n  insufficient_scope:\n",
)


def test_every_part_of_a_completed_amendment_is_bound(tmp_path: Path) -> None:
    """After a completed sign-off, removing an endpoint's security requirement, changing an
    added claim's type or adding an enum, or changing an added error's status kept the same
    change-set fingerprint; replacing or deleting the notice was not noticed."""
    repo = demo(tmp_path)
    repo.edit(DRAFT, *ADDED_ERROR)
    author_part(repo)
    repo.commit("payments-api 4.0.0")
    review(repo, DRAFT)
    assert gate(repo, "--base", "main").exit_code == 0
    reviewed = repo.git("rev-parse", "HEAD").strip()

    def contract(old: str, new: str):
        def change() -> None:
            repo.edit(DRAFT, old, new)

        return change

    def notice_replaced() -> None:
        (repo.root / NOTICE).write_text("# Amendment notice\n\nNothing to see.\n")

    def notice_deleted() -> None:
        (repo.root / NOTICE).unlink()

    def changelog_edited() -> None:
        repo.edit(CHANGELOG, "must now carry claim acr", "may carry claim acr")

    mutations = {
        "endpoint security removed": (
            contract("    security:\n      - access_token: [payments:read]\n", ""),
            "stale: the record was completed for change set",
        ),
        "added claim's type": (
            contract("acr: {type: string,", "acr: {type: integer,"),
            "stale: the record was completed for change set",
        ),
        "added claim's enum": (
            contract("acr: {type: string,", "acr: {type: string, enum: [silver, gold],"),
            "stale: the record was completed for change set",
        ),
        "added error's status": (
            contract("  acr_too_weak:\n    status: 401", "  acr_too_weak:\n    status: 403"),
            "stale: the record was completed for change set",
        ),
        "notice replaced": (notice_replaced, "was edited or replaced since it was generated"),
        "notice deleted": (notice_deleted, f"{NOTICE} is missing"),
        "changelog edited": (changelog_edited, "was edited since it was recorded"),
    }
    for name, (mutate, expected) in mutations.items():
        mutate()
        repo.commit(f"Afterwards: {name}")
        result = gate(repo, "--base", "main")
        assert result.exit_code == 1, name
        assert expected in result.stderr, (name, result.stderr)
        repo.git("reset", "--quiet", "--hard", reviewed)


def test_the_fingerprint_covers_paths_the_findings_do_not_describe() -> None:
    from workbench.contract.loader import load_contract_text
    from workbench.engine import compare

    base = CONTRACT.replace("  invalid_token:\n", "  invalid_token:\n", 1)
    added = base.replace(
        "errors:\n", "errors:\n  too_weak:\n    status: 401\n    description: Too weak.\n", 1
    )
    other = added.replace(
        "status: 401\n    description: Too weak.", "status: 403\n    description: Too weak."
    )
    old = load_contract_text(base, "a.yaml")
    one, two = load_contract_text(added, "b.yaml"), load_contract_text(other, "c.yaml")
    assert compare(old, one).verdict.fingerprint != compare(old, two).verdict.fingerprint
    # and the version alone is not a change of the change set (bumping keeps the answers)
    bumped = load_contract_text(added.replace('"1.4.0"', '"1.5.0"'), "d.yaml")
    assert compare(old, one).verdict.fingerprint == compare(old, bumped).verdict.fingerprint


# --- fail closed ----------------------------------------------------------------------------------


def test_a_contract_written_with_a_merge_key_is_judged(tmp_path: Path) -> None:
    """A contract rewritten in block style with its identity behind a merge key
    (``<<: *identity``) was not recognized as a contract: "nothing to check"."""
    import yaml

    repo = orders_repo(tmp_path / "repo")
    repo.git("checkout", "--quiet", "-b", "change")
    data = yaml.safe_load(CONTRACT.replace(*NEW_ISSUER))
    del data["contract"], data["version"]
    body = yaml.safe_dump(data, default_flow_style=False, sort_keys=False)
    assert "{" not in body  # block style only: nothing that looks like flow YAML
    text = 'x-identity: &identity\n  contract: orders-api\n  version: "1.4.0"\n<<: *identity\n'
    repo.write(CONTRACT_PATH, text + body)
    repo.commit("Identity from an anchor", CONTRACT_PATH)
    result = gate(repo, "--base", "main")
    assert result.exit_code == 1
    assert f"FAIL {CONTRACT_PATH} (orders-api 1.4.0, not bumped yet, breaking)" in result.stderr
    # a new contract written that way is found too
    repo.write("contracts/new.yaml", (text + body).replace("orders-api", "new-api"))
    result = gate(repo)
    assert "contracts/new.yaml (new-api" in result.stdout + result.stderr


def test_a_contract_path_with_a_newline_fails_with_the_reason(tmp_path: Path) -> None:
    repo = orders_repo(tmp_path / "repo")
    repo.git("checkout", "--quiet", "-b", "change")
    odd = "contracts/orders/orders\napi.yaml"
    repo.git("mv", CONTRACT_PATH, odd)
    repo.edit(odd, *NEW_ISSUER)
    repo.commit("Move and change", odd)
    result = gate(repo, "--base", "main")
    assert result.exit_code == 1
    assert "the path holds the character U+000A" in result.stderr
    assert "FAIL contracts/orders/orders\\napi.yaml (the path holds" in result.stderr
    assert "nothing to check" not in result.stdout


def test_an_unretired_contract_staged_with_its_file_deleted_is_judged_as_staged(
    tmp_path: Path,
) -> None:
    """HEAD has it retired; the index un-retires it with a breaking change; the working-tree
    file is deleted: the gate said "deleted after it was retired" and let it through."""
    repo = orders_repo(
        tmp_path / "repo", text=CONTRACT.replace("status: active", "status: retired")
    )
    repo.edit(CONTRACT_PATH, "status: retired", "status: active")
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    repo.git("add", CONTRACT_PATH)
    (repo.root / CONTRACT_PATH).unlink()
    result = gate(repo, "--staged")
    assert result.exit_code == 1
    assert "deleted after it was retired" not in result.stdout + result.stderr
    assert f"FAIL {CONTRACT_PATH} (orders-api 1.4.0, not bumped yet, breaking)" in result.stderr


def test_an_unreadable_head_blob_fails_instead_of_passing_as_new(tmp_path: Path) -> None:
    repo = orders_repo(tmp_path / "repo")
    blob = repo.git("rev-parse", f"HEAD:{CONTRACT_PATH}").strip()
    (repo.root / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    repo.write(CONTRACT_PATH, CONTRACT.replace(*NEW_ISSUER))
    result = gate(repo)
    assert result.exit_code == 1
    assert "cannot be read at" in result.stderr and "cannot be judged" in result.stderr
    assert "needs only to validate" not in result.stdout + result.stderr


def test_a_contract_in_a_submodule_fails_from_the_superproject(tmp_path: Path) -> None:
    sub = orders_repo(tmp_path / "sub")
    top = Repo(tmp_path / "top")
    top.write("README.md", "the superproject\n")
    top.commit("Start")
    top.git("-c", "protocol.file.allow=always", "submodule", "--quiet", "add", str(sub.root), "sub")
    top.commit("Add the contracts as a submodule")
    top.git("checkout", "--quiet", "-b", "change")
    inner = Repo.__new__(Repo)
    inner.root, inner.env = top.root / "sub", git_env()
    inner.git("config", "user.name", "Ada Author")
    inner.git("config", "user.email", "ada@example.com")
    inner.edit(CONTRACT_PATH, *NEW_ISSUER)
    result = gate(top)  # the working tree of the submodule
    assert result.exit_code == 1
    assert f"sub/{CONTRACT_PATH}" in result.stderr and "submodule" in result.stderr
    inner.commit("Breaking change inside the submodule", CONTRACT_PATH)
    top.commit("Bump the submodule", "sub")
    result = gate(top, "--base", "main")
    assert result.exit_code == 1
    assert "contracts changed inside submodule sub" in result.stderr
    assert "nothing to check" not in result.stdout


def test_merging_recorded_amendments_from_the_base_needs_no_new_record(tmp_path: Path) -> None:
    """Main amended the contract twice (each recorded); a branch that never touched it merges
    main: the commit gate asked for a record of the combined change."""
    repo = orders_repo(tmp_path / "repo")
    repo.write(
        ".workbench.yaml", "amendments: {require_reviewer: false, require_notified: false}\n"
    )
    repo.commit("No reviewer in this repository", ".workbench.yaml")
    repo.git("branch", "feature")
    for old, new in (NEW_ISSUER, ("lifetime: 15m", "lifetime: 5m")):
        repo.edit(CONTRACT_PATH, old, new)
        fp = fingerprints(repo, CONTRACT_PATH)
        ok("amend", "bump", repo=repo)
        for finding in fp.values():
            cli("amend", "accept", finding, "-r", "recorded on main for this test", repo=repo.root)
        ok("amend", "notice", repo=repo)
        ok("amend", "changelog", repo=repo)
        status = cli("amend", "status", repo=repo.root)
        assert status.exit_code == 0, status.stdout
        repo.commit(f"Amend the contract: {new}")
    repo.git("checkout", "--quiet", "feature")
    repo.write("README.md", "unrelated\n")
    repo.commit("Unrelated work", "README.md")
    repo.git("merge", "--quiet", "--no-commit", "--no-ff", "main")
    result = gate(repo, "--staged")
    assert result.exit_code == 0, result.stderr
    assert "as merged from" in result.stdout


# --- stay inside the repository (issue 12) -------------------------------------------------------


def test_a_committed_symlink_never_leads_a_record_or_notice_outside(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    repo = orders_repo(tmp_path / "repo")
    os.symlink(elsewhere, repo.root / "amendments")
    repo.commit("A link", "amendments")
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    for args in (("amend", "start"), ("amend", "summary", "A summary")):
        result = cli(*args, repo=repo.root)
        assert result.exit_code == 1, result.stdout
        [line] = result.stderr.splitlines()
        assert "outside the repository" in line and "nothing written" in line
    status = cli("amend", "status", repo=repo.root)
    assert "outside the repository" in status.stdout
    assert list(elsewhere.iterdir()) == []
    result = gate(repo)
    assert result.exit_code == 1 and "outside the repository" in result.stderr


def test_a_committed_changelog_symlink_is_never_read_or_copied_in(tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere" / "secret"
    secret.parent.mkdir()
    secret.write_text("password = hunter2\n")
    repo = orders_repo(tmp_path / "repo")
    os.symlink(secret, repo.root / "contracts/orders/CHANGELOG.md")
    repo.commit("A link", "contracts/orders/CHANGELOG.md")
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    ok("amend", "bump", repo=repo)
    result = cli("amend", "changelog", repo=repo.root)
    assert result.exit_code == 1
    assert "outside the repository" in result.stderr and "nothing written" in result.stderr
    assert "hunter2" not in result.stdout + result.stderr
    link = repo.root / "contracts/orders/CHANGELOG.md"
    assert link.is_symlink() and secret.read_text() == "password = hunter2\n"
    status = cli("amend", "status", repo=repo.root)
    assert "hunter2" not in status.stdout and "outside the repository" in status.stdout


def test_records_never_go_into_the_git_directory(tmp_path: Path) -> None:
    repo = orders_repo(tmp_path / "repo")
    repo.write(".workbench.yaml", "amendments:\n  directory: .git/hooks\n")
    repo.commit("Records next to the hooks", ".workbench.yaml")
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    result = cli("amend", "start", repo=repo.root)
    assert result.exit_code == 2
    assert "outside .git" in result.stderr and len(result.stderr.splitlines()) == 1
    assert not (repo.root / ".git" / "hooks").exists()  # the repository has no hooks folder
    result = gate(repo)
    assert result.exit_code == 2 and "outside .git" in result.stderr


# --- issue 16: the gate's advice and the smaller amend answers -------------------------------------


def test_unstaged_changelog_and_notice_are_named_as_not_staged(tmp_path: Path) -> None:
    repo = demo(tmp_path, branch=None)
    author_part(repo)
    repo.git("add", DRAFT, RECORD)  # the notice and the changelog stay unstaged
    result = gate(repo, "--staged")
    assert result.exit_code == 1
    out = result.stderr
    assert (
        f"Communication: [not staged] {CHANGELOG} has changes that are not staged: "
        f"run `git add {CHANGELOG}`" in out
    )
    assert f"[not staged] {NOTICE} has changes that are not staged: run `git add {NOTICE}`" in out
    assert "has no entry for 4.0.0" not in out and "is missing" not in out
    repo.git("add", CHANGELOG, NOTICE)
    assert gate(repo, "--staged").exit_code == 0


def test_a_new_contract_with_high_findings_needs_a_review(tmp_path: Path) -> None:
    repo = orders_repo(tmp_path / "repo")
    repo.git("checkout", "--quiet", "-b", "new")
    weak = CONTRACT.replace("orders-api", "weak-api").replace(
        "signing_algorithms: [ES256, RS256]", "signing_algorithms: [ES256, HS256]"
    )
    repo.write("contracts/weak.yaml", weak)
    result = gate(repo)
    assert result.exit_code == 1
    assert "FAIL contracts/weak.yaml (weak-api new at 1.4.0" in result.stderr
    assert "Security review: [missing] high:" in result.stderr
    with AmendmentSession.open("contracts/weak.yaml", repo=repo.root) as s:
        assert any(f.severity in ("high", "critical") for f in s.checklist.security_open)
        to_accept = list(s.checklist.security_open)
    for finding in to_accept:
        ok("amend", "accept", "-c", "contracts/weak.yaml", finding.fingerprint, "-r",
           "The settlement batch only, until SETTLE-88", repo=repo)  # fmt: skip
    result = gate(repo)
    assert result.exit_code == 0, result.stderr  # the commit gate: awaiting review
    assert "wait contracts/weak.yaml" in result.stdout
    repo.commit("A new contract")
    result = gate(repo, "--base", "main")
    assert result.exit_code == 1 and "[missing] reviewer sign-off" in result.stderr
    review(repo, "contracts/weak.yaml")
    result = gate(repo, "--base", "main")
    assert result.exit_code == 0, result.stderr


def test_withdraw_says_what_it_did_and_prefixes_agree_with_the_docs(tmp_path: Path) -> None:
    from workbench.amendment.session import MIN_PREFIX
    from workbench.engine.ignore import MIN_FINGERPRINT_PREFIX

    docs = (Path(__file__).resolve().parent.parent / "docs" / "amendments.md").read_text()
    assert MIN_PREFIX == MIN_FINGERPRINT_PREFIX == 8
    assert f"{MIN_PREFIX}+ characters of the fingerprint" in docs
    repo = orders_repo(tmp_path / "repo")
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    fp = fingerprints(repo, CONTRACT_PATH)["idp.issuer-changed"]
    short = cli("amend", "accept", fp[:7], "-r", "Verifiers read the issuer", repo=repo.root)
    assert short.exit_code == 1 and "at least 8 characters" in short.stderr
    tiny = cli("amend", "accept", fp[:8], "-r", "ok", repo=repo.root)
    assert tiny.exit_code == 1 and "the reason is too short (2 characters)" in tiny.stderr
    ok("amend", "accept", fp[:8], "-r", "Verifiers read the issuer", repo=repo)
    out = ok("amend", "withdraw", fp[:8], repo=repo)
    assert out == f"withdrew {fp} (idp.issuer-changed at identity_providers[corp].issuer)\n"
