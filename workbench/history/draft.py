"""Judging a draft that exists only as text (an editor's buffer) against a revision.

The same code path as every other face: the buffer is read by the one document loader
(``sources.check_document_text``: every problem, located) and judged by
``review.build_report`` with the repository's policy, against the base revision the repository
loads (HEAD's content by default). Saved to the working tree, the buffer gets the same findings
from ``workbench diff HEAD:PATH PATH`` and the main screen.

The base is loaded once per :class:`DraftJudge` (the repository caches it by blob as well), so
each judgement parses only the buffer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workbench.contract.errors import ContractError, Problem
from workbench.history.errors import HistoryError
from workbench.history.model import ParentRef

if TYPE_CHECKING:
    from workbench.contract.model import Contract
    from workbench.engine.model import DiffReport
    from workbench.history.repo import ContractRepo


@dataclass(slots=True)
class DraftVerdict:
    """The buffer's problems (errors and warnings, by position), and the report when it is
    valid; ``undecided`` says why there is no report (an invalid buffer, an unreadable base)."""

    problems: list[Problem] = field(default_factory=list)
    report: DiffReport | None = None
    undecided: str = ""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class DraftJudge:
    """Judge successive texts of ``path`` against ``base`` (a git revision, default HEAD)."""

    def __init__(self, repo: ContractRepo, path: str, base: str = "HEAD") -> None:
        self.repo = repo
        self.path = path
        self.base_rev = base
        self._base: tuple[ParentRef | None, Contract | None, str] | None = None

    def base(self) -> tuple[ParentRef | None, Contract | None, str]:
        """``(side, contract, error)``: the base's content, ``None`` when the file does not
        exist there (the draft creates it), or the error that keeps it from being read."""
        if self._base is None:
            side: ParentRef | None = None
            try:
                if self.repo.head() is None:
                    self._base = (None, None, "")
                    return self._base
                side = self.repo.revision(self.path, self.base_rev)
                contract = self.repo.load(side) if side.blob is not None else None
                self._base = (side, contract, "")
            except ContractError as exc:
                self._base = (side, None, f"the base ({self.base_rev}) does not validate: "
                              f"{exc.first.format()}")  # fmt: skip
            except HistoryError as exc:
                self._base = (side, None, f"the base ({self.base_rev}) cannot be read: {exc}")
        return self._base

    @property
    def base_label(self) -> str:
        side, contract, _ = self.base()
        if side is None or side.blob is None:
            return f"{self.base_rev} (new contract)"
        version = getattr(contract, "version", None)
        return f"{self.base_rev} {version}" if version else self.base_rev

    def judge(
        self,
        text: str,
        *,
        today: dt.date | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> DraftVerdict:
        """The problems of ``text`` and, when it is valid, its report against the base.

        ``stop`` is asked between the parse and the judgement: when it says the text is no
        longer wanted (the buffer changed meanwhile), the report is skipped (``undecided``)."""
        from workbench.review import build_report
        from workbench.sources.kinds import artefact_id
        from workbench.sources.loading import check_document_text

        contract, problems = check_document_text(
            text, self.path, self.repo.read_as, contract_id=artefact_id(self.path)
        )
        if contract is None:
            errors = sum(1 for p in problems if p.severity == "error")
            noun = "error" if errors == 1 else "errors"
            return DraftVerdict(problems, None, f"not judged: {errors} validation {noun}")
        if stop is not None and stop():
            return DraftVerdict(problems, None, "superseded by a newer text")
        side, before, error = self.base()
        if error:
            return DraftVerdict(problems, None, error)
        try:
            policy = self.repo.policy
        except HistoryError as exc:
            return DraftVerdict(problems, None, str(exc))
        now = since = None
        if before is not None and _rotates(before, contract):
            # a rotation's overlap runs from the base's commit to now, as for any draft
            since = self.repo.judge.committed(side) if side is not None else None
            now = dt.datetime.now(dt.UTC)
        report = build_report(
            before, contract, policy=policy, today=today or dt.date.today(), now=now,
            old_since=since,
        )  # fmt: skip
        return DraftVerdict(problems, report, "")


def _rotates(before: Contract, after: Contract) -> bool:
    from workbench.history.judge import _rotates as rotates

    return rotates(before, after)


def holds_secrets(text: str, path: str) -> bool:
    """Whether ``text`` has secrets the faces never show (an artefact's client secrets, keys,
    password hashes): such a file is not shown in the built-in editor."""
    from workbench.sources.base import mask_unreadable, might_hold_secrets
    from workbench.sources.kinds import artefact_id
    from workbench.sources.loading import check_document_text

    if not might_hold_secrets(text):
        return False
    contract, _ = check_document_text(text, path, contract_id=artefact_id(path))
    shown = contract.text if contract is not None else mask_unreadable(text)
    return shown != text
