"""The side-by-side (or unified) diff of two contract versions, rendered line by line on demand.

A ``ScrollView`` with ``render_line``: only the rows on screen are rendered, each once (a strip
cache keyed by row, cursor and highlight), so a 10,000-line contract scrolls as fast as a
20-line one. Row 0 of the widget is a sticky header naming the two sides.

Gutter: a severity mark (``✖`` breaking, ``!`` risky, ``✓`` safe, in the theme's error, warning
and success colours) and a security mark (◆) on every line a finding points to, then the line
number and a ``-``/``+`` sign. Text is YAML-coloured; changed lines are tinted and, for a changed
pair, the changed characters are emphasised (``workbench-mono``: dim, underline and bold).
Unchanged runs fold into one row (enter expands; ``{``/``}`` change the context).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from workbench.tui import commands
from workbench.tui.diffmodel import (
    BANNER,
    BREAKING,
    CONTEXT_STEPS,
    DELETE,
    FOLD,
    INSERT,
    REPLACE,
    RISKY,
    SAFE,
    SECURITY,
    WEAKENS,
    DiffDocument,
    Item,
    Layout,
    inline_changes,
)
from workbench.tui.safe import clean_inline
from workbench.tui.widgets.lists import text_attributes
from workbench.tui.yamlcolor import block_scalar_lines, tokenize

SPLIT_MIN_WIDTH = 64  # below this, "auto" shows the unified diff: split halves get too narrow
# the gutter's marks: a symbol per severity, so no theme (or eye) needs the colour to tell them
# apart; the ? screen's legend shows them
SEVERITY_MARKS = {"breaking": "✖", "risky": "!", "safe": "✓"}
SECURITY_MARK = "◆"
FOLD_TEXT = "⋯"


class DiffView(ScrollView, can_focus=True):
    """The diff of one amendment (or any two revisions) with its findings on the lines."""

    BINDINGS = commands.bindings("nav", "scroll", "diffview")

    COMPONENT_CLASSES = {
        "diff-view--header",
        "diff-view--gutter",
        "diff-view--delete",
        "diff-view--insert",
        "diff-view--delete-emph",
        "diff-view--insert-emph",
        "diff-view--filler",
        "diff-view--fold",
        "diff-view--banner",
        "diff-view--cursor",
        "diff-view--selected",
        "diff-view--placeholder",
        "diff-view--mark-breaking",
        "diff-view--mark-risky",
        "diff-view--mark-safe",
        "diff-view--mark-security",
        "diff-view--yaml-key",
        "diff-view--yaml-string",
        "diff-view--yaml-number",
        "diff-view--yaml-bool",
        "diff-view--yaml-comment",
        "diff-view--yaml-punct",
        "diff-view--yaml-anchor",
        "diff-view--yaml-text",
        "diff-view--match",
        "diff-view--match-current",
    }

    DEFAULT_CSS = """
    DiffView {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-gutter: stable;
    }
    DiffView > .diff-view--header { background: $panel; color: $text-muted; text-style: bold; }
    DiffView > .diff-view--gutter { color: $text-muted; }
    DiffView > .diff-view--delete { background: $error 14%; }
    DiffView > .diff-view--insert { background: $success 14%; }
    DiffView > .diff-view--delete-emph { background: $error 40%; }
    DiffView > .diff-view--insert-emph { background: $success 40%; }
    DiffView > .diff-view--filler { color: $foreground 12%; }
    DiffView > .diff-view--fold { background: $boost; color: $text-muted; text-style: italic; }
    DiffView > .diff-view--banner { background: $error 20%; color: $text-error; text-style: bold; }
    DiffView > .diff-view--cursor { background: $block-cursor-blurred-background; }
    DiffView:focus > .diff-view--cursor { background: $accent 22%; }
    DiffView > .diff-view--selected { background: $accent 25%; color: $text; text-style: bold; }
    DiffView > .diff-view--placeholder { color: $text-muted; text-style: italic; }
    DiffView > .diff-view--mark-breaking { color: $error; }
    DiffView > .diff-view--mark-risky { color: $warning; }
    DiffView > .diff-view--mark-safe { color: $success; }
    DiffView > .diff-view--mark-security { color: $security; text-style: bold; }
    DiffView > .diff-view--yaml-key { color: $text-primary; }
    DiffView > .diff-view--yaml-string { color: $foreground; }
    DiffView > .diff-view--yaml-number { color: $text-accent; }
    DiffView > .diff-view--yaml-bool { color: $text-secondary; text-style: italic; }
    DiffView > .diff-view--yaml-comment { color: $text-muted; text-style: italic; }
    DiffView > .diff-view--yaml-punct { color: $text-muted; }
    DiffView > .diff-view--yaml-anchor { color: $text-warning; }
    DiffView > .diff-view--yaml-text { color: $foreground 85%; }
    DiffView > .diff-view--match { background: $warning 45%; }
    DiffView > .diff-view--match-current { background: $warning; color: $background; }
    """

    mode: reactive[str] = reactive("auto", init=False)
    """``split``, ``unified``, or ``auto``: split when there is room for it, else unified."""

    class CursorMoved(Message):
        """The diff cursor moved; ``item`` is the finding at the cursor (the narrowest one)."""

        def __init__(self, view: DiffView, item: Item | None) -> None:
            super().__init__()
            self.view = view
            self.item = item

        @property
        def control(self) -> DiffView:
            return self.view

    class Opened(Message):
        """Enter on a line that is not a fold (the screen may move focus to the findings)."""

        def __init__(self, view: DiffView, item: Item | None) -> None:
            super().__init__()
            self.view = view
            self.item = item

    def __init__(
        self,
        *,
        mode: str = "auto",
        context: int = 3,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.document: DiffDocument | None = None
        self.layout_rows: Layout = Layout([], [], [])
        self.cursor = 0
        self.context = context
        self.selected: Item | None = None
        self.placeholder = "Select a revision to see its diff."
        self._expanded: set[int] = set()
        self._cursor_item: Item | None = None
        # rendered rows and coloured source lines, sized by the lines on screen (on_resize)
        self._cache: LRUCache[tuple, Strip] = LRUCache(self.CACHE_SCREENS * 24)
        self._text_cache: LRUCache[tuple, Strip] = LRUCache(2 * self.CACHE_SCREENS * 24)
        self._cache_epoch: tuple = ()
        self._styles: dict[str, Style] = {}
        self._blocks: dict[str, bytearray] = {}
        self._max_len = 0
        self._num_width = 3
        self._banner_width = 0
        self.wrap = False  # w: long lines fold onto continuation rows (no sideways scrolling)
        self._parts: dict[int, int] = {}  # row -> which part of its lines (wrap mode)
        self.search = ""  # / in the diff: the text searched (case-insensitive)
        self.matches: list[tuple[str, int, int]] = []  # (side, 0-based line, column)
        self.match_index = -1
        self._match_lines: dict[tuple[str, int], list[int]] = {}
        self._part = 0  # the part of the row being drawn (wrap mode)
        self._wrap_w = 1 << 30  # the text width a wrapped part holds
        self.set_reactive(DiffView.mode, mode)
        self.shown_mode = "unified" if mode == "unified" else "split"

    # --- public API ---------------------------------------------------------------------

    def set_document(self, document: DiffDocument | None, *, placeholder: str = "") -> None:
        """Show ``document`` (or a placeholder message), cursor at the first change."""
        self.document = document
        self.placeholder = placeholder or self.placeholder
        self.selected = None
        self._cursor_item = None
        self._expanded.clear()
        self._blocks.clear()
        self._text_cache.clear()
        if document is not None:
            lines = document.old_lines + document.new_lines
            self._max_len = max((len(s) if s.isascii() else cell_len(s) for s in lines), default=0)
            # one cell more than the widest number, so the marks never touch it
            self._num_width = 1 + max(
                3, len(str(max(len(document.old_lines), len(document.new_lines))))
            )
        self._find_matches()
        self._relayout()
        self.cursor = self._first_change_row()
        # another document starts at its first change and its first column
        self.scroll_to(x=0, y=max(0, self.cursor - 3), animate=False, immediate=True)
        self._cursor_changed()

    def show_message(self, message: str) -> None:
        """Clear the diff and show ``message`` (loading, nothing selected, an error)."""
        self.set_document(None, placeholder=message)

    def set_items(self, items: list[Item]) -> None:
        """Attach findings that arrived after the texts; keeps the cursor on its line."""
        if self.document is None:
            return
        line = self._row_lines(self.cursor)
        self.document.set_items(items)
        self._relayout()
        self._restore_cursor(line)
        self._cursor_changed()

    def add_errors(self, errors: list[str]) -> None:
        """Show problems found after the texts (an invalid revision) as banners on top."""
        if self.document is None or not errors:
            return
        line = self._row_lines(self.cursor)
        self.document.errors.extend(clean_inline(e) for e in errors)
        self._relayout()
        self._restore_cursor(line)
        if self.cursor > 0 and round(self.scroll_y) > 0:
            self.scroll_to(y=0, animate=False, immediate=True)

    def goto_item(self, item: Item) -> None:
        """Scroll both sides to the lines of ``item``, unfolding them, and highlight it."""
        row = self._item_row(item, expand=True)
        self.selected = item
        if row is not None:
            self._move_cursor(row, center=True, notify=False)
            self.reveal_change()
        self._cursor_item = item
        self._invalidate()

    def item_position(self, item: Item) -> int:
        """The row where ``item`` starts (folded lines count as their fold row)."""
        row = self._item_row(item, expand=False)
        return row if row is not None else 1 << 30

    def next_item(self, direction: int, items: list[Item]) -> Item | None:
        """The first of ``items`` after (``direction`` 1) or before (-1) the selected one (else
        the cursor), wrapping. The selected finding counts from where it starts: the cursor may
        be on one of its lines below its first row (its old side, in the unified diff)."""
        if not items:
            return None
        positioned = sorted(((self.item_position(it), it.index), it) for it in items)
        if self.selected is not None:
            current = (self.item_position(self.selected), self.selected.index)
        else:
            current = (self.cursor, -1)
        if direction > 0:
            after = [it for key, it in positioned if key > current]
            return after[0] if after else positioned[0][1]
        before = [it for key, it in positioned if key < current]
        return before[-1] if before else positioned[-1][1]

    def change_context(self, step: int) -> int:
        """Show fewer (-1) or more (+1) unchanged lines; returns the new context."""
        try:
            i = CONTEXT_STEPS.index(self.context)
        except ValueError:
            i = 2
        i = max(0, min(len(CONTEXT_STEPS) - 1, i + step))
        line = self._row_lines(self.cursor)
        self.context = CONTEXT_STEPS[i]
        self._expanded.clear()
        self._relayout()
        self._restore_cursor(line)
        return self.context

    @property
    def row_count(self) -> int:
        return len(self.layout_rows.rows)

    def cursor_lines(self) -> tuple[int | None, int | None]:
        """1-based (old line, new line) at the cursor."""
        old, new = self._row_lines(self.cursor)
        return (old + 1 if old >= 0 else None, new + 1 if new >= 0 else None)

    # --- layout -------------------------------------------------------------------------

    def watch_mode(self) -> None:
        self._update_shown_mode(force=True)

    def auto_mode(self) -> str:
        """What ``auto`` shows at the current width: split from SPLIT_MIN_WIDTH on."""
        width = self.scrollable_content_region.width or self.size.width
        return "split" if width >= SPLIT_MIN_WIDTH else "unified"

    def _update_shown_mode(self, *, force: bool = False) -> None:
        """Apply ``mode`` to the current width (``auto`` is split from SPLIT_MIN_WIDTH on)."""
        shown = self.auto_mode() if self.mode == "auto" else self.mode
        if shown != self.shown_mode or force:
            self.shown_mode = shown
            line = self._row_lines(self.cursor)
            self._relayout()
            self._restore_cursor(line)

    def _relayout(self) -> None:
        doc = self.document
        if doc is None:
            self.layout_rows = Layout([], [], [])
        else:
            width = self.scrollable_content_region.width or self.size.width
            self._banner_width = width
            self.layout_rows = doc.layout(
                self.shown_mode, self.context, self._expanded, width=max(0, width - 1) or None
            )
            self._parts = {}
            if self.wrap:
                self._wrap_layout(self._text_width(width))
        self._update_virtual_size()
        self._invalidate()

    def _wrap_layout(self, text_w: int) -> None:
        """Wrap mode: each line longer than the text column gets continuation rows (the same
        row tuple, with its part number in ``_parts``); the line maps point at first rows."""
        doc = self.document
        lay = self.layout_rows
        if doc is None or text_w <= 0:
            return
        rows: list = []
        parts: dict[int, int] = {}
        moved: list[int] = []  # old row index -> new row index
        for row in lay.rows:
            moved.append(len(rows))
            rows.append(row)
            kind, old, new, _ = row
            if kind in (FOLD, BANNER):
                continue
            longest = max(
                self._cells(doc.old_lines, old) if old >= 0 else 0,
                self._cells(doc.new_lines, new) if new >= 0 else 0,
            )
            for part in range(1, -(-longest // text_w)):
                parts[len(rows)] = part
                rows.append(row)
        self.layout_rows = Layout(
            rows,
            [moved[r] for r in lay.old_row],
            [moved[r] for r in lay.new_row],
            lay.folds,
            lay.banners,
        )
        self._parts = parts

    @staticmethod
    def _cells(lines: list[str], line: int) -> int:
        text = lines[line] if 0 <= line < len(lines) else ""
        return len(text) if text.isascii() else cell_len(text)

    def set_wrap(self, wrap: bool) -> None:
        """Fold long lines (``True``) or scroll them sideways; keeps the cursor's line."""
        line = self._row_lines(self.cursor)
        self.wrap = wrap
        self.scroll_to(x=0, animate=False, immediate=True)
        self._relayout()
        self._restore_cursor(line)

    # --- search -----------------------------------------------------------------------------

    def set_search(self, text: str) -> int:
        """Highlight every occurrence of ``text`` (case-insensitive) on both sides; returns how
        many there are. The current match is the first at or after the cursor."""
        self.search = text
        self._find_matches()
        self._text_cache.clear()
        self.match_index = -1
        if self.matches:
            here = self._row_lines(self.cursor)
            self.match_index = next(
                (
                    i
                    for i, (side, line, _) in enumerate(self.matches)
                    if line >= (here[1] if side == "new" else here[0])
                ),
                0,
            )
        self._invalidate()
        return len(self.matches)

    def _find_matches(self) -> None:
        self.matches = []
        self._match_lines = {}
        doc = self.document
        needle = self.search.lower()
        if doc is None or not needle:
            return
        for side, lines in (("new", doc.new_lines), ("old", doc.old_lines)):
            for i, line in enumerate(lines):
                low = line.lower()
                start = low.find(needle)
                while start >= 0:
                    self.matches.append((side, i, start))
                    start = low.find(needle, start + max(1, len(needle)))
        # in reading order: by the row each line lands on, the new side first
        order = {"new": 0, "old": 1}
        self.matches.sort(key=lambda m: (m[1], order[m[0]], m[2]))
        for side, line, column in self.matches:
            self._match_lines.setdefault((side, line), []).append(column)

    def next_match(self, direction: int) -> tuple[str, int, int] | None:
        """Go to the next (1) or previous (-1) match, unfolding its line and scrolling
        sideways to it; ``None`` when nothing matches."""
        if not self.matches:
            return None
        if self.match_index < 0:
            self.match_index = 0 if direction > 0 else len(self.matches) - 1
        else:
            self.match_index = (self.match_index + direction) % len(self.matches)
        self.goto_match(self.match_index)
        return self.matches[self.match_index]

    def goto_match(self, index: int) -> None:
        side, line, column = self.matches[index]
        lay = self.layout_rows
        rows = lay.new_row if side == "new" else lay.old_row
        if line >= len(rows):
            return
        row = rows[line]
        if lay.rows[row][0] == FOLD:
            self._expanded.add(lay.rows[row][1])
            self._relayout()
            lay = self.layout_rows
            row = (lay.new_row if side == "new" else lay.old_row)[line]
        self._text_cache.clear()
        self._move_cursor(row, center=True)
        self._reveal_column(column, len(self.search))

    def _reveal_column(self, column: int, length: int = 1) -> None:
        """Scroll sideways so that ``column`` (of a line's text) is on screen; in wrap mode,
        move the cursor to the continuation row holding it."""
        width = self.scrollable_content_region.width or self.size.width
        text_w = self._text_width(width)
        if self.wrap:
            part = column // max(1, text_w)
            if part and self.cursor + part < len(self.layout_rows.rows):
                self._move_cursor(self.cursor + part, notify=False)
            return
        left = round(self.scroll_x)
        if left <= column and column + length <= left + text_w:
            return
        target = 0 if column + length <= text_w else max(0, column - text_w // 3)
        self.scroll_to(x=min(target, self.max_scroll_x), animate=False, immediate=True)

    def first_change_column(self, row: int) -> int | None:
        """The first column that differs on a changed row (a changed pair: the first
        character that differs; a line added or removed: its first non-blank character)."""
        rows = self.layout_rows.rows
        doc = self.document
        if doc is None or not (0 <= row < len(rows)):
            return None
        kind, old, new, extra = rows[row]
        if kind == REPLACE and old >= 0 and new >= 0:
            a, b = doc.old_lines[old], doc.new_lines[new]
        elif kind in (DELETE, INSERT) and self.shown_mode == "unified" and extra >= 0:
            a, b = (
                (doc.old_lines[old], doc.new_lines[extra])
                if kind == DELETE
                else (doc.old_lines[extra], doc.new_lines[new])
            )
        elif kind == INSERT and new >= 0:
            text = doc.new_lines[new]
            return len(text) - len(text.lstrip())
        elif kind == DELETE and old >= 0:
            text = doc.old_lines[old]
            return len(text) - len(text.lstrip())
        else:
            return None
        old_spans, new_spans = inline_changes(a, b)
        spans = (old_spans if kind == DELETE else new_spans) or new_spans or old_spans
        if spans:
            return spans[0][0]
        common = next(
            (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
        )
        return common

    def reveal_change(self) -> None:
        """Scroll sideways to the first changed column of the cursor's row, when it is cut."""
        if self.wrap:
            return
        column = self.first_change_column(self.cursor)
        if column is not None:
            self._reveal_column(column, 8)

    def _update_virtual_size(self) -> None:
        width = self.scrollable_content_region.width or self.size.width
        hmax = 0 if self.wrap else max(0, self._max_len - self._text_width(width))
        self.virtual_size = Size(width + hmax, len(self.layout_rows.rows) + 1)

    def _invalidate(self) -> None:
        self._cache.clear()
        self.refresh()

    def _first_change_row(self) -> int:
        for i, row in enumerate(self.layout_rows.rows):
            if row[0] in (DELETE, INSERT, REPLACE, BANNER):
                return i
        return 0

    def _row_lines(self, index: int) -> tuple[int, int]:
        rows = self.layout_rows.rows
        if not rows:
            return (-1, -1)
        kind, old, new, _ = rows[max(0, min(index, len(rows) - 1))]
        return (old, new) if kind != BANNER else (-1, -1)

    def _restore_cursor(self, line: tuple[int, int]) -> None:
        old, new = line
        lay = self.layout_rows
        if new >= 0 and new < len(lay.new_row):
            row = lay.new_row[new]
        elif old >= 0 and old < len(lay.old_row):
            row = lay.old_row[old]
        else:
            row = min(self.cursor, max(0, len(lay.rows) - 1))
        self._move_cursor(row, center=True, notify=False)

    def _item_row(self, item: Item, *, expand: bool) -> int | None:
        lay = self.layout_rows
        doc = self.document
        if doc is None:
            return None
        target: tuple[str, int] | None = None
        if item.new_span and item.new_span[0] - 1 < len(lay.new_row):
            target = ("new", item.new_span[0] - 1)
        elif item.old_span and item.old_span[0] - 1 < len(lay.old_row):
            target = ("old", item.old_span[0] - 1)
        if target is None:
            return None
        side, line = target
        row = (lay.new_row if side == "new" else lay.old_row)[line]
        kind, fold_old, _fold_new, _ = lay.rows[row]
        if kind == FOLD and expand:
            self._expanded.add(fold_old)
            self._relayout()
            lay = self.layout_rows
            row = (lay.new_row if side == "new" else lay.old_row)[line]
        return row

    # --- cursor -------------------------------------------------------------------------

    def _move_cursor(self, row: int, *, center: bool = False, notify: bool = True) -> None:
        count = len(self.layout_rows.rows)
        row = max(0, min(row, count - 1)) if count else 0
        self.cursor = row
        height = max(1, self.scrollable_content_region.height - 1)
        top = round(self.scroll_y)
        if center and not (top <= row < top + height):
            self.scroll_to(y=max(0, row - height // 3), animate=False, immediate=True)
        elif row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True)
        self._invalidate()
        if notify:
            self._cursor_changed()

    def _cursor_changed(self) -> None:
        item = self._item_at_cursor()
        if item is not self._cursor_item or item is None:
            self._cursor_item = item
            self.selected = item
            self._invalidate()
        self.post_message(self.CursorMoved(self, item))

    def _item_at_cursor(self) -> Item | None:
        doc = self.document
        if doc is None or not doc.items:
            return None
        old, new = self.cursor_lines()
        if old is None and new is None:
            return None
        hits = [it for it in doc.items if it.contains(old, new)]
        if not hits:
            return None
        return min(hits, key=lambda it: (it.span_size, it.rank, it.index))

    def action_cursor_down(self) -> None:
        self._move_cursor(self.cursor + 1)
        self.reveal_change()

    def action_cursor_up(self) -> None:
        self._move_cursor(self.cursor - 1)
        self.reveal_change()

    def action_page_down(self) -> None:
        height = max(1, self.scrollable_content_region.height - 2)
        self.scroll_to(y=self.scroll_y + height, animate=False, immediate=True)
        self._move_cursor(self.cursor + height)

    def action_page_up(self) -> None:
        height = max(1, self.scrollable_content_region.height - 2)
        self.scroll_to(y=max(0, self.scroll_y - height), animate=False, immediate=True)
        self._move_cursor(self.cursor - height)

    def action_scroll_top(self) -> None:
        self._move_cursor(0)

    def action_scroll_bottom(self) -> None:
        self._move_cursor(len(self.layout_rows.rows) - 1)

    def action_scroll_left(self) -> None:
        self.scroll_to(x=max(0, self.scroll_x - 8), animate=False, immediate=True)

    def action_scroll_right(self) -> None:
        self.scroll_to(x=min(self.max_scroll_x, self.scroll_x + 8), animate=False, immediate=True)

    def action_select_cursor(self) -> None:
        rows = self.layout_rows.rows
        if not rows:
            return
        kind, old, _, _ = rows[self.cursor]
        if kind == FOLD:
            self._expanded.add(old)
            self._relayout()
            self._move_cursor(self.cursor)
        else:
            self.post_message(self.Opened(self, self._cursor_item))

    def on_click(self, event: events.Click) -> None:
        if event.y <= 0:
            return
        row = round(self.scroll_y) + event.y - 1
        if row < len(self.layout_rows.rows):
            self._move_cursor(row)
            if self.layout_rows.rows[row][0] == FOLD:
                self.action_select_cursor()

    # --- rendering ----------------------------------------------------------------------

    # Rendered rows kept per line on screen: what is shown and a few screens scrolled past.
    # Each strip also keeps its own crops, so a cache sized for a 10,000-line file would hold
    # megabytes nobody looks at again.
    CACHE_SCREENS = 4

    def _size_caches(self) -> None:
        """Size the strip caches by the lines on screen (least recently used go first)."""
        rows = self.CACHE_SCREENS * max(self.size.height, 24)
        for cache, size in ((self._cache, rows), (self._text_cache, 2 * rows)):  # 2 sides
            if cache.maxsize != size:
                cache.clear()  # an LRUCache only shrinks from empty
                cache.maxsize = size

    def on_resize(self) -> None:
        self._size_caches()
        self._update_shown_mode()
        doc = self.document
        width = self.scrollable_content_region.width or self.size.width
        if doc is not None and doc.errors and width != self._banner_width:
            line = self._row_lines(self.cursor)  # the banners wrap to the new width
            self._relayout()
            self._restore_cursor(line)
        self._update_virtual_size()
        self._cache.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._cache.clear()
        self._text_cache.clear()

    def on_focus(self) -> None:
        self._invalidate()

    def on_blur(self) -> None:
        self._invalidate()

    @property
    def _base_style(self) -> Style:
        """The widget's own style (``rich_style`` combines every ancestor's on each call: it is
        kept until the styles change)."""
        style = self._styles.get("")
        if style is None:
            style = self._styles[""] = self.rich_style
        return style

    def _style(self, name: str, partial: bool = False) -> Style:
        """A component style: the full style (background blended over the widget's), or with
        ``partial`` only its foreground and text style, to layer over a tint."""
        key = f"{name}:{partial}"
        style = self._styles.get(key)
        if style is None:
            full = self.get_component_rich_style(f"diff-view--{name}")
            style = Style(color=full.color) + text_attributes(full) if partial else full
            self._styles[key] = style
        return style

    def _text_width(self, width: int) -> int:
        gutter = 2 + self._num_width + 2
        if self.shown_mode == "unified":
            return max(1, width - (2 + 2 * (self._num_width + 1) + 2))
        half = (width - 1) // 2
        return max(1, half - gutter)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = self.scroll_offset
        epoch = (width, scroll_x, self.shown_mode, id(self.layout_rows), self.has_focus)
        if epoch != self._cache_epoch:
            self._cache.clear()
            self._cache_epoch = epoch
        if y == 0:
            return self._render_header(width)
        index = scroll_y + y - 1
        rows = self.layout_rows.rows
        if self.document is None or index >= len(rows):
            if self.document is None and y == 2:
                text = "  " + clean_inline(self.placeholder)
                style = self._base_style + self._style("placeholder", partial=True)
                return Strip([Segment(text, style)]).crop_extend(0, width, self._base_style)
            return Strip.blank(width, self._base_style)
        selected = self._is_selected(rows[index])
        key = (index, index == self.cursor, selected)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_row(index, rows[index], width, scroll_x, selected)
            self._cache[key] = strip
        return strip

    def _is_selected(self, row: tuple[int, int, int, int]) -> bool:
        item = self.selected
        if item is None or row[0] in (FOLD, BANNER):
            return False
        old, new = row[1], row[2]
        return item.contains(old + 1 if old >= 0 else None, new + 1 if new >= 0 else None)

    def _render_header(self, width: int) -> Strip:
        style = self._base_style + self._style("header")
        doc = self.document
        if doc is None:
            return Strip.blank(width, style)
        old = clean_inline(doc.old_label or ("(none)" if doc.old_text is None else "old"))
        new = clean_inline(doc.new_label or ("(none)" if doc.new_text is None else "new"))
        removed, added = doc.stats
        counts = f"  −{removed} +{added}"
        if self.shown_mode == "unified":
            text = f" {old}  →  {new}{counts}"
            return Strip([Segment(text, style)]).crop_extend(0, width, style)
        half = (width - 1) // 2
        left = Strip([Segment(f" {old}", style)]).crop_extend(0, half, style)
        right = Strip([Segment(f" {new}{counts}", style)]).crop_extend(0, width - half - 1, style)
        return Strip.join([left, Strip([Segment("│", style)]), right])

    def _render_row(
        self, index: int, row: tuple[int, int, int, int], width: int, scroll_x: int, selected: bool
    ) -> Strip:
        kind, old, new, extra = row
        base = self._base_style
        if kind == BANNER:
            banners = self.layout_rows.banners
            message = banners[extra] if extra < len(banners) else ""
            style = base + self._style("banner")
            strip = Strip([Segment(f" {message}", style)]).crop_extend(0, width, style)
        elif kind == FOLD:
            style = base + self._style("fold")
            first = old + 1
            label = (
                f" {FOLD_TEXT} {extra} unchanged lines ({first}–{first + extra - 1}) "
                f"· enter to expand {FOLD_TEXT}"
            )
            pad = max(0, (width - cell_len(label)) // 2)
            strip = Strip([Segment(" " * pad + label, style)]).crop_extend(0, width, style)
        else:
            self._part = self._parts.get(index, 0)
            if self.wrap:
                self._wrap_w = self._text_width(width)
                scroll_x = self._part * self._wrap_w
            else:
                self._wrap_w = 1 << 30
            if self.shown_mode == "unified":
                strip = self._render_unified(kind, old, new, extra, width, scroll_x, selected)
            else:
                strip = self._render_split(kind, old, new, width, scroll_x, selected)
            self._part = 0
        if index == self.cursor:
            cursor = self._style("cursor")
            strip = Strip(
                Segment.apply_style(list(strip), post_style=Style(bgcolor=cursor.bgcolor))
            )
        return strip

    def _mark_segments(self, flags: int, selected: bool) -> list[Segment]:
        base = self._base_style
        if selected:
            base = base + self._style("selected")
        severity = (
            "breaking"
            if flags & BREAKING
            else "risky"
            if flags & RISKY
            else "safe"
            if flags & SAFE
            else ""
        )
        if severity:
            mark = self._style(f"mark-{severity}", partial=True)
            bar = Segment(SEVERITY_MARKS[severity], base + mark)
        else:
            bar = Segment(" ", base)
        if flags & (WEAKENS | SECURITY):
            sec = Segment(SECURITY_MARK, base + self._style("mark-security", partial=True))
        else:
            sec = Segment(" ", base)
        return [bar, sec]

    def _number(self, line: int, selected: bool) -> Segment:
        style = self._base_style + self._style("gutter", partial=True)
        if selected:
            style = style + self._style("selected")
        shown = line >= 0 and not self._part
        text = str(line + 1).rjust(self._num_width) if shown else " " * self._num_width
        return Segment(text, style)

    def _side(
        self,
        side: str,
        line: int,
        tint: str,
        pair: int,
        width: int,
        scroll_x: int,
        selected: bool,
    ) -> list[Segment]:
        """One half of a split row: gutter, sign and the text cropped to the half's width."""
        doc = self.document
        assert doc is not None
        base = self._base_style
        if line < 0:
            filler = base + self._style("filler", partial=True)
            return [Segment("╱" * width, filler)]
        marks = doc.old_marks if side == "old" else doc.new_marks
        tint_style = base + self._style(tint) if tint else base
        sign = {"delete": "-", "insert": "+"}.get(tint, " ")
        segments = self._mark_segments(marks.get(line, 0), selected)
        segments.append(self._number(line, selected))
        segments.append(Segment(" ", tint_style))
        segments.append(Segment(sign, tint_style + self._style("gutter", partial=True)))
        segments.append(Segment(" ", tint_style))
        gutter_w = 2 + self._num_width + 2
        text_w = max(0, min(width - gutter_w, self._wrap_w))
        text = self._text_strip(side, line, tint, pair)
        segments.extend(text.crop_extend(scroll_x, scroll_x + text_w, tint_style))
        return segments

    def _render_split(
        self, kind: int, old: int, new: int, width: int, scroll_x: int, selected: bool
    ) -> Strip:
        half = (width - 1) // 2
        right_w = width - half - 1
        left_tint = "delete" if kind in (DELETE, REPLACE) else ""
        right_tint = "insert" if kind in (INSERT, REPLACE) else ""
        pair_old = new if kind == REPLACE else -1
        pair_new = old if kind == REPLACE else -1
        sep_style = self._base_style + self._style("gutter", partial=True)
        segments = self._side("old", old, left_tint, pair_old, half, scroll_x, selected)
        segments.append(Segment("│", sep_style))
        segments.extend(self._side("new", new, right_tint, pair_new, right_w, scroll_x, selected))
        return Strip(segments).crop_extend(0, width, self._base_style)

    def _render_unified(
        self, kind: int, old: int, new: int, pair: int, width: int, scroll_x: int, selected: bool
    ) -> Strip:
        doc = self.document
        assert doc is not None
        base = self._base_style
        tint = {DELETE: "delete", INSERT: "insert"}.get(kind, "")
        tint_style = base + self._style(tint) if tint else base
        side = "old" if kind == DELETE else "new"
        line = old if kind == DELETE else new
        flags = doc.old_marks.get(old, 0) if old >= 0 else 0
        flags |= doc.new_marks.get(new, 0) if new >= 0 else 0
        segments = self._mark_segments(flags, selected)
        segments.append(self._number(old, selected))
        segments.append(Segment(" ", base))
        segments.append(self._number(new, selected))
        sign = {DELETE: "-", INSERT: "+"}.get(kind, " ")
        segments.append(Segment(" ", tint_style))
        segments.append(Segment(sign, tint_style + self._style("gutter", partial=True)))
        segments.append(Segment(" ", tint_style))
        text_w = max(0, min(width - (2 + 2 * self._num_width + 1 + 3), self._wrap_w))
        pair_line = pair if kind in (DELETE, INSERT) else -1
        text = self._text_strip(side, line, tint, pair_line)
        segments.extend(text.crop_extend(scroll_x, scroll_x + text_w, tint_style))
        return Strip(segments).crop_extend(0, width, base)

    def _text_strip(self, side: str, line: int, tint: str, pair: int) -> Strip:
        """The whole coloured text of one source line (uncropped), cached."""
        found = self._match_lines.get((side, line))
        current = -1
        if found and 0 <= self.match_index < len(self.matches):
            m_side, m_line, m_col = self.matches[self.match_index]
            if (m_side, m_line) == (side, line):
                current = m_col
        key = (side, line, tint, pair, current if found else None)
        strip = self._text_cache.get(key)
        if strip is not None:
            return strip
        doc = self.document
        assert doc is not None
        lines = doc.old_lines if side == "old" else doc.new_lines
        text = lines[line] if 0 <= line < len(lines) else ""
        blocks = self._blocks.get(side)
        if blocks is None:
            blocks = self._blocks[side] = block_scalar_lines(lines)
        base = self._base_style + self._style(tint) if tint else self._base_style
        emph_style = self._base_style + self._style(f"{tint}-emph") if tint else base
        spans: list[tuple[int, int]] = []
        if tint and pair >= 0:
            others = doc.new_lines if side == "old" else doc.old_lines
            if pair < len(others):
                a, b = (text, others[pair]) if side == "old" else (others[pair], text)
                old_spans, new_spans = inline_changes(a, b)
                spans = old_spans if side == "old" else new_spans
        styles = [base] * len(text)
        for start, end, kind in tokenize(text, bool(blocks[line]) if line < len(blocks) else False):
            syn = self._style(f"yaml-{kind}", partial=True)
            for i in range(start, min(end, len(text))):
                styles[i] = base + syn
        emph_attrs = Style(bgcolor=emph_style.bgcolor) + text_attributes(emph_style)
        for start, end in spans:
            for i in range(start, min(end, len(text))):
                styles[i] = styles[i] + emph_attrs
        for start in found or ():
            name = "match-current" if start == current else "match"
            hit = self._style(name)
            for i in range(start, min(start + len(self.search), len(text))):
                styles[i] = styles[i] + Style(bgcolor=hit.bgcolor, color=hit.color)
        segments: list[Segment] = []
        run_start = 0
        for i in range(1, len(text) + 1):
            if i == len(text) or styles[i] != styles[run_start]:
                segments.append(Segment(text[run_start:i], styles[run_start]))
                run_start = i
        strip = Strip(segments)
        self._text_cache[key] = strip
        return strip

    # --- bindings help -------------------------------------------------------------------

    @property
    def allow_horizontal_scroll(self) -> bool:
        # no horizontal scrollbar (it would cost a row), but long lines still scroll sideways
        return self.max_scroll_x > 0

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("scroll_left", "scroll_right"):
            return self.max_scroll_x > 0 or None
        return True


__all__ = ["DiffView"]
