"""How the console shows DAP data: stop locations, frames, breakpoints, values and memory, in gdb's shapes."""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import IO, Any

from dap_server.frontend.commands import Examine

Message = dict[str, Any]
_CODES = {"function": "33", "file": "32", "address": "34", "error": "31", "heading": "1", "dim": "2"}


@dataclass(frozen=True)
class Style:
    """ANSI colours, or plain text when ``enabled`` is false."""

    enabled: bool

    @classmethod
    def for_stream(cls, stream: IO[str]) -> Style:
        """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
        return cls(stream.isatty() and not os.environ.get("NO_COLOR"))

    def paint(self, role: str, text: str) -> str:
        return f"\x1b[{_CODES[role]}m{text}\x1b[0m" if self.enabled else text


def source_name(frame: Message) -> str | None:
    source = frame.get("source") or {}
    return source.get("name") or (os.path.basename(source["path"]) if source.get("path") else None)


def has_source(frame: Message) -> bool:
    """Whether the frame is in code with a source file (not disassembly the adapter made up)."""
    source = frame.get("source") or {}
    return bool(frame.get("line") and source.get("path") and not source.get("sourceReference"))


def frame_location(frame: Message, arguments: str | None, style: Style, with_address: bool = False) -> str:
    """``restock (item=0x10009b0, target=10) at inventory.c:53``, as gdb shows a frame.

    ``arguments`` is None where they are unknown; a frame without source is ``0x1000001d7 in _start ()``.
    """
    name = style.paint("function", frame.get("name", "??"))
    call = f"{name} ({arguments or ''})"
    address = frame.get("instructionPointerReference")
    if has_source(frame):
        place = f"{call} at {style.paint('file', source_name(frame) or '??')}:{frame['line']}"
        return f"{style.paint('address', address)} in {place}" if with_address and address else place
    return f"{style.paint('address', address)} in {call}" if address else call


def backtrace_line(index: int, frame: Message, arguments: str | None, style: Style) -> str:
    """``#0  restock (...) at inventory.c:53``; outer frames also show their PC, as gdb's do."""
    return f"#{index:<2} {frame_location(frame, arguments, style, with_address=index > 0)}"


def source_line(frame: Message, sources: SourceCache) -> str | None:
    """``37\\t    struct order *order = ...``: the frame's current line, when its file is readable."""
    if not has_source(frame):
        return None
    line = frame["line"]
    path = frame["source"]["path"]
    text = sources.line(path, line)
    return f"{line}\t{text}" if text is not None else f"{line}\tin {path}"


class SourceCache:
    """Source files read once, for showing lines."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str] | None] = {}

    def lines(self, path: str) -> list[str] | None:
        if path not in self._lines:
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    self._lines[path] = handle.read().splitlines()
            except OSError:
                self._lines[path] = None
        return self._lines[path]

    def line(self, path: str, number: int) -> str | None:
        lines = self.lines(path)
        return lines[number - 1] if lines is not None and 0 < number <= len(lines) else None


def variable_line(variable: Message) -> str:
    return f"{variable['name']} = {variable.get('value', '')}"


def breakpoint_set_line(kind: str, number: int, result: Message) -> str:
    """``Breakpoint 1 at 0x100003b3d: file inventory.c, line 53.`` (gdb's words for a resolved one)."""
    where = result.get("instructionReference")
    file_name = source_name(result) if result.get("source") else None
    line = result.get("line")
    if file_name and line:
        prefix = f"{kind} {number} at {where}: " if where else f"{kind} {number}: "
        return f"{prefix}file {file_name}, line {line}."
    return f"{kind} {number} at {where}" if where else f"{kind} {number}"


def memory_dump(address: int, data: bytes, examine: Examine, style: Style) -> list[str]:
    """``x``-style rows: an address, then up to 8 bytes (or 4 larger units) per row."""
    unit = examine.unit_size
    per_row = 8 if unit == 1 else 4 if unit < 8 else 2
    units = [data[offset : offset + unit] for offset in range(0, len(data) - unit + 1, unit)]
    rows = []
    for start in range(0, len(units), per_row):
        cells = [_format_unit(chunk, examine.format) for chunk in units[start : start + per_row]]
        row_address = style.paint("address", f"0x{address + start * unit:08x}")
        rows.append(f"{row_address}:\t" + "\t".join(cells))
    return rows


def c_string(data: bytes) -> str:
    """Bytes up to the first NUL as a C string literal, escaped as gdb does."""
    text = data.split(b"\0", 1)[0]
    escaped = []
    for byte in text:
        char = chr(byte)
        if char in '"\\':
            escaped.append("\\" + char)
        elif 0x20 <= byte < 0x7F:
            escaped.append(char)
        else:
            escaped.append({0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r"}.get(byte, f"\\{byte:03o}"))
    return '"' + "".join(escaped) + '"'


def _format_unit(chunk: bytes, format_letter: str) -> str:
    size = len(chunk)
    unsigned = int.from_bytes(chunk, "little")
    if format_letter in ("x", "a", "z"):
        return f"0x{unsigned:0{size * 2}x}"
    if format_letter == "d":
        return str(int.from_bytes(chunk, "little", signed=True))
    if format_letter == "u":
        return str(unsigned)
    if format_letter == "o":
        return f"0{unsigned:o}"
    if format_letter == "t":
        return f"{unsigned:0{size * 8}b}"
    if format_letter == "f" and size in (4, 8):
        return repr(struct.unpack("<f" if size == 4 else "<d", chunk)[0])
    return _char(chunk[0])  # "c" always reads single bytes


def _char(byte: int) -> str:
    text = chr(byte)
    printable = text.isprintable() and byte < 0x7F
    return f"{byte} '{text}'" if printable else f"{byte} '\\x{byte:02x}'"
