"""Command-line faces of the workbench. Every command calls the same core functions the TUI uses.

Exit codes everywhere: 0 success, 1 findings or invalid input that the command reports, 2 usage
errors (and load errors for ``diff``/``review``, which cannot compare what they cannot read).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from workbench import __version__

if TYPE_CHECKING:
    from workbench.contract.model import Contract


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
        ctx.invoke(open_cmd, path=Path("."))


# --- validate (contract format) -------------------------------------------------------------


@main.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Print problems only, no summary.")
def validate_cmd(paths: tuple[Path, ...], quiet: bool) -> None:
    """Check contract files against format v1; print every problem as file:line:col."""
    from workbench.contract.loader import validate_file

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
@click.option("--theme", help="A Textual theme for this run (the palette switches and saves it).")
def open_cmd(path: Path, theme: str | None = None) -> None:
    """Open the workbench on the repository containing PATH (a contract file is preselected)."""
    if not path.exists():
        click.echo(f"workbench: error: {path}: no such file or directory", err=True)
        sys.exit(2)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        click.echo(
            "workbench: error: the terminal UI needs a terminal; in scripts use "
            "`workbench log`, `workbench diff` or `workbench review`",
            err=True,
        )
        sys.exit(2)
    from workbench.tui.app import run_app
    from workbench.tui.settings import load_settings

    settings = load_settings()
    if theme:
        settings.theme = theme
    run_app(path, settings=settings)


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


# --- diff (engine + reports) ----------------------------------------------------------------


class _LoadError(Exception):
    """Something ``diff`` cannot read: printed as file:line:col lines, exit code 2."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


def _problem_lines(exc: Exception, limit: int = 10) -> list[str]:
    from workbench.contract.errors import ContractError

    if isinstance(exc, ContractError):
        errors = [p for p in exc.problems if p.severity == "error"] or exc.problems
        lines = [p.format() for p in errors[:limit]]
        if len(errors) > limit:
            lines.append(f"{errors[0].file}: ... and {len(errors) - limit} more problems")
        return lines
    return [str(exc)]


def _git_or_none(repo_dir: Path):
    from workbench.history.errors import HistoryError
    from workbench.history.gitio import GitRepo

    try:
        return GitRepo.discover(repo_dir)
    except HistoryError:
        return None


def _load_spec(spec: str, repo_dir: Path, git, *, file: str | None = None) -> tuple:
    """``(contract, repository-relative path)`` for a file path or a ``REV:PATH`` spec.

    ``file`` is where a plain path ``spec`` is read from when that differs from ``spec``."""
    from workbench.contract.errors import ContractError
    from workbench.contract.loader import load_contract
    from workbench.history.revspec import parse_rev_path, read_contract_at

    parsed = parse_rev_path(spec)
    try:
        if parsed is not None:
            rev, path = parsed
            contract = read_contract_at(repo_dir, rev, path)
            rel = contract.source.partition(":")[2] if git is None else _rel(git, path)
            return contract, rel
        contract = load_contract(file or spec, spec)
    except ContractError as exc:
        raise _LoadError(_problem_lines(exc)) from None
    where = str(Path(file or spec).resolve())
    return contract, _rel(git, where, spec) if git is not None else spec


def _rel(git, path: str, fallback: str | None = None) -> str:
    """``path`` relative to the repository root; ``fallback`` (or ``path``) when outside it."""
    from workbench.history.errors import HistoryError

    try:
        return git.relpath(path) or (fallback or path)
    except HistoryError:
        return fallback or path


def _load_base(ref: str, spec: str, repo_dir: Path, git, *, allow_deleted: bool = False) -> tuple:
    """The working-tree (or ``REV:PATH``) contract and the same path at merge-base(REF, HEAD);
    the old side is ``None`` when the contract is new since the merge base, and with
    ``allow_deleted`` the new side is ``None`` when the file is gone from the working tree."""
    from workbench.contract.errors import ContractError
    from workbench.history.errors import HistoryError
    from workbench.history.revspec import parse_rev_path, read_contract_at

    if git is None:
        raise _LoadError([f"{repo_dir}:1:1: error: --base needs a git repository (see --repo)"])
    parsed = parse_rev_path(spec)
    file = None
    root = git.root
    deleted = False
    if parsed is None and not Path(spec).exists() and root is not None:
        if (root / spec).exists():
            file = str(root / spec)  # a path in the working tree, relative to its root
        else:
            deleted = allow_deleted  # deleted since the merge base: a report on the deletion
    if deleted:
        new, new_rel = None, _rel(git, str(Path(spec).resolve()), spec)
    else:
        new, new_rel = _load_spec(spec, repo_dir, git, file=file)
    rel = _rel(git, parsed[1]) if parsed else new_rel
    try:
        head = parsed[0] if parsed and parsed[0] not in ("WORKTREE", "INDEX") else "HEAD"
        a, b = git.resolve(head), git.resolve(ref)
        base = git.run("merge-base", a, b, check=False).strip().decode("ascii")
        if not base:
            raise HistoryError(f"{ref} and {head} have no common ancestor")
        if git.tree_entry(base, rel) is None:
            if deleted:
                raise _LoadError([f"{spec}:1:1: error: no such file (nor at the merge base)"])
            return None, new, rel, new_rel
        old = read_contract_at(repo_dir, base[:12], rel)
    except HistoryError as exc:
        raise _LoadError([f"{ref}:{rel}:1:1: error: {exc}"]) from None
    except ContractError as exc:
        raise _LoadError(_problem_lines(exc)) from None
    return old, new, rel, new_rel


