"""Type names, sizes and layouts read from the values fixture's real DWARF."""

from __future__ import annotations

import pytest

from adapters.source.dwarf_loader import load_dwarf
from adapters.source.types import (
    ArrayType,
    CompositeType,
    EnumType,
    TypeResolver,
    die_name,
)
from adapters.wasm.binary import parse_module


@pytest.fixture(scope="module")
def variables(fixtures):
    """name -> Type of every named variable and parameter in values.c."""
    dwarf = load_dwarf(parse_module(fixtures["values"].read_bytes()))
    resolver = TypeResolver(dwarf)
    unit = next(cu for cu in dwarf.iter_CUs() if cu.get_top_DIE().attributes["DW_AT_name"].value.endswith(b"values.c"))
    return {
        die_name(die): resolver.type_of(die)
        for die in unit.iter_DIEs()
        if die.tag in ("DW_TAG_variable", "DW_TAG_formal_parameter") and die_name(die)
    }


@pytest.mark.parametrize(
    ("variable", "name", "size"),
    [
        ("letter", "char", 1),
        ("uwide", "uint64_t", 8),
        ("fixed", "const int", 4),
        ("argv", "char **", 4),
        ("message", "const char *", 4),
        ("global_grid", "int [2][3]", 24),
        ("square", "struct shape", 40),
        ("shape", "const struct shape *", 4),
        ("num", "union number", 4),
        ("color", "enum color", 4),
        ("yes", "_Bool", 1),
    ],
)
def test_names_as_c_writes_them(variables, variable, name, size):
    assert (variables[variable].name, variables[variable].size) == (name, size)


def test_struct_layout_and_function_pointer_member(variables):
    shape = variables["square"]
    assert isinstance(shape, CompositeType)
    layout = [(m.name, m.offset, m.type.name) for m in shape.members]
    assert layout == [
        ("name", 0, "const char *"),
        ("corners", 4, "struct point [3]"),
        ("color", 28, "enum color"),
        ("next", 32, "struct shape *"),
        ("area", 36, "int (*)(const struct shape *)"),
    ]
    # the recursive pointer resolves to the very same struct type object
    assert shape.members[3].type.target is shape


def test_bitfields(variables):
    flags = variables["bits"]
    assert isinstance(flags, CompositeType)
    assert [(m.name, m.offset * 8 + m.bit_offset, m.bit_size) for m in flags.members] == [
        ("ready", 0, 1), ("mode", 1, 3), ("delta", 4, 5), ("tail", 16, None),
    ]  # fmt: skip


def test_arrays_and_enums(variables):
    grid = variables["global_grid"]
    assert isinstance(grid, ArrayType)
    assert (grid.count, grid.element.name, grid.element.size) == (2, "int [3]", 12)
    permission, color = variables["perm"], variables["color"]
    assert isinstance(permission, EnumType) and isinstance(color, EnumType)
    assert permission.is_flags and not color.is_flags
    assert [(e.name, e.value) for e in color.enumerators] == [("RED", 0), ("GREEN", 5), ("BLUE", 6)]
