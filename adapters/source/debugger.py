"""SourceDebugger: source-level debugging of one Wasm program, on top of a Debuggee.

The DAP session calls these blocking methods from a worker thread (``pause`` and
``terminate`` may be called from any thread). Results are the plain data types of
``adapters.source.model``. Per-stop state (frames, variable references) is dropped
whenever the program resumes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from elftools.dwarf.die import DIE

from adapters.source.breakpoints import (
    BreakpointTable,
    TemporaryBreakpoints,
    UserBreakpoint,
    hit_condition_met,
)
from adapters.source.code_map import SymbolCodeMap
from adapters.source.evaluation import Expressions
from adapters.source.expressions.hit_conditions import parse_hit_condition
from adapters.source.formatters.user import load_user_formatters
from adapters.source.inspection import Inspector
from adapters.source.model import (
    BreakpointResult,
    BreakpointSpec,
    DisassembledInstruction,
    EvaluationResult,
    ModuleInfo,
    Scope,
    SourceFrame,
    SourceLocation,
    Stop,
    StopKind,
    Variable,
    split_code_address,
)
from adapters.source.run_control import RunControl
from adapters.source.short_names import short_name
from adapters.source.stepping import CodeMap, Granularity, StepKind, StepPlanner
from adapters.source.symbols import InlineFrame, ModuleSymbols
from adapters.wasm.component import Artifact
from adapters.wasm.debuggee import (
    Debuggee,
    DebuggeeError,
    DebuggeeGone,
    Frame,
    StopEvent,
    StopReason,
)
from adapters.wasm.disassembly import disassemble

OutputCallback = Callable[[str, str], None]
ModuleCallback = Callable[[ModuleInfo], None]

ENTRY_FUNCTIONS = ("main", "__main_argc_argv", "__original_main", "_start")
ABORT_FUNCTIONS = ("abort", "__rust_start_panic", "rust_panic", "panic_abort", "__builtin_trap")
Result = TypeVar("Result")


class SourceDebugger:
    def __init__(
        self,
        debuggee: Debuggee,
        *,
        path_mappings: Sequence[tuple[str, str]] = (),
        on_output: OutputCallback | None = None,
        on_module: ModuleCallback | None = None,
        artifact: Artifact | None = None,
        code: CodeMap | None = None,
    ) -> None:
        """``code`` is the code map stepping plans use; by default the modules' DWARF and bytecode."""
        self.debuggee = debuggee
        self._artifact = artifact  # the launched files, to tell stale debug info
        self._stale: dict[int, str] = {}  # module id -> why its debug info may be wrong
        self._path_mappings = tuple(path_mappings)
        self._on_output = on_output or (lambda category, text: None)
        self._on_module = on_module or (lambda info: None)
        self.symbols: dict[int, ModuleSymbols] = {}
        self.breakpoints = BreakpointTable(debuggee)
        self._temporary = TemporaryBreakpoints(debuggee)
        self.code = SymbolCodeMap(self.symbols)
        self.run_control = RunControl(debuggee, on_work_done=self._forget_stop)
        self.running = self.run_control.running  # set while the engine runs a user's resume or step
        self._planner = StepPlanner(self.run_control, code or self.code, self._temporary)
        self._exception_filters: set[str] = set()
        self._frames: list[SourceFrame] | None = None
        self._frame_depths: list[int] = []  # the Wasm frame each source frame lives in
        self._inline_frames: list[InlineFrame | None] = []
        self.inspector = Inspector(debuggee)
        self.expressions = Expressions(self)
        self._wasm_frames: list[Frame] = []
        self._last_stop: Stop | None = None
        self.exit_code: int | None = None
        self._load_modules()

    # -- construction ----------------------------------------------------------------
    @classmethod
    def adopt(cls, debuggee: Debuggee, **options) -> SourceDebugger:
        """The source-level debugger of a started ``debuggee``, which is closed if that fails."""
        try:
            return cls(debuggee, **options)
        except BaseException:
            debuggee.close()
            raise

    # -- modules -----------------------------------------------------------------------
    def _load_modules(self) -> None:
        for module in self.debuggee.modules():
            if module.id in self.symbols:
                continue
            symbols = ModuleSymbols.load(module.bytecode(), path_mappings=self._path_mappings)
            self.symbols[module.id] = symbols
            for warning in symbols.warnings:
                self._on_output("console", f"{module.name}: {warning}\n")
            stale = self._artifact and self._artifact.stale_reason(module.bytecode(), symbols.source_files())
            if stale:
                self._stale[module.id] = stale
                self._on_output("console", f"{module.name}: stale debug info: {stale}; lines shown may be wrong\n")
            self._on_module(self._module_info(module.id))
            symbols.prefetch()

    def _module_info(self, module_id: int) -> ModuleInfo:
        module = next(m for m in self.debuggee.modules() if m.id == module_id)
        symbols = self.symbols[module_id]
        status = f"stale: {self._stale[module_id]} ({symbols.status})" if module_id in self._stale else symbols.status
        return ModuleInfo(module_id, module.name, status, tuple(symbols.warnings))

    def modules(self) -> list[ModuleInfo]:
        return [self._module_info(module_id) for module_id in self.symbols]

    def loaded_sources(self) -> list[str]:
        return sorted({path for symbols in self.symbols.values() for path in symbols.source_files()})

    # -- breakpoints -------------------------------------------------------------------
    def set_source_breakpoints(self, path: str, specs: list[BreakpointSpec]) -> list[BreakpointResult]:
        def resolve(spec: BreakpointSpec):
            for module_id, symbols in self.symbols.items():
                found = symbols.resolve_line(path, spec.line)
                if found:
                    line, pcs = found
                    location = SourceLocation(path, line)
                    targets = self.code.line_breakpoint_pcs(module_id, pcs)
                    if not targets:
                        return location, [], f"the code of {Path(path).name}:{line} can never run"
                    return location, [(module_id, pc) for pc in targets], None
            return None, [], f"no code found for {Path(path).name}:{spec.line} in the loaded modules"

        created = self.breakpoints.replace("source", specs, resolve, self._compile_condition, path)
        return [b.result() for b in created]

    def set_function_breakpoints(self, specs: list[BreakpointSpec]) -> list[BreakpointResult]:
        def resolve(spec: BreakpointSpec):
            for module_id, symbols in self.symbols.items():
                pcs = [function.entry_pc for function in symbols.functions_named(spec.function or "")]
                if pcs:
                    return symbols.location_at(pcs[0]), [(module_id, pc) for pc in pcs], None
            similar = sorted(
                {n for symbols in self.symbols.values() for n in symbols.similar_function_names(spec.function or "")}
            )
            hint = f"; did you mean {' or '.join(similar[:3])}?" if similar else ""
            return None, [], f"no function named {spec.function!r}{hint}"

        return [b.result() for b in self.breakpoints.replace("function", specs, resolve, self._compile_condition)]

    def set_instruction_breakpoints(self, specs: list[BreakpointSpec]) -> list[BreakpointResult]:
        def resolve(spec: BreakpointSpec):
            module_id = spec.module_id if spec.module_id is not None else next(iter(self.symbols))
            if module_id not in self.symbols or spec.instruction is None:
                return None, [], "unknown module"
            if not self.code.is_instruction_start(module_id, spec.instruction):
                return None, [], f"{spec.instruction:#x} is not the start of an instruction"
            if not self.code.runs(module_id, spec.instruction):
                return None, [], f"the instruction at {spec.instruction:#x} can never run"
            return self.symbols[module_id].location_at(spec.instruction), [(module_id, spec.instruction)], None

        return [b.result() for b in self.breakpoints.replace("instruction", specs, resolve, self._compile_condition)]

    def set_exception_filters(self, filters: list[str]) -> None:
        self._exception_filters = set(filters)

    def breakpoint_locations(self, path: str, line: int, end_line: int | None = None) -> list[SourceLocation]:
        for symbols in self.symbols.values():
            found = symbols.breakpoint_locations(path, line, end_line or line)
            if found:
                return found
        return []

    def _compile_condition(self, condition: str, module_id: int, pc: int) -> list | None:
        return self.expressions.compile_condition(condition, module_id, pc)

    # -- running ------------------------------------------------------------------------
    def start(self, stop_on_entry: bool) -> Stop | None:
        """Begin running after configuration; with ``stop_on_entry`` stop at the program's entry."""
        if not stop_on_entry:
            return None
        self.run_control.begin()
        for module_id, symbols in self.symbols.items():
            for name in ENTRY_FUNCTIONS:
                entries = [function.entry_pc for function in symbols.functions_named(name)]
                if entries:
                    self._temporary.add(module_id, entries[0])
                    break
            else:
                continue
            break

        def decide(event: StopEvent) -> Stop | None:
            if event.reason is StopReason.BREAKPOINT and not self.breakpoints.owners(event.breakpoint_ids):
                return Stop(StopKind.ENTRY, description="Paused on entry")
            return self._interpret(event)

        self._forget_stop()
        return self._finish(self._unless_gone(lambda: self._planner.run(decide)))

    def resume(self) -> Stop:
        self.run_control.begin()
        self._forget_stop()
        return self._finish(self._unless_gone(lambda: self._planner.run(self._interpret)))

    def step(self, kind: StepKind, granularity: Granularity = "statement") -> Stop:
        self.run_control.begin()
        frames = self._wasm_frames or None  # already read at this stop (for the stack view, say)
        self._forget_stop()
        decide = functools.partial(self._interpret, during_step=True)
        return self._finish(self._unless_gone(lambda: self._planner.step(kind, granularity, decide, frames)))

    def _unless_gone(self, run: Callable[[], Stop]) -> Stop:
        """``run``; if the program vanishes meanwhile (Wasmtime killed, say), its exit instead."""
        try:
            return run()
        except DebuggeeGone:
            self.exit_code = self.debuggee.close()
            return Stop(StopKind.EXITED, description="the program ended unexpectedly", exit_code=self.exit_code)

    def pause(self) -> None:
        """Stop the run in progress (any thread); outside a run, nothing happens."""
        self.run_control.pause()

    def run_paused(self, work: Callable[[], Result]) -> Result:
        """Do ``work`` with the engine paused (any thread), unseen by the run in progress."""
        return self.run_control.run_paused(work)

    def _forget_stop(self) -> None:
        self._frames = None
        self._wasm_frames = []
        self.inspector.clear()

    def _interpret(self, event: StopEvent, during_step: bool = False) -> Stop | None:
        """The user-visible stop for an engine stop, or None to carry on (logpoint, false condition,
        a stepping plan's own breakpoint). Called exactly once per engine stop: it counts hits."""
        self._forget_stop()  # a new stop: frames and values read before it are stale
        reason = event.reason
        if reason is StopReason.EXITED:
            self.exit_code = event.exit_code
            description = event.trap or f"exited with code {event.exit_code}"
            return Stop(StopKind.EXITED, description=description, exit_code=event.exit_code)
        if reason is StopReason.INTERRUPTED:
            return Stop(StopKind.PAUSE, description="Paused")
        if reason in (StopReason.STEP, StopReason.ENTRY):
            return Stop(StopKind.STEP)
        if reason in (StopReason.TRAP, StopReason.EXCEPTION):
            return self._exception_stop(event)
        owners = self.breakpoints.owners(event.breakpoint_ids)
        for _, message in event.condition_errors:
            self._on_output("console", f"breakpoint condition could not be evaluated: {message}\n")
        if not owners:
            return None if during_step or event.breakpoint_ids else Stop(StopKind.BREAKPOINT)
        stopping = [b for b in owners if self._should_stop(b)]
        logs = [b for b in stopping if b.spec.log_message is not None]
        for breakpoint in logs:
            self._on_output("console", self.format_log_message(breakpoint.spec.log_message or "") + "\n")
        real = [b for b in stopping if b.spec.log_message is None]
        if not real:
            return None
        kinds = {"source": StopKind.BREAKPOINT, "function": StopKind.FUNCTION_BREAKPOINT}
        kind = kinds.get(real[0].kind, StopKind.INSTRUCTION_BREAKPOINT)
        return Stop(kind, breakpoint_ids=tuple(b.id for b in real))

    def _should_stop(self, breakpoint: UserBreakpoint) -> bool:
        if not breakpoint.host_condition:
            return True
        if breakpoint.spec.condition:
            try:
                if not self.evaluate_condition(breakpoint.spec.condition):
                    return False
            except Exception as error:  # noqa: BLE001 - a broken condition stops, and says why
                self._on_output("console", f"breakpoint condition {breakpoint.spec.condition!r} failed: {error}\n")
                return True
        breakpoint.hits += 1
        if breakpoint.spec.hit_condition:
            return hit_condition_met(parse_hit_condition(breakpoint.spec.hit_condition), breakpoint.hits)
        return True

    def _exception_stop(self, event: StopEvent) -> Stop | None:
        names = [frame.name for frame in self.stack()]
        aborted = any(name.split("(")[0].split("::")[-1] in ABORT_FUNCTIONS for name in names)
        exception_id = "abort" if aborted else "trap"
        if exception_id not in self._exception_filters:
            return None  # not asked to stop here: the program carries on to its end (Wasmtime reports the trap)
        text = event.trap or "trap"
        if aborted:
            text = f"the program aborted ({text})"
        return Stop(StopKind.EXCEPTION, description=text, exception_id=exception_id, exception_text=text)

    def _finish(self, stop: Stop) -> Stop:
        self.run_control.finish()
        self._last_stop = stop
        return stop

    def exception_info(self) -> tuple[str, str, str]:
        """(exception id, description, details) of the last exception stop."""
        stop = self._last_stop
        if stop is None or stop.kind is not StopKind.EXCEPTION:
            raise DebuggeeError("the program is not stopped at a trap")
        frames = self.stack()
        where = ""
        if frames:
            top = frames[0]
            where = f" in {top.name}"
            if top.location:
                where += f" at {Path(top.location.path).name}:{top.location.line}"
        return stop.exception_id or "trap", stop.exception_text or "", f"{stop.exception_text}{where}"

    # -- frames -------------------------------------------------------------------------
    def wasm_frames(self) -> list[Frame]:
        if not self._wasm_frames:
            self._wasm_frames = self.debuggee.frames()
        return self._wasm_frames

    def stack(self) -> list[SourceFrame]:
        if self._frames is None:
            self._frames = []
            self._frame_depths = []
            self._inline_frames = []
            for depth, frame in enumerate(self.wasm_frames()):
                symbols = self.symbols.get(frame.module_id)
                # A caller's PC is its return address; the call is the instruction before it.
                lookup = frame.pc if depth == 0 else frame.pc - 1
                for source_frame in symbols.inline_chain(lookup) if symbols else ():
                    self._frame_depths.append(depth)
                    self._inline_frames.append(source_frame)
                    self._frames.append(
                        SourceFrame(
                            id=len(self._frames) + 1,
                            name=short_name(source_frame.name),
                            location=source_frame.location,
                            module_id=frame.module_id,
                            pc=frame.pc,
                            function_index=frame.function_index,
                            inlined=source_frame.inlined,
                            has_debug_info=source_frame.location is not None,
                        )
                    )
        return self._frames

    def frame(self, frame_id: int) -> tuple[SourceFrame, Frame]:
        """A source frame and the Wasm frame it lives in."""
        frames = self.stack()
        if not 1 <= frame_id <= len(frames):
            raise DebuggeeError(f"no frame {frame_id}: the program has moved on since it was listed")
        return frames[frame_id - 1], self.wasm_frames()[self._frame_depths[frame_id - 1]]

    # -- variables ----------------------------------------------------------------------
    def frame_scope(self, frame_id: int) -> tuple[int, DIE | None, int]:
        """(Wasm frame depth, scope DIE or None, DWARF PC) of a source frame."""
        _, wasm = self.frame(frame_id)
        depth = self._frame_depths[frame_id - 1]
        lookup = wasm.pc if depth == 0 else wasm.pc - 1  # a caller's PC is its return address
        module = self.symbols[wasm.module_id].module
        code_offset = (module.code_offset or 0) if module is not None else 0
        inline = self._inline_frames[frame_id - 1]
        return depth, inline.die if inline is not None else None, lookup - code_offset

    def frame_variables(self, frame_id: int):
        _, wasm = self.frame(frame_id)
        depth, die, dwarf_pc = self.frame_scope(frame_id)
        return self.inspector.frame_variables(self.symbols[wasm.module_id], wasm, depth, die, dwarf_pc)

    def scopes(self, frame_id: int) -> list[Scope]:
        return self.frame_variables(frame_id).scopes()

    def load_formatters(self, path: Path) -> None:
        """Add the user's formatters from a Python file (see docs/formatters.md)."""
        load_user_formatters(self.inspector.renderer.formatters, path)
        self.inspector.clear()  # values already shown were shown without them

    def variables(self, reference: int, start: int = 0, count: int | None = None, hex: bool = False) -> list[Variable]:
        return self.inspector.variables(reference, start, count, hex)

    def set_variable(self, reference: int, name: str, value: str, hex: bool = False) -> Variable:
        return self.inspector.set_variable(reference, name, value, hex)

    # -- memory and code -------------------------------------------------------------------
    def _memory_instance(self) -> int:
        """Linear memory is the top frame's instance's (the main module's before any frame)."""
        frames = self.wasm_frames()
        if frames:
            return frames[0].instance_id
        return self.debuggee.instance_of(next(iter(self.symbols)))

    def read_memory(self, reference: str, offset: int, count: int) -> tuple[int, bytes]:
        address = parse_reference(reference) + offset
        if address < 0:
            raise DebuggeeError(f"address {address:#x} is before the start of linear memory")
        return address, self.debuggee.read_memory(self._memory_instance(), address, count)

    def write_memory(self, reference: str, offset: int, data: bytes) -> int:
        address = parse_reference(reference) + offset
        self.debuggee.write_memory(self._memory_instance(), address, data)
        self.inspector.clear()  # cached pages and rendered values are stale now
        return len(data)

    def disassemble(
        self, reference: str, offset: int = 0, instruction_offset: int = 0, count: int = 1
    ) -> list[DisassembledInstruction]:
        module_id, pc = split_code_address(parse_reference(reference) + offset)
        symbols = self.symbols.get(module_id)
        if symbols is None or symbols.module is None:
            raise DebuggeeError(f"{reference} is not a code address of a loaded module")
        rows = disassemble(symbols.module, pc, instruction_offset, count)
        names: dict[int, str | None] = {}  # function index -> its source-level (demangled) name

        def symbol(row) -> str | None:
            if not row.valid or row.function_index is None:
                return row.symbol
            if row.function_index not in names:
                function = symbols.function_at(row.address)
                names[row.function_index] = function.name if function is not None else row.symbol
            return names[row.function_index]

        return [
            DisassembledInstruction(
                row.address,
                module_id,
                row.text,
                row.instruction_bytes,
                symbol(row),
                symbols.location_at(row.address) if row.valid else None,
                row.valid,
            )
            for row in rows
        ]

    # -- logpoints and conditions --------------------------------------------------------
    def evaluate(
        self, expression: str, frame_id: int | None = None, context: str = "repl", hex: bool = False
    ) -> EvaluationResult:
        if not self.stack():
            raise DebuggeeError("no frame to evaluate in: the program has not stopped in Wasm code")
        return self.expressions.evaluate(expression, frame_id or 1, context, hex)

    def set_expression(self, expression: str, value: str, frame_id: int | None = None) -> EvaluationResult:
        """Assign ``value`` (an expression) to the lvalue ``expression``; the new value comes back."""
        if not self.stack():
            raise DebuggeeError("no frame to evaluate in: the program has not stopped in Wasm code")
        self.expressions.evaluate(f"({expression}) = ({value})", frame_id or 1, "setExpression")
        self.inspector.clear()  # rendered values and cached memory are stale now
        return self.expressions.evaluate(expression, frame_id or 1, "watch")

    def completions(self, text: str, column: int, frame_id: int | None = None) -> list[str]:
        """Candidates for the word before ``column`` (1-based, like SourceLocation columns)."""
        return self.expressions.completions(text, column - 1, frame_id or 1) if self.stack() else []

    def format_log_message(self, template: str) -> str:
        return self.expressions.format_log_message(template)

    def evaluate_condition(self, condition: str) -> bool:
        return self.expressions.truthy(condition)

    # -- ending -----------------------------------------------------------------------
    def terminate(self) -> None:
        self.debuggee.kill()
        self.run_control.abandon("the program was terminated")

    def close(self) -> int | None:
        code = self.debuggee.close()
        return self.exit_code if self.exit_code is not None else code

    @property
    def can_pause(self) -> bool:
        """Whether a running program can be paused (Wasmtime's gdbstub cannot)."""
        return self.debuggee.capabilities.can_interrupt


def parse_reference(reference: str) -> int:
    """A DAP memory reference ("0x1000", "4096") as a number."""
    try:
        return int(reference, 0)
    except ValueError:
        raise DebuggeeError(f"not a memory reference: {reference!r}") from None
