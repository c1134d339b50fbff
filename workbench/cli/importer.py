"""``workbench import``: a real artefact written as a contract (format v1.1)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.cli.options import fail
from workbench.cli.output import echo

KINDS = ("auto", "oidc-discovery", "rfc8414", "openapi", "keycloak-realm", "dex-config")


@click.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write the contract here (default: stdout).",
)
def command(kind: str, file: Path, output: Path | None) -> None:
    """Read an artefact (OIDC discovery, RFC 8414 metadata, OpenAPI 3, Keycloak realm export, Dex
    config) and write it as a contract in format v1.1 that judges the same."""
    from workbench.contract.errors import ContractError
    from workbench.sources import import_artefact

    try:
        text = import_artefact(file, kind)
    except ContractError as exc:
        errors = [p for p in exc.problems if p.severity == "error"] or exc.problems
        for problem in errors[:10]:
            echo(problem.format(), err=True)
        sys.exit(1)
    if output is None:
        echo(text, nl=False)
        return
    from workbench.amendment.atomic import atomic_write

    try:
        atomic_write(output, text.encode("utf-8"))
    except OSError as exc:
        fail([f"{output}:1:1: error: cannot write: {exc.strerror or exc}"])
    echo(f"{output}: {kind if kind != 'auto' else 'artefact'} {file} imported", err=True)
