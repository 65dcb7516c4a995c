"""Decoding WebAssembly instructions: an opcode table and a decoder over module bytes.

Covers the core instruction set of Wasm 3.0 and the proposals Wasmtime runs: bulk memory and
saturating truncation (0xFC), SIMD and relaxed SIMD (0xFD), threads (0xFE), reference types,
typed function references, GC (0xFB), tail calls, multi-memory, memory64, wide arithmetic
and exception handling (both ``try_table`` and the legacy ``try``/``catch``/``delegate``).

PCs are file offsets into the module's bytes, as everywhere in layer 1.
"""

from __future__ import annotations

import struct
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple

from adapters.wasm.binary import FunctionBody, WasmFormatError
from adapters.wasm.leb128 import decode_signed, decode_unsigned

Opcode = int | tuple[int, int]  # a single byte, or (prefix byte, sub-opcode)


class Operand(StrEnum):
    """What an immediate is, which decides how it is read and shown."""

    LABEL = "label"
    LABELS = "labels"  # br_table targets (the default follows as a LABEL)
    FUNC = "func"
    TYPE = "type"
    LOCAL = "local"
    GLOBAL = "global"
    TABLE = "table"
    MEMORY = "memory"
    TAG = "tag"
    DATA = "data"
    ELEM = "elem"
    FIELD = "field"
    COUNT = "count"
    BLOCK_TYPE = "block_type"
    MEMARG = "memarg"
    LANE = "lane"
    I32 = "i32"
    I64 = "i64"
    F32 = "f32"
    F64 = "f64"
    V128 = "v128"
    SHUFFLE = "shuffle"
    VALTYPES = "valtypes"
    HEAP = "heap"  # shown bare: ``ref.null func``
    REF = "ref"  # a heap type shown as ``(ref ht)``
    NULLABLE_REF = "nullable_ref"  # a heap type shown as ``(ref null ht)``
    CAST_FLAGS = "cast_flags"
    CATCHES = "catches"
    RESERVED_ZERO = "reserved_zero"  # a byte that must be 0, not shown


class MemArg(NamedTuple):
    """A memory access immediate. ``align`` is the log2 of the alignment in bytes."""

    align: int
    offset: int
    memory: int = 0


class Catch(NamedTuple):
    """One clause of ``try_table``: ``catch``, ``catch_ref``, ``catch_all`` or ``catch_all_ref``."""

    kind: str
    tag: int | None
    label: int


# A block type is None (no result), a value type name such as "i32", or a type index.
BlockType = str | int | None


@dataclass(frozen=True, slots=True)
class OpcodeInfo:
    mnemonic: str
    operands: tuple[Operand, ...]


@dataclass(slots=True)  # not frozen: freezing would cost the decoder a third of its speed
class Instruction:
    """One decoded instruction. ``immediates`` holds one decoded value per operand of the
    opcode, in binary order. A byte that starts no valid instruction becomes a one-byte
    instruction with mnemonic ``invalid``, its byte as ``opcode`` and the reason in ``error``
    (only from ``decode_lenient``); it is no call, branch or return."""

    pc: int
    length: int
    opcode: Opcode
    mnemonic: str
    immediates: tuple[Any, ...] = ()
    error: str = ""

    @property
    def end(self) -> int:
        return self.pc + self.length

    @property
    def is_valid(self) -> bool:
        return not self.error

    @property
    def operands(self) -> tuple[Operand, ...]:
        info = opcode_info(self.opcode) if self.is_valid else None
        return info.operands if info else ()

    @property
    def call_target(self) -> int | None:
        """The called function's index for ``call`` and ``return_call``."""
        return self.immediates[0] if self._is_one_of(_DIRECT_CALLS) else None

    @property
    def is_call(self) -> bool:
        return self._is_one_of(_DIRECT_CALLS) or self._is_one_of(_INDIRECT_CALLS)

    @property
    def is_indirect_call(self) -> bool:
        return self._is_one_of(_INDIRECT_CALLS)

    @property
    def is_return(self) -> bool:
        """Leaves the current frame: ``return`` and the tail calls."""
        return self._is_one_of(_RETURNS)

    @property
    def is_branch(self) -> bool:
        """Transfers control to a label: the ``br`` family."""
        return self._is_one_of(_BRANCHES)

    def _is_one_of(self, opcodes: frozenset[Opcode]) -> bool:
        return self.opcode in opcodes and self.is_valid


MNEMONIC_INVALID = "invalid"
F32_NAN_PAYLOAD_SHIFT = 29  # an f32 NaN's payload sits this far up in its f64 immediate

