"""The wasmtime-dap agent: a debugger component run by Wasmtime's debug-main world.

Wasmtime calls ``Debugger.debug`` with the paused debuggee. The agent connects to the
adapter on 127.0.0.1:<port> (its first ``-D arg``) and serves the requests of
``protocol.OPERATIONS`` (one ``op_<name>`` method each; framing in ``wire.py``) until the
adapter closes the connection.
While the debuggee runs, the agent polls both the socket and the event-future, so an
``interrupt`` request pauses the program within a millisecond.
"""

import struct

import conditions
import protocol
import wire
from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import debuggee as dbg
from wit_world.imports import instance_network, network, poll, tcp_create_socket

READ_CHUNK = 65536


class ConnectionClosed(Exception):
    pass


class Connection:
    """A blocking, message-framed TCP connection over wasi:sockets."""

    def __init__(self, port: int) -> None:
        self.socket = tcp_create_socket.create_tcp_socket(network.IpAddressFamily.IPV4)
        address = network.IpSocketAddress_Ipv4(network.Ipv4SocketAddress(port, (127, 0, 0, 1)))
        self.socket.start_connect(instance_network.instance_network(), address)
        while True:
            try:
                self.input, self.output = self.socket.finish_connect()
                break
            except Err as error:
                if error.value != network.ErrorCode.WOULD_BLOCK:
                    raise
                with self.socket.subscribe() as ready:
                    ready.block()
        self.buffer = wire.FrameBuffer()
        self.incoming = self.input.subscribe()  # polled beside every run; kept, not remade

    def send(self, message: dict, blob: bytes = b"") -> None:
        data = memoryview(wire.encode(message, blob))
        while data:
            budget = self.output.check_write()
            if budget == 0:
                with self.output.subscribe() as ready:
                    ready.block()
                continue
            self.output.write(bytes(data[:budget]))
            data = data[budget:]
        self.output.flush()

    def pending(self):
        """Return a buffered message, reading what is available without blocking."""
        message = self.buffer.next_message()
        if message is not None:
            return message
        try:
            chunk = self.input.read(READ_CHUNK)
        except Err as error:
            raise ConnectionClosed() from error
        self.buffer.feed(chunk)
        return self.buffer.next_message()

    def receive(self):
        while True:
            message = self.pending()
            if message is not None:
                return message
            with self.input.subscribe() as ready:
                ready.block()


def encode_value(value: dbg.WasmValue) -> list:
    """A Wasm value as [type, payload]; floats travel as their bit patterns (lossless)."""
    kind = value.get_type()
    if isinstance(kind, dbg.WasmType_WasmI32):
        return ["i32", value.unwrap_i32()]
    if isinstance(kind, dbg.WasmType_WasmI64):
        return ["i64", value.unwrap_i64()]
    if isinstance(kind, dbg.WasmType_WasmF32):
        return ["f32", struct.unpack("<I", struct.pack("<f", value.unwrap_f32()))[0]]
    if isinstance(kind, dbg.WasmType_WasmF64):
        return ["f64", struct.unpack("<Q", struct.pack("<d", value.unwrap_f64()))[0]]
    if isinstance(kind, dbg.WasmType_WasmV128):
        return ["v128", value.unwrap_v128().hex()]
    if isinstance(kind, dbg.WasmType_WasmFuncref):
        return ["funcref", None]
    return ["exnref", None]


def decode_value(encoded: list) -> dbg.WasmValue:
    kind, payload = encoded
    if kind == "i32":
        return dbg.WasmValue.make_i32(payload & 0xFFFFFFFF)
    if kind == "i64":
        return dbg.WasmValue.make_i64(payload & 0xFFFFFFFFFFFFFFFF)
    if kind == "f32":
        return dbg.WasmValue.make_f32(struct.unpack("<f", struct.pack("<I", payload))[0])
    if kind == "f64":
        return dbg.WasmValue.make_f64(struct.unpack("<d", struct.pack("<Q", payload))[0])
    if kind == "v128":
        return dbg.WasmValue.make_v128(bytes.fromhex(payload))
    raise ValueError("cannot write a value of type " + kind)


