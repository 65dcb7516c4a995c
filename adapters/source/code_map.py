"""The stepping planner's view of the code: lines, where control leaves them, calls, entries."""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.source.functions import die_ranges
from adapters.source.model import SourceLocation
from adapters.source.symbols import FunctionInfo, ModuleSymbols
from adapters.wasm import control_flow
from adapters.wasm.binary import WasmFormatError
from adapters.wasm.instructions import decode, instruction_at
from adapters.wasm.reachability import is_unreachable

STRUCTURAL_MARKERS = ("block", "loop")
BLOCK_TAGS = ("DW_TAG_lexical_block", "DW_TAG_inlined_subroutine")
LineKey = tuple[str, int]  # (path, line)


@dataclass(frozen=True)
class LineSpan:
    """Consecutive code of one line (``line`` None for code of no line), ``[low, high)``."""

    low: int
    high: int
    line: LineKey | None


@dataclass(frozen=True)
class _FunctionLines:
    """One function's line-table rows, indexed once for every step in it."""

    pcs: tuple[int, ...]
    lines: tuple[LineKey | None, ...]
    statements: frozenset[int]  # PCs where an is_stmt row of a line begins
    ranges: tuple[tuple[int, int], ...]

    @property
    def end(self) -> int:
        return max(high for _, high in self.ranges)


class SymbolCodeMap:
    """Implements ``adapters.source.stepping.CodeMap`` over each module's symbols
    (a live mapping: modules loaded later are seen)."""

    CACHED_FUNCTIONS = 64

    def __init__(self, symbols: Mapping[int, ModuleSymbols]) -> None:
        self._modules = symbols
        self._lines: OrderedDict[tuple[int, int], _FunctionLines | None] = OrderedDict()

    def _symbols(self, module_id: int) -> ModuleSymbols:
        return self._modules[module_id]

    def _function(self, module_id: int, pc: int) -> FunctionInfo | None:
        return self._symbols(module_id).function_at(pc)

    def _function_lines(self, module_id: int, pc: int) -> _FunctionLines | None:
        for key, known in self._lines.items():  # a step asks many times about one function
            if key[0] == module_id and known is not None and any(low <= pc < high for low, high in known.ranges):
                self._lines.move_to_end(key)
                return known
        function = self._function(module_id, pc)
        if function is None or function.die is None:
            return None
        key = (module_id, function.low_pc)
        rows = self._symbols(module_id).line_rows(function)
        indexed = None
        if rows:
            pcs, lines = [], []
            for row in rows:  # rows at one PC: the last one counts
                line = (row.location.path, row.location.line) if row.location is not None else None
                if pcs and pcs[-1] == row.pc:
                    lines[-1] = line
                else:
                    pcs.append(row.pc)
                    lines.append(line)
            statements = frozenset(row.pc for row in rows if row.is_stmt and row.location is not None)
            indexed = _FunctionLines(tuple(pcs), tuple(lines), statements, function.ranges)
        self._lines[key] = indexed
        if len(self._lines) > self.CACHED_FUNCTIONS:
            self._lines.popitem(last=False)
        return indexed

    def line_at(self, module_id: int, pc: int) -> LineSpan | None:
        """The stretch of consecutive rows of one line around ``pc``; None without line information."""
        table = self._function_lines(module_id, pc)
        if table is None:
            return None
        index = bisect_right(table.pcs, pc) - 1
        if index < 0:
            return None
        line = table.lines[index]
        first = last = index
        while first > 0 and table.lines[first - 1] == line:
            first -= 1
        while last + 1 < len(table.pcs) and table.lines[last + 1] == line:
            last += 1
        high = table.pcs[last + 1] if last + 1 < len(table.pcs) else table.end
        return LineSpan(table.pcs[first], high, line)

    def starts_statement(self, module_id: int, pc: int) -> bool:
        """Whether a statement of a source line begins at ``pc`` (where a step may end)."""
        table = self._function_lines(module_id, pc)
        return table is not None and pc in table.statements

    def inlined_ranges(self, module_id: int, pc: int) -> list[tuple[int, int]]:
        """The code of the inlined call ``pc`` is innermost in (module PCs); empty if none."""
        symbols = self._symbols(module_id)
        chain = symbols.inline_chain(pc)
        if not chain or not chain[0].inlined or chain[0].die is None or symbols.dwarf is None:
            return []
        offset = (symbols.module.code_offset or 0) if symbols.module is not None else 0
        return [(low + offset, high + offset) for low, high in die_ranges(chain[0].die, symbols.dwarf)]

    def exits(self, module_id: int, low: int, high: int) -> list[int]:
        module = self._symbols(module_id).module
        body = module.function_at(low) if module is not None else None
        if module is None or body is None:
            return []
        return [pc for pc in control_flow.exits(module.data, body, low, high) if self.runs(module_id, pc)]

    def line_breakpoint_pcs(self, module_id: int, line_pcs: list[int]) -> list[int]:
        """gdb's locations for a line's statements: one per lexical block (a loop body whose
        line has two statements stops once per iteration), in a function's prologue moved past
        it (a closure on the line stops where its arguments are readable)."""
        symbols = self._symbols(module_id)
        chosen: dict[tuple[int, tuple[int, int]], int] = {}
        for pc in sorted(line_pcs):
            function = symbols.function_at(pc)
            if function is None or function.die is None:
                chosen.setdefault((pc, (0, 0)), pc)
                continue
            if function.contains(function.entry_pc) and pc < function.entry_pc:
                if any(function.entry_pc <= other and function.contains(other) for other in line_pcs):
                    continue  # the line has code after the prologue too (optimised code): break there
                if _line(symbols.location_at(function.entry_pc)) != _line(symbols.location_at(pc)):
                    chosen.setdefault((pc, (0, 0)), pc)  # the prologue ends on another line: stay on this one
                    continue
                pc = function.entry_pc
            chosen.setdefault((function.low_pc, self._block(symbols, function, pc)), pc)
        return self.breakpoint_pcs(module_id, sorted(set(chosen.values())))

    @staticmethod
    def _block(symbols: ModuleSymbols, function: FunctionInfo, pc: int) -> tuple[int, int]:
        """The innermost lexical block or inlined call holding ``pc``: its DIE offset, and the start
        of its address range that holds ``pc`` (a loop the compiler unrolled copies a block's code
        into several ranges, each of which runs)."""
        assert function.die is not None
        if symbols.dwarf is None or symbols.module is None:
            return function.die.offset, 0
        address = pc - (symbols.module.code_offset or 0)
        block, start = function.die, 0
        inner = True
        while inner:
            inner = False
            for child in block.iter_children():
                if child.tag not in BLOCK_TAGS:
                    continue
                holding = [low for low, high in die_ranges(child, symbols.dwarf) if low <= address < high]
                if holding:
                    block, start, inner = child, holding[0], True
                    break
        return block.offset, start

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


def _line(location: SourceLocation | None) -> tuple[str, int] | None:
    return (location.path, location.line) if location is not None else None