_DIRECT_CALLS = frozenset({0x10, 0x12})
_INDIRECT_CALLS = frozenset({0x11, 0x13, 0x14, 0x15})
_RETURNS = frozenset({0x0F, 0x12, 0x13, 0x15})
_BRANCHES = frozenset({0x0C, 0x0D, 0x0E, 0xD5, 0xD6, (0xFB, 24), (0xFB, 25)})


# --- The opcode table ------------------------------------------------------------------

_SINGLE: list[OpcodeInfo | None] = [None] * 256
_PREFIXED: dict[int, dict[int, OpcodeInfo]] = {0xFB: {}, 0xFC: {}, 0xFD: {}, 0xFE: {}}


def _define(opcode: Opcode, mnemonic: str, *operands: Operand) -> None:
    info = OpcodeInfo(mnemonic, operands)
    if isinstance(opcode, tuple):
        _PREFIXED[opcode[0]][opcode[1]] = info
    else:
        _SINGLE[opcode] = info


def _define_run(first: int, mnemonics: str, *operands: Operand, prefix: int | None = None) -> None:
    """Define consecutive opcodes from a whitespace-separated list; ``-`` marks a gap."""
    for code, mnemonic in enumerate(mnemonics.split(), first):
        if mnemonic != "-":
            _define(code if prefix is None else (prefix, code), mnemonic, *operands)


Op = Operand

# Control
_define_run(0x00, "unreachable nop")
_define_run(0x02, "block loop if", Op.BLOCK_TYPE)
_define(0x05, "else")
_define(0x06, "try", Op.BLOCK_TYPE)
_define(0x07, "catch", Op.TAG)
_define(0x08, "throw", Op.TAG)
_define(0x09, "rethrow", Op.LABEL)
_define(0x0A, "throw_ref")
_define(0x0B, "end")
_define_run(0x0C, "br br_if", Op.LABEL)
_define(0x0E, "br_table", Op.LABELS, Op.LABEL)
_define(0x0F, "return")
_define(0x10, "call", Op.FUNC)
_define(0x11, "call_indirect", Op.TYPE, Op.TABLE)
_define(0x12, "return_call", Op.FUNC)
_define(0x13, "return_call_indirect", Op.TYPE, Op.TABLE)
_define_run(0x14, "call_ref return_call_ref", Op.TYPE)
_define(0x18, "delegate", Op.LABEL)
_define(0x19, "catch_all")
_define_run(0x1A, "drop select")
_define(0x1C, "select", Op.VALTYPES)
_define(0x1F, "try_table", Op.BLOCK_TYPE, Op.CATCHES)

# Variables, tables, memory
_define_run(0x20, "local.get local.set local.tee", Op.LOCAL)
_define_run(0x23, "global.get global.set", Op.GLOBAL)
_define_run(0x25, "table.get table.set", Op.TABLE)
_define_run(
    0x28,
    """i32.load i64.load f32.load f64.load i32.load8_s i32.load8_u i32.load16_s i32.load16_u
    i64.load8_s i64.load8_u i64.load16_s i64.load16_u i64.load32_s i64.load32_u
    i32.store i64.store f32.store f64.store i32.store8 i32.store16 i64.store8 i64.store16
    i64.store32""",
    Op.MEMARG,
)
_define_run(0x3F, "memory.size memory.grow", Op.MEMORY)

# Constants and numeric operators
_define(0x41, "i32.const", Op.I32)
_define(0x42, "i64.const", Op.I64)
_define(0x43, "f32.const", Op.F32)
_define(0x44, "f64.const", Op.F64)
_define_run(
    0x45,
    """i32.eqz i32.eq i32.ne i32.lt_s i32.lt_u i32.gt_s i32.gt_u i32.le_s i32.le_u i32.ge_s i32.ge_u
    i64.eqz i64.eq i64.ne i64.lt_s i64.lt_u i64.gt_s i64.gt_u i64.le_s i64.le_u i64.ge_s i64.ge_u
    f32.eq f32.ne f32.lt f32.gt f32.le f32.ge
    f64.eq f64.ne f64.lt f64.gt f64.le f64.ge
    i32.clz i32.ctz i32.popcnt i32.add i32.sub i32.mul i32.div_s i32.div_u i32.rem_s i32.rem_u
    i32.and i32.or i32.xor i32.shl i32.shr_s i32.shr_u i32.rotl i32.rotr
    i64.clz i64.ctz i64.popcnt i64.add i64.sub i64.mul i64.div_s i64.div_u i64.rem_s i64.rem_u
    i64.and i64.or i64.xor i64.shl i64.shr_s i64.shr_u i64.rotl i64.rotr
    f32.abs f32.neg f32.ceil f32.floor f32.trunc f32.nearest f32.sqrt
    f32.add f32.sub f32.mul f32.div f32.min f32.max f32.copysign
    f64.abs f64.neg f64.ceil f64.floor f64.trunc f64.nearest f64.sqrt
    f64.add f64.sub f64.mul f64.div f64.min f64.max f64.copysign
    i32.wrap_i64 i32.trunc_f32_s i32.trunc_f32_u i32.trunc_f64_s i32.trunc_f64_u
    i64.extend_i32_s i64.extend_i32_u i64.trunc_f32_s i64.trunc_f32_u i64.trunc_f64_s i64.trunc_f64_u
    f32.convert_i32_s f32.convert_i32_u f32.convert_i64_s f32.convert_i64_u f32.demote_f64
    f64.convert_i32_s f64.convert_i32_u f64.convert_i64_s f64.convert_i64_u f64.promote_f32
    i32.reinterpret_f32 i64.reinterpret_f64 f32.reinterpret_i32 f64.reinterpret_i64
    i32.extend8_s i32.extend16_s i64.extend8_s i64.extend16_s i64.extend32_s""",
)

