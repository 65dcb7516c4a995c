"""Telling the client about work that takes a while (building the agent, Wasmtime compiling it,
reading a large module's debug info), so that an editor neither looks hung nor gives up on us."""

from __future__ import annotations

import itertools
from types import TracebackType
from typing import TYPE_CHECKING

import anyio

from dap_server.protocol.types import ProgressEndEventBody, ProgressStartEventBody, ProgressUpdateEventBody

if TYPE_CHECKING:
    from dap_server.session import Session

SHOW_AFTER = 1.0  # seconds: quicker work is not worth a word
_ids = itertools.count(1)


class SlowWork:
    """``async with SlowWork(session, title) as work:`` around work that calls ``work.step(message)``
    (from any thread) as it goes. Once it has taken over a second, the client is told: a line in its
    console for the current step and each later one, and progressStart/Update/End where supported."""

    def __init__(self, session: Session, title: str) -> None:
        self._session = session
        self._title = title
        self._message = title
        self._id = f"wasmtime-dap-{next(_ids)}"
        self._shown = False
        self._timer = anyio.CancelScope()

    async def __aenter__(self) -> SlowWork:
        self._session.start_soon(self._show_later)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._timer.cancel()
        if self._shown and self._reports_progress:
            outcome = "Failed" if error is not None else "Done"
            self._session.event("progressEnd", ProgressEndEventBody(progress_id=self._id, message=outcome))

    def step(self, message: str) -> None:
        """The work has reached a step that may take a while (callable from a worker thread)."""
        self._session.run_from_thread(self._begin_step, message)

    @property
    def _reports_progress(self) -> bool:
        return self._session.client.supports_progress_reporting

    async def _show_later(self) -> None:
        with self._timer:
            await anyio.sleep(SHOW_AFTER)
            self._shown = True
            self._say()
            if self._reports_progress:
                body = ProgressStartEventBody(progress_id=self._id, title=self._title, message=self._message)
                self._session.event("progressStart", body)

    def _begin_step(self, message: str) -> None:
        self._message = message
        if self._shown:
            self._say()
            if self._reports_progress:
                self._session.event("progressUpdate", ProgressUpdateEventBody(progress_id=self._id, message=message))

    def _say(self) -> None:
        self._session.output(f"{self._message}...\n")
