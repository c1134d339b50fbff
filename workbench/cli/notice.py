"""``workbench notice``: the amendment notice for OLD -> NEW."""

from __future__ import annotations

from pathlib import Path

import click

from workbench.amendment.confine import PathRefused, confined
from workbench.amendment.notice import notice_for
from workbench.amendment.record import load_record, record_relpath
from workbench.amendment.settings import DEFAULT_SETTINGS, load_settings
from workbench.cli.loading import (
    amendment_report,
    load_ignores_for,
    load_sides,
    policy_for,
    problem_lines,
    shown_sides,
)
from workbench.cli.options import fail, parse_day, repo_option, today_option, write_output
from workbench.contract.errors import ContractError
from workbench.security.policy import DEFAULT_POLICY


@click.command("notice")
@click.argument("specs", nargs=2, metavar="OLD NEW")
@repo_option
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), help="Write the notice to this file."
)
@today_option("Date the notice and judge sunsets as of it.")
@click.option(
    "--no-record",
    is_flag=True,
    help="Ignore the amendment record (summary, accepted reasons, sign-off) even if one exists.",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["markdown", "html"]),
    default="markdown",
    show_default=True,
    help="markdown: the notice; html: one self-contained page, the notice and the review "
    "behind it (findings, security, side-by-side diff).",
)
def command(
    specs: tuple[str, str],
    repo_dir: Path,
    output: Path | None,
    today: str | None,
    no_record: bool,
    fmt: str = "markdown",
) -> None:
    """Print the amendment notice (Markdown) for OLD -> NEW, files or REV:PATH.

    When the repository holds an amendment record for NEW's version, its summary, effective
    date, accepted reasons and sign-off are included.
    """
    day = parse_day(today)

    old, new, old_rel, new_rel, root = load_sides(specs, repo_dir)
    assert new is not None
    settings, policy, ignores, record = DEFAULT_SETTINGS, DEFAULT_POLICY, None, None
    if root is not None:
        try:
            settings = load_settings(root)
        except ContractError as exc:
            fail(problem_lines(exc))
        policy = policy_for(root)
        ignores = load_ignores_for(root, new.id, None, False, day)
        try:  # a committed symlink never makes us read a record from outside the repository
            candidate = confined(
                Path(root), record_relpath(settings.directory, new.id, new.version)
            )
        except PathRefused as exc:
            fail([f"workbench notice: error: {exc}"])
        if not no_record and candidate.is_file():
            try:
                record = load_record(candidate)
            except ContractError as exc:
                fail(problem_lines(exc))
    report, now, old_since = amendment_report(
        specs, repo_dir, None, day, old, new, policy=policy, ignores=ignores
    )
    text = notice_for(
        old,
        new,
        report,
        path=new_rel,
        today=day,
        notice_period=settings.notice_period,
        default_skew=policy.clock_skew,
        old_since=old_since,
        record=record,
        now=now,
    )
    if fmt == "html":
        from workbench.report.common import RenderOptions
        from workbench.report.html import render_notice_html

        options = RenderOptions(
            security_fail_on=policy.fail_on, **shown_sides(old, new, old_rel, new_rel)
        )
        text = render_notice_html(report, text, options)
    write_output(text, output)
