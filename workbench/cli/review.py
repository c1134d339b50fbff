"""``workbench review``: the security review of a contract or of an amendment."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from workbench.cli.loading import (
    amendment_report,
    load_ignores_for,
    load_sides,
    policy_for,
    shown_sides,
)
from workbench.cli.options import (
    acceptance_options,
    base_option,
    colored,
    fail_on_option,
    format_option,
    from_option,
    output_option,
    parse_day,
    repo_option,
    write_report,
)
from workbench.report.review import (
    REVIEW_RENDERERS,
    render_review,
    review_exit_code,
    review_options,
)

FAIL_ON_HELP = (
    "Exit 1 when the amendment introduces a security finding at this severity or above "
    "(default: the policy's fail_on, high unless .workbench.yaml says otherwise); 'never' "
    "always exits 0. Findings the old version already had, or the ignore file accepts, "
    "never fail."
)


@click.command("review")
@click.argument("specs", nargs=-1, metavar="[OLD] NEW")
@repo_option
@from_option
@base_option("Review one contract (NEW only) as an amendment of itself at merge-base(REF, HEAD).")
@format_option(
    REVIEW_RENDERERS,
    help="Report format (json is the full report: the engine's findings and security_findings).",
)
@output_option
@fail_on_option(
    ["critical", "high", "medium", "low", "info", "never"], default=None, help=FAIL_ON_HELP
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the security policy from FILE (a settings file with a security: section, or the "
    "bare mapping) instead of the repository's .workbench.yaml.",
)
@acceptance_options(
    "The date rotation overlaps (deprecation sunsets) and ignore expiries are judged on."
)
def command(
    specs: tuple[str, ...],
    repo_dir: Path,
    kind: str,
    base_ref: str | None,
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    policy_file: Path | None,
    ignore_file: Path | None,
    no_ignore: bool,
    today: str | None,
    color: str,
) -> None:
    """Security review of a contract (PATH) or of an amendment (OLD NEW).

    With one contract, report its state against the standards (RFC 8725, RFC 9068, RFC 9700,
    NIST SP 800-63B-4, SP 800-57, SP 800-131A, OWASP ASVS). With two, report the state of NEW
    (marking what OLD already had) plus the regressions the amendment introduces: security
    weakenings and rotations without enough overlap. Specs are files or REV:PATH, as for diff.

    Exit codes: 0 nothing at or above --fail-on, 1 something is, 2 usage or load errors
    (printed as file:line:col).
    """
    if base_ref is not None and len(specs) != 1:
        raise click.UsageError("with --base give one contract: workbench review --base REF PATH")
    if not 1 <= len(specs) <= 2:
        raise click.UsageError("expected PATH, or OLD and NEW (files or REV:PATH)")
    day = parse_day(today)

    old, new, old_rel, new_rel, root = load_sides(specs, repo_dir, base_ref, kind=kind)
    assert new is not None  # without allow_deleted the new side is read or the command exits
    root = root or repo_dir
    policy = policy_for(root, policy_file)
    ignores = load_ignores_for(root, new.id, ignore_file, no_ignore, day)

    report, _, _ = amendment_report(
        specs, repo_dir, base_ref, day, old, new, policy=policy, ignores=ignores
    )
    paint = colored(color, output)
    options = review_options(
        fail_on or policy.fail_on, color=paint, **shown_sides(old, new, old_rel, new_rel)
    )
    write_report(lambda f: render_review(report, f, policy, options), fmt, output, paint)
    sys.exit(review_exit_code(report, options))
