"""One debug session: reads requests, dispatches them by state, runs the program.

Requests are handled one at a time, in order, by a worker task; ``cancel`` is answered
as soon as it is read so it can overtake the requests queued before it. Blocking calls
into the source-level debugger run in worker threads. While the program runs, a
request that needs the debugger (a breakpoint change, say) has the debugger interrupt
it, do the work and let it run on (the same step, if it was stepping), unseen by the
client.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import anyio.from_thread
import anyio.lowlevel
from anyio.abc import ByteReceiveStream, ByteSendStream
from pydantic import ValidationError

from adapters.source.model import USER_ERRORS, ModuleInfo, Stop, StopKind
from dap_server import convert
from dap_server.access import Gate
from dap_server.client_breakpoints import ClientBreakpoints
from dap_server.disassembly_sources import DisassemblySources
from dap_server.framing import FramingError, Message
from dap_server.handlers import HANDLERS
from dap_server.handlers.registry import RequestError
from dap_server.handles import HandleTable
from dap_server.launch_config import AttachConfig, LaunchConfig
from dap_server.protocol import messages
from dap_server.protocol.arguments import InitializeArguments
from dap_server.protocol.base import (
    ClientResponse,
    DapModel,
    Request,
    describe_validation_error,
)
from dap_server.protocol.types import (
    ExitedEventBody,
    InvalidatedEventBody,
    OutputEventBody,
    StoppedEventBody,
    TerminatedEventBody,
)
from dap_server.state import THREAD_ID, State
from dap_server.transport import MessageReader, MessageWriter, message_log_path

if TYPE_CHECKING:
    from adapters.source.debugger import SourceDebugger


log = logging.getLogger(__name__)
trace = logging.getLogger("dap_server.trace")  # every message in and out, at DEBUG
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
# Requests whose errors the client shows in place (a watch, a hover, the Debug Console), not as a toast.
ERRORS_SHOWN_IN_PLACE = frozenset({"evaluate", "completions"})


class Session:
    def __init__(self, token: str | None = None) -> None:
        """``token``: the secret a client must show before it may launch or attach (TCP)."""
        self.gate = Gate(token)
        self.state = State.NEW
        self.debugger: SourceDebugger | None = None
        self.config: LaunchConfig | AttachConfig | None = None
        self.numbering = convert.Numbering()
        self.client = InitializeArguments()  # what the client said it supports
        self.breakpoints = ClientBreakpoints()
        self.disassembly_sources = DisassemblySources()
        self.frames: HandleTable[Any] = HandleTable("frame id")
        self.references: HandleTable[int] = HandleTable("variablesReference")
        self.last_stop: Stop | None = None
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
                    # A run holds a worker thread until the program stops, and cancelling waits
                    # for it: end the program first.
                    await self.end_debuggee(terminate=True)
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
        if trace.isEnabledFor(logging.DEBUG):
            trace.debug("<- %s", f"unreadable: {item}" if isinstance(item, FramingError) else json.dumps(item))
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
        seq = fragment.get("seq") if isinstance(fragment, dict) else None
        if type(seq) is int and seq >= 0:  # not a bool: JSON true is no seq
            command = fragment.get("command")
            self.post(messages.error_response(seq, command if isinstance(command, str) else "", text))
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
                cancelled = messages.error_response(
                    request.seq, request.command, "cancelled", short="cancelled", show_user=False
                )
                self.post(cancelled)
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
        in_place = request.command in ERRORS_SHOWN_IN_PLACE
        fail = partial(messages.error_response, request.seq, request.command, show_user=not in_place)
        if self.state not in handler.states:
            text = f"{request.command} is not possible now: {self.state.value}"
            if self.state is State.RUNNING:  # a request that raced a run: no news to the user
                return fail(text, short="notStopped", show_user=False)
            return fail(text)
        try:
            arguments = handler.arguments.model_validate(request.arguments or {})
        except ValidationError as error:
            return fail(f"invalid arguments: {describe_validation_error(error, 'arguments')}")
        try:
            body = await handler.function(self, arguments)
        except RequestError as error:
            return fail(str(error), short=error.short, show_user=error.show_user and not in_place)
        except USER_ERRORS as error:  # the request cannot be done: say why, as it is (no bug)
            return fail(str(error))
        except Exception as error:  # a bug must not end the session
            log.exception("%s failed", request.command)
            return fail(f"{request.command} failed: {error}")
        return messages.response(request.seq, request.command, body)

    # --- outgoing messages ----------------------------------------------------

    def post(self, message: Message) -> None:
        """Queue a message for the client (event-loop thread only)."""
        with contextlib.suppress(anyio.ClosedResourceError):  # the session is over
            self._outbox_in.send_nowait(message)

    def event(self, name: str, body: DapModel | None = None) -> None:
        self.post(messages.event(name, body))

    def output(self, text: str, category: str = "console") -> None:
        self.event("output", OutputEventBody(category=category, output=text))

    def post_from_thread(self, message: Message) -> None:
        """Queue a message from a debugger thread (program output, module loads)."""
        self.run_from_thread(self.post, message)

    def run_from_thread(self, function: Callable[..., None], *args: Any) -> None:
        """Call ``function`` in the event loop, from a debugger thread."""
        with contextlib.suppress(RuntimeError):  # the event loop is gone: so is the client
            anyio.from_thread.run_sync(function, *args, token=self._token)

    def start_soon(self, function: Callable[..., Any], *args: Any) -> None:
        """Run an async ``function`` beside the requests, until the session ends."""
        assert self._task_group is not None
        self._task_group.start_soon(function, *args)

    def on_output(self, category: str, text: str) -> None:
        self.post_from_thread(messages.event("output", OutputEventBody(category=category, output=text)))

    def on_module(self, module: ModuleInfo) -> None:
        self.post_from_thread(convert.module_event(module))

    async def _write_outbox(self, writer: MessageWriter) -> None:
        try:
            async for message in self._outbox_out:
                if trace.isEnabledFor(logging.DEBUG):
                    trace.debug("-> %s", json.dumps(message))
                await writer.send(message)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, OSError):
            self.end_session()  # the client went away

    # --- talking to the debugger ----------------------------------------------

    def require_debugger(self) -> SourceDebugger:
        if self.debugger is None:
            raise RequestError("no program is being debugged")
        return self.debugger

    async def call(self, function: Callable[..., Result], *args: Any) -> Result:
        """Run a blocking debugger call in a worker thread; while the program runs, the
        debugger pauses it for the call and lets it carry on unseen."""
        if self.state is State.RUNNING and self.debugger is not None:
            # Abandoned if the session ends first: ending the program fails the call.
            work = partial(function, *args)
            return await anyio.to_thread.run_sync(self.debugger.run_paused, work, abandon_on_cancel=True)
        return await anyio.to_thread.run_sync(function, *args)

    def start_running(self, action: Callable[[], Stop]) -> None:
        """Let the program run (``action`` blocks until it stops) and report the stop."""
        assert self._task_group is not None
        self.state = State.RUNNING
        self.frames.invalidate_all()
        self.references.invalidate_all()
        self.stack = None
        self._run_finished = anyio.Event()
        self._task_group.start_soon(self._run, self.require_debugger(), action)

    async def _run(self, debugger: SourceDebugger, action: Callable[[], Stop]) -> None:
        assert self._run_finished is not None
        try:
            stop: Stop | Exception = await anyio.to_thread.run_sync(action)
        except Exception as error:  # noqa: BLE001 - reported to the client below
            stop = error
        finally:
            self._run_finished.set()
        if self.debugger is not debugger:
            return  # the session ended (or restarted) the program meanwhile and told the client so
        if isinstance(stop, Stop):
            self.report_stop(stop)
            return
        log.error("the program could not be run", exc_info=stop)
        self.output(f"the program could not be run: {stop}\n", "stderr")
        await self.end_debuggee(terminate=True)
        self.event("terminated", TerminatedEventBody())

    def pause(self) -> None:
        self.require_debugger().pause()

    def values_changed(self) -> None:
        """After a write that may change any value shown: variable references the debugger
        dropped are void, and a client that can be told refetches what it shows."""
        self.references.invalidate_all()
        if self.client.supports_invalidated_event:
            body = InvalidatedEventBody(areas=["variables"], thread_id=THREAD_ID)
            self.after_response(lambda: self.event("invalidated", body))

    def report_stop(self, stop: Stop) -> None:
        log.debug("stopped: %s", stop)
        for text in stop.log_messages:
            self.output(text if text.endswith("\n") else text + "\n")
        self.last_stop = stop
        if stop.kind is StopKind.EXITED:
            self.state = State.ENDED
            self.output(f"Process exited with status {stop.exit_code or 0}\n")  # as lldb-dap says it
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
                hit_breakpoint_ids=self.breakpoints.client_ids(stop.breakpoint_ids) or None,
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
            # A backend that cannot pause (Wasmtime's gdbstub) can only let go of a running
            # program by ending the connection; waiting for the run to end could be forever.
            if terminate or (running and not debugger.can_pause):
                await anyio.to_thread.run_sync(debugger.terminate)
            if running and self._run_finished is not None:
                await self._run_finished.wait()  # the worker thread must be out of the debugger
            return await anyio.to_thread.run_sync(debugger.close)
