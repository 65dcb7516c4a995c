"""Character data as source-language literals."""

from __future__ import annotations

import re

from adapters.source.frame_context import FrameContext

STRING_LIMIT = 512  # bytes of a string read for a summary

_LITERAL = re.compile(r"-?\d+|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)+'|true|false")
_ESCAPES = {0x22: '\\"', 0x5C: "\\\\", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x00: "\\0"}


def quote(data: bytes, rust: bool = False) -> str:
    """A double-quoted string; bytes that are not printable UTF-8 become escapes."""
    out = []
    for char in data.decode("utf-8", errors="surrogateescape"):
        code = ord(char)
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that is not valid UTF-8
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{{{code:x}}}" if rust else f"\\x{code:02x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def char_literal(code: int, wide: bool = False) -> str:
    """A C/Rust character literal; ``wide`` for UTF-32 code points (Rust ``char``)."""
    if code in _ESCAPES and code != 0x22:
        return "'" + _ESCAPES[code] + "'"
    if code == 0x27:
        return "'\\''"
    if 0x20 <= code < 0x7F or (wide and code > 0xA0 and not 0xD800 <= code < 0xE000 and code <= 0x10FFFF):
        return f"'{chr(code)}'"
    return f"'\\x{code & 0xFF:02x}'" if code < 0x100 else f"'\\u{{{code:x}}}'"


def decode_wide(data: bytes, width: int) -> str:
    """Characters of 2 (UTF-16) or 4 (UTF-32) bytes; what does not decode shows as U+FFFD."""
    return data[: len(data) - len(data) % width].decode("utf-16-le" if width == 2 else "utf-32-le", errors="replace")


def counted_string(context: FrameContext, address: int, length: int, rust: bool) -> str:
    """``length`` UTF-8 bytes at ``address`` as a quoted string (cut at ``STRING_LIMIT``)."""
    if length == 0:
        return '""'
    data = context.read_memory(address, min(length, STRING_LIMIT))
    return quote(data, rust=rust) + ("..." if length > STRING_LIMIT else "")


def is_literal(text: str) -> bool:
    """Whether a summary is also an expression that names the value: a number, string or char
    (a map entry's key, for the entry's evaluate name ``map[key]``)."""
    return bool(_LITERAL.fullmatch(text))
