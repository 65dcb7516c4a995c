"""LEB128 integers, as Wasm binaries and DWARF encode them."""

from __future__ import annotations


class WasmFormatError(ValueError):
    """The bytes are not well-formed (a truncated or over-long integer, a bad module...)."""


def decode_unsigned(data: bytes, pos: int, end: int, max_bits: int = 64) -> tuple[int, int]:
    """(value, position after it) of the unsigned LEB128 at ``pos``; at most ``max_bits``."""
    result = shift = 0
    while True:
        if pos >= end:
            raise WasmFormatError(f"truncated integer at offset {pos}")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            if result >> max_bits:
                raise WasmFormatError(f"integer too large at offset {pos - 1}")
            return result, pos
        if shift >= max_bits:
            raise WasmFormatError(f"LEB128 integer too long at offset {pos - 1}")


def decode_signed(data: bytes, pos: int, end: int, bits: int = 64) -> tuple[int, int]:
    """(value, position after it) of the signed LEB128 at ``pos``; fits ``bits`` bits."""
    result = shift = 0
    while True:
        if pos >= end:
            raise WasmFormatError(f"truncated integer at offset {pos}")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            if byte & 0x40:
                result -= 1 << shift
            if not -(1 << (bits - 1)) <= result < 1 << (bits - 1):
                raise WasmFormatError(f"integer too large at offset {pos - 1}")
            return result, pos
        if shift >= bits:
            raise WasmFormatError(f"LEB128 integer too long at offset {pos - 1}")


def encode_unsigned(value: int) -> bytes:
    """The unsigned LEB128 encoding of ``value`` (shortest form)."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)
