"""The commit gate (``workbench check``): every changed contract needs a complete and current
amendment record, judged by the policy of the base.

Which contracts count as changed: with ``staged``, those whose staged copy differs from HEAD
(what the next commit will contain; a pre-commit hook's view); by default, those whose working
tree differs from HEAD; with ``base``, those changed between the merge base of ``base`` and
HEAD (a pull request in CI). A change with no findings (comments, reordering) needs nothing; a
new contract needs only to validate (and a review of serious security findings); deleting a
contract needs it to be ``retired`` first.

The rules come from the base: ``.workbench.yaml`` and the ignore file at the merge base for
``--base``, at HEAD otherwise (:mod:`workbench.amendment.policysource`); a change to either is
itself an amendment that needs a security sign-off (:mod:`workbench.amendment.policychange`).
The commit gate reports a missing reviewer sign-off as "awaiting review" and lets the author
commit; the merge gate (``--base``) requires it, verified from git
(:mod:`workbench.amendment.verify`). Whatever cannot be read, resolved or attributed fails,
with the reason: the gate never says "nothing to check" about something it could not look at.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.amendment.changes import Changed, changed_local, changed_since, changed_submodules
from workbench.amendment.checklist import Checklist, short
from workbench.amendment.confine import PathRefused, read_confined
from workbench.amendment.policychange import (
    PolicyChange,
    policy_change,
    verify_policy_sign_off,
    worktree_policy_files,
)
from workbench.amendment.policysource import (
    PolicySource,
    check_worktree_policy,
    policy_at,
    read_policy_files,
)
from workbench.amendment.session import AmendmentError, AmendmentSession
from workbench.contract.errors import ContractError
from workbench.history.errors import HistoryError
from workbench.history.gitio import blob_sha
from workbench.history.listing import MAX_PATHSPECS
from workbench.history.meta import sniff
from workbench.history.model import INDEX
from workbench.history.repo import ContractRepo
from workbench.textsafe import clean

POLICY = "(policy)"  # the contract column of the entry about the policy files


class GateError(Exception):
    """The gate cannot run (not a repository, unreadable settings); one line, exit status 2."""


@dataclass(slots=True)
class GateEntry:
    """The verdict on one changed contract (or on the policy files)."""

    path: str
    contract: str
    state: str  # ok | pending (awaiting review: passes the commit gate) | fail | error
    summary: str
    lines: list[str] = field(default_factory=list)  # what is missing, one per line
    checklist: Checklist | None = None

    @property
    def ok(self) -> bool:
        return self.state in ("ok", "pending")

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
    policy: PolicySource | None = None

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
            "policy": self.policy.to_dict() if self.policy is not None else None,
            "contracts": [e.to_dict() for e in self.entries],
        }

    def render(self) -> str:
        """The text report ``workbench check`` prints."""
        what = {
            "index": "staged",
            "worktree": "changed in the working tree",
            "base": f"changed since {self.base}",
        }[self.mode]
        policy = [self.policy.describe()] if self.policy is not None else []
        if not self.entries:
            return (
                "\n".join([f"workbench check: no contract {what}: nothing to check", *policy])
                + "\n"
            )
        failing = [e for e in self.entries if not e.ok]
        pending = [e for e in self.entries if e.state == "pending"]
        n = sum(1 for e in self.entries if e.contract != POLICY)
        head = f"workbench check: {n} contract{'s' if n != 1 else ''} {what}"
        if n != len(self.entries):
            head += ", and the policy"
        if failing:
            head += f", {len(failing)} without a complete and current amendment record"
        if pending:
            head += f", {len(pending)} awaiting review"
        lines = [head, *policy, ""]
        for e in self.entries:  # one line each: a newline in a path or an id is shown as \n
            mark = {"ok": "ok  ", "pending": "wait"}.get(e.state, "FAIL")
            lines.append(f"{mark} {clean(e.path)} ({clean(e.summary)})")
            lines += [f"     - {clean(line)}" for line in e.lines]
        if failing:
            lines += [
                "",
                "Complete the checklist with `workbench PATH` (c on the draft) or `workbench amend`,",
                "then stage the contract and its record: git add <contract> amendments/",
            ]
        elif pending:
            lines += [
                "",
                "Awaiting review: once committed, a reviewer who is not the author signs off on the",
                "branch (`workbench amend sign-off --base BRANCH`) and commits the record; the merge",
                "gate (`workbench check --base BRANCH`) verifies it.",
            ]
        return "\n".join(lines) + "\n"


def _merge_heads(repo: ContractRepo) -> list[str]:
    """The commits being merged (``MERGE_HEAD``) while a merge waits for its commit."""
    try:
        text = (repo.git.git_dir / "MERGE_HEAD").read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]


def _new_blob(repo: ContractRepo, mode: str, path: str) -> str | None:
    """The blob the amendment leaves at ``path``: HEAD's, the index's or the working tree's."""
    try:
        if mode == "base":
            entry = repo.git.tree_entry("HEAD", path)
            return entry[1] if entry is not None and entry[0] == "blob" else None
        if mode == "index":
            return repo.git.index_entries(path).get(path)
        assert repo.root is not None
        raw = read_confined(repo.root, path, git_dir=repo.git.git_dir)
        return blob_sha(raw) if raw is not None else None
    except (HistoryError, PathRefused, OSError):
        return None


