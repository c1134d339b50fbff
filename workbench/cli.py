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


def _load_base(ref: str, spec: str, repo_dir: Path, git) -> tuple:
    """The working-tree (or ``REV:PATH``) contract and the same path at merge-base(REF, HEAD);
    the old side is ``None`` when the contract is new since the merge base."""
    from workbench.contract.errors import ContractError
    from workbench.history.errors import HistoryError
    from workbench.history.revspec import parse_rev_path, read_contract_at

    if git is None:
        raise _LoadError([f"{repo_dir}: --base needs a git repository (see --repo)"])
    parsed = parse_rev_path(spec)
    file = None
    root = git.root
    if parsed is None and not Path(spec).exists() and root is not None and (root / spec).exists():
        file = str(root / spec)  # a path in the working tree, relative to its root
    new, new_rel = _load_spec(spec, repo_dir, git, file=file)
    rel = _rel(git, parsed[1]) if parsed else new_rel
    try:
        head = parsed[0] if parsed and parsed[0] not in ("WORKTREE", "INDEX") else "HEAD"
        a, b = git.resolve(head), git.resolve(ref)
        base = git.run("merge-base", a, b, check=False).strip().decode("ascii")
        if not base:
            raise HistoryError(f"{ref} and {head} have no common ancestor")
        if git.tree_entry(base, rel) is None:
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
    """The one report: engine + security review when present, else the engine alone."""
    try:
        from workbench.review import build_report
    except ImportError:  # pragma: no cover - while the security review is not installed
        from workbench.engine import compare

        return compare(old, new, today=today, ignores=ignores)
    return build_report(old, new, policy=policy, today=today, ignores=ignores)


def _report_formats() -> list[str]:
    """The ``--format`` choices: the keys of the renderer registry."""
    from workbench.report import FORMATS

    return list(FORMATS)


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
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE instead of standard output.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["breaking", "risky", "never"]),
    default="breaking",
    show_default=True,
    help=_fail_on_help(),
)
@click.option(
    "--ignore-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Accepted findings (default: .workbench-ignore.yaml at the repository root, if any).",
)
@click.option("--no-ignore", is_flag=True, help="Report every finding; read no ignore file.")
@click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="The date planned removals (deprecation sunsets) and ignore expiries are judged on.",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the text report (auto: on a terminal, unless NO_COLOR is set).",
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
    from workbench.engine.ignore import IGNORE_NAME, load_ignores
    from workbench.report import RENDERERS, RenderOptions, exit_code, use_color

    if base_ref is not None and len(specs) != 1:
        raise click.UsageError("with --base give one contract: workbench diff --base REF PATH")
    if base_ref is None and len(specs) != 2:
        raise click.UsageError("expected OLD and NEW (files or REV:PATH)")
    day = _parse_today(today)

    def fail(lines: list[str]) -> None:
        for line in lines:
            click.echo(line, err=True)
        sys.exit(2)

    git = _git_or_none(repo_dir)
    try:
        try:
            if base_ref is not None:
                old, new, old_rel, new_rel = _load_base(base_ref, specs[0], repo_dir, git)
            else:
                old, old_rel = _load_spec(specs[0], repo_dir, git)
                new, new_rel = _load_spec(specs[1], repo_dir, git)
        except _LoadError as exc:
            fail(exc.lines)
        root = git.root if git is not None and git.root is not None else repo_dir
    finally:
        if git is not None:
            git.close()

    ignores = None
    try:
        if ignore_file is not None and not no_ignore:
            ignores = load_ignores(ignore_file, today=day)
        elif not no_ignore and (Path(root) / IGNORE_NAME).is_file():
            ignores = load_ignores(Path(root) / IGNORE_NAME, today=day)
    except ContractError as exc:
        fail(_problem_lines(exc))
    if ignores is not None:
        for warning in ignores.warnings:
            click.echo(warning.format(), err=True)
        ignores = ignores.scoped((new or old).id)

    policy = None
    try:
        from workbench.security.policy import load_policy
    except ImportError:  # pragma: no cover - while the security review is not installed
        load_policy = None
    if load_policy is not None:
        try:
            policy = load_policy(root)
        except ContractError as exc:
            fail(_problem_lines(exc))

    report = _build(old, new, policy=policy, today=day, ignores=ignores)
    stream = sys.stdout if output is None else None
    options = RenderOptions(
        fail_on=fail_on,
        security_fail_on=getattr(policy, "fail_on", "high"),
        color=color == "always" or (color == "auto" and stream is not None and use_color(stream)),
        old_path=old_rel if old is not None else None,
        new_path=new_rel,
    )
    text = RENDERERS[fmt](report, options)
    if output is None:
        click.echo(text, nl=False, color=options.color)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail([f"{output}:1:1: error: cannot write: {exc.strerror or exc}"])
    if fmt == "github":
        _step_summary(report, options)
    sys.exit(exit_code(report, options))


