"""What the commands share: their common options (one definition each), dates, error lines and
writing the output. click is imported by the option decorators (a command module that declares
options imports click anyway), not by this module: a command line dispatched without click
(``cli/quick.py``) uses the rest."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from workbench.cli.output import echo
from workbench.sources.kinds import CHOICES as KIND_CHOICES
from workbench.textsafe import clean, terminal_safe

F = TypeVar("F", bound=Callable[..., Any])

REPO_HELP = (
    "Any path inside the git repository to work in (default: the current directory; for "
    "`log PATH`, the repository containing PATH)."
)


def repo_option(f: F) -> F:
    """``--repo``: the one definition every command uses (``repo_dir``, default ``.``)."""
    import click

    return click.option(
        "--repo",
        "repo_dir",
        default=".",
        type=click.Path(path_type=Path),
        help=REPO_HELP,
    )(f)


FROM_HELP = (
    "What the files are: auto (detect by content), contract (the workbench's format), or an "
    "artefact kind: oidc-discovery, rfc8414, openapi, keycloak-realm, dex-config."
)


def from_option(f: F) -> F:
    """``--from KIND`` (``kind``, default ``auto``): how ``diff``, ``review``, ``validate``
    and ``log`` read the files they are given (see :mod:`workbench.sources`)."""
    import click

    return click.option(
        "--from",
        "kind",
        type=click.Choice(list(KIND_CHOICES)),
        default="auto",
        show_default=True,
        metavar="KIND",
        help=FROM_HELP,
    )(f)


def format_option(
    choices: Sequence[str], *, help: str | None = None, show_default: bool = True
) -> Callable[[F], F]:
    """``--format/-f`` (``fmt``, default ``text``)."""
    import click

    return click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice(list(choices)),
        default="text",
        show_default=show_default,
        help=help,
    )


def fail_on_option(choices: Sequence[str], *, default: str | None, help: str) -> Callable[[F], F]:
    """``--fail-on``: the severity at which a report command exits 1."""
    import click

    return click.option(
        "--fail-on",
        type=click.Choice(list(choices)),
        default=default,
        show_default=default is not None,
        help=help,
    )


def color_option(f: F) -> F:
    """``--color``: always, never, or auto (see :func:`colored`)."""
    import click

    return click.option(
        "--color",
        type=click.Choice(["auto", "always", "never"]),
        default="auto",
        show_default=True,
        help="Colour the text report (auto: on a terminal, unless NO_COLOR is set).",
    )(f)


def colored(color: str, output: Path | None) -> bool:
    """The ``--color`` decision: always, never, or auto (standard output on a terminal, no
    ``NO_COLOR``)."""
    from workbench.report import use_color

    return color == "always" or (color == "auto" and output is None and use_color(sys.stdout))


def output_option(f: F) -> F:
    import click

    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the report to FILE instead of standard output.",
    )(f)


def base_option(help: str, *, required: bool = False) -> Callable[[F], F]:
    """``--base REF`` (``base_ref``): what the command compares with merge-base(REF, HEAD)."""
    import click

    return click.option("--base", "base_ref", metavar="REF", required=required, help=help)


def today_option(help: str) -> Callable[[F], F]:
    """``--today YYYY-MM-DD`` (a string: :func:`parse_day` reads it when the command runs)."""
    import click

    return click.option("--today", metavar="YYYY-MM-DD", help=help)


def acceptance_options(today_help: str) -> Callable[[F], F]:
    """The options every report command shares: the ignore file, the judging day, colour."""
    import click

    options = [
        click.option(
            "--ignore-file",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Accepted findings (default: .workbench-ignore.yaml at the repository root, "
            "if any).",
        ),
        click.option(
            "--no-ignore", is_flag=True, help="Report every finding; read no ignore file."
        ),
        today_option(today_help),
        color_option,
    ]

    def apply(f: F) -> F:
        for option in reversed(options):
            f = option(f)
        return f

    return apply


def parse_day(value: str | None, option: str = "--today") -> dt.date | None:
    """A ``YYYY-MM-DD`` option value as a date (``None`` stays ``None``)."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        import click

        raise click.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


def fail(lines: list[str]) -> NoReturn:
    """Print load or usage problems (one line each) and exit 2."""
    for line in lines:
        echo(clean(line), err=True)  # one line each, whatever a path holds
    sys.exit(2)


LOCATED = re.compile(r"^.+:\d+:\d+: (error|warning): ")


def error_line(command: str, exc: Exception | str) -> str:
    """``workbench CMD: error: MESSAGE``, or the message alone when it already is a located
    ``file:line:col: error: ...`` line (no doubled prefix)."""
    text = clean(str(exc))  # one line, whatever a path or a name in it holds
    return text if LOCATED.match(text) else f"workbench {command}: error: {text}"


def write_output(text: str, output: Path | None, color: bool = False) -> None:
    """``text`` to standard output, or to ``output`` (exit 2 when it cannot be written)."""
    if output is None:
        echo(text, nl=False, color=color)
        return
    data = terminal_safe(text, colour=color).encode("utf-8")  # a file is read in a terminal too
    try:
        if output.parent.is_dir() and (output.is_file() or not output.exists()):
            from workbench.amendment.atomic import atomic_write  # tempfile: only for --output

            atomic_write(output, data)  # replaced whole or not at all (a full disk, a kill)
        else:  # a device or a pipe (-o /dev/stdout), or a missing directory (the error)
            output.write_bytes(data)
    except OSError as exc:
        fail([f"{output}:1:1: error: cannot write: {exc.strerror or exc}"])


def write_report(
    render: Callable[[str], str], fmt: str, output: Path | None, color: bool = False
) -> None:
    """The report ``render(fmt)`` gives, written as :func:`write_output` does; for ``github``,
    the Markdown report is added to the job summary too."""
    write_output(render(fmt), output, color)
    if fmt == "github":
        step_summary(render("markdown"))


def step_summary(markdown: str) -> None:
    """In GitHub Actions, add the Markdown review to the job summary too."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(terminal_safe(markdown) + "\n")
    except OSError as exc:
        echo(f"{target}:1:1: warning: cannot write the job summary: {exc}", err=True)
