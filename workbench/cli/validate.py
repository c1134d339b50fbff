"""``workbench validate``: contracts against format v1 and artefacts through their readers (or
every contract and artefact under a directory)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.cli.options import from_option
from workbench.cli.output import echo
from workbench.contract.errors import ContractError, Problem
from workbench.sources.loading import validate_document


@click.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@from_option
@click.option("--quiet", "-q", is_flag=True, help="Print problems only, no summary.")
def command(paths: tuple[Path, ...], kind: str, quiet: bool) -> None:
    """Check contracts against format v1 and artefacts as their readers read them; print
    every problem as file:line:col.

    Artefacts (OpenID Connect discovery, RFC 8414 metadata, OpenAPI, Keycloak realm exports,
    Dex configurations) are recognised by content; their problems are what their readers
    refuse (invalid JSON, a trailing comma, a value of the wrong type). --from names the kind
    instead.

    A directory stands for every contract and artefact under it: the files the repository's
    contracts.include/exclude globs select whose content is a contract (top-level contract
    and version keys) or an artefact. A directory with none is an error.

    Exit codes: 0 every file is valid, 1 at least one problem (an error) anywhere.
    """
    valid = invalid = 0
    for path in paths:
        for problems in _problems_of(path, kind):
            for problem in problems:
                echo(problem.format(), err=problem.severity == "error")
            if any(p.severity == "error" for p in problems):
                invalid += 1
            else:
                valid += 1
    if not quiet:
        echo(f"{valid} valid, {invalid} invalid", err=bool(invalid))
    sys.exit(1 if invalid else 0)


def _problems_of(path: Path, kind: str) -> list[list[Problem]]:
    """The problems of each file ``path`` stands for (one list per file)."""
    try:
        directory = path.is_dir()
    except OSError:  # a name too long, say: the file reader says so at file:1:1
        directory = False
    if not directory:
        return [validate_document(path, kind)]
    from workbench.history.scan import contract_files  # only for a directory

    try:
        found = list(contract_files(path))
    except ContractError as exc:  # the repository's .workbench.yaml is broken
        return [exc.problems]
    if not found:
        message = (
            "no contract or artefact found in this directory (contracts are YAML files with "
            "top-level 'contract' and 'version' keys)"
        )
        return [[Problem(str(path), 1, 1, message)]]
    return [
        [Problem(str(f.path), 1, 1, f.error)] if f.error else validate_document(f.path, kind)
        for f in found
    ]
