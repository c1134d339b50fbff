"""The JSON report: exactly ``DiffReport.to_dict()`` plus ``schema_version``.

The shape is documented in ``docs/json-report.md`` and pinned by the JSON Schema shipped in
``workbench/report/schema/diff-report.schema.json`` (:func:`report_schema`). Additive changes
keep the schema version; anything that renames, removes or retypes a field increments it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from workbench.engine.model import DiffReport
from workbench.report.common import RenderOptions

SCHEMA_VERSION = 1
SCHEMA_FILE = "schema/diff-report.schema.json"


def report_data(report: DiffReport) -> dict[str, Any]:
    """The JSON document as Python data: ``{"schema_version": 1, **report.to_dict()}``."""
    return {"schema_version": SCHEMA_VERSION, **report.to_dict()}


def render_json(report: DiffReport, options: RenderOptions | None = None) -> str:
    """The report as pretty-printed JSON (keys in a stable order; ASCII only: control, bidi and
    other non-ASCII characters of the data are kept as ``\\u`` escapes, never raw)."""
    return json.dumps(report_data(report), indent=2, ensure_ascii=True, default=str) + "\n"


@cache
def report_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the JSON report."""
    text = resources.files("workbench.report").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    return json.loads(text)