def _merged_in(repo: ContractRepo, path: str, blob: str | None, since: str, others: list[str]):
    """The commit of ``since..other`` (the branch being merged, or the base branch) whose
    ``path`` is exactly ``blob``: the change comes from there, where it was amended, recorded
    and gated; this branch adds nothing of its own to the contract."""
    if blob is None:
        return None
    for other in others:
        out = repo.git.run(
            "log", "--format=%H", "--end-of-options", f"{since}..{other}", "--", path, check=False
        )
        for sha in out.decode("ascii", "replace").split():
            entry = repo.git.tree_entry(sha, path)
            if entry is not None and entry[1] == blob:
                return sha
    return None


def _odd_path(path: str) -> str | None:
    """Why ``path`` cannot be judged safely (a control or invisible character), or ``None``."""
    for ch in path:
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            return (
                f"the path holds the character U+{ord(ch):04X}: contracts must have plain file "
                "names (rename it); it cannot be judged"
            )
    return None


def _deleted_entry(repo: ContractRepo, change: Changed, base: str) -> GateEntry:
    try:
        raw = repo.git.read_at(base, change.old_path or change.path)
    except HistoryError as exc:
        return GateEntry(
            change.path, "?", "error", f"deleted; cannot read it at {base[:12]}: {exc}"
        )
    path = change.old_path or change.path
    meta = sniff(raw, path)
    cid = meta.id_at(path) if meta else "?"
    status = meta.status if meta else ""
    if meta is not None and meta.artefact:
        return GateEntry(
            change.path,
            cid,
            "fail",
            f"{cid} ({meta.kind_at(path)}) deleted: what it describes leaves review",
            [
                "an artefact that consumers rely on cannot just disappear: keep it until the "
                "server no longer serves it, or stop reviewing it on purpose with "
                "`contracts.exclude` in .workbench.yaml (a policy change a reviewer signs off)"
            ],
        )
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


def _not_staged(session: AmendmentSession, rel: str | None) -> bool:
    """Whether ``rel`` differs between the working tree and the index (exists unstaged)."""
    if not rel:
        return False
    try:
        on_disk = read_confined(session.root, rel, git_dir=session.repo.git.git_dir)
    except (PathRefused, OSError):
        return False
    if on_disk is None:
        return False
    blob = session.repo.git.index_entries(rel).get(rel)
    try:
        staged = session.repo.git.read_blob(blob) if blob else None
    except HistoryError:
        staged = None
    return staged != on_disk


def _staging_advice(session: AmendmentSession, lines: list[str]) -> list[str]:
    """For the commit gate: a record, notice or changelog that exists in the working tree but
    is not staged is named as such (with the ``git add`` to run), not as missing."""
    c = session.checklist
    located = session.located
    assert c is not None
    out = list(lines)
    if (
        located is not None
        and located.record is None
        and located.error is None
        and _not_staged(session, located.relpath)
    ):
        # the answers are in the unstaged record: listing them as missing would mislead
        return [
            f"{located.relpath} exists but is not staged: run `git add {located.relpath}`",
            *(line for line in out if line.startswith("Schema clarity:")),
        ]
    record = located.record if located is not None else None
    changelog = session.changelog_relpath()
    for step in c.steps:
        for item in step.open_items:
            target = None
            if item.id == "changelog" and changelog and _not_staged(session, changelog):
                target = changelog
            elif item.id == "notice" and record is not None:
                stamp = record.step("communication").notice
                if stamp is not None and stamp.file and _not_staged(session, stamp.file):
                    target = stamp.file
            if target is None:
                continue
            prefix = f"{step.title}: [{item.status}] {item.label}"
            out = [
                f"{step.title}: [not staged] {target} has changes that are not staged: "
                f"run `git add {target}`"
                if line.startswith(prefix)
                else line
                for line in out
            ]
    return out


