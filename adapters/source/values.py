"""Rendering typed values into ``Variable`` trees, lazily, and changing scalars.

A ``ValueObject`` is a type plus a location in a paused frame. ``ValueRenderer``
turns one into a ``Variable`` with a one-line summary; its children are only
computed when the client expands it, through the integer references a
``ValueRegistry`` hands out (valid until the program resumes).
"""

from __future__ import annotations

import itertools
import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from adapters.source.formatters import FormatterError, Formatters
from adapters.source.formatters.text import STRING_LIMIT, char_literal, is_literal, quote
from adapters.source.formatters.views import (
    AliasView,
    FieldsView,
    MapView,
    SequenceView,
    TextView,
    View,
    WrapperView,
)
from adapters.source.locations import (
    LocationError,
    LocationUnavailable,
    OptimizedOut,
    is_writable,
    why_not_writable,
    write_location,
)
from adapters.source.model import UserError, Variable
from adapters.source.types import (
    ATE_UTF,
    LANG_CPP,
    LANG_RUST,
    POINTER_SIZE,
    ArrayType,
    BaseType,
    CompositeType,
    EnumType,
    FunctionType,
    PointerType,
    SubArrayType,
    Type,
    UnknownType,
    VoidType,
)
from adapters.source.value_object import NamedValue, ValueObject
from adapters.wasm.debuggee import DebuggeeError

SUMMARY_ELEMENTS = 10  # array elements shown in a one-line summary
SUMMARY_LENGTH = 160  # characters before a summary is cut with "..."
SUMMARY_DEPTH = 3  # nesting levels spelled out in a summary before "{...}"
STRING_CHUNK = 64


class AssignError(UserError, ValueError):
    """The text cannot be stored into that variable; the message says why."""


@dataclass(frozen=True)
class Format:
    hex: bool = False


class Children(Protocol):
    """What a reference expands to."""

    def variables(self, start: int, count: int | None, fmt: Format) -> list[Variable]: ...

    def assign(self, name: str, text: str, fmt: Format) -> Variable: ...


class ValueRegistry:
    """Integer references for expandable things; all forgotten at ``clear`` (on resume)."""

    def __init__(self) -> None:
        self._children: dict[int, Children] = {}
        self._next_reference = itertools.count(1)  # never reused, so a stale reference fails clearly

    def register(self, children: Children) -> int:
        reference = next(self._next_reference)
        self._children[reference] = children
        return reference

    def children(
        self, reference: int, start: int = 0, count: int | None = None, fmt: Format = Format()
    ) -> list[Variable]:
        return self._lookup(reference).variables(start, count, fmt)

    def assign(self, reference: int, name: str, text: str, fmt: Format = Format()) -> Variable:
        return self._lookup(reference).assign(name, text, fmt)

    def clear(self) -> None:
        self._children.clear()

    def _lookup(self, reference: int) -> Children:
        children = self._children.get(reference)
        if children is None:
            raise KeyError(f"unknown or expired variables reference {reference}")
        return children


class ValueChildren:
    """Children given as a function producing (lazily) the named child values."""

    def __init__(self, renderer: ValueRenderer, produce: Callable[[], Sequence[NamedValue]]) -> None:
        self._renderer = renderer
        self._produce = produce
        self._values: Sequence[NamedValue] | None = None

    def _all(self) -> Sequence[NamedValue]:
        if self._values is None:
            self._values = self._produce()
        return self._values

    def variables(self, start: int, count: int | None, fmt: Format) -> list[Variable]:
        chosen = self._all()[start : None if count is None else start + count]
        return [self._renderer.variable(v.name, v.value, fmt, v.evaluate_name) for v in chosen]

    def assign(self, name: str, text: str, fmt: Format) -> Variable:
        for named in self._all():
            if named.name == name:
                self._renderer.assign(named.value, text)
                return self._renderer.variable(named.name, named.value, fmt, named.evaluate_name)
        raise AssignError(f"no variable named {name!r} here")


class IndexedChildren:
    """Array-like children ``[i]`` computed per requested page only."""

    def __init__(self, renderer: ValueRenderer, count: int, element: Callable[[int], NamedValue]) -> None:
        self._renderer = renderer
        self._count = count
        self._element = element

    def variables(self, start: int, count: int | None, fmt: Format) -> list[Variable]:
        end = self._count if count is None else min(self._count, start + count)
        values = [self._element(i) for i in range(max(start, 0), end)]
        return [self._renderer.variable(v.name, v.value, fmt, v.evaluate_name) for v in values]

    def assign(self, name: str, text: str, fmt: Format) -> Variable:
        index = name.strip("[]")
        if not index.isdigit() or int(index) >= self._count:
            raise AssignError(f"no element {name} here")
        named = self._element(int(index))
        self._renderer.assign(named.value, text)
        return self._renderer.variable(named.name, named.value, fmt, named.evaluate_name)


