"""The amendment log: every revision of one contract (or of all of them) with its verdict.

``amendment_log(repo, path)`` is what ``workbench log`` prints and what the TUI's history list
shows: a :class:`LogEntry` per revision, newest first, each with the report against the previous
content (computed lazily, one entry at a time; warm, from the caches by blob ids alone). An invalid
revision is an entry with its error; the log goes on past it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.contract.errors import ContractError
from workbench.history.model import ParentRef, Revision

if TYPE_CHECKING:
    from workbench.engine.model import DiffReport
    from workbench.history.repo import ContractRepo
    from workbench.report.common import GateResult
    from workbench.security.summary import SecurityCount

COUNT_KEYS = ("breaking", "risky", "safe", "weakens")


@dataclass(slots=True)
class LogEntry:
    """One amendment as the log shows it.

    ``report`` is ``None`` when it could not be computed; ``error`` then says why in one line
    (``invalid`` is true when the revision's own content is not a valid contract). ``base`` is
    the content the report compared with when that is not the revision's direct parent (the
    parent was invalid, so the newest valid predecessor was used).
    """

    revision: Revision
    report: DiffReport | None = None
    error: str | None = None
    invalid: bool = False
    base: Revision | ParentRef | None = None
    fail_on: str = "high"  # the repository policy's security threshold

    @property
    def gate(self) -> GateResult | None:
        """Whether the default gate (``workbench diff``: breaking findings, security findings
        at or above the policy's ``fail_on``) fails this amendment: the one definition of
        failure (``report.failures``) applied to the cached report; ``None`` without one."""
        if self.report is None:
            return None
        from workbench.report.common import gate_options, gate_result

        return gate_result(self.report, gate_options(self.fail_on))

    @property
    def security(self) -> SecurityCount | None:
        """The amendment's security count (``security.summary``); ``None`` without a report."""
        if self.report is None:
            return None
        from workbench.security.summary import count_security

        return count_security(self.report.security_findings, self.fail_on)

    @property
    def contract(self) -> str:
        if self.revision.contract_id:
            return self.revision.contract_id
        if self.report is not None:
            side = self.report.new or self.report.old
            if side is not None:
                return side.contract
        return ""

    @property
    def document(self) -> str:
        """What the revision holds: ``contract`` or the artefact kind."""
        if not self.revision.contract_id and self.report is not None:
            side = self.report.new or self.report.old
            if side is not None:
                return side.kind
        return self.revision.doc_kind

    @property
    def counts(self) -> dict[str, int]:
        """Findings by severity, security weakenings, and the security count (``security``:
        findings this amendment introduced, open, above info); zeros without a report."""
        out = dict.fromkeys((*COUNT_KEYS, "security"), 0)
        if self.report is None:
            return out
        counts = self.report.verdict.counts
        for key in COUNT_KEYS:
            out[key] = int(counts.get(key, 0))
        security = self.security
        out["security"] = security.new if security is not None else 0
        return out

    def to_dict(self) -> dict[str, Any]:
        rev = self.revision
        verdict = self.report.verdict if self.report is not None else None
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
            "severity": verdict.severity if verdict else None,
            "required_bump": verdict.required_bump if verdict else None,
            "actual_bump": verdict.actual_bump if verdict else None,
            "version_bump_ok": verdict.version_bump_ok if verdict else None,
            "counts": self.counts if verdict else None,
            "security": security.to_dict() if (security := self.security) else None,
            "gate": gate.to_dict() if (gate := self.gate) else None,
            "fingerprint": verdict.fingerprint if verdict else None,
            "invalid": self.invalid,
            "error": self.error,
        }


def log_entry(repo: ContractRepo, revision: Revision) -> LogEntry:
    """The log entry of one revision: its report, or the one-line reason there is none; its
    ``gate`` and ``security`` count are computed from that report (the TUI's history badges
    read them too).

    A revision judged before is answered from the caches by its blob ids, without reading or
    parsing either side (see :meth:`ContractRepo.judgement`)."""
    judged = repo.judgement(revision)
    error = judged.error
    return LogEntry(
        revision,
        judged.report,
        _first(error) if isinstance(error, ContractError) else str(error) if error else None,
        judged.invalid,
        judged.base,
        repo.policy.fail_on,
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
    repo.policy  # noqa: B018 - loads (and checks) the settings every verdict depends on
    if path is not None:
        source: Iterator[Revision] = repo.iter_history(path, ref=ref)
    else:
        source = repo.iter_all_history(ref=ref)
        if under:
            prefix = under.rstrip("/") + "/"
            source = (
                r
                for r in source
                if r.path.startswith(prefix) or (r.parent and r.parent.path.startswith(prefix))
            )
    for count, revision in enumerate(source):
        if limit is not None and count >= limit:
            return
        yield log_entry(repo, revision)


def _first(exc: ContractError) -> str:
    more = len(exc.problems) - 1
    return exc.first.format() + (f" (and {more} more)" if more > 0 else "")