# References
_define(0xD0, "ref.null", Op.HEAP)
_define(0xD1, "ref.is_null")
_define(0xD2, "ref.func", Op.FUNC)
_define_run(0xD3, "ref.eq ref.as_non_null")
_define_run(0xD5, "br_on_null br_on_non_null", Op.LABEL)

# 0xFB: garbage collection
_define_run(0, "struct.new struct.new_default", Op.TYPE, prefix=0xFB)
_define_run(2, "struct.get struct.get_s struct.get_u struct.set", Op.TYPE, Op.FIELD, prefix=0xFB)
_define_run(6, "array.new array.new_default", Op.TYPE, prefix=0xFB)
_define((0xFB, 8), "array.new_fixed", Op.TYPE, Op.COUNT)
_define((0xFB, 9), "array.new_data", Op.TYPE, Op.DATA)
_define((0xFB, 10), "array.new_elem", Op.TYPE, Op.ELEM)
_define_run(11, "array.get array.get_s array.get_u array.set", Op.TYPE, prefix=0xFB)
_define((0xFB, 15), "array.len")
_define((0xFB, 16), "array.fill", Op.TYPE)
_define((0xFB, 17), "array.copy", Op.TYPE, Op.TYPE)
_define((0xFB, 18), "array.init_data", Op.TYPE, Op.DATA)
_define((0xFB, 19), "array.init_elem", Op.TYPE, Op.ELEM)
for _code, _mnemonic in ((20, "ref.test"), (22, "ref.cast")):
    _define((0xFB, _code), _mnemonic, Op.REF)
    _define((0xFB, _code + 1), _mnemonic, Op.NULLABLE_REF)
_define_run(24, "br_on_cast br_on_cast_fail", Op.CAST_FLAGS, Op.LABEL, Op.HEAP, Op.HEAP, prefix=0xFB)
_define_run(26, "any.convert_extern extern.convert_any ref.i31 i31.get_s i31.get_u", prefix=0xFB)

# 0xFC: saturating truncation, bulk memory, tables
_define_run(
    0,
    """i32.trunc_sat_f32_s i32.trunc_sat_f32_u i32.trunc_sat_f64_s i32.trunc_sat_f64_u
    i64.trunc_sat_f32_s i64.trunc_sat_f32_u i64.trunc_sat_f64_s i64.trunc_sat_f64_u""",
    prefix=0xFC,
)
_define((0xFC, 8), "memory.init", Op.DATA, Op.MEMORY)
_define((0xFC, 9), "data.drop", Op.DATA)
_define((0xFC, 10), "memory.copy", Op.MEMORY, Op.MEMORY)
_define((0xFC, 11), "memory.fill", Op.MEMORY)
_define((0xFC, 12), "table.init", Op.ELEM, Op.TABLE)
_define((0xFC, 13), "elem.drop", Op.ELEM)
_define((0xFC, 14), "table.copy", Op.TABLE, Op.TABLE)
_define_run(15, "table.grow table.size table.fill", Op.TABLE, prefix=0xFC)
_define_run(19, "i64.add128 i64.sub128 i64.mul_wide_s i64.mul_wide_u", prefix=0xFC)  # wide arithmetic

