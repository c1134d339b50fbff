"""The workbench's own themes, and the one place in the terminal UI that names colours.

- ``workbench-light``: for light terminals and bright rooms; darker severity colours than
  Textual's light theme, so badges and marks keep their contrast on a pale background.
- ``workbench-mono``: no hue at all (greys only). What tells severities apart is the text
  style (bold, dim, reverse, underline: the ``-theme-workbench-mono`` rules in ``app.tcss``)
  and, in every theme, a word or a symbol (badges print ``breaking``; the diff gutter prints
  ``✖``/``!``/``✓`` and ``◆``). ``NO_COLOR`` starts the app in it.

Every other theme Textual offers works too: the widgets take their colours from theme variables
and component classes. ``$security`` (the colour of security marks) is the one variable the
workbench adds; a theme may set its own in ``variables``.
"""

from __future__ import annotations

import os

from textual.theme import Theme

LIGHT_THEME = "workbench-light"
MONO_THEME = "workbench-mono"

SECURITY_DEFAULT = "#d670d6"  # $security where a theme does not set it (a magenta on dark)

WORKBENCH_THEMES: tuple[Theme, ...] = (
    Theme(
        name=LIGHT_THEME,
        primary="#1f5fa8",
        secondary="#5a4fb0",
        accent="#b35900",
        warning="#b86e00",
        error="#b3261e",
        success="#2e7d32",
        foreground="#1c1c1c",
        background="#f4f4f4",
        surface="#fbfbfb",
        panel="#e4e4e4",
        dark=False,
        variables={
            "security": "#8e24aa",
            "footer-key-foreground": "#1f5fa8",
            "block-cursor-background": "#1f5fa8",
            "block-cursor-foreground": "#ffffff",
        },
    ),
    Theme(
        name=MONO_THEME,
        primary="#c8c8c8",
        secondary="#a0a0a0",
        accent="#ffffff",
        warning="#d0d0d0",
        error="#ffffff",
        success="#b0b0b0",
        foreground="#e4e4e4",
        background="#000000",
        surface="#0c0c0c",
        panel="#262626",
        boost="#1a1a1a",
        dark=True,
        variables={
            "security": "#ffffff",
            # Textual derives these from the hues above: in greys, spell them out
            "text-primary": "#e4e4e4",
            "text-secondary": "#e4e4e4",
            "text-accent": "#ffffff",
            "text-warning": "#ffffff",
            "text-error": "#ffffff",
            "text-success": "#e4e4e4",
            "text-muted": "#9a9a9a",
            "block-cursor-background": "#e4e4e4",
            "block-cursor-foreground": "#000000",
            "block-cursor-text-style": "bold",
            "block-cursor-blurred-background": "#3a3a3a",
            "block-cursor-blurred-foreground": "#ffffff",
            "footer-key-foreground": "#ffffff",
            "border": "#ffffff",
            "border-blurred": "#6a6a6a",
            "scrollbar": "#5a5a5a",
            "scrollbar-hover": "#8a8a8a",
            "scrollbar-active": "#c8c8c8",
            "scrollbar-background": "#1a1a1a",
            "link-color": "#ffffff",
            "input-selection-background": "#5a5a5a",
            "screen-selection-background": "#5a5a5a",
        },
    ),
)

THEME_NAMES = tuple(theme.name for theme in WORKBENCH_THEMES)


def no_color() -> bool:
    """``NO_COLOR`` set to anything non-empty (https://no-color.org): the same test the command
    line's reports make."""
    return bool(os.environ.get("NO_COLOR", ""))


def known_themes() -> list[str]:
    """Every theme name the app accepts: Textual's built-in themes and the workbench's."""
    from textual.theme import BUILTIN_THEMES

    return sorted({*BUILTIN_THEMES, *THEME_NAMES})
