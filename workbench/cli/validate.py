"""``workbench validate``: contract files against format v1, artefacts through their readers."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.cli.options import from_option
from workbench.cli.output import echo
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

    Exit codes: 0 every file is valid, 1 some file is not.
    """
    invalid = 0
    for path in paths:
        problems = validate_document(path, kind)
        for problem in problems:
            echo(problem.format(), err=problem.severity == "error")
        if any(p.severity == "error" for p in problems):
            invalid += 1
    if not quiet:
        ok = len(paths) - invalid
        echo(f"{ok} valid, {invalid} invalid", err=bool(invalid))
    sys.exit(1 if invalid else 0)
