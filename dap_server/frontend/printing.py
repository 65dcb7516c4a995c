"""Values as gdb prints them: whole structures, output formats, the value history and types.

The adapter's one-line summary of a value is short by design (it fits a Variables view); ``print``
shows the whole value, built from the value's children, as gdb does (up to ``ELEMENT_LIMIT``
elements per aggregate, then ``...``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dap_server.frontend.commands import CommandError

Message = dict[str, Any]
Request = Callable[[str, Message], Message]
ELEMENT_LIMIT = 200  # gdb's default "print elements"
DEPTH_LIMIT = 8
_HISTORY_REFERENCE = re.compile(r"\$(\$)?(\d*)(?![A-Za-z_])")
_INTEGER = re.compile(r"^-?(0x[0-9a-fA-F]+|\d+)$")
_C_AGGREGATE = re.compile(r"^\{.*\}$", re.S)


@dataclass(frozen=True)
class HistoryValue:
    text: str  # as printed
    type: str
    memory_reference: str | None
    scalar: str | None  # a literal that re-evaluates to the value (numbers, pointers), else None


class ValueHistory:
    """gdb's ``$1``, ``$2``, ...: the values printed so far, usable in later expressions."""

    def __init__(self) -> None:
        self.values: list[HistoryValue] = []

    def record(self, result: Message, text: str) -> int:
        first = result.get("result", "").split(" ")[0]
        scalar = first if _INTEGER.match(first) else None
        value = HistoryValue(text, result.get("type", ""), result.get("memoryReference"), scalar)
        self.values.append(value)
        return len(self.values)

    def substitute(self, expression: str) -> str:
        """``$``, ``$N``, ``$$`` and ``$$N`` replaced by expressions the adapter can evaluate.

        A number or pointer becomes a cast literal; an aggregate the object at its address.
        Wasm-level names (``$local0``, ``$global1``) are left alone.
        """
        return _HISTORY_REFERENCE.sub(self._replacement, expression)

    def _replacement(self, match: re.Match[str]) -> str:
        back, digits = match.group(1), match.group(2)
        if back:
            index = len(self.values) - 1 - (int(digits) if digits else 1)
        elif digits:
            index = int(digits) - 1
        else:
            index = len(self.values) - 1
        if not self.values and not digits:
            raise CommandError("The history is empty.")
        if not 0 <= index < len(self.values):
            raise CommandError(f"History has not yet reached ${index + 1}.")
        value = self.values[index]
        if value.scalar is not None:
            return f"(({value.type}){value.scalar})" if value.type else value.scalar
        if value.memory_reference and value.type:
            return f"(*({value.type} *){value.memory_reference})"
        raise CommandError(f"${index + 1} cannot be used in an expression: it is {value.text}")


class ValuePrinter:
    """Renders an evaluate/variables result in gdb's shapes, asking the adapter for children."""

    def __init__(self, request: Request) -> None:
        self._request = request

    def full(self, result: Message, format_letter: str = "") -> str:
        """The whole value: ``{name = "bread", quantity = 3, price = 2.25}``."""
        return self._render(result.get("result", result.get("value", "")), result, format_letter, DEPTH_LIMIT)

    def _render(self, text: str, value: Message, format_letter: str, depth: int) -> str:
        reference = value.get("variablesReference") or 0
        if not reference or not _C_AGGREGATE.match(text) or depth == 0:
            return text
        children = self._children(reference, format_letter)
        parts = []
        for child in children[:ELEMENT_LIMIT]:
            child_text = self._render(child.get("value", ""), child, format_letter, depth - 1)
            name = child.get("name", "")
            parts.append(child_text if name.startswith("[") else f"{name} = {child_text}")
        if len(children) > ELEMENT_LIMIT:
            parts.append("...")
        return "{" + ", ".join(parts) + "}"

    def _children(self, reference: int, format_letter: str) -> list[Message]:
        arguments: Message = {"variablesReference": reference}
        if format_letter == "x":
            arguments["format"] = {"hex": True}
        return self._request("variables", arguments).get("variables", [])

    def fields(self, result: Message) -> list[Message]:
        """The value's children (for ``ptype``), or none for a value without any."""
        reference = result.get("variablesReference") or 0
        return self._children(reference, "") if reference else []


def reformat_integer(text: str, size: int, format_letter: str) -> str:
    """An integer printed in gdb's ``/FMT``; anything else (a float, a string) as it was."""
    first = text.split(" ")[0]
    if not _INTEGER.match(first):
        return text
    value = int(first, 0)
    bits = max(size, 1) * 8
    unsigned = value & ((1 << bits) - 1)
    signed = unsigned - (1 << bits) if unsigned >> (bits - 1) else unsigned
    if format_letter == "x":
        return hex(unsigned)
    if format_letter == "z":
        return f"0x{unsigned:0{size * 2}x}"
    if format_letter == "o":
        return f"0{unsigned:o}" if unsigned else "0"
    if format_letter == "t":
        return f"{unsigned:b}"
    if format_letter == "d":
        return str(signed)
    if format_letter == "u":
        return str(unsigned)
    if format_letter == "c":
        char = chr(unsigned & 0xFF)
        shown = char if char.isprintable() and unsigned < 0x7F else f"\\{unsigned & 0xFF:03o}"
        return f"{signed} '{shown}'"
    if format_letter == "a":
        return hex(unsigned)
    return text


def type_definition(type_name: str, fields: list[Message]) -> str:
    """``ptype``'s shape: a structure's fields one per line, else just the type."""
    if not fields or fields[0].get("name", "").startswith("["):
        return f"type = {type_name}"
    base = type_name.rstrip("* ")
    pointers = type_name[len(base) :].replace(" ", "")
    lines = [f"type = {base} {{"]
    for item in fields:
        field_type = item.get("type", "?")
        name = item.get("name", "")
        array = re.match(r"^(?P<element>.*?)\s*(?P<bounds>(\[\d*\])+)$", field_type)
        if array:  # char [16] -> char name[16]
            lines.append(f"    {array['element']} {name}{array['bounds']};")
        elif field_type.endswith("*"):
            lines.append(f"    {field_type}{name};")
        else:
            lines.append(f"    {field_type} {name};")
    lines.append(f"}} {pointers}" if pointers else "}")
    return "\n".join(lines)
