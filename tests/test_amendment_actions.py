"""The amend action registry and how every face opens an amendment: `AmendmentSession.open`
choosing the contract, the command line generated from the registry, the checklist screen
dispatching through it."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from amendment_support import CONTRACT, CONTRACT_PATH, TODAY, cli, orders_repo

from workbench.amendment.actions import ACTIONS
from workbench.amendment.session import AmendmentSession, NoSingleContract, OpenError
from workbench.cli.amend import command as amend_group
from workbench.history.repo import ContractRepo
from workbench.tui.screens.checklist import ChecklistScreen

NEW_ISSUER = ("issuer: https://login.example.com", "issuer: https://id.example.com")
OTHER_PATH = "contracts/billing/billing-api.yaml"


def other_contract() -> str:
    return CONTRACT.replace("contract: orders-api", "contract: billing-api")


@pytest.fixture
def repo(tmp_path: Path):
    return orders_repo(tmp_path / "repo")


def test_open_takes_the_only_contract_amended_in_the_working_tree(repo) -> None:
    with pytest.raises(NoSingleContract) as none:
        AmendmentSession.open(repo=repo.root, today=TODAY)
    assert none.value.paths == []
    assert str(none.value) == "0 contracts changed in the working tree: none; name one"

    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    with AmendmentSession.open(repo=repo.root, today=TODAY) as s:
        assert s.path == CONTRACT_PATH and s.mode == "worktree" and s.base == "HEAD"

    repo.write(OTHER_PATH, other_contract())  # a new, untracked contract is amended too
    with pytest.raises(NoSingleContract) as two:
        AmendmentSession.open(repo=repo.root, today=TODAY)
    assert sorted(two.value.paths) == sorted([CONTRACT_PATH, OTHER_PATH])
    result = cli("amend", "status", repo=repo.root)
    assert result.exit_code == 2
    assert result.stderr.startswith("workbench amend: error: give --contract PATH (2 contracts ")
    named = cli("amend", "status", "--contract", OTHER_PATH, repo=repo.root)
    assert named.exit_code == 0 and "billing-api" in named.stdout  # new: validating is enough


def test_with_a_base_the_committed_amendment_counts_too(repo) -> None:
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    repo.commit("New issuer")
    main = repo.git("rev-parse", "main").strip()
    with AmendmentSession.open(repo=repo.root, base="main", today=TODAY) as s:
        assert (s.path, s.base) == (CONTRACT_PATH, main)
        assert any(f.rule == "idp.issuer-changed" for f in s.report.findings)
    with pytest.raises(NoSingleContract, match="0 contracts changed in the working tree"):
        AmendmentSession.open(repo=repo.root, today=TODAY)  # nothing left in the working tree
    repo.write(OTHER_PATH, other_contract())
    with pytest.raises(NoSingleContract, match="2 contracts changed since main"):
        AmendmentSession.open(repo=repo.root, base="main", today=TODAY)


def test_failing_to_open_is_an_open_error_and_a_given_repository_stays_open(
    repo, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    with pytest.raises(OpenError, match="not inside a git repository"):
        AmendmentSession.open(repo=outside)
    with pytest.raises(OpenError, match="name the contract"):
        AmendmentSession.open(repo=repo.root, staged=True)
    with pytest.raises(OpenError):
        AmendmentSession.open(CONTRACT_PATH, repo=repo.root, base="no-such-branch")
    assert cli("amend", "status", "--base", "no-such-branch", repo=repo.root).exit_code == 2

    head = repo.git("rev-parse", "HEAD").strip()
    with ContractRepo.open(repo.root, cache=False) as shared:
        with AmendmentSession.open(CONTRACT_PATH, repo=shared, commit=head, parent=None) as s:
            assert (s.mode, s.old) == ("commit", None)  # the commit created the contract
        assert shared.head() == head  # still usable: the session did not own it


def test_the_command_line_is_generated_from_the_registry() -> None:
    ctx = click.Context(amend_group)
    names = set(amend_group.list_commands(ctx))
    # status reads; sign-off-policy answers for the policy files, which belong to no contract;
    # recipe edits the contract (its own registry, workbench.amendment.recipes)
    assert names == {a.command for a in ACTIONS.values() if a.command} | {
        "status",
        "sign-off-policy",
        "recipe",
    }
    for action in ACTIONS.values():
        if action.command is None:
            continue
        sub = amend_group.get_command(ctx, action.command)
        assert sub is not None and sub.help == action.help
        own = [p.name for p in sub.params][4:]  # after --repo, --contract, --base, --today
        assert own == [p.name for p in action.params]


def test_the_checklist_screen_dispatches_every_action_through_the_registry() -> None:
    writing = {a.id for a in ACTIONS.values() if a.writes}
    assert writing <= ChecklistScreen.ANSWERS
    for action_id in ACTIONS:
        assert callable(getattr(ChecklistScreen, f"action_{action_id}", None)), action_id


def test_the_command_line_prints_the_registry_outcome(repo) -> None:
    repo.edit(CONTRACT_PATH, *NEW_ISSUER)
    assert cli("amend", "summary", "Moving", repo=repo.root).stdout == ""  # the answer is saved
    started = cli("amend", "start", "--effective", "2026-02-01", repo=repo.root)
    assert started.stdout == "amendments/orders-api/2.0.0.yaml: orders-api 1.4.0 -> 2.0.0\n"
    refreshed = cli("amend", "refresh", repo=repo.root)
    assert refreshed.exit_code == 0 and "record: amendments/orders-api/2.0.0.yaml" in (
        refreshed.stdout
    )
    bad = cli("amend", "start", "--effective", "soon", repo=repo.root)
    assert bad.exit_code == 2 and "Invalid value for --effective: 'soon'" in bad.stderr
