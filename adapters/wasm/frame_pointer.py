"""Where a function's frame pointer stands relative to the stack-pointer global.

C, C++, Rust and Zig on Wasm keep their stack frames in linear memory. Clang's prologue
reads the stack-pointer global, subtracts the frame size into a local (the frame base
DWARF's ``DW_OP_fbreg`` is relative to) and, unless the function is a leaf that fits in
the red zone, writes that back to the global; the epilogue restores the global just
before returning. Where the code shows that, whenever the function is the innermost
frame at a PC, such a local equals the global plus a constant, a breakpoint condition can
read the global instead: Wasmtime's debugger hands out a frame's locals only all at once,
which costs twice a global read.

The analysis is conservative: anything it does not recognise gives None. It assumes what
every Wasm C ABI guarantees, that a call returns with the stack pointer as it found it.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.wasm.binary import WasmModule
from adapters.wasm.instructions import Instruction, decode
from adapters.wasm.leb128 import WasmFormatError

_MASK = 0xFFFFFFFF
# What may stand between an epilogue's write of the stack pointer and the `return`.
_TAIL = frozenset(("local.get", "i32.const", "i64.const", "f32.const", "f64.const", "nop"))


@dataclass(frozen=True)
class GlobalOffset:
    """A local's value as ``global + offset`` (32-bit arithmetic)."""

    global_index: int
    offset: int


@dataclass(frozen=True)
class _Linear:
    """A value known as the entry value of ``global_index`` (or zero, if None) plus ``constant``."""

    global_index: int | None
    constant: int

    def plus(self, other: _Linear, sign: int) -> _Linear | None:
        if other.global_index is not None and (sign < 0 or self.global_index is not None):
            return None  # global - global, or global + global: not of this form
        base = self.global_index if self.global_index is not None else other.global_index
        return _Linear(base, (self.constant + sign * other.constant) & _MASK)


def local_as_global(module: WasmModule, pc: int, local: int) -> GlobalOffset | None:
    """``local`` as a global plus a constant whenever its function is the innermost frame at
    module PC ``pc``; None if the code does not show that."""
    body = module.function_at(pc)
    if body is None or pc < body.locals_end:
        return None
    try:
        code = list(decode(module.data, body.locals_end, body.end))
    except WasmFormatError:
        return None
    prologue = _Prologue()
    count = prologue.run(code)
    known = prologue.locals.get(local)
    if known is None or known.global_index is None:
        return None
    stack_pointer = prologue.global_value(known.global_index)
    settled = max(prologue.written[("local", local)], prologue.written.get(("global", known.global_index), 0))
    if stack_pointer is None or settled == len(code) or pc < code[settled].pc:
        return None  # the prologue has not set them both yet
    if not _keeps_values(code[count:], local, known.global_index, pc):
        return None
    return GlobalOffset(known.global_index, (known.constant - stack_pointer.constant) & _MASK)


class _Prologue:
    """Runs a function's first, straight-line instructions on values of the form global + constant."""

    def __init__(self) -> None:
        self.locals: dict[int, _Linear | None] = {}
        self.globals: dict[int, _Linear | None] = {}  # written so far
        self.written: dict[tuple[str, int], int] = {}  # ("local"|"global", index) -> position after its last write

    def global_value(self, index: int) -> _Linear | None:
        return self.globals.get(index, _Linear(index, 0))

    def run(self, code: list[Instruction]) -> int:
        """How many leading instructions it followed (it stops at the first it does not model)."""
        stack: list[_Linear | None] = []
        for count, instruction in enumerate(code):
            name, immediates = instruction.mnemonic, instruction.immediates
            if name == "global.get":
                stack.append(self.global_value(immediates[0]))
            elif name == "i32.const":
                stack.append(_Linear(None, immediates[0] & _MASK))
            elif name in ("i32.add", "i32.sub") and len(stack) >= 2:
                right, left = stack.pop(), stack.pop()
                sign = 1 if name == "i32.add" else -1
                stack.append(left.plus(right, sign) if left is not None and right is not None else None)
            elif name == "local.get":
                stack.append(self.locals.get(immediates[0]))
            elif name in ("local.set", "local.tee") and stack:
                self.locals[immediates[0]] = stack[-1] if name == "local.tee" else stack.pop()
                self.written["local", immediates[0]] = count + 1
            elif name == "global.set" and stack:
                self.globals[immediates[0]] = stack.pop()
                self.written["global", immediates[0]] = count + 1
            else:
                return count
        return len(code)


def _keeps_values(rest: list[Instruction], local: int, stack_pointer: int, pc: int) -> bool:
    """After the prologue, ``local`` is never written, and the stack pointer only by epilogues
    that leave the function at once, with ``pc`` not between such a write and its `return`."""
    for position, instruction in enumerate(rest):
        name, immediates = instruction.mnemonic, instruction.immediates
        if name in ("local.set", "local.tee") and immediates[0] == local:
            return False
        if name == "global.set" and immediates[0] == stack_pointer:
            tail_end = _tail_end(rest, position + 1)
            if tail_end is None or instruction.pc < pc <= rest[tail_end].pc:
                return False
    return True


def _tail_end(code: list[Instruction], start: int) -> int | None:
    """The index of the `return` (or the function's final `end`) that ``code[start:]`` reaches
    through constants and local reads only; None if something else comes first."""
    for position in range(start, len(code)):
        name = code[position].mnemonic
        if name == "return" or (name == "end" and position == len(code) - 1):
            return position
        if name not in _TAIL:
            return None
    return None