def number_reader(kind):
    """How a condition program reads a Wasm value of type ``kind``: ints signed, as Wasm compares them."""
    if isinstance(kind, dbg.WasmType_WasmI32):
        return lambda value: conditions.wrap(value.unwrap_i32(), 32, True)
    if isinstance(kind, dbg.WasmType_WasmI64):
        return lambda value: conditions.wrap(value.unwrap_i64(), 64, True)
    if isinstance(kind, dbg.WasmType_WasmF32):
        return lambda value: value.unwrap_f32()
    if isinstance(kind, dbg.WasmType_WasmF64):
        return lambda value: value.unwrap_f64()
    name = {dbg.WasmType_WasmV128: "v128", dbg.WasmType_WasmFuncref: "funcref"}.get(type(kind), "exnref")
    raise conditions.ConditionError("a " + name + " value cannot be used in a condition")


class ConditionFrame:
    """The innermost frame, as a condition program reads it; Wasmtime is asked only for what it reads."""

    def __init__(self, agent, module_id: int, frame=None) -> None:
        self.agent = agent
        self.module_id = module_id
        self._frame = frame
        self._instance_id = None
        self.locals = None

    @property
    def frame(self):
        if self._frame is None:
            self._frame = self.agent.d.exit_frames()[0]
        return self._frame

    def instance_id(self) -> int:
        if self._instance_id is None:
            self._instance_id = self.agent.instance_running(self)
        return self._instance_id

    def local(self, index: int):
        if self.locals is None:
            self.locals = self.frame.get_locals(self.agent.d)
        value = self.locals[index]
        return number_reader(value.get_type())(value)

    def global_value(self, index: int):
        return self.agent.global_number(self.instance_id(), index)

    def read_memory(self, address: int, size: int) -> bytes:
        try:
            return self.agent.memory(self.instance_id()).get_bytes(self.agent.d, address, size)
        except Err as error:
            raise conditions.ConditionError("cannot read memory at " + hex(address)) from error


class Breakpoint:
    def __init__(self, spec: dict) -> None:
        self.id = spec["id"]
        self.module = spec["module"]
        self.pc = spec["pc"]
        self.condition = compiled_condition(spec.get("condition"))
        self.hit_condition = spec.get("hit_condition")
        self.hits = 0


def compiled_condition(program):
    """The condition as a function of the frame, or None; a program that cannot be compiled
    fails at each hit, as one that cannot be evaluated does (the adapter hears why)."""
    if program is None:
        return None
    try:
        return conditions.compile_program(program)
    except (conditions.ConditionError, IndexError, TypeError, ValueError) as error:
        failure = str(error) or type(error).__name__

        def fail(frame):
            raise conditions.ConditionError(failure)

        return fail


