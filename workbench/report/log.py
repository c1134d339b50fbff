"""The amendment log as aligned text columns (``workbench log``): one line per amendment with its
date, revision, author, version, the bump needed and the one made, finding counts (``SEC`` is
the security count of ``security.summary``), what the default gate says (``GATE``: ``FAIL`` or
``ok``, from ``report.failures``) and the subject. A log with artefacts in it also has a KIND
column (OpenAPI, Keycloak realm, ...); an artefact without a SemVer version shows ``-`` as its
version and as the bump it got.

Colour goes through the text reports' :class:`~workbench.report.paint.Painter`, so the caller
decides it as for every report (a terminal, and no ``NO_COLOR``). Untrusted text (subjects,
names, versions, errors) is shown with its control characters escaped (``common.clean``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from workbench.report.paint import Painter
from workbench.sources.kinds import LABELS
from workbench.textsafe import clean


class LogRow(Protocol):
    """What a line needs of a log entry (``history.log.LogEntry``): its revision (date, short
    sha, author, version, subject), error, the compact row of its report (``history.logrow``;
    ``None`` without a report), its bump status and counts."""

    revision: Any
    error: str | None
    invalid: bool
    base: Any

    @property
    def row(self) -> tuple[Any, ...] | None: ...

    @property
    def contract(self) -> str: ...

    @property
    def document(self) -> str: ...

    @property
    def counts(self) -> Mapping[str, int]: ...

    @property
    def bump(self) -> tuple[str, str, bool] | None: ...

    @property
    def fails(self) -> bool: ...


AUTHOR_WIDTH = 18
VERSION_WIDTH = 12
KIND_WIDTH = max(len(label) for label in LABELS.values())
# count column -> (width, style when non-zero)
COUNT_COLUMNS: tuple[tuple[str, int, str | None], ...] = (
    ("breaking", 4, "breaking"),
    ("risky", 3, "risky"),
    ("safe", 4, None),
    ("weakens", 4, "weakens"),
    ("security", 3, "weakens"),
)


def _line_text(text: str) -> str:
    """Untrusted text for one line of a column: escaped as every report shows it; tabs become
    spaces."""
    return clean(text).replace("\t", " ")


def _cut(text: str, width: int) -> str:
    text = _line_text(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def contract_width(ids: Iterable[str]) -> int:
    """The CONTRACT column's width for a log of every contract: sized from today's contract ids
    (12 to 28 characters; older, longer ids are cut)."""
    return max(min(max((len(i) for i in ids), default=12), 28), 12)


def kind_label(kind: str) -> str:
    """The short name of a document kind (``OpenAPI``, ``Keycloak realm``, ``contract``)."""
    return LABELS.get(kind, kind)


def bump_status(verdict: Any) -> tuple[str, str, bool]:
    """``(needs, got, ok)`` of a verdict: the bump the changes need, the one the version made
    (``-`` for an unversioned artefact) and whether it is enough: the log's ``NEEDS GOT``
    columns and the TUI's bump column and findings title."""
    return bump_cells(verdict.required_bump, verdict.actual_bump, verdict.version_bump_ok)


def bump_cells(required: str, actual: str, ok: object) -> tuple[str, str, bool]:
    """:func:`bump_status` of a verdict's three fields (a log row keeps them as plain data)."""
    return required, "-" if actual == "unversioned" else actual, bool(ok)


def log_header(contract_width: int | None, kinds: bool = False) -> str:
    """The header line; ``contract_width`` is ``None`` for one contract's log (no column);
    ``kinds`` adds the KIND column (a log with artefacts in it)."""
    cells = ["DATE".ljust(10), "REV".ljust(8)]
    if contract_width is not None:
        cells.append("CONTRACT".ljust(contract_width))
    if kinds:
        cells.append("KIND".ljust(KIND_WIDTH))
    cells += ["AUTHOR".ljust(AUTHOR_WIDTH), "VERSION".ljust(VERSION_WIDTH), "NEEDS GOT     "]
    cells += [" BRK RSK SAFE WEAK SEC", "GATE", "SUBJECT"]
    return "  ".join(cells)


def log_line(entry: LogRow, contract_width: int | None, paint: Painter, kinds: bool = False) -> str:
    """One amendment's line (see :func:`log_header` for the columns)."""
    rev = entry.revision
    date = rev.date.strftime("%Y-%m-%d") if rev.date else "-"
    cells = [date.ljust(10), rev.short.ljust(8)]
    if contract_width is not None:
        cells.append(_cut(entry.contract or "?", contract_width).ljust(contract_width))
    document = entry.document
    if kinds:
        cells.append(kind_label(document).ljust(KIND_WIDTH))
    author = rev.author_name or rev.author_email or "-"
    cells.append(_cut(author, AUTHOR_WIDTH).ljust(AUTHOR_WIDTH))
    unversioned = "-" if document != "contract" else "?"
    version = "deleted" if rev.deleted else (_cut(rev.version, VERSION_WIDTH) or unversioned)
    cells.append(version.ljust(VERSION_WIDTH))
    row = entry.row
    status = entry.bump
    if row is None or status is None:
        label = "invalid" if entry.invalid else "error"
        cells.append(paint(label.ljust(14), "breaking"))
        cells.append("   -   -    -    -   -")
        cells.append("-   ")
    else:
        needs, got, ok = status
        bump = f"{needs:<5} {got + ('' if ok else '!'):<8}"
        cells.append(bump if ok else paint(bump, "breaking"))
        counts = entry.counts
        parts = []
        for key, width, style in COUNT_COLUMNS:
            value = counts[key]
            cell = (str(value) if value else "-").rjust(width)
            parts.append(paint(cell, style) if value and style else cell)
        cells.append(" ".join(parts))
        cells.append(paint("FAIL", "breaking") if entry.fails else "ok  ")
    subject = _line_text(rev.subject)
    if rev.is_merge:
        subject += " (merge: vs first parent)"
    if entry.base is not None:
        subject += f" (compared with {entry.base.short}: the parent is invalid)"
    if entry.error:
        note = f"[{'invalid: ' if entry.invalid else ''}{_line_text(entry.error)}]"
        subject += "  " + paint(note, "breaking")
    cells.append(subject)
    return "  ".join(cells)


def log_error(message: str) -> str:
    """An error message of the log, escaped like its lines."""
    return _line_text(message)
