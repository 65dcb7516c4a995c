"""A whole-program index of DWARF names, built by one pass over the raw ``.debug_info``.

Looking up a type by name, a global variable or an enumerator used to walk every DIE
through pyelftools, which parses and keeps each one: seconds and hundreds of MB on a
multi-MB program. This pass decodes only the attributes the lookups need (names,
declarations, specifications, constant values and static addresses) and skips the rest
by form, so it keeps no DIE; the consumers then parse just the DIEs they found, by offset.
The result is small and plain, for the symbol cache.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from elftools.dwarf.dwarfinfo import DWARFInfo

from adapters.wasm.leb128 import decode_signed, decode_unsigned

# DW_TAG_* codes the index looks at
TAG_CLASS, TAG_ENUMERATION, TAG_STRUCTURE, TAG_TYPEDEF, TAG_UNION = 0x02, 0x04, 0x13, 0x16, 0x17
TAG_BASE, TAG_ENUMERATOR, TAG_VARIABLE, TAG_NAMESPACE = 0x24, 0x28, 0x34, 0x39
TAG_COMPILE_UNIT, TAG_PARTIAL_UNIT, TAG_SUBPROGRAM = 0x11, 0x3C, 0x2E
TYPE_TAGS = {
    TAG_BASE: "DW_TAG_base_type",
    TAG_TYPEDEF: "DW_TAG_typedef",
    TAG_STRUCTURE: "DW_TAG_structure_type",
    TAG_CLASS: "DW_TAG_class_type",
    TAG_UNION: "DW_TAG_union_type",
    TAG_ENUMERATION: "DW_TAG_enumeration_type",
}
_NAMING_SCOPES = {TAG_NAMESPACE, TAG_STRUCTURE, TAG_CLASS, TAG_UNION}  # parts of a qualified name
_WANTED_TAGS = {
    *TYPE_TAGS,
    TAG_ENUMERATOR,
    TAG_VARIABLE,
    TAG_NAMESPACE,
    TAG_COMPILE_UNIT,
    TAG_PARTIAL_UNIT,
    TAG_SUBPROGRAM,
}

# DW_AT_* codes read
AT_LOCATION, AT_NAME, AT_LANGUAGE, AT_CONST_VALUE, AT_PRODUCER = 0x02, 0x03, 0x13, 0x1C, 0x25
AT_DECLARATION, AT_SPECIFICATION, AT_STR_OFFSETS_BASE = 0x3C, 0x47, 0x72
AT_LOW_PC, AT_HIGH_PC, AT_ABSTRACT_ORIGIN, AT_RANGES, AT_ADDR_BASE = 0x11, 0x12, 0x31, 0x55, 0x73
AT_LINKAGE_NAME, AT_MIPS_LINKAGE_NAME = 0x6E, 0x2007
_READ = frozenset((
    AT_NAME, AT_DECLARATION, AT_SPECIFICATION, AT_LOCATION, AT_CONST_VALUE, AT_LANGUAGE, AT_PRODUCER,
    AT_STR_OFFSETS_BASE, AT_LOW_PC, AT_HIGH_PC, AT_ABSTRACT_ORIGIN, AT_RANGES, AT_ADDR_BASE, AT_LINKAGE_NAME,
    AT_MIPS_LINKAGE_NAME,
))  # fmt: skip
_ADDRESS_INDEX_FORMS = {0x1B: 0, 0x29: 1, 0x2A: 2, 0x2B: 3, 0x2C: 4}  # DW_FORM_addrx*: index width (0: ULEB)

LANGUAGE_ZIG = -1  # Zig says DW_LANG_C99: told by its producer instead
DW_OP_ADDR = 0x03
DISCARDED_ADDRESS = 0xFFFFFFFF  # wasm-ld's tombstone for a removed symbol


class DwarfIndexError(ValueError):
    """``.debug_info`` or ``.debug_abbrev`` cannot be walked."""


class NamedType(NamedTuple):
    tag: str  # pyelftools' DW_TAG_* name
    name: str  # qualified (``ns::Outer::Name``) where the language has scopes; "" if it must be read from the DIE
    offset: int
    cu_offset: int
    declaration: bool = False


class GlobalVariable(NamedTuple):
    offset: int
    name: str
    qualified_name: str  # "" when it must be read from the DIE (a definition with DW_AT_specification)
    discarded: bool  # its address is the linker's tombstone


@dataclass
class NameIndex:
    """Type definitions, enumerators, file-scope variables and static addresses of a module."""

    types: list[NamedType] = field(default_factory=list)  # named types, in DIE order
    enumerators: list[tuple[str, int, int]] = field(default_factory=list)  # (name, enum type offset, value)
    globals: dict[int, list[GlobalVariable]] = field(default_factory=dict)  # CU offset -> file-scope variables
    languages: dict[int, int] = field(default_factory=dict)  # CU offset -> DW_AT_language or LANGUAGE_ZIG
    defined_at: dict[int, int] = field(default_factory=dict)  # declaration offset -> address of its definition
    statics: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # name -> [(offset, address)]

    def to_json(self) -> dict:
        return {
            "types": [[t.tag, t.name, t.offset, t.cu_offset, t.declaration] for t in self.types],
            "enumerators": [list(e) for e in self.enumerators],
            "globals": [
                [cu, [[g.offset, g.name, g.qualified_name, g.discarded] for g in found]]
                for cu, found in self.globals.items()
            ],
            "languages": [[cu, language] for cu, language in self.languages.items()],
            "defined_at": [[declaration, address] for declaration, address in self.defined_at.items()],
            "statics": [[name, [list(s) for s in found]] for name, found in self.statics.items()],
        }

    @classmethod
    def from_json(cls, data: Mapping) -> NameIndex:
        """Raises KeyError, TypeError or ValueError on a malformed entry (the cache's checksum
        already rules out a damaged one: rows are taken as written)."""
        return cls(
            list(map(NamedType._make, data["types"])),
            [(str(name), int(offset), int(value)) for name, offset, value in data["enumerators"]],
            {int(cu): list(map(GlobalVariable._make, found)) for cu, found in data["globals"]},
            {int(cu): int(language) for cu, language in data["languages"]},
            {int(declaration): int(address) for declaration, address in data["defined_at"]},
            {str(name): [(int(o), int(a)) for o, a in found] for name, found in data["statics"]},
        )


@dataclass
class FunctionScan:
    """Subprograms found by the same walk, for the function index (not cached: the index is)."""

    # (DIE offset, CU offset, [low, high) ranges, or None where pyelftools must read DW_AT_ranges)
    functions: list[tuple[int, int, tuple[tuple[int, int], ...] | None]] = field(default_factory=list)
    # every subprogram DIE: offset -> (DW_AT_name, linkage name, DIE it specifies or comes from, else -1)
    names: dict[int, tuple[str, str, int]] = field(default_factory=dict)

    def attribute(self, offset: int, which: int) -> str:
        """A subprogram's name (``which`` 0) or linkage name (1), through its specification or origin."""
        for _ in range(8):
            entry = self.names.get(offset)
            if entry is None:
                return ""
            if entry[which]:
                return entry[which]
            offset = entry[2]
        return ""


