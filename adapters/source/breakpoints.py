"""User breakpoints (source, function, instruction) and the engine breakpoints behind them.

One user breakpoint may need several engine breakpoints (a line whose code was
inlined or duplicated); each engine breakpoint knows the user breakpoint it serves.
Conditions that compile to the agent's postfix programs are evaluated in the
engine; others, hit counts that go with them, and logpoints are handled here.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from adapters.source.expressions.errors import ExpressionError
from adapters.source.expressions.hit_conditions import parse_hit_condition
from adapters.source.model import BreakpointResult, BreakpointSpec, SourceLocation
from adapters.wasm.debuggee import Breakpoint, Debuggee, DebuggeeError


def hit_condition_met(condition: tuple[str, int], hits: int) -> bool:
    op, n = condition
    return {"==": hits == n, ">=": hits >= n, ">": hits > n, "%": n > 0 and hits % n == 0}[op]


@dataclass
class UserBreakpoint:
    """A breakpoint as the user set it, with what it resolved to."""

    id: int
    kind: str  # "source", "function", "instruction"
    spec: BreakpointSpec
    path: str | None = None
    location: SourceLocation | None = None
    targets: list[tuple[int, int]] = field(default_factory=list)  # (module id, pc)
    engine_ids: list[int] = field(default_factory=list)
    host_condition: bool = False  # condition (and hit count) evaluated here, not in the engine
    hits: int = 0
    message: str | None = None

    def result(self) -> BreakpointResult:
        verified = bool(self.engine_ids)
        module_id, pc = self.targets[0] if self.targets else (None, None)
        return BreakpointResult(self.id, verified, self.location, None if verified else self.message, pc, module_id)


Resolver = Callable[[BreakpointSpec], tuple[SourceLocation | None, list[tuple[int, int]], str | None]]
ConditionCompiler = Callable[[str, int, int], list | None]  # (condition, module id, pc) -> agent program


class BreakpointTable:
    def __init__(self, debuggee: Debuggee) -> None:
        self._debuggee = debuggee
        self._ids = itertools.count(1)
        self._engine_ids = itertools.count(1)
        self.user: dict[int, UserBreakpoint] = {}
        self.by_engine_id: dict[int, UserBreakpoint] = {}

    def replace(
        self,
        kind: str,
        specs: Iterable[BreakpointSpec],
        resolve: Resolver,
        compile_condition: ConditionCompiler,
        path: str | None = None,
    ) -> list[UserBreakpoint]:
        """Replace all breakpoints of ``kind`` (and ``path``) with ``specs``, as DAP's set* requests do."""
        for old in [b for b in self.user.values() if b.kind == kind and b.path == path]:
            self._remove(old)
        created = []
        for spec in specs:
            breakpoint = UserBreakpoint(next(self._ids), kind, spec, path)
            self.user[breakpoint.id] = breakpoint
            self._install(breakpoint, resolve, compile_condition)
            created.append(breakpoint)
        return created

    def _install(self, breakpoint: UserBreakpoint, resolve: Resolver, compile_condition: ConditionCompiler) -> None:
        spec = breakpoint.spec
        breakpoint.location, breakpoint.targets, breakpoint.message = resolve(spec)
        try:
            hit_condition = parse_hit_condition(spec.hit_condition) if spec.hit_condition else None
        except ExpressionError as error:
            breakpoint.message = str(error)
            return
        in_engine = self._debuggee.capabilities.engine_conditions
        programs = {}
        if spec.condition and in_engine:
            programs = {target: compile_condition(spec.condition, *target) for target in breakpoint.targets}
            in_engine = all(program is not None for program in programs.values())
        breakpoint.host_condition = not in_engine and bool(spec.condition or hit_condition)
        for module_id, pc in breakpoint.targets:
            engine_breakpoint = Breakpoint(next(self._engine_ids), module_id, pc)
            if in_engine:
                engine_breakpoint = Breakpoint(
                    engine_breakpoint.id, module_id, pc, programs.get((module_id, pc)), hit_condition
                )
            try:
                self._debuggee.set_breakpoint(engine_breakpoint)
            except DebuggeeError as error:
                breakpoint.message = f"cannot set a breakpoint at {pc:#x}: {error}"
                continue
            breakpoint.engine_ids.append(engine_breakpoint.id)
            self.by_engine_id[engine_breakpoint.id] = breakpoint

    def _remove(self, breakpoint: UserBreakpoint) -> None:
        for engine_id in breakpoint.engine_ids:
            self.by_engine_id.pop(engine_id, None)
            with contextlib.suppress(DebuggeeError):  # the program is gone; nothing left to remove
                self._debuggee.remove_breakpoint(engine_id)
        del self.user[breakpoint.id]

    def owners(self, engine_ids: Iterable[int]) -> list[UserBreakpoint]:
        seen: dict[int, UserBreakpoint] = {}
        for engine_id in engine_ids:
            owner = self.by_engine_id.get(engine_id)
            if owner is not None:
                seen.setdefault(owner.id, owner)
        return list(seen.values())


class TemporaryBreakpoints:
    """Engine breakpoints a stepping plan sets and removes (ids far from user ones)."""

    FIRST_ID = 1 << 40

    def __init__(self, debuggee: Debuggee) -> None:
        self._debuggee = debuggee
        self._ids = itertools.count(self.FIRST_ID)
        self._active: dict[tuple[int, int], int] = {}

    def add(self, module_id: int, pc: int) -> None:
        self.add_all([(module_id, pc)])

    def add_all(self, targets: Iterable[tuple[int, int]]) -> None:
        """Set breakpoints at (module id, pc) places not set yet, in one request."""
        new = []
        for target in dict.fromkeys(targets):
            if target not in self._active:
                self._active[target] = next(self._ids)
                new.append(Breakpoint(self._active[target], *target))
        if new:
            self._debuggee.set_breakpoints(new)

    def replace(self, targets: Iterable[tuple[int, int]]) -> None:
        """Breakpoints at ``targets`` only, from now on: those already set stay (a request for
        the others removed, one for the new ones)."""
        wanted = dict.fromkeys(targets)
        stale = [self._active.pop(target) for target in list(self._active) if target not in wanted]
        if stale:
            with contextlib.suppress(DebuggeeError):  # the program is gone: nothing left to remove
                self._debuggee.remove_breakpoints(stale)
        self.add_all(wanted)

    def clear(self) -> None:
        if self._active:
            with contextlib.suppress(DebuggeeError):  # the program is gone: nothing left to remove
                self._debuggee.remove_breakpoints(list(self._active.values()))
        self._active.clear()
