"""The amendment checklist: the five steps of the selected draft, their status, and the actions
that complete them (bump, accept with a reason, reviewer sign-off, notice, changelog, notified
consumers), each saved at once by the core: the screen asks for an action's parameters and runs
it through the action registry (``workbench.amendment.actions``), as ``workbench amend`` does,
and shows the outcome in the registry's words.

Every call into the core is a typed request (``Answer``) run in a thread worker, one at a time
from a queue (so the answers are saved in the order they were given); each brings the fresh
checklist back. Text from the repository (labels,
reasons, names, the notice) is shown with ``Content``/``Text`` built by ``workbench.tui.safe``,
never as markup.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Input, Label, Markdown, Static, TextArea

from workbench.amendment.actions import ACTIONS
from workbench.tui import commands
from workbench.tui.jobs import JobHost
from workbench.tui.safe import clean_inline, clean_lines, lit
from workbench.tui.screens.help import scroll_pager
from workbench.tui.widgets.footer import Footer
from workbench.tui.widgets.lists import Cell, ListRow, ListTable, cell
from workbench.tui.widgets.pane import Pane
from workbench.tui.widgets.textblock import TextBlock

# (mark, list role, text style): the roles' colours come from the theme (see lists.py)
STEP_MARKS: dict[str, tuple[str, str, str]] = {
    "done": ("✔ done", "ok", "bold"),
    "needs you": ("● needs you", "attention", "bold"),
    "blocked": ("⊘ blocked", "", "dim"),
}
ITEM_MARKS: dict[str, tuple[str, str, str]] = {
    "ok": ("✔", "ok", ""),
    "missing": ("○", "attention", "bold"),
    "stale": ("↻", "alert", "bold"),
    "blocked": ("⊘", "", "dim"),
    "info": ("·", "", "dim"),
}
ACTION_HINTS: dict[str, str] = {
    "bump": "b or enter: set the version (only the version line changes)",
    "accept": "a or enter: accept with a written reason (or fix it: e edits the contract)",
    "sign_off": "s or enter: the reviewer signs off this change set",
    "notice": "t or enter: generate the notice and preview it",
    "changelog": "w or enter: append the entry to the changelog",
    "notify": "n or enter: confirm this consumer was told (N: every affected consumer)",
    "edit": "e or enter: edit the contract (E: in $EDITOR)",
    "summary": "m or enter: write the summary",
    "refresh": "r or enter: re-check and save the record",
    "start": "d or enter: start the amendment record",
}


# --- messages ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Answer:
    """One call into the amendment session: ``open`` (re-)reads the checklist, any other is an
    action of the registry (``workbench.amendment.actions``) with its parameters."""

    action: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Answered:
    """The fresh checklist, what the action did, and the notice it rendered (text, where)."""

    checklist: Any
    note: str = ""
    notice: tuple[str, str] | None = None


@dataclass(frozen=True, eq=False)
class CommitPlanRequest:
    """What committing the amendment would commit (``amendment.commit.plan_commit``)."""


# --- lists ------------------------------------------------------------------------------------


class StepsTable(ListTable, inherit_bindings=False):
    """The five steps with their status."""

    BINDINGS = commands.bindings("nav", "scroll")
    COLUMNS = (("status", 11), ("step", 22))

    @staticmethod
    def make_row(step: Any) -> ListRow:
        mark, role, style = STEP_MARKS.get(step.status, (step.status, "", ""))
        return ListRow(step.id, [Cell(mark, role, style), cell(step.title, style="bold")])


class ItemsTable(ListTable, inherit_bindings=False):
    """The items of one step: computed checks and human answers."""

    BINDINGS = commands.bindings("nav", "scroll")
    COLUMNS = (("", 1), ("item", None))
    MAX_WIDTH = 200

    @staticmethod
    def make_row(item: Any) -> ListRow:
        mark, role, style = ITEM_MARKS.get(item.status, ("?", "", ""))
        label_style = "" if item.status != "info" else "dim"
        return ListRow(
            item.id, [Cell(mark, role, style), cell(item.label, style=label_style)], data=item
        )


# --- dialogs ------------------------------------------------------------------------------------


class _Dialog(ModalScreen):
    DEFAULT_CSS = """
    _Dialog { align: center middle; }
    _Dialog > Vertical {
        width: 90; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    _Dialog Label { width: 100%; margin: 1 0 0 0; }
    _Dialog .hint { color: $text-muted; margin: 1 0 0 0; }
    _Dialog TextArea { height: 10; }
    """
    BINDINGS = commands.bindings("dialog")

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReasonDialog(_Dialog):
    """Ask for the reason a finding is accepted; enter saves, esc cancels."""

    def __init__(self, what: str, initial: str = "") -> None:
        super().__init__()
        self.what = what
        self.initial = initial

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Content("Accept a finding")
            yield Label(lit(self.what))
            yield Input(
                value=clean_inline(self.initial),
                placeholder="why this is acceptable (kept in the record and the notice)",
                id="reason",
            )
            yield Label("enter saves · esc cancels", classes="hint")

    @on(Input.Submitted, "#reason")
    def _submit(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value)
        else:
            self.notify("A reason is required.", severity="warning")


class SignOffDialog(_Dialog):
    """The reviewer's name (and email) for the sign-off."""

    def __init__(self, name: str = "", email: str = "", author: str = "") -> None:
        super().__init__()
        self.initial_name = name
        self.initial_email = email
        self.author = author

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Content("Reviewer sign-off")
            hint = (
                "You sign off this exact change set as yourself (git user.name and user.email); "
                "the author cannot. Commit the record afterwards: the merge gate checks the "
                "commit's author."
            )
            if self.author:
                hint += f" Author: {clean_inline(self.author)}."
            yield Label(lit(hint))
            yield Input(
                value=clean_inline(self.initial_name), placeholder="reviewer's name", id="reviewer"
            )
            yield Input(
                value=clean_inline(self.initial_email),
                placeholder="reviewer's email (optional)",
                id="email",
            )
            yield Label("enter moves on and saves · esc cancels", classes="hint")

    @on(Input.Submitted, "#reviewer")
    def _name(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.notify("The reviewer's name is required.", severity="warning")
            return
        self.query_one("#email", Input).focus()

    @on(Input.Submitted, "#email")
    def _email(self, event: Input.Submitted) -> None:
        name = self.query_one("#reviewer", Input).value
        if not name.strip():
            self.query_one("#reviewer", Input).focus()
            return
        self.dismiss((name, event.value))


class LabelDialog(_Dialog):
    """The label an artefact without a SemVer version is released under (kept in the record)."""

    def __init__(self, need: str, initial: str = "") -> None:
        super().__init__()
        self.need = need
        self.initial = initial

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Content("Name the release")
            yield Label(
                lit(
                    f"The artefact carries no SemVer version; this amendment is {self.need}. "
                    "Give the label it is released under: the record keeps it and is named "
                    "after it; the artefact is not changed."
                )
            )
            yield Input(
                value=clean_inline(self.initial),
                placeholder="2025-06, r42, v7 ... (letters, digits, . _ + -)",
                id="label",
            )
            yield Label("enter saves · esc cancels", classes="hint")

    @on(Input.Submitted, "#label")
    def _submit(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())
        else:
            self.notify("A label is required.", severity="warning")


class SummaryDialog(_Dialog):
    """The amendment's summary (one paragraph for the notice and the record)."""

    BINDINGS = commands.bindings("dialog", "summary")

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Content("Summary")
            yield TextArea(self.text, id="summary", soft_wrap=True)
            yield Label("ctrl+s saves · esc cancels", classes="hint")

    def action_save(self) -> None:
        self.dismiss(self.query_one("#summary", TextArea).text)


class NoticeScreen(ModalScreen[None]):
    """The notice rendered as Markdown; esc closes."""

    DEFAULT_CSS = """
    NoticeScreen { align: center middle; }
    NoticeScreen > VerticalScroll {
        width: 110; max-width: 100%; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = commands.bindings("notice", "pager")

    def __init__(self, text: str, where: str) -> None:
        super().__init__()
        self.text = text
        self.where = where

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="notice-scroll") as scroll:
            scroll.border_title = Content.assemble(
                ("Notice", "bold"), " · ", clean_inline(self.where)
            )
            yield Markdown("\n".join(clean_lines(self.text)), id="notice")
        yield Footer()

    def action_scroll(self, where: str) -> None:
        scroll_pager(self.query_one("#notice-scroll", VerticalScroll), where)

    def action_copy(self) -> None:
        """``y``: the notice as plain text (Markdown) to the clipboard (OSC 52: over SSH too)."""
        self.app.copy_to_clipboard("\n".join(clean_lines(self.text)))
        self.notify("Notice copied.")


# --- the screen ---------------------------------------------------------------------------------


class ChecklistScreen(JobHost, Screen[None]):
    """The five steps of one amendment, and the actions that complete them."""

    BINDINGS = commands.bindings("checklist")

    DEFAULT_CSS = """
    ChecklistScreen { layout: vertical; }
    ChecklistScreen #checklist-title {
        height: auto; max-height: 6; padding: 0 1; background: $boost; color: $text;
    }
    ChecklistScreen #checklist-body { height: 1fr; }
    ChecklistScreen #steps-pane { width: 40; min-width: 36; }
    ChecklistScreen #items-pane { width: 1fr; }
    ChecklistScreen #item-detail {
        dock: bottom; height: auto; max-height: 60%; padding: 0 1; background: $boost;
    }
    """

    def __init__(
        self,
        repo: Any = None,
        path: str = "",
        revision: Any = None,
        *,
        today: Any = None,
        then: str = "",
    ) -> None:
        super().__init__()
        self.repo = repo
        self.path = path
        self.revision = revision
        self.today = today
        self._then = then  # "commit": the commit dialog once the checklist is read
        self.session: Any = None
        self.checklist: Any = None
        self.busy = True
        self.last_note = ""
        self.last_error = ""
        self.notice_text: str | None = None
        self._answers: deque[Answer] = deque()
        self._own_repo = False
        self._footer_hidden: frozenset[str] = frozenset()

    # --- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield TextBlock(id="checklist-title")
        with Horizontal(id="checklist-body"):
            yield Pane(1, "Steps", StepsTable(id="steps"), id="steps-pane")
            yield Pane(
                2,
                "Items",
                ItemsTable(id="items"),
                TextBlock(id="item-detail"),
                id="items-pane",
            )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#checklist-title", Static).update(
            lit(f"Checklist · {self.path} · loading…")
        )
        self.query_one("#steps-pane", Pane).set_busy("checking")
        self.query_one("#steps", StepsTable).focus()
        self._run("open")

    @property
    def steps_table(self) -> StepsTable:
        return self.query_one("#steps", StepsTable)

    @property
    def items_table(self) -> ItemsTable:
        return self.query_one("#items", ItemsTable)

    # --- the worker ---------------------------------------------------------------------------

    def _mode(self) -> tuple[str, str | None, str | None]:
        """(mode, rev, base) for the selected revision: the working tree (answers allowed),
        the index or a commit (read-only, as the gate and the history see them)."""
        kind = getattr(self.revision, "kind", "worktree")
        if kind == "index":
            return "index", None, "HEAD"
        if kind == "commit":
            parent = getattr(self.revision, "parent", None)
            has_parent = parent is not None and getattr(parent, "blob", None) is not None
            base = getattr(parent, "rev", None) if has_parent else None  # None: created here
            return "commit", getattr(self.revision, "rev", None), base
        return "worktree", None, "HEAD"

    def _open_options(self) -> dict[str, Any]:
        """How :meth:`AmendmentSession.open` opens the selected revision."""
        mode, rev, base = self._mode()
        if mode == "index":
            return {"staged": True}
        if mode == "commit":
            return {"commit": rev, "parent": base}
        return {}

    def _run(self, action: str, **params: Any) -> None:
        """Run ``open`` or an action of the registry with ``params``, in the worker."""
        self.busy = True
        self.query_one("#steps-pane", Pane).set_busy("saving" if action != "open" else "checking")
        self._answers.append(Answer(action, params))
        self._next_answer()

    def _next_answer(self) -> None:
        if self.job_running("checklist"):
            return  # one at a time: the next starts when this one is answered
        if not self._answers:
            self.busy = False
            self.query_one("#steps-pane", Pane).set_busy(None)
            return
        answer = self._answers.popleft()
        self.run_job(answer, self._answer, self._answered, self._answer_failed, group="checklist")

    def _answer(self, answer: Answer) -> Answered:
        """Open the session or run the action (in the worker thread)."""
        from workbench.amendment.session import AmendmentSession

        if self.session is None or answer.action == "open":
            if self.session is not None:
                self.session.close()
            self.session = AmendmentSession.open(
                self.path, repo=self._repo(), today=self.today, **self._open_options()
            )
            if answer.action == "open":
                return Answered(self.session.checklist)
        entry = ACTIONS[answer.action]
        outcome = entry.perform(self.session, **answer.params)
        note = outcome.note or (f"{entry.title}: done" if entry.writes else "")
        notice = (outcome.notice, outcome.where) if outcome.notice is not None else None
        return Answered(self.session.checklist, note, notice)

    def _answered(self, answer: Answer, answered: Answered) -> None:
        self._show_answer(answered.checklist, answered.note, "")
        if answered.notice is not None:
            self.notice_text, where = answered.notice
            self.app.push_screen(NoticeScreen(self.notice_text, where))
        if answer.action == "open" and self._then == "commit":
            self._then = ""
            self.action_commit()  # a refusal says why, over the checklist that shows what

    def _answer_failed(self, answer: Answer, error: str) -> None:
        self._then = ""
        checklist = self.session.checklist if self.session is not None else None
        self._show_answer(checklist, "", error)

    def _repo(self) -> Any:
        if self.repo is not None:
            return self.repo
        from workbench.history.repo import ContractRepo

        self.repo = ContractRepo.open(getattr(self.app, "path", "."), cache=False)
        self._own_repo = True
        return self.repo

    def on_unmount(self) -> None:
        if self._own_repo and self.repo is not None:
            self.repo.close()

    # --- results ------------------------------------------------------------------------------

    def _show_answer(self, checklist: Any, note: str, error: str) -> None:
        self.last_note, self.last_error = note, error
        if error:
            self.notify(clean_inline(error), severity="error", markup=False, timeout=8)
        elif note:
            self.notify(clean_inline(note), markup=False)
        if checklist is not None:
            self.checklist = checklist
            self._show()
        self._next_answer()

    def _show(self) -> None:
        c = self.checklist
        if c.unversioned or c.from_version is None:
            versions = c.versions
        elif c.from_version == c.to_version or c.to_version is None:
            versions = f"{c.from_version}, not bumped yet"
        else:
            versions = f"{c.from_version} → {c.to_version}"
        if c.record is not None:
            state = "complete" if c.complete else "stale" if c.stale else "in progress"
            record = f"{c.record_path} ({state})"
        elif c.needs_record and self.read_only:
            record = f"none ({c.record_path} is answered on the working-tree draft)"
        elif c.needs_record:
            record = f"none yet: d starts {c.record_path}"
        else:
            record = f"not needed: {c.why_no_record}"
        mode = self.session.mode if self.session is not None else "worktree"
        read_only = {"index": " · read-only (staged)", "commit": " · read-only (committed)"}.get(
            mode, ""
        )
        head = Content.assemble(
            ("Checklist", "bold"),
            " · ",
            (clean_inline(c.contract), "bold"),
            " ",
            clean_inline(versions),
            f" ({c.required_bump} bump required)" if c.required_bump != "none" else "",
            (read_only, "bold $text-warning"),
            " · ",
            clean_inline(c.path),
        )
        fp = c.fingerprint[:12] if c.fingerprint else "—"
        verdict = (
            ("✔ ready to commit", "bold $text-success")
            if c.complete
            else ("✔ ready to commit, awaiting review", "bold $text-warning")
            if c.awaiting_review
            else ("✖ the commit gate refuses it", "bold $text-error")
        )
        second = Content.assemble(
            verdict, " · record: ", clean_inline(record), " · change set ", fp
        )
        self.query_one("#checklist-title", Static).update(Content("\n").join([head, second]))
        steps = self.steps_table
        steps.set_rows([StepsTable.make_row(s) for s in c.steps])
        done = sum(1 for s in c.steps if s.status == "done")
        self.query_one("#steps-pane", Pane).set_detail(f"{done}/5 done")
        self._show_items()

    def _current_step(self) -> Any:
        if self.checklist is None:
            return None
        key = self.steps_table.current_key
        for step in self.checklist.steps:
            if step.id == key:
                return step
        return self.checklist.steps[0]

    def _show_items(self) -> None:
        step = self._current_step()
        if step is None:
            return
        table = self.items_table
        keep = table.current_key
        rows = [ItemsTable.make_row(i) for i in step.items]
        if keep is None or not any(r.key == keep for r in rows):
            first_open = next((i.id for i in step.items if i.open), None)
            keep = first_open or (rows[0].key if rows else None)
        table.set_rows(rows, keep=keep)
        self.query_one("#items-pane", Pane).set_detail(step.title, f"{step.status}: {step.reason}")
        self._show_detail()

    def current_item(self) -> Any:
        row = self.items_table.current
        return row.data if row is not None else None

    def _show_detail(self) -> None:
        item = self.current_item()
        detail = self.query_one("#item-detail", Static)
        if item is None:
            detail.update("")
            return
        parts: list[Any] = [(clean_inline(item.label), "bold")]
        if item.detail:
            parts += ["\n", clean_inline(item.detail)]
        where = []
        if item.line:
            where.append(f"line {item.line}")
        if item.target and item.action in ("accept", None) and len(item.target) >= 8:
            where.append(f"fingerprint {clean_inline(item.target)}")
        if where:
            parts += ["\n", (" · ".join(where), "dim")]
        hint = ACTION_HINTS.get(item.action or "") if item.open or item.status == "info" else None
        if hint and self.read_only:
            hint = "read-only: answer the checklist on the working-tree draft"
        if hint and item.action:
            parts += ["\n", (hint, "italic $text-muted")]
        detail.update(Content.assemble(*parts))

    # --- events -------------------------------------------------------------------------------

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id == "steps":
            self._show_items()
        elif event.data_table.id == "items":
            self._show_detail()

    @on(DataTable.RowSelected)
    def _selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "steps":
            self.items_table.focus()
            return
        item = self.current_item()
        if item is None:
            return
        # an item names the registry action that resolves it (or edit): the screen's action_*
        # asks for what the action needs
        answerable = item.action in ACTIONS or item.action == "edit"
        action = getattr(self, f"action_{item.action}", None) if answerable else None
        if action is not None and (item.open or item.status == "info"):
            action()

    # --- actions ------------------------------------------------------------------------------

    # the bindings that answer: the registry's writing actions, plus edit and notify-all
    ANSWERS = frozenset({a.id for a in ACTIONS.values() if a.writes} | {"notify_all", "edit"})

    @property
    def read_only(self) -> bool:
        """A staged or committed revision: shown as the gate sees it, never answered."""
        return self._mode()[0] != "worktree"

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The footer of a read-only checklist does not offer the answers (their keys still
        say why they do nothing); on narrow terminals it leaves out the less used keys (they
        still work, and ``?`` lists them), so that help and quit always show."""
        bindings = super().active_bindings
        hidden = self._footer_hidden
        read_only = self.read_only
        if not read_only and not hidden:
            return bindings
        return {
            key: active._replace(binding=replace(active.binding, show=False))
            if active.binding.id in hidden or (read_only and active.binding.action in self.ANSWERS)
            else active
            for key, active in bindings.items()
        }

    def _writable(self) -> bool:
        if self.checklist is None or self.session is None:
            self.notify("Still checking…", severity="warning")
            return False
        if self.session.mode != "worktree":
            self.notify(
                "This revision is read-only: answer the checklist on the working-tree draft.",
                severity="warning",
            )
            return False
        return True

    def action_close(self) -> None:
        self.dismiss(None)

    def action_switch(self) -> None:
        if self.steps_table.has_focus:
            self.items_table.focus()
        else:
            self.steps_table.focus()

    def action_focus_pane(self, name: str) -> None:
        """``1`` and ``2``: the panes their titles number (steps, items)."""
        self.set_focus(self.steps_table if name == "steps" else self.items_table)

    def on_resize(self) -> None:
        width = self.size.width
        self.set_class(width < 100, "-narrow")
        self.query_one(Footer).compact = width < 100
        if commands.footer_hidden(width) != self._footer_hidden:
            self._footer_hidden = commands.footer_hidden(width)
            self.refresh_bindings()

    def select_step(self, step_id: str) -> None:
        self.steps_table.select_key(step_id)
        self._show_items()

    def action_refresh(self) -> None:
        self._run("refresh")

    def action_start(self) -> None:
        if self._writable():
            self._run("start")

    def action_bump(self) -> None:
        if not self._writable():
            return
        item = next(
            (i for i in self.checklist.step("versioning").items if i.action == "bump"), None
        )
        if item is None and self.checklist.unversioned and self.checklist.to_version:
            item = self.checklist.step("versioning").items[0]  # renaming the release
        if item is None:
            self.notify("The version is already right.", severity="information")
            return
        if self.checklist.unversioned:
            need = f"a {self.checklist.required_bump} change"

            def done(label: str | None) -> None:
                if label:
                    self._run("bump", version=label)

            self.app.push_screen(LabelDialog(need, self.checklist.to_version or ""), done)
            return
        self._run("bump", version=item.target)

    def _finding_item(self) -> Any:
        item = self.current_item()
        if item is not None and item.action == "accept" and item.target:
            return item
        step = self._current_step()
        for candidate in step.items if step else []:
            if candidate.action == "accept" and candidate.open:
                return candidate
        return None

    def action_accept(self) -> None:
        if not self._writable():
            return
        item = self._finding_item()
        if item is None:
            self.notify("Select a breaking or security finding to accept.", severity="warning")
            return
        initial = ""
        record = self.checklist.record
        if record is not None:  # a stale acceptance: offer its reason again
            for step in ("compatibility", "security_review"):
                for acc in record.step(step).accepted:
                    if acc.fingerprint == item.target or (
                        item.status == "stale" and acc.path in item.label
                    ):
                        initial = acc.reason
        target = item.target

        def done(reason: str | None) -> None:
            if reason:
                self._run("accept", fingerprint=target, reason=reason)

        self.app.push_screen(ReasonDialog(item.label, initial), done)

    def action_withdraw(self) -> None:
        if not self._writable():
            return
        item = self.current_item()
        if (
            item is None
            or not item.target
            or not item.id.startswith(("finding:", "security:", "orphan:"))
        ):
            self.notify("Select an accepted finding to withdraw.", severity="warning")
            return
        self._run("withdraw", fingerprint=item.target)

    def action_sign_off(self) -> None:
        if not self._writable():
            return
        author = self.checklist.record.author if self.checklist.record is not None else None
        me = self.session.author
        # the identity is git's: the fields only confirm it (another name is refused)
        name, email = (me.name, me.email or "") if me is not None else ("", "")

        def done(answer: tuple[str, str] | None) -> None:
            if answer:
                self._run("sign_off", reviewer=answer[0], email=answer[1] or None)

        self.app.push_screen(SignOffDialog(name, email, str(author or me or "")), done)

    def action_notice(self) -> None:
        if self._writable():
            self._run("notice")

    def action_preview(self) -> None:
        if self.checklist is None or self.session is None:
            return
        self._run("preview")

    def action_changelog(self) -> None:
        if not self._writable():
            return
        stale = any(
            i.id == "changelog" and i.status == "stale"
            for i in self.checklist.step("communication").items
        )
        self._run("changelog", replace=stale)

    def action_notify(self) -> None:
        if not self._writable():
            return
        item = self.current_item()
        if item is not None and item.action == "notify" and item.target:
            self._run("notify", consumers=(item.target,))
            return
        self.select_step("communication")
        self.notify("Select a consumer in Communication (N: all affected).", severity="information")

    def action_notify_all(self) -> None:
        if self._writable():
            self._run("notify", everyone=True)

    def action_summary(self) -> None:
        if not self._writable():
            return
        record = self.checklist.record
        text = record.summary if record is not None else ""

        def done(summary: str | None) -> None:
            if summary is not None:
                self._run("summary", text=summary)

        self.app.push_screen(SummaryDialog(text), done)

    def action_edit(self) -> None:
        """Open the contract in the built-in editor (at the selected item's line); when it
        closes after a save, re-check."""
        from workbench.tui.screens.editor import EditorScreen

        if not self._writable():
            return
        item = self.current_item()
        line = item.line if item is not None and item.line else None
        base = self._mode()[2] or "HEAD"
        screen = EditorScreen(self._repo(), self.session.path, base=base, line=line)
        self.app.push_screen(screen, lambda saved: self._run("refresh") if saved else None)

    def action_commit(self) -> None:
        """Commit the amendment's files (the gate must let it through): the dialog lists them
        and the message; a refusal is shown there."""
        if not self._writable():
            return
        self.run_job(CommitPlanRequest(), self._plan_commit, self._planned, group="commit-plan")

    def _plan_commit(self, request: CommitPlanRequest) -> Any:
        from workbench.amendment.commit import CommitRefused, plan_commit

        try:
            return plan_commit(self.session)
        except CommitRefused as exc:
            return str(exc)

    def _planned(self, request: CommitPlanRequest, plan: Any) -> None:
        from workbench.tui.screens.commit import CommitDialog, committed_note

        if isinstance(plan, str):
            self.notify(f"Cannot commit: {clean_inline(plan)}", severity="warning", markup=False)
            return

        def done(sha: str | None) -> None:
            if sha:
                self.notify(committed_note(sha, plan), markup=False, timeout=8)
                self._run("open")

        self.app.push_screen(CommitDialog(plan), done)

    def action_external_editor(self) -> None:
        """Open the contract in $VISUAL/$EDITOR (the app is suspended meanwhile), then re-diff
        and re-check; a missing or failing editor is a message and the checklist carries on."""
        from workbench.tui.external import open_in_editor

        if not self._writable():
            return
        target = Path(self.session.root) / self.session.path
        item = self.current_item()
        line = item.line if item is not None and item.line else None
        run = open_in_editor(self.app, target, line)
        if run.error:
            self.notify(clean_inline(run.error), severity="error", markup=False, timeout=8)
            return
        self._run("refresh")
