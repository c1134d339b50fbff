"""The workbench terminal app: ``create_app(path)`` for the CLI and the tests, ``run_app(path)``.

The app itself is a thin shell: it holds the user's settings and the repository backend, and
shows either the main screen or, when there is nothing to show, the empty screen that offers
the demo. Keys come from the one command registry (``commands.py``) and follow the user's
keymap; the palette (``ctrl+p``) offers every command and jumps to contracts and revisions.
"""

from __future__ import annotations

import gc
from pathlib import Path

from textual.app import App
from textual.theme import Theme

from workbench.tui import commands, cycles
from workbench.tui.jobs import Delays
from workbench.tui.palette import WorkbenchCommands
from workbench.tui.safe import clean_inline
from workbench.tui.settings import DEFAULT_THEME, Settings, load_settings
from workbench.tui.themes import MONO_THEME, SECURITY_DEFAULT, WORKBENCH_THEMES, no_color


class WorkbenchApp(App[None]):
    """Browse contract history, review amendments, open the checklist."""

    CSS_PATH = "app.tcss"
    TITLE = "workbench"
    COMMANDS = {WorkbenchCommands}
    BINDINGS = commands.bindings("app")

    def __init__(
        self,
        path: str | Path = ".",
        *,
        settings: Settings | None = None,
        select: str | None = None,
        theme: str | None = None,
    ) -> None:
        cycles.install()  # drawn lines and finished caches go by reference counting
        # git starts reading the contracts and the first history page first, while Textual
        # and this app set up
        prefetched = self._new_backend(Path(path), select)
        prefetched.prefetch()
        super().__init__()
        for workbench_theme in WORKBENCH_THEMES:
            self.register_theme(workbench_theme)
        self.path = Path(path)
        self.settings = settings if settings is not None else load_settings()
        self.theme_override = theme  # --theme: this run only (saved once the user picks one)
        self.select = select
        self.delays = Delays()  # how long the screens wait before background work (tests: 0)
        self.backend = None
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        self._prefetched = prefetched

    def on_mount(self) -> None:
        # Parsed 10,000-line contracts are millions of small objects: with the default
        # thresholds the cyclic collector's full passes land in the middle of a revision
        # switch (100-300 ms), so full passes are rarer while the app runs. The young
        # generations keep the default: collected late (50,000), young garbage raised the
        # memory held after browsing 200 revisions from 65 to 80 MiB, for no faster switch.
        self._gc_threshold = gc.get_threshold()
        gc.set_threshold(700, 10, 100)
        # memory freed by browsing goes back to the system once the app is idle after work
        self._released = -1
        if self.delays.release > 0:
            self.set_interval(self.delays.release, self._release_when_idle)
        self.theme = self.starting_theme()
        # Textual announces the theme with call_next: subscribing after that announcement saves
        # only what the user picks (a --theme or NO_COLOR start is not their saved choice)
        self.call_next(self.theme_changed_signal.subscribe, self, self._theme_changed)
        for problem in self.settings.problems:
            self.notify(
                clean_inline(problem), title="settings", severity="warning", markup=False, timeout=8
            )
        self.open_repository(self.path, select=self.select)

    def _release_when_idle(self) -> None:
        """Give back what browsing freed, once per burst of work, when no worker runs."""
        backend = self.backend
        if backend is None or backend.activity == self._released:
            return
        if any(worker.is_running for worker in self.workers):
            return  # still working: the next tick
        from workbench.tui.backend import release_memory

        self._released = backend.activity
        release_memory()

    def starting_theme(self) -> str:
        """``--theme`` if given, else the monochrome theme under ``NO_COLOR``, else the
        settings' theme (an unknown name is reported and the default used)."""
        theme = self.theme_override or (MONO_THEME if no_color() else self.settings.theme)
        if theme not in self.available_themes:
            self.settings.problems.append(f"unknown theme {theme!r}; using {DEFAULT_THEME}")
            theme = DEFAULT_THEME
        return theme

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """``$security``: the colour of security marks (the diff gutter, the lists, the legend);
        a theme may set its own."""
        return {**super().get_theme_variable_defaults(), "security": SECURITY_DEFAULT}

    def open_repository(self, path: str | Path, *, select: str | None = None) -> None:
        """Show the repository containing ``path`` (replacing whatever is shown)."""
        from workbench.tui.screens.main import MainScreen

        if self.backend is not None:
            self.backend.close()
        self.path = Path(path)
        prefetched, self._prefetched = self._prefetched, None
        if prefetched is not None and prefetched.path == self.path and prefetched.select == select:
            self.backend = prefetched
        else:
            if prefetched is not None:
                prefetched.close()
            self.backend = self._new_backend(self.path, select)
        screen = MainScreen(self.backend, select=select)
        if len(self.screen_stack) > 1:
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    @staticmethod
    def _new_backend(path: Path, select: str | None):
        from workbench.tui.backend import Backend

        return Backend(path, select=select)

    def show_empty(self, error: str = "") -> None:
        """Nothing to browse: say why and offer the demo."""
        from workbench.tui.screens.empty import EmptyScreen

        name = self.backend.name if self.backend is not None else self.path.name
        self.switch_screen(EmptyScreen(name or str(self.path), error))

    def _theme_changed(self, theme: Theme) -> None:
        self.update_setting("theme", theme.name)

    def update_setting(self, key: str, value: object) -> None:
        """Remember a choice in the user's settings file (not in tests: no path)."""
        if getattr(self.settings, key) == value:
            return
        setattr(self.settings, key, value)
        error = self.settings.save()
        if error:
            self.notify(clean_inline(error), severity="warning", markup=False)

    def action_help(self) -> None:
        from workbench.tui.screens.checklist import ChecklistScreen
        from workbench.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(checklist=isinstance(self.screen, ChecklistScreen)))

    async def action_quit(self) -> None:
        """Quit, unless an editor holds unsaved work (it says how to keep or drop it)."""
        if any(getattr(screen, "unsaved", False) for screen in self.screen_stack):
            self.notify(
                "The editor has unsaved changes: save them (ctrl+s) or leave the editor (esc) "
                "first.",
                severity="warning",
            )
            return
        self.exit()

    def on_unmount(self) -> None:
        gc.set_threshold(*self._gc_threshold)
        if self.backend is not None:
            self.backend.close()


def create_app(
    path: str | Path = ".",
    *,
    settings: Settings | None = None,
    select: str | None = None,
    theme: str | None = None,
) -> WorkbenchApp:
    """The app for the repository containing ``path``; the CLI and the tests both use this.

    ``settings`` replaces the user's settings file (tests pass ``Settings()``: nothing is read
    or written); ``select`` preselects a contract by path or id; ``theme`` is the theme for
    this run (before ``NO_COLOR`` and the settings).
    """
    return WorkbenchApp(path, settings=settings, select=select, theme=theme)


def run_app(
    path: str | Path = ".", *, settings: Settings | None = None, theme: str | None = None
) -> None:
    """Run the workbench on ``path``: a repository, a directory in one, or a contract file
    (which is then preselected)."""
    p = Path(path)
    select = None
    if p.is_file():
        select = str(p.resolve())
        p = p.parent
    app = create_app(p, settings=settings, select=select, theme=theme)
    app.run()
