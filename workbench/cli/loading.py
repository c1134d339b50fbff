"""Reading the two sides of an amendment from files or ``REV:PATH`` specs, as ``diff``,
``review`` and ``notice`` take them, with the repository's ignore file. Whatever cannot be read
is printed as ``file:line:col`` lines and the command exits 2."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.cli.options import fail
from workbench.cli.output import echo
from workbench.contract.errors import ContractError
from workbench.contract.model import Contract
from workbench.contract.revspec import PSEUDO_REVS, parse_rev_path
from workbench.engine.ignore import IGNORE_NAME, Ignores
from workbench.history.discovery import may_be_in_repository
from workbench.history.errors import HistoryError
from workbench.review import build_report, load_ignores
from workbench.security.policy import Policy, load_policy, load_policy_file
from workbench.sources.loading import artefact_id, load_document

if TYPE_CHECKING:
    from workbench.engine.model import DiffReport
    from workbench.history.gitio import GitRepo


class LoadError(Exception):
    """Something a command cannot read: printed as file:line:col lines, exit code 2."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


def problem_lines(exc: Exception, limit: int = 10) -> list[str]:
    """A load error as at most ``limit`` located lines (errors first)."""
    if isinstance(exc, ContractError):
        errors = [p for p in exc.problems if p.severity == "error"] or exc.problems
        lines = [p.format() for p in errors[:limit]]
        if len(errors) > limit:
            lines.append(f"{errors[0].file}: ... and {len(errors) - limit} more problems")
        return lines
    return [str(exc)]


def _git_or_none(repo_dir: Path) -> GitRepo | None:
    if not may_be_in_repository(repo_dir):  # neither git nor its plumbing for plain files
        return None
    from workbench.history.gitio import GitRepo

    try:
        return GitRepo.discover(repo_dir)
    except HistoryError:
        return None


def _rel(git: GitRepo, path: str, fallback: str | None = None) -> str:
    """``path`` relative to the repository root; ``fallback`` (or ``path``) when outside it."""
    try:
        return git.relpath(path) or (fallback or path)
    except HistoryError:
        return fallback or path


def _load_spec(
    spec: str,
    repo_dir: Path,
    git: GitRepo | None,
    *,
    file: str | None = None,
    kind: str = "auto",
) -> tuple[Contract, str]:
    """``(contract, repository-relative path)`` for a file path or a ``REV:PATH`` spec, read
    as ``kind`` (``auto``: a contract or an artefact, by content).

    ``file`` is where a plain path ``spec`` is read from when that differs from ``spec``."""
    parsed = parse_rev_path(spec)
    try:
        if parsed is not None:
            from workbench.history.revspec import read_contract_at  # REV:PATH only

            rev, path = parsed
            contract = read_contract_at(repo_dir, rev, path, kind)
            rel = contract.source.partition(":")[2] if git is None else _rel(git, path)
            return contract, rel
        where = str(Path(file or spec).resolve())
        rel = _rel(git, where, spec) if git is not None else spec
        # an artefact is named by its repository path (outside a repository: its file name)
        name = rel if git is not None and rel != spec else Path(spec).name
        contract = load_document(file or spec, kind, display=spec, contract_id=artefact_id(name))
    except ContractError as exc:
        raise LoadError(problem_lines(exc)) from None
    return contract, rel


def _load_base(
    ref: str,
    spec: str,
    repo_dir: Path,
    git: GitRepo | None,
    *,
    allow_deleted: bool = False,
    kind: str = "auto",
) -> tuple[Contract | None, Contract | None, str, str]:
    """The working-tree (or ``REV:PATH``) contract and the same path at merge-base(REF, HEAD);
    the old side is ``None`` when the contract is new since the merge base, and with
    ``allow_deleted`` the new side is ``None`` when the file is gone from the working tree."""
    from workbench.history.repo import ContractRepo  # only for --base: it loads much more
    from workbench.history.revspec import read_contract_at

    if git is None:
        raise LoadError([f"{repo_dir}:1:1: error: --base needs a git repository (see --repo)"])
    parsed = parse_rev_path(spec)
    file = None
    root = git.root
    deleted = False
    if parsed is None and not Path(spec).exists() and root is not None:
        if (root / spec).exists():
            file = str(root / spec)  # a path in the working tree, relative to its root
        else:
            deleted = allow_deleted  # deleted since the merge base: a report on the deletion
    new: Contract | None
    if deleted:
        new, new_rel = None, _rel(git, str(Path(spec).resolve()), spec)
    else:
        new, new_rel = _load_spec(spec, repo_dir, git, file=file, kind=kind)
    rel = _rel(git, parsed[1]) if parsed else new_rel
    try:
        head = parsed[0] if parsed and parsed[0] not in ("WORKTREE", "INDEX") else "HEAD"
        base = ContractRepo(git).merge_base(ref, head)
        if git.tree_entry(base, rel) is None:
            if deleted:
                raise LoadError([f"{spec}:1:1: error: no such file (nor at the merge base)"])
            return None, new, rel, new_rel
        old = read_contract_at(repo_dir, base[:12], rel, kind)
    except HistoryError as exc:
        raise LoadError([f"{ref}:{rel}:1:1: error: {exc}"]) from None
    except ContractError as exc:
        raise LoadError(problem_lines(exc)) from None
    return old, new, rel, new_rel