# 0xFD: SIMD
_define_run(
    0,
    """v128.load v128.load8x8_s v128.load8x8_u v128.load16x4_s v128.load16x4_u v128.load32x2_s
    v128.load32x2_u v128.load8_splat v128.load16_splat v128.load32_splat v128.load64_splat
    v128.store""",
    Op.MEMARG,
    prefix=0xFD,
)
_define((0xFD, 12), "v128.const", Op.V128)
_define((0xFD, 13), "i8x16.shuffle", Op.SHUFFLE)
_define_run(14, "i8x16.swizzle i8x16.splat i16x8.splat i32x4.splat i64x2.splat f32x4.splat f64x2.splat", prefix=0xFD)
_define_run(
    21,
    """i8x16.extract_lane_s i8x16.extract_lane_u i8x16.replace_lane
    i16x8.extract_lane_s i16x8.extract_lane_u i16x8.replace_lane
    i32x4.extract_lane i32x4.replace_lane i64x2.extract_lane i64x2.replace_lane
    f32x4.extract_lane f32x4.replace_lane f64x2.extract_lane f64x2.replace_lane""",
    Op.LANE,
    prefix=0xFD,
)
_define_run(
    35,
    """i8x16.eq i8x16.ne i8x16.lt_s i8x16.lt_u i8x16.gt_s i8x16.gt_u i8x16.le_s i8x16.le_u
    i8x16.ge_s i8x16.ge_u
    i16x8.eq i16x8.ne i16x8.lt_s i16x8.lt_u i16x8.gt_s i16x8.gt_u i16x8.le_s i16x8.le_u
    i16x8.ge_s i16x8.ge_u
    i32x4.eq i32x4.ne i32x4.lt_s i32x4.lt_u i32x4.gt_s i32x4.gt_u i32x4.le_s i32x4.le_u
    i32x4.ge_s i32x4.ge_u
    f32x4.eq f32x4.ne f32x4.lt f32x4.gt f32x4.le f32x4.ge
    f64x2.eq f64x2.ne f64x2.lt f64x2.gt f64x2.le f64x2.ge
    v128.not v128.and v128.andnot v128.or v128.xor v128.bitselect v128.any_true""",
    prefix=0xFD,
)
_define_run(
    84,
    """v128.load8_lane v128.load16_lane v128.load32_lane v128.load64_lane
    v128.store8_lane v128.store16_lane v128.store32_lane v128.store64_lane""",
    Op.MEMARG,
    Op.LANE,
    prefix=0xFD,
)
_define_run(92, "v128.load32_zero v128.load64_zero", Op.MEMARG, prefix=0xFD)
_define_run(
    94,
    """f32x4.demote_f64x2_zero f64x2.promote_low_f32x4
    i8x16.abs i8x16.neg i8x16.popcnt i8x16.all_true i8x16.bitmask
    i8x16.narrow_i16x8_s i8x16.narrow_i16x8_u f32x4.ceil f32x4.floor f32x4.trunc f32x4.nearest
    i8x16.shl i8x16.shr_s i8x16.shr_u i8x16.add i8x16.add_sat_s i8x16.add_sat_u
    i8x16.sub i8x16.sub_sat_s i8x16.sub_sat_u f64x2.ceil f64x2.floor
    i8x16.min_s i8x16.min_u i8x16.max_s i8x16.max_u f64x2.trunc i8x16.avgr_u
    i16x8.extadd_pairwise_i8x16_s i16x8.extadd_pairwise_i8x16_u
    i32x4.extadd_pairwise_i16x8_s i32x4.extadd_pairwise_i16x8_u
    i16x8.abs i16x8.neg i16x8.q15mulr_sat_s i16x8.all_true i16x8.bitmask
    i16x8.narrow_i32x4_s i16x8.narrow_i32x4_u
    i16x8.extend_low_i8x16_s i16x8.extend_high_i8x16_s i16x8.extend_low_i8x16_u
    i16x8.extend_high_i8x16_u i16x8.shl i16x8.shr_s i16x8.shr_u
    i16x8.add i16x8.add_sat_s i16x8.add_sat_u i16x8.sub i16x8.sub_sat_s i16x8.sub_sat_u
    f64x2.nearest i16x8.mul i16x8.min_s i16x8.min_u i16x8.max_s i16x8.max_u - i16x8.avgr_u
    i16x8.extmul_low_i8x16_s i16x8.extmul_high_i8x16_s
    i16x8.extmul_low_i8x16_u i16x8.extmul_high_i8x16_u
    i32x4.abs i32x4.neg - i32x4.all_true i32x4.bitmask - -
    i32x4.extend_low_i16x8_s i32x4.extend_high_i16x8_s i32x4.extend_low_i16x8_u
    i32x4.extend_high_i16x8_u i32x4.shl i32x4.shr_s i32x4.shr_u i32x4.add - - i32x4.sub - - -
    i32x4.mul i32x4.min_s i32x4.min_u i32x4.max_s i32x4.max_u i32x4.dot_i16x8_s -
    i32x4.extmul_low_i16x8_s i32x4.extmul_high_i16x8_s
    i32x4.extmul_low_i16x8_u i32x4.extmul_high_i16x8_u
    i64x2.abs i64x2.neg - i64x2.all_true i64x2.bitmask - -
    i64x2.extend_low_i32x4_s i64x2.extend_high_i32x4_s i64x2.extend_low_i32x4_u
    i64x2.extend_high_i32x4_u i64x2.shl i64x2.shr_s i64x2.shr_u i64x2.add - - i64x2.sub - - -
    i64x2.mul i64x2.eq i64x2.ne i64x2.lt_s i64x2.gt_s i64x2.le_s i64x2.ge_s
    i64x2.extmul_low_i32x4_s i64x2.extmul_high_i32x4_s
    i64x2.extmul_low_i32x4_u i64x2.extmul_high_i32x4_u
    f32x4.abs f32x4.neg - f32x4.sqrt f32x4.add f32x4.sub f32x4.mul f32x4.div
    f32x4.min f32x4.max f32x4.pmin f32x4.pmax
    f64x2.abs f64x2.neg - f64x2.sqrt f64x2.add f64x2.sub f64x2.mul f64x2.div
    f64x2.min f64x2.max f64x2.pmin f64x2.pmax
    i32x4.trunc_sat_f32x4_s i32x4.trunc_sat_f32x4_u f32x4.convert_i32x4_s f32x4.convert_i32x4_u
    i32x4.trunc_sat_f64x2_s_zero i32x4.trunc_sat_f64x2_u_zero
    f64x2.convert_low_i32x4_s f64x2.convert_low_i32x4_u
    i8x16.relaxed_swizzle i32x4.relaxed_trunc_f32x4_s i32x4.relaxed_trunc_f32x4_u
    i32x4.relaxed_trunc_f64x2_s_zero i32x4.relaxed_trunc_f64x2_u_zero
    f32x4.relaxed_madd f32x4.relaxed_nmadd f64x2.relaxed_madd f64x2.relaxed_nmadd
    i8x16.relaxed_laneselect i16x8.relaxed_laneselect i32x4.relaxed_laneselect
    i64x2.relaxed_laneselect f32x4.relaxed_min f32x4.relaxed_max f64x2.relaxed_min
    f64x2.relaxed_max i16x8.relaxed_q15mulr_s i16x8.relaxed_dot_i8x16_i7x16_s
    i32x4.relaxed_dot_i8x16_i7x16_add_s""",
    prefix=0xFD,
)

