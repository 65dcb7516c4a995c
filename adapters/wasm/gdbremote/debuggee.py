"""The Debuggee interface over Wasmtime's gdbstub (``wasmtime run -g``).

What the stub cannot do, and how that shows here:

* it ignores an interrupt (0x03) while Wasm runs, and refuses memory writes; it
  has no way to write globals: those raise NotSupported and ``capabilities`` says so;
* it reports every trap as signal 11, and so is a WASI ``proc_exit``: the
  instruction before the PC tells them apart (a ``call`` of the exit import), and the
  exit code is the value that call left on the operand stack;
* it sends values as bare bytes: locals and globals get their types from the module,
  operand stack values only have a width, so an f32/f64 there reads as i32/i64 bits;
* it names no instances: instance ids here are module ids (one instance per module),
  and globals are read through a frame of that instance, so only while one is on the stack;
* closing the connection while the program runs makes the stub abort it; closing it
  while the program is paused lets it run to its end undebugged.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable

from adapters.wasm.binary import WasmFormatError, WasmModule, parse_module
from adapters.wasm.debuggee import (
    Breakpoint,
    Capabilities,
    Debuggee,
    DebuggeeError,
    DebuggeeGone,
    Frame,
    Module,
    NotSupported,
    StopEvent,
    StopReason,
)
from adapters.wasm.gdbremote.addresses import (
    CODE,
    MEMORY,
    WasmAddress,
    code_address,
    memory_address,
)
from adapters.wasm.gdbremote.connection import REPLY_TIMEOUT, GdbConnection
from adapters.wasm.gdbremote.packets import ProtocolError
from adapters.wasm.gdbremote.replies import (
    SIGSEGV,
    Region,
    StopReply,
    hex_bytes,
    is_error,
    le_register,
    parse_addresses,
    parse_library_list,
    parse_memory_map,
    parse_stop_reply,
)
from adapters.wasm.gdbremote.signatures import Signatures, local_types, read_signatures
from adapters.wasm.traps import describe_trap, is_exit_call
from adapters.wasm.values import WasmType, WasmValue

THREAD = 1  # the stub's only thread
READ_CHUNK = 0x7F0  # bytes per `m` request: the reply's hex must fit the stub's 0x1000-byte packets
STACK_BATCH = 16  # operand stack values asked for at once (their number is only known by asking)
WIDTH_TYPES: dict[int, WasmType] = {4: "i32", 8: "i64", 16: "v128"}
NOT_INTERRUPTIBLE = "Wasmtime's gdbstub ignores interrupts while Wasm runs; use the agent backend to pause"

ExitCodeSource = Callable[[int | None], int | None]  # given the code the program chose, the final one


class GdbRemoteDebuggee(Debuggee):
    capabilities = Capabilities(
        can_write_memory=False, can_write_globals=False, can_interrupt=False, engine_conditions=False
    )

    def __init__(
        self,
        connection: GdbConnection,
        program_name: str = "",
        finish: ExitCodeSource | None = None,
        end: Callable[[], None] | None = None,
        process: subprocess.Popen | None = None,
    ) -> None:
        """``finish`` waits for the program's process after the connection ends and
        returns its exit code; ``end`` stops the program for good; ``process`` is the
        Wasmtime we launched (all three: launch only)."""
        self.process = process
        self._connection = connection
        self._program_name = program_name
        self._finish = finish or (lambda chosen: chosen)
        self._end = end or connection.close
        self._modules: dict[int, Module] = {}
        self._parsed: dict[int, WasmModule] = {}
        self._signatures: dict[int, Signatures] = {}
        self._breakpoints: dict[int, tuple[int, int]] = {}  # id -> (module id, pc)
        self._running = False
        self._memory_map: list[Region] | None = None
        self._exit: StopEvent | None = None
        self._kill_lock = threading.Lock()
        reply = parse_stop_reply(self._request("?"))
        if reply.exited:
            raise DebuggeeGone("the program had already ended when the debugger attached")

    # -- plumbing ------------------------------------------------------------------
    def _check_paused(self) -> None:
        if self._exit is not None:
            raise DebuggeeGone("the program has ended")
        if self._running:
            raise DebuggeeError("the program is running; wait for it to stop first")

    def _request(self, payload: str) -> bytes:
        return self._request_many([payload])[0]

    def _request_many(self, payloads: list[str]) -> list[bytes]:
        self._check_paused()
        return self._connection.request_many(payloads) if payloads else []

    def _xfer(self, obj: str) -> bytes:
        self._check_paused()
        return self._connection.read_xfer(obj)

    def _regions(self) -> list[Region]:
        """The stub's memory map, read once per stop (memories grow while the program runs)."""
        if self._memory_map is None:
            self._memory_map = parse_memory_map(self._xfer("memory-map"))
        return self._memory_map

    # -- modules -------------------------------------------------------------------
    def modules(self) -> list[Module]:
        libraries = parse_library_list(self._xfer("libraries"))
        for library in libraries:
            address = WasmAddress.from_raw(library.address)
            if address.kind != CODE or address.offset != 0:
                raise ProtocolError(f"library {library.name!r} is not at a module's start: {library.address:#x}")
            if address.index not in self._modules:
                self._modules[address.index] = Module(
                    address.index, library.name, lambda module_id=address.index: self._read_bytecode(module_id)
                )
        only = len(self._modules) == 1
        for module in self._modules.values():
            module.name = self._module_name(module.id, only)
        return list(self._modules.values())

    def _module_name(self, module_id: int, only: bool) -> str:
        """The launched file's name (the bytecode, holding any name section, is fetched lazily)."""
        if not self._program_name:
            return f"module{module_id}"
        return self._program_name if only else f"{self._program_name}#module{module_id}"

    def _read_bytecode(self, module_id: int) -> bytes:
        start = code_address(module_id, 0)
        size = next((r.length for r in self._regions() if r.type == "rom" and r.start == start), None)
        if size is None:
            raise DebuggeeError(f"Wasmtime did not keep the bytecode of module {module_id}")
        return self._read(start, size)

    def _read(self, start: int, length: int) -> bytes:
        """``length`` bytes from the stub's address space, in pipelined chunks."""
        requests = [
            f"m{start + offset:x},{min(READ_CHUNK, length - offset):x}" for offset in range(0, length, READ_CHUNK)
        ]
        data = bytearray()
        for request, reply in zip(requests, self._request_many(requests), strict=True):
            if is_error(reply):
                raise DebuggeeError(f"the gdbstub refused to read memory ({request}: {reply.decode()})")
            data += hex_bytes(reply)
        return bytes(data)

    def parsed_module(self, module_id: int) -> WasmModule:
        if module_id not in self._parsed:
            if module_id not in self._modules:
                self.modules()
            if module_id not in self._modules:
                raise DebuggeeError(f"there is no module {module_id}")
            try:
                self._parsed[module_id] = parse_module(self._modules[module_id].bytecode())
            except WasmFormatError as error:
                raise DebuggeeError(f"module {module_id} is not a readable core module: {error}") from error
        return self._parsed[module_id]

    def _module_signatures(self, module_id: int) -> Signatures | None:
        """The module's local and global types; None if they cannot be read (GC types)."""
        if module_id not in self._signatures:
            try:
                self._signatures[module_id] = read_signatures(self.parsed_module(module_id))
            except WasmFormatError:
                return None
        return self._signatures[module_id]

    def instance_of(self, module_id: int) -> int:
        self.parsed_module(module_id)  # raises for an unknown module
        return module_id

    # -- breakpoints ---------------------------------------------------------------
    def set_breakpoint(self, breakpoint: Breakpoint) -> None:
        if breakpoint.condition is not None or breakpoint.hit_condition is not None:
            raise NotSupported("Wasmtime's gdbstub has no breakpoint conditions; evaluate them in the adapter")
        location = (breakpoint.module_id, breakpoint.pc)
        if self._breakpoints.get(breakpoint.id) == location:
            return
        if location not in self._breakpoints.values():
            reply = self._request(f"Z0,{code_address(*location):x},1")
            if reply != b"OK":
                raise DebuggeeError(
                    f"Wasmtime refused a breakpoint at module {breakpoint.module_id} pc {breakpoint.pc:#x}"
                )
        self.remove_breakpoint(breakpoint.id)
        self._breakpoints[breakpoint.id] = location

    def remove_breakpoint(self, breakpoint_id: int) -> None:
        location = self._breakpoints.pop(breakpoint_id, None)
        if location is None or location in self._breakpoints.values():
            return
        reply = self._request(f"z0,{code_address(*location):x},1")
        if reply != b"OK":
            raise DebuggeeError(f"Wasmtime could not remove the breakpoint at pc {location[1]:#x}")

    # -- running -------------------------------------------------------------------
    def resume(self, *, step: bool = False) -> None:
        if self._exit is not None:
            raise DebuggeeGone("the program has ended")
        if self._running:
            raise DebuggeeError("the program is already running")
        self._connection.send("s" if step else "c")
        self._running = True
        self._memory_map = None

    def wait(self, timeout: float | None = None) -> StopEvent | None:
        if self._exit is not None:
            return self._exit
        if not self._running:
            raise DebuggeeError("the program is not running: resume it first")
        try:
            payload = self._connection.receive(timeout)
        except DebuggeeGone:
            return self._ended(None)
        if payload is None:
            return None
        self._running = False
        reply = parse_stop_reply(payload)
        if reply.exited:
            return self._ended(reply.code)
        return self._stop_event(reply)

    def _stop_event(self, reply: StopReply) -> StopEvent:
        if reply.signal != SIGSEGV:
            if "swbreak" in reply.info:
                return StopEvent(StopReason.BREAKPOINT, self._breakpoints_at(reply))
            return StopEvent(StopReason.STEP)
        frames = self.frames()
        if not frames:
            return StopEvent(StopReason.TRAP, trap="trap")
        top = frames[0]
        module = self.parsed_module(top.module_id)
        if is_exit_call(module, top.pc):
            chosen = top.stack[-1].unsigned() if top.stack and top.stack[-1].type == "i32" else None
            return self._finish_exit(chosen)
        return StopEvent(StopReason.TRAP, trap=describe_trap(module, top.pc, len(frames)))

    def _breakpoints_at(self, reply: StopReply) -> tuple[int, ...]:
        try:
            address = WasmAddress.from_raw(le_register(reply.info.get("00", "")))
        except ProtocolError:
            address = WasmAddress.from_raw(parse_addresses(self._request(f"qWasmCallStack:{THREAD:x}"))[0])
        return tuple(i for i, location in self._breakpoints.items() if location == (address.index, address.offset))

    def _finish_exit(self, chosen: int | None) -> StopEvent:
        """The program called proc_exit: let it finish, then report its exit."""
        try:
            self._connection.send("c")
            while (payload := self._connection.receive(REPLY_TIMEOUT)) is not None:
                reply = parse_stop_reply(payload)
                if reply.exited:
                    return self._ended(reply.code if reply.kind == "W" else chosen)
        except DebuggeeGone:
            pass  # the stub closes the connection as the program exits
        return self._ended(chosen)

    def _ended(self, chosen: int | None) -> StopEvent:
        self._running = False
        self._connection.close()
        code = self._finish(chosen)
        if code is not None and code < 0:
            self._exit = StopEvent(StopReason.EXITED, trap=f"Wasmtime was killed by signal {-code}", exit_code=code)
        else:
            self._exit = StopEvent(StopReason.EXITED, exit_code=code)
        return self._exit

    def interrupt(self) -> None:
        raise NotSupported(NOT_INTERRUPTIBLE)

    # -- state -------------------------------------------------------------------
    def frames(self) -> list[Frame]:
        addresses = [WasmAddress.from_raw(raw) for raw in parse_addresses(self._request(f"qWasmCallStack:{THREAD:x}"))]
        requests: list[str] = []
        shapes = []
        for depth, address in enumerate(addresses):
            if address.kind != CODE:
                raise ProtocolError(f"frame {depth} is not at a code address: {address}")
            module = self.parsed_module(address.index)
            body = module.function_at(address.offset)
            if body is None:
                raise DebuggeeError(
                    f"frame {depth}: pc {address.offset:#x} is in no function of module {address.index}"
                )
            types = self._local_types(address.index, body.index)
            requests += [f"qWasmLocal:{depth};{index}" for index in range(len(types))]
            shapes.append((address, body.index, types))
        replies = iter(self._request_many(requests))
        frames = []
        for depth, (address, function_index, types) in enumerate(shapes):
            values = tuple(_typed(next(replies), kind) for kind in types)
            frames.append(
                Frame(
                    module_id=address.index,
                    instance_id=address.index,
                    function_index=function_index,
                    pc=address.offset,
                    locals=values,
                    stack=self._operand_stack(depth),
                )
            )
        return frames

    def _local_types(self, module_id: int, function_index: int) -> tuple[WasmType, ...]:
        signatures = self._module_signatures(module_id)
        if signatures is None:
            raise DebuggeeError(f"cannot read the local types of module {module_id} (it uses GC types)")
        try:
            return local_types(self.parsed_module(module_id), signatures, function_index)
        except WasmFormatError as error:
            raise DebuggeeError(f"cannot read the locals of function {function_index}: {error}") from error

    def _operand_stack(self, depth: int) -> tuple[WasmValue, ...]:
        values: list[WasmValue] = []
        while True:
            batch = [f"qWasmStackValue:{depth};{index}" for index in range(len(values), len(values) + STACK_BATCH)]
            for reply in self._request_many(batch):
                if not reply:
                    return tuple(values)
                values.append(_by_width(reply))

    def _memory_region(self, instance_id: int, memory: int) -> tuple[int, int]:
        """(stub memory number, size) of an instance's memory."""
        self.instance_of(instance_id)
        if len(self._modules) > 1:
            raise NotSupported("Wasmtime's gdbstub does not say which instance owns which memory of a component")
        regions = [r for r in self._regions() if r.type == "ram"]
        for region in regions:
            address = WasmAddress.from_raw(region.start)
            if address.kind == MEMORY and address.index == memory:
                return memory, region.length
        if not regions:
            raise DebuggeeError("the program has no linear memory yet (it has not started)")
        raise DebuggeeError(f"instance {instance_id} has no memory {memory}")

    def memory_size(self, instance_id: int, memory: int = 0) -> int:
        return self._memory_region(instance_id, memory)[1]

    def read_memory(self, instance_id: int, address: int, length: int, memory: int = 0) -> bytes:
        if address < 0 or length < 0:
            raise DebuggeeError(f"cannot read {length} bytes at {address:#x}")
        number, size = self._memory_region(instance_id, memory)
        end = min(address + length, size)
        if end <= address:
            return b""
        return self._read(memory_address(number, address), end - address)

    def write_memory(self, instance_id: int, address: int, data: bytes, memory: int = 0) -> None:
        raise NotSupported("Wasmtime's gdbstub refuses memory writes; use the agent backend to change memory")

    def get_global(self, instance_id: int, index: int) -> WasmValue:
        self.instance_of(instance_id)
        depth = next((d for d, f in enumerate(self.frames()) if f.instance_id == instance_id), None)
        if depth is None:
            raise DebuggeeError(
                "Wasmtime's gdbstub reads globals through a frame, and no frame of the instance is on the stack"
            )
        reply = self._request(f"qWasmGlobal:{depth};{index}")
        if not reply:
            raise DebuggeeError(f"instance {instance_id} has no global {index}")
        signatures = self._module_signatures(instance_id)
        if signatures is not None and index < len(signatures.global_types):
            return _typed(reply, signatures.global_types[index])
        return _by_width(reply)

    def set_global(self, instance_id: int, index: int, value: WasmValue) -> None:
        raise NotSupported("Wasmtime's gdbstub cannot write globals; use the agent backend to change them")

    # -- ending ------------------------------------------------------------------
    def kill(self) -> None:
        with self._kill_lock:
            self._end()

    def close(self) -> int | None:
        self.kill()
        if self._exit is None:
            self._exit = StopEvent(StopReason.EXITED, exit_code=self._finish(None))
        return self._exit.exit_code


def _by_width(reply: bytes) -> WasmValue:
    data = hex_bytes(reply)
    if len(data) not in WIDTH_TYPES:
        raise ProtocolError(f"a value of {len(data)} bytes is no Wasm value")
    kind = WIDTH_TYPES[len(data)]
    return WasmValue(kind, data if kind == "v128" else int.from_bytes(data, "little"))


def _typed(reply: bytes, kind: WasmType) -> WasmValue:
    data = hex_bytes(reply)
    if kind in ("funcref", "externref", "exnref"):
        return WasmValue(kind, None)
    expected = 16 if kind == "v128" else 8 if kind in ("i64", "f64") else 4
    if len(data) != expected:
        raise ProtocolError(f"a {kind} value came as {len(data)} bytes")
    return WasmValue(kind, data if kind == "v128" else int.from_bytes(data, "little"))
