"""The harness of the terminal UI tests: one app factory, and waiting on what the app is doing
(its workers, their answers, the condition a test needs) instead of sleeping.

- ``make_app(repo, **settings)``: the real app with settings that are never saved and the
  debounce delays at zero (``delays=Delays()`` keeps the real ones for a test about them).
- ``wait_for_workers(pilot)``: until no worker of the app runs and every answer was handled
  (answers that start more work are waited for too).
- ``wait_until(pilot, condition)``: until ``condition()`` holds, waiting on the workers between
  checks; ``settled(pilot)``: the main screen once nothing is loading.
- ``press(pilot, *keys)``: keys as ``pilot.press`` sends them, each handled before the next,
  then what they started; waits on the app's queues and workers, not on an idle CPU.
- ``screen_text(app)``: the text on screen, as the terminal would show it.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from textual import events
from textual.command import CommandPalette
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.screen import Screen

from workbench.tui.app import WorkbenchApp, create_app
from workbench.tui.jobs import NO_DELAYS, Delays
from workbench.tui.screens.checklist import ChecklistScreen
from workbench.tui.screens.main import MainScreen
from workbench.tui.settings import Settings

SIZE = (120, 40)
# no debounce; the palette's revision index (background work after the first paint) only in
# the tests that use it (``delays=NO_DELAYS``)
TEST_DELAYS = replace(NO_DELAYS, index=3600.0)
TIMEOUT = 60.0  # seconds: generous, the machine may be loaded; a hang fails, it never passes

S = TypeVar("S", bound=Screen)


def make_app(
    repo: Path,
    *,
    select: str | None = None,
    delays: Delays = TEST_DELAYS,
    theme: str | None = "textual-dark",
    **settings,
) -> WorkbenchApp:
    """The app on ``repo`` as the command line builds it, with ``Settings(**settings)``
    (nothing read or written), the theme pinned as ``--theme`` pins it (``NO_COLOR`` in the
    environment changes nothing; ``theme=None``: what the settings and ``NO_COLOR`` choose) and
    no debounce delays unless ``delays`` says so."""
    _freeze_what_lives()
    app = create_app(repo, settings=Settings(**settings), select=select, theme=theme)
    app.delays = delays
    return app


def _freeze_what_lives() -> None:
    """Collect what earlier tests left, then put what still lives (modules, the session's
    fixtures and caches) out of the cyclic collector's reach: a test process holds far more than
    a user's, and the app's collections (a full one when it quits and restores the thresholds)
    would walk all of it again for every app started, a tenth of a TUI test's CPU. What the app
    builds from here on is collected as usual."""
    gc.collect()
    gc.freeze()


def fake_editor(folder: Path, old: str, new: str) -> str:
    """A ``$VISUAL`` command: a real program that replaces the first ``old`` with ``new`` in
    the file it is given, as an editor would save it."""
    script = folder / "fake_editor.py"
    script.write_text(
        "import sys\n"
        "path = sys.argv[-1]\n"
        "text = open(path).read()\n"
        f"open(path, 'w').write(text.replace({old!r}, {new!r}, 1))\n"
    )
    return f"{sys.executable} {script}"


def _running(app: WorkbenchApp) -> list:
    return [worker for worker in app.workers if not worker.is_finished]


async def wait_for_workers(pilot) -> None:
    """Until every worker of the app has finished and the screens have handled the answers."""
    app = pilot.app
    deadline = time.monotonic() + TIMEOUT
    while True:
        running = _running(app)
        if running:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"workers still running: {running}")
            waits = [worker.wait() for worker in running]
            # failures are answers too (the screens show them): only the waiting matters here
            await asyncio.wait_for(asyncio.gather(*waits, return_exceptions=True), remaining)
        await pilot.pause(0)  # the answers are handled; they may have started more work
        if not _running(app):
            return


async def wait_until(pilot, condition: Callable[[], object], timeout: float = TIMEOUT) -> None:
    """Until ``condition()`` is true: the app's workers are awaited between checks, and a
    condition that waits on something else (a timer, a message) is checked every few ms."""
    deadline = time.monotonic() + timeout
    idle = 0.005  # between checks while no worker runs: doubling up to 50 ms (each check
    # has every widget of the screen handle its messages: not free)
    while not condition():
        if not pilot.app.is_running:
            raise AssertionError("the app stopped while a test waited on it")
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        if _running(pilot.app):
            await wait_for_workers(pilot)
            idle = 0.005
        else:
            await pilot.pause(idle)
            idle = min(0.05, idle * 2)


async def wait_for_screen(pilot, kind: type[S]) -> S:
    """The screen of ``kind`` once it is shown: mounted with its widgets (a pushed screen
    mounts after the key that pushed it was handled), its pending messages handled, laid out."""
    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, kind) and app.screen.is_mounted)
    await pilot.pause(0)
    return app.screen  # type: ignore[return-value]


def _key_event(key: str) -> events.Key:
    """The event of ``key`` as Textual's Pilot builds it (``"a"``, ``"ctrl+p"``, ``"["``)."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


