"""Textual's footer, recomposed only when what it shows changes, each key styled once.

Textual's footer recomposes (removes every key, mounts new ones) whenever the screen says its
bindings may have changed: on every focus move and every ``refresh_bindings``, most of them
leaving the keys as they were (two in three while browsing). Here the footer remembers what it
composed (each binding with its key display, enabled state and tooltip) and recomposes only when
that differs.

And each new ``FooterKey`` starts with ``compact = True``: mounting it adds the ``-compact`` class
and restyles it, then the footer's own ``compact`` (bound to the key) removes the class and
restyles it again. Here each key bound to the footer's ``compact`` carries it and its class
before it is mounted: the same classes and the same look, styled once.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey


class Footer(TextualFooter):
    """``textual.widgets.Footer`` that recomposes only when its keys change."""

    _shown: tuple | None = None

    def _keys(self) -> tuple:
        """Everything ``compose`` reads: the screen's bindings as the footer lists them."""
        app = self.app
        bindings = tuple(
            (key, binding, enabled, tooltip, app.get_key_display(binding))
            for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
        )
        palette = (self.show_command_palette, app.ENABLE_COMMAND_PALETTE)
        return (bindings, palette, self.combine_groups)

    def compose(self) -> ComposeResult:
        self._shown = self._keys() if self._bindings_ready else None
        compact = self.compact
        for widget in super().compose():
            # the keys bound to the footer's compact: all but the palette key (it stays compact)
            if isinstance(widget, FooterKey) and not widget.has_class("-command-palette"):
                widget.set_reactive(FooterKey.compact, compact)
                widget.set_class(compact, "-compact", update=False)
            yield widget

    async def recompose(self) -> None:
        if self._shown is not None and self.is_attached and self._shown == self._keys():
            return  # the same keys: nothing to redo
        await super().recompose()
