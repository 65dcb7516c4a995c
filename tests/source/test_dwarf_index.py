"""The raw walk of ``.debug_info`` finds what pyelftools' DIE-by-DIE walk finds, on real modules."""

from __future__ import annotations

import pytest

from adapters.source.dwarf_index import DwarfIndexError, DwarfSections, build_name_index
from adapters.source.dwarf_loader import load_dwarf
from adapters.source.functions import build_function_index
from adapters.source.symbols import ModuleSymbols
from adapters.source.types import TypeResolver, die_name
from adapters.wasm.binary import parse_module

# C, C++ (namespaces, classes, templates, out-of-class definitions), DWARF 5 (strx and addrx forms), -O2
MODULES = ("basics", "classes", "basics.gdwarf-5", "inline.O2", "types")
_TYPE_TAGS = {
    "DW_TAG_base_type",
    "DW_TAG_typedef",
    "DW_TAG_structure_type",
    "DW_TAG_class_type",
    "DW_TAG_union_type",
    "DW_TAG_enumeration_type",
}


def _walked_globals(dwarf) -> dict[int, list[int]]:
    """Named file-scope variables with a location, breadth first per CU, through pyelftools."""
    found: dict[int, list[int]] = {}
    for cu in dwarf.iter_CUs():
        pending, offsets = list(cu.get_top_DIE().iter_children()), []
        while pending:
            die = pending.pop(0)
            if die.tag == "DW_TAG_variable" and "DW_AT_location" in die.attributes and die_name(die):
                offsets.append(die.offset)
            elif die.tag == "DW_TAG_namespace":
                pending.extend(die.iter_children())
        if offsets:
            found[cu.cu_offset] = offsets
    return found


@pytest.mark.parametrize("name", MODULES)
def test_names_and_functions_match_the_pyelftools_walk(fixtures, name: str) -> None:
    module = parse_module(fixtures[name].read_bytes())
    dwarf = load_dwarf(module)
    symbols = ModuleSymbols.load(module.data, use_cache=False)
    index = build_name_index(symbols._sections())
    resolver = TypeResolver(dwarf)

    walked_types = [
        (die.tag, resolver.qualified_name(die), die.offset)
        for cu in dwarf.iter_CUs()
        for die in cu.iter_DIEs()
        if die.tag in _TYPE_TAGS and "DW_AT_declaration" not in die.attributes and resolver.qualified_name(die)
    ]
    indexed_types = [
        (t.tag, t.name or resolver.qualified_name(dwarf.get_DIE_from_refaddr(t.offset)), t.offset)
        for t in index.types
        if not t.declaration
    ]
    assert indexed_types == walked_types
    assert {cu: [g.offset for g in found] for cu, found in index.globals.items()} == _walked_globals(dwarf)

    walked_functions = build_function_index(dwarf, symbols._code_size(), lambda cu, error: pytest.fail(str(error)))
    assert symbols._scan_functions(lambda cu, error: pytest.fail(str(error))) == walked_functions
    assert walked_functions  # the comparison is not of two empty lists


def test_a_truncated_debug_info_is_an_error_not_a_wrong_index(fixtures) -> None:
    module = parse_module(fixtures["basics"].read_bytes())
    info = module.custom_section(".debug_info")
    assert info is not None
    with pytest.raises(DwarfIndexError):
        build_name_index(DwarfSections(info[: len(info) // 2], module.custom_section(".debug_abbrev") or b""))
