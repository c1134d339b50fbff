"""What the workbench shows when there is nothing to show: a repository without contracts, or a
path that is not a repository. It says so, and offers to open the demo."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Static

from workbench.tui import commands
from workbench.tui.jobs import JobHost
from workbench.tui.safe import clean_inline
from workbench.tui.widgets.footer import Footer


@dataclass(frozen=True, eq=False)
class BuildDemo:
    """Build the demo repository in a new temporary directory."""

    prefix: str = "workbench-demo-"


class EmptyScreen(JobHost, Screen):
    """No contracts (or no repository) at the path given."""

    BINDINGS = commands.bindings("empty")

    DEFAULT_CSS = """
    EmptyScreen { align: center middle; }
    EmptyScreen #box {
        width: 72;
        max-width: 100%;
        height: auto;
        border: round $accent;
        padding: 1 2;
        background: $surface;
    }
    EmptyScreen #title { text-style: bold; color: $text-accent; margin-bottom: 1; }
    EmptyScreen #detail { color: $text-muted; margin-bottom: 1; }
    EmptyScreen #buttons { height: auto; align-horizontal: center; }
    EmptyScreen Button { margin: 0 1; }
    """

    def __init__(self, repo_name: str, error: str = "") -> None:
        super().__init__()
        self.repo_name = clean_inline(repo_name)
        self.error = clean_inline(error)

    def compose(self) -> ComposeResult:
        if self.error:
            title = Content("This is not a repository the workbench can open")
            detail = Content.assemble(
                Content(self.error),
                "\n\nRun ",
                ("workbench PATH", "bold"),
                " inside a git repository that holds authentication contracts.",
            )
        else:
            title = Content.assemble("No contracts in ", (self.repo_name, "bold"))
            detail = Content.assemble(
                "The workbench looks for YAML files with top-level ",
                ("contract", "bold"),
                " and ",
                ("version", "bold"),
                " keys (see ",
                (".workbench.yaml", "bold"),
                " to choose which files count).",
            )
        with Center(), Vertical(id="box"):
            yield Static(title, id="title")
            yield Static(detail, id="detail")
            yield Static(
                Content(
                    "The demo is a real git repository of four contracts and their amendment "
                    "history, built in a temporary directory."
                ),
                id="offer",
            )
            with Horizontal(id="buttons"):
                yield Button("Open the demo (d)", id="demo", variant="primary")
                yield Button("Quit (q)", id="quit")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#demo", Button).focus()

    @on(Button.Pressed, "#demo")
    def _demo_pressed(self) -> None:
        self.action_demo()

    @on(Button.Pressed, "#quit")
    def _quit_pressed(self) -> None:
        self.app.exit()

    def action_retry(self) -> None:
        self.app.open_repository(self.app.path)  # type: ignore[attr-defined]

    def action_demo(self) -> None:
        self.query_one("#demo", Button).disabled = True
        self.notify("Building the demo repository…")
        self.run_job(
            BuildDemo(), self._build_demo, self._demo_built, self._demo_failed, group="demo"
        )

    def _build_demo(self, request: BuildDemo) -> Path:
        from workbench.demo import build_demo_repo

        return build_demo_repo(Path(tempfile.mkdtemp(prefix=request.prefix)))

    def _demo_built(self, request: BuildDemo, path: Path) -> None:
        self.notify(f"Demo repository: {clean_inline(path)}", markup=False, timeout=8)
        self.app.open_repository(path)  # type: ignore[attr-defined]

    def _demo_failed(self, request: BuildDemo, error: str) -> None:
        self.query_one("#demo", Button).disabled = False
        self.notify(f"Cannot build the demo: {clean_inline(error)}", severity="error", markup=False)