def _hex_address(address: int) -> str:
    return f"{address:#x}"


def _member_path(parent: str | None, member: str, through_pointer: bool = False) -> str | None:
    if parent is None:
        return None
    return f"{parent}->{member}" if through_pointer else f"{parent}.{member}"


class ValueRenderer:
    """Builds ``Variable``s (and registers their children) for typed values."""

    def __init__(self, registry: ValueRegistry, formatters: Formatters | None = None) -> None:
        self.registry = registry
        self.formatters = formatters if formatters is not None else Formatters()

    # ------------------------------------------------------------- variables

    def variable(
        self, name: str, value: ValueObject, fmt: Format = Format(), evaluate_name: str | None = None
    ) -> Variable:
        try:
            return self._variable(name, value, fmt, evaluate_name)
        except Exception as error:  # noqa: BLE001 - damaged type DWARF, read lazily: show why
            shown = f"<cannot show: {type(error).__name__}: {error}>"
            return Variable(name=name, value=shown, evaluate_name=evaluate_name)

    def _variable(self, name: str, value: ValueObject, fmt: Format, evaluate_name: str | None) -> Variable:
        result = Variable(name=name, value="", type=value.type.name, evaluate_name=evaluate_name)
        if isinstance(value.location, OptimizedOut):
            result.value = "<optimized out>"
            return result
        if isinstance(value.location, LocationError):
            result.value = f"<{value.location.message}>"
            return result
        if value.address is not None:
            result.memory_reference = _hex_address(value.address)
        try:
            view = self._view(value, evaluate_name)  # made once: walking a big map twice is slow
            if view is not None:
                result.value = _cut(self._view_summary(view, fmt, 0))
                self._view_children(result, view, evaluate_name)
            else:
                result.value = self.summary(value, fmt, depth=0)
                self._add_children(result, value, evaluate_name)
        except (LocationUnavailable, DebuggeeError, FormatterError) as error:
            result.value = f"<{error}>"
            return result
        result.writable = is_writable(value.location, value.context) and _is_scalar(value.type.strip())
        return result

    def _add_children(self, result: Variable, value: ValueObject, path: str | None) -> None:
        stripped = value.type.strip()
        if isinstance(stripped, PointerType):
            self._pointer_children(result, value, stripped, path)
        elif isinstance(stripped, (ArrayType, SubArrayType)):
            count = stripped.count
            if count:
                element_type = stripped.element
                result.indexed_children = count
                result.reference = self.registry.register(
                    IndexedChildren(
                        self,
                        count,
                        lambda i: NamedValue(
                            f"[{i}]", value.element(element_type, i), f"{path}[{i}]" if path else None
                        ),
                    )
                )
        elif isinstance(stripped, CompositeType):
            view = self._view(value, path)
            if view is not None:
                self._view_children(result, view, path)
                return
            members = self._visible_members(value, stripped, path)
            if members:
                result.named_children = len(members)
                result.reference = self.registry.register(ValueChildren(self, lambda: members))

    def _visible_members(
        self, value: ValueObject, struct_type: CompositeType, path: str | None, arrow: bool = False
    ) -> list[NamedValue]:
        children = []
        for member in struct_type.members:
            if member.artificial and not member.is_base:
                continue
            name = member.name or f"<anonymous {member.type.strip().name}>"
            if member.is_base:
                name = member.type.name
            evaluate = None if member.is_base or member.name is None else _member_path(path, member.name, arrow)
            children.append(NamedValue(name, value.member(member), evaluate))
        for static in struct_type.static_members:  # after the instance's own, as gdb lists them
            evaluate = f"{struct_type.tag_name}::{static.name}" if struct_type.tag_name else None
            children.append(NamedValue(f"static {static.name}", value.at(static.address, static.type), evaluate))
        return children

    def _pointer_children(self, result: Variable, value: ValueObject, pointer: PointerType, path: str | None) -> None:
        target = pointer.target.strip()
        address = self._pointer_value(value, pointer)
        if isinstance(target, (VoidType, FunctionType, UnknownType)) or address == 0:
            return
        pointee = value.at(address, pointer.target)
        dynamic = self._most_derived(pointee)
        if dynamic is not None:  # members of the object's own class, reached through a cast
            pointee, target = value.at(address, dynamic), dynamic.strip()
            if path is not None:
                path = f"(*({dynamic.name} *)&{path})" if pointer.is_reference else f"(({dynamic.name} *){path})"
        if not pointer.is_reference and not _is_reference_like(pointer):
            result.memory_reference = _hex_address(address)
        if isinstance(target, CompositeType) and self._view(pointee, None) is None:
            members = self._visible_members(pointee, target, path, arrow=not pointer.is_reference)
            result.named_children = len(members)
            result.reference = self.registry.register(ValueChildren(self, lambda: members))
            return
        if pointer.is_reference or _is_reference_like(pointer):
            probe = Variable(name="", value="")
            self._add_children(probe, pointee, path)
            result.reference, result.named_children, result.indexed_children = (
                probe.reference,
                probe.named_children,
                probe.indexed_children,
            )
            return
        deref = NamedValue(f"*{result.name}", pointee, f"*{path}" if path else None)
        result.named_children = 1
        result.reference = self.registry.register(ValueChildren(self, lambda: [deref]))

    # --------------------------------------------------------------- summaries

    def summary(self, value: ValueObject, fmt: Format, depth: int = 0) -> str:
        return _cut(self._summary(value, fmt, depth))

    def _summary(self, value: ValueObject, fmt: Format, depth: int) -> str:
        if isinstance(value.location, OptimizedOut):
            return "<optimized out>"
        stripped = value.type.strip()
        if isinstance(stripped, BaseType):
            return _scalar_text(stripped, self._integer(value, stripped.is_signed, stripped), fmt)
        if isinstance(stripped, EnumType):
            return _enum_text(stripped, self._integer(value, stripped.is_signed, stripped), fmt)
        if isinstance(stripped, PointerType):
            return self._pointer_summary(value, stripped, fmt, depth)
        if isinstance(stripped, (ArrayType, SubArrayType)):
            return self._array_summary(value, stripped, fmt, depth)
        if isinstance(stripped, CompositeType):
            view = self._view(value, None)
            if view is not None:
                return self._view_summary(view, fmt, depth)
            if depth >= SUMMARY_DEPTH:
                return "{...}"
            parts = []
            for member in stripped.members:
                if member.artificial and not member.is_base:
                    continue
                inner = self._summary(value.member(member), fmt, depth + 1)
                parts.append(inner if member.is_base else f"{member.name or '<anonymous>'}={inner}")
                if sum(len(p) for p in parts) > SUMMARY_LENGTH:
                    parts.append("...")
                    break
            return "{" + ", ".join(parts) + "}"
        if isinstance(stripped, FunctionType) and value.address is not None:  # `print f`, as gdb shows it
            function = stripped.function_in_table(value.address)
            return f"{{{stripped.name}}} {_hex_address(value.address)}" + (f" <{function}>" if function else "")
        if isinstance(stripped, VoidType):
            return "void"
        if isinstance(stripped, UnknownType):
            return f"<cannot show a value of type {stripped.name}>"
        return "?"

    def _integer(self, value: ValueObject, signed: bool, base_type: Type) -> int:
        data = value.read()
        raw = int.from_bytes(data, "little")
        if value.bits is not None:
            offset, size = value.bits
            raw = (raw >> offset) & ((1 << size) - 1)
            return raw - (1 << size) if signed and raw >> (size - 1) else raw
        if signed and data and data[-1] & 0x80:
            raw -= 1 << (8 * len(data))
        return raw

    def _pointer_value(self, value: ValueObject, pointer: PointerType) -> int:
        return int.from_bytes(value.read(pointer.size), "little")

    def _pointer_summary(self, value: ValueObject, pointer: PointerType, fmt: Format, depth: int) -> str:
        address = self._pointer_value(value, pointer)
        target = pointer.target.strip()
        if pointer.is_reference or _is_reference_like(pointer):
            if address == 0:
                return "<null reference>"
            referred = value.at(address, pointer.target)
            return self._summary(value.at(address, self._most_derived(referred) or pointer.target), fmt, depth)
        if address == 0:
            return "0x0"
        dynamic = self._most_derived(value.at(address, pointer.target))
        if dynamic is not None:
            return f"({dynamic.name} *) {_hex_address(address)}"
        if _is_char(target):
            return f"{_hex_address(address)} {self._c_string(value, address)}"
        if isinstance(target, FunctionType) and (function := target.function_in_table(address)) is not None:
            return f"{_hex_address(address)} <{function}>"  # as gdb shows a function pointer
        return _hex_address(address)

    def _most_derived(self, pointee: ValueObject) -> Type | None:
        """The class of a polymorphic C++ object when it is not the static type, read from its
        vtable pointer (gdb's ``set print object on``); None otherwise or when unknown."""
        static = pointee.type.strip()
        if not isinstance(static, CompositeType) or static.language != LANG_CPP or not static.has_vtable_pointer:
            return None
        try:
            dynamic = static.dynamic_type(int.from_bytes(pointee.read(POINTER_SIZE), "little"))
        except (LocationUnavailable, DebuggeeError):
            return None  # a dangling pointer: shown as its address, as before
        if dynamic is None or dynamic.name == static.name:
            return None
        return dynamic

    def _c_string(self, value: ValueObject, address: int, limit: int = STRING_LIMIT) -> str:
        data = bytearray()
        try:
            while len(data) < limit:
                chunk = value.context.read_memory(address + len(data), STRING_CHUNK)
                end = chunk.find(b"\0")
                if end >= 0:
                    data += chunk[:end]
                    return quote(bytes(data))
                data += chunk
        except DebuggeeError:
            if not data:
                return "<cannot read string>"
        return quote(bytes(data[:limit])) + "..."

    def _array_summary(self, value: ValueObject, array: ArrayType | SubArrayType, fmt: Format, depth: int) -> str:
        element = array.element
        count = array.count
        if _is_char(element):
            data = value.read(count)
            # A C string up to its NUL; bytes that start with NUL are shown whole, escaped.
            text = data.split(b"\0", 1)[0]
            return quote(text if text else data.rstrip(b"\0"))
        if depth >= SUMMARY_DEPTH:
            return "{...}"
        shown = min(count, SUMMARY_ELEMENTS)
        if shown and element.size:
            value.read(shown * element.size)  # one read for the shown elements (bounds and cache)
        items = [self._summary(value.element(element, i), fmt, depth + 1) for i in range(shown)]
        if count > shown:
            items.append("...")
        if isinstance(array, ArrayType) and array.language == LANG_RUST:
            return "[" + ", ".join(items) + "]"
        return "{" + ", ".join(items) + "}"

    # ------------------------------------------------------- library views

    def _view(self, value: ValueObject, path: str | None) -> View | None:
        if isinstance(value.location, OptimizedOut) or not isinstance(value.type.strip(), CompositeType):
            return None
        return self.formatters.view(value, path)

    def _view_summary(self, view: View, fmt: Format, depth: int) -> str:
        if isinstance(view, TextView):
            return view.text
        if isinstance(view, AliasView):
            return self._summary(view.value, fmt, depth) if view.value is not None else view.text
        if isinstance(view, WrapperView):
            note = f" ({view.note})" if view.note else ""
            if view.target is None:
                return view.empty + note
            return self._summary(view.target, fmt, depth) + note
        if isinstance(view, SequenceView):
            shown = min(view.count, SUMMARY_ELEMENTS)
            items = [self._summary(view.element(i).value, fmt, depth + 1) for i in range(shown)]
            if view.count > shown:
                items.append("...")
            return f"({view.count}) {view.prefix}{view.brackets[0]}{', '.join(items)}{view.brackets[1]}"
        if isinstance(view, MapView):
            shown = min(view.count, SUMMARY_ELEMENTS)
            items = []
            for i in range(shown):
                key, mapped = view.entry(i)
                key_text, mapped_text = self._summary(key, fmt, depth + 1), self._summary(mapped.value, fmt, depth + 1)
                items.append(f"{key_text}{view.separator}{mapped_text}")
            if view.count > shown:
                items.append("...")
            return f"({view.count}) {{{', '.join(items)}}}"
        return self._fields_summary(view, fmt, depth)

    def _fields_summary(self, view: FieldsView, fmt: Format, depth: int) -> str:
        note = f" ({view.note})" if view.note else ""
        if not view.fields:
            return (view.label or "()") + note
        if depth >= SUMMARY_DEPTH:
            return f"{view.label} {{...}}".strip() + note
        inner = [self._summary(field.value, fmt, depth + 1) for field in view.fields]
        if view.positional:
            return f"{view.label}({', '.join(inner)})" + note
        pairs = ", ".join(f"{field.name}: {text}" for field, text in zip(view.fields, inner, strict=True))
        return f"{view.label} {{ {pairs} }}".strip() + note

    def _view_children(self, result: Variable, view: View, path: str | None) -> None:
        if isinstance(view, AliasView) and view.value is not None:
            self._add_children(result, view.value, path)
        elif isinstance(view, SequenceView) and view.count:
            result.indexed_children = view.count
            result.reference = self.registry.register(IndexedChildren(self, view.count, view.element))
        elif isinstance(view, MapView) and view.count:
            result.indexed_children = view.count
            result.reference = self.registry.register(IndexedChildren(self, view.count, self._map_entry(view, path)))
        elif isinstance(view, FieldsView) and view.fields:
            fields = list(view.fields)
            result.named_children = len(fields)
            result.reference = self.registry.register(ValueChildren(self, lambda: fields))
        elif isinstance(view, WrapperView):
            self._wrapper_children(result, view)

    def _map_entry(self, view: MapView, path: str | None) -> Callable[[int], NamedValue]:
        """Entries as children named by their key (``["apple"]``); a key written as a literal
        gives the entry an evaluate name (``stock["apple"]``)."""

        def entry(i: int) -> NamedValue:
            key, mapped = view.entry(i)
            key_text = self.summary(key, Format())
            if not view.unique_keys:
                return NamedValue(f"[{i}] {key_text}", mapped.value)
            evaluate = f"{path}[{key_text}]" if path is not None and is_literal(key_text) else None
            return NamedValue(f"[{key_text}]", mapped.value, evaluate)

        return entry

    def _wrapper_children(self, result: Variable, view: WrapperView) -> None:
        """A smart pointer without extras expands to what it points at (C++ members with
        ``p->x``); with extras (counts, borrow state) to ``value`` and the extras."""
        target, path = view.target, view.target_path
        if target is None:
            children = list(view.extras)
        elif not view.extras:
            stripped = target.type.strip()
            if view.arrow and isinstance(stripped, CompositeType) and self._view(target, None) is None:
                arrow_path = path[1:] if path and path.startswith("*") else None
                members = self._visible_members(target, stripped, arrow_path, arrow=True)
                result.named_children = len(members)
                result.reference = self.registry.register(ValueChildren(self, lambda: members))
                return
            self._add_children(result, target, f"({path})" if path else None)
            return
        else:
            children = [NamedValue("value", target, f"({path})" if path else None), *view.extras]
        if children:
            result.named_children = len(children)
            result.reference = self.registry.register(ValueChildren(self, lambda: children))

    # ------------------------------------------------------------------ writes

    def assign(self, value: ValueObject, text: str) -> None:
        """Parse ``text`` for the value's type and store it; raises AssignError."""
        stripped = value.type.strip()
        if not _is_scalar(stripped):
            raise AssignError(f"cannot assign to a value of type {value.type.name}")
        reason = why_not_writable(value.location, value.context)
        if reason is not None:
            raise AssignError(reason)
        size = stripped.size
        if isinstance(stripped, BaseType) and stripped.is_float:
            data = _encode_float(_parse_float(text), size)
        else:
            number = _parse_scalar(text.strip(), stripped)
            bits = value.bits[1] if value.bits is not None else size * 8
            signed = isinstance(stripped, (BaseType, EnumType)) and stripped.is_signed
            low = -(1 << (bits - 1)) if signed else 0
            high = (1 << (bits - 1 if signed else bits)) - 1
            if not low <= number <= high and not (signed and 0 <= number < (1 << bits)):
                raise AssignError(f"{number} does not fit in {value.type.name}")
            number &= (1 << bits) - 1
            if value.bits is not None:
                offset, width = value.bits
                storage = int.from_bytes(value.read(), "little")
                storage = storage & ~(((1 << width) - 1) << offset) | (number << offset)
                data = storage.to_bytes(len(value.read()), "little")
            else:
                data = number.to_bytes(size, "little")
        try:
            write_location(value.location, data, value.context)
        except (LocationUnavailable, DebuggeeError) as error:
            raise AssignError(str(error)) from error