# 0xFE: threads
_define((0xFE, 0), "memory.atomic.notify", Op.MEMARG)
_define_run(1, "memory.atomic.wait32 memory.atomic.wait64", Op.MEMARG, prefix=0xFE)
_define((0xFE, 3), "atomic.fence", Op.RESERVED_ZERO)
_define_run(
    0x10,
    """i32.atomic.load i64.atomic.load i32.atomic.load8_u i32.atomic.load16_u i64.atomic.load8_u
    i64.atomic.load16_u i64.atomic.load32_u i32.atomic.store i64.atomic.store i32.atomic.store8
    i32.atomic.store16 i64.atomic.store8 i64.atomic.store16 i64.atomic.store32""",
    Op.MEMARG,
    prefix=0xFE,
)
for _group, _operation in enumerate(("add", "sub", "and", "or", "xor", "xchg", "cmpxchg")):
    _define_run(
        0x1E + 7 * _group,
        f"""i32.atomic.rmw.{_operation} i64.atomic.rmw.{_operation} i32.atomic.rmw8.{_operation}_u
        i32.atomic.rmw16.{_operation}_u i64.atomic.rmw8.{_operation}_u i64.atomic.rmw16.{_operation}_u
        i64.atomic.rmw32.{_operation}_u""",
        Op.MEMARG,
        prefix=0xFE,
    )

_PREFIX_MARK = OpcodeInfo("<prefix>", ())
for _prefix in _PREFIXED:
    _SINGLE[_prefix] = _PREFIX_MARK


def opcode_info(opcode: Opcode) -> OpcodeInfo | None:
    """The table entry for an opcode, or None if it is not a known instruction."""
    if isinstance(opcode, tuple):
        return _PREFIXED.get(opcode[0], {}).get(opcode[1])
    info = _SINGLE[opcode] if 0 <= opcode < 256 else None
    return None if info is _PREFIX_MARK else info