@dataclass(frozen=True)
class DwarfSections:
    info: bytes
    abbrev: bytes
    str: bytes = b""
    line_str: bytes = b""
    str_offsets: bytes = b""
    addr: bytes = b""


def sections_of(dwarf: DWARFInfo) -> DwarfSections:
    """The raw sections behind a pyelftools ``DWARFInfo`` (as ``dwarf_loader`` builds it)."""

    def raw(descriptor) -> bytes:
        return descriptor.stream.getvalue() if descriptor is not None else b""

    return DwarfSections(
        raw(dwarf.debug_info_sec),
        raw(dwarf.debug_abbrev_sec),
        raw(dwarf.debug_str_sec),
        raw(dwarf.debug_line_str_sec),
        raw(dwarf.debug_str_offsets_sec),
        raw(dwarf.debug_addr_sec),
    )


# Fixed sizes of forms; -1: the address size, -2: the offset size. Others are decoded in ``_skip``.
_FIXED = {
    0x01: -1, 0x05: 2, 0x06: 4, 0x07: 8, 0x0B: 1, 0x0C: 1, 0x0E: -2, 0x11: 1, 0x12: 2, 0x13: 4, 0x14: 8,
    0x17: -2, 0x19: 0, 0x1C: 4, 0x1D: -2, 0x1E: 16, 0x1F: -2, 0x20: 8, 0x21: 0, 0x24: 8, 0x25: 1, 0x26: 2,
    0x27: 3, 0x28: 4, 0x29: 1, 0x2A: 2, 0x2B: 3, 0x2C: 4, 0x1F20: -2, 0x1F21: -2,
}  # fmt: skip
_ULEB_FORMS = {0x0F, 0x15, 0x1A, 0x1B, 0x22, 0x23, 0x1F01, 0x1F02}
_BLOCK_FORMS = {0x03: 2, 0x04: 4, 0x09: 0, 0x0A: 1, 0x18: 0}  # length prefix size (0: ULEB)
_STRX_FORMS = {0x1A: 0, 0x25: 1, 0x26: 2, 0x27: 3, 0x28: 4}
_REF_CU_FORMS = {0x11, 0x12, 0x13, 0x14, 0x15}
FORM_REF_ADDR, FORM_INDIRECT, FORM_STRING, FORM_SDATA, FORM_IMPLICIT_CONST = 0x10, 0x16, 0x08, 0x0D, 0x21
FORM_STRP, FORM_LINE_STRP, FORM_FLAG_PRESENT, FORM_FLAG = 0x0E, 0x1F, 0x19, 0x0C


