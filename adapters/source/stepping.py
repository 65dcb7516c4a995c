"""Stepping plans: next / step in / step out at statement or instruction granularity.

A callee is never single-stepped through. A plan sets temporary breakpoints at the
places the step may end (the function's other statements, the return address, the
entries of functions called on this line) and checks the frame depth at each stop,
so recursion and calls that run for millions of instructions cost a few stops.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from adapters.source.breakpoints import TemporaryBreakpoints
from adapters.wasm.debuggee import Debuggee, Frame, StopEvent, StopReason

StepKind = Literal["over", "in", "out"]
Granularity = Literal["statement", "line", "instruction"]


class CodeMap(Protocol):
    """What a plan needs to know about the code, per module (PCs are module PCs)."""

    def line_range(self, module_id: int, pc: int) -> tuple[int, int] | None:
        """The address range of the line-table entry holding ``pc``: where the step starts."""

    def statement_pcs(self, module_id: int, pc: int) -> list[int]:
        """Statement starts in the function holding ``pc``."""

    def calls_in(self, module_id: int, low: int, high: int) -> tuple[list[int], list[int]]:
        """(stop PCs of directly called functions with debug info, PCs of indirect calls) in a range."""

    def entry_stop(self, module_id: int, pc: int) -> int | None:
        """Where a step into the function starting at or containing ``pc`` stops (after its
        prologue), or None if it has no debug info."""

    def next_instruction(self, module_id: int, pc: int) -> tuple[int, bool]:
        """(PC of the instruction after the one at ``pc``, whether that instruction calls)."""


@dataclass(frozen=True)
class StepResult:
    """Where a step ended: ``event`` is the engine stop that ended it (a user breakpoint,
    a trap, the exit...) or a STEP event if the plan completed."""

    event: StopEvent


UserStopFilter = Callable[[StopEvent], bool]  # does this engine stop concern the user?


class StepPlanner:
    def __init__(
        self,
        debuggee: Debuggee,
        code: CodeMap,
        temporary: TemporaryBreakpoints,
        resume: Callable[[bool], None],
    ) -> None:
        self._debuggee = debuggee
        self._code = code
        self._temporary = temporary
        self._resume = resume  # resumes the engine, honouring a pause asked for meanwhile

    def step(self, kind: StepKind, granularity: Granularity, user_stop: UserStopFilter) -> StopEvent:
        frames = self._debuggee.frames()
        if not frames:
            return self._single_step()
        top = frames[0]
        try:
            if kind == "out":
                return self._run_out(frames, user_stop)
            if granularity == "instruction":
                return self._instruction(kind, frames, user_stop)
            line = self._code.line_range(top.module_id, top.pc)
            if line is None:  # no line information here: one instruction at a time
                return self._instruction(kind, frames, user_stop)
            return self._statement(kind, frames, line, user_stop)
        finally:
            self._temporary.clear()

    def _single_step(self) -> StopEvent:
        self._resume(True)
        return self._debuggee.wait()

    def _instruction(self, kind: StepKind, frames: list[Frame], user_stop: UserStopFilter) -> StopEvent:
        top = frames[0]
        after, calls = self._code.next_instruction(top.module_id, top.pc)
        if kind == "in" or not calls:
            return self._single_step()
        self._temporary.add(top.module_id, after)  # step over the call at full speed
        return self._run(len(frames), user_stop, lambda now: len(now) <= len(frames))

    def _statement(
        self, kind: StepKind, frames: list[Frame], line: tuple[int, int], user_stop: UserStopFilter
    ) -> StopEvent:
        top = frames[0]
        depth = len(frames)
        low, high = line
        stops = [pc for pc in self._code.statement_pcs(top.module_id, top.pc) if not low <= pc < high]
        indirect: set[int] = set()
        entries: set[int] = set()
        if kind == "in":
            direct, indirect_calls = self._code.calls_in(top.module_id, low, high)
            entries = set(direct)
            indirect = set(indirect_calls)
            stops += direct + indirect_calls
        targets = [(top.module_id, pc) for pc in stops]
        if depth > 1:
            targets.append((frames[1].module_id, frames[1].pc))  # the return address
        self._temporary.add_all(targets)

        def finished(now: list[Frame]) -> bool:
            here = now[0]
            if len(now) < depth:
                return True  # returned to the caller
            if len(now) == depth + 1 and here.pc in entries and here.module_id == top.module_id:
                return True  # stepped into a function called on this line
            if len(now) != depth or here.module_id != top.module_id:
                return False  # a deeper invocation (recursion) passing by
            return not low <= here.pc < high

        while True:
            event = self._run(depth, user_stop, finished, ignore=lambda now: now[0].pc in indirect)
            if event.reason is not StopReason.BREAKPOINT or event.breakpoint_ids:
                return event
            # At an indirect call on this line: go one instruction into the callee.
            event = self._single_step()
            if event.reason is not StopReason.STEP:
                return event
            now = self._debuggee.frames()
            stop = self._code.entry_stop(now[0].module_id, now[0].pc)
            if stop is not None:
                if stop == now[0].pc:
                    return event
                self._temporary.add(now[0].module_id, stop)
                entries.add(stop)
            elif len(now) > 1:
                self._temporary.add(now[1].module_id, now[1].pc)  # no debug info: step over it
            self._resume(False)
            event = self._debuggee.wait()
            if user_stop(event) or event.reason is not StopReason.BREAKPOINT:
                return event
            if finished(self._debuggee.frames()):
                return StopEvent(StopReason.STEP)

    def _run_out(self, frames: list[Frame], user_stop: UserStopFilter) -> StopEvent:
        if len(frames) < 2:
            self._resume(False)
            return self._debuggee.wait()
        self._temporary.add(frames[1].module_id, frames[1].pc)
        return self._run(len(frames), user_stop, lambda now: len(now) < len(frames))

    def _run(
        self,
        depth: int,
        user_stop: UserStopFilter,
        finished: Callable[[list[Frame]], bool],
        ignore: Callable[[list[Frame]], bool] = lambda now: False,
    ) -> StopEvent:
        """Continue until ``finished`` says the step is done, or something the user must see.

        Returns a STEP event when done, the engine's event otherwise. A stop that
        ``ignore`` selects is returned as a BREAKPOINT event without ids.
        """
        while True:
            self._resume(False)
            event = self._debuggee.wait()
            if user_stop(event) or event.reason is not StopReason.BREAKPOINT:
                return event
            now = self._debuggee.frames()
            if finished(now):
                return StopEvent(StopReason.STEP)
            if len(now) == depth and ignore(now):
                return StopEvent(StopReason.BREAKPOINT)
