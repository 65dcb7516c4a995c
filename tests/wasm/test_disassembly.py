"""Disassembly: WAT-like text that Wasmtime's WAT assembler reads back to the same
instructions, and the DAP ``disassemble`` listing around a PC."""

from __future__ import annotations

import struct
from itertools import pairwise
from typing import Any

import pytest
import wasmtime
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.wasm.binary import WasmModule, parse_module
from adapters.wasm.disassembly import (
    MAX_ROWS,
    OUTSIDE_CODE_TEXT,
    DisassembledRow,
    disassemble,
    function_listing,
    natural_alignment,
    render,
)
from adapters.wasm.instructions import Instruction, all_opcodes, decode
from tests.wasm.test_instructions import assemble, sample_wat


def wat_module(text: str) -> WasmModule:
    return parse_module(bytes(wasmtime.wat2wasm(text)))


def instructions_of(module: WasmModule, index: int = -1) -> list[Instruction]:
    body = module.functions[index]
    return list(decode(module.data, body.locals_end, body.end))


def rendered_functions(module: WasmModule) -> list[str]:
    """Each function's instructions as WAT text, without the final ``end`` WAT adds back."""
    return ["\n".join(render(i) for i in instructions_of(module, index)[:-1]) for index in range(len(module.functions))]


def comparable(instruction: Instruction) -> tuple[Any, ...]:
    """Opcode and immediates, with floats as bits so that NaNs compare equal."""

    def plain(value: Any) -> Any:
        if isinstance(value, float):
            return struct.pack("<d", value)
        return value

    return instruction.opcode, tuple(plain(value) for value in instruction.immediates)


# --- Rendering -------------------------------------------------------------------------


def test_every_opcode_renders_as_wat_that_assembles_to_the_same_bytes():
    data, module = assemble(sample_wat(info.mnemonic, info.operands)[0] for _, info in all_opcodes())
    reassembled, again = assemble(rendered_functions(module))
    for before, after in zip(module.functions, again.functions, strict=True):
        assert data[before.locals_end : before.end] == reassembled[after.locals_end : after.end]


EDGE_CASES = """
    f32.const 0.1 f32.const -0x1.fffffep+127 f32.const 0x1p-149 f32.const nan f32.const -nan:0x200001
    f32.const inf f32.const -0
    f64.const 0.1 f64.const 1e300 f64.const 0x1p-1074 f64.const nan:0x1234 f64.const -inf
    i32.const -2147483648 i64.const -9223372036854775808 i64.const 9223372036854775807
    v128.const i8x16 -1 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14
    block (type 0) end block (result (ref null func)) end loop (result f64) end
    br_table 3 2 1 0 br_table 5
    i32.load8_u align=1 i32.load8_u offset=4294967295 i64.load align=1 i64.atomic.rmw16.xchg_u align=1
    v128.load32_lane offset=4 align=1 3 v128.load64_splat align=8
    memory.atomic.wait64 offset=16 memory.atomic.notify align=8
    select (result v128) ref.null extern ref.null 0 call_indirect 2 (type 0)
"""


def test_edge_case_immediates_render_and_read_back():
    module = wat_module(f"(module (type (func)) (func {EDGE_CASES}))")
    rendered = rendered_functions(module)
    again = wat_module(f"(module (type (func)) (func {rendered[0]}))")
    assert [comparable(i) for i in instructions_of(again)] == [comparable(i) for i in instructions_of(module)]


@pytest.mark.parametrize(
    "wat, text",
    [
        ("i32.load offset=8 align=2", "i32.load offset=8 align=2"),
        ("i32.load offset=8", "i32.load offset=8"),
        ("i64.load8_u align=1", "i64.load8_u"),
        ("i32.store 1 offset=3", "i32.store 1 offset=3"),
        ("f32.const 0.1", "f32.const 0.1"),
        ("f64.const 0.1", "f64.const 0.1"),
        ("f64.const -nan", "f64.const -nan"),
        ("f64.const nan:0x1234", "f64.const nan:0x1234"),
        ("f32.const -inf", "f32.const -inf"),
        ("i64.const -1", "i64.const -1"),
        ("v128.const i32x4 1 2 3 0xffffffff", "v128.const i32x4 0x00000001 0x00000002 0x00000003 0xffffffff"),
        ("block (result i32) end", "block (result i32)"),
        ("block end", "block"),
        ("br_table 2 1 0", "br_table 2 1 0"),
        ("call_indirect (type 0)", "call_indirect (type 0)"),
        ("memory.copy", "memory.copy"),
        ("memory.init 7", "memory.init 7"),
        ("atomic.fence", "atomic.fence"),
        ("ref.null func", "ref.null func"),
        ("ref.cast (ref null 0)", "ref.cast (ref null 0)"),
        ("local.get 3", "local.get 3"),
    ],
)
def test_instruction_text(wat, text):
    module = wat_module(f"(module (type (func)) (memory 2) (memory 1) (func {wat}))")
    assert render(instructions_of(module)[0]) == text


