"""Telling what a trap was, and whether it was really the program exiting.

Wasmtime's debugger reports a trap without its kind; the instruction at the
trapping PC tells it in nearly every case. A WASI ``proc_exit`` (or
``wasi:cli/exit``) also surfaces as a trap at the ``call`` of that import.
"""

from __future__ import annotations

from adapters.wasm.binary import IMPORT_FUNC, Reader, WasmFormatError, WasmModule

OP_UNREACHABLE = 0x00
OP_CALL = 0x10
OP_CALL_INDIRECT = 0x11
DIVISIONS = {0x6D, 0x6E, 0x6F, 0x70, 0x7F, 0x80, 0x81, 0x82}
MEMORY_ACCESS = set(range(0x28, 0x3F))
FLOAT_TO_INT = set(range(0xA8, 0xB2))
EXIT_IMPORTS = {("wasi_snapshot_preview1", "proc_exit"), ("wasi_unstable", "proc_exit")}
DEEP_STACK = 256  # an instruction that cannot trap, this deep: the stack ran out


def called_import(module: WasmModule, pc: int):
    """The import a ``call`` at ``pc`` targets, or None."""
    if pc >= len(module.data) or module.data[pc] != OP_CALL:
        return None
    index = Reader(module.data, pc + 1).u32()
    if index >= module.imported_function_count:
        return None
    return [i for i in module.imports if i.kind == IMPORT_FUNC][index]


def _is_exit_import(module: WasmModule, function_index: int) -> bool:
    imported = module.imported_function(function_index)
    if imported is None:
        return False
    return (imported.module, imported.name) in EXIT_IMPORTS or (
        imported.module.startswith("wasi:cli/exit") and imported.name.startswith("exit")
    )


def is_exit_call(module: WasmModule, pc: int) -> bool:
    """Whether the trap at ``pc`` is the program exiting through WASI.

    Wasmtime reports a trap inside an imported function at the return address,
    so the ``call`` of the exit import is the instruction that ends at ``pc``.
    Linkers pad the call's index LEB128 to 5 bytes, so every width is tried.
    """
    for width in range(1, 6):
        start = pc - width - 1
        if start < 0 or module.data[start] != OP_CALL:
            continue
        reader = Reader(module.data, start + 1, pc)
        try:
            index = reader.u32()
        except WasmFormatError:
            continue
        if reader.offset == pc and _is_exit_import(module, index):
            return True
    return False


def describe_trap(module: WasmModule, pc: int, frame_count: int) -> str:
    """A short description of the trap at ``pc``, as Wasmtime would word it."""
    opcode = module.data[pc] if pc < len(module.data) else None
    if opcode == OP_UNREACHABLE:
        return "wasm `unreachable` instruction executed"
    if opcode in DIVISIONS:
        return "integer divide by zero or integer overflow"
    if opcode in MEMORY_ACCESS:
        return "out of bounds memory access"
    if opcode == OP_CALL_INDIRECT:
        return "indirect call failed (null or out-of-bounds table entry, or signature mismatch)"
    if opcode == 0xFC and pc + 1 < len(module.data) and module.data[pc + 1] <= 0x11:
        return "out of bounds memory or table access"
    if opcode in FLOAT_TO_INT:
        return "invalid conversion to integer"
    if opcode == OP_CALL:
        imported = called_import(module, pc)
        if imported is not None:
            return f"trap in imported function {imported.module}.{imported.name}"
    return "call stack exhausted" if frame_count >= DEEP_STACK else "trap"
