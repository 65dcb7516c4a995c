"""One debug session: reads requests, dispatches them by state, runs the program.

Requests are handled one at a time, in order, by a worker task; ``cancel`` is answered
as soon as it is read so it can overtake the requests queued before it. Blocking calls
into the source-level debugger run in worker threads. While the program runs, a
request that needs the debugger (a breakpoint change, say) interrupts it, does its
work and lets it run on, unseen by the client.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import anyio.from_thread
import anyio.lowlevel
from anyio.abc import ByteReceiveStream, ByteSendStream
from pydantic import ValidationError

from adapters.source.model import BreakpointSpec, ModuleInfo, Stop, StopKind
from dap_server import convert
from dap_server.handlers import HANDLERS
from dap_server.handlers.registry import RequestError
from dap_server.handles import HandleTable
from dap_server.launch_config import AttachConfig, LaunchConfig
from dap_server.protocol import messages
from dap_server.protocol.base import (
    ClientResponse,
    DapModel,
    Request,
    describe_validation_error,
)
from dap_server.protocol.types import (
    ExitedEventBody,
    OutputEventBody,
    StoppedEventBody,
    TerminatedEventBody,
)
from dap_server.state import THREAD_ID, State
from dap_server.transport import (
    FramingError,
    Message,
    MessageReader,
    MessageWriter,
    message_log_path,
)

if TYPE_CHECKING:
    from adapters.source.debugger import SourceDebugger

log = logging.getLogger(__name__)
Result = TypeVar("Result")
STOP_REASONS = {
    StopKind.ENTRY: "entry",
    StopKind.BREAKPOINT: "breakpoint",
    StopKind.FUNCTION_BREAKPOINT: "function breakpoint",
    StopKind.INSTRUCTION_BREAKPOINT: "instruction breakpoint",
    StopKind.STEP: "step",
    StopKind.PAUSE: "pause",
    StopKind.EXCEPTION: "exception",
}


@dataclass
class _Interruption:
    """A request's wish to use the debugger while the program runs."""

    program_stopped: anyio.Event = field(default_factory=anyio.Event)
    finished: anyio.Event = field(default_factory=anyio.Event)


@dataclass
class Breakpoints:
    """What the client asked for, kept to be set again after a restart."""

    by_source: dict[str, list[BreakpointSpec]] = field(default_factory=dict)
    functions: list[BreakpointSpec] = field(default_factory=list)
    instructions: list[BreakpointSpec] = field(default_factory=list)
    exception_filters: list[str] = field(default_factory=list)


