"""Slow work off the UI thread: typed requests run in Textual thread workers, one failure policy.

A screen mixes in ``JobHost`` and starts work with ``run_job(request, work, done, failed,
group=...)``: ``work(request)`` runs in a thread worker of ``group``, then ``done(request,
result)`` runs on the UI thread with the answer, or ``failed(request, error)`` with the one-line
description of whatever the work raised (the only failure policy: every failure becomes a line
the screen shows, never a crash). Groups are exclusive by default: a new request cancels the
group's previous one, and an answer to a request that is no longer the group's latest is dropped
(even one that finished just before the new request was made).

``debounce(name, delay, callback)`` runs ``callback`` once ``delay`` seconds pass without
another call of the same name (a Textual timer, reset by each call). The delays of the app live
in ``Delays``; tests set them to zero (``NO_DELAYS``), and a zero delay runs the callback at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from textual.timer import Timer
from textual.worker import Worker, WorkerState, get_current_worker

R = TypeVar("R")
Q = TypeVar("Q")


@dataclass(frozen=True, slots=True)
class Delays:
    """Seconds the UI waits before work that would compete with what the user does next."""

    findings: float = 0.12  # a revision stays selected this long before it is judged
    background: float = 0.25  # after a selection, before the verdict badges resume
    index: float = 1.0  # after the first paint, before the palette's revision index fills
    watch: float = 0.5  # how often the working tree is polled for outside edits (0: never)
    editor: float = 0.1  # a pause in typing this long re-judges the editor's buffer
    release: float = 5.0  # how often an idle app checks for freed memory to give back (0: never)


NO_DELAYS = Delays(findings=0.0, background=0.0, index=0.0, watch=0.0, editor=0.0, release=0.0)


@dataclass(slots=True)
class _Job:
    request: Any
    group: str
    exclusive: bool
    done: Callable[[Any, Any], None]
    failed: Callable[[Any, str], None]


def cancelled() -> bool:
    """Whether the worker running this code was cancelled (a newer request, the screen closed):
    long work checks it between steps and stops early (its answer would be dropped anyway)."""
    return get_current_worker().is_cancelled


class JobHost:
    """Mixin for a screen: typed requests in thread workers, their answers and failures."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._job_table: dict[Worker, _Job] = {}
        self._latest_requests: dict[str, Any] = {}  # group -> its latest request (exclusive groups)
        self._debounce_timers: dict[str, Timer] = {}

    def run_job(
        self,
        request: Q,
        work: Callable[[Q], R],
        done: Callable[[Q, R], None],
        failed: Callable[[Q, str], None] | None = None,
        *,
        group: str,
        exclusive: bool = True,
    ) -> Worker[R]:
        """Run ``work(request)`` in a thread worker; ``done`` or ``failed`` gets the answer."""
        if exclusive:
            self._latest_requests[group] = request
        # A finished Textual worker and its task refer to each other (through the task's
        # context), so the worker, with its work and its result, lives until the cyclic
        # collector's next full pass. The request goes to the thread and the answer comes back
        # in boxes emptied as each is taken: a revision's diff and report go by reference
        # counting once the screen drops them, however rare the full passes.
        box = [request]

        def run() -> list[R]:
            return [work(box.pop())]

        worker = self.run_worker(  # type: ignore[attr-defined]
            run,
            name=type(request).__name__,
            group=group,
            description=repr(request)[:200],
            exclusive=exclusive,
            thread=True,
            exit_on_error=False,
        )
        self._job_table[worker] = _Job(request, group, exclusive, done, failed or self.job_failed)
        return worker

    def is_latest(self, request: Any, group: str) -> bool:
        return self._latest_requests.get(group) is request

    def job_running(self, group: str) -> bool:
        return any(job.group == group for job in self._job_table.values())

    def cancel_jobs(self, group: str) -> None:
        """Cancel the group's work and forget its latest request (no answer will arrive)."""
        self._latest_requests.pop(group, None)
        for worker in self.workers.cancel_group(self, group):  # type: ignore[attr-defined]
            self._job_table.pop(worker, None)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place answers and failures of every job arrive."""
        job = self._job_table.get(event.worker)
        if job is None or event.state in (WorkerState.PENDING, WorkerState.RUNNING):
            return
        del self._job_table[event.worker]
        answer = event.worker.result if event.state == WorkerState.SUCCESS else None
        result = answer.pop() if answer else None  # the box empties: see run_job
        if job.exclusive and not self.is_latest(job.request, job.group):
            return  # superseded: the user has moved on
        if event.state == WorkerState.SUCCESS:
            job.done(job.request, result)
        elif event.state == WorkerState.ERROR:
            from workbench.tui.backend import describe

            error = event.worker.error
            job.failed(job.request, describe(error) if error is not None else "failed")

    def job_failed(self, request: Any, error: str) -> None:
        """What a failure shows when the caller gave no ``failed``: a notification."""
        from workbench.tui.safe import clean_inline

        self.notify(clean_inline(error), severity="error", markup=False)  # type: ignore[attr-defined]

    # --- debouncing -----------------------------------------------------------------------------

    def debounce(self, name: str, delay: float, callback: Callable[[], object]) -> None:
        """Run ``callback`` after ``delay`` seconds unless called again with ``name`` first."""
        self.cancel_debounce(name)
        if delay <= 0:
            callback()
            return
        self._debounce_timers[name] = self.set_timer(delay, callback, name=name)  # type: ignore[attr-defined]

    def cancel_debounce(self, name: str) -> None:
        timer = self._debounce_timers.pop(name, None)
        if timer is not None:
            timer.stop()
