"""The instruction decoder: its opcode table against Wasmtime's WAT assembler, real compiled
modules (C at -O0/-O2, SIMD, bulk memory, tail calls), malformed bytes and speed."""

from __future__ import annotations

import struct
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import wasmtime
from build import build_all
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.wasm.binary import WasmFormatError, WasmModule, parse_module
from adapters.wasm.instructions import (
    Catch,
    Instruction,
    MemArg,
    Operand,
    all_opcodes,
    decode,
    decode_lenient,
    instruction_at,
    instruction_starts,
    opcode_info,
)
from adapters.wasm.leb128 import encode_unsigned

# --- The opcode table against the WAT assembler ---------------------------------------

SAMPLE_OPERAND_TEXT = {
    Operand.COUNT: "2",
    Operand.LABELS: "1",
    Operand.BLOCK_TYPE: "(result i32)",
    Operand.MEMARG: "offset=8 align=1",
    Operand.LANE: "1",
    Operand.I32: "-7",
    Operand.I64: "-7",
    Operand.F32: "1.5",
    Operand.F64: "-2.25",
    Operand.V128: "i32x4 1 2 3 4",
    Operand.SHUFFLE: " ".join(map(str, range(15, -1, -1))),
    Operand.VALTYPES: "(result i32)",
    Operand.HEAP: "func",
    Operand.REF: "(ref any)",
    Operand.NULLABLE_REF: "(ref null any)",
    Operand.CATCHES: "(catch 0 0) (catch_ref 0 1) (catch_all 0) (catch_all_ref 2)",
    Operand.RESERVED_ZERO: "",
}

# Instructions that need context around them: WAT text and the mnemonics it assembles to.
IN_CONTEXT = {
    "else": ("if else end", ["if", "else", "end"]),
    "end": ("block end", ["block", "end"]),
    "catch": ("try catch 0 end", ["try", "catch", "end"]),
    "catch_all": ("try catch_all end", ["try", "catch_all", "end"]),
    "delegate": ("try delegate 0", ["try", "delegate"]),
    "call_indirect": ("call_indirect 1 (type 0)", ["call_indirect"]),
    "return_call_indirect": ("return_call_indirect 1 (type 0)", ["return_call_indirect"]),
    "br_on_cast": ("br_on_cast 0 (ref null any) (ref i31)", ["br_on_cast"]),
    "br_on_cast_fail": ("br_on_cast_fail 0 anyref (ref null i31)", ["br_on_cast_fail"]),
}

MODULE_CONTEXT = """
  (type (func))
  (memory 1)
  (table 1 funcref)
  (global (mut i32) (i32.const 0))
  (tag)
  (data "x")
  (elem func)
"""


def sample_wat(mnemonic: str, operands: tuple[Operand, ...]) -> tuple[str, list[str]]:
    if mnemonic in IN_CONTEXT:
        return IN_CONTEXT[mnemonic]
    text = " ".join([mnemonic, *(SAMPLE_OPERAND_TEXT.get(operand, "0") for operand in operands)])
    if Operand.BLOCK_TYPE in operands:
        return text + " end", [mnemonic, "end"]
    return text, [mnemonic]


def assemble(functions: Iterable[str]) -> tuple[bytes, WasmModule]:
    body = "\n".join(f"  (func (local i32) {text})" for text in functions)
    data = bytes(wasmtime.wat2wasm(f"(module {MODULE_CONTEXT}\n{body})"))
    return data, parse_module(data)


def body_instructions(module: WasmModule, index: int) -> list[Instruction]:
    """A function's instructions without its final ``end``."""
    body = module.functions[index]
    return list(decode(module.data, body.locals_end, body.end))[:-1]


@pytest.fixture(scope="module")
def every_opcode() -> tuple[list[tuple[Any, str, list[str]]], bytes, WasmModule]:
    """One function per known opcode: (opcode, WAT text, expected mnemonics), and the module."""
    samples = []
    for opcode, info in all_opcodes():
        text, mnemonics = sample_wat(info.mnemonic, info.operands)
        samples.append((opcode, text, mnemonics))
    data, module = assemble(text for _, text, _ in samples)
    return samples, data, module


def test_the_table_covers_the_proposals_wasmtime_runs():
    mnemonics = {info.mnemonic for _, info in all_opcodes()}
    assert len(mnemonics) > 500
    for expected in (
        "memory.copy",
        "i32.trunc_sat_f64_u",
        "i8x16.shuffle",
        "f64x2.relaxed_madd",
        "return_call_ref",
        "try_table",
        "throw_ref",
        "table.fill",
        "ref.func",
        "i64.atomic.rmw32.cmpxchg_u",
        "struct.get_u",
        "br_on_cast_fail",
        "i64.mul_wide_u",
    ):
        assert expected in mnemonics


