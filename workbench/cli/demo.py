"""``workbench demo``: the demo repository, built and opened."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import click

from workbench.cli.output import echo
from workbench.demo import DemoError, build_demo_repo


@click.command("demo")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--no-open", is_flag=True, help="Only build the repository and print its path.")
@click.option("--no-draft", is_flag=True, help="Leave no uncommitted draft amendment on top.")
@click.option("--theme", help="The terminal UI's theme for this run (as `workbench --theme`).")
def command(directory: Path | None, no_open: bool, no_draft: bool, theme: str | None) -> None:
    """Build the demo repository (sample contracts with their history) and open it.

    DIR must be new or empty; without DIR the demo goes to a fresh temporary directory.
    """
    from workbench.cli.ui import check_theme

    check_theme(theme)
    created = directory is None
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="workbench-demo-"))
    try:
        path = build_demo_repo(directory, draft=not no_draft)
    except DemoError as exc:
        if created:
            shutil.rmtree(directory, ignore_errors=True)
        echo(f"workbench demo: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    if no_open:
        echo(str(path))
        return
    echo(f"Demo repository built at {path}", err=True)
    from workbench.tui.app import run_app  # only when the demo is opened

    run_app(path, theme=theme)
    echo(f"The demo repository stays at {path}", err=True)