def _entry(session: AmendmentSession) -> GateEntry:
    c = session.checklist
    assert c is not None
    summary = f"{c.contract} {c.versions}"
    if session.new is None:
        text = f"{c.contract}: does not validate"
        return GateEntry(c.path, c.contract, "fail", text, c.problems(), c)
    if not c.needs_record:
        text = f"{c.contract} {c.to_version or ''}: {c.why_no_record}".replace(" :", ":")
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
    if c.awaiting_review and session.mode != "commit":
        sign = next(i for i in c.step("security_review").items if i.id == "sign-off")
        return GateEntry(
            c.path,
            c.contract,
            "pending",
            f"{summary}: {c.record_path} complete but for the review",
            [f"awaiting review: {sign.label}: the merge gate requires a verified sign-off"],
            c,
        )
    located = session.located
    if session.mode == "index":
        lines = _staging_advice(session, lines)
    if located is not None and located.staged_differs:
        lines.append(f"{located.relpath} has unstaged changes: run `git add {located.relpath}`")
    return GateEntry(c.path, c.contract, "fail", summary, lines, c)


def _policy_entry(
    repo: ContractRepo, change: PolicyChange, mode: str, merge_base: str | None
) -> GateEntry:
    """The verdict on a change to the policy files: a security sign-off is needed."""
    path = ", ".join(change.changed)
    summary = f"the gate's policy: {change.summary()}"
    settings = change.base.settings
    note = f"judged by the policy at {change.base.label}; the new one takes effect once merged"
    if not settings.require_reviewer:
        return GateEntry(path, POLICY, "ok", summary, [f"{note} (require_reviewer: false)"])
    if mode != "base":
        return GateEntry(
            path,
            POLICY,
            "pending",
            summary,
            [
                f"awaiting review: a change to the policy needs a reviewer's sign-off "
                f"(change set {change.fingerprint}); {note}"
            ],
        )
    head = repo.head()
    assert merge_base is not None and head is not None
    check, rel = verify_policy_sign_off(repo, change, merge_base, head)
    if check.ok:
        return GateEntry(path, POLICY, "ok", f"{summary}: signed off, {check.reason}", [note])
    return GateEntry(
        path,
        POLICY,
        "fail",
        summary,
        [
            f"Security review: [missing] the policy change {change.fingerprint} needs a "
            f"verified sign-off: {check.reason}",
            "a reviewer who did not write it runs `workbench amend sign-off-policy --base "
            f"BRANCH` and commits {rel}; {note}",
        ],
    )


