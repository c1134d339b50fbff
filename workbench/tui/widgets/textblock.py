"""A ``Static`` whose height follows the text it is given.

Textual 8 counts a widget's layout requests only when none is pending, and caches the widget's
box model under that count. Text given while an earlier request is still pending (a title set
to "loading..." on mount, then to two lines by a quick worker, before the widget was idle) is
then laid out at the height the earlier text had: the second line is cut until something else
changes the layout. Forgetting the cached box model with each new text lays it out at its own
height. This is the one place the app reaches into that private cache.
"""

from __future__ import annotations

from textual.visual import VisualType
from textual.widgets import Static


class TextBlock(Static):
    """A ``Static`` for text that changes height as it changes (titles, details, verdicts)."""

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(content, layout=layout)
        if layout:
            self._box_model_cache.clear()
