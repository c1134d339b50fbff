"""Committing an amendment: exactly its files, with a message made from the amendment.

:func:`plan_commit` names the files that belong to the amendment of a working-tree session (the
contract, its amendment record, the changelog it wrote, the notice file the record names), those
that differ from HEAD, and a message (contract, old -> new version, the record's summary); it
refuses when the commit gate would refuse the amendment. :func:`commit` runs ``git add`` and
``git commit`` as the user would (so the repository's hooks run), limited to those paths: other
staged changes stay staged and out of the commit. When git refuses (a failing ``pre-commit``
hook, an identity missing), the index is put back as it was and git's output is returned:
nothing is lost, the working tree is never touched.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.amendment.confine import PathRefused, confined

if TYPE_CHECKING:
    from workbench.amendment.session import AmendmentSession

MAX_OUTPUT = 20_000  # characters of git's (and the hooks') output kept


class CommitRefused(Exception):
    """The amendment cannot be committed from here (the message says why, in one line)."""


@dataclass(frozen=True, slots=True)
class CommitPlan:
    root: Path
    paths: tuple[str, ...]  # repository paths, in the order shown
    roles: tuple[str, ...]  # what each path is: contract, record, changelog, notice
    message: str


@dataclass(frozen=True, slots=True)
class CommitResult:
    ok: bool
    sha: str = ""
    output: str = ""  # git's and the hooks' output (stdout and stderr)
    paths: tuple[str, ...] = field(default_factory=tuple)


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_INDEX_FILE", "GIT_DIR")}
    return subprocess.run(
        ["git", "-C", str(root), *args],
        capture_output=True,
        text=True,
        errors="replace",
        env=env,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def _changed(root: Path, paths: list[str]) -> set[str]:
    """Which of ``paths`` differ from HEAD (modified, new, deleted; staged or not)."""
    out = _git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths)
    if out.returncode != 0:
        raise CommitRefused(f"git status failed: {_first_line(out.stderr)}")
    changed: set[str] = set()
    entries = out.stdout.split("\0")
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        changed.add(entry[3:])
        if entry[0] in "RC":
            i += 1  # the source of a rename
    return changed


def _first_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "no output"


def plan_commit(session: AmendmentSession) -> CommitPlan:
    """What committing ``session``'s amendment would commit; :class:`CommitRefused` when the
    gate refuses it, or nothing of it differs from HEAD."""
    c = session.checklist
    if session.mode != "worktree":
        raise CommitRefused("only the working-tree draft is committed from here")
    if c is None or session.new is None:
        raise CommitRefused("the contract does not validate: fix it first")
    if not (c.complete or c.awaiting_review):
        raise CommitRefused("the commit gate refuses it: complete the checklist first")
    candidates: list[tuple[str, str]] = [(session.path, "contract")]
    if c.record_path:
        candidates.append((c.record_path, "amendment record"))
    changelog = session.changelog_relpath()
    if changelog:
        candidates.append((changelog, "changelog"))
    record = c.record
    notice = record.step("communication").notice if record is not None else None
    if notice is not None and notice.file:
        candidates.append((notice.file, "notice"))
    seen: set[str] = set()
    unique = []
    for rel, role in candidates:
        try:
            confined(session.root, rel)
        except PathRefused as exc:
            raise CommitRefused(str(exc)) from None
        if rel not in seen:
            seen.add(rel)
            unique.append((rel, role))
    changed = _changed(session.root, [rel for rel, _ in unique])
    chosen = [(rel, role) for rel, role in unique if rel in changed]
    if not any(role == "contract" for _, role in chosen):
        raise CommitRefused(f"{session.path} does not differ from HEAD: nothing to commit")
    return CommitPlan(
        session.root,
        tuple(rel for rel, _ in chosen),
        tuple(role for _, role in chosen),
        commit_message(session),
    )


def commit_message(session: AmendmentSession) -> str:
    """``payments-api 3.2.0 -> 4.0.0: <summary's first line>``, the summary as the body, and
    the record it follows."""
    c = session.checklist
    assert c is not None
    versions = c.versions.replace(", not bumped yet", "")
    summary = (c.record.summary if c.record is not None else "").strip()
    first, _, rest = summary.partition("\n")
    subject = f"{c.contract} {versions}" + (f": {first.strip()}" if first.strip() else "")
    body = [rest.strip()] if rest.strip() else []
    if c.record_path and c.record is not None:
        body.append(f"Amendment record: {c.record_path}")
    return subject + ("\n\n" + "\n\n".join(body) if body else "") + "\n"


def commit(plan: CommitPlan, message: str) -> CommitResult:
    """``git add`` and ``git commit`` exactly ``plan.paths`` with ``message`` (the hooks run).
    On failure the index is put back as it was and git's output is returned."""
    root = plan.root
    if not message.strip():
        return CommitResult(False, output="the commit message is empty")
    saved = _git(root, "write-tree")
    if saved.returncode != 0:
        return CommitResult(False, output=f"the index cannot be saved: {saved.stderr.strip()}")
    tree = saved.stdout.strip()
    paths = list(plan.paths)
    added = _git(root, "add", "--all", "--", *paths)
    output = added.stdout + added.stderr
    ok = added.returncode == 0
    if ok:
        done = _git(root, "commit", "--quiet", "-m", message, "--", *paths)
        output += done.stdout + done.stderr
        ok = done.returncode == 0
    if not ok:
        _git(root, "read-tree", tree)  # the index as it was before the add
        _git(root, "update-index", "-q", "--refresh")
        return CommitResult(False, output=output[-MAX_OUTPUT:].strip() or "git refused")
    sha = _git(root, "rev-parse", "HEAD").stdout.strip()
    return CommitResult(True, sha, output[-MAX_OUTPUT:].strip(), tuple(paths))
