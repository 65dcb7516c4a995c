"""Stepping plans and the session's run states on fakes of the engine and the code (no Wasmtime).

A fake program is a trace: the stacks of PCs (innermost first) it passes through, one per
instruction. The fake engine runs along the trace to the next place holding a breakpoint,
or one instruction for a single step, so a plan's stops and the breakpoints it needed can
be checked exactly.
"""

from __future__ import annotations

import queue
import threading
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from adapters.source.breakpoints import TemporaryBreakpoints
from adapters.source.code_map import LineSpan
from adapters.source.debugger import SourceDebugger
from adapters.source.model import BreakpointSpec, Stop, StopKind
from adapters.source.run_control import RunControl
from adapters.source.stepping import StepPlanner
from adapters.wasm.debuggee import (
    Breakpoint,
    Capabilities,
    Debuggee,
    Frame,
    Module,
    StopEvent,
    StopReason,
)
from adapters.wasm.values import WasmValue

MODULE = 0


@dataclass
class FakeCode:
    """A module's code: line rows (pc -> line, None for line 0), branches, calls, functions."""

    rows: dict[int, int | None]
    statements: set[int] = field(default_factory=set)  # is_stmt rows; default: every row with a line
    branches: dict[int, tuple[int, ...]] = field(default_factory=dict)  # pc -> targets besides pc + 1
    stops: set[int] = field(default_factory=set)  # PCs that end the function (return)
    functions: list[tuple[int, int, int | None]] = field(default_factory=list)  # (low, high, entry stop or None)
    direct_calls: dict[int, int] = field(default_factory=dict)  # call pc -> callee's low pc
    indirect_calls: set[int] = field(default_factory=set)
    inlined: list[tuple[int, int]] = field(default_factory=list)  # code of inlined calls

    def __post_init__(self) -> None:
        self._pcs = sorted(self.rows)
        if not self.statements:
            self.statements = {pc for pc, line in self.rows.items() if line is not None}

    def _function(self, pc: int) -> tuple[int, int, int | None]:
        return next(function for function in self.functions if function[0] <= pc < function[1])

    def line_at(self, module_id: int, pc: int) -> LineSpan | None:
        low, high, _ = self._function(pc)
        pcs = [p for p in self._pcs if low <= p < high]
        index = bisect_right(pcs, pc) - 1
        line = self.rows[pcs[index]]
        first = last = index
        while first > 0 and self.rows[pcs[first - 1]] == line:
            first -= 1
        while last + 1 < len(pcs) and self.rows[pcs[last + 1]] == line:
            last += 1
        end = pcs[last + 1] if last + 1 < len(pcs) else high
        return LineSpan(pcs[first], end, ("f.c", line) if line is not None else None)

    def starts_statement(self, module_id: int, pc: int) -> bool:
        return pc in self.statements

    def exits(self, module_id: int, low: int, high: int) -> list[int]:
        found = set()
        for pc in range(low, high):
            nexts = () if pc in self.stops else (pc + 1,)
            found.update(t for t in (*nexts, *self.branches.get(pc, ())) if not low <= t < high)
        return sorted(found)

    def calls_in(self, module_id: int, low: int, high: int) -> tuple[list[int], list[int]]:
        direct = [
            self.entry_stop(module_id, self.direct_calls[pc]) for pc in range(low, high) if pc in self.direct_calls
        ]
        indirect = [pc for pc in range(low, high) if pc in self.indirect_calls]
        return [pc for pc in direct if pc is not None], indirect

    def entry_stop(self, module_id: int, pc: int) -> int | None:
        return self._function(pc)[2]

    def inlined_ranges(self, module_id: int, pc: int) -> list[tuple[int, int]]:
        return [(low, high) for low, high in self.inlined if low <= pc < high][:1]

    def next_instruction(self, module_id: int, pc: int) -> tuple[int, bool]:
        return pc + 1, pc in self.direct_calls or pc in self.indirect_calls