def test_natural_alignment_of_memory_instructions():
    expected = {
        "i32.load": 4,
        "i64.store": 8,
        "f64.load": 8,
        "i32.load16_s": 2,
        "i64.store32": 4,
        "v128.load": 16,
        "v128.load8x8_s": 8,
        "v128.load16_splat": 2,
        "v128.load64_zero": 8,
        "v128.store8_lane": 1,
        "i64.atomic.rmw.add": 8,
        "i32.atomic.rmw8.cmpxchg_u": 1,
        "memory.atomic.notify": 4,
        "memory.atomic.wait64": 8,
    }
    assert {mnemonic: natural_alignment(mnemonic) for mnemonic in expected} == expected


CALLS = """
(module
  (import "env" "unnamed" (func (param i32)))
  (import "env" "named" (func $host (param i32)))
  (func $helper (result i32) i32.const 1)
  (func (export "_start")
    call $helper
    call 0
    call $host
    ref.func $helper
    drop)
  (elem declare func $helper))
"""


def test_calls_name_their_functions_when_a_module_is_given():
    module = wat_module(CALLS)
    call_helper, call_unnamed, call_named, reference, _, _ = instructions_of(module)
    assert render(call_helper, module) == "call 2 <helper>"
    assert render(call_unnamed, module) == "call 0 <env.unnamed>"
    assert render(call_named, module) == "call 1 <host>"
    assert render(reference, module) == "ref.func 2 <helper>"
    assert render(call_helper) == "call 2"


def test_calls_in_compiled_c_name_their_callee(fixtures):
    module = parse_module(fixtures["basics"].read_bytes())
    printf = next(index for index, name in module.function_names.items() if name == "printf")
    calls = [
        i
        for body in module.functions
        for i in decode(module.data, body.locals_end, body.end)
        if i.call_target == printf
    ]
    assert calls
    assert {render(call, module) for call in calls} == {f"call {printf} <printf>"}


def test_compiled_c_renders_as_wat_that_reads_back_to_the_same_instructions(fixtures):
    for name in ("basics", "basics.O2", "classes"):
        module = parse_module(fixtures[name].read_bytes())
        _, again = assemble(rendered_functions(module))
        for index in range(len(module.functions)):
            assert [comparable(i) for i in instructions_of(again, index)] == [
                comparable(i) for i in instructions_of(module, index)
            ], f"{name} function {module.functions[index].index}"


# --- The disassemble listing -----------------------------------------------------------

PROGRAM = """
(module
  (memory 1)
  (func $first (param i32) (result i32)
    local.get 0
    i32.const 2
    i32.mul)
  (func $second
    i32.const 3
    call $first
    drop)
  (func $third (result f64)
    f64.const 1.5))
"""


@pytest.fixture(scope="module")
def program() -> WasmModule:
    return wat_module(PROGRAM)


def full_listing(module: WasmModule) -> list[DisassembledRow]:
    return [row for body in module.functions for row in function_listing(module, body)]


def test_function_listing_rows(program):
    rows = function_listing(program, program.functions[1])
    assert [row.text for row in rows] == ["i32.const 3", "call 0 <first>", "drop", "end"]
    assert [row.instruction_bytes for row in rows] == ["41 03", "10 00", "1a", "0b"]
    assert {row.symbol for row in rows} == {"second"} and {row.function_index for row in rows} == {1}
    assert all(row.valid for row in rows)
    for row in rows:
        length = len(row.instruction_bytes.split())
        assert program.data[row.address : row.address + length].hex(" ") == row.instruction_bytes


def test_disassemble_matches_the_listing_around_a_pc(program):
    listing = full_listing(program)
    for anchor, row in enumerate(listing):
        for offset in range(-anchor, len(listing) - anchor):
            count = min(4, len(listing) - anchor - offset)
            assert (
                disassemble(program, row.address, offset, count) == listing[anchor + offset : anchor + offset + count]
            )


def test_disassemble_crosses_function_boundaries_backwards(program):
    second = program.functions[1]
    rows = disassemble(program, second.locals_end + 2, -4, 6)  # the PC of `call $first`
    assert [row.text for row in rows] == [
        "i32.const 2",
        "i32.mul",
        "end",
        "i32.const 3",
        "call 0 <first>",
        "drop",
    ]
    assert [row.symbol for row in rows] == ["first"] * 3 + ["second"] * 3