@dataclass(frozen=True)
class _Abbrev:
    tag: int
    has_children: bool
    attributes: tuple[tuple[int, int, int], ...]  # (attribute, form, implicit constant)


def _abbreviations(data: bytes, offset: int) -> dict[int, _Abbrev]:
    table: dict[int, _Abbrev] = {}
    end = len(data)
    while True:
        code, offset = decode_unsigned(data, offset, end)
        if code == 0:
            return table
        tag, offset = decode_unsigned(data, offset, end)
        if offset >= end:
            raise DwarfIndexError("abbreviation table runs past the end of .debug_abbrev")
        has_children = data[offset] != 0
        offset += 1
        attributes = []
        while True:
            name, offset = decode_unsigned(data, offset, end)
            form, offset = decode_unsigned(data, offset, end)
            if name == 0 and form == 0:
                break
            constant = 0
            if form == FORM_IMPLICIT_CONST:
                constant, offset = decode_signed(data, offset, end)
            attributes.append((name, form, constant))
        table[code] = _Abbrev(tag, has_children, tuple(attributes))


class _Unit:
    """Decoding state of one compilation unit."""

    def __init__(self, sections: DwarfSections, offset: int, end: int, offset_size: int, address_size: int) -> None:
        self.sections = sections
        self.offset = offset
        self.end = end
        self.offset_size = offset_size
        self.address_size = address_size
        self.str_offsets_base = 8 if offset_size == 4 else 16  # past the section's header, unless the unit says
        self.addr_base = 8 if offset_size == 4 else 16

    def size_of(self, form: int) -> int | None:
        size = _FIXED.get(form)
        if size is None:
            return None
        return self.address_size if size == -1 else self.offset_size if size == -2 else size

    def value(self, data: bytes, position: int, form: int, constant: int) -> tuple[object, int]:
        """(value, position after it): ints for constants, flags and references, bytes for blocks, str for strings."""
        end = self.end
        if form == FORM_INDIRECT:
            form, position = decode_unsigned(data, position, end)
            return self.value(data, position, form, constant)
        if form == FORM_STRING:
            stop = data.index(0, position, end)
            return data[position:stop].decode("utf-8", "replace"), stop + 1
        if form in (FORM_STRP, FORM_LINE_STRP):
            where = int.from_bytes(data[position : position + self.offset_size], "little")
            section = self.sections.str if form == FORM_STRP else self.sections.line_str
            return _c_string(section, where), position + self.offset_size
        if form in _STRX_FORMS:
            index, position = _number(data, position, end, _STRX_FORMS[form])
            return _StringIndex(index), position
        if form in _BLOCK_FORMS:
            length, position = _number(data, position, end, _BLOCK_FORMS[form])
            return data[position : position + length], position + length
        if form == FORM_SDATA:
            return decode_signed(data, position, end)
        if form in _ULEB_FORMS:
            number, position = decode_unsigned(data, position, end)
            return (number + self.offset if form == 0x15 else number), position
        if form == FORM_IMPLICIT_CONST:
            return constant, position
        if form == FORM_FLAG_PRESENT:
            return 1, position
        size = self.size_of(form)
        if size is None:
            raise DwarfIndexError(f"unknown attribute form {form:#x} in the unit at {self.offset}")
        number = int.from_bytes(data[position : position + size], "little")
        return (number + self.offset if form in _REF_CU_FORMS else number), position + size

    def string(self, index: _StringIndex) -> str:
        """A ``DW_FORM_strx*`` string (read once the unit's ``DW_AT_str_offsets_base`` is known)."""
        slot = self.str_offsets_base + index.index * self.offset_size
        where = int.from_bytes(self.sections.str_offsets[slot : slot + self.offset_size], "little")
        return _c_string(self.sections.str, where)

    def address(self, value: int, form: int) -> int:
        """An address attribute's value: itself, or for ``DW_FORM_addrx*`` the entry it indexes."""
        if form not in _ADDRESS_INDEX_FORMS:
            return value
        slot = self.addr_base + value * self.address_size
        return int.from_bytes(self.sections.addr[slot : slot + self.address_size], "little")

    def skip(self, data: bytes, position: int, form: int) -> int:
        size = self.size_of(form)
        if size is not None:
            return position + size
        if form in _ULEB_FORMS or form == FORM_SDATA:
            while data[position] & 0x80:
                position += 1
            return position + 1
        return self.value(data, position, form, 0)[1]