class TraceDebuggee(Debuggee):
    """Runs along a trace of stacks; breakpoints fire where the trace's top PC holds one."""

    capabilities = Capabilities(
        can_write_memory=False, can_write_globals=False, can_interrupt=True, engine_conditions=False
    )

    def __init__(self, trace: Sequence[tuple[int, ...]]) -> None:
        self.trace = list(trace)
        self.position = 0
        self.breakpoints: dict[int, int] = {}  # id -> pc
        self.most_breakpoints = 0
        self.temporary_counts: list[int] = []
        self._step = False

    def modules(self) -> list[Module]:
        return []

    def set_breakpoint(self, breakpoint: Breakpoint) -> None:
        self.breakpoints[breakpoint.id] = breakpoint.pc
        temporary = sum(1 for i in self.breakpoints if i >= TemporaryBreakpoints.FIRST_ID)
        self.most_breakpoints = max(self.most_breakpoints, temporary)

    def remove_breakpoint(self, breakpoint_id: int) -> None:
        self.breakpoints.pop(breakpoint_id, None)

    def resume(self, *, step: bool = False) -> None:
        self._step = step

    def wait(self, timeout: float | None = None) -> StopEvent:
        if self._step:
            self.position += 1
            return self._at_end() or StopEvent(StopReason.STEP)
        while True:
            self.position += 1
            if end := self._at_end():
                return end
            pc = self.trace[self.position][0]
            ids = tuple(sorted(i for i, at in self.breakpoints.items() if at == pc))
            if ids:
                return StopEvent(StopReason.BREAKPOINT, ids)

    def _at_end(self) -> StopEvent | None:
        return StopEvent(StopReason.EXITED, exit_code=0) if self.position >= len(self.trace) else None

    def interrupt(self) -> None:
        raise AssertionError("nothing interrupts a trace")

    def frames(self) -> list[Frame]:
        if self.position >= len(self.trace):
            return []
        return [Frame(MODULE, 0, 0, pc, (), ()) for pc in self.trace[self.position]]

    def top(self) -> int:
        return self.trace[self.position][0]

    def instance_of(self, module_id: int) -> int:
        return 0

    def memory_size(self, instance_id: int, memory: int = 0) -> int:
        return 0

    def read_memory(self, instance_id: int, address: int, length: int, memory: int = 0) -> bytes:
        return b""

    def write_memory(self, instance_id: int, address: int, data: bytes, memory: int = 0) -> None:
        raise NotImplementedError

    def get_global(self, instance_id: int, index: int) -> WasmValue:
        raise NotImplementedError

    def set_global(self, instance_id: int, index: int, value: WasmValue) -> None:
        raise NotImplementedError

    def kill(self) -> None:
        self.position = len(self.trace)

    def close(self) -> int | None:
        return 0


class Counted:
    """A decide that tells every engine stop is a plan's own, and counts how often it was asked."""

    def __init__(self) -> None:
        self.events: list[StopEvent] = []

    def __call__(self, event: StopEvent) -> Stop | None:
        self.events.append(event)
        if event.reason is StopReason.EXITED:
            return Stop(StopKind.EXITED)
        return None


def planner_for(trace: Sequence[tuple[int, ...]]) -> tuple[TraceDebuggee, RunControl, TemporaryBreakpoints]:
    debuggee = TraceDebuggee(trace)
    return debuggee, RunControl(debuggee), TemporaryBreakpoints(debuggee)


# A while loop: 31 before it, 32 its condition (12-13) and back edge (16), 33-34 its body, 36 after.
WHILE = FakeCode(
    rows={10: 31, 12: 32, 14: 33, 15: 34, 16: 32, 17: 36, 18: 37},
    branches={13: (17,), 16: (12,)},
    stops={18},
    functions=[(10, 19, 10)],
)
WHILE_TRACE = [(pc,) for pc in (10, 11, 12, 13, 14, 15, 16, 12, 13, 14, 15, 16, 12, 13, 17, 18)]


def lines_of(code: FakeCode, debuggee: TraceDebuggee) -> int | None:
    return code.rows[max(pc for pc in code.rows if pc <= debuggee.top())]


