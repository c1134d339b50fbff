"""``workbench amend``: the amendment checklist, answered from the command line.

``status`` shows the checklist; every other subcommand is generated from the action registry
(``workbench.amendment.actions``): its parameters become arguments and options, its outcome is
printed, a refusal is one line on standard error and exit 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from workbench.amendment.actions import ACTIONS, Action, Outcome, Param
from workbench.cli.options import error_line, format_option, parse_day, repo_option, today_option
from workbench.cli.output import echo, json_text
from workbench.cli.recipe import command as recipe_command
from workbench.textsafe import clean

if TYPE_CHECKING:
    from workbench.amendment.session import AmendmentSession


@click.group("amend")
def command() -> None:
    """Answer the amendment checklist from the command line (the TUI's `c` screen does the same).

    Every subcommand works on the working-tree draft of one contract (--contract, default: the
    only contract changed in the working tree) and saves the record at once.
    """


def _session_options(f: Any) -> Any:
    """--repo, --contract, --base and --today: which amendment a subcommand answers."""
    f = today_option("Judge sunsets and date entries as of this day.")(f)
    f = click.option(
        "--base",
        "base_ref",
        metavar="REF",
        help="Compare with merge-base(REF, HEAD) instead of HEAD (amendments already committed "
        "on a branch).",
    )(f)
    f = click.option(
        "--contract",
        "-c",
        "contract",
        metavar="PATH",
        help="The contract file (default: the only contract changed in the working tree).",
    )(f)
    return repo_option(f)


def _open(
    repo_dir: Path, contract: str | None, today: str | None, base_ref: str | None
) -> AmendmentSession:
    """Open the session, or exit 2 (no repository, no single contract, unusable settings) / 1
    (refused)."""
    # imported when a subcommand runs: `workbench amend --help` needs none of the core
    from workbench.amendment.session import (
        AmendmentError,
        AmendmentSession,
        NoSingleContract,
        OpenError,
    )

    day = parse_day(today)
    try:
        return AmendmentSession.open(contract, repo=repo_dir, base=base_ref, today=day)
    except NoSingleContract as exc:
        names = clean(", ".join(exc.paths) or "none")
        echo(
            f"workbench amend: error: give --contract PATH ({len(exc.paths)} contracts "
            f"changed {exc.where}: {names})",
            err=True,
        )
        sys.exit(2)
    except AmendmentError as exc:
        echo(error_line("amend", exc), err=True)
        sys.exit(2 if isinstance(exc, OpenError) else 1)


def _show(outcome: Outcome) -> None:
    """The outcome's line, and the checklist when that is the answer (as `amend status`)."""
    if outcome.note:  # one line (a newline in a path is shown as \n), or the notice itself
        echo(outcome.note if outcome.note == outcome.notice else clean(outcome.note))
    if outcome.checklist is not None:
        from workbench.amendment.checklist import render_text

        echo(render_text(outcome.checklist).rstrip("\n"))


def _parameter(param: Param) -> click.Parameter:
    if param.kind in ("argument", "arguments"):
        return click.Argument([param.name], nargs=-1 if param.kind == "arguments" else 1)
    decls = [param.option, *([param.short] if param.short else []), param.name]
    if param.kind == "flag":
        return click.Option(decls, is_flag=True, help=param.help or None)
    return click.Option(
        decls,
        metavar=param.metavar,
        required=param.required,
        default=param.default,
        help=param.help or None,
    )


def _subcommand(action: Action) -> click.Command:
    """The ``workbench amend`` subcommand of ``action``."""
    assert action.command is not None

    def run(
        repo_dir: Path,
        contract: str | None,
        today: str | None,
        base_ref: str | None,
        **params: Any,
    ) -> None:
        from workbench.amendment.session import AmendmentError, OpenError

        problem = action.usage_error(params)
        if problem:
            raise click.UsageError(problem)
        for param in action.params:
            if param.date and params[param.name] is not None:
                params[param.name] = parse_day(params[param.name], param.option)
        session = _open(repo_dir, contract, today, base_ref)
        try:
            outcome = action.perform(session, **params)
        except AmendmentError as exc:
            echo(error_line("amend", exc), err=True)
            sys.exit(2 if isinstance(exc, OpenError) else 1)
        finally:
            session.close()
        _show(outcome)

    subcommand = click.command(action.command, help=action.help)(_session_options(run))
    subcommand.params.extend(_parameter(p) for p in action.params)
    return subcommand


@command.command("status")
@_session_options
@click.option("--all", "verbose", is_flag=True, help="Show every item, not only open ones.")
@format_option(["text", "json"])
def status(
    repo_dir: Path,
    contract: str | None,
    today: str | None,
    base_ref: str | None,
    verbose: bool,
    fmt: str,
) -> None:
    """Show the five steps, their status and what is left. Exit 1 while incomplete."""
    from workbench.amendment.checklist import render_text

    session = _open(repo_dir, contract, today, base_ref)
    checklist = session.checklist
    session.close()
    assert checklist is not None
    if fmt == "json":
        echo(json_text(checklist.to_dict()))
    else:
        echo(render_text(checklist, verbose=verbose), nl=False)
    sys.exit(0 if checklist.complete else 1)


@command.command("sign-off-policy")
@repo_option
@click.option(
    "--base",
    "base_ref",
    metavar="REF",
    required=True,
    help="The branch the change will be merged into (its merge base is what changed from).",
)
@click.option("--comment", default="", help="A note kept with the sign-off.")
def sign_off_policy(repo_dir: Path, base_ref: str, comment: str) -> None:
    """Sign off a change to the gate's policy (.workbench.yaml, .workbench-ignore.yaml) as its
    reviewer: you, as git config names you. Writes amendments/_policy/<change set>.yaml; commit
    it yourself. Not a session action: a policy change belongs to no contract."""
    from workbench.amendment.identity import Who
    from workbench.amendment.policychange import PolicyReviewError
    from workbench.amendment.policychange import sign_off_policy as sign
    from workbench.amendment.session import identity
    from workbench.history.errors import HistoryError
    from workbench.history.repo import ContractRepo

    try:
        repo = ContractRepo.open(repo_dir, cache=False)
    except HistoryError as exc:
        echo(error_line("amend", exc), err=True)
        sys.exit(2)
    try:
        me = identity(repo)
        who = Who(me.name, me.email) if me is not None else None
        rel, change = sign(repo, base_ref, who, comment)
    except (PolicyReviewError, HistoryError) as exc:
        echo(error_line("amend", exc), err=True)
        sys.exit(1)
    finally:
        repo.close()
    echo(
        f"{rel}: signed off by {who} for the policy change {change.fingerprint} "
        f"({change.summary()}); commit it as yourself: the merge gate verifies that commit"
    )


for _action in ACTIONS.values():
    if _action.command is not None:
        command.add_command(_subcommand(_action))

# `workbench amend recipe`: its own module (recipes edit the contract, they answer no checklist item)
command.add_command(recipe_command)