class Session:
    def __init__(self) -> None:
        self.state = State.NEW
        self.debugger: SourceDebugger | None = None
        self.config: LaunchConfig | AttachConfig | None = None
        self.numbering = convert.Numbering()
        self.breakpoints = Breakpoints()
        self.frames: HandleTable[Any] = HandleTable("frame id")
        self.references: HandleTable[int] = HandleTable("variablesReference")
        self.last_stop: Stop | None = None
        self._user_paused = False
        self._interruption: _Interruption | None = None
        self._outbox_in, self._outbox_out = anyio.create_memory_object_stream[Message](max_buffer_size=1 << 20)
        self._requests_in, self._requests_out = anyio.create_memory_object_stream[Request](max_buffer_size=1 << 16)
        self._cancelled: set[int] = set()
        self._token: anyio.lowlevel.EventLoopToken | None = None
        self._ending = anyio.Event()
        self._task_group: anyio.abc.TaskGroup | None = None
        self._after_response: list[Callable[[], None]] = []
        self._run_finished: anyio.Event | None = None
        self.stack: list[tuple[int, Any]] | None = None  # (frame id, SourceFrame) of this stop

    # --- serving a connection -------------------------------------------------

    async def serve(self, receive: ByteReceiveStream, send: ByteSendStream) -> None:
        """Serve one client until it disconnects or goes away; the debuggee ends with it."""
        self._token = anyio.lowlevel.current_token()
        writer = MessageWriter(send, message_log_path())
        async with anyio.create_task_group() as output:
            output.start_soon(self._write_outbox, writer)  # runs until the outbox is closed and drained
            try:
                async with anyio.create_task_group() as work:
                    self._task_group = work
                    work.start_soon(self._process_requests)
                    work.start_soon(self._read, MessageReader(receive))
                    await self._ending.wait()
                    work.cancel_scope.cancel()
            finally:
                with anyio.CancelScope(shield=True):
                    await self.end_debuggee(terminate=True)
                    self._outbox_in.close()

    def end_session(self) -> None:
        self._ending.set()

    async def _read(self, reader: MessageReader) -> None:
        async for item in reader.messages():
            self._receive(item)
        self.end_session()

    def _receive(self, item: Message | FramingError) -> None:
        if isinstance(item, FramingError):
            self._reject_unreadable(str(item), item.fragment)
            return
        if item.get("type") == "response":
            self._reject_invalid_envelope(item, ClientResponse)
            return
        try:
            request = Request.model_validate(item)
        except ValidationError as error:
            self._reject_unreadable(describe_validation_error(error), item)
            return
        if request.command == "cancel":
            self._cancel(request)
        else:
            self._requests_in.send_nowait(request)

    def _reject_invalid_envelope(self, item: Message, model: type[DapModel]) -> None:
        try:
            model.model_validate(item)
        except ValidationError as error:
            self._reject_unreadable(describe_validation_error(error), item)

    def _reject_unreadable(self, reason: str, fragment: Any) -> None:
        """Answer a message we could not make a request of: an error response if it has a seq."""
        text = f"unreadable message: {reason}"
        if isinstance(fragment, dict) and isinstance(fragment.get("seq"), int) and fragment["seq"] >= 0:
            command = fragment.get("command")
            self.post(messages.error_response(fragment["seq"], command if isinstance(command, str) else "", text))
        else:
            self.output(text + "\n", "stderr")

    def _cancel(self, request: Request) -> None:
        request_id = (request.arguments or {}).get("requestId")
        if isinstance(request_id, int):
            self._cancelled.add(request_id)
        self.post(messages.response(request.seq, "cancel"))

    async def _process_requests(self) -> None:
        async for request in self._requests_out:
            if request.seq in self._cancelled:
                self._cancelled.discard(request.seq)
                self.post(messages.error_response(request.seq, request.command, "cancelled", short="cancelled"))
                continue
            self.post(await self._handle(request))
            actions, self._after_response = self._after_response, []
            for action in actions:
                action()

    def after_response(self, action: Callable[[], None]) -> None:
        """Do ``action`` once the current request's response is queued (e.g. a stopped event)."""
        self._after_response.append(action)

    async def _handle(self, request: Request) -> Message:
        handler = HANDLERS.get(request.command)
        if handler is None:
            return messages.error_response(request.seq, request.command, f"unsupported request {request.command!r}")
        if self.state not in handler.states:
            short = "notStopped" if self.state is State.RUNNING else None
            text = f"{request.command} is not possible now: {self.state.value}"
            return messages.error_response(request.seq, request.command, text, short=short)
        try:
            arguments = handler.arguments.model_validate(request.arguments or {})
        except ValidationError as error:
            text = f"invalid arguments: {describe_validation_error(error, 'arguments')}"
            return messages.error_response(request.seq, request.command, text)
        try:
            body = await handler.function(self, arguments)
        except RequestError as error:
            return messages.error_response(request.seq, request.command, str(error), short=error.short)
        except Exception as error:  # a bug or a debuggee failure must not end the session
            log.exception("%s failed", request.command)
            return messages.error_response(request.seq, request.command, f"{request.command} failed: {error}")
        return messages.response(request.seq, request.command, body)

    # --- outgoing messages ----------------------------------------------------

    def post(self, message: Message) -> None:
        """Queue a message for the client (event-loop thread only)."""
        try:
            self._outbox_in.send_nowait(message)
        except anyio.ClosedResourceError:
            pass  # the session is over

    def event(self, name: str, body: DapModel | None = None) -> None:
        self.post(messages.event(name, body))

    def output(self, text: str, category: str = "console") -> None:
        self.event("output", OutputEventBody(category=category, output=text))

    def post_from_thread(self, message: Message) -> None:
        """Queue a message from a debugger thread (program output, module loads)."""
        try:
            anyio.from_thread.run_sync(self.post, message, token=self._token)
        except RuntimeError:
            pass  # the event loop is gone: so is the client

    def on_output(self, category: str, text: str) -> None:
        self.post_from_thread(messages.event("output", OutputEventBody(category=category, output=text)))

    def on_module(self, module: ModuleInfo) -> None:
        self.post_from_thread(convert.module_event(module))

    async def _write_outbox(self, writer: MessageWriter) -> None:
        try:
            async for message in self._outbox_out:
                await writer.send(message)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            self.end_session()  # the client went away

    # --- talking to the debugger ----------------------------------------------

    def require_debugger(self) -> SourceDebugger:
        if self.debugger is None:
            raise RequestError("no program is being debugged")
        return self.debugger

    async def call(self, function: Callable[..., Result], *args: Any) -> Result:
        """Run a blocking debugger call in a worker thread, interrupting the program if it runs."""
        if self.state is State.RUNNING:
            async with self._program_interrupted():
                return await anyio.to_thread.run_sync(function, *args)
        return await anyio.to_thread.run_sync(function, *args)

    @asynccontextmanager
    async def _program_interrupted(self) -> AsyncIterator[None]:
        interruption = self._interruption = _Interruption()
        self.require_debugger().pause()
        try:
            await interruption.program_stopped.wait()
            yield
        finally:
            interruption.finished.set()

    def start_running(self, action: Callable[[], Stop], *, resumable: bool) -> None:
        """Let the program run (``action`` blocks until it stops) and report the stop.

        ``resumable``: after an interruption for a request, carry on with a plain resume
        (true for continue; a step that was interrupted is reported as a pause).
        """
        assert self._task_group is not None
        self.state = State.RUNNING
        self._user_paused = False
        self.frames.invalidate_all()
        self.references.invalidate_all()
        self.stack = None
        self._run_finished = anyio.Event()
        self._task_group.start_soon(self._run, action, resumable)

    async def _run(self, action: Callable[[], Stop], resumable: bool) -> None:
        assert self._run_finished is not None
        try:
            stop: Stop | Exception = await self._run_until_stop(action, resumable)
        except Exception as error:  # noqa: BLE001 - reported to the client below
            stop = error
        finally:
            self._run_finished.set()
        if self.debugger is None:
            return  # the session ended the program meanwhile and told the client so
        if isinstance(stop, Stop):
            self.report_stop(stop)
            return
        log.error("the program could not be run", exc_info=stop)
        self.output(f"the program could not be run: {stop}\n", "stderr")
        await self.end_debuggee(terminate=True)
        self.event("terminated", TerminatedEventBody())

    async def _run_until_stop(self, action: Callable[[], Stop], resumable: bool) -> Stop:
        while True:
            stop = await anyio.to_thread.run_sync(action)
            if (interruption := self._interruption) is None:
                return stop
            self._interruption = None
            interruption.program_stopped.set()
            await interruption.finished.wait()
            if not (resumable and stop.kind is StopKind.PAUSE and not self._user_paused):
                return stop
            action = self.require_debugger().resume

    def pause(self) -> None:
        self._user_paused = True
        self.require_debugger().pause()

    def report_stop(self, stop: Stop) -> None:
        for text in stop.log_messages:
            self.output(text if text.endswith("\n") else text + "\n")
        self.last_stop = stop
        if stop.kind is StopKind.EXITED:
            self.state = State.ENDED
            self.event("exited", ExitedEventBody(exit_code=stop.exit_code or 0))
            self.event("terminated", TerminatedEventBody())
            return
        self.state = State.STOPPED
        description = stop.description or None
        if stop.kind is StopKind.EXCEPTION:
            description = f"Paused on exception: {stop.exception_text or stop.exception_id or 'trap'}"
        self.event(
            "stopped",
            StoppedEventBody(
                reason=STOP_REASONS[stop.kind],
                description=description,
                thread_id=THREAD_ID,
                text=stop.exception_text if stop.kind is StopKind.EXCEPTION else None,
                all_threads_stopped=True,
                hit_breakpoint_ids=list(stop.breakpoint_ids) or None,
            ),
        )

    async def end_debuggee(self, *, terminate: bool) -> int | None:
        """Release the program (killed first if ``terminate``); its exit code if known."""
        debugger, self.debugger = self.debugger, None
        if debugger is None:
            return None
        running = self.state is State.RUNNING
        self.state = State.ENDED
        with anyio.CancelScope(shield=True):
            if terminate:
                await anyio.to_thread.run_sync(debugger.terminate)
            if running and self._run_finished is not None:
                await self._run_finished.wait()  # the worker thread must be out of the debugger
            return await anyio.to_thread.run_sync(debugger.close)
