"""A type model built from DWARF type DIEs, with names as the source language writes them.

Types are resolved lazily and cached per DIE: a struct's members and a pointer's
target are only read when asked for, so recursive types (a list node pointing to
itself) and big programs cost nothing until a value of that type is looked at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from elftools.dwarf.die import DIE
from elftools.dwarf.dwarfinfo import DWARFInfo

from adapters.source.demangle import demangle
from adapters.source.dwarf_index import LANGUAGE_ZIG, NameIndex, build_name_index, sections_of
from adapters.wasm.binary import WasmModule
from adapters.wasm.leb128 import decode_unsigned

POINTER_SIZE = 4  # wasm32

# DW_ATE_* encodings
ATE_BOOLEAN, ATE_FLOAT = 0x2, 0x4
ATE_SIGNED, ATE_SIGNED_CHAR, ATE_UNSIGNED, ATE_UNSIGNED_CHAR = 0x5, 0x6, 0x7, 0x8
ATE_UTF = 0x10

# DW_LANG_* families
LANG_C, LANG_CPP, LANG_RUST, LANG_ZIG = "c", "c++", "rust", "zig"
_LANGUAGES = {
    0x1: LANG_C, 0x2: LANG_C, 0xC: LANG_C, 0x1D: LANG_C, 0x2C: LANG_C,
    0x4: LANG_CPP, 0x19: LANG_CPP, 0x1A: LANG_CPP, 0x21: LANG_CPP, 0x2B: LANG_CPP,
    0x1C: LANG_RUST,
}  # fmt: skip


def language_of(die: DIE) -> str:
    """The language family of the DIE's compile unit (``c`` when unknown)."""
    top = die.cu.get_top_DIE()
    producer = top.attributes.get("DW_AT_producer")
    if producer is not None and isinstance(producer.value, bytes) and producer.value.lower().startswith(b"zig "):
        return LANG_ZIG  # Zig says DW_LANG_C99
    language = top.attributes.get("DW_AT_language")
    if language is not None and language.value in _LANGUAGES:
        return _LANGUAGES[language.value]
    return LANG_C


def attribute(die: DIE, name: str):
    """An attribute's value, looking through DW_AT_abstract_origin/DW_AT_specification."""
    seen = 0
    while die is not None and seen < 8:
        attr = die.attributes.get(name)
        if attr is not None:
            return attr.value
        origin = die.attributes.get("DW_AT_abstract_origin") or die.attributes.get("DW_AT_specification")
        if origin is None:
            return None
        die = die.get_DIE_from_attribute(origin.name)
        seen += 1
    return None


def die_name(die: DIE) -> str | None:
    value = attribute(die, "DW_AT_name")
    return value.decode("utf-8", errors="replace") if value is not None else None


def referenced_die(die: DIE, name: str = "DW_AT_type") -> DIE | None:
    holder = die
    for _ in range(8):
        if name in holder.attributes:
            return holder.get_DIE_from_attribute(name)
        origin = holder.attributes.get("DW_AT_abstract_origin") or holder.attributes.get("DW_AT_specification")
        if origin is None:
            return None
        holder = holder.get_DIE_from_attribute(origin.name)
    return None


class Type:
    """Base of all types. ``size`` is in bytes; ``name`` as a user would write it."""

    size: int = 0

    @property
    def name(self) -> str:
        return self.declare("")

    def declare(self, declarator: str) -> str:
        """The C-style declaration of ``declarator`` with this type (``int (*p)[3]``)."""
        return f"{self.base_name} {declarator}".rstrip() if declarator else self.base_name

    @property
    def base_name(self) -> str:
        return "?"

    def strip(self) -> Type:
        """The type behind typedefs and qualifiers."""
        return self

    def strip_qualifiers(self) -> Type:
        """The type behind ``const``/``volatile`` only (typedef names are kept)."""
        current = self
        while isinstance(current, QualifiedType):
            current = current.target
        return current


