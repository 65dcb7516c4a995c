"""What value rendering reads a paused frame through.

``FrameContext`` is the narrow view the location evaluator and value renderer need:
Wasm locals, the operand stack, globals and linear memory. ``DebuggeeFrameContext``
is the real one, over a paused ``Debuggee``; ``ModuleImageContext`` is the module
as it is at instantiation (data segments, initial globals), for showing globals
before any code ran.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Protocol

from adapters.wasm.binary import Reader, WasmFormatError, WasmModule
from adapters.wasm.debuggee import Debuggee, DebuggeeError, Frame, NotSupported
from adapters.wasm.values import WasmValue

PAGE_SIZE = 4096

SECTION_DATA = 11
SECTION_GLOBAL = 6
_OP_END = 0x0B
_CONST_OPS = {0x41: "i32", 0x42: "i64", 0x43: "f32", 0x44: "f64"}
_REF_TYPE_PREFIXES = (0x63, 0x64)  # (ref null ht), (ref ht): a heap type follows


class FrameContext(Protocol):
    """Read (and where the backend allows, write) the state a paused frame sees."""

    memory_writable: bool  # whether write_memory can succeed
    locals_writable: bool  # whether set_local can succeed
    globals_writable: bool  # whether set_global can succeed

    @property
    def wasm_locals(self) -> Sequence[WasmValue]: ...

    @property
    def operand_stack(self) -> Sequence[WasmValue]: ...

    def global_value(self, index: int) -> WasmValue: ...

    def read_memory(self, address: int, length: int) -> bytes:
        """Exactly ``length`` bytes, or DebuggeeError if any is out of bounds."""

    def write_memory(self, address: int, data: bytes) -> None: ...

    def set_local(self, index: int, value: WasmValue) -> None:
        """Raises NotSupported where the backend cannot change locals."""

    def set_global(self, index: int, value: WasmValue) -> None: ...


class PageCache:
    """Linear memory read in pages, kept until ``clear`` (the next resume).

    Rendering a struct reads each member separately; with the cache that is one
    round trip per 4 KiB page touched instead of one per member.
    """

    def __init__(self, fetch, page_size: int = PAGE_SIZE) -> None:
        self._fetch = fetch  # (address, length) -> bytes, possibly short at the end of memory
        self._page_size = page_size
        self._pages: dict[int, bytes] = {}

    def read(self, address: int, length: int) -> bytes:
        if address < 0 or length < 0:
            raise DebuggeeError(f"cannot read {length} bytes at address {address:#x}")
        if length == 0:
            return b""
        first = address // self._page_size
        last = (address + length - 1) // self._page_size
        missing = [page for page in range(first, last + 1) if page not in self._pages]
        if missing:
            # One request for the whole missing run keeps big arrays to one round trip.
            start, end = missing[0], missing[-1]
            data = self._fetch(start * self._page_size, (end - start + 1) * self._page_size)
            for page in range(start, end + 1):
                offset = (page - start) * self._page_size
                self._pages[page] = data[offset : offset + self._page_size]
        joined = b"".join(self._pages[page] for page in range(first, last + 1))
        offset = address - first * self._page_size
        result = joined[offset : offset + length]
        if len(result) < length:
            raise DebuggeeError(f"address range {address:#x}+{length} is outside linear memory")
        return result

    def forget(self, address: int, length: int) -> None:
        """Drop the pages a write touched."""
        for page in range(address // self._page_size, (address + max(length, 1) - 1) // self._page_size + 1):
            self._pages.pop(page, None)

    def clear(self) -> None:
        self._pages.clear()


class DebuggeeFrameContext:
    """A frame of a paused debuggee. Valid until the program resumes."""

    locals_writable = False  # Wasmtime's debug-main interface has no way to set a local

    def __init__(self, debuggee: Debuggee, frame: Frame) -> None:
        self._debuggee = debuggee
        self._frame = frame
        self.memory_writable = debuggee.capabilities.can_write_memory
        self.globals_writable = debuggee.capabilities.can_write_globals
        self._memory = PageCache(lambda address, length: debuggee.read_memory(frame.instance_id, address, length))
        self._globals: dict[int, WasmValue] = {}

    @property
    def wasm_locals(self) -> Sequence[WasmValue]:
        return self._frame.locals

    @property
    def operand_stack(self) -> Sequence[WasmValue]:
        return self._frame.stack

    def global_value(self, index: int) -> WasmValue:
        if index not in self._globals:
            self._globals[index] = self._debuggee.get_global(self._frame.instance_id, index)
        return self._globals[index]

    def read_memory(self, address: int, length: int) -> bytes:
        return self._memory.read(address, length)

    def write_memory(self, address: int, data: bytes) -> None:
        self._debuggee.write_memory(self._frame.instance_id, address, data)
        self._memory.forget(address, len(data))

    def set_local(self, index: int, value: WasmValue) -> None:
        raise NotSupported("Wasmtime's debugger cannot change a Wasm local")

    def set_global(self, index: int, value: WasmValue) -> None:
        self._debuggee.set_global(self._frame.instance_id, index, value)
        self._globals.pop(index, None)


class ModuleImageContext:
    """A module's memory and globals as instantiation sets them up, before any code ran.

    Only active data segments with constant offsets and constant global initialisers
    are known; other memory reads as zero, which is what a fresh memory holds.
    Read-only: there is no program to change.
    """

    memory_writable = False
    locals_writable = False
    globals_writable = False

    def __init__(self, module: WasmModule) -> None:
        self._segments = _active_data_segments(module)
        self._globals = _initial_globals(module)

    @property
    def wasm_locals(self) -> Sequence[WasmValue]:
        return ()

    @property
    def operand_stack(self) -> Sequence[WasmValue]:
        return ()

    def global_value(self, index: int) -> WasmValue:
        value = self._globals.get(index)
        if value is None:
            raise DebuggeeError(f"global {index} has no constant initial value")
        return value

    def read_memory(self, address: int, length: int) -> bytes:
        if address < 0 or length < 0:
            raise DebuggeeError(f"cannot read {length} bytes at address {address:#x}")
        result = bytearray(length)
        for start, data in self._segments:
            low, high = max(start, address), min(start + len(data), address + length)
            if low < high:
                result[low - address : high - address] = data[low - start : high - start]
        return bytes(result)

    def write_memory(self, address: int, data: bytes) -> None:
        raise NotSupported("the program is not running")

    def set_local(self, index: int, value: WasmValue) -> None:
        raise NotSupported("the program is not running")

    def set_global(self, index: int, value: WasmValue) -> None:
        raise NotSupported("the program is not running")


def _sections(module: WasmModule, section_id: int) -> list[Reader]:
    return [Reader(module.data, s.offset, s.offset + s.size) for s in module.sections if s.id == section_id]


def _constant(reader: Reader) -> WasmValue | None:
    """A constant expression's value if it is a single ``*.const``; skips to its ``end``."""
    opcode = reader.byte()
    value_type = _CONST_OPS.get(opcode)
    value: WasmValue | None = None
    if value_type == "i32":
        value = WasmValue.i32(reader.sleb(32))
    elif value_type == "i64":
        value = WasmValue.i64(reader.sleb(64))
    elif value_type == "f32":
        value = WasmValue("f32", struct.unpack("<I", reader.bytes(4))[0])
    elif value_type == "f64":
        value = WasmValue("f64", struct.unpack("<Q", reader.bytes(8))[0])
    if value is not None and reader.byte() == _OP_END:
        return value
    while opcode != _OP_END:  # an expression we don't evaluate (global.get, extended const...)
        opcode = reader.byte()
    return None


def _active_data_segments(module: WasmModule) -> list[tuple[int, bytes]]:
    segments = []
    try:
        for reader in _sections(module, SECTION_DATA):
            for _ in range(reader.u32()):
                flags = reader.u32()
                if flags == 1:  # passive
                    reader.bytes(reader.u32())
                    continue
                if flags == 2:
                    reader.u32()  # memory index
                offset = _constant(reader)
                data = reader.bytes(reader.u32())
                if offset is not None:
                    segments.append((offset.unsigned(), data))
    except WasmFormatError:
        pass  # a damaged data section leaves what was read so far
    return segments


def _initial_globals(module: WasmModule) -> dict[int, WasmValue]:
    values: dict[int, WasmValue] = {}
    try:
        for reader in _sections(module, SECTION_GLOBAL):
            for defined in range(reader.u32()):
                if reader.byte() in _REF_TYPE_PREFIXES:
                    reader.sleb(33)
                reader.byte()  # mutability
                value = _constant(reader)
                if value is not None:
                    values[module.imported_global_count + defined] = value
    except WasmFormatError:
        pass
    return values
