"""The worker plumbing of the terminal UI (``tui/jobs.py``) in a small real Textual app: answers
arrive on the UI thread, a superseded answer is dropped, any failure becomes one line, and a
debounce runs once after the last call."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from textual.app import App
from textual.screen import Screen
from tui_harness import wait_for_workers, wait_until

from workbench.tui.jobs import JobHost


@dataclass(frozen=True, eq=False)
class Ask:
    name: str


class Host(JobHost, Screen):
    def __init__(self) -> None:
        super().__init__()
        self.answers: list[tuple[str, str]] = []
        self.failures: list[tuple[str, str]] = []
        self.release = threading.Event()
        self.ui_thread = threading.get_ident()
        self.threads: set[bool] = set()

    def work(self, ask: Ask) -> str:
        if ask.name == "slow":
            self.release.wait(10)
        if ask.name == "broken":
            raise ValueError("the contract is broken\nsecond line of the message")
        return ask.name.upper()

    def done(self, ask: Ask, answer: str) -> None:
        self.threads.add(threading.get_ident() == self.ui_thread)
        self.answers.append((ask.name, answer))

    def failed(self, ask: Ask, error: str) -> None:
        self.failures.append((ask.name, error))


class HostApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(Host())


async def test_answers_failures_and_superseded_requests() -> None:
    app = HostApp()
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, Host))
        host: Host = app.screen  # type: ignore[assignment]
        host.run_job(Ask("slow"), host.work, host.done, host.failed, group="g")
        host.run_job(Ask("fast"), host.work, host.done, host.failed, group="g")
        await wait_until(pilot, lambda: host.answers)
        host.release.set()  # the superseded request finishes now: its answer is dropped
        await wait_for_workers(pilot)
        assert host.answers == [("fast", "FAST")]
        assert host.threads == {True}  # answers are handled on the UI thread

        # two groups do not supersede each other; a failure is one line, never a crash
        host.run_job(Ask("broken"), host.work, host.done, host.failed, group="g")
        host.run_job(Ask("other"), host.work, host.done, host.failed, group="h")
        await wait_for_workers(pilot)
        assert host.failures == [("broken", "the contract is broken")]
        assert ("other", "OTHER") in host.answers
        assert not host.job_running("g") and not host.job_running("h")


async def test_debounce_runs_once_after_the_last_call() -> None:
    app = HostApp()
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, Host))
        host: Host = app.screen  # type: ignore[assignment]
        calls: list[int] = []
        for n in range(3):
            host.debounce("d", 0.2, lambda n=n: calls.append(n))
        assert calls == []
        await wait_until(pilot, lambda: calls)
        await pilot.pause(0.3)  # time for a wrongly kept timer to fire too
        assert calls == [2]
        host.debounce("d", 0, lambda: calls.append(9))  # no delay: at once
        assert calls == [2, 9]
        host.debounce("d", 0.05, lambda: calls.append(10))
        host.cancel_debounce("d")
        await pilot.pause(0.15)
        assert calls == [2, 9]
