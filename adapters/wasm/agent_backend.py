"""Backend 1: a Wasm program run by ``wasmtime run -D debugger=<our agent>``.

The adapter listens on 127.0.0.1, starts Wasmtime with the agent component (which
connects back) and then speaks the agent's framed request/reply protocol
(declared in ``adapters/wasm/agent/guest/protocol.py``). A reader thread routes replies to
waiting requests and stop events to ``wait``; two more threads pump the
program's stdout and stderr to the ``on_output`` callback as they come.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import shlex
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence

from adapters.wasm.agent.build import agent_path, cache_dir
from adapters.wasm.agent.guest import protocol, wire
from adapters.wasm.binary import WasmModule, parse_module
from adapters.wasm.component import Artifact
from adapters.wasm.debuggee import (
    Breakpoint,
    Capabilities,
    Debuggee,
    DebuggeeError,
    DebuggeeGone,
    FetchedValues,
    Frame,
    Module,
    StopEvent,
    StopReason,
)
from adapters.wasm.host_os import quick_ack
from adapters.wasm.output_pump import OutputPump
from adapters.wasm.process import LaunchOptions, keep_on_one_cpu, kill_group, run_arguments, spawn
from adapters.wasm.program import check_program
from adapters.wasm.traps import describe_trap, is_exit_call
from adapters.wasm.values import WasmValue
from adapters.wasm.wasmtime_cli import find_wasmtime

log = logging.getLogger(__name__)
OutputCallback = Callable[[str, str], None]  # (category: stdout | stderr | console, text)
ProgressCallback = Callable[[str], None]  # the launch has reached a step that may take a while

CONNECT_TIMEOUT = 120.0  # the first run compiles the 18 MB agent (~8 s; much more on a loaded machine)
REPLY_TIMEOUT = 60.0
EXIT_CHECK_INTERVAL = 0.05  # how often Wasmtime is checked for an early exit while the agent is awaited
_CONNECTION_LOST = object()
# Wasmtime refuses a .cwasm whose compile settings differ from the debugger's (guest debugging
# and epoch interruption are on under `-D debugger=`): say how to compile one that fits.
PRECOMPILED_FOR_DEBUGGING = (
    "To debug a precompiled program, compile it with guest debugging and epoch interruption: "
    "wasmtime compile -D guest-debug=y -W epoch-interruption=y PROGRAM.wasm -o PROGRAM.cwasm"
)


def launch(
    options: LaunchOptions,
    on_output: OutputCallback | None = None,
    artifact: Artifact | None = None,
    on_progress: ProgressCallback | None = None,
) -> AgentDebuggee:
    """Start the program under our agent, paused before its first instruction; ``artifact``
    (the launched files, read from ``options`` when not given) names its modules."""
    kind = check_program(options.program, options.allow_precompiled)
    wasmtime = find_wasmtime(options.wasmtime)
    agent = agent_path(on_progress)
    if on_progress:
        on_progress("Starting Wasmtime (the first time, it compiles the debugger agent: ~8 s)")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    command = [str(wasmtime.path), "run", "-D", f"debugger={agent}", "-D", f"arg={port}"]
    if kind == "module":
        command += ["-D", f"arg={protocol.ONE_INSTANCE_PER_MODULE}"]  # components may instantiate a module twice
    command += run_arguments(options, kind == "precompiled")
    log.debug("starting %s", shlex.join(command))
    process = spawn(command, options)
    try:
        connection = _accept(listener, process)
    except DebuggeeError as error:
        kill_group(process)
        if kind == "precompiled" and "compiled without" in str(error):
            raise DebuggeeError(f"{error}\n{PRECOMPILED_FOR_DEBUGGING}") from error
        raise
    except BaseException:
        kill_group(process)
        raise
    finally:
        listener.close()
    artifact = artifact or Artifact(options.program, options.module_file)
    debuggee = AgentDebuggee(process, connection, artifact, on_output)
    keep_on_one_cpu(process)  # the agent is connected: Wasmtime has compiled everything
    return debuggee


def _accept(listener: socket.socket, process: subprocess.Popen) -> socket.socket:
    """Wait for the agent to connect, noticing if Wasmtime exits first.

    Wasmtime's exit is checked between short accept timeouts rather than by selecting on its
    stderr: Windows cannot select on a pipe. A connection is taken the moment it arrives."""
    deadline = time.monotonic() + CONNECT_TIMEOUT
    listener.settimeout(EXIT_CHECK_INTERVAL)
    while time.monotonic() < deadline:
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            if process.poll() is not None:
                message = process.stderr.read().decode(errors="replace").strip()
                raise DebuggeeError(f"Wasmtime exited before the debugger attached: {message}") from None
            continue
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection
    raise DebuggeeError(f"the debugger agent did not connect within {CONNECT_TIMEOUT:.0f} s")


class _Pending:
    __slots__ = ("done", "reply")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.reply: tuple[dict, bytes] | None = None


def _decode_value(encoded: list) -> WasmValue:
    kind, payload = encoded
    if kind == "v128":
        return WasmValue("v128", bytes.fromhex(payload))
    return WasmValue(kind, payload)


class _FrameValues:
    """What has been fetched of one listed frame's locals and operand stack."""

    def __init__(self, backend: AgentDebuggee, position: int, listed_after: int) -> None:
        self._backend = backend
        self._position = position
        self._listed_after = listed_after
        self._locals: dict[int, WasmValue] = {}
        self._count: int | None = None
        self._stack: list[WasmValue] | None = None

    def _fetch(self, wanted: list[int] | None) -> None:
        reply = self._backend.frame_values(self._position, self._listed_after, wanted)
        self._count = reply["count"]
        self._locals.update((index, _decode_value(value)) for index, value in reply["locals"])
        self._stack = [_decode_value(value) for value in reply["stack"]]

    def local(self, index: int) -> WasmValue:
        if index not in self._locals:
            self._fetch([index])
        return self._locals[index]

    def local_count(self) -> int:
        if self._count is None:
            self._fetch([])
        assert self._count is not None
        return self._count

    def all_locals(self) -> list[WasmValue]:
        if self._count is None or len(self._locals) < self._count:
            self._fetch(None)
        return [self._locals[index] for index in range(len(self._locals))]

    def stack(self) -> list[WasmValue]:
        if self._stack is None:
            self._fetch([])
        assert self._stack is not None
        return self._stack


