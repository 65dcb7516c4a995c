"""Reading the structure of a core Wasm module: sections, imports, function bodies,
custom sections and the ``name`` section.

Offsets are file offsets ("module PCs"), the unit Wasmtime's debugger uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from adapters.wasm.leb128 import WasmFormatError, decode_signed, decode_unsigned

MAGIC = b"\x00asm"
CORE_VERSION = b"\x01\x00\x00\x00"

SECTION_CUSTOM = 0
SECTION_IMPORT = 2
SECTION_FUNCTION = 3
SECTION_GLOBAL = 6
SECTION_EXPORT = 7
SECTION_ELEMENT = 9
SECTION_CODE = 10

NAMES_FUNCTIONS = 1  # subsections of the `name` custom section
NAMES_GLOBALS = 7

IMPORT_FUNC = 0
IMPORT_GLOBAL = 3


class Reader:
    """A cursor over bytes with LEB128 decoding."""

    def __init__(self, data: bytes, offset: int = 0, end: int | None = None) -> None:
        self.data = data
        self.offset = offset
        self.end = len(data) if end is None else end

    def at_end(self) -> bool:
        return self.offset >= self.end

    def byte(self) -> int:
        if self.offset >= self.end:
            raise WasmFormatError(f"unexpected end of data at offset {self.offset}")
        value = self.data[self.offset]
        self.offset += 1
        return value

    def bytes(self, length: int) -> bytes:
        if self.offset + length > self.end:
            raise WasmFormatError(f"{length} bytes at offset {self.offset} run past the end")
        value = self.data[self.offset : self.offset + length]
        self.offset += length
        return value

    def u32(self) -> int:
        return self.uleb(32)

    def uleb(self, max_bits: int = 64) -> int:
        value, self.offset = decode_unsigned(self.data, self.offset, self.end, max_bits)
        return value

    def sleb(self, max_bits: int = 64) -> int:
        value, self.offset = decode_signed(self.data, self.offset, self.end, max_bits)
        return value

    def name(self) -> str:
        return self.bytes(self.u32()).decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Section:
    id: int
    offset: int  # of the payload
    size: int
    name: str = ""  # custom sections only; payload then starts after the name


@dataclass(frozen=True)
class FunctionBody:
    index: int  # in the function index space (imports first)
    offset: int  # file offset of the body's size field
    locals_end: int  # file offset of the first instruction
    end: int  # file offset one past the final `end`


@dataclass(frozen=True)
class Import:
    module: str
    name: str
    kind: int
    index: int  # within its kind's index space


@dataclass
class WasmModule:
    """A parsed core module. ``code_offset`` is where the Code section's payload
    begins: DWARF code addresses are relative to it."""

    data: bytes
    sections: list[Section] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    functions: list[FunctionBody] = field(default_factory=list)
    function_names: dict[int, str] = field(default_factory=dict)
    global_names: dict[int, str] = field(default_factory=dict)  # e.g. 0: "__stack_pointer"
    module_name: str | None = None
    exports: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (kind, index)
    table_functions: dict[int, int] = field(default_factory=dict)  # table 0 slot -> function index
    code_offset: int | None = None
    imported_function_count: int = 0
    imported_global_count: int = 0
    defined_global_count: int = 0

    def custom_section(self, name: str) -> bytes | None:
        for section in self.sections:
            if section.id == SECTION_CUSTOM and section.name == name:
                return self.data[section.offset : section.offset + section.size]
        return None

    def custom_sections(self) -> dict[str, bytes]:
        return {s.name: self.data[s.offset : s.offset + s.size] for s in self.sections if s.id == SECTION_CUSTOM}

    def function_at(self, pc: int) -> FunctionBody | None:
        """The function whose body contains module PC ``pc``."""
        low, high = 0, len(self.functions)
        while low < high:
            middle = (low + high) // 2
            body = self.functions[middle]
            if pc < body.offset:
                high = middle
            elif pc >= body.end:
                low = middle + 1
            else:
                return body
        return None

    def function(self, index: int) -> FunctionBody | None:
        defined = index - self.imported_function_count
        return self.functions[defined] if 0 <= defined < len(self.functions) else None

    def function_name(self, index: int) -> str:
        if index in self.function_names:
            return self.function_names[index]
        if index < self.imported_function_count:
            imported = [i for i in self.imports if i.kind == IMPORT_FUNC][index]
            return f"{imported.module}.{imported.name}"
        return f"func[{index}]"

    def imported_function(self, index: int) -> Import | None:
        if index >= self.imported_function_count:
            return None
        return [i for i in self.imports if i.kind == IMPORT_FUNC][index]

    @property
    def global_count(self) -> int:
        return self.imported_global_count + self.defined_global_count


def is_component(data: bytes) -> bool:
    return data[:4] == MAGIC and len(data) >= 8 and data[4:8] != CORE_VERSION


def parse_module(data: bytes) -> WasmModule:
    """Parse a core module's structure (not its instructions)."""
    if data[:4] != MAGIC:
        raise WasmFormatError("not a WebAssembly module (bad magic number)")
    if data[4:8] != CORE_VERSION:
        raise WasmFormatError("not a core WebAssembly module (a component, or an unknown version)")
    module = WasmModule(data)
    reader = Reader(data, 8)
    while not reader.at_end():
        section_id = reader.byte()
        size = reader.u32()
        start = reader.offset
        if start + size > len(data):
            raise WasmFormatError(f"section {section_id} at offset {start - 1} runs past the end")
        if section_id == SECTION_CUSTOM:
            inner = Reader(data, start, start + size)
            name = inner.name()
            module.sections.append(Section(section_id, inner.offset, start + size - inner.offset, name))
            if name == "name":
                _read_names(module, Reader(data, inner.offset, start + size))
        else:
            module.sections.append(Section(section_id, start, size))
            section_reader = Reader(data, start, start + size)
            if section_id == SECTION_IMPORT:
                _read_imports(module, section_reader)
            elif section_id == SECTION_GLOBAL:
                module.defined_global_count = section_reader.u32()
            elif section_id == SECTION_EXPORT:
                _read_exports(module, section_reader)
            elif section_id == SECTION_ELEMENT:
                _read_elements(module, section_reader)
            elif section_id == SECTION_CODE:
                module.code_offset = start
                _read_code(module, section_reader)
        reader.offset = start + size
    return module


