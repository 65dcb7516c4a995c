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

from adapters.source.frame_context import FrameContext
from adapters.source.locations import (
    Location,
    LocationError,
    LocationUnavailable,
    MemoryLocation,
    OptimizedOut,
    is_writable,
    read_location,
    sub_location,
    why_not_writable,
    write_location,
)
from adapters.source.model import UserError, Variable
from adapters.source.types import (
    ATE_UTF,
    LANG_CPP,
    LANG_RUST,
    LANG_ZIG,
    ArrayType,
    BaseType,
    CompositeType,
    EnumType,
    FunctionType,
    Member,
    PointerType,
    SubArrayType,
    Type,
    UnknownType,
    Variant,
    VoidType,
)
from adapters.wasm.debuggee import DebuggeeError

SUMMARY_ELEMENTS = 10  # array elements shown in a one-line summary
SUMMARY_LENGTH = 160  # characters before a summary is cut with "..."
SUMMARY_DEPTH = 3  # nesting levels spelled out in a summary before "{...}"
STRING_LIMIT = 512  # bytes of a C string read for a summary
STRING_CHUNK = 64
SEQUENCE_LIMIT = 100_000  # elements of a Vec/slice offered as children
_STRING_KINDS = ("str", "String", "zig-string", "std::string")  # view kinds shown as text


class AssignError(UserError, ValueError):
    """The text cannot be stored into that variable; the message says why."""


@dataclass(frozen=True)
class Format:
    hex: bool = False