def all_opcodes() -> Iterator[tuple[Opcode, OpcodeInfo]]:
    """Every instruction the decoder knows, in opcode order."""
    for code, info in enumerate(_SINGLE):
        if info is not None and info is not _PREFIX_MARK:
            yield code, info
    for prefix, table in _PREFIXED.items():
        for sub in sorted(table):
            yield (prefix, sub), table[sub]


# --- Reading immediates ----------------------------------------------------------------
# Each reader takes (data, pos, end) and returns (value, position after it).


def _truncated(pos: int) -> WasmFormatError:
    return WasmFormatError(f"instruction truncated at offset {pos}")


def _read_uleb(data: bytes, pos: int, end: int, max_bits: int = 32) -> tuple[int, int]:
    return decode_unsigned(data, pos, end, max_bits)


def _read_sleb(data: bytes, pos: int, end: int, bits: int) -> tuple[int, int]:
    return decode_signed(data, pos, end, bits)


def _read_u32(data: bytes, pos: int, end: int) -> tuple[int, int]:
    return _read_uleb(data, pos, end)


def _read_byte(data: bytes, pos: int, end: int) -> tuple[int, int]:
    if pos >= end:
        raise _truncated(pos)
    return data[pos], pos + 1


def _read_16_bytes(data: bytes, pos: int, end: int) -> tuple[bytes, int]:
    if pos + 16 > end:
        raise _truncated(pos)
    return bytes(data[pos : pos + 16]), pos + 16


def _read_i32(data: bytes, pos: int, end: int) -> tuple[int, int]:
    return _read_sleb(data, pos, end, 32)


def _read_i64(data: bytes, pos: int, end: int) -> tuple[int, int]:
    return _read_sleb(data, pos, end, 64)


def _read_f32(data: bytes, pos: int, end: int) -> tuple[float, int]:
    if pos + 4 > end:
        raise _truncated(pos)
    bits = int.from_bytes(data[pos : pos + 4], "little")
    if bits & 0x7F800000 == 0x7F800000 and bits & 0x7FFFFF:
        # A NaN: widened by hand, as converting a signalling NaN would quiet it.
        widened = (bits >> 31) << 63 | 0x7FF << 52 | (bits & 0x7FFFFF) << F32_NAN_PAYLOAD_SHIFT
        return struct.unpack("<d", widened.to_bytes(8, "little"))[0], pos + 4
    return struct.unpack_from("<f", data, pos)[0], pos + 4


def _read_f64(data: bytes, pos: int, end: int) -> tuple[float, int]:
    if pos + 8 > end:
        raise _truncated(pos)
    return struct.unpack_from("<d", data, pos)[0], pos + 8


def _read_labels(data: bytes, pos: int, end: int) -> tuple[tuple[int, ...], int]:
    count, pos = _read_uleb(data, pos, end)
    if count > end - pos:  # every label takes at least one byte
        raise _truncated(pos)
    labels = []
    for _ in range(count):
        label, pos = _read_uleb(data, pos, end)
        labels.append(label)
    return tuple(labels), pos


def _read_memarg(data: bytes, pos: int, end: int) -> tuple[MemArg, int]:
    flags, pos = _read_uleb(data, pos, end)
    memory = 0
    if flags & 0x40:  # multi-memory: an explicit memory index follows
        memory, pos = _read_uleb(data, pos, end)
        flags &= ~0x40
    if flags >= 64:
        raise WasmFormatError(f"alignment 2**{flags} out of range at offset {pos - 1}")
    offset, pos = _read_uleb(data, pos, end, 64)
    return MemArg(flags, offset, memory), pos


_ABSTRACT_HEAP_TYPES = {
    0x69: "exn",
    0x6A: "array",
    0x6B: "struct",
    0x6C: "i31",
    0x6D: "eq",
    0x6E: "any",
    0x6F: "extern",
    0x70: "func",
    0x71: "none",
    0x72: "noextern",
    0x73: "nofunc",
    0x74: "noexn",
}
_NUMERIC_TYPES = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128"}
_REF_NULL = 0x63
_REF = 0x64
_EMPTY_BLOCK = 0x40


def _read_heap_type(data: bytes, pos: int, end: int) -> tuple[str, int]:
    """An abstract heap type's name, or a type index as text."""
    if pos >= end:
        raise _truncated(pos)
    name = _ABSTRACT_HEAP_TYPES.get(data[pos])
    if name is not None:
        return name, pos + 1
    index, after = _read_sleb(data, pos, end, 33)
    if index < 0:
        raise WasmFormatError(f"invalid heap type at offset {pos}")
    return str(index), after