class UnknownType(Type):
    def __init__(self, reason: str) -> None:
        self.reason = reason

    @property
    def base_name(self) -> str:
        return f"<{self.reason}>"


class VoidType(Type):
    @property
    def base_name(self) -> str:
        return "void" if self.language != LANG_RUST else "()"

    def __init__(self, language: str) -> None:
        self.language = language


class BaseType(Type):
    def __init__(self, name: str, size: int, encoding: int) -> None:
        self.base = name
        self.size = size
        self.encoding = encoding

    @property
    def base_name(self) -> str:
        return self.base

    @property
    def is_signed(self) -> bool:
        return self.encoding in (ATE_SIGNED, ATE_SIGNED_CHAR)

    @property
    def is_char(self) -> bool:
        return self.encoding in (ATE_SIGNED_CHAR, ATE_UNSIGNED_CHAR, ATE_UTF)

    @property
    def is_float(self) -> bool:
        return self.encoding == ATE_FLOAT

    @property
    def is_bool(self) -> bool:
        return self.encoding == ATE_BOOLEAN


class _Derived(Type):
    """A type defined by another one (pointer, typedef, array...), resolved on first use."""

    def __init__(self, resolver: TypeResolver, die: DIE) -> None:
        self._resolver = resolver
        self.die = die
        self.language = resolver.language(die)

    @cached_property
    def target(self) -> Type:
        target = referenced_die(self.die)
        return self._resolver.resolve(target) if target is not None else VoidType(self.language)


class PointerType(_Derived):
    """Pointers and C++ references (``kind`` ``*``, ``&`` or ``&&``)."""

    def __init__(self, resolver: TypeResolver, die: DIE, kind: str) -> None:
        super().__init__(resolver, die)
        self.kind = kind
        self.size = die.attributes["DW_AT_byte_size"].value if "DW_AT_byte_size" in die.attributes else POINTER_SIZE

    @property
    def is_reference(self) -> bool:
        return self.kind != "*"

    def declare(self, declarator: str) -> str:
        own = die_name(self.die)
        if own is not None:  # Rust names its pointer types: "&str", "*const u8"
            return f"{own} {declarator}".rstrip() if declarator else own
        inner = f"{self.kind}{declarator}"
        if isinstance(self.target.strip_qualifiers(), (ArrayType, FunctionType)):
            inner = f"({inner})"
        return self.target.declare(inner)


class TypedefType(_Derived):
    def __init__(self, resolver: TypeResolver, die: DIE) -> None:
        super().__init__(resolver, die)
        self.typedef_name = resolver.qualified_name(die) or "?"

    @property
    def base_name(self) -> str:
        return self.typedef_name

    @property
    def size(self) -> int:  # type: ignore[override]
        return self.target.size

    def strip(self) -> Type:
        return self.target.strip()


class QualifiedType(_Derived):
    """``const``, ``volatile``, ``restrict``, ``_Atomic``."""

    def __init__(self, resolver: TypeResolver, die: DIE, qualifier: str) -> None:
        super().__init__(resolver, die)
        self.qualifier = qualifier

    @property
    def size(self) -> int:  # type: ignore[override]
        return self.target.size

    def declare(self, declarator: str) -> str:
        inner = self.target.strip_qualifiers()
        if isinstance(inner, PointerType) and die_name(inner.die) is None:  # "char *const"
            return self.target.declare(f"{self.qualifier} {declarator}".rstrip())
        return f"{self.qualifier} {self.target.declare(declarator)}"

    def strip(self) -> Type:
        return self.target.strip()


@dataclass(frozen=True)
class Dimension:
    count: int | None  # None: unknown bound (``int a[]``)
    lower: int = 0


