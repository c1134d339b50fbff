"""The compact log row: exactly what a line of ``workbench log`` (and its JSON object, and the
TUI's history badge) needs of a report, as a tuple of plain values.

A row is computed once from a report (:func:`row_of`) and stored on disk beside it, under the
same key (old blob, new blob, day, policy), and in the :class:`RowIndex` of the contract's path
(one disk entry holding the rows of a whole history), so a warm log reads rows only: it never
unpickles a report and imports neither the engine nor the security review.

A row is ``(severity, required_bump, actual_bump, version_bump_ok, fingerprint, counts,
security, gate, side)``: the verdict's fields; ``counts`` by :data:`COUNTED` (findings by
severity, weakenings, the security count); ``security``, the values of
``SecurityCount.to_dict()`` in :data:`SECURITY_KEYS` order (``by_severity`` as pairs); ``gate``,
the values of the default gate's ``GateResult.to_dict()`` in :data:`GATE_KEYS` order; ``side``,
``(which, kind, contract)`` of the side that names the contract (the new one, else the old
one), which the judge relabels as it relabels a cached report. Tuples of plain values unpickle
about four times faster than the same data as dictionaries.

This module imports nothing heavy; :func:`row_of` imports the report layer when it runs (only
when a report was just computed or read whole).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.engine.model import DiffReport
    from workbench.history.cache import DiskCache

COUNT_KEYS = ("breaking", "risky", "safe", "weakens")
COUNTED = (*COUNT_KEYS, "security")
SECURITY_KEYS = (
    "new",
    "failing",
    "threshold",
    "by_severity",
    "present",
    "present_at_threshold",
    "accepted",
    "advice",
)
GATE_KEYS = ("fails", "breaking", "risky", "security", "sentence")
SEVERITY, REQUIRED, ACTUAL, BUMP_OK, FINGERPRINT, COUNTS, SECURITY, GATE, SIDE = range(9)
ROW_LENGTH = 9
MAX_INDEXED = 20_000  # rows kept per path in a RowIndex (the oldest go first)

Row = tuple[Any, ...]


def row_of(report: DiffReport, fail_on: str) -> Row:
    """The log row of ``report`` under a policy whose security threshold is ``fail_on``: the
    security count (``security.summary``) and the default gate (``report.common.gate_result``,
    the one definition of failure) computed here, once."""
    from workbench.report.common import gate_options, gate_result
    from workbench.security.summary import count_security

    verdict = report.verdict
    security = count_security(report.security_findings, fail_on).to_dict()
    gate = gate_result(report, gate_options(fail_on)).to_dict()
    if tuple(security) != SECURITY_KEYS or tuple(gate) != GATE_KEYS:
        raise RuntimeError("the log row's fields no longer match SecurityCount or GateResult")
    security["by_severity"] = tuple(security["by_severity"].items())
    counts = (*(int(verdict.counts.get(key, 0)) for key in COUNT_KEYS), security["new"])
    side = None
    if report.new is not None:
        side = ("new", report.new.kind, report.new.contract)
    elif report.old is not None:
        side = ("old", report.old.kind, report.old.contract)
    return (
        verdict.severity,
        verdict.required_bump,
        verdict.actual_bump,
        verdict.version_bump_ok,
        verdict.fingerprint,
        counts,
        tuple(security.values()),
        tuple(gate.values()),
        side,
    )


def is_row(value: object) -> bool:
    """Whether ``value`` (read from disk) has the shape of a row."""
    if type(value) is not tuple or len(value) != ROW_LENGTH:
        return False
    try:
        shape = (len(value[COUNTS]), len(value[SECURITY]), len(value[GATE]))
    except TypeError:
        return False
    side = value[SIDE]
    return shape == _SHAPE and (side is None or (type(side) is tuple and len(side) == 3))


_SHAPE = (len(COUNTED), len(SECURITY_KEYS), len(GATE_KEYS))


def counts_of(row: Row) -> dict[str, int]:
    return dict(zip(COUNTED, row[COUNTS], strict=True))


def security_of(row: Row) -> dict[str, Any]:
    """``SecurityCount.to_dict()`` of the row's report."""
    out = dict(zip(SECURITY_KEYS, row[SECURITY], strict=True))
    out["by_severity"] = dict(out["by_severity"])
    return out


def gate_of(row: Row) -> dict[str, Any]:
    """``GateResult.to_dict()`` of the row's report under the default gate."""
    return dict(zip(GATE_KEYS, row[GATE], strict=True))


class RowIndex:
    """The rows of the reports judged for each path, one disk entry per path (a warm log of a
    thousand revisions opens one file, not a thousand). Keys are report keys, so an entry never
    goes stale; written back by :meth:`flush` when rows were added."""

    def __init__(self, disk_cache: DiskCache | None, scope: str):
        self.disk_cache = disk_cache
        self.scope = scope  # the repository (and how contents are read)
        self._paths: dict[str, dict[str, Row]] = {}
        self._dirty: set[str] = set()

    def get(self, path: str, key: str) -> Row | None:
        return self._rows(path).get(key)

    def add(self, path: str, key: str, row: Row) -> None:
        rows = self._rows(path)
        if key not in rows:
            rows[key] = row
            self._dirty.add(path)

    def flush(self) -> None:
        """Store the paths whose rows grew."""
        if self.disk_cache is not None:
            for path in sorted(self._dirty):
                rows = self._paths[path]
                if len(rows) > MAX_INDEXED:
                    rows = dict(list(rows.items())[-MAX_INDEXED:])
                    self._paths[path] = rows
                self.disk_cache.put(self._key(path), rows)
        self._dirty.clear()

    def clear(self) -> None:
        self.flush()
        self._paths.clear()

    def _rows(self, path: str) -> dict[str, Row]:
        rows = self._paths.get(path)
        if rows is None:
            stored = self.disk_cache.get(self._key(path), dict) if self.disk_cache else None
            rows = stored if isinstance(stored, dict) else {}
            self._paths[path] = rows
        return rows

    def _key(self, path: str) -> str:
        return f"rows:{self.scope}:{path}"
