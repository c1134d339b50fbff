"""``workbench serve``: the terminal UI in a browser (see ``workbench.tui.web``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.cli.output import echo


@click.command("serve")
@click.argument("path", default=".", type=click.Path(exists=True, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="The port."
)
def command(path: Path, host: str, port: int) -> None:
    """Serve the workbench on the repository containing PATH to a browser.

    The same panes and keys as the terminal UI; each browser tab runs its own session. Listens
    on loopback by default: anyone who can reach the port acts with your git identity.
    """
    from workbench.tui.web import ServeError, exposure_warning, serve

    warning = exposure_warning(host, port)
    if warning:
        echo(warning, err=True)
    try:
        serve(path, host, port, echo=lambda line: echo(line, err=True))
    except ServeError as exc:
        echo(f"workbench serve: error: {exc}", err=True)
        sys.exit(2)
