"""Backend 2 (a GDB-remote client for `wasmtime run -g`) against the real Wasmtime CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.wasm.binary import parse_module
from adapters.wasm.debuggee import (
    Breakpoint,
    DebuggeeError,
    DebuggeeGone,
    NotSupported,
    StopReason,
)
from adapters.wasm.gdbremote import GdbRemoteDebuggee, attach, launch
from adapters.wasm.gdbremote.launcher import _StderrRouter
from adapters.wasm.process import LaunchOptions
from adapters.wasm.values import WasmValue
from tests.wasm.conftest import Output, assert_on_one_cpu_with_one_async_worker
from tests.wasm.user_stub import free_port, user_started_stub
from tests.wasm.wat_programs import ADD, DIVIDE_BY_ZERO, ENDLESS, find_code, write_wat

ADD_BODY = bytes([0x20, 0, 0x20, 1, 0x6A])  # local.get 0; local.get 1; i32.add
WAIT = 30.0
TRAP_EXIT = 128 + signal.SIGABRT  # Wasmtime's exit status after a Wasm trap


@pytest.fixture
def start() -> Iterator:
    """Launch programs under the gdbstub; every one is closed, and its Wasmtime gone, after the test."""
    started: list[GdbRemoteDebuggee] = []

    def _start(program: Path, *args: str) -> tuple[GdbRemoteDebuggee, Output]:
        output = Output()
        debuggee = launch(LaunchOptions(program, args=args), output)
        started.append(debuggee)
        return debuggee, output

    yield _start
    for debuggee in started:
        debuggee.close()
        assert debuggee.process is not None and debuggee.process.poll() is not None, "Wasmtime outlived its session"


def test_the_launched_wasmtime_runs_on_one_cpu_with_one_async_worker(start, tmp_path):
    debuggee, _ = start(write_wat(tmp_path, "add", ADD))
    assert debuggee.process is not None
    assert_on_one_cpu_with_one_async_worker(debuggee.process.pid)


def stop_in_add(start, tmp_path: Path):
    program = write_wat(tmp_path, "add", ADD)
    debuggee, _ = start(program)
    (module,) = debuggee.modules()
    pc = find_code(module.bytecode(), ADD_BODY)
    debuggee.set_breakpoint(Breakpoint(1, module.id, pc))
    debuggee.resume()
    return debuggee, module, pc, debuggee.wait(WAIT)


def function_start(wasm: Path, name: str) -> int:
    module = parse_module(wasm.read_bytes())
    index = next(i for i, n in module.function_names.items() if n == name)
    return module.function(index).locals_end


def test_module_bytecode_is_the_file(start, tmp_path):
    program = write_wat(tmp_path, "add", ADD)
    debuggee, output = start(program)
    (module,) = debuggee.modules()
    assert module.bytecode() == program.read_bytes()
    assert module.name == "add.wasm"
    assert "Debugger listening" in output.text("console") and output.text("stderr") == ""


def test_breakpoint_frames_locals_and_operand_stack(start, tmp_path):
    debuggee, module, pc, stop = stop_in_add(start, tmp_path)
    assert stop.reason is StopReason.BREAKPOINT and stop.breakpoint_ids == (1,)
    inner, outer = debuggee.frames()
    assert (inner.pc, inner.module_id, inner.instance_id) == (pc, module.id, debuggee.instance_of(module.id))
    assert (inner.function_index, outer.function_index) == (1, 2)  # the imported proc_exit counts
    assert inner.locals == (WasmValue.i32(3), WasmValue.i32(4)) and inner.stack == ()
    assert outer.locals == (WasmValue.i32(0),)  # _start's declared local, typed from the module
    assert [v.signed() for v in outer.stack] == [3, 4]


def test_single_step_executes_one_instruction(start, tmp_path):
    debuggee, _, pc, _ = stop_in_add(start, tmp_path)
    debuggee.resume(step=True)
    assert debuggee.wait(WAIT).reason is StopReason.STEP
    frame = debuggee.frames()[0]
    assert frame.pc == pc + 2  # past `local.get 0`
    assert frame.stack == (WasmValue.i32(3),)


def test_globals_and_memory_are_read_and_writes_refused(start, tmp_path):
    debuggee, module, _, _ = stop_in_add(start, tmp_path)
    instance = debuggee.instance_of(module.id)
    assert debuggee.get_global(instance, 0) == WasmValue.i32(7)
    assert debuggee.get_global(instance, 1) == WasmValue.i64(-2)
    assert debuggee.memory_size(instance) == 65536
    assert debuggee.read_memory(instance, 100, 4) == bytes(4)
    assert debuggee.read_memory(instance, 65534, 8) == bytes(2)  # cut at the memory's end
    with pytest.raises(DebuggeeError):
        debuggee.get_global(instance, 9)
    with pytest.raises(NotSupported, match="memory writes"):
        debuggee.write_memory(instance, 100, b"\1")
    with pytest.raises(NotSupported, match="globals"):
        debuggee.set_global(instance, 0, WasmValue.i32(1))
    with pytest.raises(NotSupported, match="conditions"):
        debuggee.set_breakpoint(Breakpoint(2, module.id, 0x40, condition=["true"]))
    caps = debuggee.capabilities
    assert not (caps.can_write_memory or caps.can_write_globals or caps.can_interrupt or caps.engine_conditions)


def test_state_changes_then_proc_exit_is_a_normal_exit(start, tmp_path):
    debuggee, module, _, _ = stop_in_add(start, tmp_path)
    store = find_code(module.bytecode(), bytes([0x36, 0x02, 0x00]))  # i32.store
    debuggee.remove_breakpoint(1)
    debuggee.set_breakpoint(Breakpoint(2, module.id, store))
    debuggee.resume()
    assert debuggee.wait(WAIT).breakpoint_ids == (2,)
    assert debuggee.frames()[0].stack == (WasmValue.i32(100), WasmValue.i32(0x11223344))
    assert debuggee.read_memory(0, 100, 4) == bytes(4)
    debuggee.resume(step=True)
    assert debuggee.wait(WAIT).reason is StopReason.STEP
    assert debuggee.read_memory(0, 100, 4) == (0x11223344).to_bytes(4, "little")
    debuggee.resume()
    stop = debuggee.wait(WAIT)
    assert (stop.reason, stop.exit_code, stop.trap) == (StopReason.EXITED, 7, None)
    with pytest.raises(DebuggeeGone):
        debuggee.frames()


def test_trap_is_reported_with_its_kind_then_ends_the_program(start, tmp_path):
    debuggee, _ = start(write_wat(tmp_path, "divide", DIVIDE_BY_ZERO))
    debuggee.resume()
    stop = debuggee.wait(WAIT)
    assert stop.reason is StopReason.TRAP and "divide by zero" in stop.trap
    assert debuggee.frames()[0].function_index == 0
    debuggee.resume()
    stop = debuggee.wait(WAIT)
    assert (stop.reason, stop.exit_code) == (StopReason.EXITED, TRAP_EXIT)


@pytest.mark.parametrize(
    ("args", "reason", "trap", "exit_code"),
    [
        (("divzero",), StopReason.TRAP, "integer divide by zero", None),
        (("unreachable",), StopReason.TRAP, "unreachable", None),
        (("oob",), StopReason.TRAP, "out of bounds memory access", None),
        (("exit", "3"), StopReason.EXITED, None, 3),
        ((), StopReason.EXITED, None, 0),
    ],
)
def test_c_traps_and_exits_are_told_apart(start, fixtures, args, reason, trap, exit_code):
    debuggee, output = start(fixtures["traps"], *args)
    debuggee.resume()
    stop = debuggee.wait(WAIT)
    assert stop.reason is reason and stop.exit_code == exit_code
    assert (trap is None and stop.trap is None) or trap in stop.trap
    if reason is StopReason.EXITED:
        assert output.text("stdout") == ("no trap\n" if not args else "")


def test_c_recursion_frames_and_parameters(start, fixtures):
    wasm = fixtures["basics"]
    debuggee, output = start(wasm, "4")
    (module,) = debuggee.modules()
    assert module.bytecode() == wasm.read_bytes()
    debuggee.set_breakpoint(Breakpoint(1, module.id, function_start(wasm, "factorial")))
    depths = []
    for n in (4, 3, 2):
        debuggee.resume()
        assert debuggee.wait(WAIT).breakpoint_ids == (1,)
        frames = debuggee.frames()
        assert frames[0].locals[0] == WasmValue.i32(n)  # the parameter, first local
        depths.append(len(frames))
    assert depths[1] == depths[0] + 1 and depths[2] == depths[1] + 1
    names = parse_module(wasm.read_bytes()).function_names
    assert [names[f.function_index] for f in frames[:3]] == ["factorial"] * 3
    stack_pointer = debuggee.get_global(0, 0)  # clang's __stack_pointer, into linear memory
    assert 0 < stack_pointer.unsigned() < debuggee.memory_size(0)
    assert len(debuggee.read_memory(0, stack_pointer.unsigned(), 64)) == 64
    debuggee.remove_breakpoint(1)
    debuggee.resume()
    stop = debuggee.wait(WAIT)
    assert (stop.reason, stop.exit_code) == (StopReason.EXITED, (24 * 24 + 10) % 7)
    assert output.text("stdout") == "factorial=24 sum=10 counter=586 calls=1\n"


def test_interrupt_is_not_supported_and_kill_ends_a_running_program(start, tmp_path):
    debuggee, _ = start(write_wat(tmp_path, "endless", ENDLESS))
    debuggee.resume()
    with pytest.raises(NotSupported, match="interrupt"):
        debuggee.interrupt()
    assert debuggee.wait(0.2) is None
    threading.Timer(0.1, debuggee.kill).start()
    stop = debuggee.wait(WAIT)
    assert stop.reason is StopReason.EXITED and stop.exit_code == -signal.SIGKILL
    assert debuggee.process.poll() is not None


def test_wasmtime_killed_mid_session_ends_it_cleanly(start, tmp_path):
    debuggee, _ = start(write_wat(tmp_path, "endless", ENDLESS))
    debuggee.resume()
    os.kill(debuggee.process.pid, signal.SIGKILL)
    stop = debuggee.wait(WAIT)
    assert stop.reason is StopReason.EXITED and "killed by signal 9" in stop.trap
    with pytest.raises(DebuggeeGone):
        debuggee.frames()


@pytest.fixture
def user_stub(tmp_path) -> Iterator[tuple[subprocess.Popen, int]]:
    """A `wasmtime run -g` started the way a user would, listening when yielded."""
    with user_started_stub(write_wat(tmp_path, "add", ADD)) as started:
        yield started


def test_attach_to_a_user_started_stub_then_lose_it(user_stub):
    process, port = user_stub
    debuggee = attach("127.0.0.1", port)
    (module,) = debuggee.modules()
    pc = find_code(module.bytecode(), ADD_BODY)
    debuggee.set_breakpoint(Breakpoint(1, module.id, pc))
    debuggee.resume()
    assert debuggee.wait(WAIT).breakpoint_ids == (1,)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    with pytest.raises(DebuggeeGone):
        debuggee.frames()
    assert debuggee.close() is None


def test_attach_runs_to_proc_exit_and_reads_its_code(user_stub):
    process, port = user_stub
    debuggee = attach("127.0.0.1", port)
    debuggee.resume()
    stop = debuggee.wait(WAIT)
    assert (stop.reason, stop.exit_code) == (StopReason.EXITED, 7)  # from the operand stack
    assert process.wait(WAIT) == 7
    debuggee.close()


def test_attach_to_nothing_is_a_clear_error():
    with pytest.raises(DebuggeeGone, match="cannot connect"):
        attach("127.0.0.1", free_port())


def test_bad_programs_get_clear_errors(tmp_path):
    with pytest.raises(DebuggeeError, match="not found"):
        launch(LaunchOptions(tmp_path / "missing.wasm"))
    broken = tmp_path / "broken.wasm"
    broken.write_bytes(b"\0asm\1\0\0\0\x01\xff")
    with pytest.raises(DebuggeeError, match="exited before"):
        launch(LaunchOptions(broken))


def test_stub_lines_written_in_pieces_are_console_output_and_the_rest_stderr():
    routed = []
    router = _StderrRouter(lambda category, text: routed.append((category, text)))
    for piece in ("Debugger: ", "listening\n", "Deb", "ugger: attach\nprog", "ram: Debugger: x\n", "Deb"):
        router.feed(piece)
    router.flush()
    assert routed == [
        ("console", "Debugger: listening\n"),
        ("console", "Debugger: attach\n"),
        ("stderr", "prog"),  # not held back: it cannot be a stub line
        ("stderr", "ram: Debugger: x\n"),
        ("stderr", "Deb"),
    ]
