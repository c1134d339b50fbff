"""``workbench check``: the commit gate (every changed contract has a complete record)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.amendment.gate import GateError, check
from workbench.cli.options import (
    base_option,
    error_line,
    format_option,
    parse_day,
    repo_option,
    today_option,
)
from workbench.cli.output import echo, json_text


@click.command("check")
@repo_option
@click.option(
    "--staged", is_flag=True, help="Check what is staged for the next commit (a pre-commit hook)."
)
@base_option(
    "Check contracts changed between merge-base(REF, HEAD) and HEAD (a pull request in CI)."
)
@format_option(["text", "json"])
@today_option("Judge sunsets as of this day.")
def command(
    repo_dir: Path, staged: bool, base_ref: str | None, fmt: str, today: str | None
) -> None:
    """Fail when a changed contract has no complete and current amendment record.

    By default contracts changed in the working tree (against HEAD) are checked; --staged
    checks the staged copies and their staged records, as the commit will contain them.

    Exit codes: 0 every changed contract is covered, 1 something is missing (listed per
    contract and step, stale items named), 2 usage errors or an unreadable repository.
    """
    if staged and base_ref is not None:
        raise click.UsageError("--staged and --base exclude each other")
    day = parse_day(today)
    try:
        result = check(repo_dir, staged=staged, base=base_ref, today=day)
    except GateError as exc:
        echo(error_line("check", exc), err=True)
        sys.exit(2)
    if fmt == "json":
        echo(json_text(result.to_dict()))
    else:
        echo(result.render(), nl=False, err=not result.ok)
    sys.exit(result.exit_code)
