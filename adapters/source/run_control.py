"""Run control: resuming the engine, waiting for its stops, pausing, and work done while paused.

One user run (a continue or a step) goes from ``begin`` to ``finish``. Meanwhile another
thread may ``pause`` the run, or ask for work done with the engine paused (``run_paused``):
the engine is interrupted, the work is done on the run's thread, and the run carries on
without the stepping plan ever seeing the interruption.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

from adapters.wasm.debuggee import Debuggee, DebuggeeError, Frame, StopEvent, StopReason

Result = TypeVar("Result")


class _PausedWork:
    """Work a caller wants done while the engine is paused (see ``RunControl.run_paused``)."""

    def __init__(self, work: Callable[[], object]) -> None:
        self._work = work
        self.done = threading.Event()
        self.result: object = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self._work()
        except BaseException as error:  # noqa: BLE001 - raised again in the thread that asked
            self.error = error
        self.done.set()

    def fail(self, error: BaseException) -> None:
        self.error = error
        self.done.set()


class RunControl:
    """The engine as a run sees it: ``resume``, ``wait`` and ``frames`` for stepping plans,
    ``pause`` and ``run_paused`` for any other thread.

    ``on_work_done`` is called after paused work ran mid-run (the work may have read frames
    that are stale once the run carries on).
    """

    def __init__(self, debuggee: Debuggee, on_work_done: Callable[[], None] = lambda: None) -> None:
        self._debuggee = debuggee
        self._on_work_done = on_work_done
        self._lock = threading.Lock()
        self._in_run = False  # from a user's resume/step until its stop is reported
        self._pause_requested = False
        self._paused_work: list[_PausedWork] = []
        self._last_resume_step = False
        self.running = threading.Event()  # set while the engine runs a user's resume or step

    # -- the run's thread ------------------------------------------------------------------
    def begin(self) -> None:
        with self._lock:
            self._in_run = True

    def frames(self) -> list[Frame]:
        return self._debuggee.frames()

    def resume(self, step: bool = False) -> None:
        """Resume the engine; a pause asked for before it was running is sent again now."""
        self._last_resume_step = step
        self._debuggee.resume(step=step)
        with self._lock:
            if self._pause_requested or self._paused_work:
                self._interrupt()
        self.running.set()

    def wait(self) -> StopEvent:
        """The engine's next stop that is not an interruption for ``run_paused`` work."""
        while True:
            event = self._debuggee.wait()
            assert event is not None  # no timeout given
            with self._lock:
                work, self._paused_work = self._paused_work, []
                paused_by_user = self._pause_requested
                if event.reason is StopReason.INTERRUPTED:
                    self._pause_requested = False  # delivered: later resumes of the run must not pause again
            for job in work:
                job.run()
            if work:
                self._on_work_done()
            if event.reason is not StopReason.INTERRUPTED or paused_by_user or not work:
                return event
            self.resume(self._last_resume_step)

    def finish(self) -> None:
        """The run's stop is decided: nothing is pending any more."""
        with self._lock:
            self._in_run = False
            self._pause_requested = False
            for job in self._paused_work:  # asked for too late to interrupt the run
                job.run()
            self._paused_work = []
        self.running.clear()

    # -- any thread -----------------------------------------------------------------------
    def pause(self) -> None:
        """Stop the run in progress. Outside a run there is nothing to pause: asking
        Wasmtime anyway would end the next run at once, a pause nobody asked for."""
        with self._lock:
            if not self._in_run:
                return
            if not self._paused_work:  # otherwise the engine is being interrupted already
                self._interrupt()
            self._pause_requested = True

    def run_paused(self, work: Callable[[], Result]) -> Result:
        """Do ``work`` with the engine paused. During a user's run the engine is interrupted,
        ``work`` is done on the run's thread and the run carries on unseen: a step stays the
        same step and no stop is reported. Outside a run ``work`` is done at once."""
        with self._lock:
            if not self._in_run:
                return work()
            job = _PausedWork(work)
            if not self._paused_work and not self._pause_requested:
                self._interrupt()
            self._paused_work.append(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]

    def abandon(self, why: str) -> None:
        """Fail the work still waiting for a pause (the program is gone)."""
        with self._lock:
            work, self._paused_work = self._paused_work, []
        for job in work:
            job.fail(DebuggeeError(why))

    def _interrupt(self) -> None:
        with contextlib.suppress(DebuggeeError):  # the program has just ended; its exit is reported instead
            self._debuggee.interrupt()