def _read_valtype(data: bytes, pos: int, end: int) -> tuple[str, int]:
    if pos >= end:
        raise _truncated(pos)
    byte = data[pos]
    if byte in _NUMERIC_TYPES:
        return _NUMERIC_TYPES[byte], pos + 1
    if byte in _ABSTRACT_HEAP_TYPES:
        return _ABSTRACT_HEAP_TYPES[byte] + "ref", pos + 1
    if byte in (_REF_NULL, _REF):
        heap, pos = _read_heap_type(data, pos + 1, end)
        return ("(ref null " if byte == _REF_NULL else "(ref ") + heap + ")", pos
    raise WasmFormatError(f"invalid value type 0x{byte:02x} at offset {pos}")


def _read_valtypes(data: bytes, pos: int, end: int) -> tuple[tuple[str, ...], int]:
    count, pos = _read_uleb(data, pos, end)
    if count > end - pos:
        raise _truncated(pos)
    types = []
    for _ in range(count):
        valtype, pos = _read_valtype(data, pos, end)
        types.append(valtype)
    return tuple(types), pos


def _read_block_type(data: bytes, pos: int, end: int) -> tuple[BlockType, int]:
    if pos >= end:
        raise _truncated(pos)
    byte = data[pos]
    if byte == _EMPTY_BLOCK:
        return None, pos + 1
    if 0x40 <= byte < 0x80:  # a negative single-byte s33: a value type
        return _read_valtype(data, pos, end)
    index, after = _read_sleb(data, pos, end, 33)
    if index < 0:
        raise WasmFormatError(f"invalid block type at offset {pos}")
    return index, after


_CATCH_KINDS = ("catch", "catch_ref", "catch_all", "catch_all_ref")


def _read_catches(data: bytes, pos: int, end: int) -> tuple[tuple[Catch, ...], int]:
    count, pos = _read_uleb(data, pos, end)
    if count > end - pos:
        raise _truncated(pos)
    catches = []
    for _ in range(count):
        kind, pos = _read_byte(data, pos, end)
        if kind >= len(_CATCH_KINDS):
            raise WasmFormatError(f"invalid catch kind {kind} at offset {pos - 1}")
        tag = None
        if kind < 2:
            tag, pos = _read_uleb(data, pos, end)
        label, pos = _read_uleb(data, pos, end)
        catches.append(Catch(_CATCH_KINDS[kind], tag, label))
    return tuple(catches), pos


def _read_reserved_zero(data: bytes, pos: int, end: int) -> tuple[int, int]:
    value, after = _read_byte(data, pos, end)
    if value != 0:
        raise WasmFormatError(f"expected a zero byte at offset {pos}")
    return value, after


def _read_shuffle(data: bytes, pos: int, end: int) -> tuple[tuple[int, ...], int]:
    lanes, pos = _read_16_bytes(data, pos, end)
    return tuple(lanes), pos


_INDEX_OPERANDS = {
    Op.LABEL, Op.FUNC, Op.TYPE, Op.LOCAL, Op.GLOBAL, Op.TABLE, Op.MEMORY, Op.TAG, Op.DATA, Op.ELEM,
    Op.FIELD, Op.COUNT,
}  # fmt: skip

_READERS: dict[Operand, Callable[[bytes, int, int], tuple[Any, int]]] = {
    **{operand: _read_u32 for operand in _INDEX_OPERANDS},
    Op.LABELS: _read_labels,
    Op.BLOCK_TYPE: _read_block_type,
    Op.MEMARG: _read_memarg,
    Op.LANE: _read_byte,
    Op.I32: _read_i32,
    Op.I64: _read_i64,
    Op.F32: _read_f32,
    Op.F64: _read_f64,
    Op.V128: _read_16_bytes,
    Op.SHUFFLE: _read_shuffle,
    Op.VALTYPES: _read_valtypes,
    Op.HEAP: _read_heap_type,
    Op.REF: _read_heap_type,
    Op.NULLABLE_REF: _read_heap_type,
    Op.CAST_FLAGS: _read_byte,
    Op.CATCHES: _read_catches,
    Op.RESERVED_ZERO: _read_reserved_zero,
}
assert set(_READERS) == set(Operand), "every operand kind needs a reader"

# Per opcode, the readers of its operands, resolved once (the decoder's hot path).
_SINGLE_READERS = [tuple(_READERS[operand] for operand in info.operands) if info else () for info in _SINGLE]
_PREFIXED_READERS = {
    prefix: {sub: tuple(_READERS[operand] for operand in info.operands) for sub, info in table.items()}
    for prefix, table in _PREFIXED.items()
}