class ArrayType(_Derived):
    def __init__(self, resolver: TypeResolver, die: DIE) -> None:
        super().__init__(resolver, die)
        self.dimensions = tuple(_dimension(child) for child in die.iter_children() if child.tag in _SUBRANGE_TAGS)
        if not self.dimensions:
            self.dimensions = (Dimension(None),)

    @property
    def count(self) -> int:
        """Elements in the first dimension (0 if unknown)."""
        return self.dimensions[0].count or 0

    @cached_property
    def element(self) -> Type:
        """The type of one element of the first dimension (a sub-array if several)."""
        if len(self.dimensions) == 1:
            return self.target
        return SubArrayType(self.target, self.dimensions[1:])

    @property
    def size(self) -> int:  # type: ignore[override]
        explicit = self.die.attributes.get("DW_AT_byte_size")
        if explicit is not None:
            return explicit.value
        return self.count * self.element.size

    def declare(self, declarator: str) -> str:
        if self.language == LANG_RUST:
            name = f"[{self.element.name}; {self.count}]"
            return f"{name} {declarator}".rstrip() if declarator else name
        bounds = "".join(f"[{d.count}]" if d.count is not None else "[]" for d in self.dimensions)
        return self.target.declare(f"{declarator}{bounds}")


class SubArrayType(Type):
    """The rows of a multi-dimensional array: ``int[2][3]`` has two ``int[3]`` elements."""

    def __init__(self, element: Type, dimensions: tuple[Dimension, ...]) -> None:
        self.target = element
        self.dimensions = dimensions

    @property
    def count(self) -> int:
        return self.dimensions[0].count or 0

    @property
    def element(self) -> Type:
        return self.target if len(self.dimensions) == 1 else SubArrayType(self.target, self.dimensions[1:])

    @property
    def size(self) -> int:  # type: ignore[override]
        return self.count * self.element.size

    def declare(self, declarator: str) -> str:
        bounds = "".join(f"[{d.count}]" for d in self.dimensions)
        return self.target.declare(f"{declarator}{bounds}")


@dataclass(frozen=True)
class Member:
    name: str | None  # None for anonymous struct/union members
    type: Type
    offset: int  # bytes from the start of the enclosing object
    bit_size: int | None = None  # bitfields: width in bits...
    bit_offset: int = 0  # ...and the lowest bit's position counted from ``offset``
    is_base: bool = False  # a C++ base class sub-object
    artificial: bool = False


@dataclass(frozen=True)
class Variant:
    """One alternative of a Rust enum: taken when the discriminant equals ``value``."""

    value: int | None  # None: the default variant
    member: Member


@dataclass(frozen=True)
class VariantPart:
    discriminant: Member | None  # None: a niche-less single-variant enum
    variants: tuple[Variant, ...]