def test_next_visits_a_while_condition_once_per_iteration():
    debuggee, engine, temporary = planner_for(WHILE_TRACE)
    planner = StepPlanner(engine, WHILE, temporary)
    seen = []
    for _ in range(8):
        assert planner.step("over", "statement", Counted()) == Stop(StopKind.STEP)
        seen.append(lines_of(WHILE, debuggee))
    assert seen == [32, 33, 34, 32, 33, 34, 32, 36]  # gdb: 32, 33, 34 per iteration
    assert debuggee.most_breakpoints <= 2
    assert not debuggee.breakpoints  # a plan leaves none behind


def test_the_plan_of_a_huge_function_is_the_size_of_one_line():
    lines = 10_000
    code = FakeCode(rows={pc: 100 + pc for pc in range(lines)}, stops={lines - 1}, functions=[(0, lines, 0)])
    debuggee, engine, temporary = planner_for([(pc,) for pc in range(lines)])
    planner = StepPlanner(engine, code, temporary)
    debuggee.position = 5000
    planner.step("over", "statement", Counted())
    assert debuggee.top() == 5001
    assert debuggee.most_breakpoints == 1


def test_next_over_a_recursive_call_stays_in_the_frame():
    # f: line 1 at 0 calls f at 1 (its entry stop 0), line 2 at 2 returns. main calls f from 50.
    code = FakeCode(
        rows={0: 1, 2: 2, 50: 9, 52: 10}, stops={3}, functions=[(0, 4, 0), (50, 53, 50)], direct_calls={1: 0}
    )
    trace = [(0, 51), (1, 51), (0, 2, 51), (1, 2, 51), (2, 2, 51), (3, 2, 51), (2, 51), (3, 51), (51,), (52,)]
    debuggee, engine, temporary = planner_for(trace)
    decide = Counted()
    StepPlanner(engine, code, temporary).step("over", "statement", decide)
    assert debuggee.position == 6  # line 2 of the outer invocation, not of the inner one
    assert len(decide.events) == 2  # the inner invocation passing line 2 was one stop, decided once


def test_step_out_runs_through_code_of_no_line_to_the_callers_line():
    # main: line 20 calls through a pointer at 61; 62-63 are line-0 rows; 64 is line 20 again.
    code = FakeCode(rows={60: 20, 62: None, 64: 20, 66: 21}, stops={67}, functions=[(0, 4, 0), (60, 68, 60)])
    code.rows.update({0: 5})
    trace = [(0, 62), (1, 62), (62,), (63,), (64,), (65,), (66,)]
    debuggee, engine, temporary = planner_for(trace)
    assert StepPlanner(engine, code, temporary).step("out", "statement", Counted()) == Stop(StopKind.STEP)
    assert debuggee.top() == 64  # gdb and lldb: the caller's source line, not <main> (disassembly)


def test_step_in_at_an_indirect_call_breaks_at_that_one_callee():
    # main's line 20: an indirect call at 61; callee g at 0-3 has its prologue at 0 and stops at 1.
    code = FakeCode(
        rows={0: 5, 1: 6, 60: 20, 63: 21},
        stops={3, 64},
        functions=[(0, 4, 1), (10, 14, 11), (60, 65, 60)],
        indirect_calls={61},
    )
    trace = [(60,), (61,), (0, 62), (1, 62), (2, 62), (3, 62), (62,), (63,)]
    debuggee, engine, temporary = planner_for(trace)
    StepPlanner(engine, code, temporary).step("in", "statement", Counted())
    assert debuggee.frames()[0].pc == 1 and len(debuggee.frames()) == 2  # after g's prologue
    assert debuggee.most_breakpoints <= 3  # the line's exit, the call, the return address: no breakpoint per function