def _number(data: bytes, position: int, end: int, width: int) -> tuple[int, int]:
    """(an unsigned number of ``width`` bytes, or a ULEB128 if ``width`` is 0, position after it)."""
    if width:
        return int.from_bytes(data[position : position + width], "little"), position + width
    return decode_unsigned(data, position, end)


@dataclass(frozen=True)
class _StringIndex:
    index: int


def _c_string(section: bytes, offset: int) -> str:
    stop = section.find(b"\0", offset)
    return section[offset : stop if stop >= 0 else len(section)].decode("utf-8", "replace")


def _static_address(location: object) -> int | None:
    if isinstance(location, bytes) and len(location) == 5 and location[0] == DW_OP_ADDR:
        return int.from_bytes(location[1:], "little")
    return None


def build_name_index(sections: DwarfSections) -> NameIndex:
    """Walk every compilation unit once. Raises DwarfIndexError on malformed data."""
    return scan_dwarf(sections)[0]


def scan_dwarf(sections: DwarfSections) -> tuple[NameIndex, FunctionScan]:
    """The name index and the subprograms, from one walk. Raises DwarfIndexError on malformed data."""
    index, functions = NameIndex(), FunctionScan()
    data = sections.info
    abbreviation_tables: dict[int, dict[int, _Abbrev]] = {}
    offset = 0
    try:
        while offset + 11 <= len(data):
            unit_offset = offset
            (length,) = struct.unpack_from("<I", data, offset)
            offset_size, offset = (8, offset + 12) if length == 0xFFFFFFFF else (4, offset + 4)
            if offset_size == 8:
                (length,) = struct.unpack_from("<Q", data, offset - 8)
            unit_end = offset + length
            if unit_end > len(data):
                raise DwarfIndexError(f"the unit at {unit_offset} runs past the end of .debug_info")
            (version,) = struct.unpack_from("<H", data, offset)
            offset += 2
            if version >= 5:
                unit_type, address_size = data[offset], data[offset + 1]
                abbrev_offset = int.from_bytes(data[offset + 2 : offset + 2 + offset_size], "little")
                offset += 2 + offset_size
                if unit_type in (0x04, 0x05):  # skeleton, split compile: a DWO id
                    offset += 8
                elif unit_type in (0x02, 0x06):  # type units: signature and type offset
                    offset += 8 + offset_size
            else:
                abbrev_offset = int.from_bytes(data[offset : offset + offset_size], "little")
                address_size = data[offset + offset_size]
                offset += offset_size + 1
            if abbrev_offset not in abbreviation_tables:
                abbreviation_tables[abbrev_offset] = _abbreviations(sections.abbrev, abbrev_offset)
            unit = _Unit(sections, unit_offset, unit_end, offset_size, address_size)
            _index_unit(index, functions, unit, abbreviation_tables[abbrev_offset], offset)
            offset = unit_end
    except (IndexError, struct.error, ValueError) as error:
        if isinstance(error, DwarfIndexError):
            raise
        raise DwarfIndexError(f"cannot walk .debug_info at about offset {offset}: {error}") from error
    return index, functions


