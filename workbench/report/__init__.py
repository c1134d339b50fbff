"""Renderers of a :class:`~workbench.engine.model.DiffReport`: text, json, markdown, sarif, junit,
github and html. ``RENDERERS`` maps each ``--format`` name to its renderer; every command that
takes ``--format`` renders through :func:`render`. ``REVIEW_RENDERERS``
(:mod:`workbench.report.review`) does the same for ``workbench review``: the security review in
each of those formats.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workbench.engine.model import DiffReport
    from workbench.report.common import RenderOptions

# The format registry: name -> (module, renderer). Renderers are imported on first use, so a
# command that only needs the names (click's --format choices) starts fast.
_REGISTRY: dict[str, tuple[str, str]] = {
    "text": ("workbench.report.text", "render_text"),
    "json": ("workbench.report.json_report", "render_json"),
    "markdown": ("workbench.report.markdown", "render_markdown"),
    "sarif": ("workbench.report.sarif", "render_sarif"),
    "junit": ("workbench.report.junit", "render_junit"),
    "github": ("workbench.report.github", "render_github"),
    "html": ("workbench.report.html", "render_html"),
}
FORMATS: tuple[str, ...] = tuple(_REGISTRY)

_LAZY: dict[str, str] = {
    "RenderOptions": "workbench.report.common",
    "exit_code": "workbench.report.common",
    "failures": "workbench.report.common",
    "SCHEMA_VERSION": "workbench.report.json_report",
    "report_data": "workbench.report.json_report",
    "report_schema": "workbench.report.json_report",
    "use_color": "workbench.report.text",
    "sarif_log": "workbench.report.sarif",
    "REVIEW_RENDERERS": "workbench.report.review",
    "render_review": "workbench.report.review",
    "review_exit_code": "workbench.report.review",
    **{func: module for module, func in _REGISTRY.values()},
}

Renderer = Callable[["DiffReport", "RenderOptions"], str]


def _renderers() -> dict[str, Renderer]:
    return {
        name: getattr(importlib.import_module(module), func)
        for name, (module, func) in _REGISTRY.items()
    }


def __getattr__(name: str) -> Any:
    if name == "RENDERERS":
        value: Any = _renderers()
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def render(report: DiffReport, fmt: str = "text", options: RenderOptions | None = None) -> str:
    """Render ``report`` in format ``fmt`` (a key of ``RENDERERS``)."""
    if fmt not in _REGISTRY:
        raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    from workbench.report.common import RenderOptions  # lazy, like the renderers (see above)

    module, func = _REGISTRY[fmt]
    renderer = getattr(importlib.import_module(module), func)
    return renderer(report, options or RenderOptions())


__all__ = [
    "FORMATS",
    "RENDERERS",
    "REVIEW_RENDERERS",
    "SCHEMA_VERSION",
    "RenderOptions",
    "Renderer",
    "exit_code",
    "failures",
    "render",
    "render_github",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_review",
    "render_sarif",
    "render_text",
    "report_data",
    "report_schema",
    "review_exit_code",
    "sarif_log",
    "use_color",
]
