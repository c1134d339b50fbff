"""The ``workbench`` click group: commands are imported when they run, never to list them."""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from workbench import __version__
from workbench.cli import COMMANDS, HIDDEN, PROG

OPEN_OPTIONS = ("--theme",)  # options of the terminal UI that may come before its PATH


class LazyGroup(click.Group):
    """Commands come from ``COMMANDS`` (name -> module, short help): a command's module is
    imported by :meth:`get_command`, and ``--help`` lists them from the table alone.

    ``workbench [PATH]`` opens the TUI; ``workbench COMMAND ...`` runs a command.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(f"workbench.cli.{entry[0]}")
        command: click.Command = module.command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help``, shortened as click shortens a command's help, from
        the table (no command module is imported)."""
        names = [n for n in self.list_commands(ctx) if n not in HIDDEN]
        if not names:
            return
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = [
            (name, click.Command(name, help=COMMANDS[name][1]).get_short_help_str(limit))
            for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = args[0] if args else ""
        # `workbench PATH ...` and `workbench --theme X [PATH]` open the terminal UI
        path = first and first not in COMMANDS and not first.startswith("-")
        if path or first.split("=", 1)[0] in OPEN_OPTIONS:
            args = ["open", *args]
        return super().parse_args(ctx, args)


@click.group(
    PROG,
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name=PROG)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Review, version and communicate amendments to authentication contracts.

    Run `workbench [--theme NAME] [PATH]` to open the repository containing PATH in the
    terminal UI.
    """
    if ctx.invoked_subcommand is None:
        from workbench.cli.ui import command as open_command

        ctx.invoke(open_command, path=Path("."))
