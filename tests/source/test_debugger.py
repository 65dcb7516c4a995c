"""The source-level debugger on real compiled C programs under real Wasmtime."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from adapters.source import launching
from adapters.source.debugger import SourceDebugger
from adapters.source.model import BreakpointSpec, StopKind
from adapters.wasm.process import LaunchOptions
from tests.conftest import FIXTURES

BASICS = str(FIXTURES / "basics.c")
HEAVY = str(FIXTURES / "heavy.c")
TRAPS = str(FIXTURES / "traps.c")
INLINE = str(FIXTURES / "inline.c")


class Session:
    def __init__(self, debugger: SourceDebugger, output: list[tuple[str, str]]) -> None:
        self.debugger = debugger
        self.output = output

    def top(self) -> tuple[str, int]:
        frame = self.debugger.stack()[0]
        assert frame.location is not None
        return frame.name, frame.location.line

    def console(self) -> str:
        return "".join(text for category, text in self.output if category == "console")


@pytest.fixture
def debug(fixtures) -> Iterator:
    sessions: list[SourceDebugger] = []

    def _debug(
        name: str, *args: str, breakpoints: dict[str, list[BreakpointSpec]] | None = None, backend: str = "agent"
    ) -> Session:
        output: list[tuple[str, str]] = []
        debugger = launching.launch(
            LaunchOptions(fixtures[name], args=args), backend=backend, on_output=lambda c, t: output.append((c, t))
        )
        sessions.append(debugger)
        for path, specs in (breakpoints or {}).items():
            assert all(result.verified for result in debugger.set_source_breakpoints(path, specs))
        debugger.start(stop_on_entry=False)
        return Session(debugger, output)

    yield _debug
    for debugger in sessions:
        debugger.close()


def at(line: int, **options) -> BreakpointSpec:
    return BreakpointSpec(line=line, **options)


def test_breakpoint_stack_through_recursion(debug, markers):
    lines = markers("basics.c")
    session = debug("basics", breakpoints={BASICS: [at(lines["factorial_base"])]})
    stop = session.debugger.resume()
    assert stop.kind is StopKind.BREAKPOINT and stop.breakpoint_ids
    frames = session.debugger.stack()
    names = [frame.name for frame in frames]
    assert names[:6] == ["factorial"] * 5 + ["main"]  # factorial(5) recursed down to n == 1
    assert frames[0].location.line == lines["factorial_base"]
    assert {frame.location.line for frame in frames[1:5]} == {lines["factorial_recurse"]}
    assert frames[5].location.line == lines["main_factorial"]
    assert session.debugger.resume().kind is StopKind.EXITED


def test_breakpoint_on_a_line_without_code_slides_to_the_next(debug, markers, fixtures):
    lines = markers("basics.c")
    debugger = launching.launch(LaunchOptions(fixtures["basics"]))
    try:
        slid, outside = debugger.set_source_breakpoints(BASICS, [at(lines["no_code"]), at(10_000)])
        assert slid.verified and slid.location.line == lines["sum_return"]
        assert not outside.verified and "no code" in outside.message
    finally:
        debugger.close()


def test_exit_code_is_reported(debug):
    session = debug("basics")
    stop = session.debugger.resume()
    assert (stop.kind, stop.exit_code) == (StopKind.EXITED, (120 * 120 + 15) % 7)


def test_step_over_stays_in_the_frame_across_recursion(debug, markers):
    lines = markers("basics.c")
    session = debug("basics", breakpoints={BASICS: [at(lines["main_factorial"])]})
    session.debugger.resume()
    stop = session.debugger.step("over")
    assert stop.kind is StopKind.STEP
    assert session.top() == ("main", lines["main_factorial"] + 1)


def test_step_over_in_a_loop_comes_back_to_the_loop(debug, markers):
    lines = markers("basics.c")
    session = debug("basics", breakpoints={BASICS: [at(lines["loop_body"])]})
    session.debugger.resume()
    session.debugger.set_source_breakpoints(BASICS, [])
    seen = []
    for _ in range(4):
        session.debugger.step("over")
        seen.append(session.top())
    assert ("sum_to", lines["loop_body"] - 1) in seen  # the for header: i++ and the test
    assert ("sum_to", lines["loop_body"]) in seen[1:]  # and the body again


def test_step_in_enters_the_called_function(debug, markers):
    lines = markers("basics.c")
    session = debug("basics", breakpoints={BASICS: [at(lines["main_factorial"])]})
    session.debugger.resume()
    session.debugger.step("in")
    name, line = session.top()
    assert name == "factorial" and line == lines["factorial_base"] - 1  # `if (n <= 1)`


def test_step_out_returns_to_the_caller(debug, markers):
    lines = markers("basics.c")
    session = debug("basics", breakpoints={BASICS: [at(lines["factorial_base"])]})
    session.debugger.resume()
    depth = len(session.debugger.stack())
    stop = session.debugger.step("out")
    assert stop.kind is StopKind.STEP
    assert session.top() == ("factorial", lines["factorial_recurse"])
    assert len(session.debugger.stack()) == depth - 1


def test_next_over_a_heavy_call_runs_it_at_full_speed(debug, markers):
    lines = markers("heavy.c")
    session = debug("heavy", breakpoints={HEAVY: [at(lines["heavy_call"])]})
    session.debugger.resume()
    stop = session.debugger.step("over")
    assert stop.kind is StopKind.STEP
    assert session.top() == ("main", lines["heavy_call"] + 1)


def test_function_breakpoint(debug, markers, fixtures):
    lines = markers("basics.c")
    session = debug("basics")
    (result,) = session.debugger.set_function_breakpoints([BreakpointSpec(function="sum_to")])
    assert result.verified
    stop = session.debugger.resume()
    assert stop.kind is StopKind.FUNCTION_BREAKPOINT
    assert session.top() == ("sum_to", lines["sum_to_first"])


@pytest.mark.parametrize(
    ("mode", "exception_id", "text", "marker"),
    [
        ("divzero", "trap", "divide by zero", "divide"),
        ("unreachable", "trap", "unreachable", "unreachable"),
        ("oob", "trap", "out of bounds", "out_of_bounds"),
        ("abort", "abort", "aborted", None),
    ],
)
def test_traps_stop_with_their_kind(debug, markers, mode, exception_id, text, marker):
    lines = markers("traps.c")
    session = debug("traps", mode)
    session.debugger.set_exception_filters(["trap", "abort"])
    stop = session.debugger.resume()
    assert stop.kind is StopKind.EXCEPTION and stop.exception_id == exception_id
    assert text in stop.description
    if marker is not None:
        assert session.top()[1] == lines[marker]
    assert any(frame.name == "main" for frame in session.debugger.stack())
    end = session.debugger.resume()
    assert end.kind is StopKind.EXITED and end.exit_code != 0


def test_traps_without_a_filter_end_the_program(debug):
    session = debug("traps", "divzero")
    stop = session.debugger.resume()
    assert stop.kind is StopKind.EXITED and stop.exit_code != 0
    assert "divide by zero" in session.console()


def test_exit_through_exit_call_is_not_a_trap(debug):
    session = debug("traps", "exit", "42")
    session.debugger.set_exception_filters(["trap", "abort"])
    stop = session.debugger.resume()
    assert (stop.kind, stop.exit_code) == (StopKind.EXITED, 42)


def test_inlined_calls_are_frames_of_their_own(debug, markers):
    lines = markers("inline.c")
    session = debug("inline", breakpoints={INLINE: [at(lines["inner_body"])]})
    session.debugger.resume()
    frames = session.debugger.stack()
    assert [f.name for f in frames[:3]] == ["inner", "outer", "compute"]
    assert [f.inlined for f in frames[:3]] == [True, True, False]
    assert [f.location.line for f in frames[:3]] == [
        lines["inner_body"],
        lines["outer_calls_inner"],
        lines["compute_calls_outer"],
    ]


def test_logpoint_prints_and_does_not_stop(debug, markers):
    lines = markers("basics.c")
    session = debug("basics", breakpoints={BASICS: [at(lines["sum_to_first"], log_message="entering sum_to")]})
    stop = session.debugger.resume()
    assert stop.kind is StopKind.EXITED
    assert "entering sum_to\n" in session.console()


def test_pause_an_endless_loop(debug, markers):
    lines = markers("heavy.c")
    session = debug("heavy", "forever", breakpoints={HEAVY: [at(lines["spin_body"])]})
    session.debugger.resume()  # now inside the endless loop
    session.debugger.set_source_breakpoints(HEAVY, [])
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(session.debugger.resume)
        assert session.debugger.running.wait(30)
        session.debugger.pause()
        stop = running.result(timeout=30)
    assert stop.kind is StopKind.PAUSE
    assert session.top()[0] == "spin_forever"


def test_condition_compiles_to_the_engine_and_stops_only_when_true(debug, markers):
    lines = markers("basics.c")
    session = debug("basics", breakpoints={BASICS: [at(lines["loop_body"], condition="i == 4 && total > 5")]})
    (breakpoint,) = session.debugger.breakpoints.user.values()
    assert not breakpoint.host_condition  # evaluated inside the agent: no round trip per hit
    assert session.debugger.resume().kind is StopKind.BREAKPOINT
    assert session.debugger.evaluate("i").value == "4"
    assert session.debugger.resume().kind is StopKind.EXITED


def test_hit_condition(debug, markers):
    lines = markers("basics.c")
    session = debug("basics", breakpoints={BASICS: [at(lines["loop_body"], hit_condition="% 2")]})
    seen = []
    while session.debugger.resume().kind is StopKind.BREAKPOINT:
        seen.append(session.debugger.evaluate("i").value)
    assert seen == ["2", "4"]


def test_logpoint_interpolates_expressions(debug, markers):
    lines = markers("basics.c")
    message = "sum_to({limit}) = {total}, {{literal}}, hex {total,x}, bad {nope}"
    session = debug("basics", breakpoints={BASICS: [at(lines["sum_return"], log_message=message)]})
    assert session.debugger.resume().kind is StopKind.EXITED
    console = session.console()
    assert "sum_to(5) = 15, {literal}, hex 0xf, bad <error:" in console


def test_evaluate_and_set_variable(debug, markers):
    lines = markers("basics.c")
    session = debug("basics", breakpoints={BASICS: [at(lines["sum_return"])]})
    session.debugger.resume()
    assert session.debugger.evaluate("total * 2 + limit").value == "35"
    assert "total" in session.debugger.completions("1 + to", 7)  # column 7: just after "to"
    locals_scope = next(s for s in session.debugger.scopes(1) if s.name == "Locals")
    session.debugger.set_variable(locals_scope.reference, "total", "100")
    assert session.debugger.evaluate("total").value == "100"
    assert session.debugger.set_expression("total", "total + 1").value == "101"
    stop = session.debugger.resume()
    assert stop.exit_code == (120 * 120 + 101) % 7  # the program used the new value


def test_pause_while_stopped_does_nothing(debug, markers):
    lines = markers("basics.c")
    session = debug("basics", breakpoints={BASICS: [at(lines["sum_to_first"]), at(lines["sum_return"])]})
    session.debugger.resume()
    session.debugger.pause()  # nothing runs: no pause may be left pending for the next run
    assert session.debugger.resume().breakpoint_ids  # the next stop is the breakpoint, not a pause


def test_disassembly_and_memory(debug, markers):
    lines = markers("basics.c")
    session = debug("basics", breakpoints={BASICS: [at(lines["sum_return"])]})
    session.debugger.resume()
    frame = session.debugger.stack()[0]
    rows = session.debugger.disassemble(hex(frame.code_address), 0, -2, 5)
    assert len(rows) == 5 and rows[2].pc == frame.pc
    assert rows[2].location.line == lines["sum_return"] and rows[2].symbol == "sum_to"
    reference = session.debugger.evaluate("total").memory_reference
    address, data = session.debugger.read_memory(reference, 0, 4)
    assert address == int(reference, 16) and int.from_bytes(data, "little") == 15
    session.debugger.write_memory(reference, 0, (77).to_bytes(4, "little"))
    assert session.debugger.evaluate("total").value == "77"


def test_condition_the_engine_cannot_evaluate_is_evaluated_on_the_host(debug, markers):
    lines = markers("basics.c")
    condition = "i == 3 && $local0 == limit"  # Wasm-level forms are never compiled for the engine
    session = debug("basics", breakpoints={BASICS: [at(lines["loop_body"], condition=condition)]})
    (breakpoint,) = session.debugger.breakpoints.user.values()
    assert breakpoint.host_condition
    assert session.debugger.resume().kind is StopKind.BREAKPOINT
    assert session.debugger.evaluate("i").value == "3"
    assert session.debugger.resume().kind is StopKind.EXITED


def test_gdbstub_backend_breakpoints_conditions_steps_and_exit(debug, markers):
    lines = markers("basics.c")
    session = debug("basics", backend="gdb", breakpoints={BASICS: [at(lines["loop_body"], condition="i == 3")]})
    assert session.debugger.resume().kind is StopKind.BREAKPOINT
    assert session.top() == ("sum_to", lines["loop_body"])
    assert (session.debugger.evaluate("i").value, session.debugger.evaluate("total").value) == ("3", "3")
    session.debugger.set_source_breakpoints(BASICS, [])
    session.debugger.step("out")
    assert session.top() == ("main", lines["main_factorial"] + 1)
    locals_scope = next(s for s in session.debugger.scopes(1) if s.name == "Locals")
    assert not any(v.writable for v in session.debugger.variables(locals_scope.reference))  # the stub refuses writes
    stop = session.debugger.resume()
    assert (stop.kind, stop.exit_code) == (StopKind.EXITED, 2)


def test_stop_on_entry_stops_at_main(fixtures, markers):
    lines = markers("basics.c")
    debugger = launching.launch(LaunchOptions(fixtures["basics"]))
    try:
        stop = debugger.start(stop_on_entry=True)
        assert stop.kind is StopKind.ENTRY
        frame = debugger.stack()[0]
        assert (frame.name, frame.location.line) == ("main", lines["main_start"])
        assert debugger.resume().kind is StopKind.EXITED
    finally:
        debugger.close()


STEPPING = str(FIXTURES / "stepping.c")


def test_step_in_steps_over_a_function_without_debug_info(debug, markers):
    lines = markers("stepping.c")
    session = debug("stepping", breakpoints={STEPPING: [at(lines["call_hidden"])]})
    session.debugger.resume()
    assert session.debugger.step("in").kind is StopKind.STEP
    assert session.top() == ("main", lines["call_visible"])
    session.debugger.step("in")
    assert session.top() == ("visible", lines["visible_body"])


def test_step_in_follows_an_indirect_call(debug, markers):
    lines = markers("stepping.c")
    session = debug("stepping", breakpoints={STEPPING: [at(lines["call_indirect"])]})
    session.debugger.resume()
    session.debugger.step("in")
    assert session.top()[0] == "pick"  # the direct call on the line comes first
    session.debugger.step("out")
    assert session.top() == ("main", lines["call_indirect"])
    session.debugger.step("in")
    assert session.top() == ("visible", lines["visible_body"])  # through the function pointer
    session.debugger.step("out")
    session.debugger.step("over")
    assert session.top() == ("main", lines["call_indirect"] + 1)


def test_breakpoint_on_a_one_line_loop_hits_every_iteration(debug, markers):
    lines = markers("heavy.c")
    session = debug("heavy", "forever", breakpoints={HEAVY: [at(lines["spin_body"])]})
    seen = []
    for _ in range(3):
        assert session.debugger.resume().kind is StopKind.BREAKPOINT
        seen.append(int(session.debugger.evaluate("spins").value))
    assert seen == [seen[0], seen[0] + 1, seen[0] + 2]


def test_wasm_level_scopes_say_what_can_be_written(debug, markers):
    lines = markers("basics.c")
    session = debug("basics", breakpoints={BASICS: [at(lines["sum_return"])]})
    session.debugger.resume()
    scopes = {scope.name: scope.reference for scope in session.debugger.scopes(1)}
    wasm_locals = session.debugger.variables(scopes["Wasm Locals"])
    assert wasm_locals and not any(variable.writable for variable in wasm_locals)
    with pytest.raises(Exception, match="cannot change a Wasm local"):
        session.debugger.set_variable(scopes["Wasm Locals"], "$local0", "1")
    stack_pointer = session.debugger.variables(scopes["Wasm Globals"], 0, 1)[0]
    assert stack_pointer.writable  # the agent backend writes globals
    session.debugger.set_variable(scopes["Wasm Globals"], "$global0", str(int(stack_pointer.value)))