def test_every_opcode_decodes_as_the_wat_assembler_encodes_it(every_opcode):
    samples, _, module = every_opcode
    assert len(module.functions) == len(samples)
    for index, (opcode, text, mnemonics) in enumerate(samples):
        instructions = body_instructions(module, index)
        assert [i.mnemonic for i in instructions] == mnemonics, text
        assert opcode in [i.opcode for i in instructions], text


def test_sample_immediates_decode_to_their_values(every_opcode):
    samples, _, module = every_opcode
    decoded = {}
    for index, (opcode, _, _) in enumerate(samples):
        decoded[opcode] = next(i for i in body_instructions(module, index) if i.opcode == opcode)
    assert decoded[0x41].immediates == (-7,)
    assert decoded[0x42].immediates == (-7,)
    assert decoded[0x43].immediates == (1.5,)
    assert decoded[0x44].immediates == (-2.25,)
    assert decoded[0x28].immediates == (MemArg(align=0, offset=8),)
    assert decoded[0x0E].immediates == ((1,), 0)
    assert decoded[0x02].immediates == ("i32",)
    assert decoded[0x11].immediates == (0, 1)  # type, then table
    assert decoded[(0xFC, 8)].immediates == (0, 0)
    assert decoded[(0xFD, 12)].immediates == (struct.pack("<4I", 1, 2, 3, 4),)
    assert decoded[(0xFD, 13)].immediates == (tuple(range(15, -1, -1)),)
    assert decoded[(0xFD, 84)].immediates == (MemArg(align=0, offset=8), 1)
    assert decoded[(0xFD, 21)].immediates == (1,)
    assert decoded[0xD0].immediates == ("func",)
    assert decoded[0x1C].immediates == (("i32",),)
    assert decoded[(0xFB, 20)].immediates == ("any",)
    assert decoded[(0xFB, 24)].immediates == (0b01, 0, "any", "i31")
    assert decoded[(0xFB, 8)].immediates == (0, 2)
    assert decoded[0x1F].immediates == (
        "i32",
        (Catch("catch", 0, 0), Catch("catch_ref", 0, 1), Catch("catch_all", None, 0), Catch("catch_all_ref", None, 2)),
    )


def test_unknown_opcodes_are_format_errors():
    unknown = [code for code in range(256) if opcode_info(code) is None and code not in (0xFB, 0xFC, 0xFD, 0xFE)]
    assert 0xFF in unknown and 0x17 in unknown
    for code in unknown:
        with pytest.raises(WasmFormatError, match=f"unknown opcode 0x{code:02x}"):
            list(decode(bytes([code, 0x0B]), 0, 2))
    with pytest.raises(WasmFormatError, match="unknown opcode 0xfc 99"):
        list(decode(bytes([0xFC, 99]), 0, 2))


@pytest.mark.parametrize(
    "data, reason",
    [
        (bytes([0x41]), "truncated"),  # i32.const without its value
        (bytes([0x41, 0x80, 0x80]), "truncated"),
        (bytes([0x41, 0x80, 0x80, 0x80, 0x80, 0x10]), "too large"),  # 2**32 is not an i32
        (bytes([0x20, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]), "too long"),
        (bytes([0x44, 0, 0, 0]), "truncated"),  # f64.const needs 8 bytes
        (bytes([0x0E, 0xFF, 0xFF, 0x03]), "truncated"),  # br_table with 65535 targets in 2 bytes
        (bytes([0x02, 0x55]), "invalid value type"),
        (bytes([0x1F, 0x40, 0x01, 0x07, 0x00]), "invalid catch kind"),
        (bytes([0xFE, 0x03, 0x01]), "zero byte"),
        (bytes([0x28, 0x80, 0x01, 0x00]), "out of range"),  # alignment 2**128
    ],
)
def test_malformed_immediates_are_format_errors(data, reason):
    with pytest.raises(WasmFormatError, match=reason):
        list(decode(data, 0, len(data)))


def test_an_instruction_crossing_the_end_of_the_range_is_truncated():
    data = bytes([0x41, 0xE5, 0x00, 0x0B])  # i32.const 101 (padded), end
    assert [i.length for i in decode(data, 0, 4)] == [3, 1]
    with pytest.raises(WasmFormatError, match="truncated"):
        list(decode(data, 0, 2))
    with pytest.raises(WasmFormatError, match="outside"):
        list(decode(data, 2, 9))


def test_multi_memory_and_memory64_memargs():
    _, module = assemble(["i32.load 1 offset=0x100000000 align=2", "memory.copy 1 0", "memory.init 2 0"])
    assert body_instructions(module, 0)[0].immediates == (MemArg(align=1, offset=1 << 32, memory=1),)
    assert body_instructions(module, 1)[0].immediates == (1, 0)
    assert body_instructions(module, 2)[0].immediates == (0, 2)  # data, then memory


