"""``workbench amend recipe``: apply an amendment recipe to a contract in the working tree.

Without an ID it lists the recipes (with the choices the contract offers, given --contract).
With one, it applies the recipe, prints the unified diff, what the author should know and the
engine's verdict of the result against HEAD, and writes the file atomically (not with
--dry-run). The recipes themselves are :mod:`workbench.amendment.recipes`, imported when the
command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from workbench.cli.options import error_line, parse_day, repo_option, today_option
from workbench.cli.output import echo
from workbench.textsafe import clean, terminal_safe


def _params(pairs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--param")
        out[name.strip()] = value
    return out


def _contract_path(repo_dir: Path, contract: str | None) -> Path | None:
    """The file named by --contract (relative to the current directory when it exists there,
    else to the repository root), or the only contract changed in the working tree."""
    from workbench.history.errors import HistoryError
    from workbench.history.repo import ContractRepo

    if contract is not None and Path(contract).exists():
        return Path(contract)
    try:
        repo = ContractRepo.open(repo_dir, cache=False)
    except HistoryError as exc:
        if contract is None:
            echo(error_line("amend recipe", exc), err=True)
            sys.exit(2)
        return Path(contract)
    try:
        root = repo.root or Path(repo_dir)
        if contract is not None:
            return root / contract
        changed = [
            e.path
            for e in repo.contracts(paths=repo.changed_paths())
            if e.doc_kind == "contract" and e.draft != "deleted"
        ]
    finally:
        repo.close()
    if len(changed) != 1:
        names = clean(", ".join(changed) or "none")
        echo(
            f"workbench amend recipe: error: give --contract PATH ({len(changed)} contracts "
            f"changed in the working tree: {names})",
            err=True,
        )
        sys.exit(2)
    return root / changed[0]


def _list(path: Path | None, params: dict[str, str]) -> None:
    from workbench.amendment.recipes import RECIPES, RecipeError, choices, load_for_recipe

    contract = None
    if path is not None:
        try:
            contract = load_for_recipe(path.read_text(encoding="utf-8-sig"), str(path))
        except (OSError, UnicodeDecodeError, RecipeError) as exc:
            echo(error_line("amend recipe", exc), err=True)
            sys.exit(2)
    for recipe in RECIPES.values():
        echo(f"{recipe.id:<26} {recipe.title}")
        for p in recipe.params:
            line = f"    {p.name}{'' if not p.optional else ' (optional)'}: {p.help}"
            if contract is not None and p.choices is not None:
                offered = choices(recipe, p, contract, params)
                line += f" [{clean(', '.join(offered) or 'none in this contract')}]"
            echo(line)
        if recipe.unsafe:
            echo(f"    note: {recipe.unsafe}")


def _verdict_lines(report: Any) -> list[str]:
    """The engine's verdict and its findings, one line each."""
    verdict = report.verdict
    lines = [f"verdict against HEAD: {verdict.severity} (required bump: {verdict.required_bump})"]
    for f in report.findings:
        note = f" ({f.note})" if f.note else ""
        lines.append(f"  {f.severity:<8} {f.rule}: {clean(f.message)}{clean(note)}")
    for s in report.security_findings:
        if s.new_in_amendment and not s.ignored:
            lines.append(f"  security {s.severity}: {s.rule}: {clean(s.title)}")
    return lines


@click.command("recipe")
@repo_option
@click.argument("recipe_id", metavar="[ID]", required=False)
@click.option(
    "--param",
    "-p",
    "pairs",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter of the recipe (repeat for each; `amend recipe` lists them).",
)
@click.option(
    "--contract",
    "-c",
    "contract",
    metavar="PATH",
    help="The contract file (default: the only contract changed in the working tree).",
)
@click.option("--dry-run", is_flag=True, help="Print the diff and the verdict; write nothing.")
@today_option("Announce deprecations and judge sunsets as of this day.")
def command(
    repo_dir: Path,
    recipe_id: str | None,
    pairs: tuple[str, ...],
    contract: str | None,
    dry_run: bool,
    today: str | None,
) -> None:
    """Apply an amendment recipe (rotate a signing algorithm, retire an identity provider,
    rename a scope...) to a contract in the working tree.

    Without ID, list the recipes and their parameters (with --contract, the choices it offers).
    A removal goes in two steps: the first application accepts old and new together and
    deprecates the old one with a sunset computed from the contract's lifetimes, clock skew and
    the notice period; applied again once the sunset has passed, it removes the old one.

    Exit codes: 0 applied (or listed), 1 refused (the sunset has not passed), 2 bad input.
    """
    params = _params(pairs)
    day = parse_day(today)
    if recipe_id is None:
        _list(_contract_path(repo_dir, contract) if contract else None, params)
        return
    from workbench.amendment.recipes import (
        RecipeError,
        RecipeRefused,
        preview_recipe,
        write_preview,
    )

    path = _contract_path(repo_dir, contract)
    assert path is not None
    try:
        preview = preview_recipe(recipe_id, path, params, today=day)
    except RecipeRefused as exc:
        echo(error_line("amend recipe", exc), err=True)
        sys.exit(1)
    except RecipeError as exc:
        echo(error_line("amend recipe", exc), err=True)
        sys.exit(2)
    applied = preview.applied
    echo(terminal_safe(preview.diff), nl=False)
    echo(f"{applied.recipe} ({applied.step} step): {clean(applied.summary)}")
    for note in applied.notes:
        echo(f"  {clean(note)}")
    if applied.next_step:
        echo(f"  next: {clean(applied.next_step)}")
    if preview.report is not None:
        for line in _verdict_lines(preview.report):
            echo(line)
    if dry_run:
        echo(f"dry run: {clean(preview.relpath)} not written")
        return
    try:
        write_preview(preview)
    except RecipeError as exc:
        echo(error_line("amend recipe", exc), err=True)
        sys.exit(2)
    echo(f"wrote {clean(preview.relpath)}")