# ------------------------------------------------------------------ helpers


def _cut(summary: str) -> str:
    return summary if len(summary) <= SUMMARY_LENGTH else summary[: SUMMARY_LENGTH - 3] + "..."


def _is_char(value_type: Type) -> bool:
    stripped = value_type.strip()
    return isinstance(stripped, BaseType) and stripped.is_char and stripped.size == 1


def _is_scalar(value_type: Type) -> bool:
    if isinstance(value_type, PointerType):
        return not value_type.is_reference and not _is_reference_like(value_type)
    return isinstance(value_type, (BaseType, EnumType))


def _is_reference_like(pointer: PointerType) -> bool:
    """Rust's ``&T``/``&mut T`` and ``Box<T>`` behave like C++ references when shown."""
    if pointer.language != LANG_RUST:
        return False
    name = pointer.name
    return name.startswith(("&", "alloc::boxed::Box<"))


def format_float(value: float, size: int = 8) -> str:
    """The shortest text that reads back as the same float of ``size`` bytes; a whole
    number without ``.0``, as gdb and LLDB print it."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if size == 4:
        for digits in range(1, 10):
            text = f"{value:.{digits}g}"
            if struct.unpack("<f", struct.pack("<f", float(text)))[0] == value:
                return text
    text = repr(value)
    return text.removesuffix(".0")


def _scalar_text(base: BaseType, number: int, fmt: Format) -> str:
    if base.is_bool:
        return "true" if number == 1 else "false" if number == 0 else str(number)
    if base.is_float:
        raw = number & ((1 << (8 * base.size)) - 1)
        if base.size == 4:
            return format_float(struct.unpack("<f", raw.to_bytes(4, "little"))[0], 4)
        if base.size == 8:
            return format_float(struct.unpack("<d", raw.to_bytes(8, "little"))[0], 8)
        return f"<{base.size}-byte float>"
    numeric = _hex(number, base.size) if fmt.hex else str(number)
    if base.encoding == ATE_UTF:
        return char_literal(number, wide=True)
    if base.is_char:
        return f"{numeric} {char_literal(number & 0xFF)}"
    return numeric


def _hex(number: int, size: int) -> str:
    return f"{number & ((1 << (8 * size)) - 1):#x}" if size else hex(number)


def _enum_text(enum: EnumType, number: int, fmt: Format) -> str:
    for enumerator in enum.enumerators:
        if enumerator.value == number:
            return enumerator.name
    numeric = _hex(number, enum.size) if fmt.hex else str(number)
    if enum.is_flags and number > 0:
        names = []
        rest = number
        for enumerator in enum.enumerators:
            if enumerator.value and rest & enumerator.value == enumerator.value:
                names.append(enumerator.name)
                rest &= ~enumerator.value
        if names:
            if rest:
                names.append(_hex(rest, enum.size))
            return f"{numeric} ({' | '.join(names)})"
    return numeric


def _parse_integer(text: str) -> int | None:
    """Decimal, ``0x``/``0o``/``0b`` prefixed, with an optional sign and ``_`` separators."""
    for base in (0, 10):  # base 10 again for leading zeros ("007"), which base 0 refuses
        try:
            return int(text, base)
        except ValueError:
            continue
    return None


_CHAR_ESCAPES = {"n": 10, "t": 9, "r": 13, "0": 0, "\\": 92, "'": 39, '"': 34}


def _parse_char(text: str) -> int | None:
    if len(text) < 3 or text[0] != "'" or text[-1] != "'":
        return None
    body = text[1:-1]
    if len(body) == 1:
        return ord(body)
    if len(body) == 2 and body[0] == "\\" and body[1] in _CHAR_ESCAPES:
        return _CHAR_ESCAPES[body[1]]
    if body.startswith("\\x"):
        return _parse_integer("0x" + body[2:])
    return None


def _parse_scalar(text: str, target: Type) -> int:
    if isinstance(target, BaseType) and target.is_bool and text in ("true", "false"):
        return int(text == "true")
    if isinstance(target, EnumType):
        names = {e.name: e.value for e in target.enumerators}
        parts = [part.strip() for part in text.split("|")]
        if all(part in names for part in parts):
            combined = 0
            for part in parts:
                combined |= names[part]
            return combined
    number = _parse_char(text)
    if number is None:
        number = _parse_integer(text)
    if number is None:
        raise AssignError(f"{text!r} is not a valid value for {target.name}")
    return number


def _parse_float(text: str) -> float:
    cleaned = text.strip().rstrip("fF") if not text.strip().lower().startswith(("inf", "-inf", "nan")) else text.strip()
    try:
        return float(cleaned)
    except ValueError as error:
        raise AssignError(f"{text!r} is not a number") from error


def _encode_float(number: float, size: int) -> bytes:
    if size == 4:
        try:
            return struct.pack("<f", number)
        except OverflowError as error:
            raise AssignError(f"{number} does not fit in a float") from error
    if size == 8:
        return struct.pack("<d", number)
    raise AssignError(f"cannot store a {size}-byte float")
