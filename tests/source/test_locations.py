"""Location expressions: the ones clang emits for the values fixture, and hand-assembled
ones for the operations it does not use, evaluated against the module's real initial
memory and globals."""

from __future__ import annotations

import pytest

from adapters.source.dwarf_loader import load_dwarf
from adapters.source.frame_context import ModuleImageContext
from adapters.source.locations import (
    GlobalLocation,
    ImplicitLocation,
    LocationError,
    MemoryLocation,
    OptimizedOut,
    PiecesLocation,
    evaluate,
    read_location,
)
from adapters.source.types import TypeResolver
from adapters.source.variables import unit_globals
from adapters.wasm.binary import parse_module


@pytest.fixture(scope="module")
def module(fixtures):
    wasm = parse_module(fixtures["values"].read_bytes())
    return wasm, load_dwarf(wasm)


@pytest.fixture(scope="module")
def structs(module):
    _, dwarf = module
    return next(iter(dwarf.iter_CUs())).structs


def test_global_addresses_hold_their_initial_values(module):
    wasm, dwarf = module
    context = ModuleImageContext(wasm)
    unit = next(cu for cu in dwarf.iter_CUs() if cu.get_top_DIE().attributes["DW_AT_name"].value.endswith(b"values.c"))
    globals_ = unit_globals(TypeResolver(dwarf), unit.cu_offset)
    dies = {die.attributes["DW_AT_name"].value.decode(): die for die in globals_}
    counter = evaluate(dies["global_counter"].attributes["DW_AT_location"].value, unit.structs, context)
    assert isinstance(counter, MemoryLocation)
    assert int.from_bytes(read_location(counter, 4, context), "little", signed=True) == 42
    greeting = evaluate(dies["global_greeting"].attributes["DW_AT_location"].value, unit.structs, context)
    assert read_location(greeting, 12, context) == b"hello, wasm\0"


def test_frame_base_relative_locations(module, structs):
    wasm, _ = module
    context = ModuleImageContext(wasm)
    # DW_OP_fbreg -20 with the frame base at 0x1000
    assert evaluate([0x91, 0x6C], structs, context, lambda: 0x1000) == MemoryLocation(0x1000 - 20)
    assert isinstance(evaluate([0x91, 0x6C], structs, context), LocationError)


def test_wasm_global_and_stack_value(module, structs):
    wasm, _ = module
    context = ModuleImageContext(wasm)
    stack_pointer = context.global_value(0)  # __stack_pointer's initial value
    # DW_OP_WASM_location global 0; DW_OP_stack_value: the value is the global's
    assert evaluate([0xED, 0x01, 0x00, 0x9F], structs, context) == GlobalLocation(0)
    # DW_OP_WASM_location alone: the global holds the variable's address (not a register location)
    assert evaluate([0xED, 0x01, 0x00], structs, context) == MemoryLocation(stack_pointer.unsigned())
    # DW_OP_WASM_location global 0; DW_OP_plus_uconst 8: an address 8 past the stack pointer
    assert evaluate([0xED, 0x01, 0x00, 0x23, 0x08], structs, context) == MemoryLocation(stack_pointer.unsigned() + 8)
    # DW_OP_WASM_location 3 (fixed u32 index) names the same global
    assert evaluate([0xED, 0x03, 0, 0, 0, 0, 0x9F], structs, context) == GlobalLocation(0)
    # DW_OP_lit5 DW_OP_lit3 DW_OP_minus DW_OP_stack_value
    value = evaluate([0x35, 0x33, 0x1C, 0x9F], structs, context)
    assert isinstance(value, ImplicitLocation) and read_location(value, 4, context) == (2).to_bytes(4, "little")


def test_implicit_value_pieces_and_optimized_out(module, structs):
    wasm, _ = module
    context = ModuleImageContext(wasm)
    # DW_OP_implicit_value 4 bytes; DW_OP_piece 4; (nothing) DW_OP_piece 4
    pieces = evaluate([0x9E, 4, 1, 2, 3, 4, 0x93, 4, 0x93, 4], structs, context)
    assert isinstance(pieces, PiecesLocation)
    assert pieces.pieces[0].location == ImplicitLocation(b"\1\2\3\4")
    assert pieces.pieces[1].location == OptimizedOut()
    assert evaluate([], structs, context) == OptimizedOut()


def test_the_address_of_a_symbol_the_linker_removed_is_optimized_out(module, structs):
    wasm, _ = module
    context = ModuleImageContext(wasm)
    assert evaluate([0x03, 0xFF, 0xFF, 0xFF, 0xFF], structs, context) == OptimizedOut()  # DW_OP_addr 0xffffffff
    assert evaluate([0x03, 0x10, 0, 0, 0], structs, context) == MemoryLocation(0x10)


def test_branches_and_deref(module, structs):
    wasm, dwarf = module
    context = ModuleImageContext(wasm)
    unit = next(cu for cu in dwarf.iter_CUs() if cu.get_top_DIE().attributes["DW_AT_name"].value.endswith(b"values.c"))
    globals_ = unit_globals(TypeResolver(dwarf), unit.cu_offset)
    die = next(d for d in globals_ if d.attributes["DW_AT_name"].value == b"global_counter")
    address = die.attributes["DW_AT_location"].value  # DW_OP_addr A
    # DW_OP_addr A; DW_OP_deref; DW_OP_stack_value  -> the value 42
    value = evaluate([*address, 0x06, 0x9F], structs, context)
    assert read_location(value, 4, context) == (42).to_bytes(4, "little")
    # DW_OP_lit1; DW_OP_bra +1; DW_OP_lit7 (skipped); DW_OP_lit9; DW_OP_stack_value
    value = evaluate([0x31, 0x28, 1, 0, 0x37, 0x39, 0x9F], structs, context)
    assert read_location(value, 1, context) == b"\x09"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ([0x50], "unsupported DW_OP_reg0"),
        ([0x1C], "DW_OP_minus needs 2"),
        ([0xED, 0x00, 0x05], "no Wasm local 5"),
        ([0x0C, 1, 2], "malformed expression"),
        ([0x31, 0x30, 0x1B, 0x9F], "division by zero"),
    ],
)
def test_bad_expressions_give_clear_errors(module, structs, expression, message):
    wasm, _ = module
    result = evaluate(expression, structs, ModuleImageContext(wasm))
    assert isinstance(result, LocationError)
    assert result.message.startswith("cannot evaluate location") and message in result.message
