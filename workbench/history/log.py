"""The amendment log: every revision of one contract (or of all of them) with its verdict.

``amendment_log(repo, path)`` is what ``workbench log`` prints and what the TUI's history list
shows: a :class:`LogEntry` per revision, newest first, each with the report against the previous
content (computed lazily, one entry at a time; warm, from the caches by blob ids alone). An invalid
revision is an entry with its error; the log goes on past it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from workbench.contract.errors import ContractError
from workbench.history.logrow import (
    ACTUAL,
    BUMP_OK,
    COUNTED,
    FINGERPRINT,
    GATE,
    REQUIRED,
    SEVERITY,
    SIDE,
    Row,
    counts_of,
    gate_of,
    row_of,
    security_of,
)
from workbench.history.model import ParentRef, Revision

if TYPE_CHECKING:
    from workbench.engine.model import DiffReport
    from workbench.history.repo import ContractRepo
    from workbench.report.common import GateResult
    from workbench.security.summary import SecurityCount


class LogEntry:
    """One amendment as the log shows it.

    ``row`` is the compact log row of its report (``history.logrow``: verdict, bump status,
    counts, security count, the gate's decision), ``None`` when no report could be computed;
    ``error`` then says why in one line (``invalid`` is true when the revision's own content is
    not a valid contract). ``base`` is the content the report compared with when that is not the
    revision's direct parent (the parent was invalid, so the newest valid predecessor was used).

    A warm entry holds the row alone; ``report`` reads the whole report (from the caches) the
    first time it is asked for (the HTML timeline and the TUI's findings need it, a log line
    does not).
    """

    __slots__ = ("_load", "_report", "_row", "base", "error", "fail_on", "invalid", "revision")

    def __init__(
        self,
        revision: Revision,
        report: DiffReport | None = None,
        error: str | None = None,
        invalid: bool = False,
        base: Revision | ParentRef | None = None,
        fail_on: str = "high",  # the repository policy's security threshold
        *,
        row: Row | None = None,
        load: Callable[[], DiffReport] | None = None,
    ):
        self.revision = revision
        self.error = error
        self.invalid = invalid
        self.base = base
        self.fail_on = fail_on
        self._report = report
        self._row = row
        self._load = load

    def __repr__(self) -> str:
        return f"LogEntry({self.revision.short} {self.revision.path}, error={self.error!r})"

    @property
    def report(self) -> DiffReport | None:
        """The report (``None`` when none could be computed), read when first asked for."""
        if self._report is None and self._load is not None:
            self._report = self._load()
            self._load = None
        return self._report

    @property
    def row(self) -> Row | None:
        """The compact log row of the report; ``None`` without a report."""
        if self._row is None:
            report = self.report
            if report is not None:
                self._row = row_of(report, self.fail_on)
        return self._row

    @property
    def gate(self) -> GateResult | None:
        """Whether the default gate (``workbench diff``: breaking findings, security findings
        at or above the policy's ``fail_on``) fails this amendment: the one definition of
        failure (``report.failures``) applied to the report; ``None`` without one."""
        row = self.row
        if row is None:
            return None
        from workbench.report.common import GateResult

        return GateResult(**gate_of(row))

    @property
    def security(self) -> SecurityCount | None:
        """The amendment's security count (``security.summary``); ``None`` without a report."""
        row = self.row
        if row is None:
            return None
        from workbench.security.summary import SecurityCount

        return SecurityCount(**security_of(row))

    @property
    def contract(self) -> str:
        if self.revision.contract_id:
            return self.revision.contract_id
        row = self.row
        if row is not None and row[SIDE] is not None:
            return row[SIDE][2]
        return ""

    @property
    def document(self) -> str:
        """What the revision holds: ``contract`` or the artefact kind."""
        if not self.revision.contract_id:
            row = self.row
            if row is not None and row[SIDE] is not None:
                return row[SIDE][1]
        return self.revision.doc_kind

    @property
    def counts(self) -> dict[str, int]:
        """Findings by severity, security weakenings, and the security count (``security``:
        findings this amendment introduced, open, above info); zeros without a report."""
        row = self.row
        if row is None:
            return dict.fromkeys(COUNTED, 0)
        return counts_of(row)

    @property
    def fails(self) -> bool:
        """Whether the default gate fails this amendment (``gate.fails``; false without a
        report)."""
        row = self.row
        return row is not None and bool(row[GATE][0])

    @property
    def bump(self) -> tuple[str, str, bool] | None:
        """``(needs, got, ok)``: the bump the changes need, the one the version made (``-``
        for an unversioned artefact) and whether it is enough; ``None`` without a report."""
        row = self.row
        if row is None:
            return None
        from workbench.report.log import bump_cells

        return bump_cells(row[REQUIRED], row[ACTUAL], row[BUMP_OK])

    def to_dict(self) -> dict[str, Any]:
        rev = self.revision
        row = self.row
        return {
            "contract": self.contract,
            "document": self.document,
            "path": rev.path,
            "kind": rev.kind,
            "rev": rev.rev,
            "short": rev.short,
            "date": rev.date.isoformat() if rev.date else None,
            "author": {"name": rev.author_name, "email": rev.author_email},
            "subject": rev.subject,
            "change": rev.change,
            "version": rev.version,
            "merge": rev.is_merge,
            "parent": (
                {"rev": rev.parent.rev, "path": rev.parent.path} if rev.parent is not None else None
            ),
            "compared_with": (
                {"rev": self.base.rev, "path": self.base.path} if self.base is not None else None
            ),
            "severity": row[SEVERITY] if row else None,
            "required_bump": row[REQUIRED] if row else None,
            "actual_bump": row[ACTUAL] if row else None,
            "version_bump_ok": row[BUMP_OK] if row else None,
            "counts": counts_of(row) if row else None,
            "security": security_of(row) if row else None,
            "gate": gate_of(row) if row else None,
            "fingerprint": row[FINGERPRINT] if row else None,
            "invalid": self.invalid,
            "error": self.error,
        }


def log_entry(repo: ContractRepo, revision: Revision) -> LogEntry:
    """The log entry of one revision: its report's log row, or the one-line reason there is
    none; its ``gate`` and ``security`` count come from that row (the TUI's history badges read
    them too).

    A revision judged before is answered from the caches by its blob ids, without reading or
    parsing either side and without unpickling its report (see :meth:`ContractRepo.judgement`);
    the entry's ``report`` is read when first asked for."""
    judged = repo.judgement(revision, rows=True)
    error = judged.error
    return LogEntry(
        revision,
        judged.report,
        _first(error) if isinstance(error, ContractError) else str(error) if error else None,
        judged.invalid,
        judged.base,
        repo.fail_on,
        row=judged.row,
        load=(lambda: repo.report(revision)) if judged.row is not None else None,
    )


def amendment_log(
    repo: ContractRepo,
    path: str | None = None,
    *,
    limit: int | None = None,
    ref: str = "HEAD",
    under: str | None = None,
) -> Iterator[LogEntry]:
    """Log entries newest first: of the contract at ``path``, or of every contract (optionally
    only those ``under`` a directory), interleaved as git orders the commits. Lazy: each entry
    is judged when the caller asks for it.

    A broken ``.workbench.yaml`` raises :class:`HistoryError` before the first entry: it is
    the repository's error, not one revision's, and no verdict could be computed with it."""
    repo.fail_on  # noqa: B018 - loads (and checks) the settings every verdict depends on
    if path is not None:
        # a short log reads (and builds) only the revisions it shows
        page = 100 if limit is None else max(1, min(limit, 100))
        source: Iterator[Revision] = repo.iter_history(path, ref=ref, page=page)
    else:
        source = repo.iter_all_history(ref=ref)
        if under:
            prefix = under.rstrip("/") + "/"
            source = (
                r
                for r in source
                if r.path.startswith(prefix) or (r.parent and r.parent.path.startswith(prefix))
            )
    if limit is not None:
        source = islice(source, limit)  # never asks for the page after the last entry shown
    for revision in source:
        yield log_entry(repo, revision)


def _first(exc: ContractError) -> str:
    more = len(exc.problems) - 1
    return exc.first.format() + (f" (and {more} more)" if more > 0 else "")
