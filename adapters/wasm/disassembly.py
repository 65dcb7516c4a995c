"""Rendering instructions as WAT-like text, and the listing behind the DAP ``disassemble`` request.

Without a module an instruction renders as valid WAT (``i32.load offset=8 align=2``, with
WAT's byte alignments, each shown only when not the natural one); with a module, calls and
``ref.func`` also name their function: ``call 12 <printf>``.
"""

from __future__ import annotations

import math
import re
import struct
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from adapters.wasm.binary import FunctionBody, WasmModule
from adapters.wasm.instructions import (
    F32_NAN_PAYLOAD_SHIFT,
    BlockType,
    Catch,
    Instruction,
    MemArg,
    Operand,
    decode_lenient,
)

OUTSIDE_CODE_TEXT = "(outside the code section)"
MAX_ROWS = 100_000  # per disassemble request


@dataclass(frozen=True)
class DisassembledRow:
    """One row of a listing. ``valid`` is False for undecodable bytes and for the
    placeholders that stand for addresses with no code."""

    address: int
    instruction_bytes: str  # hex, space separated
    text: str
    function_index: int | None = None
    symbol: str | None = None  # the enclosing function's name
    valid: bool = True


# --- Rendering one instruction ---------------------------------------------------------


def render(instruction: Instruction, module: WasmModule | None = None) -> str:
    """The instruction as WAT-like text."""
    if not instruction.is_valid:
        return f"invalid  ;; {instruction.error}"
    special = _SPECIAL_RENDERERS.get(instruction.mnemonic)
    parts = special(instruction) if special else _render_operands(instruction, module)
    return " ".join([instruction.mnemonic, *filter(None, parts)])


def _render_operands(instruction: Instruction, module: WasmModule | None) -> list[str]:
    parts = []
    for operand, value in zip(instruction.operands, instruction.immediates, strict=True):
        if operand == Operand.MEMARG:
            parts.append(_memarg_text(instruction.mnemonic, value))
        elif operand == Operand.FUNC:
            parts.append(_function_text(value, module))
        elif operand == Operand.GLOBAL and module is not None and value in module.global_names:
            parts.append(f"{value} <{module.global_names[value]}>")
        else:
            parts.append(_OPERAND_TEXT[operand](value))
    return parts


def _function_text(index: int, module: WasmModule | None) -> str:
    name = _function_name(module, index) if module else None
    return f"{index} <{name}>" if name else str(index)


def _function_name(module: WasmModule, index: int) -> str | None:
    if index in module.function_names:
        return module.function_names[index]
    imported = module.imported_function(index)
    return f"{imported.module}.{imported.name}" if imported else None


_ACCESS_WIDTH = re.compile(r"(?:load|store|rmw|wait)(\d+)(?:x(\d+))?")
_TYPE_WIDTH = {"i32": 4, "f32": 4, "i64": 8, "f64": 8, "v128": 16, "memory": 4}


@cache
def natural_alignment(mnemonic: str) -> int:
    """The bytes a memory instruction accesses, which WAT assumes as its alignment."""
    width = _ACCESS_WIDTH.search(mnemonic)
    if width:
        bits = int(width.group(1)) * int(width.group(2) or 1)
        return bits // 8
    return _TYPE_WIDTH[mnemonic.split(".")[0]]


def _memarg_text(mnemonic: str, memarg: MemArg) -> str:
    parts = [str(memarg.memory)] if memarg.memory else []
    if memarg.offset:
        parts.append(f"offset={memarg.offset}")
    if 1 << memarg.align != natural_alignment(mnemonic):
        parts.append(f"align={1 << memarg.align}")
    return " ".join(parts)


def _block_type_text(block_type: BlockType) -> str:
    if block_type is None:
        return ""
    if isinstance(block_type, int):
        return f"(type {block_type})"
    return f"(result {block_type})"