# The shapes of the most frequent instructions, which the decoder reads inline (its hot path):
# a single-byte opcode alone, or with one index, one i32 constant or a memarg, each of whose
# LEB128 numbers fits in one byte.
_BARE, _INDEX, _SMALL_I32, _MEMARG = range(4)


def _fast_shape(info: OpcodeInfo | None) -> tuple[int, str] | None:
    if info is None or info is _PREFIX_MARK:
        return None
    if not info.operands:
        return _BARE, info.mnemonic
    if len(info.operands) == 1:
        operand = info.operands[0]
        if operand in _INDEX_OPERANDS:
            return _INDEX, info.mnemonic
        if operand == Op.I32:
            return _SMALL_I32, info.mnemonic
        if operand == Op.MEMARG:
            return _MEMARG, info.mnemonic
    return None


_FAST_SHAPES = [_fast_shape(info) for info in _SINGLE]


# --- Decoding --------------------------------------------------------------------------


def _check_range(data: bytes, start: int, end: int) -> None:
    if not 0 <= start <= end <= len(data):
        raise WasmFormatError(f"range {start}..{end} is outside the module's {len(data)} bytes")


def decode_one(data: bytes, pc: int, end: int) -> Instruction:
    """The instruction at ``pc``, which must lie wholly before ``end``."""
    if pc >= end:
        raise _truncated(pc)
    code = data[pc]
    info = _SINGLE[code]
    if info is _PREFIX_MARK:
        sub, pos = _read_uleb(data, pc + 1, end)
        info = _PREFIXED[code].get(sub)
        if info is None:
            raise WasmFormatError(f"unknown opcode 0x{code:02x} {sub} at offset {pc}")
        opcode: Opcode = (code, sub)
        readers = _PREFIXED_READERS[code][sub]
    else:
        if info is None:
            raise WasmFormatError(f"unknown opcode 0x{code:02x} at offset {pc}")
        opcode = code
        pos = pc + 1
        readers = _SINGLE_READERS[code]
    values = []
    for read in readers:
        value, pos = read(data, pos, end)
        values.append(value)
    return Instruction(pc, pos - pc, opcode, info.mnemonic, tuple(values))


def decode(data: bytes, start: int, end: int) -> Iterator[Instruction]:
    """The instructions in ``data[start:end]``; raises WasmFormatError at malformed bytes."""
    _check_range(data, start, end)
    shapes = _FAST_SHAPES
    pc = start
    while pc < end:
        code = data[pc]
        shape = shapes[code]
        instruction = None
        if shape is not None:
            kind, mnemonic = shape
            if kind == _BARE:
                instruction = Instruction(pc, 1, code, mnemonic)
            elif pc + 1 < end and (value := data[pc + 1]) < 0x80:
                if kind == _INDEX:
                    instruction = Instruction(pc, 2, code, mnemonic, (value,))
                elif kind == _SMALL_I32:
                    instruction = Instruction(pc, 2, code, mnemonic, (value - 0x80 if value & 0x40 else value,))
                elif value < 0x40 and pc + 2 < end and (offset := data[pc + 2]) < 0x80:
                    instruction = Instruction(pc, 3, code, mnemonic, (MemArg(value, offset),))
        if instruction is None:
            instruction = decode_one(data, pc, end)
        yield instruction
        pc += instruction.length


def decode_lenient(data: bytes, start: int, end: int) -> Iterator[Instruction]:
    """Like ``decode``, but a byte that does not start a valid instruction becomes a
    one-byte ``invalid`` instruction whose ``error`` says why, and decoding resumes after it."""
    _check_range(data, start, end)
    pc = start
    while pc < end:
        try:
            instruction = decode_one(data, pc, end)
        except WasmFormatError as error:
            instruction = Instruction(pc, 1, data[pc], MNEMONIC_INVALID, error=str(error))
        yield instruction
        pc += instruction.length


def instruction_starts(data: bytes, body: FunctionBody) -> tuple[int, ...]:
    """The PCs of every instruction in a function body, from its first to its final ``end``
    (cached per module and body)."""
    return _instruction_starts(bytes(data), body)


@lru_cache(maxsize=4096)
def _instruction_starts(data: bytes, body: FunctionBody) -> tuple[int, ...]:
    return tuple(instruction.pc for instruction in decode(data, body.locals_end, body.end))


def instruction_at(data: bytes, body: FunctionBody, pc: int) -> Instruction | None:
    """The instruction of ``body`` that contains ``pc``, or None if ``pc`` is not in its code."""
    if not body.locals_end <= pc < body.end:
        return None
    starts = instruction_starts(data, body)
    start = starts[bisect_right(starts, pc) - 1]
    return decode_one(data, start, body.end)