def _submodule_entries(repo: ContractRepo, mode: str, merge_base: str | None) -> list[GateEntry]:
    """Contracts in submodules cannot be judged from the superproject: a submodule whose
    contracts changed (or whose content cannot be read) fails, with the reason."""
    out = []
    for sub in changed_submodules(repo, mode, merge_base):
        if sub.contracts is None:
            out.append(
                GateEntry(
                    sub.path,
                    "?",
                    "error",
                    f"submodule changed ({sub.describe}): {sub.reason}",
                    [
                        f"{sub.reason}; run `workbench check` inside the submodule, where its "
                        "contracts and records live"
                    ],
                )
            )
        elif sub.contracts:
            names = ", ".join(sub.contracts[:5]) + (" ..." if len(sub.contracts) > 5 else "")
            out.append(
                GateEntry(
                    sub.path,
                    "?",
                    "fail",
                    f"contracts changed inside submodule {sub.path} ({sub.describe})",
                    [
                        f"{names}: a contract in a submodule is amended, recorded and gated in "
                        "that repository: run `workbench check` there (and in its CI), not from "
                        "the superproject"
                    ],
                )
            )
    return out


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
        head = repo.head()
        if base is not None:
            try:
                merge_base: str | None = repo.merge_base(base)
            except HistoryError as exc:
                raise GateError(str(exc)) from None
            assert merge_base is not None
            policy_rev: str | None = merge_base
            label = f"{merge_base[:12]} (the merge base with {base})"
            mode = "base"
        else:
            merge_base = head
            policy_rev = head if head is not None else INDEX
            label = f"HEAD {head[:12]}" if head is not None else "the index (no commit yet)"
            mode = "index" if staged else "worktree"
        try:  # the rules come from the base; errors are the repository's, not one contract's
            source = policy_at(repo, policy_rev, label)
            source.ignores(today)
            # the amendment's own policy files do not apply yet, but broken ones are errors
            if mode == "worktree":
                check_worktree_policy(repo.root, today)
            elif mode == "index":
                policy_at(repo, INDEX).ignores(today)
            elif head is not None:
                policy_at(repo, head).ignores(today)
        except ContractError as exc:
            raise GateError(exc.first.format()) from None
        repo.config = source.config  # which files are contracts: as the base says
        if mode == "base":
            assert merge_base is not None
            changes = changed_since(repo, merge_base)
            new_policy = read_policy_files(repo, head) if head else {}
        else:
            # only what git reports changed is read: the cost follows the change, not the size
            # of the repository (each session lists the folder of its contract for itself)
            changed_paths = repo.changed_paths(staged=staged)
            listing = repo.contracts(paths=changed_paths)
            index = None
            if staged:
                specs = sorted(changed_paths) if len(changed_paths) <= MAX_PATHSPECS else []
                index = set(repo.git.index_entries(*specs)) if changed_paths else set()
            changes = changed_local(listing, staged, index)
            new_policy = read_policy_files(repo, INDEX) if staged else worktree_policy_files(repo)
        entries: list[GateEntry] = []
        change = policy_change(source, new_policy)
        if change is not None:
            entries.append(_policy_entry(repo, change, mode, merge_base))
        entries += _submodule_entries(repo, mode, merge_base)
        for changed in changes:
            odd = _odd_path(changed.path) or _odd_path(changed.old_path or "")
            if odd:
                shown = changed.path.encode("unicode_escape").decode("ascii")
                entries.append(GateEntry(shown, "?", "error", odd, [odd]))
                continue
            if changed.error:
                entries.append(
                    GateEntry(changed.path, "?", "error", changed.error, [changed.error])
                )
                continue
            if changed.deleted:
                if merge_base is None:
                    continue
                entries.append(_deleted_entry(repo, changed, merge_base))
                continue
            others = [repo.resolve(base)] if mode == "base" and base else _merge_heads(repo)
            if merge_base is not None and others:
                origin = _merged_in(
                    repo, changed.path, _new_blob(repo, mode, changed.path), merge_base, others
                )
                if origin is not None:
                    meta = sniff(repo.git.read_at(origin, changed.path), changed.path)
                    cid = meta.id_at(changed.path) if meta else "?"
                    version = f" {meta.version}" if meta and meta.version else ""
                    entries.append(
                        GateEntry(
                            changed.path,
                            cid,
                            "ok",
                            f"{cid}{version} as merged from {origin[:12]}: amended, recorded "
                            "and gated where it was made",
                        )
                    )
                    continue
            try:
                session = AmendmentSession(
                    repo,
                    changed.path,
                    mode={"base": "commit", "index": "index", "worktree": "worktree"}[mode],
                    base=merge_base if mode == "base" and merge_base else "HEAD",
                    rev="HEAD" if mode == "base" else None,
                    today=today,
                    old_path=changed.old_path,
                )
            except AmendmentError as exc:
                entries.append(GateEntry(changed.path, "?", "error", str(exc), [str(exc)]))
                continue
            entries.append(_entry(session))
        return GateResult(mode, entries, base, source)
    except PathRefused as exc:
        raise GateError(str(exc)) from None
    except HistoryError as exc:
        raise GateError(str(exc)) from None
    except ContractError as exc:
        raise GateError(exc.first.format()) from None
    finally:
        repo.close()


__all__ = ["GateEntry", "GateError", "GateResult", "check"]
