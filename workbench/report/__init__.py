"""Renderers of a :class:`~workbench.engine.model.DiffReport`: text, json, markdown, sarif, junit
and github. ``RENDERERS`` maps each ``--format`` name to its renderer; every command that takes
``--format`` renders through :func:`render`.
"""

from __future__ import annotations

from collections.abc import Callable

from workbench.engine.model import DiffReport
from workbench.report.common import RenderOptions, exit_code, failures
from workbench.report.github import render_github
from workbench.report.json_report import SCHEMA_VERSION, render_json, report_data, report_schema
from workbench.report.junit import render_junit
from workbench.report.markdown import render_markdown
from workbench.report.sarif import render_sarif, sarif_log
from workbench.report.text import render_text, use_color

Renderer = Callable[[DiffReport, RenderOptions], str]

RENDERERS: dict[str, Renderer] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "sarif": render_sarif,
    "junit": render_junit,
    "github": render_github,
}
FORMATS: tuple[str, ...] = tuple(RENDERERS)


def render(report: DiffReport, fmt: str = "text", options: RenderOptions | None = None) -> str:
    """Render ``report`` in format ``fmt`` (a key of :data:`RENDERERS`)."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})") from None
    return renderer(report, options or RenderOptions())


__all__ = [
    "FORMATS",
    "RENDERERS",
    "SCHEMA_VERSION",
    "RenderOptions",
    "Renderer",
    "exit_code",
    "failures",
    "render",
    "render_github",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_sarif",
    "render_text",
    "report_data",
    "report_schema",
    "sarif_log",
    "use_color",
]
