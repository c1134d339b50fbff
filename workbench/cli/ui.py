"""``workbench [PATH]`` (the hidden ``open`` command): the terminal UI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from workbench.cli.output import echo


@click.command("open", hidden=True)
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option("--theme", help="A Textual theme for this run (the palette switches and saves it).")
def command(path: Path, theme: str | None = None) -> None:
    """Open the workbench on the repository containing PATH (a contract file is preselected)."""
    if not path.exists():
        echo(f"workbench: error: {path}: no such file or directory", err=True)
        sys.exit(2)
    # A driver named in TEXTUAL_DRIVER (as `workbench serve` runs the app) needs no terminal.
    if not (sys.stdin.isatty() and sys.stdout.isatty()) and not os.environ.get("TEXTUAL_DRIVER"):
        echo(
            "workbench: error: the terminal UI needs a terminal; in scripts use "
            "`workbench log`, `workbench diff` or `workbench review`",
            err=True,
        )
        sys.exit(2)
    from workbench.tui.app import run_app  # after the checks: the UI takes a while to import
    from workbench.tui.settings import load_settings

    settings = load_settings()
    if theme:
        settings.theme = theme
    run_app(path, settings=settings)
