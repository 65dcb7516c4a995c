"""Stepping plans: continue / next / step in / step out, at statement or instruction granularity.

A callee is never single-stepped through. A plan sets temporary breakpoints only where
control may leave the current line (its branches' targets, the return address, the entries
of functions called on it) and checks the frame depth at each stop, so recursion, calls that
run for millions of instructions and functions of thousands of lines cost a few stops each.

Stops end a plan as gdb ends them: at the start of a statement of another line, so a
loop's condition is visited once per iteration; code of no line (line 0) is stepped
through, also when returning to a caller.

Every engine stop is decided once, by the ``Decide`` the caller passes: a user-visible
``Stop`` ends the plan, None lets it carry on (a temporary breakpoint, a logpoint, a
condition that is false). Hit counts and log messages are therefore counted and printed
exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Protocol

from adapters.source.breakpoints import TemporaryBreakpoints
from adapters.source.code_map import LineKey, LineSpan
from adapters.source.model import Stop, StopKind
from adapters.wasm.debuggee import Frame, StopEvent, StopReason

StepKind = Literal["over", "in", "out"]
Granularity = Literal["statement", "line", "instruction"]
Decide = Callable[[StopEvent], "Stop | None"]  # the user-visible stop for an engine stop, None to carry on

STEPPED = Stop(StopKind.STEP)


class Engine(Protocol):
    """The paused program as a plan drives it (``RunControl``)."""

    def resume(self, step: bool = False) -> None: ...

    def wait(self) -> StopEvent: ...

    def frames(self) -> list[Frame]: ...


class CodeMap(Protocol):
    """What a plan needs to know about the code, per module (PCs are module PCs)."""

    def line_at(self, module_id: int, pc: int) -> LineSpan | None:
        """The consecutive code of the line holding ``pc``; None without line information."""

    def starts_statement(self, module_id: int, pc: int) -> bool:
        """Whether a statement of a source line begins at ``pc``."""

    def exits(self, module_id: int, low: int, high: int) -> list[int]:
        """PCs in the same function, outside ``[low, high)``, that code in it may go to next."""

    def inlined_ranges(self, module_id: int, pc: int) -> list[tuple[int, int]]:
        """The code of the inlined call ``pc`` is innermost in; empty if none."""

    def calls_in(self, module_id: int, low: int, high: int) -> tuple[list[int], list[int]]:
        """(stop PCs of directly called functions with debug info, PCs of indirect calls) in a range."""

    def entry_stop(self, module_id: int, pc: int) -> int | None:
        """Where a step into the function starting at or containing ``pc`` stops (after its
        prologue), or None if it has no debug info."""

    def next_instruction(self, module_id: int, pc: int) -> tuple[int, bool]:
        """(PC of the instruction after the one at ``pc``, whether that instruction calls)."""


Arrived = Callable[[list[Frame]], bool]


class StepPlanner:
    def __init__(self, engine: Engine, code: CodeMap, temporary: TemporaryBreakpoints) -> None:
        self._engine = engine
        self._code = code
        self._temporary = temporary

    def run(self, decide: Decide) -> Stop:
        """Continue until a stop the user must see."""
        try:
            stop = self._until(decide, None)
            assert isinstance(stop, Stop)
            return stop
        finally:
            self._temporary.clear()

    def _settled(self, event: StopEvent, stop: Stop, decide: Decide) -> Stop:
        """An interruption is reported one instruction on: where Wasmtime interrupts a loop it
        reports another PC of the function (its ``return``, say), not the statement running."""
        if event.reason is not StopReason.INTERRUPTED or not self._engine.frames():
            return stop
        self._engine.resume(step=True)
        event = self._engine.wait()
        if event.reason is StopReason.STEP:
            return stop
        return decide(event) or stop

    def step(self, kind: StepKind, granularity: Granularity, decide: Decide, frames: list[Frame] | None = None) -> Stop:
        """One step from the stop whose ``frames`` are given (read from the engine if not)."""
        frames = frames if frames is not None else self._engine.frames()
        try:
            if not frames:
                return self._single_step(decide)
            if kind == "out":
                return self._out(frames, decide)
            if granularity == "instruction" or self._code.line_at(frames[0].module_id, frames[0].pc) is None:
                return self._instruction(kind, frames, decide)
            return self._statement(kind, frames, decide)
        finally:
            self._temporary.clear()

    # -- the moves a plan is made of ------------------------------------------------------
    def _single_step(self, decide: Decide) -> Stop:
        self._engine.resume(step=True)
        event = self._engine.wait()
        if event.reason is StopReason.STEP:
            return STEPPED
        stop = decide(event)
        if stop is not None:
            return stop
        # A breakpoint that does not stop (a logpoint, a false condition) ends the one
        # instruction all the same; anything else (a trap nobody watches) runs on to the end.
        return STEPPED if event.reason is StopReason.BREAKPOINT else self.run(decide)

    def _until(self, decide: Decide, arrived: Arrived | None) -> Stop | list[Frame]:
        """Run until a stop the user must see (returned), or a breakpoint where ``arrived``
        says the plan has got somewhere (its frames are returned; None: nowhere to get)."""
        while True:
            self._engine.resume()
            event = self._engine.wait()
            stop = decide(event)
            if stop is not None:
                return self._settled(event, stop, decide)
            if arrived is not None and event.reason is StopReason.BREAKPOINT and arrived(now := self._engine.frames()):
                return now

    def _break_at(self, targets: list[tuple[int, int]]) -> None:
        """The plan's breakpoints from now on: only ``targets``."""
        self._temporary.replace(targets)

    # -- plans ------------------------------------------------------------------------------
    def _instruction(self, kind: StepKind, frames: list[Frame], decide: Decide) -> Stop:
        top = frames[0]
        after, calls = self._code.next_instruction(top.module_id, top.pc)
        if kind == "in" or not calls:
            return self._single_step(decide)
        self._break_at([(top.module_id, after)])  # step over the call at full speed
        result = self._until(decide, lambda now: len(now) <= len(frames))
        return result if isinstance(result, Stop) else STEPPED

    def _out(self, frames: list[Frame], decide: Decide) -> Stop:
        top = frames[0]
        inlined = self._code.inlined_ranges(top.module_id, top.pc)
        if inlined:
            return self._out_of_inlined(frames, inlined, decide)
        if len(frames) < 2:
            return self.run(decide)
        caller = frames[1]
        self._break_at([(caller.module_id, caller.pc)])
        result = self._until(decide, lambda now: len(now) < len(frames))
        return result if isinstance(result, Stop) else self._off_line_zero(result, decide)

    def _out_of_inlined(self, frames: list[Frame], ranges: list[tuple[int, int]], decide: Decide) -> Stop:
        """Out of an inlined call: to where control leaves its code, in the frame it was inlined
        into (gdb's ``finish``: the caller's line), not out of that frame too."""
        module, depth = frames[0].module_id, len(frames)
        inside = [pc for low, high in ranges for pc in self._code.exits(module, low, high)]
        targets = [(module, pc) for pc in inside if not any(low <= pc < high for low, high in ranges)]
        if depth > 1:
            targets.append((frames[1].module_id, frames[1].pc))
        self._break_at(targets)
        result = self._until(decide, _back_in(depth, module))
        if isinstance(result, Stop):
            return result
        return self._off_line_zero(result, decide) if len(result) < depth else STEPPED

    def _off_line_zero(self, frames: list[Frame], decide: Decide) -> Stop:
        """Run through code of no line (a return address often is) to code of a source line."""
        while True:
            top = frames[0]
            span = self._code.line_at(top.module_id, top.pc)
            if span is None or span.line is not None:
                return STEPPED
            depth = len(frames)
            targets = [(top.module_id, pc) for pc in self._code.exits(top.module_id, span.low, span.high)]
            if depth > 1:
                targets.append((frames[1].module_id, frames[1].pc))
            self._break_at(targets)
            result = self._until(decide, _back_in(depth, top.module_id))
            if isinstance(result, Stop):
                return result
            frames = result

    def _statement(self, kind: StepKind, frames: list[Frame], decide: Decide) -> Stop:
        module, depth = frames[0].module_id, len(frames)
        span = self._code.line_at(module, frames[0].pc)
        assert span is not None
        current: LineKey | None = span.line
        entries: set[int] = set()  # where a step into a function called on the line ends
        in_frame = _back_in(depth, module)

        def arrived(now: list[Frame]) -> bool:
            if len(now) == depth + 1:
                return now[0].module_id == module and now[0].pc in entries
            return in_frame(now)

        while True:
            targets = [(module, pc) for pc in self._code.exits(module, span.low, span.high)]
            indirect: set[int] = set()
            if kind == "in":
                direct, indirect_calls = self._code.calls_in(module, span.low, span.high)
                entries.update(direct)
                indirect = set(indirect_calls)
                targets += [(module, pc) for pc in (*direct, *indirect_calls)]
            if depth > 1:
                targets.append((frames[1].module_id, frames[1].pc))  # the return address
            self._break_at(targets)
            result = self._until(decide, arrived)
            if isinstance(result, Stop):
                return result
            if len(result) < depth:
                return self._off_line_zero(result, decide)  # returned to the caller
            if len(result) > depth:
                return STEPPED  # into a function called on this line
            if result[0].pc in indirect:
                result = self._into_indirect(result, decide)
                if isinstance(result, Stop):
                    return result
                if len(result) < depth:
                    return self._off_line_zero(result, decide)
            pc = result[0].pc
            landed = self._code.line_at(module, pc)
            if landed is None:
                return STEPPED
            if landed.line is not None and landed.line != current and self._code.starts_statement(module, pc):
                return STEPPED  # the start of another line's statement
            if landed.line is not None:
                current = landed.line  # the same line again, or the middle of one: finish it (gdb's rule)
            span = landed

    def _into_indirect(self, frames: list[Frame], decide: Decide) -> Stop | list[Frame]:
        """At a call through a pointer: one instruction into the callee shows which function it
        is; the step ends after its prologue, or, without debug info, carries on after the call."""
        depth, call = len(frames), frames[0]
        after, _ = self._code.next_instruction(call.module_id, call.pc)
        stop = self._single_step(decide)
        if stop != STEPPED:
            return stop
        now = self._engine.frames()
        if len(now) != depth + 1:
            return now  # nothing was entered (a host function ran): carry on with the line
        callee = now[0]
        entry = self._code.entry_stop(callee.module_id, callee.pc)
        if entry == callee.pc:
            return STEPPED
        if entry is not None:
            self._break_at([(callee.module_id, entry)])

            def at_entry(now: list[Frame]) -> bool:
                return len(now) <= depth or (len(now) == depth + 1 and now[0].pc == entry)

            result = self._until(decide, at_entry)
            return result if isinstance(result, Stop) or len(result) <= depth else STEPPED
        self._break_at([(call.module_id, after)])  # no debug info: run the callee at full speed
        return self._until(decide, lambda now: len(now) <= depth)


def _back_in(depth: int, module_id: int) -> Arrived:
    """Arrived back in the frame at ``depth`` (of ``module_id``), or in a caller."""
    return lambda now: len(now) < depth or (len(now) == depth and now[0].module_id == module_id)