class CompositeType(_Derived):
    """``struct``, ``class`` and ``union``; Rust enums are structs with a variant part."""

    def __init__(self, resolver: TypeResolver, die: DIE, keyword: str) -> None:
        super().__init__(resolver, die)
        self.keyword = keyword
        size = die.attributes.get("DW_AT_byte_size")
        self.size = size.value if size is not None else 0
        self.tag_name = resolver.qualified_name(die)
        self.is_declaration = "DW_AT_declaration" in die.attributes

    @property
    def base_name(self) -> str:
        name = self.tag_name or f"(anonymous {self.keyword})"
        if self.language == LANG_C and self.tag_name:
            return f"{self.keyword} {name}"
        return name

    def trait_object_implementer(self, vtable_address: int) -> Type | None:
        """For a Rust trait object (``&dyn Trait``, ``Box<dyn Trait>``): the type behind it."""
        return self._resolver.vtable_implementer(vtable_address)

    def related_type(self, name: str, tag: str = "DW_TAG_structure_type") -> Type | None:
        """Another type of the same program, by its qualified name (Zig names a generic's
        helper types after it: ``hash_map.Custom(...).Header``)."""
        die = self._resolver.find_definition(tag, name)
        return self._resolver.resolve(die) if die is not None else None

    def dynamic_type(self, vtable_pointer: int) -> Type | None:
        """For a polymorphic C++ class: the most derived class of an object with this vtable pointer."""
        return self._resolver.class_of_vtable(vtable_pointer)

    @cached_property
    def has_vtable_pointer(self) -> bool:
        """Whether objects start with a vtable pointer (their own ``_vptr$`` or a first base's)."""
        for member in self.members:
            if member.offset != 0:
                continue
            if (member.name or "").startswith("_vptr$"):
                return True
            base = member.type.strip()
            if member.is_base and isinstance(base, CompositeType) and base.has_vtable_pointer:
                return True
        return False

    @cached_property
    def static_members(self) -> tuple[StaticMember, ...]:
        """Static data members with storage (declared here, defined, as C++ requires, elsewhere)."""
        found = []
        for child in self._definition().iter_children():
            declared_static = child.tag == "DW_TAG_variable" or (
                child.tag == "DW_TAG_member"
                and ("DW_AT_external" in child.attributes or "DW_AT_declaration" in child.attributes)
            )
            name = die_name(child)
            if "DW_AT_artificial" in child.attributes:  # clang's ``_vtable$``: the class's vtable
                continue
            address = self._resolver.static_member_address(child) if declared_static and name else None
            if address is not None:
                found.append(StaticMember(name, self._resolver.type_of(child), address))
        return tuple(found)

    @cached_property
    def members(self) -> tuple[Member, ...]:
        return tuple(
            self._resolver.member(child)
            for child in self._definition().iter_children()
            if child.tag in ("DW_TAG_member", "DW_TAG_inheritance")
            and not ("DW_AT_external" in child.attributes or "DW_AT_declaration" in child.attributes)
        )

    @cached_property
    def template_arguments(self) -> tuple[Type, ...]:
        """The types a template (C++) or generic (Rust) was instantiated with, in order."""
        return tuple(
            self._resolver.type_of(child)
            for child in self._definition().iter_children()
            if child.tag == "DW_TAG_template_type_param"
        )

    @cached_property
    def variant_part(self) -> VariantPart | None:
        for child in self._definition().iter_children():
            if child.tag == "DW_TAG_variant_part":
                return self._resolver.variant_part(child)
        return None

    def _definition(self) -> DIE:
        """A declaration's full definition elsewhere in the program, if it has one."""
        if not self.is_declaration or not self.tag_name:
            return self.die
        definition = self._resolver.find_definition(self.die.tag, self.tag_name)
        return definition if definition is not None else self.die


@dataclass(frozen=True)
class Enumerator:
    name: str
    value: int


class EnumType(_Derived):
    def __init__(self, resolver: TypeResolver, die: DIE) -> None:
        super().__init__(resolver, die)
        self.enum_name = resolver.qualified_name(die)
        size = die.attributes.get("DW_AT_byte_size")
        self.size = size.value if size is not None else 4
        self.enumerators = tuple(
            Enumerator(die_name(child) or "?", child.attributes["DW_AT_const_value"].value)
            for child in die.iter_children()
            if child.tag == "DW_TAG_enumerator" and "DW_AT_const_value" in child.attributes
        )

    @property
    def is_signed(self) -> bool:
        underlying = self.target.strip()
        if isinstance(underlying, BaseType):
            return underlying.is_signed
        return any(e.value < 0 for e in self.enumerators)

    @property
    def is_flags(self) -> bool:
        """Every enumerator is a distinct single bit (or zero): values combine with ``|``."""
        nonzero = [e.value for e in self.enumerators if e.value != 0]
        return len(nonzero) >= 2 and all(v > 0 and v & (v - 1) == 0 for v in nonzero)

    @property
    def base_name(self) -> str:
        name = self.enum_name or "(anonymous enum)"
        return f"enum {name}" if self.language == LANG_C and self.enum_name else name


