"""The compact log row: exactly what a line of ``workbench log`` (and its JSON object, and the
TUI's history badge) needs of a report, as plain data.

A row is computed once from a report (:func:`row_of`) and stored on disk beside it, under the
same key (old blob, new blob, day, policy), so a warm log reads rows only: it never unpickles a
report and imports neither the engine nor the security review. Its fields:

``severity``, ``required_bump``, ``actual_bump``, ``version_bump_ok``, ``fingerprint`` (the
verdict's), ``counts`` (findings by severity, weakenings and the security count), ``security``
(``SecurityCount.to_dict()``), ``gate`` (``GateResult.to_dict()`` of the default gate) and
``side``: ``(which, kind, contract)`` of the side that names the contract (the new one, else the
old one), which the judge relabels as it relabels a cached report.

This module imports nothing heavy; :func:`row_of` imports the report layer when it runs (only
when a report was just computed or read whole).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.engine.model import DiffReport

ROW_FORMAT = 1
COUNT_KEYS = ("breaking", "risky", "safe", "weakens")
VERDICT_KEYS = ("severity", "required_bump", "actual_bump", "version_bump_ok", "fingerprint")

Row = dict[str, Any]


def row_of(report: DiffReport, fail_on: str) -> Row:
    """The log row of ``report`` under a policy whose security threshold is ``fail_on``: the
    security count (``security.summary``) and the default gate (``report.common.gate_result``,
    the one definition of failure) computed here, once."""
    from workbench.report.common import gate_options, gate_result
    from workbench.security.summary import count_security

    verdict = report.verdict
    security = count_security(report.security_findings, fail_on)
    counts = {key: int(verdict.counts.get(key, 0)) for key in COUNT_KEYS}
    counts["security"] = security.new
    side = None
    if report.new is not None:
        side = ("new", report.new.kind, report.new.contract)
    elif report.old is not None:
        side = ("old", report.old.kind, report.old.contract)
    row: Row = {key: getattr(verdict, key) for key in VERDICT_KEYS}
    row["counts"] = counts
    row["security"] = security.to_dict()
    row["gate"] = gate_result(report, gate_options(fail_on)).to_dict()
    row["side"] = side
    row["format"] = ROW_FORMAT
    return row


def is_row(value: object) -> bool:
    """Whether ``value`` (read from disk) is a row of this format."""
    return (
        isinstance(value, dict)
        and value.get("format") == ROW_FORMAT
        and all(key in value for key in (*VERDICT_KEYS, "counts", "security", "gate", "side"))
    )