def load_sides(
    specs: tuple[str, ...],
    repo_dir: Path,
    base_ref: str | None = None,
    *,
    allow_deleted: bool = False,
    kind: str = "auto",
) -> tuple[Contract | None, Contract | None, str | None, str | None, Path | None]:
    """Load ``(old, new, old_rel, new_rel, repository root)`` from OLD NEW, NEW alone, or
    ``--base REF NEW``, each read as ``kind`` (``--from``); exit 2 with positioned problems
    when a side cannot be read."""
    git = _git_or_none(repo_dir)
    old = old_rel = None
    new: Contract | None
    new_rel: str | None
    try:
        try:
            if base_ref is not None:
                old, new, old_rel, new_rel = _load_base(
                    base_ref, specs[0], repo_dir, git, allow_deleted=allow_deleted, kind=kind
                )
            elif len(specs) == 2:
                old, old_rel = _load_spec(specs[0], repo_dir, git, kind=kind)
                new, new_rel = _load_spec(specs[1], repo_dir, git, kind=kind)
            else:
                new, new_rel = _load_spec(specs[0], repo_dir, git, kind=kind)
        except LoadError as exc:
            fail(exc.lines)
        root = git.root if git is not None and git.root is not None else None
    finally:
        if git is not None:
            git.close()
    return old, new, old_rel, new_rel, root


def amendment_clock(
    specs: tuple[str, ...], repo_dir: Path, base_ref: str | None, day: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """``(now, old_since)`` for measuring rotation overlaps as the history and the checklist
    do: when the new side took effect (its commit for ``REV:PATH``; now for a file, or the
    start of ``--today`` when given) and when the old side was committed (``REV:PATH`` or the
    ``--base`` merge base; ``None`` for a file, whose age nothing shows)."""
    now = None if day is not None else dt.datetime.now(dt.UTC)
    if base_ref is None and not any(parse_rev_path(spec) for spec in specs):
        return now, None  # files: no commit dates to read
    git = _git_or_none(repo_dir)
    if git is None:
        return now, None
    try:
        new = parse_rev_path(specs[-1])
        since = None
        if base_ref is not None:
            head = new[0] if new is not None and new[0] not in PSEUDO_REVS else "HEAD"
            path = new[1] if new is not None else _rel(git, str(Path(specs[-1]).resolve()))
            base = git.run("merge-base", "--end-of-options", base_ref, head, check=False)
            since = _committed(git, base.decode().strip(), path)
        elif len(specs) == 2:
            old = parse_rev_path(specs[0])
            if old is not None:
                since = _committed(git, old[0], _spec_path(git, old[1]))
        if new is not None and day is None:
            now = _committed(git, new[0], _spec_path(git, new[1])) or now
        return now, since
    finally:
        git.close()


def amendment_report(
    specs: tuple[str, ...],
    repo_dir: Path,
    base_ref: str | None,
    day: dt.date | None,
    old: Contract | None,
    new: Contract | None,
    *,
    policy: Policy,
    ignores: Ignores | None,
) -> tuple[DiffReport, dt.datetime | None, dt.datetime | None]:
    """``(report, now, old_since)``: the engine and the security review of OLD -> NEW, with
    rotation overlaps measured on the amendment's clock (see :func:`amendment_clock`)."""
    now, old_since = amendment_clock(specs, repo_dir, base_ref, day)
    report = build_report(
        old, new, policy=policy, today=day, ignores=ignores, now=now, old_since=old_since
    )
    return report, now, old_since


def policy_for(root: Path, policy_file: Path | None = None) -> Policy:
    """The security policy of ``policy_file`` when given, else the repository's; exit 2 with
    positioned problems when it cannot be read."""
    try:
        return load_policy_file(policy_file) if policy_file else load_policy(root)
    except ContractError as exc:
        fail(problem_lines(exc))


def shown_sides(
    old: Contract | None, new: Contract | None, old_rel: str | None, new_rel: str | None
) -> dict[str, str | None]:
    """The render options that name and show each side (an absent side shows nothing)."""
    return {
        "old_path": old_rel if old is not None else None,
        "new_path": new_rel,
        "old_text": old.text if old is not None else None,
        "new_text": new.text if new is not None else None,
    }


def _spec_path(git: GitRepo, path: str) -> str:
    """The repository-relative path of a ``REV:PATH`` spec's path (``./x`` is relative to the
    current directory, as in git)."""
    if path.startswith(("./", "../")):
        return _rel(git, str(Path(path).resolve()), path)
    return path


def _committed(git: GitRepo, rev: str, path: str) -> dt.datetime | None:
    """When the content of ``path`` at commit ``rev`` was committed; ``None`` for a draft or
    what git cannot say."""
    if not rev or rev in PSEUDO_REVS or not path:
        return None
    out = git.run("log", "-1", "--format=%cI", "--end-of-options", rev, "--", path, check=False)
    try:
        return dt.datetime.fromisoformat(out.decode().strip())
    except ValueError:
        return None


def load_ignores_for(
    root: Path,
    contract_id: str,
    ignore_file: Path | None,
    no_ignore: bool,
    day: dt.date | None,
) -> Ignores | None:
    """The ignore file given, else the repository's, scoped to one contract; warnings printed."""
    if no_ignore:
        return None
    path = ignore_file if ignore_file is not None else Path(root) / IGNORE_NAME
    if ignore_file is None and not path.is_file():
        return None
    try:
        ignores = load_ignores(path, today=day)
    except ContractError as exc:
        fail(problem_lines(exc))
    for warning in ignores.warnings:
        echo(warning.format(), err=True)
    return ignores.scoped(contract_id)