def _queued(app: WorkbenchApp) -> bool:
    """Whether the app or a node of its screens has work still to do: messages queued,
    callbacks waiting for the next idle moment or the next refresh."""
    nodes = [app, *(n for s in app.screen_stack for n in s.walk_children(with_self=True))]
    return bool(
        app.screen._callbacks
        or any(node.message_queue_size or node._next_callbacks for node in nodes)
    )


async def _drained(pilot) -> None:
    """Until the app's queues are empty (a refresh is left to the screen's timer)."""
    app = pilot.app
    deadline = time.monotonic() + TIMEOUT
    while True:
        await pilot._wait_for_screen(TIMEOUT)
        if not _queued(app):
            return
        if time.monotonic() > deadline:
            raise AssertionError("the app never stopped handling messages")


async def handled(pilot) -> None:
    """Until the app has handled every message queued, and what handling them queued: a marker
    through every queue of the screen (Pilot's own wait) until nothing is left to do, then one
    refresh of the screen (which may queue more: then again); animations finished. Private
    parts of Textual 8 are used here (the refresh, the queues' callbacks), in this one place."""
    app = pilot.app
    deadline = time.monotonic() + TIMEOUT
    while True:
        await pilot._wait_for_screen(TIMEOUT)
        if not _queued(app):
            await app.animator.wait_until_complete()
            app.screen._on_timer_update()  # the refresh the screen's timer makes each frame
            await pilot._wait_for_screen(TIMEOUT)
            if not _queued(app):
                return
        if time.monotonic() > deadline:
            raise AssertionError("the app never stopped handling messages")


async def press(pilot, *keys: str) -> None:
    """``pilot.press(*keys)`` without its waits for an idle CPU: each key is handled before the
    next is sent (a key that opens a screen is handled before the next key, which goes to that
    screen), then the workers the keys started are waited for and the screen is refreshed
    (once, not after every key: a refresh of the whole screen is most of a key's cost).

    Pilot sleeps 20 ms twice after every key and, while a worker thread computes, up to a
    second more (it compares process time with wall time); on a loaded machine the process
    gets little CPU, looks idle, and a test reads the screen before the answer arrived."""
    app = pilot.app
    for key in keys:
        event = _key_event(key)
        event.set_sender(app)
        app.post_message(event)
        await _drained(pilot)
    await wait_for_workers(pilot)
    await handled(pilot)


def main_screen(app: WorkbenchApp) -> MainScreen:
    """The main screen, also while another screen (help, checklist) is on top of it."""
    for screen in app.screen_stack:
        if isinstance(screen, MainScreen):
            return screen
    raise AssertionError(f"no main screen in {app.screen_stack}")


async def settled(pilot) -> MainScreen:
    """The main screen once nothing is loading: contracts, history, diff, findings and every
    badge of the listed revisions."""
    screen = await wait_for_screen(pilot, MainScreen)
    await wait_until(pilot, lambda: screen.settled)
    await wait_for_workers(pilot)  # background work (the palette's index) included
    return screen


async def select_revision(pilot, screen: MainScreen, subject: str) -> None:
    """Highlight the first revision whose subject starts with ``subject``; wait for its diff
    and findings."""
    table = screen.history_table
    key = next(r.key for r in table.rows_all if r.data.subject.startswith(subject))
    table.focus()
    table.select_key(key)
    await wait_until(pilot, lambda: screen.current_key == key and screen.settled)


async def open_palette(pilot, query: str) -> CommandPalette:
    """``ctrl+p``, then ``query`` typed once the palette is open; its hits are listed."""
    await press(pilot, "ctrl+p")
    palette = await wait_for_screen(pilot, CommandPalette)
    await press(pilot, *query)
    await wait_for_workers(pilot)  # the palette gathers its hits in a worker
    return palette


async def wait_for_refresh(pilot) -> None:
    """Until the screen has been refreshed, with what waited for a refresh done (the footer
    recomposes with the focused widget's keys after a refresh)."""
    await pilot.pause(0)
    await pilot.app.screen.wait_for_refresh()
    await pilot.pause(0)


async def open_checklist(pilot, *, select: str | None = None) -> ChecklistScreen:
    """``c`` on the main screen (on the first revision of kind ``select``, else the one
    selected): the checklist screen once its checklist is shown."""
    main = await settled(pilot)
    if select is not None:
        table = main.history_table
        key = next(r.key for r in table.rows_all if r.data.kind == select)
        table.select_key(key)
        await wait_until(pilot, lambda: main.current_key == key and main.settled)
    await press(pilot, "c")
    screen = await wait_for_screen(pilot, ChecklistScreen)
    await checklist_idle(pilot, screen)
    return screen


async def checklist_idle(pilot, screen: ChecklistScreen) -> None:
    """Until every answer given to the checklist is saved and the fresh checklist shown."""
    await wait_until(pilot, lambda: not screen.busy and screen.checklist is not None)
    await handled(pilot)  # what showing it queued (the steps' and the record's text) drawn


def screen_text(app: WorkbenchApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
