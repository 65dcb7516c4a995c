"""A typed value in a paused frame (``ValueObject``), with the navigation formatters use.

A ``ValueObject`` is a type plus a location. Besides reading its bytes it offers what a
library view needs to walk a container, as LLDB's ``SBValue`` does: ``value["field"]``
(anonymous members searched too), ``integer()``, ``pointee()``, ``element(i)`` and
``at(address, type)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.source.frame_context import FrameContext
from adapters.source.locations import (
    ImplicitLocation,
    Location,
    LocationUnavailable,
    MemoryLocation,
    read_location,
    sub_location,
)
from adapters.source.types import BaseType, CompositeType, EnumType, Member, PointerType, Type


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

    @property
    def type_name(self) -> str:
        return self.type.name

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

    # -- navigation for formatters

    def composite(self) -> CompositeType:
        stripped = self.type.strip()
        if not isinstance(stripped, CompositeType):
            raise LocationUnavailable(f"{stripped.name} is not a struct")
        return stripped

    def has(self, name: str) -> bool:
        stripped = self.type.strip()
        return isinstance(stripped, CompositeType) and _find_member(stripped, name) is not None

    def __getitem__(self, name: str) -> ValueObject:
        """The member called ``name``, looked for in anonymous members and base classes too
        (libc++ wraps its fields in compressed pairs and anonymous unions)."""
        path = _find_member(self.composite(), name)
        if path is None:
            raise LocationUnavailable(f"no member {name} in {self.type.name}")
        value = self
        for member in path:
            value = value.member(member)
        return value

    def integer(self) -> int:
        """An integer, enum, bool or pointer value; a struct of one such field (``Cell<usize>``,
        ``AtomicUsize``, ``NonNull<T>``) is looked through."""
        stripped = self.type.strip()
        while isinstance(stripped, CompositeType):
            fields = [m for m in stripped.members if m.type.size == stripped.size]
            if not fields:
                raise LocationUnavailable(f"a {stripped.name} is not a number")
            return self.member(fields[0]).integer()
        data = self.read()
        number = int.from_bytes(data, "little")
        if self.bits is not None:
            number = (number >> self.bits[0]) & ((1 << self.bits[1]) - 1)
        elif isinstance(stripped, (BaseType, EnumType)) and stripped.is_signed and data and data[-1] & 0x80:
            number -= 1 << (8 * len(data))
        return number

    def leaf(self) -> ValueObject:
        """The scalar inside single-field wrappers (``Cell<usize>``, ``AtomicUsize``)."""
        value = self
        while isinstance(stripped := value.type.strip(), CompositeType):
            fields = [m for m in stripped.members if m.type.size == stripped.size]
            if not fields:
                break
            value = value.member(fields[0])
        return value

    def constant(self, number: int) -> ValueObject:
        """A value of this (scalar) type that is ``number``, stored nowhere: a count a formatter
        works out (a weak count without the strong references' share)."""
        size = max(self.type.size, 1)
        data = (number & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
        return ValueObject(self.type, ImplicitLocation(data), self.context)

    def pointer(self) -> PointerType:
        """The pointer type of this value, looking through single-field wrappers (``NonNull``)."""
        stripped = self.type.strip()
        while isinstance(stripped, CompositeType):
            fields = [m for m in stripped.members if m.type.size == stripped.size]
            if not fields:
                break
            stripped = fields[0].type.strip()
        if not isinstance(stripped, PointerType):
            raise LocationUnavailable(f"a {self.type.name} is not a pointer")
        return stripped

    def pointee(self, as_type: Type | None = None) -> ValueObject | None:
        """The value this pointer (or ``NonNull``/``Unique`` wrapper) points at; None for null."""
        address = self.integer()
        if address == 0:
            return None
        return self.at(address, as_type if as_type is not None else self.pointer().target)


@dataclass(frozen=True)
class NamedValue:
    name: str
    value: ValueObject
    evaluate_name: str | None = None


def _find_member(composite: CompositeType, name: str) -> list[Member] | None:
    """The chain of members leading to ``name``: own members first, then inside anonymous
    members and base classes."""
    for member in composite.members:
        if member.name == name:
            return [member]
    for member in composite.members:
        inner = member.type.strip()
        if (member.name is None or member.is_base) and isinstance(inner, CompositeType):
            found = _find_member(inner, name)
            if found is not None:
                return [member, *found]
    return None
