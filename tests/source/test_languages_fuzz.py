"""Damaged type, variable and location DWARF gives a degraded view, never an exception.

Real modules (C -O2 with location lists in DWARF 4 and 5, C++, Rust, Zig) have bytes of
their ``.debug_info``, ``.debug_abbrev``, ``.debug_loc``/``.debug_loclists`` and
``.debug_str`` overwritten at random (seeded, so a failure reproduces); every variable of
the fixture's own functions is then rendered, two levels deep, against the module's
initial memory.
"""

from __future__ import annotations

import random

import pytest

from adapters.source.frame_context import ModuleImageContext
from adapters.source.symbols import ModuleSymbols
from adapters.source.types import TypeResolver
from adapters.source.values import ValueRegistry, ValueRenderer
from adapters.source.variables import FrameVariables
from adapters.wasm.binary import parse_module
from tests.source.test_functions import debug_sections, rebuild

MUTATIONS = 6
FUNCTIONS_PER_MODULE = 8
SCOPES = ("Arguments", "Locals", "Globals")
TARGETS = (".debug_info", ".debug_abbrev", ".debug_loc", ".debug_loclists", ".debug_str")


def own_functions(symbols: ModuleSymbols, source_stem: str):
    """Functions with DWARF whose compile unit is the fixture's source file."""
    assert symbols.module is not None
    found = []
    for body in symbols.module.functions:
        function = symbols.function_at(body.locals_end)
        if function is None or function.die is None or function.cu is None:
            continue
        name = function.cu.get_top_DIE().attributes.get("DW_AT_name")
        if name is not None and source_stem.encode() in name.value:
            found.append(function)
    return found[:FUNCTIONS_PER_MODULE]


def render_everything(symbols: ModuleSymbols, source_stem: str) -> int:
    """Render every variable of the fixture's functions; the number of values rendered."""
    assert symbols.module is not None and symbols.module.code_offset is not None
    registry = ValueRegistry()
    renderer = ValueRenderer(registry)
    resolver = TypeResolver(symbols.dwarf)
    context = ModuleImageContext(symbols.module)
    rendered = 0
    for function in own_functions(symbols, source_stem):
        for pc in {function.entry_pc, function.low_pc}:
            variables = FrameVariables(
                renderer, resolver, context, symbols.dwarf, function.die, pc - symbols.module.code_offset
            )
            for scope in variables.scopes():
                if scope.name not in SCOPES:
                    continue
                for variable in registry.children(scope.reference):
                    assert isinstance(variable.value, str) and isinstance(variable.type, str)
                    rendered += 1
                    if variable.reference:
                        for child in registry.children(variable.reference, 0, 20):
                            assert isinstance(child.value, str)
                            rendered += 1
    return rendered


@pytest.mark.parametrize(
    ("module_name", "source_stem", "mutations"),
    [
        ("optimised.O2", "optimised", MUTATIONS),
        ("optimised.O2.gdwarf-5", "optimised", MUTATIONS),
        ("cpp_values", "cpp_values", MUTATIONS),
        ("zig_values", "zig_values", MUTATIONS),
        ("rust_values", "rust_values", 2),  # Rust's std DWARF makes each load slow
        ("cpp_stl", "cpp_stl", 1),  # library views over uninitialised containers too
        ("rust_std", "rust_std", 1),
        ("zig_std", "zig_std", 1),
    ],
)
def test_mutated_type_and_location_dwarf_renders_without_raising(fixtures, module_name, source_stem, mutations):
    data = fixtures[module_name].read_bytes()
    intact = ModuleSymbols.load(data, use_cache=False)
    assert render_everything(intact, source_stem) > 0  # the undamaged module renders values at all
    sections = debug_sections(data)
    names = [name for name in TARGETS if name in sections]
    generator = random.Random(f"{module_name}-dwarf")
    for _ in range(mutations):
        name = generator.choice(names)
        payload = bytearray(sections[name])
        for _ in range(generator.randint(1, 30)):
            payload[generator.randrange(len(payload))] = generator.randrange(256)
        symbols = ModuleSymbols.load(rebuild(data, {name: bytes(payload)}), use_cache=False)
        render_everything(symbols, source_stem)


def test_truncated_debug_info_degrades_to_a_warning(fixtures):
    data = fixtures["cpp_values"].read_bytes()
    sections = debug_sections(data)
    for keep in (0.9, 0.5, 0.2):
        info = sections[".debug_info"][: int(len(sections[".debug_info"]) * keep)]
        symbols = ModuleSymbols.load(rebuild(data, {".debug_info": info}), use_cache=False)
        assert symbols.status.startswith("DWARF damaged") or symbols.status == "DWARF"
        render_everything(symbols, "cpp_values")
    assert parse_module(data).code_offset is not None
