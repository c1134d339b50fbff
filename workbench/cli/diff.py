"""``workbench diff``: the compatibility report of an amendment (engine + security review).

:func:`run` is the command; ``command`` (the click command, its options and help) is built when
first asked for, so that a command line ``cli/quick.py`` parses runs without importing click.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, ParamSpec

from workbench.cli.loading import (
    amendment_report,
    load_ignores_for,
    load_sides,
    policy_for,
    shown_sides,
)
from workbench.cli.options import colored, parse_day, write_report
from workbench.contract.collector import collector_paused
from workbench.report import FORMATS, RenderOptions, exit_code, render

if TYPE_CHECKING:
    import click

P = ParamSpec("P")

FAIL_ON = ("breaking", "risky", "never")
FAIL_ON_HELP = (
    "Exit 1 when a finding reaches this severity (default: breaking); 'never' always exits "
    "0. Security findings introduced by the amendment fail at the policy's security "
    "fail_on (.workbench.yaml, default high)."
)
BASE_ONE = "with --base give one contract: workbench diff --base REF PATH"
OLD_AND_NEW = "expected OLD and NEW (files or REV:PATH)"


def usage_problem(specs: tuple[str, ...], base_ref: str | None) -> str | None:
    """The usage error of this many specs, if any."""
    if base_ref is not None and len(specs) != 1:
        return BASE_ONE
    if base_ref is None and len(specs) != 2:
        return OLD_AND_NEW
    return None


def _paused(command: Callable[P, int]) -> Callable[P, NoReturn]:
    """``command`` run with the collector paused, then exit with its code.

    Everything the command loads lives until it ends and makes no cycles to speak of: with the
    collector on, each collection after a load or the engine rescans both contracts (a fifth
    of a second at 100,000 lines). The command's objects are gone (its frame has returned) when
    the collector comes back on."""

    @functools.wraps(command)
    def paused(*args: P.args, **kwargs: P.kwargs) -> NoReturn:
        with collector_paused():
            code = command(*args, **kwargs)
        sys.exit(code)

    return paused


@_paused
def run(
    specs: tuple[str, ...],
    repo_dir: Path,
    kind: str,
    base_ref: str | None,
    fmt: str,
    output: Path | None,
    fail_on: str,
    ignore_file: Path | None,
    no_ignore: bool,
    today: str | None,
    color: str,
) -> int:
    """The diff of ``specs`` written as ``fmt``; exits with the report's code."""
    problem = usage_problem(specs, base_ref)
    if problem is not None:
        import click

        raise click.UsageError(problem)
    day = parse_day(today)

    old, new, old_rel, new_rel, root = load_sides(
        specs, repo_dir, base_ref, allow_deleted=True, kind=kind
    )
    root = root or repo_dir
    side = new or old
    assert side is not None  # load_sides reads at least one side or exits
    ignores = load_ignores_for(root, side.id, ignore_file, no_ignore, day)
    policy = policy_for(root)

    # engine + security review: security findings land under "security_findings"
    report, _, _ = amendment_report(
        specs, repo_dir, base_ref, day, old, new, policy=policy, ignores=ignores
    )
    options = RenderOptions(
        fail_on=fail_on,
        security_fail_on=policy.fail_on,
        color=colored(color, output),
        **shown_sides(old, new, old_rel, new_rel),
    )
    write_report(lambda f: render(report, f, options), fmt, output, options.color)
    return exit_code(report, options)


def _command() -> click.Command:
    import click

    from workbench.cli.options import (
        acceptance_options,
        base_option,
        fail_on_option,
        format_option,
        from_option,
        output_option,
        repo_option,
    )

    @click.command("diff")
    @click.argument("specs", nargs=-1, metavar="OLD NEW")
    @repo_option
    @from_option
    @base_option(
        "Compare one contract (NEW only) with itself at merge-base(REF, HEAD), as a branch "
        "review does."
    )
    @format_option(FORMATS, help="Report format.")
    @output_option
    @fail_on_option(list(FAIL_ON), default="breaking", help=FAIL_ON_HELP)
    @acceptance_options(
        "The date planned removals (deprecation sunsets) and ignore expiries are judged on."
    )
    def command(**options: Any) -> None:
        """Classify what an amendment changes, for whom, and how badly.

        OLD and NEW are contract files or REV:PATH in the repository
        (HEAD~1:contracts/payments.yaml, main:contracts/payments.yaml, :contracts/payments.yaml
        for the staged copy). With --base REF, give only NEW: it is compared with the same path
        at merge-base(REF, HEAD).

        Exit codes: 0 nothing fails the gate, 1 something does (see --fail-on), 2 usage or load
        errors (printed as file:line:col).
        """
        run(**options)

    return command


def __getattr__(name: str) -> Any:
    if name == "command":  # the click command, built once when first asked for
        built = globals()["command"] = _command()
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