def test_step_in_at_an_indirect_call_to_code_without_debug_info_carries_on_after_it():
    code = FakeCode(
        rows={0: 5, 60: 20, 63: 21}, stops={3, 64}, functions=[(0, 4, None), (60, 65, 60)], indirect_calls={61}
    )
    trace = [(60,), (61,), (0, 62), (1, 62), (2, 62), (3, 62), (62,), (63,)]
    debuggee, engine, temporary = planner_for(trace)
    StepPlanner(engine, code, temporary).step("in", "statement", Counted())
    assert debuggee.top() == 63


def test_step_in_follows_a_direct_call_to_its_entry_stop():
    code = FakeCode(
        rows={0: 5, 1: 6, 60: 20, 63: 21}, stops={3, 64}, functions=[(0, 4, 1), (60, 65, 60)], direct_calls={61: 0}
    )
    trace = [(60,), (61,), (0, 62), (1, 62), (2, 62), (3, 62), (62,), (63,)]
    debuggee, engine, temporary = planner_for(trace)
    StepPlanner(engine, code, temporary).step("in", "statement", Counted())
    assert (debuggee.top(), len(debuggee.frames())) == (1, 2)


def test_instruction_step_over_a_call_runs_it_at_full_speed():
    code = FakeCode(rows={0: 5, 60: 20}, stops={3, 64}, functions=[(0, 4, 0), (60, 65, 60)], direct_calls={61: 0})
    trace = [(61,), (0, 62), (1, 62), (2, 62), (3, 62), (62,), (63,)]
    debuggee, engine, temporary = planner_for(trace)
    decide = Counted()
    StepPlanner(engine, code, temporary).step("over", "instruction", decide)
    assert debuggee.top() == 62
    assert len(decide.events) == 1


def test_step_out_of_an_inlined_call_stops_in_the_function_it_was_inlined_into():
    # compute's line 19 (60-61) holds outer's code (62-67), which holds inner's (63-65).
    code = FakeCode(
        rows={60: 19, 62: 12, 63: 8, 66: 12, 67: 13, 68: 19},
        stops={69},
        functions=[(60, 70, 60)],
        inlined=[(63, 66), (62, 68)],
    )
    trace = [(pc, 90) for pc in (60, 61, 62, 63, 64, 65, 66, 67, 68, 69)] + [(90,)]
    debuggee, engine, temporary = planner_for(trace)
    debuggee.position = 4  # in inner
    StepPlanner(engine, code, temporary).step("out", "statement", Counted())
    assert debuggee.frames()[0].pc == 66  # outer's line 12 (gdb's finish), not compute's caller


def test_instruction_step_in_executes_one_instruction_even_a_call():
    code = FakeCode(rows={0: 5, 60: 20}, stops={3, 64}, functions=[(0, 4, 0), (60, 65, 60)], direct_calls={61: 0})
    debuggee, engine, temporary = planner_for([(61,), (0, 62), (1, 62)])
    assert StepPlanner(engine, code, temporary).step("in", "instruction", Counted()) == Stop(StopKind.STEP)
    assert (debuggee.top(), len(debuggee.frames())) == (0, 2)


def test_step_out_of_the_outermost_frame_runs_to_the_end():
    debuggee, engine, temporary = planner_for([(60,), (61,), (62,)])
    stop = StepPlanner(engine, WHILE, temporary).step("out", "statement", Counted())
    assert stop.kind is StopKind.EXITED


# -- one decision per stop, through the session ------------------------------------------------
# main's line 20 (60-61) calls f (0-3) twice; a breakpoint in f at 1.
TWICE = FakeCode(
    rows={0: 5, 1: 6, 60: 20, 64: 21}, stops={3, 65}, functions=[(0, 4, 0), (60, 66, 60)], direct_calls={61: 0, 62: 0}
)
TWICE_TRACE = [
    (60,),
    (61,),
    (0, 62),
    (1, 62),
    (2, 62),
    (3, 62),
    (62,),
    (0, 63),
    (1, 63),
    (2, 63),
    (3, 63),
    (63,),
    (64,),
]


