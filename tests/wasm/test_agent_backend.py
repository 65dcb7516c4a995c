"""Backend 1 (our agent inside `wasmtime run -D debugger=`) against the real Wasmtime CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.wasm.agent.guest.conditions import ConditionError, evaluate
from adapters.wasm.debuggee import Breakpoint, DebuggeeError, StopReason
from adapters.wasm.values import WasmValue
from tests.wasm.conftest import assert_on_one_cpu_with_one_async_worker
from tests.wasm.wat_programs import ADD, DIVIDE_BY_ZERO, ENDLESS, LOOP, find_code, write_wat

ADD_BODY = bytes([0x20, 0, 0x20, 1, 0x6A])  # local.get 0; local.get 1; i32.add
WAIT = 30.0


def stop_in_add(start, tmp_path: Path):
    program = write_wat(tmp_path, "add", ADD)
    debuggee, output = start(program)
    (module,) = debuggee.modules()
    pc = find_code(module.bytecode(), ADD_BODY)
    debuggee.set_breakpoint(Breakpoint(1, module.id, pc))
    debuggee.resume()
    stop = debuggee.wait(WAIT)
    return debuggee, output, module, pc, stop


def test_module_bytecode_is_what_wasmtime_runs(start, tmp_path):
    program = write_wat(tmp_path, "add", ADD)
    debuggee, _ = start(program)
    (module,) = debuggee.modules()
    assert module.bytecode() == program.read_bytes()
    assert module.name == "add.wasm"


def test_breakpoint_frames_locals_and_operand_stack(start, tmp_path):
    debuggee, _, module, pc, stop = stop_in_add(start, tmp_path)
    assert stop.reason is StopReason.BREAKPOINT and stop.breakpoint_ids == (1,)
    inner, outer = debuggee.frames()
    assert inner.pc == pc and inner.module_id == module.id
    # function indices count the imported proc_exit: $add is 1, _start is 2
    assert (inner.function_index, outer.function_index) == (1, 2)
    assert [v.signed() for v in inner.locals] == [3, 4]
    assert list(inner.stack) == []  # fetched on first use
    assert [v.signed() for v in outer.stack] == [3, 4]


def test_single_step_executes_one_instruction(start, tmp_path):
    debuggee, _, _, pc, _ = stop_in_add(start, tmp_path)
    debuggee.resume(step=True)
    assert debuggee.wait(WAIT).reason is StopReason.STEP
    frame = debuggee.frames()[0]
    assert frame.pc == pc + 2  # past `local.get 0`
    assert [v.signed() for v in frame.stack] == [3]


def test_globals_and_memory_read_and_write(start, tmp_path):
    debuggee, _, module, _, _ = stop_in_add(start, tmp_path)
    instance = debuggee.instance_of(module.id)
    assert debuggee.get_global(instance, 0) == WasmValue.i32(7)
    assert debuggee.get_global(instance, 1).signed() == -2
    debuggee.set_global(instance, 0, WasmValue.i32(-9))
    assert debuggee.get_global(instance, 0).signed() == -9
    assert debuggee.memory_size(instance) == 65536
    debuggee.write_memory(instance, 200, b"hello")
    assert debuggee.read_memory(instance, 198, 9) == b"\0\0hello\0\0"
    assert debuggee.read_memory(instance, 65530, 100) == bytes(6)  # clipped at the end of memory


def test_run_to_exit_reports_exit_code_and_state_changes(start, tmp_path):
    debuggee, _, module, _, _ = stop_in_add(start, tmp_path)
    debuggee.remove_breakpoint(1)
    debuggee.resume()
    stop = debuggee.wait(WAIT)
    assert stop.reason is StopReason.EXITED
    assert stop.exit_code == 7  # the program exits with 3 + 4


def test_condition_is_evaluated_in_the_agent(start, tmp_path):
    program = write_wat(tmp_path, "loop", LOOP)
    debuggee, _ = start(program)
    (module,) = debuggee.modules()
    pc = find_code(module.bytecode(), bytes([0x20, 0, 0x41, 2, 0x6C]))  # body of $body
    condition = [["local", 0], ["const", 500], ["eq"]]
    debuggee.set_breakpoint(Breakpoint(1, module.id, pc, condition=condition))
    debuggee.resume()
    stop = debuggee.wait(WAIT)
    assert stop.reason is StopReason.BREAKPOINT
    assert debuggee.frames()[0].locals[0].signed() == 500
    debuggee.resume()
    end = debuggee.wait(WAIT)  # no other iteration satisfied it
    assert (end.reason, end.exit_code) == (StopReason.EXITED, 0)  # _start returned: a normal end


def test_conditions_at_two_places_each_read_their_own_frame(start, tmp_path):
    """With breakpoints at one place the agent never asks where it stopped; with two it must."""
    debuggee, _ = start(write_wat(tmp_path, "loop", LOOP))
    (module,) = debuggee.modules()
    in_body = find_code(module.bytecode(), bytes([0x20, 0, 0x41, 2, 0x6C]))  # $body: local 0 is its argument
    in_start = find_code(module.bytecode(), bytes([0x20, 1, 0x6A, 0x21, 1]))  # _start: local 0 is $i
    debuggee.set_breakpoints(
        [
            Breakpoint(1, module.id, in_body, condition=[["local", 0], ["const", 500], ["eq"]]),
            Breakpoint(2, module.id, in_start, condition=[["local", 0], ["const", 700], ["eq"]]),
        ]
    )
    debuggee.resume()
    stop = debuggee.wait(WAIT)
    assert stop.breakpoint_ids == (1,)
    assert (debuggee.frames()[0].pc, debuggee.frames()[0].locals[0].signed()) == (in_body, 500)
    debuggee.remove_breakpoint(1)  # one place again
    debuggee.resume()
    stop = debuggee.wait(WAIT)
    assert stop.breakpoint_ids == (2,)
    assert (debuggee.frames()[0].pc, debuggee.frames()[0].locals[0].signed()) == (in_start, 700)
    debuggee.resume()
    assert debuggee.wait(WAIT).reason is StopReason.EXITED


def test_hit_condition_counts_in_the_agent(start, tmp_path):
    program = write_wat(tmp_path, "loop", LOOP)
    debuggee, _ = start(program)
    (module,) = debuggee.modules()
    pc = find_code(module.bytecode(), bytes([0x20, 0, 0x41, 2, 0x6C]))
    debuggee.set_breakpoint(Breakpoint(1, module.id, pc, hit_condition=("%", 300)))
    seen = []
    debuggee.resume()
    while (stop := debuggee.wait(WAIT)).reason is StopReason.BREAKPOINT:
        seen.append(debuggee.frames()[0].locals[0].signed())
        debuggee.resume()
    assert seen == [299, 599, 899]
    assert stop.reason is StopReason.EXITED


def test_wasmtime_runs_on_one_cpu_with_one_async_worker(start, tmp_path):
    # Each question the agent asks Wasmtime is a message between two of its threads:
    # kept on one CPU and one worker, a breakpoint hit costs a third of what it does spread out.
    debuggee, _ = start(write_wat(tmp_path, "loop", LOOP))
    assert_on_one_cpu_with_one_async_worker(debuggee.process.pid)


def test_a_condition_program_that_cannot_be_compiled_stops_and_says_why(start, tmp_path):
    program = write_wat(tmp_path, "loop", LOOP)
    debuggee, _ = start(program)
    (module,) = debuggee.modules()
    pc = find_code(module.bytecode(), bytes([0x20, 0, 0x41, 2, 0x6C]))
    debuggee.set_breakpoint(Breakpoint(1, module.id, pc, condition=[["local", 0], ["lt"]]))  # lt lacks an operand
    debuggee.resume()
    stop = debuggee.wait(WAIT)
    assert stop.reason is StopReason.BREAKPOINT
    assert stop.condition_errors == ((1, "malformed condition program"),)
    assert debuggee.frames()[0].locals[0].signed() == 0  # the first hit


def test_condition_that_cannot_be_evaluated_stops_and_says_why(start, tmp_path):
    program = write_wat(tmp_path, "loop", LOOP)
    debuggee, _ = start(program)
    (module,) = debuggee.modules()
    pc = find_code(module.bytecode(), bytes([0x20, 0, 0x41, 2, 0x6C]))
    condition = [["const", 1 << 40], ["load", 4, True, False]]  # far outside linear memory
    debuggee.set_breakpoint(Breakpoint(1, module.id, pc, condition=condition))
    debuggee.resume()
    stop = debuggee.wait(WAIT)
    assert stop.reason is StopReason.BREAKPOINT
    assert stop.condition_errors and "cannot read memory" in stop.condition_errors[0][1]


def test_pause_interrupts_an_endless_loop(start, tmp_path):
    program = write_wat(tmp_path, "endless", ENDLESS)
    debuggee, _ = start(program)
    debuggee.modules()
    debuggee.resume()
    assert debuggee.wait(0.3) is None  # it really runs
    debuggee.interrupt()
    stop = debuggee.wait(WAIT)
    assert stop.reason is StopReason.INTERRUPTED
    before = debuggee.frames()[0].locals[0].unsigned()
    debuggee.resume()
    assert debuggee.wait(0.2) is None
    debuggee.interrupt()
    assert debuggee.wait(WAIT).reason is StopReason.INTERRUPTED
    assert debuggee.frames()[0].locals[0].unsigned() != before


def test_trap_is_reported_with_its_kind_then_ends_the_program(start, tmp_path):
    program = write_wat(tmp_path, "divide", DIVIDE_BY_ZERO)
    debuggee, output = start(program)
    debuggee.modules()
    debuggee.resume()
    stop = debuggee.wait(WAIT)
    assert stop.reason is StopReason.TRAP
    assert "divide by zero" in stop.trap
    assert [v.signed() for v in debuggee.frames()[0].locals] == [1, 0]
    debuggee.resume()
    end = debuggee.wait(WAIT)
    assert end.reason is StopReason.EXITED and end.exit_code != 0
    assert "divide by zero" in output.text("console")  # Wasmtime's own report, not program stderr
    assert output.text("stderr") == ""


def test_program_output_arrives_in_full(start, tmp_path):
    source = tmp_path / "flood.c"
    source.write_text(
        '#include <stdio.h>\nint main(void) { for (int i = 0; i < 20000; i++) printf("line %d\\n", i); return 3; }\n'
    )
    program = tmp_path / "flood.wasm"
    compile_c(source, program)
    debuggee, output = start(program)
    debuggee.resume()
    stop = debuggee.wait(WAIT)
    assert (stop.reason, stop.exit_code) == (StopReason.EXITED, 3)
    lines = output.text("stdout").splitlines()
    assert len(lines) == 20000 and lines[-1] == "line 19999"


def test_wasmtime_killed_mid_session_ends_it_cleanly(start, tmp_path):
    program = write_wat(tmp_path, "endless", ENDLESS)
    debuggee, _ = start(program)
    debuggee.resume()
    os.killpg(debuggee.process.pid, signal.SIGKILL)
    stop = debuggee.wait(WAIT)
    assert stop.reason is StopReason.EXITED and stop.exit_code == -signal.SIGKILL
    with pytest.raises(DebuggeeError):
        debuggee.frames()


def test_bad_programs_get_clear_errors(start, tmp_path):
    with pytest.raises(DebuggeeError, match="program not found"):
        start(tmp_path / "missing.wasm")
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(DebuggeeError, match="not a WebAssembly module"):
        start(text)
    elf = tmp_path / "prog.cwasm"
    elf.write_bytes(b"\x7fELF" + bytes(60))
    with pytest.raises(DebuggeeError, match="allowPrecompiled"):
        start(elf)
    broken = tmp_path / "broken.wasm"
    broken.write_bytes(b"\0asm\x01\0\0\0\x01\xff")
    with pytest.raises(DebuggeeError, match="Wasmtime exited before the debugger attached"):
        start(broken)


def test_condition_evaluator_follows_c_integer_semantics():
    class Frame:
        def local(self, index):
            return [-7, 2][index]

    assert evaluate([["local", 0], ["local", 1], ["div"]], Frame()) == -3  # truncates toward zero
    assert evaluate([["local", 0], ["local", 1], ["rem"]], Frame()) == -1
    assert evaluate([["const", 0xFFFFFFFF], ["wrap", 32, True]], Frame()) == -1
    assert evaluate([["const", 1], ["const", 40], ["shl"]], Frame()) == 1 << 40
    for hostile in ([["const", 1], ["const", 10**9], ["shl"]], [["const", float("nan")], ["wrap", 32, True]]):
        with pytest.raises(ConditionError):
            evaluate(hostile, Frame())


def compile_c(source: Path, output: Path) -> None:
    command = [sys.executable, "-m", "ziglang", "cc", "--target=wasm32-wasi", "-g", "-O0", "-fno-sanitize=undefined"]
    subprocess.run([*command, str(source), "-o", str(output)], check=True)


def test_arguments_environment_directories_and_stdin_reach_the_program(start, tmp_path):
    source = tmp_path / "io.c"
    source.write_text(
        "#include <stdio.h>\n#include <stdlib.h>\n"
        "int main(int argc, char **argv) {\n"
        "  char line[64] = {0}; fgets(line, sizeof line, stdin);\n"
        '  FILE *f = fopen("/data/in.txt", "r"); char word[32] = {0}; if (f) fscanf(f, "%31s", word);\n'
        '  printf("args=%d first=%s env=%s stdin=%s file=%s\\n", argc, argv[1], getenv("GREETING"), line, word);\n'
        "  return argc;\n}\n"
    )
    program = tmp_path / "io.wasm"
    compile_c(source, program)
    data = tmp_path / "data"
    data.mkdir()
    (data / "in.txt").write_text("preopened\n")
    stdin = tmp_path / "stdin.txt"
    stdin.write_text("typed")
    debuggee, output = start(
        program, args=("one", "two"), env={"GREETING": "hello"}, dirs=(f"{data}::/data",), stdin=stdin
    )
    debuggee.resume()
    stop = debuggee.wait(WAIT)
    assert (stop.reason, stop.exit_code) == (StopReason.EXITED, 3)
    assert output.text("stdout") == "args=3 first=one env=hello stdin=typed file=preopened\n"
