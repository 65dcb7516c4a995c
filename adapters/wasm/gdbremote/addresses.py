"""The 64-bit address space of LLDB's WebAssembly extensions, as Wasmtime's stub uses it.

``kind << 62 | index << 32 | offset``: kind 1 is a module's bytecode ("object",
index = module id, offset = module PC), kind 0 a linear memory (index = the stub's
memory number, in the order it found the memories).
"""

from __future__ import annotations

from typing import NamedTuple

MEMORY = 0
CODE = 1
_INDEX_MASK = (1 << 30) - 1
_OFFSET_MASK = (1 << 32) - 1


class WasmAddress(NamedTuple):
    kind: int
    index: int
    offset: int

    @classmethod
    def from_raw(cls, raw: int) -> WasmAddress:
        return cls(raw >> 62, (raw >> 32) & _INDEX_MASK, raw & _OFFSET_MASK)

    def raw(self) -> int:
        if not (0 <= self.index <= _INDEX_MASK and 0 <= self.offset <= _OFFSET_MASK):
            raise ValueError(f"{self} does not fit the Wasm address space")
        return self.kind << 62 | self.index << 32 | self.offset


def code_address(module_id: int, pc: int) -> int:
    return WasmAddress(CODE, module_id, pc).raw()


def memory_address(memory: int, offset: int) -> int:
    return WasmAddress(MEMORY, memory, offset).raw()
