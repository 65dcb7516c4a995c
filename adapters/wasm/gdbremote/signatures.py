"""The value types of a module's function locals and globals.

The stub sends values as bare little-endian bytes; these types say how to read
them (4 bytes may be an i32 or an f32). Only what the stub's replies need is read:
the Type, Import, Function and Global sections.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.wasm.binary import (
    IMPORT_FUNC,
    IMPORT_GLOBAL,
    SECTION_FUNCTION,
    SECTION_GLOBAL,
    SECTION_IMPORT,
    Reader,
    WasmFormatError,
    WasmModule,
)
from adapters.wasm.instructions import decode_one
from adapters.wasm.values import WasmType

SECTION_TYPE = 1
FUNC_TYPE = 0x60
OP_END = 0x0B
IMPORT_TABLE, IMPORT_MEMORY, IMPORT_TAG = 1, 2, 4
MAX_LOCALS = 50_000  # Wasmtime's limit; more is a malformed body, not a function to read
NUMBER_TYPES: dict[int, WasmType] = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128"}
# Reference types, shorthand or (ref null? heaptype), named by the heap type's family.
EXTERN_HEAPS = {0x6F, 0x72}
EXCEPTION_HEAPS = {0x69, 0x74}
NULLABLE_REF, REF = 0x63, 0x64


@dataclass(frozen=True)
class Signatures:
    function_types: tuple[tuple[WasmType, ...], ...]  # parameter types, by function index
    global_types: tuple[WasmType, ...]


def read_valtype(reader: Reader) -> WasmType:
    code = reader.byte()
    if code in NUMBER_TYPES:
        return NUMBER_TYPES[code]
    if code in (NULLABLE_REF, REF):
        heap = reader.sleb(33)
        code = heap & 0x7F if heap < 0 else -1  # a type index is a function or GC type: not extern
    if code in EXTERN_HEAPS:
        return "externref"
    if code in EXCEPTION_HEAPS:
        return "exnref"
    return "funcref"


def _section(module: WasmModule, section_id: int) -> Reader | None:
    for section in module.sections:
        if section.id == section_id:
            return Reader(module.data, section.offset, section.offset + section.size)
    return None


def _function_type_params(module: WasmModule) -> list[tuple[WasmType, ...]]:
    """Parameters of each entry of the Type section (non-function types: empty)."""
    reader = _section(module, SECTION_TYPE)
    if reader is None:
        return []
    types = []
    for _ in range(reader.u32()):
        form = reader.byte()
        if form != FUNC_TYPE:
            raise WasmFormatError(f"type form {form:#x} (GC or recursive types) is not read here")
        params = tuple(read_valtype(reader) for _ in range(reader.u32()))
        for _ in range(reader.u32()):
            read_valtype(reader)
        types.append(params)
    return types


def _skip_limits(reader: Reader) -> None:
    flags = reader.byte()
    reader.uleb()
    if flags & 1:
        reader.uleb()


def _skip_import(reader: Reader, kind: int) -> None:
    if kind == IMPORT_TABLE:
        read_valtype(reader)
        _skip_limits(reader)
    elif kind == IMPORT_MEMORY:
        _skip_limits(reader)
    elif kind == IMPORT_TAG:
        reader.byte()
        reader.u32()
    else:
        raise WasmFormatError(f"unknown import kind {kind}")


def _skip_const_expr(reader: Reader) -> None:
    while True:
        instruction = decode_one(reader.data, reader.offset, reader.end)
        reader.offset = instruction.end
        if instruction.opcode == OP_END:
            return


def read_signatures(module: WasmModule) -> Signatures:
    types = _function_type_params(module)
    functions: list[tuple[WasmType, ...]] = []
    globals_: list[WasmType] = []
    imports = _section(module, SECTION_IMPORT)
    if imports is not None:
        for _ in range(imports.u32()):
            imports.name()
            imports.name()
            kind = imports.byte()
            if kind == IMPORT_FUNC:
                functions.append(types[imports.u32()])
            elif kind == IMPORT_GLOBAL:
                globals_.append(read_valtype(imports))
                imports.byte()
            else:
                _skip_import(imports, kind)
    declared = _section(module, SECTION_FUNCTION)
    if declared is not None:
        functions.extend(types[declared.u32()] for _ in range(declared.u32()))
    section = _section(module, SECTION_GLOBAL)
    if section is not None:
        for _ in range(section.u32()):
            globals_.append(read_valtype(section))
            section.byte()
            _skip_const_expr(section)
    return Signatures(tuple(functions), tuple(globals_))


def local_types(module: WasmModule, signatures: Signatures, function_index: int) -> tuple[WasmType, ...]:
    """Parameters, then declared locals, of a defined function."""
    body = module.function(function_index)
    if body is None or function_index >= len(signatures.function_types):
        raise WasmFormatError(f"function {function_index} is not defined in the module")
    reader = Reader(module.data, body.offset, body.end)
    reader.u32()  # body size
    declared: list[WasmType] = []
    for _ in range(reader.u32()):
        count = reader.u32()
        if len(declared) + count > MAX_LOCALS:
            raise WasmFormatError(f"function {function_index} declares more than {MAX_LOCALS} locals")
        declared += [read_valtype(reader)] * count
    return signatures.function_types[function_index] + tuple(declared)
