"""Command-line faces of the workbench. Every command calls the same core functions the TUI uses.

Exit codes everywhere: 0 success, 1 findings or invalid input that the command reports, 2 usage
errors (and load errors for ``diff``/``review``, which cannot compare what they cannot read).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench import __version__
from workbench.contract.loader import validate_file


class _Group(click.Group):
    """``workbench [PATH]`` opens the TUI; ``workbench COMMAND ...`` runs a command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["open", *args]
        return super().parse_args(ctx, args)


@click.group(
    cls=_Group,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="workbench")
@click.pass_context
def main(ctx: click.Context) -> None:
    """Review, version and communicate amendments to authentication contracts.

    Run `workbench [PATH]` to open the repository containing PATH in the terminal UI.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(open_cmd, path=".")


# --- validate (contract format) -------------------------------------------------------------


@main.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Print problems only, no summary.")
def validate_cmd(paths: tuple[Path, ...], quiet: bool) -> None:
    """Check contract files against format v1; print every problem as file:line:col."""
    invalid = 0
    for path in paths:
        problems = validate_file(path)
        for problem in problems:
            click.echo(problem.format(), err=problem.severity == "error")
        if any(p.severity == "error" for p in problems):
            invalid += 1
    if not quiet:
        ok = len(paths) - invalid
        click.echo(f"{ok} valid, {invalid} invalid", err=bool(invalid))
    sys.exit(1 if invalid else 0)


# --- open / demo (TUI and the embedded demo) ------------------------------------------------


@main.command("open", hidden=True)
@click.argument("path", default=".", type=click.Path(path_type=Path))
def open_cmd(path: Path) -> None:
    """Open the workbench on the repository containing PATH."""
    from workbench.tui.app import run_app

    run_app(path)


@main.command("demo")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
@click.option("--no-open", is_flag=True, help="Only build the repository and print its path.")
@click.option("--no-draft", is_flag=True, help="Leave no uncommitted draft amendment on top.")
def demo_cmd(directory: Path | None, no_open: bool, no_draft: bool) -> None:
    """Build the demo repository (sample contracts with their history) and open it.

    DIR must be new or empty; without DIR the demo goes to a fresh temporary directory.
    """
    import shutil
    import tempfile

    from workbench.demo import DemoError, build_demo_repo

    created = directory is None
    if directory is None:
        directory = Path(tempfile.mkdtemp(prefix="workbench-demo-"))
    try:
        path = build_demo_repo(directory, draft=not no_draft)
    except DemoError as exc:
        if created:
            shutil.rmtree(directory, ignore_errors=True)
        click.echo(f"workbench demo: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    if no_open:
        click.echo(str(path))
        return
    click.echo(f"Demo repository built at {path}", err=True)
    from workbench.tui.app import run_app

    run_app(path)
    click.echo(f"The demo repository stays at {path}", err=True)
