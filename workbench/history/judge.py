"""What each amendment did: revisions loaded, checked and judged, each answer cached.

An amendment is judged against the previous *valid* content (an amendment that repairs a broken
commit is judged against what consumers last had): :meth:`Judge.base`. The report is the one
code path of every face (``review.build_report`` with the repository's policy, as of the commit
date). Every answer is a function of blob ids, so each is cached by them: parsed contracts and
validity in memory, reports in memory and on disk, and on disk too the validity of invalid
contents (and of the few valid ones no report vouches for) and the base found behind an invalid
parent, so a warm answer needs neither git nor the parser.

:meth:`Judge.judgement` is what the log shows for a revision. Warm, it is found from the blob
ids alone (:meth:`Judge.cached_judgement`); cold, each blob is read and parsed once.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from workbench.config import Config
from workbench.contract.errors import ContractError, Problem
from workbench.contract.files import read_regular
from workbench.history.cache import LRU, DiskCache
from workbench.history.errors import HistoryError
from workbench.history.gitio import GitRepo, blob_sha
from workbench.history.logrow import SIDE, Row, RowIndex, is_row, row_of
from workbench.history.model import INDEX, WORKTREE, ParentRef, Revision
from workbench.history.walk import Walker

if TYPE_CHECKING:
    from workbench.contract.model import Contract
    from workbench.contract.yamlsrc import LocatedDocument
    from workbench.engine.model import ContractSummary, DiffReport
    from workbench.security.policy import Policy
    from workbench.security.review import StateReviews

Side = Revision | ParentRef
T = TypeVar("T")

MAX_INVALID_SKIP = 64  # how far back a report looks for a valid predecessor
_DEFAULT_POLICY = "policy:default"  # the default policy's fingerprint and threshold, on disk
_NO_ENTRY = object()  # no disk entry for a key
_NO_BASE = "none"  # a cached base: the walk found no valid revision within MAX_INVALID_SKIP


@dataclass(slots=True)
class Judgement:
    """The verdict on one revision as the log shows it: its ``report``, or the ``error`` that
    prevented one (``invalid``: the revision's own content is not a valid contract). ``base``
    is what the report compared with when that is not the revision's direct parent. Asked for
    rows (``judgement(rev, rows=True)``), a warm answer has the compact log ``row`` of the
    report (``history.logrow``) and no report."""

    report: DiffReport | None = None
    error: ContractError | HistoryError | None = None
    invalid: bool = False
    base: Side | None = None
    row: Row | None = None


CONTRACT_TEXT_BUDGET = 2_000_000  # characters of parsed revisions kept in memory


def _text_weight(value: Contract | ContractError) -> int:
    """The weight of a parsed revision in the cache: its text's length (an error: small)."""
    text = getattr(value, "text", None)
    return len(text) if isinstance(text, str) else 1_000


class Judge:
    """Loading, checking and judging revisions, with the caches that make each answer once."""

    def __init__(
        self,
        git: GitRepo,
        walker: Walker,
        config: Callable[[], Config],
        disk_cache: DiskCache | None,
        *,
        reports: int = 1024,
        parsed: int = 16,
        pause_collector: bool = True,
    ):
        self.git = git
        self.pause_collector = pause_collector
        self.walker = walker
        self.disk_cache = disk_cache
        self._config = config
        # parsed revisions weigh about 14 bytes per character of their text: at most
        # ``parsed`` (16) of them, and at most ~28 MB (a TUI browsing a thousand revisions
        # stays flat)
        self._contracts: LRU[tuple[str, str], Contract | ContractError] = LRU(
            parsed, weight=_text_weight, budget=CONTRACT_TEXT_BUDGET
        )
        # per path, the parsed parent of the revision judged last: the content a log meets
        # next on that path, however many other contracts' revisions come in between
        self._ahead: LRU[str, tuple[str, Contract | ContractError]] = LRU(
            256, weight=lambda entry: _text_weight(entry[1]), budget=CONTRACT_TEXT_BUDGET
        )
        self._validity: LRU[tuple[str, str], tuple[Problem, ...]] = LRU(1 << 16)
        self._reports: LRU[str, DiffReport] = LRU(reports)  # ~4-8 KB each; the disk keeps all
        self.rows = RowIndex(disk_cache, git.git_dir)  # the log rows of reports, by path
        self._bases: LRU[str, tuple] = LRU(4096)
        self._committed: dict[tuple[str, str], dt.datetime | None] = {}
        self._policy: Policy | None = None
        # the state reviews of the revisions judged last: each is the new side of one
        # amendment and the old side of the next one a log judges
        self._states: StateReviews | None = None
        self._policy_key = ""
        self._fail_on = ""
        # the contents one judgement loaded (the revision, its base), held for the length of
        # that judgement whatever the LRUs above can keep: a 2 MB description outweighs the
        # budget alone, and would otherwise be parsed once per use (per thread: TUI workers)
        self._pinned = threading.local()
        # per thread, the loader that parses only the sections a revision does not share with
        # the revisions parsed just before it (a log parses neighbours one after another)
        self._loaders = threading.local()
        self.read_as = "auto"  # how contents are read (``--from``): auto, contract, a kind

    def clear(self) -> None:
        """Forget everything cached in memory (the on-disk cache is left alone)."""
        self.rows.clear()
        for cache in (self._contracts, self._ahead, self._reports, self._validity, self._bases):
            cache.clear()
        self._states = None
        self._loaders = threading.local()

    # --- reading and loading ----------------------------------------------------------------

    def raw(self, side: Side) -> bytes:
        """See :meth:`workbench.history.repo.ContractRepo.raw`."""
        if side.blob is None:
            raise HistoryError(f"{side.path} does not exist at {side.short}")
        return self._raw(side)

    def _raw(self, side: Side) -> bytes:
        assert side.blob is not None
        raw = self.walker.blobs.get(side.blob)  # read by the listing, or the working-tree file
        if raw is not None:
            return raw
        if side.rev == WORKTREE:
            assert self.git.root is not None
            try:
                raw = read_regular(self.git.root / side.path)
            except OSError as exc:
                raise HistoryError(f"{side.path}: cannot read: {exc.strerror or exc}") from None
            if blob_sha(raw) != side.blob:
                raise HistoryError(f"{side.path} changed on disk since it was listed; refresh")
            return raw
        return self.git.read_blob(side.blob)

    def shown_text(self, side: Side) -> str:
        """See :meth:`workbench.history.repo.ContractRepo.shown_text`."""
        from workbench.contract.files import decode_source
        from workbench.sources.base import mask_unreadable, might_hold_secrets

        raw = self.raw(side)
        text = decode_source(raw, side.path)
        meta = self.walker.identities.of(side.blob, raw) if side.blob else None
        if meta is not None and not meta.artefact and self.read_as in ("auto", "contract"):
            return text  # a contract holds no secrets: shown as written, without a parse
        if not might_hold_secrets(text):
            return text
        try:
            shown = self.load(side).text  # an artefact's secrets are masked in its text
        except ContractError:
            return mask_unreadable(text)
        # a contract's text is the file itself; an artefact's is the file, masked in place
        return shown if len(shown) == len(text) else mask_unreadable(text)

    def load(self, revision: Side) -> Contract:
        """See :meth:`workbench.history.repo.ContractRepo.load`."""
        if revision.blob is None:
            raise HistoryError(f"{revision.path} does not exist at {revision.short}")
        key = self._key(revision.blob, revision.path)
        pins: dict | None = getattr(self._pinned, "pins", None)
        cached = pins.get(key) if pins is not None else None
        if cached is None:
            cached = self._contracts.get(key)
        if cached is None:
            ahead = self._ahead.get(revision.path)
            if ahead is not None and ahead[0] == revision.blob:
                cached = ahead[1]
                self._contracts.put(key, cached)
        if cached is None:
            try:
                cached = load_document_bytes(
                    self._raw(revision), revision.path, self.read_as, self._parse
                )
                self._remember_validity(key, ())
            except ContractError as exc:
                cached = exc
                self._remember_validity(key, tuple(exc.problems))
            self._contracts.put(key, cached)
        if pins is not None:
            pins[key] = cached
        if isinstance(cached, ContractError):
            raise cached
        return cached

    def _parse(self, text: str, name: str) -> LocatedDocument:
        """``sources.base.parse_document``, parsing a YAML revision's sections only where they
        differ from the revisions parsed before it (the same answers)."""
        from workbench.contract.neighbours import SectionLoader
        from workbench.sources.base import looks_like_json, parse_document

        if looks_like_json(text, name):
            return parse_document(text, name)
        loader = getattr(self._loaders, "loader", None)
        if loader is None:
            loader = self._loaders.loader = SectionLoader()
        return loader.load(text, name)

    def known_problems(self, revision: Side) -> tuple[Problem, ...] | None:
        """The problems of a revision's content if it was checked before (memory, then disk;
        an empty tuple: valid), ``None`` when unknown. Never parses."""
        if revision.blob is None:
            return ()
        key = self._key(revision.blob, revision.path)
        problems = self._validity.get(key)
        if problems is None and self.disk_cache is not None:
            stored = self.disk_cache.get(_validity_key(key), tuple)
            if isinstance(stored, tuple) and all(isinstance(p, Problem) for p in stored):
                problems = stored
                self._validity.put(key, problems)
        return problems

    def check(self, revision: Side) -> None:
        """See :meth:`workbench.history.repo.ContractRepo.check`."""
        problems = self.known_problems(revision)
        if problems is None:
            self.load(revision)  # raises ContractError, and remembers the answer
            return
        if problems:
            raise ContractError(list(problems))

    def _remember_validity(self, key: tuple[str, str], problems: tuple[Problem, ...]) -> None:
        """Remember whether a content is valid; invalid ones on disk too (a valid one is
        implied by the reports stored for it, see :meth:`_store_valid` for the others)."""
        if self._validity.get(key) is None:
            self._validity.put(key, problems)
            if problems and self.disk_cache is not None:
                self.disk_cache.put(_validity_key(key), problems)

    def _store_valid(self, side: Side | None) -> None:
        """Keep on disk that a content is valid where no stored report will say so: the
        parent of an invalid revision, a revision whose verdict is an error. (Writing every
        valid content would cost a cold log one more file per revision.)"""
        if side is None or side.blob is None or self.disk_cache is None:
            return
        key = self._key(side.blob, side.path)
        if self._validity.get(key) == () and self.disk_cache.get(_validity_key(key), tuple) != ():
            self.disk_cache.put(_validity_key(key), ())

    # --- the base of a report ---------------------------------------------------------------

    def base(self, revision: Revision) -> Side | None:
        """See :meth:`workbench.history.repo.ContractRepo.base`."""
        parent: Side | None = revision.parent
        if parent is None or parent.blob is None:
            return parent
        if self._cached_report(parent.blob, revision.blob, _day(revision)) is not None:
            return parent  # a report against the parent was made: the parent is valid
        cached = self._cached_base(parent)
        if cached is not None:
            if cached == (_NO_BASE,):
                raise self._no_base(revision)
            return _side(cached)
        start = parent
        for _ in range(MAX_INVALID_SKIP):
            if parent is None or parent.blob is None:
                break
            try:
                self.check(parent)
                break
            except ContractError:
                parent = self.walker.parent_of(parent)
        else:
            self._store_base(start, (_NO_BASE,))
            raise self._no_base(revision)
        if parent is not start:
            self._store_base(start, _entry(parent))
        elif self.known_problems(revision):
            self._store_valid(parent)  # no report of this revision will ever prove it
        return parent

    @staticmethod
    def _no_base(revision: Revision) -> HistoryError:
        return HistoryError(
            f"no valid revision of {revision.path} among the {MAX_INVALID_SKIP} before "
            f"{revision.short}"
        )

    def _cached_base(self, parent: Side) -> tuple | None:
        """The base found behind an invalid committed ``parent`` before (memory, then disk)."""
        key = _base_key(parent)
        if key is None:
            return None
        found = self._bases.get(key)
        if found is None and self.disk_cache is not None:
            stored = self.disk_cache.get(key, tuple)
            if isinstance(stored, tuple) and _valid_entry(stored):
                found = stored
                self._bases.put(key, found)
        return found

    def _store_base(self, parent: Side, entry: tuple) -> None:
        """Remember the base behind an invalid parent: a commit's history never changes (the
        drafts' does, so theirs is not kept)."""
        key = _base_key(parent)
        if key is None:
            return
        self._bases.put(key, entry)
        if self.disk_cache is not None:
            self.disk_cache.put(key, entry)

    # --- judging ----------------------------------------------------------------------------

    def judgement(self, revision: Revision, *, rows: bool = False) -> Judgement:
        """The report of ``revision`` with the base it used, or the error that prevented it;
        from the caches without reading or parsing anything when it was judged before (with
        ``rows``, a warm answer is the report's log row alone: no report is unpickled)."""
        cached = self.cached_judgement(revision, rows=rows)
        if cached is not None:
            return cached
        outer = getattr(self._pinned, "pins", None)
        pins: dict = {} if outer is None else outer
        self._pinned.pins = pins
        # Judging builds and drops millions of acyclic objects (two parsed revisions, their
        # locations, the report): the cyclic collector would rescan the whole heap, a large
        # description's included, again and again meanwhile (as loading, see sources.loading)
        # (not in a long-lived browser: ``pause_collector=False``; there the collector is the
        # app's too, and its cyclic garbage must not pile up while verdicts are judged)
        enabled = gc.isenabled() and self.pause_collector
        if enabled:
            gc.disable()
        try:
            return self._judgement(revision, pins, rows)
        finally:
            self._pinned.pins = outer
            if enabled:
                gc.enable()

    def _judgement(self, revision: Revision, pins: dict, rows: bool) -> Judgement:
        """:meth:`judgement` computed: each content read and parsed once (``pins``)."""
        if revision.blob is not None:
            try:
                self.load(revision)
            except ContractError as exc:
                return Judgement(error=exc, invalid=True)
            except HistoryError as exc:
                return Judgement(error=exc)
        judged = Judgement()
        try:
            if revision.boundary:
                raise _boundary(revision)
            base = self.base(revision)
            if base is not None and revision.parent is not None and base != revision.parent:
                judged.base = base
            judged.report = self._judge(revision, base)
            if rows:  # the row stored with the report just made: not computed again
                judged.row = self._stored_row(revision, base)
        except (ContractError, HistoryError) as exc:
            judged.error = exc
            self._store_valid(revision)  # the verdict is this error: known without parsing
        parent = revision.parent
        if parent is not None and parent.blob is not None:
            key = self._key(parent.blob, parent.path)
            loaded = pins.get(key) or self._contracts.get(key)
            if loaded is not None:  # the parent is the next revision of this path: keep it
                self._ahead.put(parent.path, (parent.blob, loaded))
        return judged

    def cached_judgement(self, revision: Revision, *, rows: bool = False) -> Judgement | None:
        """:meth:`judgement` answered from the caches by blob ids alone (the report against
        the parent, the revision's known problems, the base behind an invalid parent);
        ``None`` when some part was never judged. With ``rows``, the report's log row instead
        of the report."""
        if rows:

            def lookup(old: str | None, new: str | None, today: dt.date | None) -> Row | None:
                return self._cached_row(old, new, today, _indexed(revision))

            found_row = self._cached_verdict(revision, lookup, _relabel_row)
            if found_row is not None:
                row, base = found_row
                shown = base if base is not None and base != revision.parent else None
                return Judgement(base=shown, row=row)
        found = None if rows else self._cached_verdict(revision)
        if found is not None:
            report, base = found
            shown = base if base is not None and base != revision.parent else None
            return Judgement(report=report, base=shown)
        problems = self.known_problems(revision)
        if problems:
            return Judgement(error=ContractError(list(problems)), invalid=True)
        if problems is None:
            return None
        error = None
        parent = revision.parent
        if revision.boundary:
            error = _boundary(revision)
        elif parent is not None and self._cached_base(parent) == (_NO_BASE,):
            error = self._no_base(revision)
        if error is None:
            return None
        self._store_valid(revision)  # known valid in memory only: the next run needs it too
        return Judgement(error=error)

    def _cached_verdict(
        self,
        revision: Revision,
        lookup: Callable[[str | None, str | None, dt.date | None], T | None] | None = None,
        relabel: Callable[[T, str | None, str | None], T] | None = None,
    ) -> tuple[T, Side | None] | None:
        """The report of ``revision`` and its base from the caches: against the direct parent
        (whose report proves both sides valid), else against the base found before behind an
        invalid parent. Boundaries of shallow clones are never answered from here. ``lookup``
        and ``relabel`` find something else kept by the report's key (its log row)."""
        if revision.boundary:
            return None
        find = lookup or self._cached_report
        name = relabel or _relabel
        today = _day(revision)
        parent = revision.parent
        report = find(parent.blob if parent else None, revision.blob, today)
        if report is not None:
            return name(report, parent.label if parent else None, revision.label), parent
        if parent is None or parent.blob is None:
            return None
        cached = self._cached_base(parent)
        if cached is None or cached == (_NO_BASE,):
            return None
        base = _side(cached)
        if revision.blob is None and (base is None or base.blob is None):
            return None
        report = find(base.blob if base else None, revision.blob, today)
        if report is None:
            return None
        return name(report, base.label if base else None, revision.label), base

    def report(self, revision: Revision) -> DiffReport:
        """See :meth:`workbench.history.repo.ContractRepo.report`."""
        if revision.boundary:
            raise _boundary(revision)
        cached = self._cached_verdict(revision)
        if cached is not None:
            return cached[0]
        self.check(revision)
        return self._judge(revision, self.base(revision))

    def _judge(self, revision: Revision, base: Side | None) -> DiffReport:
        """The report of a valid ``revision`` against its ``base``."""
        if revision.blob is None and (base is None or base.blob is None):
            raise HistoryError(f"{revision.path} exists neither at {revision.short} nor before")
        label = base.label if base else None
        return self._report(base, revision, label, revision.label, _day(revision))

    def compare(self, a: ParentRef, b: ParentRef, label_a: str, label_b: str) -> DiffReport:
        """Judge ``b`` against ``a`` (either may be missing, not both; both must be valid)."""
        self.check(a)
        self.check(b)
        return self._report(a, b, label_a, label_b, None)

    @property
    def policy(self) -> Policy:
        """See :attr:`workbench.history.repo.ContractRepo.policy`."""
        if self._policy is None:
            # imported when first judging: listings and walks never need the security layer
            from workbench.security.policy import DEFAULT_POLICY, parse_policy

            config = self._config()
            try:
                self._policy = (
                    DEFAULT_POLICY
                    if config.document is None
                    else parse_policy(config.security, config)
                )
            except ContractError as exc:
                raise HistoryError(problem_line(exc)) from None
            digest = json.dumps(self._policy.to_dict(), sort_keys=True, default=str)
            self._policy_key = hashlib.sha256(digest.encode()).hexdigest()[:12]
            self._fail_on = self._policy.fail_on
            if config.document is None and self.disk_cache is not None:
                self.disk_cache.put(_DEFAULT_POLICY, (self._policy_key, self._fail_on))
        return self._policy

    @property
    def fail_on(self) -> str:
        """The policy's security threshold (``fail_on``); checks the settings as
        :attr:`policy` does. Without a settings file, the default policy's fingerprint and
        threshold are read from the disk cache (whose directory is named after the security
        sources): a warm log never imports the security layer."""
        self._ensure_policy_key()
        return self._fail_on

    def _ensure_policy_key(self) -> None:
        if self._policy_key:
            return
        if self.disk_cache is not None and self._config().document is None:
            stored = self.disk_cache.get(_DEFAULT_POLICY, tuple)
            if (
                isinstance(stored, tuple)
                and len(stored) == 2
                and all(isinstance(x, str) and x for x in stored)
            ):
                self._policy_key, self._fail_on = stored
                return
        self.policy  # noqa: B018 - computes the fingerprint and the threshold

    def _report(
        self,
        old: Side | None,
        new: Side,
        old_label: str | None,
        new_label: str | None,
        today: dt.date | None,
    ) -> DiffReport:
        """The engine's report plus the security review (``review.build_report``, the one code
        path of every face), cached by blobs, day and policy; both sides already checked."""
        from workbench.review import build_report  # only a cold answer runs the engine

        policy = self.policy
        day = today or dt.date.today()
        old_blob = old.blob if old is not None else None
        report = self._cached_report(old_blob, new.blob, today)
        if report is None:
            before = self.load(old) if old is not None and old.blob is not None else None
            after = self.load(new) if new.blob is not None else None
            # a rotation's overlap runs from the old side's commit to the new side's (committer
            # dates, as the checklist reads them); nothing else needs either
            rotates = _rotates(before, after)
            since = self.committed(old) if old is not None and rotates else None
            now = self._moment(new) if rotates else None
            if self._states is None:
                from workbench.security.review import StateReviews

                self._states = StateReviews()
            report = build_report(
                before, after, policy=policy, today=day, now=now, old_since=since,
                states=self._states,
            )  # fmt: skip
            key = self._report_key(old_blob, new.blob, day)
            self._reports.put(key, report)
            if self.disk_cache is not None:
                row = row_of(report, policy.fail_on)
                if new.rev not in (WORKTREE, INDEX):
                    self.rows.add(new.path, key, row)
                self.disk_cache.put(key, report, head=row)
        return _relabel(report, old_label, new_label)

    def committed(self, side: Side) -> dt.datetime | None:
        """When the content of ``side`` was committed (the last commit to change its path up
        to ``side``), the start of a rotation overlap; ``None`` for a draft. A commit with one
        parent that the walk listed changing this path is that last commit: its committer date
        as listed. Anything else: one git call, made only for an amendment that rotates
        something (``security.overlap``)."""
        if side.rev in (WORKTREE, INDEX):
            return None
        key = (side.rev, side.path)
        listed = self.walker.commit_dates.get(key)
        if listed and key not in self._committed:
            self._committed[key] = _parse_date(listed)
        if key not in self._committed:
            out = self.git.run(
                "log", "-1", "--format=%cI", "--end-of-options", side.rev, "--", side.path,
                check=False,
            )  # fmt: skip
            try:
                found: dt.datetime | None = dt.datetime.fromisoformat(out.decode().strip())
            except ValueError:
                found = None
            self._committed[key] = found
        return self._committed[key]

    def _moment(self, side: Side) -> dt.datetime:
        """When the amendment ``side`` takes effect: when it was committed; a draft's is now."""
        found = self.committed(side)
        if found is None and isinstance(side, Revision) and side.kind == "commit":
            found = side.date
        return found or dt.datetime.now(dt.UTC)

    def _report_key(self, old_blob: str | None, new_blob: str | None, day: dt.date) -> str:
        self._ensure_policy_key()  # the policy fingerprint is part of the key
        reading = "" if self.read_as == "auto" else f":{self.read_as}"
        return f"{old_blob or '-'}:{new_blob or '-'}:{day.isoformat()}:{self._policy_key}{reading}"

    def _key(self, blob: str, path: str) -> tuple[str, str]:
        """A content's cache key: its blob and path (and how it is read, when not by
        content)."""
        return (blob, path) if self.read_as == "auto" else (blob, f"{path}\x00{self.read_as}")

    def _cached_report(
        self, old_blob: str | None, new_blob: str | None, today: dt.date | None
    ) -> DiffReport | None:
        """A report computed before for these blobs (memory, then disk), else ``None``."""
        key = self._report_key(old_blob, new_blob, today or dt.date.today())
        report = self._reports.get(key)
        if report is None and self.disk_cache is not None:
            from workbench.engine.model import DiffReport  # read from disk: the engine's type

            stored = self.disk_cache.get(key, DiffReport)
            if isinstance(stored, DiffReport):
                report = stored
                self._reports.put(key, report)
        return report

    def _stored_row(self, revision: Revision, base: Side | None) -> Row | None:
        """The row indexed for the report of ``revision`` against ``base``, named as the
        report is (``None`` without a disk cache: the entry computes it from the report)."""
        if _indexed(revision) is None:
            return None
        day = _day(revision) or dt.date.today()
        row = self.rows.get(
            revision.path, self._report_key(base.blob if base else None, revision.blob, day)
        )
        return (
            None if row is None else _relabel_row(row, base.label if base else None, revision.label)
        )

    def _cached_row(
        self, old_blob: str | None, new_blob: str | None, today: dt.date | None, path: str | None
    ) -> Row | None:
        """The log row of a report computed before for these blobs (the row index of
        ``path`` when given, the head of the report's disk entry, a report in memory), else
        ``None``; unpickles a report only when its entry has no row."""
        key = self._report_key(old_blob, new_blob, today or dt.date.today())
        row = self.rows.get(path, key) if path is not None else None
        if row is not None and is_row(row):
            return row
        row, on_disk = None, False
        if key not in self._reports and self.disk_cache is not None:
            stored = self.disk_cache.head(key, _NO_ENTRY)
            if stored is _NO_ENTRY:
                return None
            row, on_disk = (stored if is_row(stored) else None), True
        if row is None:  # a report in memory, or on disk without its row: read it whole
            report = self._cached_report(old_blob, new_blob, today)
            row = row_of(report, self.fail_on) if report is not None else None
            if row is not None and on_disk and self.disk_cache is not None:
                self.disk_cache.put(key, report, head=row)  # the next run reads the row
        if row is not None and path is not None:
            self.rows.add(path, key, row)
        return row


def load_document_bytes(
    raw: bytes,
    path: str,
    kind: str = "auto",
    parse: Callable[[str, str], LocatedDocument] | None = None,
) -> Contract:
    """The one loader of a contract or an artefact (an artefact named by its path), imported
    when a revision is first parsed (a warm log never is); ``parse`` stands for the parser."""
    from workbench.sources.loading import artefact_id
    from workbench.sources.loading import load_document_bytes as load

    return load(raw, path, kind, contract_id=artefact_id(path), parse=parse)


def _rotates(before: Contract | None, after: Contract | None) -> bool:
    """Whether the amendment removes something verifiers accepted while keeping an overlap:
    only then does the old version's commit date matter to the verdict."""
    if before is None or after is None:
        return False
    from workbench.security.overlap import removals  # with the review it belongs to

    return any(r.kept for r in removals(before, after))


def _parse_date(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _day(revision: Revision) -> dt.date | None:
    """The day a revision is judged as of: its commit date (drafts: today)."""
    return revision.date.date() if revision.kind == "commit" and revision.date else None


def _boundary(revision: Revision) -> HistoryError:
    return HistoryError(
        f"{revision.short} is the oldest commit of this shallow clone: its previous "
        "revision was not fetched"
    )


def _indexed(revision: Revision) -> str | None:
    """The path whose row index keeps the rows of ``revision``: none for a draft (its
    contents change with every edit; a commit's never do)."""
    return None if revision.rev in (WORKTREE, INDEX) else revision.path


def _validity_key(key: tuple[str, str]) -> str:
    return f"valid:{key[0]}:{key[1]}"


def _base_key(parent: Side) -> str | None:
    if parent.rev in (WORKTREE, INDEX) or parent.blob is None:
        return None
    return f"base:{parent.rev}:{parent.blob}:{parent.path}"


def _entry(side: Side | None) -> tuple:
    """A base as a plain tuple, for the caches."""
    return ("-",) if side is None else ("ref", side.rev, side.path, side.blob)


def _valid_entry(entry: tuple) -> bool:
    return entry in ((_NO_BASE,), ("-",)) or (
        len(entry) == 4 and entry[0] == "ref" and all(isinstance(x, str | None) for x in entry)
    )


def _side(entry: tuple) -> ParentRef | None:
    return None if entry[0] == "-" else ParentRef(entry[1], entry[2], entry[3])


def _relabel(report: DiffReport, old_label: str | None, new_label: str | None) -> DiffReport:
    """A shallow copy of a cached report whose sides name the revisions compared (an
    artefact's id is its path: the same contents may have been judged under another name)."""
    return report.replace(old=_named(report.old, old_label), new=_named(report.new, new_label))


def _relabel_row(row: Row, old_label: str | None, new_label: str | None) -> Row:
    """A cached log row whose contract is named as :func:`_relabel` names a report's side."""
    side = row[SIDE]
    if side is None or side[1] == "contract":
        return row
    label = new_label if side[0] == "new" else old_label
    if not label:
        return row
    from workbench.sources.kinds import artefact_id

    named = (side[0], side[1], artefact_id(label.partition(":")[2] or label))
    return (*row[:SIDE], named, *row[SIDE + 1 :])


def _named(side: ContractSummary | None, label: str | None) -> ContractSummary | None:
    if side is None or not label:
        return side
    if side.kind == "contract":
        return side.replace(source=label)
    from workbench.sources.loading import artefact_id

    return side.replace(source=label, contract=artefact_id(label.partition(":")[2] or label))


def problem_line(exc: ContractError | HistoryError) -> str:
    """The first problem of an error as one line (``file:line:col: error: ...``)."""
    if isinstance(exc, ContractError):
        more = len(exc.problems) - 1
        return exc.first.format() + (f" (+{more} more)" if more > 0 else "")
    return str(exc)
