"""One amendment in a repository: the draft of a contract (working tree, or the index) against
HEAD, its record, and every action of the checklist.

Every action re-reads the contract and the record from disk, checks that it makes sense,
changes the record and saves it at once (atomically), so answers given in the terminal UI, from
``workbench amend`` or by two processes in turn are never lost or overwritten with old state.
The TUI and the CLI call these same methods.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.amendment.atomic import atomic_write, remove, remove_stale_temps
from workbench.amendment.bump import BumpError, BumpResult, apply_bump, next_version
from workbench.amendment.changelog import (
    ChangelogResult,
    append_changelog,
    entry_sections,
    render_entry,
)
from workbench.amendment.changes import amended_paths
from workbench.amendment.checklist import Checklist, Inputs, evaluate, is_author, needs_handling
from workbench.amendment.notice import NoticeInput, record_notes, render_notice
from workbench.amendment.record import (
    NOTICE_SUFFIX,
    STEPS,
    Acceptance,
    ChangelogStamp,
    CheckResult,
    NoticeStamp,
    Notified,
    Person,
    Record,
    SignOff,
    Stamp,
    contract_dir_name,
    dump_record,
    notice_relpath,
    now_iso,
    parse_record_bytes,
    record_relpath,
)
from workbench.amendment.settings import AmendmentSettings, load_settings
from workbench.contract.errors import ContractError, Problem
from workbench.contract.loader import parse_contract_text, validate_contract
from workbench.contract.model import Contract
from workbench.contract.yamlsrc import decode_source
from workbench.engine.model import SecurityFinding
from workbench.history.errors import HistoryError
from workbench.history.model import INDEX, WORKTREE, ContractEntry
from workbench.history.repo import ContractRepo
from workbench.review import build_report, load_ignores
from workbench.security.policy import DEFAULT_POLICY, Policy, load_policy
from workbench.security.review import review_contract

MIN_PREFIX = 6


NAME_MAX = 255  # bytes in one file name on the file systems git runs on


def _refuse_long_names(rel: str) -> None:
    """A record path whose file or directory name the file system cannot hold (an id or a
    version of hundreds of characters) is a refusal that says so, not ENAMETOOLONG."""
    for part in rel.split("/"):
        size = len(part.encode("utf-8", "surrogateescape"))
        if size > NAME_MAX:
            raise AmendmentError(
                f"cannot write the record: its path has a name of {size} bytes "
                f"({part[:24]}...), over the {NAME_MAX} a file name may have; shorten the "
                "contract id or the version"
            )


class AmendmentError(ValueError):
    """An action of the checklist cannot be done; the message is one line, for any face."""


class OpenError(AmendmentError):
    """The amendment cannot be opened or read as a whole (no repository, no single changed
    contract, an unknown revision): exit 2 on the command line, where a refused action exits 1."""


class SettingsError(OpenError):
    """The repository's settings (``.workbench.yaml``, the ignore file) cannot be used: a load
    error of the whole repository, not a refused action."""


class NoSingleContract(OpenError):
    """:meth:`AmendmentSession.open` was given no contract, and not exactly one is amended."""

    def __init__(self, paths: list[str], since: str | None = None):
        self.paths = paths
        self.where = f"since {since}" if since else "in the working tree"
        names = ", ".join(paths) or "none"
        super().__init__(f"{len(paths)} contracts changed {self.where}: {names}; name one")


def identity(repo: ContractRepo) -> Person | None:
    """Who is at the keyboard: git's author identity (``GIT_AUTHOR_*`` or ``user.name`` /
    ``user.email``), as ``git commit`` would record it."""
    out = repo.git.run("var", "GIT_AUTHOR_IDENT", check=False).decode("utf-8", "replace").strip()
    m = re.match(r"^(?P<name>.*?)\s*<(?P<email>[^>]*)>", out)
    if m and m.group("name").strip():
        return Person(m.group("name").strip(), m.group("email").strip() or None)
    name = repo.git.run("config", "--get", "user.name", check=False).decode("utf-8", "replace")
    email = repo.git.run("config", "--get", "user.email", check=False).decode("utf-8", "replace")
    if name.strip():
        return Person(name.strip(), email.strip() or None)
    return None


@dataclass(slots=True)
class Located:
    """Where a record is (repository-relative) and its content, if it exists."""

    relpath: str
    record: Record | None
    error: str | None = None
    staged_differs: bool = False


class AmendmentSession:
    """The amendment of the contract at ``path`` (see the module docstring).

    ``mode`` is ``worktree`` (the working-tree draft against ``base``, HEAD by default; actions
    allowed), ``index`` (the staged draft, read-only: what ``workbench check --staged`` judges)
    or ``commit`` (the contract at commit ``rev``, read-only: what ``workbench check --base``
    judges in CI). ``today``/``now`` pin the clock for tests and reproducible gates.
    ``contracts`` is a listing of the repository's contracts the caller already made (the gate
    judges every changed contract from one listing); without it each refresh lists them.
    """

    def __init__(
        self,
        repo: ContractRepo,
        path: str,
        *,
        mode: str = "worktree",
        base: str | None = "HEAD",
        rev: str | None = None,
        old_path: str | None = None,
        today: dt.date | None = None,
        now: dt.datetime | None = None,
        owns_repo: bool = False,
        contracts: list[ContractEntry] | None = None,
    ):
        if repo.root is None:
            raise AmendmentError("a bare repository has no working tree to amend")
        self.repo = repo
        self.root: Path = repo.root
        self.path = repo.git.relpath(path)
        if not self.path:
            raise AmendmentError(f"{path}: a contract file is required")
        if mode not in ("worktree", "index", "commit"):
            raise AmendmentError(f"unknown mode {mode!r}")
        self.mode = mode
        self.base = base
        self.rev = repo.resolve(rev or "HEAD") if mode == "commit" else None
        self.old_since: dt.datetime | None = None
        self._problems: list = []  # validation problems of the new side, from the last sync
        self._index: dict[str, str] | None = None  # the index's blobs, listed once per refresh
        self._shared = False
        self._read_error: str | None = None
        self.old_path = repo.git.relpath(old_path) if old_path else None
        self._today = today
        self._now = now
        self._owns_repo = owns_repo
        self._listing = contracts
        self.settings: AmendmentSettings = AmendmentSettings()
        self.policy: Policy = DEFAULT_POLICY
        self.author: Person | None = None
        self.old: Contract | None = None
        self.new: Contract | None = None
        self.report: Any = None
        self.located: Located | None = None
        self.checklist: Checklist | None = None
        self.refresh()

    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        *,
        repo: ContractRepo | str | Path | None = None,
        staged: bool = False,
        base: str | None = None,
        commit: str | None = None,
        parent: str | None = None,
        today: dt.date | None = None,
        now: dt.datetime | None = None,
    ) -> AmendmentSession:
        """Open the amendment of the contract file ``path``: how every face opens one.

        ``repo`` is an open :class:`ContractRepo` (left open when the session closes; ``path``
        is then relative to its root) or any path inside the repository (default: the one
        containing ``path``, else the current directory); a ``path`` that exists relative to
        the current directory is taken from there, any other is relative to the root. Without
        ``path`` the session takes the only contract amended in the working tree (with
        ``base``, also committed since the merge base), and raises :class:`NoSingleContract`
        when there are none or several.

        ``base`` compares with merge-base(``base``, HEAD) instead of HEAD (a branch's amendment,
        after commits); ``staged`` opens the staged draft and ``commit`` the amendment that
        commit made, judged against ``parent`` (``None``: the commit created the contract), both
        read-only. Failing to open is an :class:`OpenError`.
        """
        owns = not isinstance(repo, ContractRepo)
        try:
            if isinstance(repo, ContractRepo):
                contract_repo = repo
            else:
                where = repo if repo is not None else path if path is not None else "."
                contract_repo = ContractRepo.open(where, cache=False)
        except HistoryError as exc:
            raise OpenError(str(exc)) from None
        try:
            old_rev = contract_repo.merge_base(base) if base else "HEAD"
            if path is None:
                if staged or commit:
                    raise OpenError("name the contract of a staged or committed amendment")
                paths = amended_paths(contract_repo, old_rev if base else None)
                if len(paths) != 1:
                    raise NoSingleContract(paths, base)
                rel = paths[0]
            elif owns and Path(path).exists():
                rel = contract_repo.git.relpath(Path(path).resolve())
            else:
                rel = contract_repo.git.relpath(path)
            if commit is not None:
                mode, old_rev = "commit", parent
            else:
                mode = "index" if staged else "worktree"
            return cls(
                contract_repo,
                rel,
                mode=mode,
                base=old_rev,
                rev=commit,
                today=today,
                now=now,
                owns_repo=owns,
            )
        except HistoryError as exc:
            if owns:
                contract_repo.close()
            raise OpenError(str(exc)) from None
        except BaseException:
            if owns:
                contract_repo.close()
            raise

    def close(self) -> None:
        if self._owns_repo:
            self.repo.close()

    def __enter__(self) -> AmendmentSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- clock -------------------------------------------------------------------------------

    @property
    def today(self) -> dt.date:
        return self._today or dt.date.today()

    @property
    def now(self) -> dt.datetime:
        return self._now or dt.datetime.now(dt.UTC)

    def _stamp_time(self) -> str:
        if self._now is not None:
            return self._now.astimezone().replace(microsecond=0).isoformat()
        return now_iso()

    @property
    def by(self) -> str:
        return str(self.author) if self.author else "unknown (set git config user.name)"

    # --- reading -----------------------------------------------------------------------------

    def _read(self, rev: str, rel: str) -> bytes | None:
        """The bytes of ``rel`` in the working tree, the index or the commit ``self.rev``;
        ``None`` when absent. The index is listed once per refresh, not once per file."""
        git = self.repo.git
        try:
            if rev == WORKTREE:
                return git.read_at(WORKTREE, rel)
            if rev == INDEX:
                blob = self._index_blobs().get(rel)
            else:  # the resolved commit of ``commit`` mode: its tree, through the batch reader
                entry = git.tree_entry(rev, rel)
                blob = entry[1] if entry is not None and entry[0] == "blob" else None
            return git.read_blob(blob) if blob is not None else None
        except HistoryError as exc:
            if (self.root / rel).exists() or (self.root / rel).is_symlink():
                message = str(exc)  # a FIFO, a device, a directory...
                self._read_error = message.removeprefix(f"{rel}: ")
            return None

    def _index_blobs(self) -> dict[str, str]:
        if self._index is None:
            try:
                self._index = self.repo.git.index_entries()
            except HistoryError:
                self._index = {}
        return self._index

    def _new_rev(self) -> str:
        if self.mode == "commit":
            assert self.rev is not None
            return self.rev
        return INDEX if self.mode == "index" else WORKTREE

    def _old_side(self) -> tuple[Contract | None, dt.datetime | None]:
        if self.base is None:  # compared with nothing: the contract is created here
            return None, None
        head = self.repo.head() if self.base == "HEAD" else self.repo.resolve(self.base)
        if head is None:
            return None, None
        side = self.repo.revision(self.old_path or self.path, head)
        if side.blob is None:
            return None, None
        try:
            old = self.repo.load(side)
        except ContractError as exc:
            raise AmendmentError(
                f"the committed version of {self.path} is invalid: {exc.first.format()}"
            ) from None
        out = self.repo.git.run(
            "log", "-1", "--format=%cI", "--end-of-options", head, "--", side.path, check=False
        )
        since = None
        text = out.decode().strip()
        if text:
            try:
                since = dt.datetime.fromisoformat(text)
            except ValueError:
                since = None
        return old, since

    def refresh(self) -> Checklist:
        """Re-read settings, contracts and the record; re-run the engine; re-evaluate."""
        self._index = None
        try:
            self.settings = load_settings(self.root)
            self.policy = load_policy(self.root)
        except ContractError as exc:
            raise SettingsError(exc.first.format()) from None
        self.author = identity(self.repo)
        self.old, old_since = self._old_side()
        self.old_since = old_since
        self._read_error = None
        raw = self._read(self._new_rev(), self.path)
        unreadable = self._read_error if raw is None else None  # there, but not a file to read
        problems = []
        self.new = None
        if unreadable is not None:
            problems = [Problem(self.path, 1, 1, unreadable)]
        elif raw is not None:
            try:
                text = decode_source(raw, self.path)
                parsed = parse_contract_text(text, self.path)
                problems = validate_contract(parsed)
                if not any(p.severity == "error" for p in problems):
                    self.new = parsed
            except ContractError as exc:
                problems = exc.problems
        elif self.old is None:
            where = "staged" if self.mode == "index" else "in the working tree"
            raise AmendmentError(f"{self.path}: no such contract {where} or at HEAD")
        self.report = None
        if self.new is not None or (raw is None and unreadable is None and self.old is not None):
            try:
                ignores = load_ignores(self.root, today=self.today)
            except ContractError as exc:
                raise SettingsError(exc.first.format()) from None
            self.report = build_report(
                self.old, self.new, policy=self.policy, today=self.today, ignores=ignores
            )
        contract = self.new or self.old
        self._shared = self._compute_shared()
        self.located = self._locate(contract)
        self._problems = problems
        inputs = self._inputs(
            self.located.record if self.located else None,
            record_error=self.located.error if self.located else None,
        )
        self.checklist = evaluate(inputs)
        return self.checklist

    # --- the record's place ----------------------------------------------------------------

    def _records_dir(self, contract_id: str) -> str:
        return f"{self.settings.directory}/{contract_dir_name(contract_id)}"

    def target_version(self) -> str | None:
        """The version this amendment produces: the draft's version once bumped, else the
        suggested next version."""
        if self.new is None:
            return None
        if self.old is None or self.new.version != self.old.version:
            return self.new.version
        if self.report is not None:
            try:
                return next_version(self.old.version, self.report.verdict.required_bump)
            except BumpError:
                return None
        return None

    def _list_records(self, contract_id: str) -> list[str]:
        folder = self._records_dir(contract_id)
        if self.mode == "index":
            names = sorted(n for n in self._index_blobs() if n.startswith(folder + "/"))
        elif self.mode == "commit":
            assert self.rev is not None
            out = self.repo.git.run(
                "ls-tree", "-r", "-z", "--name-only", self.rev, "--", folder + "/", check=False
            )
            names = [n.decode("utf-8", "surrogateescape") for n in out.split(b"\x00") if n]
        else:
            d = self.root / folder
            names = [f"{folder}/{p.name}" for p in sorted(d.glob("*.yaml"))] if d.is_dir() else []
        return [
            n
            for n in names
            if posixpath.dirname(n) == folder
            and n.endswith(".yaml")
            and not n.endswith(NOTICE_SUFFIX)
        ]

    def _load_record(self, rel: str) -> Located:
        raw = self._read(self._new_rev(), rel)
        if raw is None:
            return Located(rel, None)
        try:
            record = parse_record_bytes(raw, rel)
        except ContractError as exc:
            return Located(rel, None, exc.first.format())
        located = Located(rel, record)
        if self.mode == "index":
            on_disk = self._read(WORKTREE, rel)
            located.staged_differs = on_disk is not None and on_disk != raw
        return located

    def _locate(self, contract: Contract | None) -> Located | None:
        """Find the record: ``<dir>/<contract>/<target version>.yaml``, else the newest record
        of this contract that starts from the same version (the version moved since)."""
        if contract is None:
            return None
        target = self.target_version()
        expected = record_relpath(self.settings.directory, contract.id, target or "next")
        if target is not None:
            found = self._load_record(expected)
            if found.record is not None or found.error is not None:
                return found
        from_version = self.old.version if self.old is not None else None
        candidates: list[Located] = []
        for rel in self._list_records(contract.id):
            if rel == expected:
                continue
            loc = self._load_record(rel)
            rec = loc.record
            if rec is not None and rec.from_version == from_version and rec.path == self.path:
                candidates.append(loc)
        if candidates:
            candidates.sort(key=lambda loc: loc.record.updated_at if loc.record else "")
            return candidates[-1]
        return Located(expected, None)

    # --- changelog -----------------------------------------------------------------------------

    def changelog_relpath(self) -> str | None:
        if not self.settings.changelog:
            return None
        folder = posixpath.dirname(self.path)
        return f"{folder}/{self.settings.changelog}" if folder else self.settings.changelog

    def _changelog(self) -> tuple[str | None, str | None]:
        rel = self.changelog_relpath()
        if rel is None:
            return None, None
        raw = self._read(self._new_rev(), rel)
        return rel, raw.decode("utf-8", "replace") if raw is not None else None

    def _folder_paths(self, folder: str) -> list[str]:
        """What to list to find the contracts of ``folder``: the folder itself, or for the
        repository's root the files directly in it (not the whole tree)."""
        if folder:
            return [f"{folder}/"]
        names = set()
        head = self.repo.head()
        if head is not None:
            out = self.repo.git.run("ls-tree", "--name-only", "-z", head)
            names.update(n.decode("utf-8", "surrogateescape") for n in out.split(b"\x00") if n)
        with contextlib.suppress(OSError):
            names.update(e.name for e in os.scandir(self.root) if e.is_file(follow_symlinks=False))
        return sorted(names)

    def _compute_shared(self) -> bool:
        """Whether another contract lives in the same folder (and so shares the changelog)."""
        folder = posixpath.dirname(self.path)
        try:
            entries = (  # the folder alone is read, not the whole repository
                self._listing
                if self._listing is not None
                else self.repo.contracts(paths=self._folder_paths(folder))
            )
        except HistoryError:
            return False
        me = (self.new or self.old).id if (self.new or self.old) else None
        return any(
            posixpath.dirname(e.path) == folder and e.path != self.path and e.id != me
            for e in entries
        )

    # --- writing -------------------------------------------------------------------------------

    def _writable(self) -> None:
        if self.mode != "worktree":
            what = "staged amendment" if self.mode == "index" else "committed amendment"
            raise AmendmentError(f"the {what} is read-only: answer in the working tree")

    def _require_contract(self) -> Contract:
        if self.new is None or self.report is None:
            first = ""
            if self.checklist is not None:
                items = self.checklist.step("schema_clarity").open_items
                first = f": {items[0].detail}" if items and items[0].detail else ""
            raise AmendmentError(f"{self.path} does not validate{first}")
        return self.new

    def _current_record(self, *, create: bool = False) -> Record:
        """The record to change, re-read from disk; a new one when ``create``."""
        new = self._require_contract()
        located = self.located
        if located is not None and located.error:
            raise AmendmentError(f"the amendment record cannot be read: {located.error}")
        if located is not None and located.record is not None:
            return located.record
        if not create:
            raise AmendmentError(
                "no amendment record yet: start one (`workbench amend start`, or d in the checklist)"
            )
        target = self.target_version() or new.version
        stamp = self._stamp_time()
        return Record(
            contract=new.id,
            path=self.path,
            from_version=self.old.version if self.old else None,
            to_version=target,
            required_bump=self.report.verdict.required_bump,
            author=self.author,
            created_at=stamp,
            updated_at=stamp,
        )

    def _save(self, record: Record) -> Checklist:
        """Bring the record up to date with the evaluation and write it atomically (moving it
        when its version changed); return the fresh checklist."""
        old_rel = self.located.relpath if self.located and self.located.record else None
        target = self.target_version() or record.to_version
        if target != record.to_version:
            record.to_version = target
        record.required_bump = self.report.verdict.required_bump if self.report else None
        record.path = self.path
        rel = record_relpath(self.settings.directory, record.contract, record.to_version)
        self.located = Located(rel, record)
        checklist = self._evaluate_with(record)
        self._stamp(record, checklist)
        record.updated_at = self._stamp_time()
        _refuse_long_names(rel)
        atomic_write(self.root / rel, dump_record(record).encode("utf-8"))
        if old_rel and old_rel != rel:
            remove(self.root / old_rel)
            old_notice = old_rel[: -len(".yaml")] + NOTICE_SUFFIX
            remove(self.root / old_notice)
        remove_stale_temps(self.root / rel)
        self.checklist = checklist
        return checklist

    def _evaluate_with(self, record: Record) -> Checklist:
        assert self.checklist is not None
        return evaluate(self._inputs(record))

    def _inputs(self, record: Record | None, record_error: str | None = None) -> Inputs:
        """Everything the checklist evaluates, for ``record`` (the saved one or a draft)."""
        changelog_rel, changelog_text = self._changelog()
        return Inputs(
            path=self.path,
            old=self.old,
            new=self.new,
            report=self.report,
            record=record,
            problems=list(self._problems),
            settings=self.settings,
            policy=self.policy,
            author=self.author,
            today=self.today,
            now=self.now,
            old_since=self.old_since,
            changelog_path=changelog_rel,
            changelog_text=changelog_text,
            changelog_shared=self._shared,
            record_path=self.located.relpath if self.located else None,
            record_error=record_error,
        )

    def _stamp(self, record: Record, checklist: Checklist) -> None:
        """Snapshot checks and statuses; stamp who completed each step (and the whole) now."""
        fingerprint = checklist.fingerprint
        at = self._stamp_time()
        for result in checklist.steps:
            step = record.step(result.id)
            step.status = result.status
            step.checks = [CheckResult(i.id, i.status, i.label) for i in result.items]
            if result.status == "done":
                if step.completed is None or step.completed.fingerprint != fingerprint:
                    step.completed = Stamp(self.by, at, fingerprint)
            else:
                step.completed = None
        if checklist.done:
            if record.fingerprint != fingerprint or record.completed is None:
                record.fingerprint = fingerprint
                record.completed = Stamp(self.by, at, fingerprint)
        else:
            record.completed = None

    # --- actions -------------------------------------------------------------------------------

    def start(self, summary: str | None = None, effective: dt.date | None = None) -> Record:
        """Create the record for the next version (or return the existing one)."""
        self._writable()
        self.refresh()
        record = self._current_record(create=True)
        if summary is not None:
            record.summary = summary.strip()
        if effective is not None:
            record.effective = effective.isoformat()
        self._save(record)
        assert self.located is not None and self.located.record is not None
        return self.located.record

    def set_summary(self, summary: str) -> None:
        self._writable()
        self.refresh()
        record = self._current_record(create=True)
        record.summary = summary.strip()
        self._save(record)

    def set_effective(self, effective: dt.date | None) -> None:
        self._writable()
        self.refresh()
        record = self._current_record(create=True)
        record.effective = effective.isoformat() if effective else None
        self._save(record)

    def apply_bump(self, version: str | None = None) -> BumpResult:
        """Set the working-tree contract's version to ``version`` (default: the suggested one)
        without touching any other byte; update the record when there is one."""
        self._writable()
        self.refresh()
        self._require_contract()
        assert self.checklist is not None
        target = version or self.checklist.suggested_version
        if target is None:
            raise AmendmentError("no version to bump to: the previous version is not SemVer")
        try:
            result = apply_bump(self.root / self.path, target)
        except BumpError as exc:
            raise AmendmentError(str(exc)) from None
        self.refresh()
        if self.located is not None and self.located.record is not None:
            self._save(self.located.record)
        return result

    def _find(self, prefix: str) -> tuple[str, Any]:
        """The current finding named by a fingerprint (or a unique prefix of it)."""
        text = prefix.strip().lower()
        if len(text) < MIN_PREFIX:
            raise AmendmentError(f"give at least {MIN_PREFIX} characters of the fingerprint")
        assert self.report is not None
        candidates: dict[str, tuple[str, Any]] = {}
        for s in self.report.security_findings:
            if s.fingerprint.lower().startswith(text):
                candidates[s.fingerprint] = ("security_review", s)
        for f in self.report.findings:
            if f.fingerprint.lower().startswith(text) and f.fingerprint not in candidates:
                candidates[f.fingerprint] = ("compatibility", f)
        if not candidates:
            raise AmendmentError(f"no current finding has the fingerprint {prefix!r}")
        if len(candidates) > 1:
            raise AmendmentError(
                f"{prefix!r} matches {len(candidates)} findings: give more characters"
            )
        return next(iter(candidates.values()))

    def accept(self, fingerprint: str, reason: str) -> Acceptance:
        """Accept a finding (breaking engine finding or security finding) with a reason."""
        self._writable()
        self.refresh()
        reason = " ".join(reason.split()) if "\n" not in reason else reason.strip()
        if not reason:
            raise AmendmentError("a reason is required to accept a finding")
        record = self._current_record(create=True)
        step_name, finding = self._find(fingerprint)
        if step_name == "compatibility" and finding.severity != "breaking":
            raise AmendmentError(
                f"{finding.fingerprint[:12]} is {finding.severity}, not breaking: nothing to accept"
            )
        if step_name == "security_review" and not needs_handling(finding, self.policy):
            raise AmendmentError(f"{finding.fingerprint[:12]} needs no acceptance (informational)")
        step = record.step(step_name)
        step.accepted = [
            a
            for a in step.accepted
            if a.fingerprint != finding.fingerprint
            and not (a.rule == finding.rule and a.path == finding.path)
        ]
        acceptance = Acceptance(
            fingerprint=finding.fingerprint,
            reason=reason,
            by=self.by,
            at=self._stamp_time(),
            rule=finding.rule,
            path=finding.path,
            severity=finding.severity,
        )
        step.accepted.append(acceptance)
        self._save(record)
        return acceptance

    def withdraw(self, fingerprint: str) -> None:
        """Remove an acceptance (by fingerprint or prefix), e.g. one whose finding is gone."""
        self._writable()
        self.refresh()
        record = self._current_record()
        text = fingerprint.strip().lower()
        removed = 0
        for name in ("compatibility", "security_review"):
            step = record.step(name)
            keep = [a for a in step.accepted if not a.fingerprint.lower().startswith(text)]
            removed += len(step.accepted) - len(keep)
            step.accepted = keep
        if not removed or len(text) < MIN_PREFIX:
            raise AmendmentError(f"no acceptance has the fingerprint {fingerprint!r}")
        self._save(record)

    def sign_off(self, reviewer: str, email: str | None = None, comment: str = "") -> SignOff:
        """The security reviewer's sign-off for the current change set."""
        self._writable()
        self.refresh()
        reviewer = " ".join(reviewer.split())
        email = email.strip() if email and email.strip() else None
        if not reviewer:
            raise AmendmentError("the reviewer's name is required")
        record = self._current_record(create=True)
        author = record.author or self.author
        if is_author(author, reviewer, email):
            raise AmendmentError(
                f"{reviewer} is the author of this amendment: another person must sign off"
            )
        allowed = self.settings.reviewers
        if allowed and not any(
            r.casefold() in (reviewer.casefold(), (email or "").casefold()) for r in allowed
        ):
            raise AmendmentError(f"{reviewer} is not among the reviewers: {', '.join(allowed)}")
        assert self.checklist is not None
        if self.checklist.security_open:
            n = len(self.checklist.security_open)
            first = self.checklist.security_open[0]
            raise AmendmentError(
                f"{n} security finding{'s' if n != 1 else ''} still open (first: {first.title} at "
                f"{first.path}): fix or accept before signing off"
            )
        sign = SignOff(
            reviewer=reviewer,
            email=email,
            at=self._stamp_time(),
            fingerprint=self.checklist.fingerprint,
            comment=comment.strip(),
        )
        record.step("security_review").sign_off = sign
        self._save(record)
        return sign

    def notice_input(self, record: Record | None = None) -> NoticeInput:
        assert self.checklist is not None
        record = record or (self.located.record if self.located else None)
        return NoticeInput(
            old=self.old,
            new=self.new,
            report=self.report,
            path=self.path,
            today=self.today,
            coverages=dict(self.checklist.coverages),
            fingerprint=self.checklist.fingerprint,
            **record_notes(record, self.checklist.fingerprint),
        )

    def render_notice(self) -> str:
        """The notice for the current state, without writing anything."""
        self._require_contract()
        return render_notice(self.notice_input())

    def generate_notice(self) -> tuple[str, str]:
        """Write the notice next to the record and note it in the record; return
        ``(markdown, repository-relative path)``."""
        self._writable()
        self.refresh()
        record = self._current_record(create=True)
        assert self.checklist is not None
        if self.checklist.step("versioning").status != "done":
            raise AmendmentError("finish versioning first: the notice names the new version")
        text = render_notice(self.notice_input(record))
        version = self.target_version() or record.to_version
        rel = notice_relpath(self.settings.directory, record.contract, version)
        _refuse_long_names(rel)
        atomic_write(self.root / rel, text.encode("utf-8"))
        record.step("communication").notice = NoticeStamp(
            by=self.by,
            at=self._stamp_time(),
            fingerprint=self.checklist.fingerprint,
            file=rel,
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        )
        self._save(record)
        return text, rel

    def changelog_entry(self) -> str:
        new = self._require_contract()
        fixed: list[SecurityFinding] = []
        if self.old is not None:
            after = {s.fingerprint for s in review_contract(new, self.policy)}
            fixed = [
                s for s in review_contract(self.old, self.policy) if s.fingerprint not in after
            ]
        sections = entry_sections(self.report, fixed)
        cid = new.id if self._shared else None
        return render_entry(new.version, self.today, sections, cid)

    def append_changelog(self, *, replace: bool = False) -> ChangelogResult:
        """Append the Keep a Changelog entry for this version next to the contract."""
        self._writable()
        self.refresh()
        rel = self.changelog_relpath()
        if rel is None:
            raise AmendmentError("the changelog is turned off (amendments.changelog: false)")
        record = self._current_record(create=True)
        assert self.checklist is not None
        if self.checklist.step("versioning").status != "done":
            raise AmendmentError("finish versioning first: the entry is for the new version")
        new = self._require_contract()
        cid = new.id if self._shared else None
        result = append_changelog(
            self.root / rel, self.changelog_entry(), new.version, cid, replace=replace
        )
        if result.status != "exists" or record.step("communication").changelog is None:
            record.step("communication").changelog = ChangelogStamp(
                file=rel,
                version=new.version,
                by=self.by,
                at=self._stamp_time(),
                fingerprint=self.checklist.fingerprint,
            )
        self._save(record)
        return ChangelogResult(rel, result.status, result.entry)

    def notify(self, consumers: list[str] | None = None) -> list[Notified]:
        """Confirm consumers as notified of this change set (all affected ones when ``None``)."""
        self._writable()
        self.refresh()
        record = self._current_record(create=True)
        assert self.checklist is not None
        notice = self.checklist.step("communication")
        if not any(i.id == "notice" and i.status == "ok" for i in notice.items):
            raise AmendmentError("generate the notice first: consumers are told what it says")
        affected = {c.name: c for c in self.checklist.consumers}
        listed = {
            str(c.get("name")): c
            for c in (self.new.section("consumers") if self.new else [])
            if isinstance(c, dict)
        }
        names = list(affected) if consumers is None else consumers
        if not names:
            raise AmendmentError("no consumer is affected by this amendment")
        unknown = [n for n in names if n not in listed]
        if unknown:
            raise AmendmentError(
                f"unknown consumer {unknown[0]!r} (listed: {', '.join(listed) or 'none'})"
            )
        step = record.step("communication")
        at = self._stamp_time()
        done = []
        for name in names:
            step.notified = [n for n in step.notified if n.consumer != name]
            contact = listed[name].get("contact")
            entry = Notified(
                name, self.by, at, self.checklist.fingerprint, str(contact) if contact else None
            )
            step.notified.append(entry)
            done.append(entry)
        self._save(record)
        return done

    def sync(self) -> Checklist:
        """Save the record with fresh check results (and a new file name if the version
        moved); a no-op without a record."""
        self._writable()
        self.refresh()
        if self.located is None or self.located.record is None:
            assert self.checklist is not None
            return self.checklist
        return self._save(self.located.record)


__all__ = [
    "STEPS",
    "AmendmentError",
    "AmendmentSession",
    "NoSingleContract",
    "OpenError",
    "SettingsError",
    "identity",
]
