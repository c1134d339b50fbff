"""``workbench amend``: the amendment checklist, answered from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.cli.options import error_line, parse_day, repo_option


@click.group("amend")
def command() -> None:
    """Answer the amendment checklist from the command line (the TUI's `c` screen does the same).

    Every subcommand works on the working-tree draft of one contract (--contract, default: the
    only contract changed in the working tree) and saves the record at once.
    """


def _amend_options(func):
    func = click.option(
        "--today", metavar="YYYY-MM-DD", help="Judge sunsets and date entries as of this day."
    )(func)
    func = click.option(
        "--base",
        "base_ref",
        metavar="REF",
        help="Compare with merge-base(REF, HEAD) instead of HEAD (amendments already committed "
        "on a branch).",
    )(func)
    func = click.option(
        "--contract",
        "-c",
        "contract",
        metavar="PATH",
        help="The contract file (default: the only contract changed in the working tree).",
    )(func)
    return repo_option(func)


def _amend_session(
    repo_dir: Path, contract: str | None, today: str | None, base_ref: str | None = None
):
    """Open the session, or exit 2 (no repository, no unique contract) / 1 (refused)."""
    from workbench.amendment.session import AmendmentError, AmendmentSession, SettingsError
    from workbench.history.errors import HistoryError
    from workbench.history.repo import ContractRepo

    day = parse_day(today)
    try:
        repo = ContractRepo.open(repo_dir, cache=False)
    except HistoryError as exc:
        click.echo(error_line("amend", exc), err=True)
        sys.exit(2)
    try:
        base = repo.merge_base(base_ref) if base_ref else "HEAD"
        if contract is None and base_ref:
            from workbench.amendment.gate import changed_since

            paths = [c.path for c in changed_since(repo, base) if not c.deleted]
            paths += [
                e.path
                for e in repo.contracts()
                if e.draft not in ("clean", "deleted") and e.path not in paths
            ]
            if len(paths) != 1:
                click.echo(
                    f"workbench amend: error: give --contract PATH ({len(paths)} contracts "
                    f"changed since {base_ref}: {', '.join(paths) or 'none'})",
                    err=True,
                )
                sys.exit(2)
            contract = paths[0]
        if contract is None:
            changed = [e for e in repo.contracts() if e.draft not in ("clean", "deleted")]
            if len(changed) != 1:
                names = ", ".join(e.path for e in changed) or "none"
                click.echo(
                    f"workbench amend: error: give --contract PATH ({len(changed)} contracts "
                    f"changed in the working tree: {names})",
                    err=True,
                )
                sys.exit(2)
            rel = changed[0].path
        else:
            p = Path(contract)
            rel = repo.git.relpath(p.resolve() if p.exists() else contract)
        return AmendmentSession(repo, rel, base=base, today=day, owns_repo=True)
    except (AmendmentError, HistoryError) as exc:
        repo.close()
        click.echo(error_line("amend", exc), err=True)
        refused = isinstance(exc, AmendmentError) and not isinstance(exc, SettingsError)
        sys.exit(1 if refused else 2)
    except BaseException:
        repo.close()
        raise


def _amend_run(session, action) -> None:
    """Run one action; refusals are one line on stderr and exit 1."""
    from workbench.amendment.session import AmendmentError, SettingsError

    try:
        message = action()
    except AmendmentError as exc:
        click.echo(error_line("amend", exc), err=True)
        session.close()
        sys.exit(2 if isinstance(exc, SettingsError) else 1)
    if message:
        click.echo(message)
    session.close()


@command.command("status")
@_amend_options
@click.option("--all", "verbose", is_flag=True, help="Show every item, not only open ones.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def amend_status_cmd(
    repo_dir: Path,
    contract: str | None,
    today: str | None,
    base_ref: str | None,
    verbose: bool,
    fmt: str,
) -> None:
    """Show the five steps, their status and what is left. Exit 1 while incomplete."""
    import json

    from workbench.amendment.checklist import render_text

    session = _amend_session(repo_dir, contract, today, base_ref)
    checklist = session.checklist
    session.close()
    if fmt == "json":
        click.echo(json.dumps(checklist.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(checklist, verbose=verbose), nl=False)
    sys.exit(0 if checklist.complete else 1)


@command.command("start")
@_amend_options
@click.option("--summary", help="One paragraph for the notice and the record.")
@click.option("--effective", metavar="YYYY-MM-DD", help="The day the new version takes effect.")
def amend_start_cmd(
    repo_dir: Path,
    contract: str | None,
    today: str | None,
    base_ref: str | None,
    summary: str | None,
    effective: str | None,
) -> None:
    """Create the amendment record for the next version (or keep the existing one)."""
    day = parse_day(effective) if effective else None
    session = _amend_session(repo_dir, contract, today, base_ref)

    def run() -> str:
        record = session.start(summary=summary, effective=day)
        before = record.from_version or "(new)"
        return f"{session.located.relpath}: {record.contract} {before} -> {record.to_version}"

    _amend_run(session, run)


@command.command("summary")
@_amend_options
@click.argument("text")
def amend_summary_cmd(
    repo_dir: Path, contract: str | None, today: str | None, base_ref: str | None, text: str
) -> None:
    """Set the summary the notice and the record show."""
    session = _amend_session(repo_dir, contract, today, base_ref)
    _amend_run(session, lambda: session.set_summary(text))


@command.command("bump")
@_amend_options
@click.option("--version", "version", metavar="X.Y.Z", help="Default: the required bump.")
def amend_bump_cmd(
    repo_dir: Path,
    contract: str | None,
    today: str | None,
    base_ref: str | None,
    version: str | None,
) -> None:
    """Set the contract's version in the working tree; only the version line changes."""
    session = _amend_session(repo_dir, contract, today, base_ref)

    def run() -> str:
        result = session.apply_bump(version)
        if not result.changed:
            return f"{session.path}: already at {result.new_version}"
        return f"{session.path}:{result.line}: version {result.old_version} -> {result.new_version}"

    _amend_run(session, run)


@command.command("accept")
@_amend_options
@click.argument("fingerprint")
@click.option("--reason", "-r", required=True, help="Why the finding is acceptable (kept).")
def amend_accept_cmd(
    repo_dir: Path,
    contract: str | None,
    today: str | None,
    base_ref: str | None,
    fingerprint: str,
    reason: str,
) -> None:
    """Accept a breaking or security finding (by fingerprint or a prefix) with a reason."""
    session = _amend_session(repo_dir, contract, today, base_ref)

    def run() -> str:
        acc = session.accept(fingerprint, reason)
        return f"accepted {acc.fingerprint} ({acc.rule} at {acc.path})"

    _amend_run(session, run)


@command.command("withdraw")
@_amend_options
@click.argument("fingerprint")
def amend_withdraw_cmd(
    repo_dir: Path, contract: str | None, today: str | None, base_ref: str | None, fingerprint: str
) -> None:
    """Remove an acceptance (for example one whose finding is gone)."""
    session = _amend_session(repo_dir, contract, today, base_ref)
    _amend_run(session, lambda: session.withdraw(fingerprint))


@command.command("sign-off")
@_amend_options
@click.option("--reviewer", required=True, help="The reviewer's name (not the author).")
@click.option("--email", help="The reviewer's email.")
@click.option("--comment", default="", help="A note kept with the sign-off.")
def amend_sign_off_cmd(
    repo_dir: Path,
    contract: str | None,
    today: str | None,
    base_ref: str | None,
    reviewer: str,
    email: str | None,
    comment: str,
) -> None:
    """Record the security reviewer's sign-off for the current change set."""
    session = _amend_session(repo_dir, contract, today, base_ref)

    def run() -> str:
        sign = session.sign_off(reviewer, email, comment)
        return f"signed off by {sign.who} for change set {sign.fingerprint}"

    _amend_run(session, run)


@command.command("notice")
@_amend_options
@click.option("--print", "show", is_flag=True, help="Also print the notice.")
def amend_notice_cmd(
    repo_dir: Path, contract: str | None, today: str | None, base_ref: str | None, show: bool
) -> None:
    """Generate the notice, write it next to the record and note it in the record."""
    session = _amend_session(repo_dir, contract, today, base_ref)

    def run() -> str:
        text, rel = session.generate_notice()
        return text if show else f"wrote {rel}"

    _amend_run(session, run)


@command.command("changelog")
@_amend_options
@click.option("--replace", is_flag=True, help="Rewrite an existing entry for this version.")
def amend_changelog_cmd(
    repo_dir: Path, contract: str | None, today: str | None, base_ref: str | None, replace: bool
) -> None:
    """Append the Keep a Changelog entry to the CHANGELOG.md next to the contract."""
    session = _amend_session(repo_dir, contract, today, base_ref)

    def run() -> str:
        result = session.append_changelog(replace=replace)
        verb = {
            "created": "created with the entry",
            "inserted": "entry added",
            "replaced": "entry replaced",
            "exists": "already has an entry (use --replace to rewrite it)",
        }[result.status]
        return f"{result.path}: {verb}"

    _amend_run(session, run)


@command.command("notify")
@_amend_options
@click.argument("consumers", nargs=-1)
@click.option("--all", "everyone", is_flag=True, help="Every affected consumer.")
def amend_notify_cmd(
    repo_dir: Path,
    contract: str | None,
    today: str | None,
    base_ref: str | None,
    consumers: tuple[str, ...],
    everyone: bool,
) -> None:
    """Confirm consumers as notified of this change set (after sending the notice)."""
    if bool(consumers) == everyone:
        raise click.UsageError("name the consumers, or give --all")
    session = _amend_session(repo_dir, contract, today, base_ref)

    def run() -> str:
        done = session.notify(None if everyone else list(consumers))
        return "notified: " + ", ".join(n.consumer for n in done)

    _amend_run(session, run)


@command.command("refresh")
@_amend_options
def amend_refresh_cmd(
    repo_dir: Path, contract: str | None, today: str | None, base_ref: str | None
) -> None:
    """Re-run the checks and save the record (moving it if the version changed)."""
    from workbench.amendment.checklist import render_text

    session = _amend_session(repo_dir, contract, today, base_ref)
    _amend_run(session, lambda: render_text(session.sync()).rstrip("\n"))
