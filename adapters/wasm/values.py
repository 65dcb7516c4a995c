"""Typed Wasm values as frames, globals and the operand stack hold them."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Literal

WasmType = Literal["i32", "i64", "f32", "f64", "v128", "funcref", "externref", "exnref"]

_INT_BITS = {"i32": 32, "i64": 64}


@dataclass(frozen=True)
class WasmValue:
    """A Wasm value. ``bits`` is the raw unsigned bit pattern for numbers (floats
    included, so NaN payloads survive), the 16 bytes of a v128, or None for a ref."""

    type: WasmType
    bits: int | bytes | None

    @classmethod
    def i32(cls, value: int) -> WasmValue:
        return cls("i32", value & 0xFFFFFFFF)

    @classmethod
    def i64(cls, value: int) -> WasmValue:
        return cls("i64", value & 0xFFFFFFFFFFFFFFFF)

    @classmethod
    def f32(cls, value: float) -> WasmValue:
        return cls("f32", struct.unpack("<I", struct.pack("<f", value))[0])

    @classmethod
    def f64(cls, value: float) -> WasmValue:
        return cls("f64", struct.unpack("<Q", struct.pack("<d", value))[0])

    def unsigned(self) -> int:
        if self.type not in _INT_BITS:
            raise TypeError(f"a {self.type} value is not an integer")
        assert isinstance(self.bits, int)
        return self.bits

    def signed(self) -> int:
        bits = _INT_BITS.get(self.type, 0)
        value = self.unsigned()
        return value - (1 << bits) if value >> (bits - 1) else value

    def as_float(self) -> float:
        assert isinstance(self.bits, int)
        if self.type == "f32":
            return struct.unpack("<f", struct.pack("<I", self.bits))[0]
        if self.type == "f64":
            return struct.unpack("<d", struct.pack("<Q", self.bits))[0]
        raise TypeError(f"a {self.type} value is not a float")

    def as_python(self) -> int | float | bytes | None:
        """Signed int for i32/i64, float for f32/f64, bytes for v128, None for refs."""
        if self.type in _INT_BITS:
            return self.signed()
        if self.type in ("f32", "f64"):
            return self.as_float()
        return self.bits if isinstance(self.bits, bytes) else None

    def raw_bytes(self) -> bytes:
        """Little-endian bytes, as the value would be stored in linear memory."""
        if isinstance(self.bits, bytes):
            return self.bits
        size = {"i32": 4, "f32": 4, "i64": 8, "f64": 8}.get(self.type)
        if size is None or self.bits is None:
            raise TypeError(f"a {self.type} value has no byte representation")
        return self.bits.to_bytes(size, "little")

    def __str__(self) -> str:
        if self.type in _INT_BITS:
            return str(self.signed())
        if self.type in ("f32", "f64"):
            return repr(self.as_float())
        if self.type == "v128":
            assert isinstance(self.bits, bytes)
            return "0x" + self.bits[::-1].hex()
        return "null" if self.bits is None else f"{self.type}"
