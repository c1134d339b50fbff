"""``workbench log``: one line per amendment, newest first, with its verdict."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import click
from click.core import ParameterSource

from workbench.cli.options import LOCATED, format_option, from_option, repo_option
from workbench.cli.output import echo, json_text
from workbench.history.errors import HistoryError
from workbench.history.log import LogEntry, amendment_log
from workbench.history.repo import ContractRepo
from workbench.report.log import contract_width, log_error, log_header, log_line
from workbench.report.paint import Painter, use_color
from workbench.textsafe import clean

CHUNK = 32  # rows written at once
PATIENCE = 0.1  # seconds a row may wait to be written


@click.command("log")
@click.argument("path", required=False)
@repo_option
@from_option
@format_option(
    ["text", "json", "html"],
    help="text: aligned columns; json: a list of objects; html: a self-contained timeline page "
    "with verdict badges.",
    show_default=False,
)
@click.option("--limit", "-n", type=click.IntRange(min=0), help="Show at most N amendments.")
@click.pass_context
def command(
    ctx: click.Context,
    path: str | None,
    repo_dir: Path,
    kind: str,
    fmt: str,
    limit: int | None,
) -> None:
    """One line per amendment, newest first: date, revision, author, version, the bump the
    changes need and the one made, counts of breaking/risky/safe findings, security weakenings
    and new security findings, and the subject.

    PATH is a contract or artefact file (its history follows renames; a deleted contract still
    has one) or a directory (every contract and artefact under it); artefacts (OpenID Connect
    discovery, RFC 8414, OpenAPI, Keycloak realm exports, Dex configurations) are found by
    content, and --from reads every revision as the kind given instead. Without PATH: every contract's amendments, in
    commit order. Without --repo the repository is the one containing PATH; with --repo, PATH
    is relative to the repository root. Uncommitted drafts (WORKTREE, INDEX) come first. An
    invalid revision shows its error inline and the log continues. Merge commits are judged
    against their first parent.
    """
    given = ctx.get_parameter_source("repo_dir") is not ParameterSource.DEFAULT
    start = (
        repo_dir
        if given
        else (Path(path).parent if path and not Path(path).is_dir() else path or ".")
    )
    try:
        repo = ContractRepo.open(start)
    except HistoryError as exc:
        _fail(str(exc))
    with repo:
        repo.read_as = kind
        try:
            rel = under = None
            if path:
                target = path if given else os.path.abspath(path)
                rel = repo.git.relpath(target)
                is_dir = rel == "" or (repo.root is not None and (repo.root / rel).is_dir())
                if not is_dir and repo.root is None:
                    head = repo.head()
                    entry = repo.git.tree_entry(head, rel) if head else None
                    is_dir = entry is not None and entry[0] == "tree"
                if is_dir:
                    under, rel = rel, None
            if limit == 0 and fmt != "html":
                echo("[]" if fmt == "json" else log_header(None if rel else 8))
                return
            entries = amendment_log(repo, rel, limit=limit, under=under)
            first = next(entries, None)
            if first is None and rel is not None:
                _fail(f"{path}: no history in {repo.name} (not a file git knows)")
            if first is not None and rel is not None and not first.contract and kind == "auto":
                _fail(
                    f"{path}: not an authentication contract (no top-level 'contract' and "
                    "'version' keys) or a recognised artefact; name its kind with --from"
                )
            if fmt == "html":
                from workbench.report.html import render_log_html

                rows = [] if first is None or limit == 0 else [first, *entries]
                echo(render_log_html([(e.to_dict(), e.report) for e in rows]), nl=False)
                return
            if fmt == "json":
                if first is None:
                    echo("[]")
                    return
                echo("[\n  " + json_text(first.to_dict(), indent=None), nl=False)
                for chunk in _chunks(entries):
                    echo(
                        "".join(",\n  " + json_text(e.to_dict(), indent=None) for e in chunk),
                        nl=False,
                    )
                echo("\n]")
                return
            if first is None:
                echo("no amendments", err=True)
                return
            if rel is not None:
                width, kinds = None, first.document != "contract"
            else:
                listed = repo.contracts()
                width = contract_width(e.id for e in listed)
                kinds = any(e.doc_kind != "contract" for e in listed)
            paint = Painter(use_color(sys.stdout))
            echo(log_header(width, kinds))
            echo(log_line(first, width, paint, kinds), color=paint.enabled)
            for chunk in _chunks(entries):
                lines = "\n".join(log_line(e, width, paint, kinds) for e in chunk)
                echo(lines, color=paint.enabled)
        except HistoryError as exc:
            _fail(str(exc))
        except BrokenPipeError:  # `workbench log | head`
            sys.stderr.close()
            sys.exit(0)


def _chunks(entries: Iterator[LogEntry], size: int = CHUNK) -> Iterator[list[LogEntry]]:
    """Entries in lists of at most ``size``, one write each (``echo`` costs as much as a warm
    row); a list is written sooner when its rows took ``PATIENCE`` seconds to judge (cold), so
    lines keep appearing as they are judged."""
    chunk: list[LogEntry] = []
    since = time.monotonic()
    for entry in entries:
        chunk.append(entry)
        if len(chunk) >= size or time.monotonic() - since > PATIENCE:
            yield chunk
            chunk = []
            since = time.monotonic()
    if chunk:
        yield chunk


def _fail(message: str) -> NoReturn:
    text = clean(log_error(message))
    echo(text if LOCATED.match(text) else f"workbench log: {text}", err=True)
    sys.exit(2)
