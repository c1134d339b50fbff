"""The commit gate (``workbench check``): every changed contract needs a complete and current
amendment record.

Which contracts count as changed: with ``staged``, those whose staged copy differs from HEAD
(what the next commit will contain; a pre-commit hook's view); by default, those whose working
tree differs from HEAD; with ``base``, those changed between the merge base of ``base`` and
HEAD (a pull request in CI). A change with no findings (comments, reordering) needs nothing; a
new contract needs only to validate; deleting a contract needs it to be ``retired`` first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.amendment.changes import Changed, changed_local, changed_since
from workbench.amendment.checklist import Checklist, short
from workbench.amendment.session import AmendmentError, AmendmentSession
from workbench.amendment.settings import load_settings
from workbench.contract.errors import ContractError
from workbench.engine.ignore import load_ignores
from workbench.history.errors import HistoryError
from workbench.history.meta import sniff
from workbench.history.repo import ContractRepo
from workbench.security.policy import load_policy
from workbench.textsafe import clean


class GateError(Exception):
    """The gate cannot run (not a repository, unreadable settings); one line, exit status 2."""


@dataclass(slots=True)
class GateEntry:
    """The verdict on one changed contract."""

    path: str
    contract: str
    state: str  # ok | fail | error
    summary: str
    lines: list[str] = field(default_factory=list)  # what is missing, one per line
    checklist: Checklist | None = None

    @property
    def ok(self) -> bool:
        return self.state == "ok"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "contract": self.contract,
            "state": self.state,
            "summary": self.summary,
            "missing": list(self.lines),
        }
        if self.checklist is not None:
            out["checklist"] = self.checklist.to_dict()
        return out


@dataclass(slots=True)
class GateResult:
    mode: str  # worktree | index | base
    entries: list[GateEntry]
    base: str | None = None

    @property
    def ok(self) -> bool:
        return all(e.ok for e in self.entries)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "base": self.base,
            "ok": self.ok,
            "contracts": [e.to_dict() for e in self.entries],
        }

    def render(self) -> str:
        """The text report ``workbench check`` prints."""
        what = {
            "index": "staged",
            "worktree": "changed in the working tree",
            "base": f"changed since {self.base}",
        }[self.mode]
        if not self.entries:
            return f"workbench check: no contract {what}: nothing to check\n"
        failing = [e for e in self.entries if not e.ok]
        n = len(self.entries)
        head = f"workbench check: {n} contract{'s' if n != 1 else ''} {what}"
        if failing:
            head += f", {len(failing)} without a complete and current amendment record"
        lines = [head, ""]
        for e in self.entries:  # one line each: a newline in a path or an id is shown as \n
            mark = "ok  " if e.ok else "FAIL"
            lines.append(f"{mark} {clean(e.path)} ({clean(e.summary)})")
            lines += [f"     - {clean(line)}" for line in e.lines]
        if failing:
            lines += [
                "",
                "Complete the checklist with `workbench PATH` (c on the draft) or `workbench amend`,",
                "then stage the contract and its record: git add <contract> amendments/",
            ]
        return "\n".join(lines) + "\n"


def _deleted_entry(repo: ContractRepo, change: Changed, base: str) -> GateEntry:
    try:
        raw = repo.git.read_at(base, change.old_path or change.path)
    except HistoryError as exc:
        return GateEntry(change.path, "?", "error", f"deleted; cannot read it at {base}: {exc}")
    meta = sniff(raw)
    cid = meta.id if meta else "?"
    status = meta.status if meta else ""
    if status == "retired":
        return GateEntry(change.path, cid, "ok", f"{cid} deleted after it was retired")
    return GateEntry(
        change.path,
        cid,
        "fail",
        f"{cid} deleted while {status or 'in use'}",
        [
            "a contract that consumers rely on cannot just disappear: amend it to "
            "`status: retired` first (with its own amendment record), then delete it"
        ],
    )


def _entry(session: AmendmentSession) -> GateEntry:
    c = session.checklist
    assert c is not None
    if c.from_version is None:
        versions = f"new at {c.to_version}"
    elif c.from_version == c.to_version:
        versions = f"{c.from_version}, not bumped yet"
    else:
        versions = f"{c.from_version} -> {c.to_version}"
    summary = f"{c.contract} {versions}"
    if c.from_version is None and session.new is not None:
        text = f"{c.contract}: a new contract at {c.to_version} needs no record"
        return GateEntry(c.path, c.contract, "ok", text, [], c)
    if session.new is None:
        text = f"{c.contract}: does not validate"
        return GateEntry(c.path, c.contract, "fail", text, c.problems(), c)
    if not c.needs_record:
        text = f"{c.contract} {c.to_version}: {c.why_no_record}"
        return GateEntry(c.path, c.contract, "ok", text, [], c)
    if session.report is not None:
        summary += f", {session.report.verdict.severity}"
    if c.complete:
        return GateEntry(
            c.path,
            c.contract,
            "ok",
            f"{summary}: {c.record_path} complete for change set {short(c.fingerprint)}",
            [],
            c,
        )
    lines = c.problems()
    located = session.located
    if located is not None and located.staged_differs:
        lines.append(f"{located.relpath} has unstaged changes: git add it")
    if (
        session.mode == "index"
        and located is not None
        and located.record is None
        and located.error is None
        and (session.root / located.relpath).is_file()
    ):
        lines.insert(0, f"{located.relpath} exists but is not staged: git add it")
    return GateEntry(c.path, c.contract, "fail", summary, lines, c)


def check(
    repo_path: str | Path = ".",
    *,
    staged: bool = False,
    base: str | None = None,
    today: dt.date | None = None,
) -> GateResult:
    """Judge every changed contract of the repository containing ``repo_path``."""
    try:
        repo = ContractRepo.open(repo_path, cache=False)
    except HistoryError as exc:
        raise GateError(str(exc)) from None
    try:
        if repo.root is None:
            raise GateError(f"{repo_path}: a bare repository has no working tree to check")
        try:  # settings errors are the repository's, not one contract's: exit 2
            load_settings(repo.root)
            load_policy(repo.root)
            load_ignores(repo.root, today=today)
        except ContractError as exc:
            raise GateError(exc.first.format()) from None
        if base is not None:
            try:
                merge_base = repo.merge_base(base)
            except HistoryError as exc:
                raise GateError(str(exc)) from None
            changes = changed_since(repo, merge_base)
            mode = "base"
        else:
            # only what git status reports is looked at: the cost follows the change, not the
            # size of the repository
            changed = repo.changed_paths(staged=staged)
            changes = changed_local(repo.contracts(paths=changed), staged)
            mode = "index" if staged else "worktree"
            merge_base = repo.head()
        entries: list[GateEntry] = []
        for change in changes:
            if change.deleted:
                if merge_base is None:
                    continue
                entries.append(_deleted_entry(repo, change, merge_base))
                continue
            try:
                session = AmendmentSession(
                    repo,
                    change.path,
                    mode={"base": "commit", "index": "index", "worktree": "worktree"}[mode],
                    base=merge_base if mode == "base" and merge_base else "HEAD",
                    rev="HEAD" if mode == "base" else None,
                    today=today,
                    old_path=change.old_path,
                )
            except AmendmentError as exc:
                entries.append(GateEntry(change.path, "?", "error", str(exc), [str(exc)]))
                continue
            entries.append(_entry(session))
        return GateResult(mode, entries, base)
    except HistoryError as exc:
        raise GateError(str(exc)) from None
    except ContractError as exc:
        raise GateError(exc.first.format()) from None
    finally:
        repo.close()