def test_convenience_properties():
    _, module = assemble(
        [
            "call 1 return_call 0 call_indirect (type 0) return_call_indirect (type 0) call_ref 0 return_call_ref 0",
            "br 0 br_if 0 br_table 0 0 br_on_null 0 return i32.add",
        ]
    )
    calls = body_instructions(module, 0)
    assert [i.call_target for i in calls] == [1, 0, None, None, None, None]
    assert [i.is_indirect_call for i in calls] == [False, False, True, True, True, True]
    assert all(i.is_call for i in calls)
    assert [i.is_return for i in calls] == [False, True, False, True, False, True]
    others = body_instructions(module, 1)
    assert [i.is_branch for i in others] == [True, True, True, True, False, False]
    assert [i.is_return for i in others] == [False, False, False, False, True, False]
    assert not any(i.is_call for i in others)


# --- Real compiled modules -------------------------------------------------------------

FEATURES_C = r"""
// Post-MVP instructions the compiler emits: SIMD, bulk memory, saturating truncation, tail calls.
// Freestanding (no libc): a new set of target features then needs no libc build of its own.
// build-base: no
// build: -O2 -msimd128 -mtail-call
// build: -O0 -msimd128 -mtail-call
// cflags: -nostdlib -Wl,--no-entry
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

typedef int (*step_fn)(int, int);
step_fn chosen_step;

__attribute__((noinline)) int odd_steps(int n, int acc);

__attribute__((noinline)) int even_steps(int n, int acc) {
    if (n <= 0) return acc;
    __attribute__((musttail)) return odd_steps(n - 1, acc + n);
}

__attribute__((noinline)) int odd_steps(int n, int acc) {
    if (n <= 0) return -acc;
    __attribute__((musttail)) return even_steps(n - 1, acc * 2);
}

EXPORT(through_pointer) int through_pointer(int n, int acc) {
    __attribute__((musttail)) return chosen_step(n, acc);
}

EXPORT(choose) void choose(int which) { chosen_step = which ? even_steps : through_pointer; }

EXPORT(copy) void copy(char *target, const char *source, unsigned long size) {
    __builtin_memcpy(target, source, size);
}

EXPORT(fill) void fill(char *target, int value, unsigned long size) { __builtin_memset(target, value, size); }

EXPORT(truncate) int truncate(float value) { return (int)value; }

EXPORT(sum) int sum(const int *values, int count) {
    int total = 0;
    for (int i = 0; i < count; i++) total += values[i] * 3;
    return total;
}

EXPORT(mix) float mix(float a, float b, int lane) {
    v128_t x = wasm_f32x4_make(a, b, a * 2, b * 2);
    v128_t y = wasm_f32x4_splat(b);
    v128_t product = wasm_f32x4_mul(x, y);
    v128_t swapped = wasm_i32x4_shuffle(product, x, 3, 2, 1, 0);
    v128_t mask = wasm_i32x4_gt(wasm_i32x4_splat(lane), wasm_i32x4_make(0, 1, 2, 3));
    v128_t chosen = wasm_v128_bitselect(swapped, product, mask);
    return wasm_f32x4_extract_lane(chosen, 1) + wasm_f32x4_extract_lane(chosen, 2);
}
"""

OPTIMISED, UNOPTIMISED = "features.O2.msimd128.mtail-call", "features.O0.msimd128.mtail-call"


@pytest.fixture(scope="module")
def feature_modules(tmp_path_factory) -> dict[str, Path]:
    sources = tmp_path_factory.mktemp("wasm_features")
    (sources / "features.c").write_text(FEATURES_C)
    return build_all([sources])


@pytest.fixture(scope="module")
def compiled(fixtures, feature_modules) -> dict[str, WasmModule]:
    names = ["basics", "basics.O2", "classes", "types", "inline.O2"]
    modules = {name: fixtures[name] for name in names}
    modules.update(feature_modules)
    return {name: parse_module(path.read_bytes()) for name, path in modules.items()}


def mnemonics_of(module: WasmModule) -> set[str]:
    return {i.mnemonic for body in module.functions for i in decode(module.data, body.locals_end, body.end)}


def test_every_function_of_compiled_modules_decodes_and_tiles_its_body(compiled):
    assert set(compiled) >= {"basics", "basics.O2", OPTIMISED, UNOPTIMISED}
    for name, module in compiled.items():
        function_count = module.imported_function_count + len(module.functions)
        for body in module.functions:
            instructions = list(decode(module.data, body.locals_end, body.end))
            assert instructions[0].pc == body.locals_end, name
            for previous, following in pairwise(instructions):
                assert following.pc == previous.pc + previous.length
            assert instructions[-1].end == body.end and instructions[-1].mnemonic == "end", name
            assert instruction_starts(module.data, body) == tuple(i.pc for i in instructions)
            for instruction in instructions:
                if instruction.call_target is not None:
                    assert instruction.call_target < function_count


