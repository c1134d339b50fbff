"""Colour of the text faces: ``Painter`` (ANSI colour by style name, or none) and
``use_color`` (a terminal, and no ``NO_COLOR``). A leaf: the log's lines colour through it
without importing the report renderers."""

from __future__ import annotations

import os
from typing import IO

STYLES = {
    "breaking": "1;31",
    "risky": "1;33",
    "safe": "32",
    "ignored": "2",
    "critical": "1;35",
    "high": "1;31",
    "medium": "33",
    "low": "36",
    "info": "2",
    "weakens": "31",
    "strengthens": "32",
    "dim": "2",
    "bold": "1",
    "rule": "36",
}


def use_color(stream: IO | None) -> bool:
    """Colour only for a terminal, and never when ``NO_COLOR`` is set to anything non-empty."""
    if os.environ.get("NO_COLOR", ""):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # a closed or odd stream
        return False


class Painter:
    """``paint(text, style)``: ANSI colour by style name (a severity, ``dim``, ``bold``, ...), or
    the text unchanged when colour is off."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        if not self.enabled or style not in STYLES:
            return text
        return f"\x1b[{STYLES[style]}m{text}\x1b[0m"
