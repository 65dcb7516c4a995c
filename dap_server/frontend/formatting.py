"""How the console shows DAP data: stop locations, frames, values and memory, optionally in colour."""

from __future__ import annotations

import os
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


def frame_location(frame: Message, style: Style) -> str:
    """``add_order at inventory.c:37``, or ``0x00000123 in __main_void`` for a frame without source."""
    name = style.paint("function", frame.get("name", "??"))
    file_name = source_name(frame)
    if file_name and frame.get("line"):
        return f"{name} at {style.paint('file', file_name)}:{frame['line']}"
    address = frame.get("instructionPointerReference")
    return f"{style.paint('address', address)} in {name}" if address else name


def backtrace_line(index: int, frame: Message, style: Style) -> str:
    return f"#{index:<2} {frame_location(frame, style)}"


def source_line(frame: Message, sources: SourceCache) -> str | None:
    """``37\\t    struct order *order = ...``: the frame's current line, when its file is readable."""
    line = frame.get("line")
    path = (frame.get("source") or {}).get("path")
    if not line or not path:
        return None
    text = sources.line(path, line)
    return f"{line}\t{text}" if text is not None else f"{line}\tin {path}"


class SourceCache:
    """Source files read once, for showing the current line."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str] | None] = {}

    def line(self, path: str, number: int) -> str | None:
        if path not in self._lines:
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    self._lines[path] = handle.read().splitlines()
            except OSError:
                self._lines[path] = None
        lines = self._lines[path]
        return lines[number - 1] if lines is not None and 0 < number <= len(lines) else None


def variable_line(variable: Message) -> str:
    return f"{variable['name']} = {variable.get('value', '')}"


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


def _format_unit(chunk: bytes, format_letter: str) -> str:
    size = len(chunk)
    unsigned = int.from_bytes(chunk, "little")
    if format_letter == "x":
        return f"0x{unsigned:0{size * 2}x}"
    if format_letter == "d":
        return str(int.from_bytes(chunk, "little", signed=True))
    if format_letter == "u":
        return str(unsigned)
    if format_letter == "o":
        return f"0{unsigned:o}"
    if format_letter == "t":
        return f"{unsigned:0{size * 8}b}"
    return _char(chunk[0])  # "c" always reads single bytes


def _char(byte: int) -> str:
    text = chr(byte)
    printable = text.isprintable() and byte < 0x7F
    return f"{byte} '{text}'" if printable else f"{byte} '\\x{byte:02x}'"