def test_instruction_at_finds_the_instruction_containing_a_pc(compiled):
    module = compiled["basics"]
    body = max(module.functions, key=lambda b: b.end - b.locals_end)
    instructions = list(decode(module.data, body.locals_end, body.end))
    for instruction in instructions:
        for pc in range(instruction.pc, instruction.end):
            assert instruction_at(module.data, body, pc) == instruction
    assert instruction_at(module.data, body, body.locals_end - 1) is None
    assert instruction_at(module.data, body, body.end) is None


def test_compiler_emitted_post_mvp_instructions_decode(compiled):
    expected = {
        "memory.copy",
        "memory.fill",
        "i32.trunc_sat_f32_s",
        "return_call",
        "return_call_indirect",
        "v128.load",
        "i32x4.add",
        "i32x4.mul",
        "f32x4.mul",
        "i8x16.shuffle",
        "v128.bitselect",
        "f32x4.extract_lane",
        "i32x4.gt_s",
    }
    assert expected <= mnemonics_of(compiled[OPTIMISED])
    unoptimised = mnemonics_of(compiled[UNOPTIMISED])
    assert {"f32x4.mul", "i8x16.shuffle", "v128.bitselect", "return_call"} <= unoptimised


def test_a_megabyte_of_real_code_decodes_completely(compiled):
    """Real function bodies, repeated to ~1 MB of code, decode to the end. (How fast is a
    benchmark figure: `decode_code` in bench/wasm_level.py, with its < 3 s target.)"""
    module = compiled["basics.O2"]
    bodies = b"".join(module.data[body.offset : body.end] for body in module.functions)
    copies = 1_000_000 // len(bodies) + 1
    big = parse_module(module_with_bodies(bodies * copies, len(module.functions) * copies))
    count = sum(1 for body in big.functions for _ in decode(big.data, body.locals_end, body.end))
    assert len(big.data) > 1_000_000 and count > 300_000


def module_with_bodies(bodies: bytes, count: int) -> bytes:
    """A module of ``count`` functions of type () -> () whose Code section holds ``bodies``."""

    def section(section_id: int, payload: bytes) -> bytes:
        return bytes([section_id]) + encode_unsigned(len(payload)) + payload

    types = section(1, b"\x01\x60\x00\x00")
    functions = section(3, encode_unsigned(count) + b"\x00" * count)
    code = section(10, encode_unsigned(count) + bodies)
    return b"\x00asm\x01\x00\x00\x00" + types + functions + code


# --- Arbitrary bytes -------------------------------------------------------------------

# Bytes that start with a known opcode more often than uniform bytes would.
opcode_heavy = st.lists(
    st.one_of(
        st.sampled_from([code for code, _ in all_opcodes() if isinstance(code, int)]).map(lambda c: bytes([c])),
        st.sampled_from([code for code, _ in all_opcodes() if isinstance(code, tuple)]).map(
            lambda c: bytes([c[0]]) + encode_unsigned(c[1])
        ),
        st.binary(min_size=1, max_size=4),
    ),
    max_size=24,
).map(b"".join)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.binary(max_size=64), opcode_heavy))
def test_arbitrary_bytes_decode_or_raise_a_format_error(data):
    try:
        instructions = list(decode(data, 0, len(data)))
    except WasmFormatError:
        instructions = None
    lenient = list(decode_lenient(data, 0, len(data)))
    assert sum(i.length for i in lenient) == len(data)
    if instructions is not None:
        assert [(i.pc, i.length, i.mnemonic) for i in instructions] == [(i.pc, i.length, i.mnemonic) for i in lenient]
        assert all(i.is_valid for i in instructions)
    else:
        assert any(not i.is_valid and i.error for i in lenient)
    for instruction in lenient:
        if instruction.is_valid:
            assert opcode_info(instruction.opcode).mnemonic == instruction.mnemonic
            assert len(instruction.immediates) == len(instruction.operands)


def test_an_invalid_instruction_is_no_call_branch_or_return():
    for code in (0x10, 0x0C):  # call and br, without their index
        (instruction,) = decode_lenient(bytes([code]), 0, 1)
        assert not instruction.is_valid and instruction.mnemonic == "invalid" and "truncated" in instruction.error
        assert instruction.call_target is None and instruction.operands == ()
        assert not (instruction.is_call or instruction.is_branch or instruction.is_return)
