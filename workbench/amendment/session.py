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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.amendment.atomic import atomic_write, remove, remove_stale_temps
from workbench.amendment.bump import BumpError, BumpResult, apply_bump, next_version
from workbench.amendment.changelog import (
    HEADER,
    LABEL_HEADER,
    ChangelogResult,
    append_changelog,
    entry_digest,
    entry_sections,
    render_entry,
)
from workbench.amendment.changes import amended_paths
from workbench.amendment.checklist import (
    MIN_REASON,
    Checklist,
    Inputs,
    evaluate,
    needs_handling,
)
from workbench.amendment.confine import PathRefused, confined, read_confined
from workbench.amendment.identity import Who, mixed_script, same_person
from workbench.amendment.lock import LockTimeout, records_lock
from workbench.amendment.notice import NoticeInput, record_notes, render_notice
from workbench.amendment.policysource import (
    PolicySource,
    check_worktree_policy,
    load_policy_source,
)
from workbench.amendment.record import (
    NOTICE_SUFFIX,
    PENDING_LABEL,
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
    legacy_dir_name,
    notice_relpath,
    now_iso,
    parse_record_bytes,
    record_relpath,
    versions_text,
)
from workbench.amendment.settings import AmendmentSettings
from workbench.amendment.verify import Verification, reviewer_refusal, verify_sign_off
from workbench.contract.errors import ContractError, Problem
from workbench.contract.model import Contract
from workbench.contract.yamlsrc import decode_source
from workbench.engine.ignore import MIN_FINGERPRINT_PREFIX
from workbench.engine.model import SecurityFinding
from workbench.history.errors import HistoryError
from workbench.history.model import INDEX, WORKTREE, ContractEntry
from workbench.history.repo import ContractRepo
from workbench.review import build_report
from workbench.security.policy import DEFAULT_POLICY, Policy
from workbench.security.review import review_contract
from workbench.sources.kinds import artefact_id
from workbench.sources.loading import check_document_text

MIN_PREFIX = MIN_FINGERPRINT_PREFIX  # the shortest fingerprint prefix accepted (as the ignore file)
LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")


def unversioned(contract: Contract) -> bool:
    """An artefact without a SemVer version (an OpenAPI description's ``info.version`` counts
    when it is SemVer)."""
    return "artefact" in contract.data and not contract.version


def artefact_kind(contract: Contract | None) -> str | None:
    """The artefact kind of a document, ``None`` for a contract."""
    if contract is None:
        return None
    artefact = contract.data.get("artefact")
    kind = artefact.get("kind") if isinstance(artefact, dict) else None
    return kind if isinstance(kind, str) else None


