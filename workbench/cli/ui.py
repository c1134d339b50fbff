"""``workbench [PATH]`` (the hidden ``open`` command): the terminal UI."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from workbench.cli.output import echo


@click.command("open", hidden=True)
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option(
    "--theme",
    help="A theme for this run: workbench-light, workbench-mono (no colour) or any Textual "
    "theme (ctrl+p switches and saves it; NO_COLOR starts in workbench-mono).",
)
def command(path: Path, theme: str | None = None) -> None:
    """Open the workbench on the repository containing PATH (a contract file is preselected)."""
    if not path.exists():
        echo(f"workbench: error: {path}: no such file or directory", err=True)
        sys.exit(2)
    check_theme(theme)
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

    run_app(path, settings=load_settings(), theme=theme)


def check_theme(theme: str | None) -> None:
    """Refuse an unknown ``--theme`` before the terminal is taken over (exit 2)."""
    if not theme:
        return
    from workbench.tui.themes import known_themes

    names = known_themes()
    if theme not in names:
        echo(f"workbench: error: unknown theme {theme!r} (one of: {', '.join(names)})", err=True)
        sys.exit(2)