# The scope a DIE sits in: (qualified name prefix or None when not a naming scope, holds file-scope
# variables, holds functions of the index: the unit and the namespaces and classes in it)
_Scope = tuple[str | None, bool, bool]


def _index_unit(
    index: NameIndex, functions: FunctionScan, unit: _Unit, abbreviations: dict[int, _Abbrev], offset: int
) -> None:
    data, end = unit.sections.info, unit.end
    fixed_sizes: dict[int, int | None] = {}
    scopes: list[_Scope] = []
    language = 0
    scoped_names = True  # C and Zig name types without their scopes
    found_globals: list[tuple[int, GlobalVariable]] = []  # (namespace depth, variable)
    enum_offset = -1
    while offset < end:
        die_offset = offset
        code, offset = decode_unsigned(data, offset, end)
        if code == 0:
            if scopes:
                scopes.pop()
            continue
        abbrev = abbreviations.get(code)
        if abbrev is None:
            raise DwarfIndexError(f"unknown abbreviation {code} at offset {die_offset}")
        tag = abbrev.tag
        if tag not in _WANTED_TAGS:
            if code not in fixed_sizes:
                sizes = [unit.size_of(form) for _, form, _ in abbrev.attributes]
                fixed_sizes[code] = None if None in sizes else sum(sizes)  # type: ignore[arg-type]
            size = fixed_sizes[code]
            if size is not None:
                offset += size
            else:
                for _, form, _ in abbrev.attributes:
                    offset = unit.skip(data, offset, form)
            if abbrev.has_children:
                scopes.append((None, False, False))
            continue
        values: dict[int, object] = {}
        forms: dict[int, int] = {}
        for attribute, form, constant in abbrev.attributes:
            if attribute in _READ:
                values[attribute], offset = unit.value(data, offset, form, constant)
                forms[attribute] = form
            else:
                offset = unit.skip(data, offset, form)
        if AT_STR_OFFSETS_BASE in values:
            unit.str_offsets_base = int(values[AT_STR_OFFSETS_BASE])  # type: ignore[call-overload]
        if AT_ADDR_BASE in values:
            unit.addr_base = int(values[AT_ADDR_BASE])  # type: ignore[call-overload]
        for attribute in (AT_NAME, AT_PRODUCER, AT_LINKAGE_NAME, AT_MIPS_LINKAGE_NAME):
            if isinstance(values.get(attribute), _StringIndex):
                values[attribute] = unit.string(values[attribute])  # type: ignore[arg-type]
        name = values.get(AT_NAME)
        parent_prefix, parent_holds_globals, parent_holds_functions = scopes[-1] if scopes else (None, True, True)
        own_scope: _Scope = (None, False, False)
        if tag in (TAG_COMPILE_UNIT, TAG_PARTIAL_UNIT):
            language = int(values.get(AT_LANGUAGE, 0) or 0)  # type: ignore[call-overload]
            producer = values.get(AT_PRODUCER)
            if isinstance(producer, str) and producer.lower().startswith("zig "):
                language = LANGUAGE_ZIG
            scoped_names = language in _SCOPED_LANGUAGES
            index.languages[unit.offset] = language
            own_scope = ("", True, True)
        else:
            specified = AT_SPECIFICATION in values  # named where it is declared: read from the DIE
            plain = name if isinstance(name, str) else ""
            qualified = _qualified(parent_prefix, plain or "(anonymous namespace)") if scoped_names else plain
            if tag in _NAMING_SCOPES:
                own_scope = (qualified, tag == TAG_NAMESPACE and parent_holds_globals, parent_holds_functions)
            if tag == TAG_SUBPROGRAM:
                _note_subprogram(functions, unit, die_offset, values, forms, parent_holds_functions)
            if tag in TYPE_TAGS and (plain or specified):
                index.types.append(
                    NamedType(
                        TYPE_TAGS[tag],
                        "" if specified else qualified,
                        die_offset,
                        unit.offset,
                        bool(values.get(AT_DECLARATION)),
                    )
                )
            elif tag == TAG_ENUMERATOR and plain and isinstance(values.get(AT_CONST_VALUE), int) and enum_offset >= 0:
                index.enumerators.append((plain, enum_offset, values[AT_CONST_VALUE]))  # type: ignore[arg-type]
            elif tag == TAG_VARIABLE:
                address = _static_address(values.get(AT_LOCATION))
                if address is not None and specified:
                    index.defined_at[int(values[AT_SPECIFICATION])] = address  # type: ignore[call-overload]
                if address is not None and plain:
                    index.statics.setdefault(plain, []).append((die_offset, address))
                if parent_holds_globals and AT_LOCATION in values and (plain or specified):
                    depth = sum(1 for scope in scopes if scope[0])
                    found_globals.append(
                        (
                            depth,
                            GlobalVariable(
                                die_offset,
                                "" if specified else plain,
                                "" if specified else qualified,
                                address == DISCARDED_ADDRESS,
                            ),
                        )
                    )
        if tag == TAG_ENUMERATION:
            enum_offset = die_offset
        if abbrev.has_children:
            scopes.append(own_scope)
    if found_globals:
        found_globals.sort(key=lambda item: item[0])  # stable: breadth first, as ``unit_globals`` lists them
        index.globals[unit.offset] = [variable for _, variable in found_globals]


