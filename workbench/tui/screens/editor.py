"""The built-in editor: a contract's working-tree file in a code editor, with the verdict live.

``e`` opens it from the main screen and the checklist (on any contract, in any state: from a
clean tree the first save starts the draft). The buffer is a ``TextArea`` code editor (YAML or
JSON highlighting, line numbers, undo/redo); ``ctrl+s`` writes it atomically to the working tree
(``amendment.atomic.atomic_write``) after checking that the file did not change on disk since it
was read (else: reload, overwrite or cancel); leaving with unsaved work asks first.

As you type, each pause (a timer reset by every change: ``Delays.editor``) re-validates and
re-judges the buffer against the base (HEAD, or the revision marked on the main screen) in an
exclusive thread worker: ``history.draft.DraftJudge``, the core's one code path (the document
loader and ``review.build_report``). Typing never waits on it; a newer buffer supersedes an
older judgement. Validation errors mark their lines in the gutter (``●`` beside the line
number: Textual's ``TextArea`` has no gutter-mark API, so the rendered gutter cell is restyled)
and fill the problems list; the findings list and the verdict line update in place. ``enter``
on a problem or a finding moves the cursor to its line.

Text from the repository is shown through ``workbench.tui.safe``; a file that holds secrets (an
artefact's client secrets, keys) is not opened here: the faces never show them.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.segment import Segment
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.document._wrapped_document import WrappedDocument
from textual.screen import ModalScreen, Screen
from textual.strip import Strip
from textual.widgets import DataTable, Label, Static, TextArea

from workbench.tui import commands
from workbench.tui.jobs import JobHost
from workbench.tui.safe import clean_inline, lit
from workbench.tui.widgets.footer import Footer
from workbench.tui.widgets.lists import Cell, FindingsTable, ListRow, ListTable, cell
from workbench.tui.widgets.pane import Pane
from workbench.tui.widgets.textblock import TextBlock

MARK = "●"
FULL_HIGHLIGHT_LINES = 2_000  # above this, only the lines around the view are highlighted
HIGHLIGHT_MARGIN = 200  # lines highlighted above and below the view


class FastWrappedDocument(WrappedDocument):
    """Textual's wrapped document with its ``height`` computed once per (re)wrap: Textual
    sums every line's wrap offsets on each call, once per rendered line, which costs about a
    second per keystroke on a 10,000-line contract."""

    _cached_height: int | None = None

    def wrap(self, *args: Any, **kwargs: Any) -> None:
        self._cached_height = None
        super().wrap(*args, **kwargs)

    def wrap_range(self, *args: Any, **kwargs: Any) -> Any:
        self._cached_height = None
        return super().wrap_range(*args, **kwargs)

    @property
    def height(self) -> int:
        if self._cached_height is None:
            self._cached_height = super().height
        return self._cached_height


# --- the buffer -------------------------------------------------------------------------------


class MarkedTextArea(TextArea):
    """A code editor whose gutter marks lines (``●`` in the error or warning colour)."""

    COMPONENT_CLASSES = TextArea.COMPONENT_CLASSES | {"marked--error", "marked--warning"}
    DEFAULT_CSS = """
    MarkedTextArea > .marked--error { color: $error; text-style: bold; }
    MarkedTextArea > .marked--warning { color: $warning; text-style: bold; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._highlight_window: tuple[int, int] | None = None
        super().__init__(*args, **kwargs)
        self.marks: dict[int, str] = {}  # 0-based line -> "error" | "warning"

    # Two costs of Textual's TextArea that grow with the document, each paid on every
    # keystroke, are kept off long contracts (typing must not wait): the wrapped document's
    # height (cached, above) and the highlight map, rebuilt here only for the lines around
    # the view (and again when the view leaves them).

    @property  # type: ignore[override]
    def wrapped_document(self) -> WrappedDocument:
        return self.__dict__["_fast_wrapped"]

    @wrapped_document.setter
    def wrapped_document(self, value: WrappedDocument) -> None:
        if type(value) is WrappedDocument:
            value.__class__ = FastWrappedDocument
        self.__dict__["_fast_wrapped"] = value

    def _build_highlight_map(self) -> None:
        if self.document.line_count <= FULL_HIGHLIGHT_LINES or not self._highlight_query:
            self._highlight_window = None
            super()._build_highlight_map()
            return
        self._line_cache.clear()
        highlights = self._highlights
        highlights.clear()
        top = max(int(self.scroll_offset.y) - HIGHLIGHT_MARGIN, 0)
        bottom = int(self.scroll_offset.y) + self.size.height + HIGHLIGHT_MARGIN
        self._highlight_window = (top, bottom)
        captures = self.document.query_syntax_tree(
            self._highlight_query, start_point=(top, 0), end_point=(bottom, 0)
        )
        for name, nodes in captures.items():
            for node in nodes:
                (start_row, start_col), (end_row, end_col) = node.start_point, node.end_point
                if start_row == end_row:
                    highlights[start_row].append((start_col, end_col, name))
                    continue
                highlights[start_row].append((start_col, None, name))
                for row in range(start_row + 1, end_row):
                    highlights[row].append((0, None, name))
                highlights[end_row].append((0, end_col, name))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        window = self._highlight_window
        if window is not None:
            top, bottom = int(new_value), int(new_value) + self.size.height
            if top < window[0] or bottom > window[1]:
                self._build_highlight_map()
                self.refresh()

    def set_marks(self, marks: dict[int, str]) -> None:
        if marks != self.marks:
            self.marks = marks
            self.refresh()

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        if not self.marks or not self.show_line_numbers or self.soft_wrap:
            return strip
        kind = self.marks.get(self.scroll_offset.y + y)
        width = self.gutter_width
        if kind is None or width < 3 or strip.cell_length < width:
            return strip
        style = self.get_component_rich_style(f"marked--{kind}")
        under = next(iter(strip.crop(width - 2, width - 1)), None)
        base = under.style if under is not None and under.style is not None else None
        mark = Strip([Segment(MARK, base + style if base is not None else style)], 1)
        return Strip.join([strip.crop(0, width - 2), mark, strip.crop(width - 1)])


class ProblemsTable(ListTable, inherit_bindings=False):
    """The buffer's validation problems; enter moves the cursor to one."""

    BINDINGS = commands.bindings("nav", "scroll")
    COLUMNS = (("", 9), ("line", 9), ("problem", None))
    MAX_WIDTH = 400

    @staticmethod
    def make_row(index: int, problem: Any) -> ListRow:
        error = problem.severity == "error"
        mark = Cell("✖ error" if error else "▲ warning", "alert" if error else "attention", "bold")
        where = f"(at {problem.json_path})" if problem.json_path else ""
        message = f"{problem.message} {where}".strip()
        return ListRow(
            str(index),
            [mark, cell(f"{problem.line}:{problem.column}", "ref"), cell(message)],
            message.lower(),
            problem,
        )


# --- dialogs ------------------------------------------------------------------------------------


class ChoiceDialog(ModalScreen[str | None]):
    """A question with a few answers, each a key of the ``choice`` scope (esc cancels)."""

    DEFAULT_CSS = """
    ChoiceDialog { align: center middle; }
    ChoiceDialog > Vertical {
        width: 80; max-width: 100%; height: auto;
        border: round $warning; background: $surface; padding: 0 1;
    }
    ChoiceDialog Label { width: 100%; margin: 1 0 0 0; }
    ChoiceDialog .hint { color: $text-muted; margin: 1 0 0 0; }
    """
    BINDINGS = commands.bindings("choice")

    def __init__(self, title: str, message: str, choices: dict[str, str]) -> None:
        super().__init__()
        self.title_text = title
        self.message = message
        self.choices = choices  # choice -> what it does, in words

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = lit(self.title_text, "bold")
            yield Label(lit(self.message), id="choice-message")
            keys = {c.action.split("'")[1]: c.keys.split(",")[0] for c in _choice_commands()}
            hint = " · ".join(f"{keys.get(c, c)}: {what}" for c, what in self.choices.items())
            yield Label(Content(f"{hint} · esc: cancel"), classes="hint")

    def action_choose(self, choice: str) -> None:
        if choice in self.choices:
            self.dismiss(choice)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _choice_commands() -> list[commands.Command]:
    return [c for c in commands.COMMANDS if c.scope == "choice" and c.action.startswith("choose")]


# --- the screen -----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class OpenFile:
    path: Path


@dataclass(frozen=True, slots=True)
class Opened:
    text: str | None  # None: the file does not exist in the working tree
    stamp: tuple[int, str] | None  # (mtime_ns, sha256) as read
    refused: str = ""


@dataclass(frozen=True, eq=False)
class JudgeBuffer:
    text: str
    generation: int
    started: float


def disk_stamp(path: Path) -> tuple[int, str] | None:
    """``(mtime_ns, sha256)`` of a file as it is on disk now (``None``: it does not exist)."""
    try:
        from workbench.contract.yamlsrc import read_regular

        raw = read_regular(path)
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    return mtime, hashlib.sha256(raw).hexdigest()


class EditorScreen(JobHost, Screen[bool]):
    """Edit one contract's working-tree file; the verdict follows the buffer. Dismissed with
    whether anything was saved (the main screen then reloads)."""

    BINDINGS = commands.bindings("editor")

    DEFAULT_CSS = """
    EditorScreen { layout: vertical; }
    EditorScreen #editor-title { height: 1; padding: 0 1; background: $boost; color: $text; }
    EditorScreen #editor-body { height: 1fr; }
    EditorScreen #buffer-pane { width: 3fr; }
    EditorScreen #buffer { height: 1fr; border: none; }
    EditorScreen #editor-side { width: 2fr; min-width: 40; }
    EditorScreen #verdict { height: auto; max-height: 4; padding: 0 1; background: $boost; }
    EditorScreen #editor-problems-pane { height: 12; }
    EditorScreen #editor-findings-pane { height: 1fr; }
    EditorScreen #problem-detail {
        dock: bottom; height: auto; max-height: 4; padding: 0 1; background: $boost;
    }
    EditorScreen #editor-finding-detail {
        dock: bottom; height: auto; max-height: 5; padding: 0 1; background: $boost;
    }
    """

    def __init__(
        self,
        repo: Any,
        path: str,
        *,
        base: str = "HEAD",
        text: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__()
        from workbench.history.draft import DraftJudge

        self.repo = repo
        self.path = path
        self.file = Path(repo.root) / path
        self.judge = DraftJudge(repo, path, base)
        self.initial_text = text
        self.initial_line = line
        self.loaded = False
        self.saved_text = ""  # the text on disk as last read or written (unsaved: differs)
        self.stamp: tuple[int, str] | None = None
        self.saved_any = False
        self.generation = 0  # counts the buffer's changes
        self.verdict: Any = None  # the last DraftVerdict shown
        self.verdict_generation = -1  # which buffer generation it judged
        self.verdict_shown_at = 0.0  # perf_counter when it was shown
        self.items: list[Any] = []
        self._judging = False  # a judgement runs (in a thread)
        self._judge_again = False  # a pause came while it ran: judge the latest text after it
        self.language = "json" if path.lower().endswith(".json") else "yaml"

    # --- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TextBlock(id="editor-title")
        with Horizontal(id="editor-body"):
            area = MarkedTextArea.code_editor(
                "", language=self.language, theme="css", id="buffer", read_only=True
            )
            yield Pane(1, "Draft", area, id="buffer-pane")
            with Vertical(id="editor-side"):
                yield TextBlock(id="verdict")
                yield Pane(
                    2,
                    "Problems",
                    ProblemsTable(id="problems"),
                    TextBlock(id="problem-detail"),
                    id="editor-problems-pane",
                )
                yield Pane(
                    3,
                    "Findings",
                    FindingsTable(id="editor-findings"),
                    TextBlock(id="editor-finding-detail"),
                    id="editor-findings-pane",
                )
        yield Footer()

    @property
    def buffer(self) -> MarkedTextArea:
        return self.query_one("#buffer", MarkedTextArea)

    @property
    def problems_table(self) -> ProblemsTable:
        return self.query_one("#problems", ProblemsTable)

    @property
    def findings_table(self) -> FindingsTable:
        return self.query_one("#editor-findings", FindingsTable)

    @property
    def unsaved(self) -> bool:
        return self.loaded and self.buffer.text != self.saved_text

    @property
    def judged(self) -> bool:
        """The verdict shown is the current buffer's (what tests and the benchmark wait for)."""
        return self.loaded and self.verdict_generation == self.generation

    def on_mount(self) -> None:
        self.query_one("#buffer-pane", Pane).set_busy("reading")
        self._title()
        self.run_job(OpenFile(self.file), self._read, self._opened, self._open_failed, group="open")

    def _read(self, request: OpenFile) -> Opened:
        from workbench.contract.yamlsrc import decode_source, read_regular
        from workbench.history.draft import holds_secrets

        try:
            raw = read_regular(request.path)
        except FileNotFoundError:
            return Opened(None, None)
        text = decode_source(raw, self.path)
        if holds_secrets(text, self.path):
            return Opened(
                None,
                None,
                f"{self.path} holds secrets (client secrets, keys), which the workbench never "
                "shows: edit it in your own editor (E)",
            )
        stamp = (request.path.stat().st_mtime_ns, hashlib.sha256(raw).hexdigest())
        return Opened(text, stamp)

    def _open_failed(self, request: OpenFile, error: str) -> None:
        self.notify(f"Cannot edit: {clean_inline(error)}", severity="error", markup=False)
        self.dismiss(False)

    def _opened(self, request: OpenFile, opened: Opened) -> None:
        if opened.refused:
            self.notify(clean_inline(opened.refused), severity="warning", markup=False, timeout=8)
            self.dismiss(False)
            return
        self.query_one("#buffer-pane", Pane).set_busy(None)
        self.saved_text = opened.text or ""
        self.stamp = opened.stamp
        buffer = self.buffer
        buffer.load_text(self.saved_text)
        buffer.read_only = False
        self.loaded = True
        if opened.text is None:
            self.notify(
                f"{clean_inline(self.path)} is not in the working tree: saving creates it.",
                markup=False,
            )
        if self.initial_text is not None:
            self.replace_text(self.initial_text, "")
        if self.initial_line:
            self.goto_line(self.initial_line)
        buffer.focus()
        self._title()
        self._changed()

    # --- the title --------------------------------------------------------------------------

    def _title(self) -> None:
        parts: list[Any] = [("Edit", "bold"), " · ", (clean_inline(self.path), "bold")]
        parts += [" · vs ", clean_inline(self.judge.base_rev)]
        if self.loaded and self.unsaved:
            parts += ["  ", ("● unsaved", "bold $text-warning")]
        elif self.loaded:
            parts += ["  ", ("saved", "$text-success")]
        self.query_one("#editor-title", Static).update(Content.assemble(*parts))
        if self.loaded:
            row, col = self.buffer.cursor_location
            self.query_one("#buffer-pane", Pane).set_detail(
                self.language.upper(), f"line {row + 1}, col {col + 1}"
            )

    @on(TextArea.SelectionChanged, "#buffer")
    def _cursor(self, event: TextArea.SelectionChanged) -> None:
        if self.loaded:
            row, col = self.buffer.cursor_location
            self.query_one("#buffer-pane", Pane).set_detail(
                self.language.upper(), f"line {row + 1}, col {col + 1}"
            )

    @on(TextArea.Changed, "#buffer")
    def _buffer_changed(self, event: TextArea.Changed) -> None:
        if self.loaded:
            self._changed()

    def _changed(self) -> None:
        """Every change: the title now, the verdict after a pause (nothing else: typing must
        never wait)."""
        self.generation += 1
        self._title()
        delay = self.app.delays.editor  # type: ignore[attr-defined]
        self.debounce("judge", delay, self._judge_now)

    # --- the live verdict -------------------------------------------------------------------

    def _judge_now(self) -> None:
        """Judge the buffer as it is now; one judgement at a time (a thread cannot be stopped:
        a second one would only compete with it for the interpreter), the latest text next."""
        if self._judging:
            self._judge_again = True
            return
        if self.verdict_generation != self.generation:
            self.query_one("#editor-findings-pane", Pane).set_busy("judging")
        self._judging = True
        self._judge_again = False
        request = JudgeBuffer(self.buffer.text, self.generation, time.perf_counter())
        self.run_job(
            request,
            self._judge_text,
            self._judged,
            self._judge_failed,
            group="judge",
            exclusive=False,
        )

    def _judge_text(self, request: JudgeBuffer) -> Any:
        return self.judge.judge(request.text, stop=lambda: request.generation != self.generation)

    def _judge_failed(self, request: JudgeBuffer, error: str) -> None:
        from workbench.history.draft import DraftVerdict

        self._judged(request, DraftVerdict([], None, f"cannot judge: {error}"))

    def _judged(self, request: JudgeBuffer, verdict: Any) -> None:
        from workbench.tui.diffmodel import items_from_report

        self._judging = False
        if request.generation != self.generation:
            if self._judge_again:  # the buffer moved on and paused: judge it now
                self._judge_now()
            return  # else the pause that is still running judges it
        self.verdict = verdict
        self.verdict_generation = request.generation
        marks: dict[int, str] = {}
        for p in verdict.problems:
            line = max(p.line - 1, 0)
            if p.severity == "error" or line not in marks:
                marks[line] = "error" if p.severity == "error" else "warning"
        self.buffer.set_marks(marks)
        problems = self.problems_table
        problems.set_rows(
            [ProblemsTable.make_row(i, p) for i, p in enumerate(verdict.problems)],
            keep=problems.current_key,
        )
        errors = len(verdict.errors)
        warnings = len(verdict.problems) - errors
        detail = f"{errors} error(s), {warnings} warning(s)" if verdict.problems else "valid"
        self.query_one("#editor-problems-pane", Pane).set_detail(detail)
        self._show_problem_detail()
        self.items = items_from_report(verdict.report) if verdict.report is not None else []
        findings = self.findings_table
        findings.set_rows(
            [FindingsTable.make_row(it) for it in self.items], keep=findings.current_key
        )
        self.query_one("#editor-findings-pane", Pane).set_busy(None)
        self.query_one("#editor-findings-pane", Pane).set_detail(
            f"{len(self.items)} finding(s)" if verdict.report is not None else "not judged",
            f"vs {self.judge.base_label}",
        )
        self._show_finding_detail()
        self.query_one("#verdict", Static).update(verdict_line(verdict))
        self.verdict_shown_at = time.perf_counter()

    def _show_finding_detail(self) -> None:
        from workbench.tui.widgets.lists import finding_detail

        row = self.findings_table.current
        item = row.data if row is not None else None
        self.query_one("#editor-finding-detail", Static).update(finding_detail(item))

    def _show_problem_detail(self) -> None:
        row = self.problems_table.current
        detail = self.query_one("#problem-detail", Static)
        if row is None:
            detail.update("")
            detail.display = False
            return
        detail.display = True
        p = row.data
        where = f"line {p.line}, col {p.column}" + (f" · at {p.json_path}" if p.json_path else "")
        detail.update(Content.assemble((clean_inline(where), "dim"), "\n", clean_inline(p.message)))

    @on(DataTable.RowHighlighted, "#problems")
    def _problem_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_problem_detail()

    @on(DataTable.RowHighlighted, "#editor-findings")
    def _finding_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_finding_detail()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        table = event.data_table
        row = table.current if isinstance(table, ListTable) else None
        if row is None:
            return
        line = None
        if table.id == "problems":
            line, column = row.data.line, row.data.column
            self.goto_line(line, column)
        elif table.id == "editor-findings":
            span = row.data.new_span
            if span is None:
                self.notify("This finding is about the base: it has no line in the draft.")
                return
            self.goto_line(span[0])
        self.buffer.focus()

    # --- public: recipes and other edits ----------------------------------------------------

    def replace_text(self, text: str, note: str = "") -> None:
        """Replace the whole buffer with ``text`` as one undoable edit, then re-judge (what an
        amendment recipe does: the author reviews the edit, ``ctrl+z`` takes it back)."""
        buffer = self.buffer
        buffer.history.checkpoint()
        buffer.replace(
            text, buffer.document.start, buffer.document.end, maintain_selection_offset=True
        )
        buffer.history.checkpoint()
        if note:
            self.notify(clean_inline(note), markup=False)

    def goto_line(self, line: int, column: int = 1) -> None:
        buffer = self.buffer
        row = min(max(line - 1, 0), buffer.document.line_count - 1)
        buffer.move_cursor((row, max(column - 1, 0)), center=True)

    # --- saving ---------------------------------------------------------------------------------

    def action_save(self) -> None:
        if not self.loaded:
            return
        now = disk_stamp(self.file)
        if now != self.stamp and (now is None or self.stamp is None or now[1] != self.stamp[1]):
            self._disk_changed(now)
            return
        self._write()

    def _disk_changed(self, now: tuple[int, str] | None) -> None:
        what = "was deleted" if now is None else "changed on disk"

        def answer(choice: str | None) -> None:
            if choice == "overwrite":
                self._write()
            elif choice == "reload":
                self.reload()

        self.app.push_screen(
            ChoiceDialog(
                "The file changed on disk",
                f"{self.path} {what} since it was opened here. Overwrite it with this buffer, "
                "or reload it (this buffer's changes are lost; ctrl+z brings them back)?",
                {"overwrite": "overwrite", "reload": "reload"},
            ),
            answer,
        )

    def _write(self) -> bool:
        from workbench.amendment.atomic import atomic_write

        text = self.buffer.text
        try:
            atomic_write(self.file, text.encode("utf-8"))
        except OSError as exc:
            self.notify(
                f"Not saved: {clean_inline(exc.strerror or exc)}: {clean_inline(self.path)}",
                severity="error",
                markup=False,
            )
            return False
        self.saved_text = text
        self.stamp = disk_stamp(self.file)
        self.saved_any = True
        self._title()
        self.notify(f"Saved {clean_inline(self.path)}", markup=False)
        return True

    def reload(self) -> None:
        """Read the file from disk again into the buffer (one undoable edit)."""
        opened = self._read(OpenFile(self.file))
        if opened.refused:
            self.notify(clean_inline(opened.refused), severity="warning", markup=False)
            return
        text = opened.text or ""
        self.stamp = opened.stamp
        self.saved_text = text
        if text != self.buffer.text:
            self.replace_text(text)
        self._title()

    # --- leaving ----------------------------------------------------------------------------------

    def action_close(self) -> None:
        if not self.unsaved:
            self.dismiss(self.saved_any)
            return

        def answer(choice: str | None) -> None:
            if choice == "save":
                if self._write():
                    self.dismiss(True)
            elif choice == "discard":
                self.dismiss(self.saved_any)

        self.app.push_screen(
            ChoiceDialog(
                "Unsaved changes",
                f"{self.path} has changes that are not saved.",
                {"save": "save and close", "discard": "discard them"},
            ),
            answer,
        )

    def action_switch(self) -> None:
        """Cycle the focus: the buffer, the problems, the findings."""
        order = [self.buffer, self.problems_table, self.findings_table]
        current = next((i for i, w in enumerate(order) if w.has_focus), -1)
        order[(current + 1) % len(order)].focus()

    def action_next_problem(self) -> None:
        verdict = self.verdict
        if verdict is None or not verdict.problems:
            self.notify("No problems.")
            return
        row = self.buffer.cursor_location[0] + 1
        lines = sorted({p.line for p in verdict.problems})
        after = [n for n in lines if n > row]
        self.goto_line(after[0] if after else lines[0])

    def action_recipe(self, recipe_id: str = "") -> None:
        """An amendment recipe on the buffer as it stands (saved or not): reviewed in the
        recipe dialog, then put in the buffer as one edit (``ctrl+z`` takes it back), unsaved
        like any other edit."""
        from workbench.tui.screens.recipe import RecipeScreen

        if not self.loaded:
            return

        def applied(preview: Any) -> None:
            if preview is not None:
                step = preview.applied.step
                self.replace_text(
                    preview.applied.text,
                    f"{preview.applied.recipe} ({step} step) applied to the buffer: ctrl+s saves",
                )

        screen = RecipeScreen(self.file, self.path, recipe_id or None, text=self.buffer.text)
        self.app.push_screen(screen, applied)

    def action_external(self) -> None:
        """Open the file in $VISUAL/$EDITOR at the cursor's line (saved first), then read it
        back."""
        from workbench.tui.external import open_in_editor

        if self.unsaved:
            self.notify(
                "Save first (ctrl+s): your editor opens the file on disk.", severity="warning"
            )
            return
        run = open_in_editor(self.app, self.file, self.buffer.cursor_location[0] + 1)
        if run.error:
            self.notify(clean_inline(run.error), severity="error", markup=False, timeout=8)
            return
        self.reload()


def verdict_line(verdict: Any) -> Content:
    """The verdict in two short lines: severity, bump and security count, or why there is
    none (undecided is never shown as safe)."""
    report = verdict.report
    if report is None:
        return Content.assemble(
            ("✖ no verdict", "bold $text-error"), "  ", (clean_inline(verdict.undecided), "dim")
        )
    v = report.verdict
    severity = v.severity or "none"
    style = {
        "breaking": "bold $text-error",
        "risky": "bold $text-warning",
        "safe": "bold $text-success",
    }.get(severity, "bold")
    parts: list[Any] = [("verdict ", "dim"), (severity, style)]
    required = v.required_bump if v.required_bump and v.required_bump != "none" else ""
    if required and v.version_bump_ok:
        parts += ["  ", (f"✔ {required} bump", "$text-success")]
    elif required:
        parts += ["  ", (f"✖ needs a {required} bump", "bold $text-error")]
    security = v.counts.get("security", 0) if v.counts else 0
    if security:
        parts += ["  ", (f"◆ {security} security", "bold $security")]
    warnings = len(verdict.problems)
    if warnings:
        noun = "warning" if warnings == 1 else "warnings"
        parts += ["  ", (f"▲ {warnings} {noun}", "$text-warning")]
    return Content.assemble(*parts)