class FunctionType(_Derived):
    def function_in_table(self, slot: int) -> str | None:
        """The function a pointer to this type calls: a C function pointer is a table slot."""
        return self._resolver.function_in_table(slot)

    @cached_property
    def parameters(self) -> tuple[Type, ...]:
        return tuple(
            self._resolver.resolve(referenced_die(child))
            for child in self.die.iter_children()
            if child.tag == "DW_TAG_formal_parameter" and referenced_die(child) is not None
        )

    @property
    def size(self) -> int:  # type: ignore[override]
        return 0

    def declare(self, declarator: str) -> str:
        names = [p.name for p in self.parameters]
        if any(child.tag == "DW_TAG_unspecified_parameters" for child in self.die.iter_children()):
            names.append("...")
        if not names and self.language == LANG_C and "DW_AT_prototyped" in self.die.attributes:
            names.append("void")
        return self.target.declare(f"{declarator}({', '.join(names)})")


_SUBRANGE_TAGS = ("DW_TAG_subrange_type", "DW_TAG_enumeration_type")
_QUALIFIERS = {
    "DW_TAG_const_type": "const",
    "DW_TAG_volatile_type": "volatile",
    "DW_TAG_restrict_type": "restrict",
    "DW_TAG_atomic_type": "_Atomic",
}
_POINTERS = {"DW_TAG_pointer_type": "*", "DW_TAG_reference_type": "&", "DW_TAG_rvalue_reference_type": "&&"}
_COMPOSITES = {"DW_TAG_structure_type": "struct", "DW_TAG_class_type": "class", "DW_TAG_union_type": "union"}


def _dimension(subrange: DIE) -> Dimension:
    attrs = subrange.attributes
    lower = attrs["DW_AT_lower_bound"].value if "DW_AT_lower_bound" in attrs else 0
    if "DW_AT_count" in attrs and isinstance(attrs["DW_AT_count"].value, int):
        return Dimension(attrs["DW_AT_count"].value, lower)
    upper = attrs.get("DW_AT_upper_bound")
    if upper is not None and isinstance(upper.value, int):
        # An unsigned form of -1 means "no upper bound" (a flexible array member).
        if upper.value >= 0xFFFFFFFF or upper.value < lower:
            return Dimension(0, lower)
        return Dimension(upper.value - lower + 1, lower)
    return Dimension(None, lower)


@dataclass
class _StaticIndex:
    defined_at: dict[int, int] = field(default_factory=dict)  # declaration DIE offset -> address
    vtables: dict[int, int] = field(default_factory=dict)  # vtable address -> offset of the vtable's static
    classes: dict[int, DIE] = field(default_factory=dict)  # C++ vtable pointer value -> its class


@dataclass(frozen=True)
class StaticMember:
    """A C++ static data member: one object at ``address``, shared by every instance."""

    name: str
    type: Type
    address: int


