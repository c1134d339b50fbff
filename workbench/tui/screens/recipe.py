"""The recipe picker (``R``, or a recipe's palette command): pick an amendment recipe, choose
its parameters (the choices read from the contract), review the diff and the engine's verdict,
and apply it to the working-tree file, where it becomes the uncommitted draft the history, the
diff and the findings show.

Everything slow (reading the contract, applying and judging the recipe, writing the file) runs
in thread workers; the recipes themselves are :mod:`workbench.amendment.recipes`, the code path
``workbench amend recipe`` takes too. Names and values from the contract are untrusted: shown
through ``tui/safe.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from workbench.amendment import recipes as core
from workbench.tui import commands
from workbench.tui.jobs import JobHost
from workbench.tui.safe import clean_inline, clean_lines, lit
from workbench.tui.widgets.textblock import TextBlock

DIFF_STYLES = {"+": "$text-success", "-": "$text-error", "@": "$text-accent"}


@dataclass(frozen=True, eq=False)
class LoadContract:
    path: Path
    text: str | None = None  # an editor's buffer, read instead of the file


@dataclass(frozen=True, eq=False)
class PreviewRequest:
    recipe: str
    params: dict[str, str]


@dataclass(frozen=True, eq=False)
class WriteRequest:
    preview: Any


class RecipeScreen(JobHost, ModalScreen[Any]):
    """Pick, fill in, review, apply; esc cancels (nothing is written before Apply)."""

    DEFAULT_CSS = """
    RecipeScreen { align: center middle; }
    RecipeScreen > Vertical {
        width: 110; max-width: 100%; height: auto; max-height: 95%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    RecipeScreen OptionList { height: auto; max-height: 16; }
    RecipeScreen #form { height: auto; max-height: 20; }
    RecipeScreen #form Label { margin: 1 0 0 0; }
    RecipeScreen #review { height: auto; max-height: 28; }
    RecipeScreen.-review > Vertical { height: 95%; }
    RecipeScreen.-review #review { height: 1fr; max-height: 100%; }
    RecipeScreen #buttons { height: auto; margin: 1 0 0 0; }
    RecipeScreen #buttons Button { margin: 0 1 0 0; }
    RecipeScreen .hint { color: $text-muted; margin: 1 0 0 0; }
    RecipeScreen #recipe-error { color: $text-error; margin: 1 0 0 0; }
    """
    BINDINGS = commands.bindings("dialog")

    def __init__(
        self,
        path: Path,
        relpath: str,
        recipe_id: str | None = None,
        *,
        today: dt.date | None = None,
        text: str | None = None,
    ) -> None:
        super().__init__()
        self.path = path
        self.relpath = relpath
        # an editor's buffer: the recipe starts from it, and Apply hands the result back to the
        # editor (one undoable edit) instead of writing the file
        self.text = text
        self.recipe: core.Recipe | None = core.RECIPES.get(recipe_id or "")
        self.today = today
        self.contract: Any = None
        self.load_error = ""
        self.preview: Any = None
        self.stage = "pick"
        self._form_for: str | None = None  # the recipe whose form is built

    def action_cancel(self) -> None:
        self.dismiss(None)

    # --- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="recipe-box") as box:
            box.border_title = Content.assemble(
                ("Recipe", "bold"), " · ", clean_inline(self.relpath)
            )
            yield OptionList(
                *(
                    Option(Content.assemble((r.title, "bold"), "  ", clean_inline(r.help)), id=r.id)
                    for r in core.RECIPES.values()
                ),
                id="recipes",
            )
            yield VerticalScroll(id="form")
            yield VerticalScroll(TextBlock(id="diff"), TextBlock(id="verdict"), id="review")
            yield Label("", id="recipe-error", markup=False)
            with Horizontal(id="buttons"):
                yield Button("Preview", id="preview", variant="primary")
                yield Button("Apply", id="apply", variant="success")
                yield Button("Back", id="back")
            into = (
                "puts it in the editor" if self.text is not None else "writes the working-tree file"
            )
            yield Label(
                f"enter picks · Preview shows the diff and the verdict · Apply {into} · "
                "esc cancels",
                classes="hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.run_job(
            LoadContract(self.path, self.text),
            self._load,
            self._loaded,
            self._load_failed,
            group="load",
        )
        self._stage("form" if self.recipe is not None else "pick")

    def _stage(self, stage: str) -> None:
        """Show what ``stage`` needs: the list (pick), the form (form) or the review."""
        self.stage = stage
        self.query_one("#recipes").display = stage == "pick"
        self.query_one("#form").display = stage == "form"
        self.set_class(stage == "review", "-review")
        self.query_one("#review").display = stage == "review"
        self.query_one("#buttons").display = stage != "pick"
        self.query_one("#preview").display = stage == "form"
        self.query_one("#apply").display = stage == "review"
        self.query_one("#recipe-error", Label).update("")
        if stage == "pick":
            self.query_one("#recipes", OptionList).focus()
        elif stage == "form" and self._form_for != (self.recipe.id if self.recipe else None):
            self._build_form()  # back from the review keeps what was chosen

    # --- the contract -----------------------------------------------------------------------

    @staticmethod
    def _load(request: LoadContract) -> Any:
        from workbench.contract.yamlsrc import read_regular

        text = request.text
        if text is None:
            text = read_regular(request.path).decode("utf-8")
        return core.load_for_recipe(text.removeprefix("\ufeff"), str(request.path))

    def _loaded(self, _request: LoadContract, contract: Any) -> None:
        self.contract = contract
        if self.stage == "form":
            self._build_form()

    def _load_failed(self, _request: LoadContract, error: str) -> None:
        self.load_error = error
        self._error(error)

    def _error(self, text: str) -> None:
        self.query_one("#recipe-error", Label).update(lit(text))

    # --- the form ---------------------------------------------------------------------------

    def _build_form(self) -> None:
        form = self.query_one("#form", VerticalScroll)
        form.remove_children()
        recipe = self.recipe
        if recipe is None:
            return
        if self.contract is None:
            form.mount(Label(self.load_error or "Reading the contract…", markup=False))
            return
        self._form_for = recipe.id
        widgets: list[Any] = [Label(lit(recipe.help))]
        if recipe.unsafe:
            widgets.append(Label(lit(f"Note: {recipe.unsafe}"), classes="hint"))
        chosen: dict[str, str] = {}
        for p in recipe.params:
            label = f"{p.name}{' (optional)' if p.optional else ''}: {p.help}"
            widgets.append(Label(lit(label)))
            offered = core.choices(recipe, p, self.contract, chosen)
            if p.choices is not None and not p.free and (offered or not p.optional):
                # the first choice is preselected (an optional one can be cleared)
                select: Select[str] = Select(
                    [(lit(v), v) for v in offered],
                    prompt="(none in this contract)" if not offered else "choose",
                    allow_blank=p.optional or not offered,
                    value=offered[0] if offered else Select.NULL,
                    id=f"param-{p.name}",
                )
                widgets.append(select)
                if offered:
                    chosen[p.name] = offered[0]
            else:
                hint = ", ".join(offered)
                widgets.append(
                    Input(placeholder=clean_inline(hint or p.help), id=f"param-{p.name}")
                )
        form.mount_all(widgets)
        first = next(iter(form.query(Select)), None) or next(iter(form.query(Input)), None)
        if first is not None:
            self.call_after_refresh(first.focus)

    def _params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.recipe is None:
            return out
        for p in self.recipe.params:
            found = self.query(f"#param-{p.name}")
            if not found:
                continue
            widget = found.first()
            value = widget.value
            if isinstance(widget, Select) and value == Select.NULL:
                continue
            if isinstance(value, str) and value.strip():
                out[p.name] = value.strip()
        return out

    @on(Select.Changed)
    def _choice_changed(self, event: Select.Changed) -> None:
        """Choices of later parameters follow earlier ones (a token's algorithms)."""
        recipe, contract = self.recipe, self.contract
        if recipe is None or contract is None or event.select.id is None:
            return
        names = [p.name for p in recipe.params]
        changed = event.select.id.removeprefix("param-")
        if changed not in names:
            return
        chosen = self._params()
        for p in recipe.params[names.index(changed) + 1 :]:
            found = self.query(f"#param-{p.name}")
            if not found or not isinstance(found.first(), Select):
                continue
            select = found.first(Select)
            previous = select.value
            offered = core.choices(recipe, p, contract, chosen)
            select.set_options([(lit(v), v) for v in offered])
            if offered:  # keep the choice when it is still offered, else the first one
                select.value = previous if previous in offered else offered[0]
                chosen[p.name] = select.value

    # --- picking, previewing, applying ------------------------------------------------------

    @on(OptionList.OptionSelected, "#recipes")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.recipe = core.RECIPES[event.option.id or ""]
        self._stage("form")

    @on(Input.Submitted)
    def _submitted(self, _event: Input.Submitted) -> None:
        self._run_preview()

    @on(Button.Pressed, "#preview")
    def _preview_pressed(self) -> None:
        self._run_preview()

    def _run_preview(self) -> None:
        if self.recipe is None or self.stage != "form":
            return
        self._error("")
        self.run_job(
            PreviewRequest(self.recipe.id, self._params()),
            self._compute,
            self._previewed,
            lambda _r, error: self._error(error),
            group="preview",
        )

    def _compute(self, request: PreviewRequest) -> Any:
        return core.preview_recipe(
            request.recipe, self.path, request.params, today=self.today, text=self.text
        )

    def _previewed(self, _request: PreviewRequest, preview: Any) -> None:
        self.preview = preview
        self._stage("review")
        self.query_one("#diff", Static).update(diff_content(preview.diff))
        self.query_one("#verdict", Static).update(verdict_content(preview))
        self.query_one("#apply", Button).focus()

    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        if self.preview is None:
            return
        if self.text is not None:  # the editor applies it to its buffer
            self.dismiss(self.preview)
            return
        self.run_job(
            WriteRequest(self.preview),
            lambda request: core.write_preview(request.preview),
            lambda request, _none: self.dismiss(request.preview),
            lambda _r, error: self._error(error),
            group="write",
        )

    @on(Button.Pressed, "#back")
    def _back(self) -> None:
        self.preview = None
        self._stage("form" if self.stage == "review" else "pick")


def diff_content(diff: str) -> Content:
    """The unified diff, one cleaned line each, coloured by its first character."""
    parts: list[Content] = []
    for line in clean_lines(diff.rstrip("\n")):
        style = DIFF_STYLES.get(line[:1], "")
        if line.startswith(("+++", "---")):
            style = "bold"
        parts.append(Content(line).stylize(style) if style else Content(line))
    return Content("\n").join(parts)


def verdict_content(preview: Any) -> Content:
    """What the recipe wrote, what the author should know, and the engine's verdict."""
    applied = preview.applied
    lines = [
        Content.assemble((f"{applied.step} step: ", "bold"), clean_inline(applied.summary)),
        *(lit(f"  {note}") for note in applied.notes),
    ]
    if applied.next_step:
        lines.append(lit(f"  next: {applied.next_step}"))
    report = preview.report
    if report is not None:
        severity = report.verdict.severity
        style = {"breaking": "$text-error", "risky": "$text-warning"}.get(severity, "$text-success")
        lines.append(
            Content.assemble(
                ("verdict against HEAD: ", "bold"),
                (severity, f"bold {style}"),
                f" (required bump: {report.verdict.required_bump})",
            )
        )
        for f in report.findings:
            note = f" ({f.note})" if f.note else ""
            lines.append(lit(f"  {f.severity:<8} {f.rule}: {f.message}{note}"))
        for s in report.security_findings:
            if s.new_in_amendment and not s.ignored:
                lines.append(lit(f"  security {s.severity}: {s.rule}: {s.title}"))
    return Content("\n").join(lines)
