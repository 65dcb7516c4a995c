"""C's base types as wasm32 lays them out, and pointers to any type."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.source.expressions.interface import CType, TypeKind

POINTER_SIZE = 4


@dataclass(frozen=True)
class BasicType:
    """A type the evaluator makes itself: base types, pointers, string literals."""

    name: str
    kind: TypeKind
    size: int
    signed: bool = False
    target: CType | None = None
    count: int | None = None


def pointer_to(target: CType) -> BasicType:
    return BasicType(f"{target.name} *", TypeKind.POINTER, POINTER_SIZE, target=target)


def array_of(element: CType, count: int) -> BasicType:
    return BasicType(f"{element.name}[{count}]", TypeKind.ARRAY, element.size * count, target=element, count=count)


def _integer(name: str, size: int, signed: bool) -> BasicType:
    return BasicType(name, TypeKind.INTEGER, size, signed)


CHAR = _integer("char", 1, True)
SIGNED_CHAR = _integer("signed char", 1, True)
UNSIGNED_CHAR = _integer("unsigned char", 1, False)
SHORT = _integer("short", 2, True)
UNSIGNED_SHORT = _integer("unsigned short", 2, False)
INT = _integer("int", 4, True)
UNSIGNED_INT = _integer("unsigned int", 4, False)
LONG = _integer("long", 4, True)
UNSIGNED_LONG = _integer("unsigned long", 4, False)
LONG_LONG = _integer("long long", 8, True)
UNSIGNED_LONG_LONG = _integer("unsigned long long", 8, False)
BOOL = BasicType("bool", TypeKind.BOOL, 1)
FLOAT = BasicType("float", TypeKind.FLOAT, 4, True)
DOUBLE = BasicType("double", TypeKind.FLOAT, 8, True)
VOID = BasicType("void", TypeKind.VOID, 0)
NULLPTR = BasicType("std::nullptr_t", TypeKind.POINTER, POINTER_SIZE, target=VOID)

# Base types by their words, sorted, with "int" implied where C allows leaving it out.
_BY_WORDS = {
    ("char",): CHAR, ("char", "signed"): SIGNED_CHAR, ("char", "unsigned"): UNSIGNED_CHAR,
    ("short",): SHORT, ("short", "unsigned"): UNSIGNED_SHORT,
    ("int",): INT, ("int", "unsigned"): UNSIGNED_INT,
    ("long",): LONG, ("long", "unsigned"): UNSIGNED_LONG,
    ("long", "long"): LONG_LONG, ("long", "long", "unsigned"): UNSIGNED_LONG_LONG,
    ("bool",): BOOL, ("float",): FLOAT, ("double",): DOUBLE, ("void",): VOID,
    ("wchar_t",): _integer("wchar_t", 4, True), ("char8_t",): _integer("char8_t", 1, False),
    ("char16_t",): _integer("char16_t", 2, False), ("char32_t",): _integer("char32_t", 4, False),
}  # fmt: skip


def base_type(name: str) -> BasicType | None:
    """The C base type spelled ``name`` (``unsigned``, ``long int``, ``_Bool``...), or None."""
    words = ["bool" if word == "_Bool" else word for word in name.split()]
    if "char" not in words and "signed" in words:
        words = [word for word in words if word != "signed"] or ["int"]
    if "int" in words and len(words) > 1:
        words.remove("int")
    if words == ["unsigned"]:
        words.append("int")
    return _BY_WORDS.get(tuple(sorted(words)))


def integer_type(size: int, signed: bool) -> BasicType:
    """The base type of a conversion result of this width (int or wider)."""
    if size <= 4:
        return INT if signed else UNSIGNED_INT
    return LONG_LONG if signed else UNSIGNED_LONG_LONG