def test_a_pc_inside_an_instruction_or_a_function_header_anchors_on_code(program):
    second = program.functions[1]
    assert disassemble(program, second.locals_end + 1, 0, 1)[0].address == second.locals_end
    assert disassemble(program, second.offset, 0, 1)[0].address == second.locals_end


def test_rows_outside_the_code_are_invalid_placeholders(program):
    listing = full_listing(program)
    first, last = listing[0], listing[-1]
    before = disassemble(program, first.address, -3, 5)
    assert [row.valid for row in before] == [False, False, False, True, True]
    assert [row.address for row in before[:3]] == [first.address - 3, first.address - 2, first.address - 1]
    assert {row.text for row in before[:3]} == {OUTSIDE_CODE_TEXT}
    after = disassemble(program, last.address, 0, 4)
    assert after[0] == last
    end = program.functions[-1].end
    assert [(row.address, row.valid) for row in after[1:]] == [(end, False), (end + 1, False), (end + 2, False)]
    past = disassemble(program, len(program.data) + 100, -2, 3)
    assert [row.address for row in past] == [len(program.data) + 98, len(program.data) + 99, len(program.data) + 100]
    back_in = disassemble(program, end + 1, -3, 3)
    assert [row.text for row in back_in[:2]] == ["f64.const 1.5", "end"] and not back_in[2].valid


@pytest.mark.parametrize("pc", [0, 10, 10**9])
@pytest.mark.parametrize("offset", [-(10**6), -20, 0, 7, 10**6])
def test_the_count_is_always_honoured(program, pc, offset):
    rows = disassemble(program, pc, offset, 25)
    assert len(rows) == 25
    assert all(row.address >= 0 for row in rows)


def test_a_module_without_code_gives_only_placeholders():
    module = wat_module("(module (memory 1))")
    rows = disassemble(module, 5, -2, 4)
    assert [row.address for row in rows] == [3, 4, 5, 6] and not any(row.valid for row in rows)


def test_bad_counts_are_refused(program):
    assert disassemble(program, 0, 0, 0) == []
    for count in (-1, MAX_ROWS + 1):
        with pytest.raises(ValueError, match="cannot disassemble"):
            disassemble(program, 0, 0, count)


def patched(module: WasmModule, pc: int, replacement: bytes) -> WasmModule:
    data = bytearray(module.data)
    data[pc : pc + len(replacement)] = replacement
    return parse_module(bytes(data))


def test_undecodable_bytes_become_invalid_rows(program):
    second = program.functions[1]
    unknown = patched(program, second.locals_end + 2, b"\xff")  # over `call`'s opcode
    rows = disassemble(unknown, second.locals_end, 0, 5)
    assert [row.valid for row in rows] == [True, False, True, True, True]
    assert rows[1].text == f"invalid  ;; unknown opcode 0xff at offset {second.locals_end + 2}"
    assert rows[1].instruction_bytes == "ff"
    assert [row.text for row in rows[2:]] == ["unreachable", "drop", "end"]  # `call`'s index 0 is 0x00

    third = program.functions[2]
    truncated = patched(program, third.locals_end, b"\x01" * 8 + b"\x44\x0b")  # f64.const needs 8 bytes
    tail = disassemble(truncated, third.end - 2, 0, 2)
    assert not tail[0].valid and "truncated" in tail[0].text and tail[1].text == "end"


@settings(max_examples=150, deadline=None)
@given(code=st.binary(min_size=10, max_size=10), offset=st.integers(-30, 30), anchor=st.integers(0, 12))
def test_disassembling_arbitrary_code_never_fails_and_tiles_the_body(program, code, offset, anchor):
    third = program.functions[2]
    assert third.end - third.locals_end == len(code)  # f64.const (9 bytes), end
    module = patched(program, third.locals_end, code)
    module_body = module.functions[2]
    rows = disassemble(module, module_body.locals_end + anchor, offset, 40)
    assert len(rows) == 40
    in_body = [row for row in rows if row.function_index == module_body.index]
    for previous, following in pairwise(in_body):
        assert following.address == previous.address + len(previous.instruction_bytes.split())
    listing = function_listing(module, module_body)
    assert sum(len(row.instruction_bytes.split()) for row in listing) == module_body.end - module_body.locals_end


def test_globals_are_named_from_the_name_section(fixtures):
    module = parse_module(fixtures["basics"].read_bytes())
    assert module.global_names[0] == "__stack_pointer"
    texts = [row.text for body in module.functions[:40] for row in function_listing(module, body)]
    assert any(text.startswith("global.get 0 <__stack_pointer>") for text in texts)