class Agent:
    def __init__(self, d: dbg.Debuggee, connection: Connection, one_instance_per_module: bool) -> None:
        self.d = d
        self.connection = connection
        # True for a core-module program: Wasmtime instantiates each module once, so a
        # frame's instance follows from its module without asking Wasmtime at every hit.
        self.one_instance_per_module = one_instance_per_module
        self.modules = {}
        self.instances = {}
        self.instance_modules = {}  # instance id -> module id
        self.sole_instances = {}  # module id -> the id of its instance, for modules instantiated once
        self.breakpoints = {}
        self.breakpoints_at = {}  # pc -> breakpoints there (any module)
        self.sole_place = None  # (module id, pc) while breakpoints are set at that one place only
        self.frames = []
        self.frame_locals = {}  # frame position -> its locals, read once per stop
        self.memories = {}
        self.globals = {}
        self.global_readers = {}
        self.finished = False
        # An interrupt that raced with another stop stays pending in Wasmtime and would
        # end the next run at once: remember it, and let that spurious stop pass.
        self.interrupt_pending = False

    # -- entities ------------------------------------------------------------------
    def refresh_entities(self) -> None:
        for module in self.d.all_modules():
            self.modules.setdefault(module.unique_id(), module)
        for instance in self.d.all_instances():
            self.record_instance(instance)
        owners = list(self.instance_modules.values())
        self.sole_instances = {
            module_id: instance_id
            for instance_id, module_id in self.instance_modules.items()
            if owners.count(module_id) == 1
        }

    def record_instance(self, instance) -> int:
        """Keep ``instance``'s handle and its module's id (asked once); return the instance's id."""
        instance_id = instance.unique_id()
        self.instances.setdefault(instance_id, instance)
        if instance_id not in self.instance_modules:
            with instance.get_module(self.d) as module:
                self.instance_modules[instance_id] = module.unique_id()
        return instance_id

    def module(self, module_id: int):
        if module_id not in self.modules:
            self.refresh_entities()
        return self.modules[module_id]

    def instance(self, instance_id: int):
        if instance_id not in self.instances:
            self.refresh_entities()
        return self.instances[instance_id]

    def collect_frames(self) -> None:
        self.release_frames()
        for exit_frame in self.d.exit_frames():
            frame = exit_frame
            while frame is not None:
                self.frames.append(frame)
                frame = frame.parent_frame(self.d)

    def memory(self, instance_id: int, index: int = 0):
        """A memory's handle, kept for the session: each fetch is a round trip to the debuggee."""
        key = (instance_id, index)
        if key not in self.memories:
            self.memories[key] = self.instance(instance_id).get_memory(self.d, index)
        return self.memories[key]

    def global_handle(self, instance_id: int, index: int):
        """A global's handle, kept for the session like a memory's."""
        key = (instance_id, index)
        if key not in self.globals:
            self.globals[key] = self.instance(instance_id).get_global(self.d, index)
        return self.globals[key]

    def global_number(self, instance_id: int, index: int):
        """A global's value as a condition program reads it (its type is asked once)."""
        key = (instance_id, index)
        with self.global_handle(instance_id, index).get(self.d) as value:
            if key not in self.global_readers:
                self.global_readers[key] = number_reader(value.get_type())
            return self.global_readers[key](value)

    def instance_running(self, frame: ConditionFrame) -> int:
        """The id of the instance ``frame`` runs in."""
        module_id = frame.module_id
        if self.one_instance_per_module:
            if module_id not in self.instance_modules.values():
                self.refresh_entities()  # instantiated since we last looked
            if module_id in self.sole_instances:
                return self.sole_instances[module_id]
        return self.record_instance(frame.frame.get_instance(self.d))

    # -- requests while paused ------------------------------------------------------
    def op_modules(self, request, blob):
        self.refresh_entities()
        return {"modules": sorted(self.modules)}, b""

    def op_instances(self, request, blob):
        self.refresh_entities()
        found = []
        for instance_id in sorted(self.instances):
            found.append({"id": instance_id, "module": self.instance_modules[instance_id]})
        return {"instances": found}, b""

    def op_bytecode(self, request, blob):
        code = self.module(request["module"]).bytecode()
        return {"available": code is not None}, code or b""

    def op_set_breakpoints(self, request, blob):
        for spec in request["breakpoints"]:
            self.set_breakpoint(Breakpoint(spec))
        return {}, b""

    def op_remove_breakpoints(self, request, blob):
        for breakpoint_id in request["ids"]:
            breakpoint = self.breakpoints.get(breakpoint_id)
            if breakpoint is not None:
                self.remove_breakpoint(breakpoint)
        return {}, b""

    def set_breakpoint(self, breakpoint) -> None:
        old = self.breakpoints.get(breakpoint.id)
        if old is not None:
            self.remove_breakpoint(old)
        if not self.pc_has_breakpoint(breakpoint.module, breakpoint.pc):
            self.module(breakpoint.module).add_breakpoint(self.d, breakpoint.pc)
        self.breakpoints[breakpoint.id] = breakpoint
        self.breakpoints_at.setdefault(breakpoint.pc, []).append(breakpoint)
        self.note_places()

    def remove_breakpoint(self, breakpoint: Breakpoint) -> None:
        del self.breakpoints[breakpoint.id]
        self.breakpoints_at[breakpoint.pc].remove(breakpoint)
        if not self.pc_has_breakpoint(breakpoint.module, breakpoint.pc):
            self.module(breakpoint.module).remove_breakpoint(self.d, breakpoint.pc)
        self.note_places()

    def note_places(self) -> None:
        places = {(b.module, b.pc) for b in self.breakpoints.values()}
        self.sole_place = next(iter(places)) if len(places) == 1 else None  # (module id, pc)

    def pc_has_breakpoint(self, module_id: int, pc: int) -> bool:
        return any(b.module == module_id and b.pc == pc for b in self.breakpoints.values())

    def op_frames(self, request, blob):
        if not self.frames:
            self.collect_frames()
        found = []
        for frame in self.frames:
            try:
                instance = frame.get_instance(self.d)
                found.append(
                    {
                        "instance": instance.unique_id(),
                        "module": instance.get_module(self.d).unique_id(),
                        "defined_func": frame.get_func_index(self.d),
                        "pc": frame.get_pc(self.d),
                    }
                )
            except Err:
                found.append({"host": True})
        return {"frames": found}, b""

    def op_frame_values(self, request, blob):
        """One frame's local count, locals (those asked for, else all) as [index, value] pairs, and
        operand stack. ``frames`` leaves them out: a big function has thousands of locals."""
        if not self.frames:
            self.collect_frames()
        position = request["frame"]
        frame = self.frames[position]
        if position not in self.frame_locals:  # Wasmtime hands out all of them at once, at a cost per local
            self.frame_locals[position] = frame.get_locals(self.d)
        values = self.frame_locals[position]
        wanted = request.get("locals")
        indexes = range(len(values)) if wanted is None else [i for i in wanted if 0 <= i < len(values)]
        return {
            "count": len(values),
            "locals": [[i, encode_value(values[i])] for i in indexes],
            "stack": [encode_value(v) for v in frame.get_stack(self.d)],
        }, b""

    def op_memory_size(self, request, blob):
        memory = self.memory(request["instance"], request["memory"])
        return {"size": memory.size_bytes(self.d)}, b""

    def op_read_memory(self, request, blob):
        memory = self.memory(request["instance"], request["memory"])
        size = memory.size_bytes(self.d)
        address = request["address"]
        length = max(0, min(request["length"], size - address))
        data = memory.get_bytes(self.d, address, length) if length else b""
        return {}, data

    def op_write_memory(self, request, blob):
        memory = self.memory(request["instance"], request["memory"])
        memory.set_bytes(self.d, request["address"], blob)
        return {}, b""

    def op_get_global(self, request, blob):
        value = self.global_handle(request["instance"], request["index"]).get(self.d)
        return {"value": encode_value(value)}, b""

    def op_set_global(self, request, blob):
        self.global_handle(request["instance"], request["index"]).set(self.d, decode_value(request["value"]))
        return {}, b""

    # -- running -----------------------------------------------------------------
    def op_resume(self, request, blob):
        if self.finished:
            raise RuntimeError("the program has finished")
        self.connection.send({"id": request["id"], "ok": True})
        self.connection.send(self.run(request["step"]))

    def run(self, step: bool) -> dict:
        """Run until an event that the adapter must see; conditions are checked here."""
        while True:
            event = self.run_once(step)
            self.release_frames()  # the stack is read again only if the adapter asks
            if isinstance(event, dbg.Event_Breakpoint) and not step:
                hit = self.breakpoints_hit()
                if hit is None:
                    continue
                return protocol.STOPPED.event(reason="breakpoint", breakpoints=hit)
            return protocol.STOPPED.event(reason=event_reason(event, step))

    def run_once(self, step: bool):
        while True:
            interrupted_before = self.interrupt_pending
            event = self.resume_once(step)
            if isinstance(event, dbg.Event_Interrupted):
                self.interrupt_pending = False
                if interrupted_before:
                    continue  # the leftover of an interrupt that lost a race with another stop
            return event

    def resume_once(self, step: bool):
        resumption = dbg.ResumptionValue_Normal()
        future = self.d.single_step(resumption) if step else self.d.continue_(resumption)
        while True:
            with future.subscribe() as done:
                ready = poll.poll([done, self.connection.incoming])
            if 0 in ready:
                break
            self.serve_while_running()
        event = dbg.EventFuture.finish(future, self.d)
        if isinstance(event, dbg.Event_Complete):
            self.finished = True
        return event

    def serve_while_running(self) -> None:
        while True:
            message = self.connection.pending()
            if message is None:
                return
            request, _ = message
            if request["op"] == protocol.INTERRUPT.name:
                self.d.interrupt()
                self.interrupt_pending = True
                self.connection.send({"id": request["id"], "ok": True})
            else:
                self.connection.send({"id": request["id"], "error": "the program is running"})

    def breakpoints_hit(self):
        """Ids of breakpoints at the current PC whose condition and hit count say stop, or None.

        This runs on every hit, false conditions included, so it asks Wasmtime for as
        little as it can. Where breakpoints are set at one place only, Wasmtime can have
        stopped nowhere else: the top frame is asked for only if a condition reads it.
        Elsewhere the top frame's PC tells the place, and its module only when needed."""
        if self.sole_place is not None:
            top, (_, pc) = None, self.sole_place
            here = self.breakpoints_at[pc]
        else:
            exit_frames = self.d.exit_frames()
            if not exit_frames:
                return None
            top = exit_frames[0]
            pc = top.get_pc(self.d)
            here = self.breakpoints_at.get(pc, [])
            if len({b.module for b in here}) > 1:
                module_id = self.instance_modules[self.record_instance(top.get_instance(self.d))]
                here = [b for b in here if b.module == module_id]
        if not here:
            return []  # a breakpoint we did not set (or just removed): stop anyway
        stopping = []
        errors = []
        frame = ConditionFrame(self, here[0].module, top)
        for breakpoint in here:
            try:
                if breakpoint.condition is not None and not breakpoint.condition(frame):
                    continue
            except (conditions.ConditionError, IndexError, TypeError, ValueError, OverflowError, Err) as error:
                errors.append({"id": breakpoint.id, "message": str(error) or type(error).__name__})
            breakpoint.hits += 1
            if conditions.hit_condition_met(breakpoint.hit_condition, breakpoint.hits):
                stopping.append(breakpoint.id)
        if errors:
            # A condition that cannot be evaluated stops, like LLDB and gdb do; say why.
            self.connection.send(protocol.CONDITION_ERROR.event(errors=errors))
            return stopping or [e["id"] for e in errors]
        return stopping or None

    def serve(self) -> None:
        self.connection.send(protocol.HELLO.event(version=protocol.PROTOCOL_VERSION))
        while True:
            try:
                request, blob = self.connection.receive()
            except ConnectionClosed:
                return
            operation = protocol.OPERATIONS.get(request.get("op"))
            if operation is None:
                self.connection.send({"id": request.get("id"), "error": "unknown op " + repr(request.get("op"))})
                continue
            try:
                request = operation.arguments.check(request)
            except protocol.ProtocolError as error:
                self.connection.send({"id": request.get("id"), "error": str(error)})
                continue
            try:
                reply = getattr(self, "op_" + operation.name)(request, blob)
            except Err as error:
                self.connection.send({"id": request["id"], "error": describe_error(error)})
                continue
            except (KeyError, IndexError, TypeError, ValueError, RuntimeError) as error:
                self.connection.send({"id": request["id"], "error": type(error).__name__ + ": " + str(error)})
                continue
            if reply is not None:
                result, data = reply
                result["id"] = request["id"]
                result["ok"] = True
                self.connection.send(result, data)

    def op_interrupt(self, request, blob):
        # Already paused: nothing to interrupt (Wasmtime would stop the next run at once).
        return {"paused": True}, b""

    def release_frames(self) -> None:
        for frame in self.frames:
            frame.__exit__(None, None, None)
        self.frames = []
        self.frame_locals = {}

    def release(self) -> None:
        """Drop every handle we hold: Wasmtime cannot end a debuggee whose children live on."""
        self.release_frames()
        held = [*self.memories.values(), *self.globals.values(), *self.modules.values(), *self.instances.values()]
        for resource in held:
            resource.__exit__(None, None, None)
        self.memories.clear()
        self.globals.clear()
        self.sole_instances.clear()
        self.modules.clear()
        self.instances.clear()

    def detach(self) -> None:
        """Let the program run to its end without us (the adapter went away)."""
        for breakpoint in list(self.breakpoints.values()):
            self.remove_breakpoint(breakpoint)
        while not self.finished:
            future = self.d.continue_(dbg.ResumptionValue_Normal())
            with future.subscribe() as done:
                done.block()
            if isinstance(dbg.EventFuture.finish(future, self.d), dbg.Event_Complete):
                self.finished = True


def describe_error(error: Err) -> str:
    value = error.value
    return value.name.lower().replace("_", "-") if hasattr(value, "name") else str(value)


def event_reason(event, step: bool) -> str:
    if isinstance(event, dbg.Event_Complete):
        return "complete"
    if isinstance(event, dbg.Event_Trap):
        return "trap"
    if isinstance(event, dbg.Event_Interrupted):
        return "interrupted"
    if isinstance(event, dbg.Event_Breakpoint):
        return "step" if step else "breakpoint"
    if isinstance(event, dbg.Event_Exception):
        return "exception"
    return "other"


class Debugger(exports.Debugger):
    def debug(self, d: dbg.Debuggee, args) -> None:
        agent = Agent(d, Connection(int(args[1])), protocol.ONE_INSTANCE_PER_MODULE in args[2:])
        agent.serve()
        agent.detach()
        agent.release()