def _step_summary(report, options) -> None:
    """In GitHub Actions, add the Markdown review to the job summary too."""
    import os

    from workbench.report import render_markdown

    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return
    try:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(render_markdown(report, options) + "\n")
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
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to FILE instead of standard output.",
)
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
@click.option(
    "--ignore-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Accepted findings (default: .workbench-ignore.yaml at the repository root, if any).",
)
@click.option("--no-ignore", is_flag=True, help="Report every finding; read no ignore file.")
@click.option(
    "--today",
    metavar="YYYY-MM-DD",
    help="The date rotation overlaps (deprecation sunsets) and ignore expiries are judged on.",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the text report (auto: on a terminal, unless NO_COLOR is set).",
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
    from workbench.engine.ignore import IGNORE_NAME, load_ignores
    from workbench.report import RENDERERS, exit_code, render_json, use_color
    from workbench.security.policy import load_policy, load_policy_file
    from workbench.security.render import (
        render_review_markdown,
        render_review_text,
        review_options,
        review_view,
    )

    if base_ref is not None and len(specs) != 1:
        raise click.UsageError("with --base give one contract: workbench review --base REF PATH")
    if not 1 <= len(specs) <= 2:
        raise click.UsageError("expected PATH, or OLD and NEW (files or REV:PATH)")
    day = _parse_today(today)

    def fail(lines: list[str]) -> None:
        for line in lines:
            click.echo(line, err=True)
        sys.exit(2)

    git = _git_or_none(repo_dir)
    old = old_rel = None
    try:
        try:
            if base_ref is not None:
                old, new, old_rel, new_rel = _load_base(base_ref, specs[0], repo_dir, git)
            elif len(specs) == 2:
                old, old_rel = _load_spec(specs[0], repo_dir, git)
                new, new_rel = _load_spec(specs[1], repo_dir, git)
            else:
                new, new_rel = _load_spec(specs[0], repo_dir, git)
        except _LoadError as exc:
            fail(exc.lines)
        root = git.root if git is not None and git.root is not None else repo_dir
    finally:
        if git is not None:
            git.close()

    try:
        policy = load_policy_file(policy_file) if policy_file else load_policy(root)
    except ContractError as exc:
        fail(_problem_lines(exc))
    ignores = None
    try:
        if ignore_file is not None and not no_ignore:
            ignores = load_ignores(ignore_file, today=day)
        elif not no_ignore and (Path(root) / IGNORE_NAME).is_file():
            ignores = load_ignores(Path(root) / IGNORE_NAME, today=day)
    except ContractError as exc:
        fail(_problem_lines(exc))
    if ignores is not None:
        for warning in ignores.warnings:
            click.echo(warning.format(), err=True)
        ignores = ignores.scoped(new.id)

    from workbench.review import build_report

    report = build_report(old, new, policy=policy, today=day, ignores=ignores)
    stream = sys.stdout if output is None else None
    paint = color == "always" or (color == "auto" and stream is not None and use_color(stream))
    options = review_options(
        fail_on or policy.fail_on,
        color=paint,
        old_path=old_rel if old is not None else None,
        new_path=new_rel,
    )
    view = review_view(report)
    if fmt == "text":
        text = render_review_text(view, policy, options, color=paint)
    elif fmt == "markdown":
        text = render_review_markdown(view, policy, options)
    elif fmt == "json":
        text = render_json(report, options)
    else:
        text = RENDERERS[fmt](view, options)
    if output is None:
        click.echo(text, nl=False, color=paint)
    else:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail([f"{output}:1:1: error: cannot write: {exc.strerror or exc}"])
    if fmt == "github":
        _review_step_summary(render_review_markdown(view, policy, options))
    sys.exit(exit_code(view, options))


def _review_step_summary(markdown: str) -> None:
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
