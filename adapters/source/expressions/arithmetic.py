"""C's arithmetic rules on wasm32: promotions, usual arithmetic conversions, wrapping."""

from __future__ import annotations

import math
import struct

from adapters.source.expressions import c_types
from adapters.source.expressions.errors import ExpressionError
from adapters.source.expressions.interface import CType, TypeKind
from adapters.source.expressions.lexer import round_to_single

Number = int | float

INTEGER_KINDS = (TypeKind.INTEGER, TypeKind.BOOL, TypeKind.ENUM)
ARITHMETIC_KINDS = (*INTEGER_KINDS, TypeKind.FLOAT)
SCALAR_KINDS = (*ARITHMETIC_KINDS, TypeKind.POINTER)
_FLOAT_FORMATS = {4: "<f", 8: "<d"}


def is_integer(type_: CType) -> bool:
    return type_.kind in INTEGER_KINDS


def is_arithmetic(type_: CType) -> bool:
    return type_.kind in ARITHMETIC_KINDS


def is_scalar(type_: CType) -> bool:
    return type_.kind in SCALAR_KINDS


def promote(type_: CType) -> CType:
    """Integer promotion: anything narrower than int (bool, char, short, small enums) becomes int."""
    if type_.kind is TypeKind.INTEGER and type_.size >= 4:
        return type_
    if type_.kind in INTEGER_KINDS:
        return c_types.integer_type(type_.size, type_.signed or type_.size < 4)
    return type_


def common_type(left: CType, right: CType) -> CType:
    """The usual arithmetic conversions."""
    if left.kind is TypeKind.FLOAT or right.kind is TypeKind.FLOAT:
        floats = [t for t in (left, right) if t.kind is TypeKind.FLOAT]
        return max(floats, key=lambda t: t.size)
    left, right = promote(left), promote(right)
    if left.signed == right.signed:
        return left if left.size >= right.size else right
    unsigned, signed = (left, right) if not left.signed else (right, left)
    return unsigned if unsigned.size >= signed.size else signed


def wrap(value: int, size: int, signed: bool) -> int:
    bits = size * 8
    value &= (1 << bits) - 1
    if signed and value >> (bits - 1):
        value -= 1 << bits
    return value


def convert(value: Number, to: CType) -> Number:
    """``value`` converted to scalar type ``to`` as a C cast would."""
    if to.kind is TypeKind.FLOAT:
        return round_to_single(float(value)) if to.size == 4 else float(value)
    if to.kind is TypeKind.BOOL:
        return int(value != 0)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ExpressionError(f"cannot convert {value} to {to.name}")
        value = int(value)  # truncates toward zero
    if to.kind is TypeKind.POINTER:
        return wrap(value, to.size, False)
    return wrap(value, to.size, to.signed)


def decode(type_: CType, data: bytes) -> Number:
    if type_.kind is TypeKind.FLOAT:
        if type_.size not in _FLOAT_FORMATS:
            raise ExpressionError(f"cannot compute with a {type_.size * 8}-bit float ({type_.name})")
        return struct.unpack(_FLOAT_FORMATS[type_.size], data[: type_.size])[0]
    signed = type_.signed and type_.kind in (TypeKind.INTEGER, TypeKind.ENUM)
    value = int.from_bytes(data[: type_.size], "little", signed=signed)
    return int(value != 0) if type_.kind is TypeKind.BOOL else value


def encode(type_: CType, value: Number) -> bytes:
    value = convert(value, type_)
    if type_.kind is TypeKind.FLOAT:
        if type_.size not in _FLOAT_FORMATS:
            raise ExpressionError(f"cannot store a {type_.size * 8}-bit float ({type_.name})")
        return struct.pack(_FLOAT_FORMATS[type_.size], value)
    assert isinstance(value, int)
    return wrap(value, type_.size, False).to_bytes(type_.size, "little")


_LITERAL_RANKS = (
    (c_types.INT, c_types.UNSIGNED_INT),
    (c_types.LONG, c_types.UNSIGNED_LONG),
    (c_types.LONG_LONG, c_types.UNSIGNED_LONG_LONG),
)


def integer_literal_type(value: int, unsigned: bool, longs: int, decimal: bool) -> CType:
    """The type C gives an integer literal: the first of its candidates that holds it
    (decimal literals without a ``u`` suffix never become unsigned)."""
    for signed_type, unsigned_type in _LITERAL_RANKS[longs:]:
        candidates = ([] if unsigned else [signed_type]) + ([unsigned_type] if unsigned or not decimal else [])
        for candidate in candidates:
            if value < 1 << (candidate.size * 8 - candidate.signed):
                return candidate
    raise ExpressionError(f"integer literal {value} is too large")