def _note_subprogram(
    functions: FunctionScan, unit: _Unit, offset: int, values: dict[int, object], forms: dict[int, int], listed: bool
) -> None:
    """Keep a subprogram's names (others refer to them); ``listed``: its ranges too, for the index."""
    name, linkage = values.get(AT_NAME), values.get(AT_LINKAGE_NAME) or values.get(AT_MIPS_LINKAGE_NAME)
    reference = values.get(AT_SPECIFICATION, values.get(AT_ABSTRACT_ORIGIN, -1))
    functions.names[offset] = (
        name if isinstance(name, str) else "",
        linkage if isinstance(linkage, str) else "",
        reference if isinstance(reference, int) else -1,
    )
    if not listed:
        return
    low, high = values.get(AT_LOW_PC), values.get(AT_HIGH_PC)
    if isinstance(low, int) and isinstance(high, int):
        low = unit.address(low, forms[AT_LOW_PC])
        high_form = forms[AT_HIGH_PC]
        end = unit.address(high, high_form) if high_form == 0x01 or high_form in _ADDRESS_INDEX_FORMS else low + high
        functions.functions.append((offset, unit.offset, ((low, end),)))
    elif AT_RANGES in values:
        functions.functions.append((offset, unit.offset, None))


_SCOPED_LANGUAGES = {0x4, 0x19, 0x1A, 0x21, 0x2B, 0x1C}  # C++ and Rust (DW_LANG_*)


def _qualified(prefix: str | None, name: str) -> str:
    return f"{prefix}::{name}" if prefix else name