def _skip_limits(reader: Reader) -> None:
    flags = reader.byte()
    reader.uleb()
    if flags & 1:
        reader.uleb()


def _read_imports(module: WasmModule, reader: Reader) -> None:
    counts = [0, 0, 0, 0, 0]
    for _ in range(reader.u32()):
        module_name = reader.name()
        name = reader.name()
        kind = reader.byte()
        if kind == IMPORT_FUNC:
            reader.u32()
        elif kind == 1:  # table
            reader.byte()
            _skip_limits(reader)
        elif kind == 2:  # memory
            _skip_limits(reader)
        elif kind == IMPORT_GLOBAL:
            reader.byte()
            reader.byte()
        elif kind == 4:  # tag
            reader.byte()
            reader.u32()
        else:
            raise WasmFormatError(f"unknown import kind {kind}")
        module.imports.append(Import(module_name, name, kind, counts[kind]))
        counts[kind] += 1
    module.imported_function_count = counts[IMPORT_FUNC]
    module.imported_global_count = counts[IMPORT_GLOBAL]


def _read_exports(module: WasmModule, reader: Reader) -> None:
    for _ in range(reader.u32()):
        name = reader.name()
        kind = reader.byte()
        module.exports[name] = (kind, reader.u32())


def _read_elements(module: WasmModule, reader: Reader) -> None:
    """Table 0's slots that active element segments fill with functions: a C function
    pointer is such a slot. Segments whose offset is not a constant are left out."""
    for _ in range(reader.u32()):
        flags = reader.u32()
        if flags & 1:  # passive or declarative: no slots at instantiation
            _skip_element_items(reader, flags)
            continue
        table = reader.u32() if flags & 2 else 0
        offset = _constant_offset(reader)
        functions = _skip_element_items(reader, flags)
        if table == 0 and offset is not None:
            for slot, function in enumerate(functions, start=offset):
                if function is not None:
                    module.table_functions[slot] = function


def _constant_offset(reader: Reader) -> int | None:
    """An ``i32.const N; end`` offset expression's N; None for any other expression."""
    opcode = reader.byte()
    value = reader.sleb(32) if opcode == 0x41 else None
    while opcode != 0x0B:  # skip to the expression's end (global.get and the like)
        opcode = reader.byte()
    return value


def _skip_element_items(reader: Reader, flags: int) -> list[int | None]:
    """A segment's items (after its element kind or type), as function indices where known."""
    if flags & 3:  # an explicit elemkind (0x00) or reftype byte
        reader.byte()
    items: list[int | None] = []
    for _ in range(reader.u32()):
        if flags & 4:  # expressions: ref.func N or ref.null
            opcode = reader.byte()
            items.append(reader.u32() if opcode == 0xD2 else None)
            if opcode == 0xD0:
                reader.byte()
            while reader.byte() != 0x0B:
                pass
        else:
            items.append(reader.u32())
    return items


def _read_code(module: WasmModule, reader: Reader) -> None:
    for defined in range(reader.u32()):
        offset = reader.offset
        size = reader.u32()
        body_start = reader.offset
        locals_reader = Reader(reader.data, body_start, body_start + size)
        for _ in range(locals_reader.u32()):
            locals_reader.u32()
            locals_reader.byte()
        module.functions.append(
            FunctionBody(module.imported_function_count + defined, offset, locals_reader.offset, body_start + size)
        )
        reader.offset = body_start + size


def _read_names(module: WasmModule, reader: Reader) -> None:
    """The ``name`` section is advisory: a malformed one is ignored, not fatal."""
    try:
        while not reader.at_end():
            kind = reader.byte()
            size = reader.u32()
            end = reader.offset + size
            if kind == 0:
                module.module_name = reader.name()
            elif kind in (NAMES_FUNCTIONS, NAMES_GLOBALS):
                names = module.function_names if kind == NAMES_FUNCTIONS else module.global_names
                for _ in range(reader.u32()):
                    index = reader.u32()
                    names[index] = reader.name()
            reader.offset = end
    except WasmFormatError:
        pass