def _encode_value(value: WasmValue) -> list:
    if value.type == "v128":
        assert isinstance(value.bits, bytes)
        return ["v128", value.bits.hex()]
    return [value.type, value.bits]


def _breakpoint_spec(breakpoint: Breakpoint) -> dict:
    spec = {"id": breakpoint.id, "module": breakpoint.module_id, "pc": breakpoint.pc}
    if breakpoint.condition is not None:
        spec["condition"] = breakpoint.condition
    if breakpoint.hit_condition is not None:
        spec["hit_condition"] = list(breakpoint.hit_condition)
    return spec


class AgentDebuggee(Debuggee):
    capabilities = Capabilities(
        can_write_memory=True, can_write_globals=True, can_interrupt=True, engine_conditions=True
    )

    def __init__(
        self,
        process: subprocess.Popen,
        connection: socket.socket,
        artifact: Artifact,
        on_output: OutputCallback | None,
    ) -> None:
        self.process = process
        self._socket = connection
        self._artifact = artifact
        self._on_output = on_output or (lambda category, text: None)
        self._send_lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._next_id = 0
        self._stops: queue.Queue = queue.Queue()
        self._gone = False
        self._modules: dict[int, Module] = {}
        self._parsed: dict[int, WasmModule] = {}
        self._instances: dict[int, int] = {}  # module id -> instance id
        self._wasmtime_speaks = threading.Event()  # set once Wasmtime's own messages may follow
        self._condition_errors: list[tuple[int, str]] = []
        self._resumes = 0  # frames listed before the latest resume are gone
        self._threads = [
            threading.Thread(target=self._read_replies, name="agent-reader", daemon=True),
        ]
        self._pumps = [
            OutputPump(process.stdout, lambda text: self._on_output("stdout", text), "stdout"),
            OutputPump(process.stderr, self._stderr_text, "stderr"),
        ]
        for thread in self._threads:
            thread.start()
        self._check_hello(self._stops.get(timeout=REPLY_TIMEOUT))

    def _check_hello(self, hello: object) -> None:
        """The agent's first message says which protocol it speaks: ours, or it is not used."""
        if not isinstance(hello, dict) or hello.get("event") != protocol.HELLO.name:
            self.kill()
            raise DebuggeeGone("the debugger agent did not greet")
        version = hello.get("version")
        if version != protocol.PROTOCOL_VERSION:
            self.kill()
            raise DebuggeeError(
                f"the debugger agent speaks protocol version {version}, this adapter version "
                f"{protocol.PROTOCOL_VERSION}: the agent was built from other sources than this adapter's. "
                f"Delete the cached agents (agent-*.wasm in {cache_dir()}) to have it rebuilt"
            )

    # -- plumbing ---------------------------------------------------------------
    def _read_replies(self) -> None:
        buffer = wire.FrameBuffer()
        try:
            while True:
                chunk = self._socket.recv(1 << 20)
                if not chunk:
                    break
                # The agent cannot set TCP_NODELAY (wasi:sockets has no such option), so its
                # second small write (a stop event right after the resume reply) waits for
                # our ACK; Linux delays that ACK ~40 ms unless quick-ack is re-armed each time.
                quick_ack(self._socket)
                buffer.feed(chunk)
                while (message := buffer.next_message()) is not None:
                    self._route(*message)
        except OSError:
            pass
        self._gone = True
        for pending in list(self._pending.values()):
            pending.done.set()
        self._stops.put(_CONNECTION_LOST)

    def _route(self, message: dict, blob: bytes) -> None:
        if "id" in message and message["id"] in self._pending:
            pending = self._pending[message["id"]]
            pending.reply = (message, blob)
            pending.done.set()
        elif message.get("event") == protocol.CONDITION_ERROR.name:
            self._condition_errors.extend((e["id"], e["message"]) for e in message["errors"])
        else:
            self._stops.put(message)

    def _stderr_text(self, text: str) -> None:
        # After the program trapped and was resumed, what Wasmtime prints is its own report.
        self._on_output("console" if self._wasmtime_speaks.is_set() else "stderr", text)

    def _request(self, operation: protocol.Operation, blob: bytes = b"", **arguments) -> tuple[dict, bytes]:
        op = operation.name
        if self._gone:
            raise DebuggeeGone("the program is no longer running")
        with self._send_lock:
            self._next_id += 1
            request_id = self._next_id
            pending = self._pending[request_id] = _Pending()
            try:
                self._socket.sendall(wire.encode(operation.request(request_id, arguments), blob))
            except OSError as error:
                del self._pending[request_id]
                raise DebuggeeGone(f"lost the connection to the debugger agent: {error}") from error
        try:
            if not pending.done.wait(REPLY_TIMEOUT):
                raise DebuggeeError(f"the debugger agent did not answer {op!r}")
        finally:
            self._pending.pop(request_id, None)
        if pending.reply is None:
            raise DebuggeeGone("the program is no longer running")
        reply, data = pending.reply
        if "error" in reply:
            raise DebuggeeError(f"{op}: {reply['error']}")
        try:
            return operation.results.check(reply), data
        except protocol.ProtocolError as error:
            raise DebuggeeError(f"the debugger agent answered out of protocol: {error}") from error

    # -- modules and instances ----------------------------------------------------
    def modules(self) -> list[Module]:
        reply, _ = self._request(protocol.MODULES)
        for module_id in reply["modules"]:
            if module_id not in self._modules:
                self._modules[module_id] = Module(module_id, "", lambda m=module_id: self._fetch_bytecode(m))
        named = self._name_modules()
        return [named[m] for m in reply["modules"]]

    def _name_modules(self) -> dict[int, Module]:
        for module in self._modules.values():
            if not module.name:
                own_name = self.parsed_module(module.id).module_name
                only = len(self._modules) == 1
                module.name = self._artifact.module_name(module.bytecode(), own_name, module.id, only)
        return self._modules

    def _fetch_bytecode(self, module_id: int) -> bytes:
        reply, data = self._request(protocol.BYTECODE, module=module_id)
        if not reply["available"]:
            raise DebuggeeError(f"Wasmtime did not keep the bytecode of module {module_id}")
        return data

    def parsed_module(self, module_id: int) -> WasmModule:
        if module_id not in self._parsed:
            if module_id not in self._modules:
                self.modules()
            self._parsed[module_id] = parse_module(self._modules[module_id].bytecode())
        return self._parsed[module_id]

    def instance_of(self, module_id: int) -> int:
        if module_id not in self._instances:
            reply, _ = self._request(protocol.INSTANCES)
            for instance in reply["instances"]:
                self._instances.setdefault(instance["module"], instance["id"])
        if module_id not in self._instances:
            raise DebuggeeError("the module has no instance yet (the program has not started)")
        return self._instances[module_id]

    # -- breakpoints -----------------------------------------------------------------
    def set_breakpoint(self, breakpoint: Breakpoint) -> None:
        self.set_breakpoints([breakpoint])

    def set_breakpoints(self, breakpoints: Sequence[Breakpoint]) -> None:
        self._request(protocol.SET_BREAKPOINTS, breakpoints=[_breakpoint_spec(b) for b in breakpoints])

    def remove_breakpoint(self, breakpoint_id: int) -> None:
        self.remove_breakpoints([breakpoint_id])

    def remove_breakpoints(self, breakpoint_ids: Sequence[int]) -> None:
        self._request(protocol.REMOVE_BREAKPOINTS, ids=list(breakpoint_ids))

    # -- running -------------------------------------------------------------------
    def resume(self, *, step: bool = False) -> None:
        self._resumes += 1
        self._request(protocol.RESUME, step=step)

    def wait(self, timeout: float | None = None) -> StopEvent | None:
        while True:
            try:
                message = self._stops.get(timeout=timeout)
            except queue.Empty:
                return None
            stop = self._exited() if message is _CONNECTION_LOST else self._translate(message)
            if stop is not None:
                for pump in self._pumps:  # what the program printed before it stopped goes out first
                    pump.drain()
                return stop
            self.resume()  # the program called proc_exit: let it finish

    def _translate(self, message: dict) -> StopEvent | None:
        try:
            message = protocol.STOPPED.check(message)
        except protocol.ProtocolError as error:
            raise DebuggeeError(f"the debugger agent reported out of protocol: {error}") from error
        reason = message["reason"]
        if reason == "complete":
            self._socket.shutdown(socket.SHUT_WR)  # the agent returns; Wasmtime exits
            return self._exited()
        errors, self._condition_errors = tuple(self._condition_errors), []
        if reason == "breakpoint":
            return StopEvent(StopReason.BREAKPOINT, tuple(message["breakpoints"]), condition_errors=errors)
        if reason == "step":
            return StopEvent(StopReason.STEP)
        if reason == "interrupted":
            return StopEvent(StopReason.INTERRUPTED)
        if reason == "exception":
            self._wasmtime_speaks.set()
            return StopEvent(StopReason.EXCEPTION, trap="uncaught exception")
        try:
            frames = self.frames()
        except DebuggeeGone:
            # Wasmtime 49 aborts when asked for the frames of some traps (call stack exhausted:
            # 'null vmctx in debug state slot'); its message reached stderr, and the program is over.
            return self._exited()
        if frames:
            module = self.parsed_module(frames[0].module_id)
            if is_exit_call(module, frames[0].pc):
                return None
            self._wasmtime_speaks.set()
            return StopEvent(StopReason.TRAP, trap=describe_trap(module, frames[0].pc, len(frames)))
        self._wasmtime_speaks.set()
        return StopEvent(StopReason.TRAP, trap="trap")

    def _exited(self) -> StopEvent:
        self._gone = True
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill_group(self.process)
            code = self.process.returncode
        for thread in self._threads[1:]:
            thread.join(timeout=5)  # all the program's output is delivered before the exit
        if code < 0:
            return StopEvent(StopReason.EXITED, trap=f"Wasmtime was killed by signal {-code}", exit_code=code)
        return StopEvent(StopReason.EXITED, exit_code=code)

    def interrupt(self) -> None:
        self._request(protocol.INTERRUPT)

    # -- state -------------------------------------------------------------------
    def frames(self) -> list[Frame]:
        reply, _ = self._request(protocol.FRAMES)
        frames = []
        for position, raw in enumerate(reply["frames"]):
            if raw.get("host"):
                continue
            module = self.parsed_module(raw["module"])
            self._instances.setdefault(raw["module"], raw["instance"])
            values = _FrameValues(self, position, self._resumes)
            frames.append(
                Frame(
                    module_id=raw["module"],
                    instance_id=raw["instance"],
                    function_index=raw["defined_func"] + module.imported_function_count,
                    pc=raw["pc"],
                    locals=FetchedValues(values.all_locals, values.local, values.local_count),
                    stack=FetchedValues(values.stack),
                )
            )
        return frames

    def frame_values(self, position: int, listed_after: int, locals_wanted: list[int] | None = None) -> dict:
        """The agent's reply for frame ``position``: its local count, the ``locals_wanted``
        (all when None) as [index, value] pairs, its operand stack; while the program has not moved."""
        if listed_after != self._resumes:
            raise DebuggeeError("the program has moved on since its frames were listed")
        fields = {} if locals_wanted is None else {"locals": locals_wanted}
        reply, _ = self._request(protocol.FRAME_VALUES, frame=position, **fields)
        return reply

    def memory_size(self, instance_id: int, memory: int = 0) -> int:
        reply, _ = self._request(protocol.MEMORY_SIZE, instance=instance_id, memory=memory)
        return reply["size"]

    def read_memory(self, instance_id: int, address: int, length: int, memory: int = 0) -> bytes:
        if address < 0 or length < 0:
            raise DebuggeeError(f"cannot read {length} bytes at {address:#x}")
        _, data = self._request(
            protocol.READ_MEMORY, instance=instance_id, memory=memory, address=address, length=length
        )
        return data

    def write_memory(self, instance_id: int, address: int, data: bytes, memory: int = 0) -> None:
        self._request(protocol.WRITE_MEMORY, data, instance=instance_id, memory=memory, address=address)

    def get_global(self, instance_id: int, index: int) -> WasmValue:
        reply, _ = self._request(protocol.GET_GLOBAL, instance=instance_id, index=index)
        return _decode_value(reply["value"])

    def set_global(self, instance_id: int, index: int, value: WasmValue) -> None:
        self._request(protocol.SET_GLOBAL, instance=instance_id, index=index, value=_encode_value(value))

    # -- ending ------------------------------------------------------------------
    def kill(self) -> None:
        self._gone = True
        kill_group(self.process)
        with contextlib.suppress(OSError):
            self._socket.close()

    def close(self) -> int | None:
        if self.process.poll() is None:
            self.kill()
        for thread in self._threads:
            thread.join(timeout=5)
        self._socket.close()
        return self.process.returncode