class TypeResolver:
    """Turns type DIEs into ``Type`` objects, one per DIE offset.

    Whole-program lookups (a declared type's definition, statics) go through the module's
    ``NameIndex``; ``names`` supplies it (the symbols' disk-cached one), else it is built here.
    """

    def __init__(
        self,
        dwarf: DWARFInfo | None = None,
        module: WasmModule | None = None,
        names: Callable[[], NameIndex] | None = None,
    ) -> None:
        self._dwarf = dwarf
        self._module = module  # its function table names function pointers
        self._names_source = names
        self._types: dict[int, Type] = {}
        self._languages: dict[int, str] = {}
        self._statics: _StaticIndex | None = None

    def function_in_table(self, slot: int) -> str | None:
        """The name of the function a function pointer (a slot of table 0) calls, if known."""
        if self._module is None or slot not in self._module.table_functions:
            return None
        return demangle(self._module.function_name(self._module.table_functions[slot]))

    @cached_property
    def names(self) -> NameIndex:
        """The module's index of type definitions, enumerators, globals and statics."""
        if self._names_source is not None:
            return self._names_source()
        return build_name_index(sections_of(self._dwarf)) if self._dwarf is not None else NameIndex()

    def die_at(self, offset: int) -> DIE:
        """The DIE at a ``.debug_info`` offset (from the index)."""
        assert self._dwarf is not None
        return self._dwarf.get_DIE_from_refaddr(offset)

    def language_of_unit(self, cu_offset: int) -> str:
        """The language family of a compile unit, from the index."""
        code = self.names.languages.get(cu_offset, 0)
        return LANG_ZIG if code == LANGUAGE_ZIG else _LANGUAGES.get(code, LANG_C)

    @cached_property
    def _definitions(self) -> dict[tuple[str, str], int]:
        """(tag, qualified name) -> the first defining DIE's offset."""
        found: dict[tuple[str, str], int] = {}
        for named in self.names.types:
            if named.declaration:
                continue
            name = named.name or self.qualified_name(self.die_at(named.offset))
            if name:
                found.setdefault((named.tag, name), named.offset)
        return found

    @cached_property
    def _indexed_names(self) -> dict[int, str]:
        """Qualified names of the types and globals the index knows, by DIE offset."""
        names = {named.offset: named.name for named in self.names.types if named.name}
        for variables in self.names.globals.values():
            names.update((known.offset, known.qualified_name) for known in variables if known.qualified_name)
        return names

    def language(self, die: DIE) -> str:
        key = die.cu.cu_offset
        if key not in self._languages:
            self._languages[key] = language_of(die)
        return self._languages[key]

    def type_of(self, die: DIE) -> Type:
        """The type of a variable, parameter or member DIE."""
        target = referenced_die(die)
        return self.resolve(target) if target is not None else UnknownType("no type")

    def resolve(self, die: DIE) -> Type:
        cached = self._types.get(die.offset)
        if cached is None:
            cached = self._types[die.offset] = self._build(die)
        return cached

    def _build(self, die: DIE) -> Type:
        tag = die.tag
        if tag == "DW_TAG_base_type":
            attrs = die.attributes
            return BaseType(
                die_name(die) or "?",
                attrs["DW_AT_byte_size"].value if "DW_AT_byte_size" in attrs else 0,
                attrs["DW_AT_encoding"].value if "DW_AT_encoding" in attrs else ATE_UNSIGNED,
            )
        if tag == "DW_TAG_unspecified_type":
            name = die_name(die)
            return UnknownType(name) if name and name != "void" else VoidType(self.language(die))
        if tag in _POINTERS:
            return PointerType(self, die, _POINTERS[tag])
        if tag == "DW_TAG_ptr_to_member_type":
            return PointerType(self, die, "*")
        if tag == "DW_TAG_typedef":
            return TypedefType(self, die)
        if tag in _QUALIFIERS:
            return QualifiedType(self, die, _QUALIFIERS[tag])
        if tag == "DW_TAG_array_type":
            return ArrayType(self, die)
        if tag in _COMPOSITES:
            return CompositeType(self, die, _COMPOSITES[tag])
        if tag == "DW_TAG_enumeration_type":
            return EnumType(self, die)
        if tag in ("DW_TAG_subroutine_type", "DW_TAG_subprogram"):  # a function's own type, for `print f`
            return FunctionType(self, die)
        return UnknownType(f"unsupported {tag}")

    def member(self, die: DIE) -> Member:
        attrs = die.attributes
        offset = 0
        location = attrs.get("DW_AT_data_member_location")
        if location is not None and isinstance(location.value, int):
            offset = location.value
        elif location is not None and location.value[:1] == [0x23]:  # DW_OP_plus_uconst N (DWARF 2)
            offset, _ = decode_unsigned(bytes(location.value), 1, len(location.value))
        member_type = self.type_of(die)
        bit_size = attrs["DW_AT_bit_size"].value if "DW_AT_bit_size" in attrs else None
        bit_offset = 0
        if bit_size is not None:
            if "DW_AT_data_bit_offset" in attrs:
                total = attrs["DW_AT_data_bit_offset"].value
                offset, bit_offset = total // 8, total % 8
            elif "DW_AT_bit_offset" in attrs:
                # DWARF 2/3: counted from the most significant bit of the storage unit.
                storage = attrs["DW_AT_byte_size"].value if "DW_AT_byte_size" in attrs else member_type.size
                bit_offset = storage * 8 - attrs["DW_AT_bit_offset"].value - bit_size
        return Member(
            die_name(die),
            member_type,
            offset,
            bit_size,
            bit_offset,
            is_base=die.tag == "DW_TAG_inheritance",
            artificial="DW_AT_artificial" in attrs,
        )

    def variant_part(self, die: DIE) -> VariantPart:
        discriminant = None
        if "DW_AT_discr" in die.attributes:
            discriminant = self.member(die.get_DIE_from_attribute("DW_AT_discr"))
        variants = []
        for child in die.iter_children():
            if child.tag != "DW_TAG_variant":
                continue
            value = child.attributes["DW_AT_discr_value"].value if "DW_AT_discr_value" in child.attributes else None
            members = [self.member(m) for m in child.iter_children() if m.tag == "DW_TAG_member"]
            if members:
                variants.append(Variant(value, members[0]))
        return VariantPart(discriminant, tuple(variants))

    def qualified_name(self, die: DIE) -> str | None:
        """``ns::Outer::Name`` for C++/Rust, the plain name for C."""
        name = die_name(die)
        if name is None or self.language(die) in (LANG_C, LANG_ZIG):
            return name
        if self._dwarf is not None and die.offset in self._indexed_names:  # no walk up the tree
            return self._indexed_names[die.offset]
        parts = [name]
        declaration = die  # a definition out of its class or namespace is named where it is declared
        while "DW_AT_specification" in declaration.attributes:
            declaration = declaration.get_DIE_from_attribute("DW_AT_specification")
        parent = declaration.get_parent()
        while parent is not None and parent.tag in (
            "DW_TAG_namespace",
            "DW_TAG_structure_type",
            "DW_TAG_class_type",
            "DW_TAG_union_type",
        ):
            parts.append(die_name(parent) or "(anonymous namespace)")
            parent = parent.get_parent()
        return "::".join(reversed(parts))

    def find_definition(self, tag: str, name: str) -> DIE | None:
        """The defining DIE of a type only declared here (C++ often splits them)."""
        offset = self._definitions.get((tag, name))
        return self.die_at(offset) if offset is not None else None

    def vtable_implementer(self, address: int) -> Type | None:
        """The type whose Rust trait-object vtable (``<T as Trait>::{vtable}``) is at ``address``.

        rustc describes each vtable as a static whose type names the implementing type in
        ``DW_AT_containing_type``."""
        vtable = self._static_index().vtables.get(address)
        if vtable is None:
            return None
        vtable_type = referenced_die(self.die_at(vtable))
        implementer = vtable_type and referenced_die(vtable_type, "DW_AT_containing_type")
        return self.resolve(implementer) if implementer is not None else None

    def class_of_vtable(self, vtable_pointer: int) -> Type | None:
        """The C++ class whose objects hold ``vtable_pointer`` (their most derived class)."""
        found = self._static_index().classes.get(vtable_pointer)
        return self.resolve(found) if found is not None else None

    def static_member_address(self, declaration: DIE) -> int | None:
        """The address of a C++ static data member declared in a class (from its out-of-class definition)."""
        return self._static_index().defined_at.get(declaration.offset)

    def _static_index(self) -> _StaticIndex:
        if self._statics is None:
            names = self.names
            vtables = {
                address: offset
                for name, found in names.statics.items()
                if name.endswith("::{vtable}")
                for offset, address in found
            }
            self._statics = _StaticIndex(names.defined_at, vtables, self._vtable_classes(names.defined_at))
        return self._statics

    def _vtable_classes(self, defined_at: dict[int, int]) -> dict[int, DIE]:
        """C++ vtable pointer value -> its class, from clang's ``_vtable$`` static members."""
        classes: dict[int, DIE] = {}
        for declaration_offset, address in defined_at.items():
            declaration = self.die_at(declaration_offset)
            if die_name(declaration) == "_vtable$":
                # An object's vtable pointer skips the offset-to-top and RTTI slots.
                classes[address + 2 * POINTER_SIZE] = declaration.get_parent()
        return classes