def _parse_today(value: str | None):
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint="--today"
        ) from None


def _build(old, new, *, policy, today, ignores):
    """The one report for an amendment: engine + security review (``review.build_report``)."""
    from workbench.review import build_report

    return build_report(old, new, policy=policy, today=today, ignores=ignores)


def _colored(color: str, output: Path | None) -> bool:
    """``--color``: always, never, or auto (standard output on a terminal, no NO_COLOR)."""
    from workbench.report import use_color

    return color == "always" or (color == "auto" and output is None and use_color(sys.stdout))


def _report_formats() -> list[str]:
    """The ``--format`` choices: the keys of the renderer registry."""
    from workbench.report import FORMATS

    return list(FORMATS)


def _fail(lines: list[str]) -> NoReturn:
    """Print load or usage problems (one line each) and exit 2."""
    for line in lines:
        click.echo(line, err=True)
    sys.exit(2)


_LOCATED = re.compile(r"^.+:\d+:\d+: (error|warning): ")


def _error_line(command: str, exc: Exception) -> str:
    """``workbench CMD: error: MESSAGE``, or the message alone when it already is a located
    ``file:line:col: error: ...`` line (no doubled prefix)."""
    text = str(exc)
    return text if _LOCATED.match(text) else f"workbench {command}: error: {text}"


def _load_sides(
    specs: tuple[str, ...], repo_dir: Path, base_ref: str | None = None, **base_options
) -> tuple[Contract | None, Contract | None, str | None, str | None, Path | None]:
    """Load ``(old, new, old_rel, new_rel, repository root)`` from OLD NEW, NEW alone, or
    ``--base REF NEW``; exit 2 with positioned problems when a side cannot be read."""
    git = _git_or_none(repo_dir)
    old = old_rel = None
    try:
        try:
            if base_ref is not None:
                old, new, old_rel, new_rel = _load_base(
                    base_ref, specs[0], repo_dir, git, **base_options
                )
            elif len(specs) == 2:
                old, old_rel = _load_spec(specs[0], repo_dir, git)
                new, new_rel = _load_spec(specs[1], repo_dir, git)
            else:
                new, new_rel = _load_spec(specs[0], repo_dir, git)
        except _LoadError as exc:
            _fail(exc.lines)
        root = git.root if git is not None and git.root is not None else None
    finally:
        if git is not None:
            git.close()
    return old, new, old_rel, new_rel, root


def _load_ignores_for(root: Path, contract_id: str, ignore_file: Path | None, no_ignore: bool, day):
    """The ignore file given, else the repository's, scoped to one contract; warnings printed."""
    from workbench.contract.errors import ContractError
    from workbench.engine.ignore import IGNORE_NAME
    from workbench.review import load_ignores

    if no_ignore:
        return None
    path = ignore_file if ignore_file is not None else Path(root) / IGNORE_NAME
    if ignore_file is None and not path.is_file():
        return None
    try:
        ignores = load_ignores(path, today=day)
    except ContractError as exc:
        _fail(_problem_lines(exc))
    for warning in ignores.warnings:
        click.echo(warning.format(), err=True)
    return ignores.scoped(contract_id)


def _write_output(text: str, output: Path | None, color: bool = False) -> None:
    if output is None:
        click.echo(text, nl=False, color=color)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail([f"{output}:1:1: error: cannot write: {exc.strerror or exc}"])


def _output_option(f):
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the report to FILE instead of standard output.",
    )(f)


