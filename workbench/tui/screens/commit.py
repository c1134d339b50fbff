"""The commit dialog: the amendment's files, a message prefilled from the amendment, and the
commit itself (``amendment.commit``: git runs the repository's hooks). A refusal (a failing
hook) is shown with git's output, escaped, and the dialog stays open: edit the message or fix
what the hook says, then try again; the index is as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static, TextArea

from workbench.tui import commands
from workbench.tui.jobs import JobHost
from workbench.tui.safe import clean_inline, clean_lines, lit
from workbench.tui.widgets.footer import Footer
from workbench.tui.widgets.textblock import TextBlock


@dataclass(frozen=True, eq=False)
class CommitRequest:
    message: str


class CommitDialog(JobHost, ModalScreen[str | None]):
    """Commit ``plan`` (an ``amendment.commit.CommitPlan``); dismissed with the new commit's
    sha, or ``None`` when cancelled."""

    DEFAULT_CSS = """
    CommitDialog { align: center middle; background: $background; }
    CommitDialog > Vertical {
        width: 100; max-width: 100%; height: auto; max-height: 95%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    CommitDialog Label { width: 100%; }
    CommitDialog .heading { margin: 1 0 0 0; text-style: bold; }
    CommitDialog #commit-files { height: auto; padding: 0 2; }
    CommitDialog #commit-message { height: 8; }
    CommitDialog #commit-output {
        height: auto; max-height: 12; border: round $error; display: none;
    }
    CommitDialog #commit-output.-shown { display: block; }
    CommitDialog .hint { color: $text-muted; margin: 1 0 0 0; }
    """
    BINDINGS = commands.bindings("commit")

    def __init__(self, plan: Any) -> None:
        super().__init__()
        self.plan = plan
        self.busy = False
        self.result: Any = None

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Content.assemble(("Commit the amendment", "bold"))
            yield Label(
                f"These {len(self.plan.paths)} file(s) are committed, and nothing else "
                "(other staged changes stay staged):",
                classes="heading",
            )
            rows = [
                Content.assemble("• ", (clean_inline(path), "bold"), (f"  ({role})", "dim"))
                for path, role in zip(self.plan.paths, self.plan.roles, strict=True)
            ]
            yield Static(Content("\n").join(rows), id="commit-files")
            yield Label("Message", classes="heading")
            yield TextArea(self.plan.message, id="commit-message", soft_wrap=True)
            with VerticalScroll(id="commit-output") as output:
                output.border_title = Content("git refused the commit")
                yield TextBlock(id="commit-output-text")
            yield Label("ctrl+s commits (the repository's hooks run) · esc cancels", classes="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#commit-message", TextArea).focus()

    def action_commit(self) -> None:
        if self.busy:
            return
        self.busy = True
        message = self.query_one("#commit-message", TextArea).text
        self.notify("Committing…", timeout=2)
        self.run_job(CommitRequest(message), self._commit, self._done, self._failed, group="commit")

    def _commit(self, request: CommitRequest) -> Any:
        from workbench.amendment.commit import commit

        return commit(self.plan, request.message)

    def _failed(self, request: CommitRequest, error: str) -> None:
        from workbench.amendment.commit import CommitResult

        self._done(request, CommitResult(False, output=error))

    def _done(self, request: CommitRequest, result: Any) -> None:
        self.busy = False
        self.result = result
        if result.ok:
            self.dismiss(result.sha)
            return
        lines = clean_lines(result.output) or ["git refused the commit"]
        self.query_one("#commit-output-text", Static).update(Content("\n".join(lines)))
        self.query_one("#commit-output", VerticalScroll).add_class("-shown")
        self.notify(
            "Not committed: " + clean_inline(lines[0]), severity="error", markup=False, timeout=8
        )

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(None)


def committed_note(sha: str, plan: Any) -> Content:
    return lit(f"Committed {sha[:12]}: {', '.join(plan.paths)}")