def session(spec: BreakpointSpec) -> tuple[TraceDebuggee, SourceDebugger, list[str]]:
    debuggee = TraceDebuggee(TWICE_TRACE)
    output: list[str] = []
    debugger = SourceDebugger(debuggee, code=TWICE, on_output=lambda category, text: output.append(text))
    debugger.breakpoints.replace(
        "instruction", [spec], lambda spec: (None, [(MODULE, 1)], None), lambda condition, module, pc: None
    )
    return debuggee, debugger, output


def test_a_hit_condition_counts_each_hit_once_during_a_step():
    debuggee, debugger, _ = session(BreakpointSpec(instruction=1, hit_condition="==2"))
    stop = debugger.step("over")
    assert stop.kind is StopKind.INSTRUCTION_BREAKPOINT  # before, the second hit counted twice and ran past
    assert debuggee.position == 8  # the second call's hit
    assert next(iter(debugger.breakpoints.user.values())).hits == 2


def test_resume_reports_the_breakpoint_and_then_the_exit():
    debuggee, debugger, _ = session(BreakpointSpec(instruction=1))
    assert debugger.resume().kind is StopKind.INSTRUCTION_BREAKPOINT
    assert debugger.resume().kind is StopKind.INSTRUCTION_BREAKPOINT
    assert debugger.resume().kind is StopKind.EXITED


# -- the session's run states, on an engine that waits for the test ----------------------------
class ControlledDebuggee(TraceDebuggee):
    """Stops only when the test (or an interrupt) says so."""

    def __init__(self) -> None:
        super().__init__([(60,)])
        self.events: queue.Queue[StopEvent] = queue.Queue()
        self.interrupts = 0

    def resume(self, *, step: bool = False) -> None:
        if step:
            self.events.put(StopEvent(StopReason.STEP))

    def wait(self, timeout: float | None = None) -> StopEvent:
        return self.events.get(timeout=60)

    def interrupt(self) -> None:
        self.interrupts += 1
        self.events.put(StopEvent(StopReason.INTERRUPTED))

    def frames(self) -> list[Frame]:
        return [Frame(MODULE, 0, 0, 60, (), ())]


@pytest.fixture
def controlled():
    debuggee = ControlledDebuggee()
    debugger = SourceDebugger(debuggee, code=TWICE)
    runs: list[threading.Thread] = []
    stops: list[Stop] = []

    def start_run() -> threading.Thread:
        thread = threading.Thread(target=lambda: stops.append(debugger.resume()))
        thread.start()
        runs.append(thread)
        assert debugger.running.wait(30)
        return thread

    yield debuggee, debugger, start_run, stops
    for thread in runs:
        if thread.is_alive():
            debuggee.events.put(StopEvent(StopReason.EXITED, exit_code=0))
        thread.join(30)


def test_pause_outside_a_run_does_nothing(controlled):
    debuggee, debugger, _, _ = controlled
    debugger.pause()
    assert debuggee.interrupts == 0  # a pause left pending would stop the next run at once


def test_outside_a_run_paused_work_is_done_at_once(controlled):
    debuggee, debugger, _, _ = controlled
    assert debugger.run_paused(lambda: 42) == 42
    assert debuggee.interrupts == 0


def test_work_asked_for_during_a_run_is_done_paused_and_the_run_carries_on_unseen(controlled):
    debuggee, debugger, start_run, stops = controlled
    run = start_run()
    assert debugger.run_paused(lambda: "read while paused") == "read while paused"
    assert debuggee.interrupts == 1
    assert run.is_alive() and not stops  # no stop is reported for it
    debuggee.events.put(StopEvent(StopReason.EXITED, exit_code=3))
    run.join(30)
    assert [(stop.kind, stop.exit_code) for stop in stops] == [(StopKind.EXITED, 3)]
    assert not debugger.running.is_set()


def test_pause_during_a_run_reports_a_pause(controlled):
    debuggee, debugger, start_run, stops = controlled
    run = start_run()
    debugger.pause()
    run.join(30)
    assert [stop.kind for stop in stops] == [StopKind.PAUSE]
    assert debuggee.interrupts == 1  # the instruction stepped to report the true PC sends no second pause