def version_field(contract: Contract) -> tuple[str, ...]:
    """Where the version is written: a contract's ``version``, an OpenAPI description's
    ``info.version``."""
    return ("info", "version") if artefact_kind(contract) == "openapi" else ("version",)


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
    raw: bytes | None = None  # the bytes read, to save only what changed
    refused: bool = False  # the error is a refusal (another amendment's record, a bad path)
    data: dict | None = None  # the record as read (``Record.to_dict``), to save only changes


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
        base_label: str | None = None,
        listed: list[ContractEntry] | None = None,
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
        self._listed: list[ContractEntry] | None = listed  # our own listing, per refresh
        self._identity: tuple[Person | None] | None = None
        self._since: dict[tuple[str, str], dt.datetime | None] = {}
        self._judged: tuple | None = None  # (inputs, new, problems, report) of the last run
        self._changelog_error: str | None = None
        self.settings: AmendmentSettings = AmendmentSettings()
        self.policy: Policy = DEFAULT_POLICY
        self.policy_source: PolicySource | None = None
        self.base_label = base_label or (base if base in (None, "HEAD") else base[:12]) or "HEAD"
        self.verification: Verification | None = None
        self._old_raw: bytes | None = None
        self._new_raw: bytes | None = None
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
            listing = None
            if path is None:
                if staged or commit:
                    raise OpenError("name the contract of a staged or committed amendment")
                # only what git reports changed is read (the session lists its own folder)
                changed = contract_repo.contracts(paths=contract_repo.changed_paths())
                paths = amended_paths(contract_repo, old_rev if base else None, changed)
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
            session = cls(
                contract_repo,
                rel,
                mode=mode,
                base=old_rev,
                rev=commit,
                today=today,
                now=now,
                owns_repo=owns,
                base_label=f"the merge base with {base}" if base and commit is None else None,
                listed=listing,
            )
            return session
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

    def _read(self, rev: str, rel: str, *, confine: bool = False) -> bytes | None:
        """The bytes of ``rel`` in the working tree, the index or the commit ``self.rev``;
        ``None`` when absent. The index is listed once per refresh, not once per file.

        ``confine``: a record, notice or changelog; in the working tree it must resolve inside
        the work tree and outside ``.git`` (:class:`PathRefused` otherwise)."""
        git = self.repo.git
        try:
            if rev == WORKTREE:
                if confine:
                    return read_confined(self.root, rel, git_dir=git.git_dir)
                return git.read_at(WORKTREE, rel)
            if rev == INDEX:
                blob = self._index_blobs().get(rel)
            else:  # the resolved commit of ``commit`` mode: its tree, through the batch reader
                entry = git.tree_entry(rev, rel)
                blob = entry[1] if entry is not None and entry[0] == "blob" else None
            return git.read_blob(blob) if blob is not None else None
        except HistoryError as exc:
            if rev == WORKTREE and ((self.root / rel).exists() or (self.root / rel).is_symlink()):
                message = str(exc)  # there, but not a file to read: a FIFO, a device...
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

    def _base_commit(self) -> str | None:
        """The commit the amendment is compared with (``None``: nothing, or no commit yet)."""
        if self.base is None:
            return None
        return self.repo.head() if self.base == "HEAD" else self.repo.resolve(self.base)

    def _old_side(self) -> tuple[Contract | None, dt.datetime | None]:
        self._old_raw = None
        head = self._base_commit()
        if head is None:  # compared with nothing: the contract is created here
            return None, None
        side = self.repo.revision(self.old_path or self.path, head)
        if side.blob is None:
            listed = self.repo.git.run(
                "ls-tree", "-z", "--full-tree", head, "--", self.old_path or self.path, check=False
            )
            if listed.strip():  # in the tree, but its object cannot be read: never "new"
                raise AmendmentError(
                    f"{self.old_path or self.path} cannot be read at {head[:12]} (its object is "
                    "missing or damaged): the amendment cannot be judged"
                )
            return None, None
        try:
            self._old_raw = self.repo.git.read_blob(side.blob)
        except HistoryError as exc:
            raise AmendmentError(
                f"{side.path} cannot be read at {head[:12]}: {exc}: the amendment cannot be judged"
            ) from None
        try:
            old = self.repo.load(side)
        except ContractError as exc:
            raise AmendmentError(
                f"the committed version of {self.path} is invalid: {exc.first.format()}"
            ) from None
        key = (head, side.path)
        if key not in self._since:
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
            self._since = {key: since}  # a fact of the commit: kept while the base stays
        return old, self._since[key]

    def refresh(self, *, relist: bool = True) -> Checklist:
        """Re-read settings, contracts and the record; re-run the engine; re-evaluate.

        ``relist=False`` keeps the listing of the repository's contracts and the identity of
        the last refresh (an action re-reads everything else under its lock)."""
        self._index = None
        if relist and self.checklist is not None:  # the first refresh uses what open() listed
            self._listed = None
            self._identity = None
        try:  # the policy as committed at the base: the amendment cannot loosen its own gate
            self.policy_source = load_policy_source(self.repo, self.base)
            if self.mode == "worktree":  # not in force yet, but a broken one is said at once
                check_worktree_policy(self.root, self.today)
        except ContractError as exc:
            raise SettingsError(exc.first.format()) from None
        except HistoryError as exc:
            raise SettingsError(f"cannot read the policy files: {exc}") from None
        self.settings = self.policy_source.settings
        self.policy = self.policy_source.policy
        if self._identity is None:
            self._identity = (identity(self.repo),)
        self.author = self._identity[0]
        self.old, old_since = self._old_side()
        self.old_since = old_since
        self._read_error = None
        raw = self._read(self._new_rev(), self.path)
        unreadable = self._read_error if raw is None else None  # there, but not a file to read
        self._new_raw = raw
        key = (
            self._old_raw,
            raw,
            unreadable,
            tuple(sorted(self.policy_source.blobs.items())),
            self.today,
            self.old_path,
        )
        if self._judged is not None and self._judged[0] == key:
            # the same bytes under the same policy: the same judgement (under a lock, an
            # action re-reads the files but need not re-run the engine)
            _, self.new, problems, self.report = self._judged
        else:
            problems = self._judge(raw, unreadable)
            self._judged = (key, self.new, problems, self.report)
        contract = self.new or self.old
        self._shared = self._compute_shared()
        self.located = self._locate(contract)
        self._problems = problems
        self.verification = self._verify_sign_off()
        inputs = self._inputs(
            self.located.record if self.located else None,
            record_error=self.located.error if self.located else None,
        )
        self.checklist = evaluate(inputs)
        return self.checklist

    def _judge(self, raw: bytes | None, unreadable: str | None = None) -> list:
        """Load the new side from ``raw`` and run the engine; return its validation problems.
        ``unreadable``: why the file that is there cannot be read (it is not a deletion)."""
        assert self.policy_source is not None
        problems = []
        self.new = None
        if unreadable is not None:
            problems = [Problem(self.path, 1, 1, unreadable)]
        elif raw is not None:
            try:
                text = decode_source(raw, self.path)
            except ContractError as exc:
                problems = exc.problems
            else:  # a contract or an artefact, read as history and the gate read it
                self.new, problems = check_document_text(
                    text, self.path, contract_id=artefact_id(self.path)
                )
        elif self.old is None:
            where = "staged" if self.mode == "index" else "in the working tree"
            raise AmendmentError(f"{self.path}: no such contract {where} or at HEAD")
        self.report = None
        if self.new is not None or (raw is None and unreadable is None and self.old is not None):
            try:
                ignores = self.policy_source.ignores(self.today)
            except ContractError as exc:
                raise SettingsError(exc.first.format()) from None
            self.report = build_report(
                self.old,
                self.new,
                policy=self.policy,
                today=self.today,
                ignores=ignores,
                now=self.now,  # the rotation overlap, measured as the checklist measures it
                old_since=self.old_since,
            )
        return problems

    # --- the record's place ----------------------------------------------------------------

    def _records_dir(self, contract_id: str) -> str:
        return f"{self.settings.directory}/{contract_dir_name(contract_id)}"

    @property
    def unversioned(self) -> bool:
        """Whether the amendment is to an artefact without a SemVer version: it is released
        under a label the author gives, which the record keeps (no version line to rewrite)."""
        return self.new is not None and unversioned(self.new)

    def target_version(self) -> str | None:
        """The version this amendment produces: the draft's version once bumped, else the
        suggested next version; for an unversioned artefact, the label the record keeps
        (``None`` until the author gives one)."""
        if self.new is None:
            return None
        if self.unversioned:
            located = self.located
            record = located.record if located is not None else None
            return record.to_version if record is not None and record.labelled else None
        if self.old is None or self.new.version != self.old.version:
            return self.new.version
        if self.report is not None:
            try:
                return next_version(self.old.version, self.report.verdict.required_bump)
            except BumpError:
                return None
        return None

    def _list_records(self, folder: str) -> list[str]:
        if self.mode == "index":
            names = sorted(n for n in self._index_blobs() if n.startswith(folder + "/"))
        elif self.mode == "commit":
            assert self.rev is not None
            out = self.repo.git.run(
                "ls-tree", "-r", "-z", "--name-only", self.rev, "--", folder + "/", check=False
            )
            names = [n.decode("utf-8", "surrogateescape") for n in out.split(b"\x00") if n]
        else:
            d = confined(self.root, folder, git_dir=self.repo.git.git_dir)
            names = [f"{folder}/{p.name}" for p in sorted(d.glob("*.yaml"))] if d.is_dir() else []
        return [
            n
            for n in names
            if posixpath.dirname(n) == folder
            and n.endswith(".yaml")
            and not n.endswith(NOTICE_SUFFIX)
        ]

    def _load_record(self, rel: str) -> Located:
        try:
            raw = self._read(self._new_rev(), rel, confine=True)
        except PathRefused as exc:
            return Located(rel, None, str(exc), refused=True)
        if raw is None:
            return Located(rel, None)
        try:
            record = parse_record_bytes(raw, rel)
        except ContractError as exc:
            return Located(rel, None, exc.first.format(), raw=raw)
        located = Located(rel, record, raw=raw, data=record.to_dict())
        if self.mode == "index":
            try:
                on_disk = self._read(WORKTREE, rel, confine=True)
            except PathRefused:
                on_disk = None
            located.staged_differs = on_disk is not None and on_disk != raw
        return located

    def _in_base(self, rel: str) -> bool:
        """Whether ``rel`` is committed at the base: the record of an earlier amendment."""
        base = self._base_commit()
        if base is None:
            return False
        try:
            return self.repo.git.tree_entry(base, rel) is not None
        except HistoryError:
            return False

    def _foreign(self, located: Located, contract_id: str) -> Located | None:
        """``located`` as an error when it is not this amendment's to change: another
        contract's record (ids that share a directory on a case-insensitive file system) or a
        record committed before the base (an earlier amendment: never rewritten)."""
        record = located.record
        if record is None:
            return None
        if record.contract != contract_id:
            return Located(
                located.relpath,
                None,
                f"{located.relpath} is the record of contract {record.contract!r}, not "
                f"{contract_id!r}: refused (rename one of the contracts)",
                refused=True,
            )
        if self._in_base(located.relpath):
            versions = versions_text(record)
            return Located(
                located.relpath,
                None,
                f"{located.relpath} records an earlier amendment ({versions}), committed before "
                f"{self.base_label}: it is never rewritten; this amendment needs another version",
                refused=True,
            )
        return None

    def _locate(self, contract: Contract | None) -> Located | None:
        """Find the record: ``<dir>/<contract>/<target version>.yaml``, else the newest record
        of this contract that starts from the same version (the version moved since). Records
        committed before the base belong to earlier amendments and are never this one's."""
        if contract is None:
            return None
        target = None if self.unversioned else self.target_version()
        from_version = (self.old.version or None) if self.old is not None else None
        expected = record_relpath(self.settings.directory, contract.id, target or PENDING_LABEL)
        if target is not None and target != from_version:
            found = self._load_record(expected)
            if found.record is not None or found.error is not None:
                return self._foreign(found, contract.id) or found
        folders = [self._records_dir(contract.id)]
        legacy = legacy_dir_name(contract.id)
        if legacy:
            folders.append(f"{self.settings.directory}/{legacy}")
        candidates: list[Located] = []
        for folder in folders:
            try:
                names = self._list_records(folder)
            except PathRefused as exc:
                return Located(expected, None, str(exc), refused=True)
            for rel in names:
                if rel == expected:
                    continue
                loc = self._load_record(rel)
                rec = loc.record
                if (
                    rec is not None
                    and rec.contract == contract.id
                    and rec.from_version == from_version
                    and rec.path == self.path
                    and rec.to_version != from_version
                    and not self._in_base(rel)
                ):
                    candidates.append(loc)
        if candidates:
            candidates.sort(key=lambda loc: loc.record.updated_at if loc.record else "")
            return candidates[-1]
        return Located(expected, None)

    def _verify_sign_off(self) -> Verification | None:
        """What git says about the record's sign-off for the current change set (``None``
        without one): see :mod:`workbench.amendment.verify`."""
        located = self.located
        record = located.record if located is not None else None
        if record is None or self.report is None or not self.settings.require_reviewer:
            return None
        sign = record.step("security_review").sign_off
        if sign is None or sign.fingerprint != self.report.verdict.fingerprint:
            return None
        head = self.rev if self.mode == "commit" else self.repo.head()
        if head is None:
            return Verification(False, "nothing is committed yet")
        assert located is not None
        key = sign.to_dict()  # every field: a comment edited afterwards is another sign-off

        def has_sign_off(raw: bytes | None) -> bool:
            if raw is None:
                return False
            try:
                other = parse_record_bytes(raw, located.relpath).step("security_review").sign_off
            except ContractError:
                return False
            return other is not None and other.to_dict() == key

        return verify_sign_off(
            self.repo,
            base=self._base_commit(),
            head=head,
            record_rel=located.relpath,
            has_sign_off=has_sign_off,
            named=Who(sign.reviewer, sign.email),
            change_paths=[p for p in (self.path, self.old_path) if p],
            reviewers=self.settings.reviewers,
            require_signed=self.settings.require_signed_signoff,
        )

    @property
    def unchanged(self) -> bool:
        """Whether the contract is byte for byte what it was at the base (nothing to amend)."""
        return (
            self._old_raw is not None
            and self._new_raw == self._old_raw
            and (self.old_path or self.path) == self.path
        )

    # --- changelog -----------------------------------------------------------------------------

    def changelog_relpath(self) -> str | None:
        if not self.settings.changelog:
            return None
        folder = posixpath.dirname(self.path)
        return f"{folder}/{self.settings.changelog}" if folder else self.settings.changelog

    def _changelog(self) -> tuple[str | None, str | None]:
        rel = self.changelog_relpath()
        self._changelog_error = None
        if rel is None:
            return None, None
        try:
            raw = self._read(self._new_rev(), rel, confine=True)
        except PathRefused as exc:
            self._changelog_error = str(exc)
            return rel, None
        return rel, raw.decode("utf-8", "replace") if raw is not None else None

    def _notice_bytes(self, record: Record | None) -> tuple[bytes | None, str | None]:
        """The notice file the record names, as the amendment holds it (and why not)."""
        stamp = record.step("communication").notice if record is not None else None
        if stamp is None or not stamp.file:
            return None, None
        try:
            return self._read(self._new_rev(), stamp.file, confine=True), None
        except PathRefused as exc:
            return None, str(exc)

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
            entries = self._listing
            if entries is None:
                if self._listed is None:  # the folder alone is read, not the whole repository
                    self._listed = self.repo.contracts(paths=self._folder_paths(folder))
                entries = self._listed
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

    @contextlib.contextmanager
    def _answering(self, *, contract_change: bool = True) -> Iterator[None]:
        """Hold the record lock while an answer re-reads, changes and saves the record, so
        concurrent answers are all kept; refuse when there is nothing to amend (a read never
        writes) and turn a refused path or a busy lock into a one-line refusal."""
        self._writable()
        try:
            with records_lock(self.repo.git.git_dir):
                self.refresh(relist=False)
                if contract_change and self.unchanged:
                    raise AmendmentError(
                        f"{self.path}: contract unchanged since {self.base_label}: nothing to "
                        "amend, nothing written"
                    )
                yield
        except LockTimeout as exc:
            raise AmendmentError(str(exc)) from None
        except PathRefused as exc:
            raise AmendmentError(f"{exc}; nothing written") from None

    def _path(self, rel: str) -> Path:
        """Where ``rel`` is in the work tree, refused when it leaves it or enters ``.git``."""
        return confined(self.root, rel, git_dir=self.repo.git.git_dir)

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
            if located.refused:
                raise AmendmentError(f"{located.error}; nothing written")
            raise AmendmentError(f"the amendment record cannot be read: {located.error}")
        if located is not None and located.record is not None:
            return located.record
        if not create:
            raise AmendmentError(
                "no amendment record yet: start one (`workbench amend start`, or d in the checklist)"
            )
        if self.unversioned:
            target = self.target_version() or PENDING_LABEL
            if self.old is not None and self.report.verdict.required_bump == "none":
                why = self.checklist.why_no_record if self.checklist is not None else ""
                raise AmendmentError(
                    f"{self.path}: {why or 'nothing changed that needs a record'}: no record "
                    "to write"
                )
        else:
            target = self.target_version() or new.version
        if not self.unversioned and self.old is not None and target == self.old.version:
            why = self.checklist.why_no_record if self.checklist is not None else ""
            raise AmendmentError(
                f"{self.path}: {why or 'nothing changed that needs a record'}: no record to "
                "write (the version stays " + self.old.version + ")"
            )
        stamp = self._stamp_time()
        return Record(
            contract=new.id,
            kind=artefact_kind(new),
            path=self.path,
            from_version=(self.old.version or None) if self.old else None,
            to_version=target,
            required_bump=self.report.verdict.required_bump,
            author=self.author,
            created_at=stamp,
            updated_at=stamp,
        )

    def _save(self, record: Record) -> Checklist:
        """Bring the record up to date with the evaluation and write it atomically (moving it
        when its version changed); return the fresh checklist. A record whose content would
        not change is left as it is (re-checking never rewrites it)."""
        previous = self.located if self.located and self.located.record else None
        old_rel = previous.relpath if previous else None
        target = self.target_version() or record.to_version
        if target != record.to_version:
            record.to_version = target
        record.required_bump = self.report.verdict.required_bump if self.report else None
        record.path = self.path
        record.from_version = (self.old.version or None) if self.old is not None else None
        record.kind = artefact_kind(self.new) if self.new is not None else record.kind
        rel = record_relpath(self.settings.directory, record.contract, record.to_version)
        moving = old_rel is not None and old_rel != rel
        communication = record.step("communication")
        if moving and communication.notice is not None:
            # the notice named the old version and its file goes with the old record
            communication.notice = None
        destination = self._path(rel)
        self.located = Located(
            rel,
            record,
            raw=previous.raw if previous else None,
            data=previous.data if previous else None,
        )
        self.verification = self._verify_sign_off()
        checklist = self._evaluate_with(record)
        # the record's snapshot takes the record's word for the sign-off: it is verified from
        # git only once committed (every gate and checklist verifies it again)
        self._stamp(record, evaluate(self._inputs(record, sign_off_check=None)))
        if not moving and previous is not None and record.to_dict() == previous.data:
            self.checklist = checklist  # nothing changed: a re-check never rewrites a record
            return checklist
        record.updated_at = self._stamp_time()
        data = dump_record(record).encode("utf-8")
        _refuse_long_names(rel)
        atomic_write(destination, data)
        self.located.raw = data
        self.located.data = record.to_dict()
        if moving and old_rel is not None:
            old_notice = old_rel[: -len(".yaml")] + NOTICE_SUFFIX
            for stale in (old_rel, old_notice):
                with contextlib.suppress(PathRefused):
                    remove(self._path(stale))  # put back if the action fails after this
        remove_stale_temps(destination)
        self.checklist = checklist
        return checklist

    def _evaluate_with(self, record: Record) -> Checklist:
        assert self.checklist is not None
        return evaluate(self._inputs(record))

    def _inputs(
        self,
        record: Record | None,
        record_error: str | None = None,
        *,
        sign_off_check: Verification | bool | None = True,
    ) -> Inputs:
        """Everything the checklist evaluates, for ``record`` (the saved one or a draft)."""
        changelog_rel, changelog_text = self._changelog()
        notice_raw, notice_error = self._notice_bytes(record)
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
            record_refused=bool(self.located and self.located.refused and record_error),
            notice_raw=notice_raw,
            notice_error=notice_error,
            changelog_error=self._changelog_error,
            sign_off_check=self.verification if sign_off_check is True else sign_off_check,
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
        with self._answering():
            record = self._current_record(create=True)
            if summary is not None:
                record.summary = summary.strip()
            if effective is not None:
                record.effective = effective.isoformat()
            self._save(record)
        assert self.located is not None and self.located.record is not None
        return self.located.record

    def set_summary(self, summary: str) -> None:
        with self._answering():
            record = self._current_record(create=True)
            record.summary = summary.strip()
            self._save(record)

    def set_effective(self, effective: dt.date | None) -> None:
        with self._answering():
            record = self._current_record(create=True)
            record.effective = effective.isoformat() if effective else None
            self._save(record)

    def apply_bump(self, version: str | None = None) -> BumpResult:
        """Set the working-tree contract's version to ``version`` (default: the suggested one)
        without touching any other byte; update the record when there is one."""
        with self._answering():
            new = self._require_contract()
            assert self.checklist is not None
            if self.unversioned:
                return self._label(version)
            target = version or self.checklist.suggested_version
            if target is None:
                raise AmendmentError("no version to bump to: the previous version is not SemVer")
            try:
                result = apply_bump(self._path(self.path), target, version_field(new))
            except BumpError as exc:
                raise AmendmentError(str(exc)) from None
            self.refresh(relist=False)
            if self.located is not None and self.located.record is not None:
                self._save(self.located.record)
        return result

    def _label(self, label: str | None) -> BumpResult:
        """Name the release of an unversioned artefact: the record keeps the label (and is
        named after it); the artefact itself is not touched."""
        self._require_contract()
        if not label:
            raise AmendmentError(
                f"{self.path} carries no SemVer version: give the label this release goes "
                "out under (for example `workbench amend bump --version 2025-03`)"
            )
        label = label.strip()
        if not LABEL.fullmatch(label) or label == PENDING_LABEL:
            raise AmendmentError(
                f"{label!r} is not a release label: letters, digits, '.', '_', '+' and '-', "
                f"at most 64, starting with a letter or digit (and not {PENDING_LABEL!r})"
            )
        record = self._current_record(create=True)
        previous = record.to_version if record.labelled else ""
        record.to_version = label
        self._save(record)
        return BumpResult(self.path, previous, label, 0, previous != label)

    def release_name(self, new: Contract) -> str:
        """What this release is called: the contract's version, or an unversioned artefact's
        label."""
        return new.version or self.target_version() or PENDING_LABEL

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
        reason = " ".join(reason.split()) if "\n" not in reason else reason.strip()
        if not reason:
            raise AmendmentError("a reason is required to accept a finding")
        with self._answering():
            record = self._current_record(create=True)
            step_name, finding = self._find(fingerprint)
            if step_name == "compatibility" and finding.severity != "breaking":
                raise AmendmentError(
                    f"{finding.fingerprint[:12]} is {finding.severity}, not breaking: "
                    "nothing to accept"
                )
            if step_name == "security_review" and not needs_handling(finding, self.policy):
                raise AmendmentError(
                    f"{finding.fingerprint[:12]} needs no acceptance (informational)"
                )
            if len(reason) < MIN_REASON:
                raise AmendmentError(
                    f"the reason is too short ({len(reason)} characters): say in at least "
                    f"{MIN_REASON} why consumers can live with it (the notice shows it)"
                )
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

    def withdraw(self, fingerprint: str) -> list[Acceptance]:
        """Remove an acceptance (by fingerprint or prefix), e.g. one whose finding is gone;
        return the acceptances removed."""
        text = fingerprint.strip().lower()
        if len(text) < MIN_PREFIX:
            raise AmendmentError(f"give at least {MIN_PREFIX} characters of the fingerprint")
        with self._answering():
            record = self._current_record()
            removed: list[Acceptance] = []
            for name in ("compatibility", "security_review"):
                step = record.step(name)
                removed += [a for a in step.accepted if a.fingerprint.lower().startswith(text)]
                step.accepted = [
                    a for a in step.accepted if not a.fingerprint.lower().startswith(text)
                ]
            if not removed:
                raise AmendmentError(f"no acceptance has the fingerprint {fingerprint!r}")
            self._save(record)
        return removed

    def sign_off(
        self, reviewer: str | None = None, email: str | None = None, comment: str = ""
    ) -> SignOff:
        """The security reviewer's sign-off for the current change set, as the person git
        says is at the keyboard (``user.name``/``user.email``). ``reviewer`` and ``email``
        are only a check: they must name that same person.

        A sign-off is given for a committed change: the reviewer runs this on the branch
        (``--base``, the contract as committed) and commits the record; the merge gate then
        verifies that commit from git (see :mod:`workbench.amendment.verify`)."""
        me = self.author if self.author is not None else identity(self.repo)
        if me is None or not me.email:
            raise AmendmentError(
                "git does not say who you are: set git config user.name and user.email (the "
                "sign-off is yours, and the gate checks it against the commit's author)"
            )
        who = Who(me.name, me.email)
        if reviewer and reviewer.strip() and not same_person(Who(reviewer.strip()), Who(who.name)):
            raise AmendmentError(
                f"--reviewer {' '.join(reviewer.split())!r} is not you ({who}, from git "
                "config): a sign-off is only ever given as yourself"
            )
        if email and email.strip() and not same_person(Who("", email.strip()), Who("", who.email)):
            raise AmendmentError(
                f"--email {email.strip()!r} is not yours ({who.email}, from git config): a "
                "sign-off is only ever given as yourself"
            )
        scripts = mixed_script(who.name)
        if scripts:
            raise AmendmentError(
                f"your git user.name mixes scripts ({', '.join(scripts)}): refused as a "
                "reviewer's identity"
            )
        with self._answering():
            self._require_contract()
            head = self.repo.head()
            committed = self._read(head, self.path) if head else None
            if self._new_raw != committed:
                raise AmendmentError(
                    f"{self.path} has changes that are not committed: a sign-off is for a "
                    "committed change; commit it, then the reviewer signs off in their own "
                    "checkout (`workbench amend sign-off --base BRANCH`)"
                )
            record = self._current_record(create=True)
            if record.author is not None and same_person(
                Who(record.author.name, record.author.email), who
            ):
                raise AmendmentError(
                    f"{who} is the author of this amendment: another person must sign off"
                )
            paths = [p for p in (self.path, self.old_path) if p]
            refused = reviewer_refusal(
                self.repo, self._base_commit(), head, paths, who, self.settings.reviewers
            )
            if refused is not None:
                raise AmendmentError(refused)
            assert self.checklist is not None
            if self.checklist.security_open:
                n = len(self.checklist.security_open)
                first = self.checklist.security_open[0]
                raise AmendmentError(
                    f"{n} security finding{'s' if n != 1 else ''} still open (first: "
                    f"{first.title} at {first.path}): fix or accept before signing off"
                )
            sign = SignOff(
                reviewer=who.name,
                email=who.email,
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
            version=self.target_version(),
            **record_notes(record, self.checklist.fingerprint),
        )

    def render_notice(self) -> str:
        """The notice for the current state, without writing anything."""
        self._require_contract()
        return render_notice(self.notice_input())

    def generate_notice(self) -> tuple[str, str]:
        """Write the notice next to the record and note it in the record; return
        ``(markdown, repository-relative path)``."""
        with self._answering():
            record = self._current_record(create=True)
            assert self.checklist is not None
            if self.checklist.step("versioning").status != "done":
                raise AmendmentError("finish versioning first: the notice names the new version")
            text = render_notice(self.notice_input(record))
            version = self.target_version() or record.to_version
            rel = notice_relpath(self.settings.directory, record.contract, version)
            _refuse_long_names(rel)
            data = text.encode("utf-8")
            atomic_write(self._path(rel), data)
            record.step("communication").notice = NoticeStamp(
                by=self.by,
                at=self._stamp_time(),
                fingerprint=self.checklist.fingerprint,
                file=rel,
                sha256=hashlib.sha256(data).hexdigest(),
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
        return render_entry(self.release_name(new), self.today, sections, cid)

    def append_changelog(self, *, replace: bool = False) -> ChangelogResult:
        """Append the Keep a Changelog entry for this version next to the contract; an entry
        already there is kept (``replace`` rewrites it) and recorded as it stands."""
        with self._answering():
            rel = self.changelog_relpath()
            if rel is None:
                raise AmendmentError("the changelog is turned off (amendments.changelog: false)")
            if self._changelog_error:
                raise AmendmentError(f"{self._changelog_error}; nothing written")
            record = self._current_record(create=True)
            assert self.checklist is not None
            if self.checklist.step("versioning").status != "done":
                raise AmendmentError("finish versioning first: the entry is for the new version")
            new = self._require_contract()
            cid = new.id if self._shared else None
            path = self._path(rel)
            result = append_changelog(
                path,
                self.changelog_entry(),
                self.release_name(new),
                cid,
                replace=replace,
                header=LABEL_HEADER if self.unversioned else HEADER,
            )
            content = path.read_bytes().decode("utf-8", "replace")
            record.step("communication").changelog = ChangelogStamp(
                file=rel,
                version=self.release_name(new),
                by=self.by,
                at=self._stamp_time(),
                fingerprint=self.checklist.fingerprint,
                sha256=entry_digest(content, self.release_name(new), cid),
            )
            self._save(record)
        return ChangelogResult(rel, result.status, result.entry)

    def notify(self, consumers: list[str] | None = None) -> list[Notified]:
        """Confirm consumers as notified of this change set (all affected ones when ``None``)."""
        with self._answering():
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
        moved); a no-op without a record, when nothing changed, or when the contract is
        unchanged since the base (a re-check never rewrites a committed record)."""
        self._writable()
        self.refresh()
        if self.unchanged or self.located is None or self.located.record is None:
            assert self.checklist is not None
            return self.checklist
        with self._answering():
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