def _float_text(value: float, pack: str, shortest_digits: range) -> str:
    if math.isnan(value):
        sign = "-" if math.copysign(1.0, value) < 0 else ""
        payload_bits, shift = (52, 0) if pack == "<d" else (23, F32_NAN_PAYLOAD_SHIFT)
        bits = int.from_bytes(struct.pack("<d", value), "little")
        payload = (bits & ((1 << 52) - 1)) >> shift
        return f"{sign}nan" if payload == 1 << (payload_bits - 1) else f"{sign}nan:0x{payload:x}"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    for digits in shortest_digits:  # the shortest text that reads back as the same value
        text = f"{value:.{digits}g}"
        if _packs_equal(pack, float(text), value):
            return text
    return repr(value)


def _packs_equal(pack: str, candidate: float, value: float) -> bool:
    try:
        return struct.pack(pack, candidate) == struct.pack(pack, value)
    except OverflowError:  # rounded past the largest finite f32
        return False


def _v128_text(value: bytes) -> str:
    lanes = struct.unpack("<4I", value)
    return "i32x4 " + " ".join(f"0x{lane:08x}" for lane in lanes)


def _catch_text(catch: Catch) -> str:
    if catch.tag is None:
        return f"({catch.kind} {catch.label})"
    return f"({catch.kind} {catch.tag} {catch.label})"


_OPERAND_TEXT: dict[Operand, Callable[[Any], str]] = {
    Operand.LABELS: lambda labels: " ".join(map(str, labels)),
    Operand.BLOCK_TYPE: _block_type_text,
    Operand.F32: lambda value: _float_text(value, "<f", range(6, 10)),
    Operand.F64: lambda value: _float_text(value, "<d", range(15, 18)),
    Operand.V128: _v128_text,
    Operand.SHUFFLE: lambda lanes: " ".join(map(str, lanes)),
    Operand.VALTYPES: lambda types: f"(result {' '.join(types)})" if types else "",
    Operand.REF: lambda heap: f"(ref {heap})",
    Operand.NULLABLE_REF: lambda heap: f"(ref null {heap})",
    Operand.CATCHES: lambda catches: " ".join(map(_catch_text, catches)),
    Operand.RESERVED_ZERO: lambda _: "",
}
for _operand in Operand:
    _OPERAND_TEXT.setdefault(_operand, str)  # indices, lanes, integers, heap types


# Instructions whose WAT text orders or shows their immediates differently from the binary.


def _indirect_call_parts(instruction: Instruction) -> list[str]:
    type_index, table = instruction.immediates
    return [str(table) if table else "", f"(type {type_index})"]


def _memory_init_parts(instruction: Instruction) -> list[str]:
    data, memory = instruction.immediates
    return [str(memory) if memory else "", str(data)]


def _memory_indices_parts(instruction: Instruction) -> list[str]:
    """Memory indices are shown only when some is not 0 (multi-memory)."""
    indices = instruction.immediates
    return [str(index) for index in indices] if any(indices) else []


def _br_on_cast_parts(instruction: Instruction) -> list[str]:
    flags, label, source, target = instruction.immediates
    return [
        str(label),
        f"(ref {'null ' if flags & 1 else ''}{source})",
        f"(ref {'null ' if flags & 2 else ''}{target})",
    ]


_SPECIAL_RENDERERS: dict[str, Callable[[Instruction], list[str]]] = {
    "call_indirect": _indirect_call_parts,
    "return_call_indirect": _indirect_call_parts,
    "memory.init": _memory_init_parts,
    "memory.size": _memory_indices_parts,
    "memory.grow": _memory_indices_parts,
    "memory.fill": _memory_indices_parts,
    "memory.copy": _memory_indices_parts,
    "br_on_cast": _br_on_cast_parts,
    "br_on_cast_fail": _br_on_cast_parts,
}


# --- Listings --------------------------------------------------------------------------


def function_instructions(data: bytes, body: FunctionBody) -> tuple[Instruction, ...]:
    """A function's instructions, undecodable bytes included as ``invalid`` ones (cached)."""
    return _function_instructions(bytes(data), body)