@dataclass(frozen=True)
class ValueObject:
    """A value of ``type`` at ``location``; ``bits`` = (bit offset, bit size) for bitfields."""

    type: Type
    location: Location
    context: FrameContext
    bits: tuple[int, int] | None = None

    def read(self, size: int | None = None) -> bytes:
        if self.bits is not None:
            return read_location(self.location, (self.bits[0] + self.bits[1] + 7) // 8, self.context)
        return read_location(self.location, self.type.size if size is None else size, self.context)

    @property
    def address(self) -> int | None:
        return self.location.address if isinstance(self.location, MemoryLocation) else None

    def member(self, member: Member) -> ValueObject:
        size = member.type.size
        if member.bit_size is not None:
            size = (member.bit_offset + member.bit_size + 7) // 8
        location = sub_location(self.location, member.offset, size, self.context)
        bits = (member.bit_offset, member.bit_size) if member.bit_size is not None else None
        return ValueObject(member.type, location, self.context, bits)

    def element(self, element_type: Type, index: int) -> ValueObject:
        size = element_type.size
        return ValueObject(element_type, sub_location(self.location, index * size, size, self.context), self.context)

    def at(self, address: int, value_type: Type) -> ValueObject:
        """A value of ``value_type`` at ``address`` in the same frame's memory."""
        return ValueObject(value_type, MemoryLocation(address), self.context)


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


@dataclass(frozen=True)
class NamedValue:
    name: str
    value: ValueObject
    evaluate_name: str | None = None


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

    def __init__(self, registry: ValueRegistry) -> None:
        self.registry = registry

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
            result.value = self.summary(value, fmt, depth=0)
            self._add_children(result, value, evaluate_name)
        except (LocationUnavailable, DebuggeeError) as error:
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
            view = self._view(value, stripped, path)
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
        if not pointer.is_reference and not _is_reference_like(pointer):
            result.memory_reference = _hex_address(address)
        if isinstance(target, CompositeType) and view_kind(target) is None:
            members = self._visible_members(pointee, target, path, arrow=not pointer.is_reference)
            result.named_children = len(members)
            result.reference = self.registry.register(ValueChildren(self, lambda: members))
            return
        if pointer.is_reference or _is_reference_like(pointer):
            probe = Variable(name="", value="")
            self._add_children(probe, pointee, path)
            result.reference, result.named_children, result.indexed_children = (
                probe.reference, probe.named_children, probe.indexed_children)
            return
        deref = NamedValue(f"*{result.name}", pointee, f"*{path}" if path else None)
        result.named_children = 1
        result.reference = self.registry.register(ValueChildren(self, lambda: [deref]))

    # --------------------------------------------------------------- summaries

    def summary(self, value: ValueObject, fmt: Format, depth: int = 0) -> str:
        text = self._summary(value, fmt, depth)
        return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 3] + "..."

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
            view = self._view(value, stripped, None)
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
            return self._summary(value.at(address, pointer.target), fmt, depth)
        if address == 0:
            return "0x0"
        if _is_char(target):
            return f"{_hex_address(address)} {self._c_string(value, address)}"
        if isinstance(target, FunctionType) and (function := target.function_in_table(address)) is not None:
            return f"{_hex_address(address)} <{function}>"  # as gdb shows a function pointer
        return _hex_address(address)

    def _c_string(self, value: ValueObject, address: int, limit: int = STRING_LIMIT) -> str:
        data = bytearray()
        try:
            while len(data) < limit:
                chunk = value.context.read_memory(address + len(data), STRING_CHUNK)
                end = chunk.find(b"\0")
                if end >= 0:
                    data += chunk[:end]
                    return _quote(bytes(data))
                data += chunk
        except DebuggeeError:
            if not data:
                return "<cannot read string>"
        return _quote(bytes(data[:limit])) + "..."

    def _array_summary(self, value: ValueObject, array: ArrayType | SubArrayType, fmt: Format, depth: int) -> str:
        element = array.element
        count = array.count
        if _is_char(element):
            data = value.read(count)
            # A C string up to its NUL; bytes that start with NUL are shown whole, escaped.
            text = data.split(b"\0", 1)[0]
            return _quote(text if text else data.rstrip(b"\0"))
        if depth >= SUMMARY_DEPTH:
            return "{...}"
        shown = min(count, SUMMARY_ELEMENTS)
        if shown and element.size:
            value.read(shown * element.size)  # one read for the shown elements (bounds and cache)
        items = [self._summary(value.element(element, i), fmt, depth + 1) for i in range(shown)]
        if count > shown:
            items.append("...")
        return "{" + ", ".join(items) + "}"

    # ------------------------------------------------------- language views

    def _view(self, value: ValueObject, composite: CompositeType, path: str | None) -> View | None:
        """How a language shows this composite, when not as its raw members."""
        kind = view_kind(composite)
        if kind is None:
            return None
        if kind in ("str", "String"):
            address, length = _buffer(value, composite)
            return TextView(self._counted_string(value, address, length, rust=True))
        if kind == "zig-string":
            address, length = _buffer(value, composite)
            return TextView(self._counted_string(value, address, length, rust=False))
        if kind == "std::string":
            return TextView(self._libcxx_string(value, composite))
        if kind == "dyn":
            return self._trait_object(value, composite)
        if kind in ("Vec", "slice", "zig-slice", "std::vector"):
            return self._sequence(value, composite, kind, path)
        if kind == "variant":
            return self._rust_variant(value, composite)
        if kind == "tuple":
            return FieldsView("", tuple(self._fields(value, composite.members, path)), positional=True)
        if kind == "zig-optional":
            present = self._integer(value.member(_member(composite, "some")), False, composite) != 0
            return AliasView(value.member(_member(composite, "payload")) if present else None, "null")
        # A Zig error union shows its error when it holds one, else its payload.
        error = value.member(_member(composite, "error"))
        chosen = error if self._integer(error, False, composite) != 0 else value.member(_member(composite, "payload"))
        return AliasView(chosen, "")

    def string_equals(self, value: ValueObject, literal: bytes) -> bool | None:
        """Whether a string object (Rust ``&str``/``String``, Zig byte slice, ``std::string``)
        holds exactly ``literal``; None if ``value`` is not one. Raises LocationUnavailable."""
        composite = value.type.strip()
        if not isinstance(composite, CompositeType) or view_kind(composite) not in _STRING_KINDS:
            return None
        view = self._view(value, composite, None)
        assert isinstance(view, TextView)
        if view.text.endswith("..."):
            raise LocationUnavailable(f"the string is longer than the {STRING_LIMIT} bytes the debugger reads")
        return view.text == _quote(literal, rust=composite.language == LANG_RUST)

    def _counted_string(self, value: ValueObject, address: int, length: int, rust: bool) -> str:
        if length == 0:
            return '""'
        data = value.context.read_memory(address, min(length, STRING_LIMIT))
        return _quote(data, rust=rust) + ("..." if length > STRING_LIMIT else "")

    def _trait_object(self, value: ValueObject, composite: CompositeType) -> AliasView | None:
        """A Rust trait object shows the value behind it, of the type its vtable belongs to
        (None, so its raw pointer and vtable, when that type is not described)."""
        data, vtable = (value.member(_member(composite, name)) for name in ("pointer", "vtable"))
        implementer = composite.trait_object_implementer(int.from_bytes(vtable.read(), "little"))
        if implementer is None:
            return None
        return AliasView(value.at(int.from_bytes(data.read(), "little"), implementer), "")

    def _libcxx_string(self, value: ValueObject, composite: CompositeType) -> str:
        """A libc++ ``std::basic_string``: its characters sit in the object while short, else behind
        ``__l.__data_``; bit ``__is_long_``, shared by both forms, says which."""
        rep = _nested_member(value, composite, "__rep_")
        short, long = (_nested_member(rep, _composite(rep), form) for form in ("__s", "__l"))
        if self._integer(_nested_member(short, _composite(short), "__is_long_"), False, composite):
            length = self._integer(_nested_member(long, _composite(long), "__size_"), False, composite)
            data = _nested_member(long, _composite(long), "__data_")
            pointer = data.type.strip()
            assert isinstance(pointer, PointerType)
            element = pointer.target
            characters = data.at(self._pointer_value(data, pointer), element)
        else:
            length = self._integer(_nested_member(short, _composite(short), "__size_"), False, composite)
            characters = _nested_member(short, _composite(short), "__data_")
            array = characters.type.strip()
            assert isinstance(array, ArrayType)
            element = array.element
        width = max(element.size, 1)
        shown = min(length, STRING_LIMIT // width)
        data = characters.read(shown * width) if shown else b""
        text = _quote(data) if width == 1 else _quote(_decode_wide(data, width).encode(), rust=False)
        character = element.strip()
        kind = character.base if isinstance(character, BaseType) else ""
        prefix = {"wchar_t": "L", "char16_t": "u", "char32_t": "U"}.get(kind, "")
        return prefix + text + ("..." if length > shown else "")

    def _sequence(self, value: ValueObject, composite: CompositeType, kind: str, path: str | None) -> SequenceView:
        if kind == "std::vector":
            begin, end = (value.member(_member(composite, name)) for name in ("__begin_", "__end_"))
            pointer = _member(composite, "__begin_").type.strip()
            assert isinstance(pointer, PointerType)
            address = self._pointer_value(begin, pointer)
            size = pointer.target.size
            count = (self._pointer_value(end, pointer) - address) // size if size else 0
        else:
            address, count = _buffer(value, composite)
            pointer = _find_pointer(value, composite)[1]
        count = max(0, min(count, SEQUENCE_LIMIT))
        element = pointer.target
        base = value.at(address, element)
        prefix, brackets = {"Vec": ("vec!", "[]"), "slice": ("&", "[]")}.get(kind, ("", "{}"))
        return SequenceView(
            prefix,
            brackets,
            count,
            lambda i: NamedValue(f"[{i}]", base.element(element, i), f"{path}[{i}]" if path else None),
        )

    def _fields(self, value: ValueObject, members: Sequence[Member], path: str | None) -> list[NamedValue]:
        """Named children; Rust's positional fields ``__0``, ``__1`` are shown as ``0``, ``1``."""
        return [
            NamedValue(
                (m.name or "?").removeprefix("__") if _is_positional(m) else m.name or "?",
                value.member(m),
                _member_path(path, m.name) if m.name else None,
            )
            for m in members
            if not m.artificial
        ]

    def _rust_variant(self, value: ValueObject, composite: CompositeType) -> View:
        part = composite.variant_part
        assert part is not None
        chosen: Variant | None = None
        if part.discriminant is None:
            chosen = part.variants[0] if len(part.variants) == 1 else None
        else:
            discriminant = part.discriminant
            raw = self._integer(value.member(discriminant), False, discriminant.type)
            mask = (1 << (8 * discriminant.type.size)) - 1
            default = next((v for v in part.variants if v.value is None), None)
            chosen = next((v for v in part.variants if v.value is not None and v.value & mask == raw), default)
        variant_type = chosen.member.type.strip() if chosen is not None else None
        if chosen is None or not isinstance(variant_type, CompositeType):
            return TextView("<unknown variant>")
        name = variant_type.tag_name.rsplit("::", 1)[-1] if variant_type.tag_name else "?"
        variant_value = value.member(chosen.member)
        fields = [m for m in variant_type.members if not m.artificial]
        positional = all(_is_positional(m) for m in fields)
        return FieldsView(name, tuple(self._fields(variant_value, fields, None)), positional)

    def _view_summary(self, view: View, fmt: Format, depth: int) -> str:
        if isinstance(view, TextView):
            return view.text
        if isinstance(view, AliasView):
            return self._summary(view.value, fmt, depth) if view.value is not None else view.text
        if isinstance(view, SequenceView):
            shown = min(view.count, SUMMARY_ELEMENTS)
            items = [self._summary(view.element(i).value, fmt, depth + 1) for i in range(shown)]
            if view.count > shown:
                items.append("...")
            return f"({view.count}) {view.prefix}{view.brackets[0]}{', '.join(items)}{view.brackets[1]}"
        inner = [self._summary(field.value, fmt, depth + 1) for field in view.fields]
        if view.positional:
            return f"{view.label}({', '.join(inner)})" if inner or not view.label else view.label
        if not inner:
            return view.label
        pairs = ", ".join(f"{field.name}: {text}" for field, text in zip(view.fields, inner, strict=True))
        return f"{view.label} {{{pairs}}}"

    def _view_children(self, result: Variable, view: View, path: str | None) -> None:
        if isinstance(view, AliasView) and view.value is not None:
            self._add_children(result, view.value, path)
        elif isinstance(view, SequenceView) and view.count:
            result.indexed_children = view.count
            result.reference = self.registry.register(IndexedChildren(self, view.count, view.element))
        elif isinstance(view, FieldsView) and view.fields:
            fields = list(view.fields)
            result.named_children = len(fields)
            result.reference = self.registry.register(ValueChildren(self, lambda: fields))

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


@dataclass(frozen=True)
class TextView:
    """Shown as this text, without children (strings)."""

    text: str


@dataclass(frozen=True)
class SequenceView:
    """``count`` elements behind a pointer: Rust ``Vec``/slices, Zig slices, ``std::vector``."""

    prefix: str
    brackets: str
    count: int
    element: Callable[[int], NamedValue]


@dataclass(frozen=True)
class AliasView:
    """Shown as another value (a Zig optional's or error union's payload), or ``text`` if none."""

    value: ValueObject | None
    text: str


@dataclass(frozen=True)
class FieldsView:
    """Chosen fields under a label: a Rust enum variant (``Some(3)``) or tuple (``(1, 2)``)."""

    label: str
    fields: tuple[NamedValue, ...]
    positional: bool


View = TextView | SequenceView | AliasView | FieldsView


def view_kind(composite: CompositeType) -> str | None:
    """Which language view applies to a composite type, judged by its name and members."""
    name = composite.tag_name or ""
    names = {member.name for member in composite.members}
    if composite.language == LANG_RUST:
        if name in ("&str", "&mut str"):
            return "str"
        if name.startswith(("&[", "&mut [")):
            return "slice"
        if name == "alloc::string::String":
            return "String"
        if name.startswith("alloc::vec::Vec<"):
            return "Vec"
        if "dyn " in name and names == {"pointer", "vtable"}:
            return "dyn"
        if composite.variant_part is not None:
            return "variant"
        if name.startswith("(") and composite.members and all(_is_positional(m) for m in composite.members):
            return "tuple"
    elif composite.language == LANG_ZIG:
        if name.startswith("[") and names == {"ptr", "len"}:
            pointer = _member(composite, "ptr").type.strip()
            return "zig-string" if isinstance(pointer, PointerType) and _is_byte(pointer.target) else "zig-slice"
        if name.startswith("?") and names == {"payload", "some"}:
            return "zig-optional"
        if "!" in name and names == {"error", "payload"}:
            return "zig-error-union"
    elif composite.language == LANG_CPP:
        if name.startswith("std::__1::vector<") and {"__begin_", "__end_"} <= names:
            return "std::vector"
        if name.startswith("std::__1::basic_string<") and _has_nested_member(composite, "__rep_"):
            return "std::string"
    return None


def _nested_member(value: ValueObject, composite: CompositeType, name: str) -> ValueObject:
    """The member called ``name``, looked for in anonymous members too (libc++ wraps its fields)."""
    for member in composite.members:
        if member.name == name:
            return value.member(member)
    for member in composite.members:
        inner = member.type.strip()
        if member.name is None and isinstance(inner, CompositeType) and _has_nested_member(inner, name):
            return _nested_member(value.member(member), inner, name)
    raise LocationUnavailable(f"no member {name} in {composite.name}")


def _has_nested_member(composite: CompositeType, name: str) -> bool:
    return any(
        member.name == name
        or (member.name is None and isinstance(member.type.strip(), CompositeType)
            and _has_nested_member(member.type.strip(), name))  # type: ignore[arg-type]
        for member in composite.members
    )


def _composite(value: ValueObject) -> CompositeType:
    stripped = value.type.strip()
    if not isinstance(stripped, CompositeType):
        raise LocationUnavailable(f"{stripped.name} is not a struct")
    return stripped


def _decode_wide(data: bytes, width: int) -> str:
    """Characters of 2 (UTF-16) or 4 (UTF-32) bytes; what does not decode shows as U+FFFD."""
    return data[: len(data) - len(data) % width].decode("utf-16-le" if width == 2 else "utf-32-le", errors="replace")


def _is_positional(member: Member) -> bool:
    return bool(member.name) and member.name.startswith("__") and member.name[2:].isdigit()


def _is_byte(value_type: Type) -> bool:
    stripped = value_type.strip()
    return isinstance(stripped, BaseType) and stripped.size == 1 and stripped.name in ("u8", "i8", "char")


def _member(composite: CompositeType, name: str) -> Member:
    for member in composite.members:
        if member.name == name:
            return member
    raise LocationUnavailable(f"no member {name} in {composite.name}")


def _buffer(value: ValueObject, composite: CompositeType) -> tuple[int, int]:
    """(address, length) of a str/String/slice/Vec's elements."""
    pointer_value, pointer = _find_pointer(value, composite)
    address = int.from_bytes(pointer_value.read(pointer.size), "little")
    return address, _find_length(value, composite)


def _find_pointer(value: ValueObject, composite: CompositeType) -> tuple[ValueObject, PointerType]:
    """The first pointer inside a Rust buffer type (``data_ptr``, ``buf.ptr.pointer``...)."""
    for member in composite.members:
        member_type = member.type.strip()
        if isinstance(member_type, PointerType):
            return value.member(member), member_type
        if isinstance(member_type, CompositeType) and member.name not in ("len", "length", "cap"):
            try:
                return _find_pointer(value.member(member), member_type)
            except LocationUnavailable:
                continue
    raise LocationUnavailable(f"no data pointer in {composite.name}")


def _find_length(value: ValueObject, composite: CompositeType) -> int:
    for member in composite.members:
        if member.name in ("length", "len"):
            return int.from_bytes(value.member(member).read(), "little")
        stripped = member.type.strip()
        if member.name == "vec" and isinstance(stripped, CompositeType):
            return _find_length(value.member(member), stripped)
    raise LocationUnavailable(f"no length in {composite.name}")


_ESCAPES = {0x22: '\\"', 0x5C: "\\\\", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x00: "\\0"}


def _quote(data: bytes, rust: bool = False) -> str:
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


def _char_literal(code: int, wide: bool = False) -> str:
    """A C/Rust character literal; ``wide`` for UTF-32 code points (Rust ``char``)."""
    if code in _ESCAPES and code != 0x22:
        return "'" + _ESCAPES[code] + "'"
    if code == 0x27:
        return "'\\''"
    if 0x20 <= code < 0x7F or (wide and code > 0xA0 and not 0xD800 <= code < 0xE000 and code <= 0x10FFFF):
        return f"'{chr(code)}'"
    return f"'\\x{code & 0xFF:02x}'" if code < 0x100 else f"'\\u{{{code:x}}}'"


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
        return _char_literal(number, wide=True)
    if base.is_char:
        return f"{numeric} {_char_literal(number & 0xFF)}"
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