def _acceptance_options(today_help: str):
    """The options every report command shares: the ignore file, the judging day, colour."""
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
        click.option("--today", metavar="YYYY-MM-DD", help=today_help),
        click.option(
            "--color",
            type=click.Choice(["auto", "always", "never"]),
            default="auto",
            show_default=True,
            help="Colour the text report (auto: on a terminal, unless NO_COLOR is set).",
        ),
    ]

    def apply(f):
        for option in reversed(options):
            f = option(f)
        return f

    return apply


def _fail_on_help() -> str:
    return (
        "Exit 1 when a finding reaches this severity (default: breaking); 'never' always exits "
        "0. Security findings introduced by the amendment fail at the policy's security "
        "fail_on (.workbench.yaml, default high)."
    )


@main.command("diff")
@click.argument("specs", nargs=-1, metavar="OLD NEW")
@click.option(
    "--repo",
    "repo_dir",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
    help="The git repository REV:PATH specs read from (default: the current directory).",
)
@click.option(
    "--base",
    "base_ref",
    metavar="REF",
    help="Compare one contract (NEW only) with itself at merge-base(REF, HEAD), as a branch "
    "review does.",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(_report_formats()),
    default="text",
    show_default=True,
    help="Report format.",
)
@_output_option
@click.option(
    "--fail-on",
    type=click.Choice(["breaking", "risky", "never"]),
    default="breaking",
    show_default=True,
    help=_fail_on_help(),
)
@_acceptance_options(
    "The date planned removals (deprecation sunsets) and ignore expiries are judged on."
)
def diff_cmd(
    specs: tuple[str, ...],
    repo_dir: Path,
    base_ref: str | None,
    fmt: str,
    output: Path | None,
    fail_on: str,
    ignore_file: Path | None,
    no_ignore: bool,
    today: str | None,
    color: str,
) -> None:
    """Classify what an amendment changes, for whom, and how badly.

    OLD and NEW are contract files or REV:PATH in the repository (HEAD~1:contracts/payments.yaml,
    main:contracts/payments.yaml, :contracts/payments.yaml for the staged copy). With --base REF,
    give only NEW: it is compared with the same path at merge-base(REF, HEAD).

    Exit codes: 0 nothing fails the gate, 1 something does (see --fail-on), 2 usage or load
    errors (printed as file:line:col).
    """
    from workbench.contract.errors import ContractError
    from workbench.report import RENDERERS, RenderOptions, exit_code
    from workbench.security.policy import load_policy

    if base_ref is not None and len(specs) != 1:
        raise click.UsageError("with --base give one contract: workbench diff --base REF PATH")
    if base_ref is None and len(specs) != 2:
        raise click.UsageError("expected OLD and NEW (files or REV:PATH)")
    day = _parse_today(today)

    old, new, old_rel, new_rel, root = _load_sides(specs, repo_dir, base_ref, allow_deleted=True)
    root = root or repo_dir
    ignores = _load_ignores_for(root, (new or old).id, ignore_file, no_ignore, day)
    try:
        policy = load_policy(root)
    except ContractError as exc:
        _fail(_problem_lines(exc))

    # engine + security review: security findings land under "security_findings"
    report = _build(old, new, policy=policy, today=day, ignores=ignores)
    options = RenderOptions(
        fail_on=fail_on,
        security_fail_on=policy.fail_on,
        color=_colored(color, output),
        old_path=old_rel if old is not None else None,
        new_path=new_rel,
    )
    _write_output(RENDERERS[fmt](report, options), output, options.color)
    if fmt == "github":
        from workbench.report import render_markdown

        _step_summary(render_markdown(report, options))
    sys.exit(exit_code(report, options))


def _step_summary(markdown: str) -> None:
    """In GitHub Actions, add the Markdown review to the job summary too."""
    import os

    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(markdown + "\n")
    except OSError as exc:
        click.echo(f"{target}:1:1: warning: cannot write the job summary: {exc}", err=True)


# --- review (security) ------------------------------------------------------------------------


def _review_fail_on_help() -> str:
    return (
        "Exit 1 when the amendment introduces a security finding at this severity or above "
        "(default: the policy's fail_on, high unless .workbench.yaml says otherwise); 'never' "
        "always exits 0. Findings the old version already had, or the ignore file accepts, "
        "never fail."
    )


