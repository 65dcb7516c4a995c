"""The stepping planner's view of the code: line ranges, statements, calls, entries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.source.symbols import FunctionInfo, ModuleSymbols
from adapters.wasm.binary import WasmFormatError
from adapters.wasm.instructions import decode, instruction_at
from adapters.wasm.reachability import is_unreachable

if TYPE_CHECKING:
    from adapters.source.debugger import SourceDebugger


STRUCTURAL_MARKERS = ("block", "loop")


class SymbolCodeMap:
    """Implements ``adapters.source.stepping.CodeMap`` over each module's symbols."""

    def __init__(self, debugger: SourceDebugger) -> None:
        self._debugger = debugger

    def _symbols(self, module_id: int) -> ModuleSymbols:
        return self._debugger.symbols[module_id]

    def _function(self, module_id: int, pc: int) -> FunctionInfo | None:
        return self._symbols(module_id).function_at(pc)

    def line_range(self, module_id: int, pc: int) -> tuple[int, int] | None:
        function = self._function(module_id, pc)
        if function is None or function.die is None:
            return None
        rows = self._symbols(module_id).statement_rows(function)
        current = [row for row in rows if row.pc <= pc]
        if not current:
            return None
        start = current[-1]
        later = [row.pc for row in rows if row.pc > start.pc and row.location.line != start.location.line]
        end = later[0] if later else max(high for _, high in function.ranges)
        return start.pc, end

    def statement_pcs(self, module_id: int, pc: int) -> list[int]:
        function = self._function(module_id, pc)
        if function is None:
            return []
        rows = self._symbols(module_id).statement_rows(function)
        return self.breakpoint_pcs(module_id, [row.pc for row in rows])

    def breakpoint_pcs(self, module_id: int, line_pcs: list[int]) -> list[int]:
        """Where breakpoints for lines starting at ``line_pcs`` go: code that never runs left out
        (a breakpoint there would fire elsewhere), the rest moved by ``breakable_pc``."""
        return [self.breakable_pc(module_id, pc) for pc in line_pcs if self.runs(module_id, pc)]

    def runs(self, module_id: int, pc: int) -> bool:
        """Whether the code at ``pc`` can run at all."""
        module = self._symbols(module_id).module
        body = module.function_at(pc) if module is not None else None
        return body is None or not is_unreachable(module.data, body, pc)

    def breakable_pc(self, module_id: int, pc: int) -> int:
        """Where a breakpoint for the line starting at ``pc`` must go to hit every time.

        A line that starts with a ``loop`` (or ``block``) marker runs that marker once:
        the loop's back edge branches past it. So the breakpoint moves to the first real
        instruction, as long as that is still on the same line.
        """
        symbols = self._symbols(module_id)
        module = symbols.module
        body = module.function_at(pc) if module is not None else None
        if module is None or body is None:
            return pc
        line = symbols.location_at(pc)
        candidate = pc
        try:
            while (instruction := instruction_at(module.data, body, candidate)) is not None:
                if instruction.mnemonic not in STRUCTURAL_MARKERS or instruction.end >= body.end:
                    break
                candidate = instruction.end
        except WasmFormatError:
            return pc
        after = symbols.location_at(candidate)
        same_line = line is not None and after is not None and (after.path, after.line) == (line.path, line.line)
        return candidate if same_line else pc

    def calls_in(self, module_id: int, low: int, high: int) -> tuple[list[int], list[int]]:
        symbols = self._symbols(module_id)
        module = symbols.module
        if module is None:
            return [], []
        direct, indirect = [], []
        try:
            for instruction in decode(module.data, low, high):
                if instruction.is_indirect_call:
                    indirect.append(instruction.pc)
                elif instruction.call_target is not None:
                    body = module.function(instruction.call_target)
                    stop = self.entry_stop(module_id, body.locals_end) if body is not None else None
                    if stop is not None:
                        direct.append(stop)
        except WasmFormatError:
            pass  # undecodable code: no call stops, the step still ends at the next line
        return direct, indirect

    def entry_stop(self, module_id: int, pc: int) -> int | None:
        function = self._function(module_id, pc)
        if function is None or function.die is None:
            return None
        return function.entry_pc

    def next_instruction(self, module_id: int, pc: int) -> tuple[int, bool]:
        module = self._symbols(module_id).module
        body = module.function_at(pc) if module is not None else None
        if module is None or body is None:
            return pc, False
        instruction = instruction_at(module.data, body, pc)
        if instruction is None:
            return pc, False
        return instruction.end, instruction.is_call

    def is_instruction_start(self, module_id: int, pc: int) -> bool:
        module = self._symbols(module_id).module
        body = module.function_at(pc) if module is not None else None
        if module is None or body is None or pc < body.locals_end:
            return False
        try:
            instruction = instruction_at(module.data, body, pc)
        except WasmFormatError:
            return False
        return instruction is not None and instruction.pc == pc
