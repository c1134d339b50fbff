"""``workbench validate``: contract files against format v1."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.cli.output import echo
from workbench.contract.loader import validate_file


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Print problems only, no summary.")
def command(paths: tuple[Path, ...], quiet: bool) -> None:
    """Check contract files against format v1; print every problem as file:line:col."""
    invalid = 0
    for path in paths:
        problems = validate_file(path)
        for problem in problems:
            echo(problem.format(), err=problem.severity == "error")
        if any(p.severity == "error" for p in problems):
            invalid += 1
    if not quiet:
        ok = len(paths) - invalid
        echo(f"{ok} valid, {invalid} invalid", err=bool(invalid))
    sys.exit(1 if invalid else 0)