@main.command("review")
@click.argument("specs", nargs=-1, metavar="[OLD] NEW")
@click.option(
    "--repo",
    "repo_dir",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
    help="The git repository REV:PATH specs read from, and whose .workbench.yaml holds the "
    "policy (default: the current directory).",
)
@click.option(
    "--base",
    "base_ref",
    metavar="REF",
    help="Review one contract (NEW only) as an amendment of itself at merge-base(REF, HEAD).",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(_report_formats()),
    default="text",
    show_default=True,
    help="Report format (json is the full report: the engine's findings and security_findings).",
)
@_output_option
@click.option(
    "--fail-on",
    type=click.Choice(["critical", "high", "medium", "low", "info", "never"]),
    default=None,
    help=_review_fail_on_help(),
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the security policy from FILE (a settings file with a security: section, or the "
    "bare mapping) instead of the repository's .workbench.yaml.",
)
@_acceptance_options(
    "The date rotation overlaps (deprecation sunsets) and ignore expiries are judged on."
)
def review_cmd(
    specs: tuple[str, ...],
    repo_dir: Path,
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
    from workbench.contract.errors import ContractError
    from workbench.report.review import render_review, review_exit_code, review_options
    from workbench.security.policy import load_policy, load_policy_file

    if base_ref is not None and len(specs) != 1:
        raise click.UsageError("with --base give one contract: workbench review --base REF PATH")
    if not 1 <= len(specs) <= 2:
        raise click.UsageError("expected PATH, or OLD and NEW (files or REV:PATH)")
    day = _parse_today(today)

    old, new, old_rel, new_rel, root = _load_sides(specs, repo_dir, base_ref)
    root = root or repo_dir
    try:
        policy = load_policy_file(policy_file) if policy_file else load_policy(root)
    except ContractError as exc:
        _fail(_problem_lines(exc))
    ignores = _load_ignores_for(root, new.id, ignore_file, no_ignore, day)

    report = _build(old, new, policy=policy, today=day, ignores=ignores)
    paint = _colored(color, output)
    options = review_options(
        fail_on or policy.fail_on,
        color=paint,
        old_path=old_rel if old is not None else None,
        new_path=new_rel,
    )
    _write_output(render_review(report, fmt, policy, options), output, paint)
    if fmt == "github":
        _step_summary(render_review(report, "markdown", policy, options))
    sys.exit(review_exit_code(report, options))


# --- check (gate) -----------------------------------------------------------------------------


@main.command("check")
@click.option(
    "--repo",
    "repo_dir",
    default=".",
    type=click.Path(path_type=Path),
    help="Any path inside the repository (default: the current directory).",
)
@click.option(
    "--staged", is_flag=True, help="Check what is staged for the next commit (a pre-commit hook)."
)
@click.option(
    "--base",
    "base_ref",
    metavar="REF",
    help="Check contracts changed between merge-base(REF, HEAD) and HEAD (a pull request in CI).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--today", metavar="YYYY-MM-DD", help="Judge sunsets as of this day.")
def check_cmd(
    repo_dir: Path, staged: bool, base_ref: str | None, fmt: str, today: str | None
) -> None:
    """Fail when a changed contract has no complete and current amendment record.

    By default contracts changed in the working tree (against HEAD) are checked; --staged
    checks the staged copies and their staged records, as the commit will contain them.

    Exit codes: 0 every changed contract is covered, 1 something is missing (listed per
    contract and step, stale items named), 2 usage errors or an unreadable repository.
    """
    import json

    from workbench.amendment.gate import GateError, check

    if staged and base_ref is not None:
        raise click.UsageError("--staged and --base exclude each other")
    day = _parse_today(today)
    try:
        result = check(repo_dir, staged=staged, base=base_ref, today=day)
    except GateError as exc:
        click.echo(_error_line("check", exc), err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(result.render(), nl=False, err=not result.ok)
    sys.exit(result.exit_code)


# --- notice -------------------------------------------------------------------------------------


@main.command("notice")
@click.argument("specs", nargs=2, metavar="OLD NEW")
@click.option(
    "--repo",
    "repo_dir",
    default=".",
    type=click.Path(path_type=Path),
    help="The repository REV:PATH specs refer to (default: the current directory).",
)
@click.option(
    "--output", "-o", type=click.Path(path_type=Path), help="Write the notice to this file."
)
@click.option("--today", metavar="YYYY-MM-DD", help="Date the notice and judge sunsets as of it.")
@click.option(
    "--no-record",
    is_flag=True,
    help="Ignore the amendment record (summary, accepted reasons, sign-off) even if one exists.",
)
def notice_cmd(
    specs: tuple[str, str], repo_dir: Path, output: Path | None, today: str | None, no_record: bool
) -> None:
    """Print the amendment notice (Markdown) for OLD -> NEW, files or REV:PATH.

    When the repository holds an amendment record for NEW's version, its summary, effective
    date, accepted reasons and sign-off are included.
    """
    from workbench.amendment.notice import notice_for
    from workbench.amendment.record import load_record, record_relpath
    from workbench.amendment.settings import DEFAULT_SETTINGS, load_settings
    from workbench.contract.errors import ContractError
    from workbench.security.policy import DEFAULT_POLICY, load_policy

    day = _parse_today(today)

    old, new, _old_rel, new_rel, root = _load_sides(specs, repo_dir)
    settings, policy, ignores, record = DEFAULT_SETTINGS, DEFAULT_POLICY, None, None
    if root is not None:
        try:
            settings = load_settings(root)
            policy = load_policy(root)
        except ContractError as exc:
            _fail(_problem_lines(exc))
        ignores = _load_ignores_for(root, new.id, None, False, day)
        candidate = Path(root) / record_relpath(settings.directory, new.id, new.version)
        if not no_record and candidate.is_file():
            try:
                record = load_record(candidate)
            except ContractError as exc:
                _fail(_problem_lines(exc))
    report = _build(old, new, policy=policy, today=day, ignores=ignores)
    text = notice_for(
        old,
        new,
        report,
        path=new_rel,
        today=day,
        notice_period=settings.notice_period,
        default_skew=policy.clock_skew,
        record=record,
    )
    _write_output(text, output)


# --- amend (the checklist, scriptable) -----------------------------------------------------------


@main.group("amend")
def amend_group() -> None:
    """Answer the amendment checklist from the command line (the TUI's `c` screen does the same).

    Every subcommand works on the working-tree draft of one contract (--contract, default: the
    only contract changed in the working tree) and saves the record at once.
    """


def _amend_options(func):
    func = click.option(
        "--today", metavar="YYYY-MM-DD", help="Judge sunsets and date entries as of this day."
    )(func)
    func = click.option(
        "--base",
        "base_ref",
        metavar="REF",
        help="Compare with merge-base(REF, HEAD) instead of HEAD (amendments already committed "
        "on a branch).",
    )(func)
    func = click.option(
        "--contract",
        "-c",
        "contract",
        metavar="PATH",
        help="The contract file (default: the only contract changed in the working tree).",
    )(func)
    func = click.option(
        "--repo",
        "repo_dir",
        default=".",
        type=click.Path(path_type=Path),
        help="Any path inside the repository (default: the current directory).",
    )(func)
    return func


def _amend_session(
    repo_dir: Path, contract: str | None, today: str | None, base_ref: str | None = None
):
    """Open the session, or exit 2 (no repository, no unique contract) / 1 (refused)."""
    from workbench.amendment.session import AmendmentError, AmendmentSession, SettingsError
    from workbench.history.errors import HistoryError
    from workbench.history.repo import ContractRepo

    day = _parse_today(today)
    try:
        repo = ContractRepo.open(repo_dir, cache=False)
    except HistoryError as exc:
        click.echo(_error_line("amend", exc), err=True)
        sys.exit(2)
    try:
        base = repo.merge_base(base_ref) if base_ref else "HEAD"
        if contract is None and base_ref:
            from workbench.amendment.gate import changed_since

            paths = [c.path for c in changed_since(repo, base) if not c.deleted]
            paths += [
                e.path
                for e in repo.contracts()
                if e.draft not in ("clean", "deleted") and e.path not in paths
            ]
            if len(paths) != 1:
                click.echo(
                    f"workbench amend: error: give --contract PATH ({len(paths)} contracts "
                    f"changed since {base_ref}: {', '.join(paths) or 'none'})",
                    err=True,
                )
                sys.exit(2)
            contract = paths[0]
        if contract is None:
            changed = [e for e in repo.contracts() if e.draft not in ("clean", "deleted")]
            if len(changed) != 1:
                names = ", ".join(e.path for e in changed) or "none"
                click.echo(
                    f"workbench amend: error: give --contract PATH ({len(changed)} contracts "
                    f"changed in the working tree: {names})",
                    err=True,
                )
                sys.exit(2)
            rel = changed[0].path
        else:
            p = Path(contract)
            rel = repo.git.relpath(p.resolve() if p.exists() else contract)
        return AmendmentSession(repo, rel, base=base, today=day, owns_repo=True)
    except (AmendmentError, HistoryError) as exc:
        repo.close()
        click.echo(_error_line("amend", exc), err=True)
        refused = isinstance(exc, AmendmentError) and not isinstance(exc, SettingsError)
        sys.exit(1 if refused else 2)
    except BaseException:
        repo.close()
        raise


def _amend_run(session, action) -> None:
    """Run one action; refusals are one line on stderr and exit 1."""
    from workbench.amendment.session import AmendmentError, SettingsError

    try:
        message = action()
    except AmendmentError as exc:
        click.echo(_error_line("amend", exc), err=True)
        session.close()
        sys.exit(2 if isinstance(exc, SettingsError) else 1)
    if message:
        click.echo(message)
    session.close()


@amend_group.command("status")
@_amend_options
@click.option("--all", "verbose", is_flag=True, help="Show every item, not only open ones.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def amend_status_cmd(
    repo_dir: Path,
    contract: str | None,
    today: str | None,
    base_ref: str | None,
    verbose: bool,
    fmt: str,
) -> None:
    """Show the five steps, their status and what is left. Exit 1 while incomplete."""
    import json

    from workbench.amendment.checklist import render_text

    session = _amend_session(repo_dir, contract, today, base_ref)
    checklist = session.checklist
    session.close()
    if fmt == "json":
        click.echo(json.dumps(checklist.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(checklist, verbose=verbose), nl=False)
    sys.exit(0 if checklist.complete else 1)


@amend_group.command("start")
@_amend_options
@click.option("--summary", help="One paragraph for the notice and the record.")
@click.option("--effective", metavar="YYYY-MM-DD", help="The day the new version takes effect.")
def amend_start_cmd(
    repo_dir: Path,
    contract: str | None,
    today: str | None,
    base_ref: str | None,
    summary: str | None,
    effective: str | None,
) -> None:
    """Create the amendment record for the next version (or keep the existing one)."""
    day = _parse_today(effective) if effective else None
    session = _amend_session(repo_dir, contract, today, base_ref)

    def run() -> str:
        record = session.start(summary=summary, effective=day)
        before = record.from_version or "(new)"
        return f"{session.located.relpath}: {record.contract} {before} -> {record.to_version}"

    _amend_run(session, run)


@amend_group.command("summary")
@_amend_options
@click.argument("text")
def amend_summary_cmd(
    repo_dir: Path, contract: str | None, today: str | None, base_ref: str | None, text: str
) -> None:
    """Set the summary the notice and the record show."""
    session = _amend_session(repo_dir, contract, today, base_ref)
    _amend_run(session, lambda: session.set_summary(text))


@amend_group.command("bump")
@_amend_options
@click.option("--version", "version", metavar="X.Y.Z", help="Default: the required bump.")
def amend_bump_cmd(
    repo_dir: Path,
    contract: str | None,
    today: str | None,
    base_ref: str | None,
    version: str | None,
) -> None:
    """Set the contract's version in the working tree; only the version line changes."""
    session = _amend_session(repo_dir, contract, today, base_ref)

    def run() -> str:
        result = session.apply_bump(version)
        if not result.changed:
            return f"{session.path}: already at {result.new_version}"
        return f"{session.path}:{result.line}: version {result.old_version} -> {result.new_version}"

    _amend_run(session, run)


@amend_group.command("accept")
@_amend_options
@click.argument("fingerprint")
@click.option("--reason", "-r", required=True, help="Why the finding is acceptable (kept).")
def amend_accept_cmd(
    repo_dir: Path,
    contract: str | None,
    today: str | None,
    base_ref: str | None,
    fingerprint: str,
    reason: str,
) -> None:
    """Accept a breaking or security finding (by fingerprint or a prefix) with a reason."""
    session = _amend_session(repo_dir, contract, today, base_ref)

    def run() -> str:
        acc = session.accept(fingerprint, reason)
        return f"accepted {acc.fingerprint} ({acc.rule} at {acc.path})"

    _amend_run(session, run)


@amend_group.command("withdraw")
@_amend_options
@click.argument("fingerprint")
def amend_withdraw_cmd(
    repo_dir: Path, contract: str | None, today: str | None, base_ref: str | None, fingerprint: str
) -> None:
    """Remove an acceptance (for example one whose finding is gone)."""
    session = _amend_session(repo_dir, contract, today, base_ref)
    _amend_run(session, lambda: session.withdraw(fingerprint))


@amend_group.command("sign-off")
@_amend_options
@click.option("--reviewer", required=True, help="The reviewer's name (not the author).")
@click.option("--email", help="The reviewer's email.")
@click.option("--comment", default="", help="A note kept with the sign-off.")
def amend_sign_off_cmd(
    repo_dir: Path,
    contract: str | None,
    today: str | None,
    base_ref: str | None,
    reviewer: str,
    email: str | None,
    comment: str,
) -> None:
    """Record the security reviewer's sign-off for the current change set."""
    session = _amend_session(repo_dir, contract, today, base_ref)

    def run() -> str:
        sign = session.sign_off(reviewer, email, comment)
        return f"signed off by {sign.who} for change set {sign.fingerprint}"

    _amend_run(session, run)


@amend_group.command("notice")
@_amend_options
@click.option("--print", "show", is_flag=True, help="Also print the notice.")
def amend_notice_cmd(
    repo_dir: Path, contract: str | None, today: str | None, base_ref: str | None, show: bool
) -> None:
    """Generate the notice, write it next to the record and note it in the record."""
    session = _amend_session(repo_dir, contract, today, base_ref)

    def run() -> str:
        text, rel = session.generate_notice()
        return text if show else f"wrote {rel}"

    _amend_run(session, run)


@amend_group.command("changelog")
@_amend_options
@click.option("--replace", is_flag=True, help="Rewrite an existing entry for this version.")
def amend_changelog_cmd(
    repo_dir: Path, contract: str | None, today: str | None, base_ref: str | None, replace: bool
) -> None:
    """Append the Keep a Changelog entry to the CHANGELOG.md next to the contract."""
    session = _amend_session(repo_dir, contract, today, base_ref)

    def run() -> str:
        result = session.append_changelog(replace=replace)
        verb = {
            "created": "created with the entry",
            "inserted": "entry added",
            "replaced": "entry replaced",
            "exists": "already has an entry (use --replace to rewrite it)",
        }[result.status]
        return f"{result.path}: {verb}"

    _amend_run(session, run)


@amend_group.command("notify")
@_amend_options
@click.argument("consumers", nargs=-1)
@click.option("--all", "everyone", is_flag=True, help="Every affected consumer.")
def amend_notify_cmd(
    repo_dir: Path,
    contract: str | None,
    today: str | None,
    base_ref: str | None,
    consumers: tuple[str, ...],
    everyone: bool,
) -> None:
    """Confirm consumers as notified of this change set (after sending the notice)."""
    if bool(consumers) == everyone:
        raise click.UsageError("name the consumers, or give --all")
    session = _amend_session(repo_dir, contract, today, base_ref)

    def run() -> str:
        done = session.notify(None if everyone else list(consumers))
        return "notified: " + ", ".join(n.consumer for n in done)

    _amend_run(session, run)


@amend_group.command("refresh")
@_amend_options
def amend_refresh_cmd(
    repo_dir: Path, contract: str | None, today: str | None, base_ref: str | None
) -> None:
    """Re-run the checks and save the record (moving it if the version changed)."""
    from workbench.amendment.checklist import render_text

    session = _amend_session(repo_dir, contract, today, base_ref)
    _amend_run(session, lambda: render_text(session.sync()).rstrip("\n"))


# --- log (history) ----------------------------------------------------------------------------


def _log_clean(text: str) -> str:
    """Untrusted text (subjects, names, paths) for one line of a column: control characters
    shown escaped, as every report shows them (``report.common.clean``); tabs become spaces."""
    from workbench.report.common import clean

    return clean(text).replace("\t", " ")


def _log_cut(text: str, width: int) -> str:
    text = _log_clean(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _log_line(entry, contract_width: int | None, color: bool) -> str:
    rev = entry.revision
    date = rev.date.strftime("%Y-%m-%d") if rev.date else "-"
    cells = [date.ljust(10), rev.short.ljust(8)]
    if contract_width is not None:
        cells.append(_log_cut(entry.contract or "?", contract_width).ljust(contract_width))
    cells.append(_log_cut(rev.author_name or rev.author_email or "-", 18).ljust(18))
    version = "deleted" if rev.deleted else (_log_cut(rev.version, 12) or "?")
    cells.append(version.ljust(12))
    report = entry.report
    if report is None:
        label = "invalid" if entry.invalid else "error"
        cells.append(click.style(label.ljust(14), fg="red") if color else label.ljust(14))
        cells.append("   -   -    -    -   -")
    else:
        verdict = report.verdict
        got = verdict.actual_bump + ("" if verdict.version_bump_ok else "!")
        bump = f"{verdict.required_bump:<5} {got:<8}"
        if color and not verdict.version_bump_ok:
            bump = click.style(bump, fg="red", bold=True)
        cells.append(bump)
        counts = entry.counts
        styles = {"breaking": "red", "risky": "yellow", "weakens": "magenta", "security": "magenta"}
        parts = []
        for key, width in (
            ("breaking", 4),
            ("risky", 3),
            ("safe", 4),
            ("weakens", 4),
            ("security", 3),
        ):
            value = counts[key]
            cell = (str(value) if value else "-").rjust(width)
            if color and value and key in styles:
                cell = click.style(cell, fg=styles[key], bold=key == "breaking")
            parts.append(cell)
        cells.append(" ".join(parts))
    subject = _log_clean(rev.subject)
    if rev.is_merge:
        subject += " (merge: vs first parent)"
    if entry.base is not None:
        subject += f" (compared with {entry.base.short}: the parent is invalid)"
    if entry.error:
        note = f"[{'invalid: ' if entry.invalid else ''}{_log_clean(entry.error)}]"
        subject += "  " + (click.style(note, fg="red") if color else note)
    cells.append(subject)
    return "  ".join(cells)


def _log_header(contract_width: int | None) -> str:
    cells = ["DATE".ljust(10), "REV".ljust(8)]
    if contract_width is not None:
        cells.append("CONTRACT".ljust(contract_width))
    cells += ["AUTHOR".ljust(18), "VERSION".ljust(12), "NEEDS GOT     "]
    cells += [" BRK RSK SAFE WEAK SEC", "SUBJECT"]
    return "  ".join(cells)


@main.command("log")
@click.argument("path", required=False)
@click.option(
    "--repo",
    "repo_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The git repository (default: the one containing PATH, or the current directory). "
    "With --repo, PATH is relative to the repository root.",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="text: aligned columns; json: a list of objects.",
)
@click.option("--limit", "-n", type=click.IntRange(min=0), help="Show at most N amendments.")
def log_cmd(path: str | None, repo_dir: Path | None, fmt: str, limit: int | None) -> None:
    """One line per amendment, newest first: date, revision, author, version, the bump the
    changes need and the one made, counts of breaking/risky/safe findings, security weakenings
    and new security findings, and the subject.

    PATH is a contract file (its history follows renames; a deleted contract still has one) or
    a directory (every contract under it). Without PATH: every contract's amendments, in
    commit order. Uncommitted drafts (WORKTREE, INDEX) come first. An invalid revision shows
    its error inline and the log continues. Merge commits are judged against their first parent.
    """
    import json
    import os

    from workbench.history.errors import HistoryError
    from workbench.history.log import amendment_log
    from workbench.history.repo import ContractRepo

    def fail(message: str) -> None:
        text = _log_clean(message)
        click.echo(text if _LOCATED.match(text) else f"workbench log: {text}", err=True)
        sys.exit(2)

    start = repo_dir or (Path(path).parent if path and not Path(path).is_dir() else path or ".")
    try:
        repo = ContractRepo.open(start)
    except HistoryError as exc:
        return fail(str(exc))
    with repo:
        try:
            rel = under = None
            if path:
                target = path if repo_dir else os.path.abspath(path)
                rel = repo.git.relpath(target)
                is_dir = rel == "" or (repo.root is not None and (repo.root / rel).is_dir())
                if not is_dir and repo.root is None:
                    head = repo.head()
                    entry = repo.git.tree_entry(head, rel) if head else None
                    is_dir = entry is not None and entry[0] == "tree"
                if is_dir:
                    under, rel = rel, None
            if limit == 0:
                click.echo("[]" if fmt == "json" else _log_header(None if rel else 8))
                return None
            entries = amendment_log(repo, rel, limit=limit, under=under)
            first = next(entries, None)
            if first is None and rel is not None:
                return fail(f"{path}: no history in {repo.name} (not a file git knows)")
            if first is not None and rel is not None and not first.contract:
                return fail(
                    f"{path}: not an authentication contract (no top-level 'contract' and "
                    "'version' keys)"
                )
            contract_width = None
            if rel is None:  # sized from today's contracts; older, longer ids are cut
                ids = [e.id for e in repo.contracts()]
                contract_width = max(min(max((len(i) for i in ids), default=12), 28), 12)
            color = fmt == "text" and sys.stdout.isatty()
            if fmt == "json":
                if first is None:
                    click.echo("[]")
                    return None
                click.echo("[\n  " + json.dumps(first.to_dict()), nl=False)
                for entry in entries:
                    click.echo(",\n  " + json.dumps(entry.to_dict()), nl=False)
                click.echo("\n]")
                return None
            if first is None:
                click.echo("no amendments", err=True)
                return None
            click.echo(_log_header(contract_width))
            click.echo(_log_line(first, contract_width, color))
            for entry in entries:
                click.echo(_log_line(entry, contract_width, color))
        except HistoryError as exc:
            return fail(str(exc))
        except BrokenPipeError:  # `workbench log | head`
            sys.stderr.close()
            sys.exit(0)
    return None
