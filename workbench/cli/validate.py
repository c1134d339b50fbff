"""``workbench validate``: contract files (or every contract under a directory) against format
v1."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.cli.output import echo
from workbench.contract.errors import ContractError, Problem
from workbench.contract.loader import validate_file


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Print problems only, no summary.")
def command(paths: tuple[Path, ...], quiet: bool) -> None:
    """Check contract files against format v1; print every problem as file:line:col.

    A directory stands for every contract under it: the files the repository's
    contracts.include/exclude globs select (default: *.yaml and *.yml outside amendments/)
    whose content has top-level contract and version keys. A directory with no contract is an
    error. Exit codes: 0 every contract is valid, 1 at least one problem (an error) anywhere.
    """
    valid = invalid = 0
    for path in paths:
        for problems in _problems_of(path):
            for problem in problems:
                echo(problem.format(), err=problem.severity == "error")
            if any(p.severity == "error" for p in problems):
                invalid += 1
            else:
                valid += 1
    if not quiet:
        echo(f"{valid} valid, {invalid} invalid", err=bool(invalid))
    sys.exit(1 if invalid else 0)


def _problems_of(path: Path) -> list[list[Problem]]:
    """The problems of each contract ``path`` stands for (one list per file)."""
    try:
        directory = path.is_dir()
    except OSError:  # a name too long, say: the file reader says so at file:1:1
        directory = False
    if not directory:
        return [validate_file(path)]
    from workbench.history.scan import contract_files  # only for a directory

    try:
        found = list(contract_files(path))
    except ContractError as exc:  # the repository's .workbench.yaml is broken
        return [exc.problems]
    if not found:
        message = (
            "no contract found in this directory (contracts are YAML files with top-level "
            "'contract' and 'version' keys)"
        )
        return [[Problem(str(path), 1, 1, message)]]
    return [
        [Problem(str(f.path), 1, 1, f.error)] if f.error else validate_file(f.path) for f in found
    ]