@lru_cache(maxsize=1024)
def _function_instructions(data: bytes, body: FunctionBody) -> tuple[Instruction, ...]:
    return tuple(decode_lenient(data, body.locals_end, body.end))


def row_for(module: WasmModule, instruction: Instruction, body: FunctionBody | None = None) -> DisassembledRow:
    body = body or module.function_at(instruction.pc)
    return DisassembledRow(
        address=instruction.pc,
        instruction_bytes=module.data[instruction.pc : instruction.end].hex(" "),
        text=render(instruction, module),
        function_index=body.index if body else None,
        symbol=module.function_name(body.index) if body else None,
        valid=instruction.is_valid,
    )


def function_listing(module: WasmModule, body: FunctionBody) -> list[DisassembledRow]:
    return [row_for(module, instruction, body) for instruction in function_instructions(module.data, body)]


def _placeholder(address: int) -> DisassembledRow:
    return DisassembledRow(max(address, 0), "", OUTSIDE_CODE_TEXT, valid=False)


@dataclass
class _Cursor:
    """A position in the module's instruction sequence: instruction ``row`` of function
    ``function``. ``function`` is -1 before the code (``row`` counts back from its first
    instruction, -1 being the byte just before it) and ``len(functions)`` after it (``row``
    counts bytes from the end of the last function)."""

    module: WasmModule
    function: int
    row: int

    def _rows(self, function: int) -> tuple[Instruction, ...]:
        return function_instructions(self.module.data, self.module.functions[function])

    @property
    def _inside(self) -> bool:
        return 0 <= self.function < len(self.module.functions)

    def move(self, steps: int) -> None:
        self.row += steps
        count = len(self.module.functions)
        if self.function == count and self.row < 0 and count:  # back into the code from after it
            self.function = count - 1
            self.row += len(self._rows(self.function))
        if self.function < 0 and self.row >= 0:  # forward into the code from before it
            self.function = 0
        while self._inside and self.row < 0:
            self.function -= 1
            if self.function >= 0:
                self.row += len(self._rows(self.function))
        while self._inside and self.row >= len(self._rows(self.function)):
            self.row -= len(self._rows(self.function))
            self.function += 1

    def row_here(self) -> DisassembledRow:
        functions = self.module.functions
        if self._inside:
            body = functions[self.function]
            return row_for(self.module, self._rows(self.function)[self.row], body)
        if self.function < 0:
            first = functions[0].locals_end if functions else 0
            return _placeholder(first + self.row)
        last_end = functions[-1].end if functions else 0
        return _placeholder(last_end + self.row)


def _cursor_at(module: WasmModule, pc: int) -> _Cursor:
    """The instruction containing ``pc``, or the first one after it in a function's header;
    outside every function, a placeholder for ``pc`` itself."""
    functions = module.functions
    if not functions or pc >= functions[-1].end:
        return _Cursor(module, len(functions), pc - (functions[-1].end if functions else 0))
    if pc < functions[0].offset:
        return _Cursor(module, -1, pc - functions[0].locals_end)
    body = module.function_at(pc)
    assert body is not None, "function bodies are contiguous in the code section"
    starts = [instruction.pc for instruction in function_instructions(module.data, body)]
    row = max(bisect_right(starts, pc) - 1, 0)
    return _Cursor(module, body.index - module.imported_function_count, row)


def disassemble(module: WasmModule, pc: int, instruction_offset: int, count: int) -> list[DisassembledRow]:
    """``count`` rows starting ``instruction_offset`` instructions from the one at ``pc``,
    crossing function boundaries; addresses with no code give invalid placeholder rows, so
    exactly ``count`` rows come back (as DAP's ``disassemble`` requires)."""
    if not 0 <= count <= MAX_ROWS:
        raise ValueError(f"cannot disassemble {count} instructions (at most {MAX_ROWS})")
    cursor = _cursor_at(module, pc)
    cursor.move(instruction_offset)
    rows = []
    for _ in range(count):
        rows.append(cursor.row_here())
        cursor.move(1)
    return rows
