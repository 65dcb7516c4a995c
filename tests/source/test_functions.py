"""Functions, names, inlined frames, degraded symbols and the symbol cache, on real fixtures."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from adapters.source.demangle import demangle
from adapters.source.symbol_cache import SymbolCache
from adapters.source.symbols import ModuleSymbols
from adapters.wasm.binary import SECTION_CUSTOM, parse_module
from adapters.wasm.leb128 import encode_unsigned

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def load(fixtures: dict[str, Path], name: str) -> ModuleSymbols:
    return ModuleSymbols.load(fixtures[name].read_bytes(), use_cache=False)


def pcs_of(symbols: ModuleSymbols, source: str, line: int) -> list[int]:
    resolved = symbols.resolve_line(str(FIXTURES / source), line)
    assert resolved is not None and resolved[0] == line
    return resolved[1]


@pytest.mark.parametrize("module", ["basics", "basics.gdwarf-5"])
def test_function_at_names_the_function_around_each_marker(fixtures, markers, module):
    symbols = load(fixtures, module)
    expected = {
        "square_body": "square",
        "factorial_base": "factorial",
        "factorial_recurse": "factorial",
        "loop_body": "sum_to",
        "sum_return": "sum_to",
        "main_start": "main",
        "main_return": "main",
    }
    lines = markers("basics.c")
    for marker, function_name in expected.items():
        for pc in pcs_of(symbols, "basics.c", lines[marker]):
            function = symbols.function_at(pc)
            assert function is not None and function.name == function_name, marker
            assert function.contains(pc)
            assert function.die is not None and function.die.tag == "DW_TAG_subprogram"
            assert function.cu is not None and function.die.cu is function.cu
            assert parse_module(fixtures[module].read_bytes()).function_at(pc).index == function.function_index


def test_function_entry_is_the_first_line_after_the_prologue(fixtures, markers):
    symbols = load(fixtures, "basics")
    lines = markers("basics.c")
    (factorial,) = symbols.functions_named("factorial")
    entry = symbols.location_at(factorial.entry_pc)
    assert entry.line == lines["factorial_base"] - 1  # `if (n <= 1)`, the body's first statement
    assert factorial.ranges[0][0] < factorial.entry_pc < factorial.ranges[0][1]
    (main,) = symbols.functions_named("main")
    assert symbols.location_at(main.entry_pc).line == lines["main_start"]


def test_functions_in_the_second_file_of_a_multi_file_module(fixtures, markers):
    symbols = load(fixtures, "multi")
    (dot,) = symbols.functions_named("dot")
    assert symbols.location_at(dot.entry_pc).path == str(FIXTURES / "multi" / "geometry.c")
    assert symbols.location_at(dot.entry_pc).line == markers("multi/geometry.c")["dot_body"]


def test_cpp_functions_have_demangled_names_and_match_plain_and_qualified(fixtures, markers):
    symbols = load(fixtures, "classes")
    lines = markers("classes.cpp")
    (area,) = symbols.functions_named("geometry::Rectangle::area")
    assert area.name == "geometry::Rectangle::area() const"
    assert symbols.functions_named("area") == [area]
    assert symbols.function_at(pcs_of(symbols, "classes.cpp", lines["rectangle_area"])[0]).name == area.name
    largest = {f.name for f in symbols.functions_named("geometry::util::largest")}
    assert largest == {
        "int geometry::util::largest<int>(int const&, int const&)",
        "double geometry::util::largest<double>(double const&, double const&)",
    }
    assert {f.name for f in symbols.functions_named("largest")} == largest
    grow = {f.name for f in symbols.functions_named("geometry::util::grow")}
    assert grow == {"geometry::util::grow(int&, int)", "geometry::util::grow(double&, double)"}
    assert symbols.functions_named("no_such_function") == []


@pytest.mark.parametrize("module", ["inline", "inline.O2"])
def test_inline_chain_gives_a_frame_per_inlined_call_with_call_sites(fixtures, markers, module):
    symbols = load(fixtures, module)
    lines = markers("inline.c")
    pcs = pcs_of(symbols, "inline.c", lines["inner_body"])
    for pc in pcs:
        frames = symbols.inline_chain(pc)
        assert [frame.name for frame in frames] == ["inner", "outer", "compute"]
        assert [frame.inlined for frame in frames] == [True, True, False]
        assert [frame.location.line for frame in frames] == [
            lines["inner_body"],
            lines["outer_calls_inner"],
            lines["compute_calls_outer"],
        ]
        assert all(frame.location.path == str(FIXTURES / "inline.c") for frame in frames)
        assert frames[0].die.tag == "DW_TAG_inlined_subroutine"
        assert symbols.function_at(pc).name == "compute"


def test_inline_chain_without_inlining_is_the_function_alone(fixtures, markers):
    symbols = load(fixtures, "basics")
    line = markers("basics.c")["loop_body"]
    (frame,) = symbols.inline_chain(pcs_of(symbols, "basics.c", line)[0])
    assert (frame.name, frame.location.line, frame.inlined) == ("sum_to", line, False)


def test_optimised_build_inlines_small_functions_into_main(fixtures, markers):
    symbols = load(fixtures, "basics.O2")
    line = markers("basics.c")["square_body"]
    chains = [symbols.inline_chain(pc) for pc in pcs_of(symbols, "basics.c", line)]
    assert any([f.name for f in chain] == ["square", "main"] for chain in chains)


def test_demangles_itanium_and_both_rust_manglings():
    assert demangle("_ZN8geometry9Rectangle4areaEv") == "geometry::Rectangle::area()"
    assert demangle("_ZN4core3fmt5write17h0123456789abcdefE") == "core::fmt::write"
    assert (
        demangle("_ZN47_$LT$alloc..string..String$u20$as$u20$Clone$GT$5clone17h0123456789abcdefE")
        == "<alloc::string::String as Clone>::clone"
    )
    assert demangle("_RNvCs15kBYyAo9fc_7mycrate4main") == "mycrate::main"
    assert demangle("main") == "main"
    assert demangle("_Znot_really") == "_Znot_really"


# Degraded symbols: stripped or damaged DWARF.


def rebuild(data: bytes, replace: dict[str, bytes | None]) -> bytes:
    """The module with custom sections replaced (None: removed)."""
    module = parse_module(data)
    out = bytearray(data[:8])
    for section in module.sections:
        if section.id == SECTION_CUSTOM and section.name in replace:
            payload = replace[section.name]
            if payload is None:
                continue
            name = section.name.encode()
            payload = encode_unsigned(len(name)) + name + payload
        elif section.id == SECTION_CUSTOM:
            name = section.name.encode()
            payload = encode_unsigned(len(name)) + name + data[section.offset : section.offset + section.size]
        else:
            payload = data[section.offset : section.offset + section.size]
        out += bytes([section.id]) + encode_unsigned(len(payload)) + payload
    return bytes(out)


def debug_sections(data: bytes) -> dict[str, bytes]:
    return {
        name: payload for name, payload in parse_module(data).custom_sections().items() if name.startswith(".debug_")
    }


def main_pc(data: bytes) -> int:
    module = parse_module(data)
    index = next(i for i, name in module.function_names.items() if name == "main")
    return module.function(index).locals_end


def test_without_dwarf_functions_come_from_the_name_section(fixtures):
    data = fixtures["basics"].read_bytes()
    stripped = rebuild(data, {name: None for name in debug_sections(data)})
    symbols = ModuleSymbols.load(stripped, use_cache=False)
    assert symbols.status == "names only"
    function = symbols.function_at(main_pc(stripped))
    assert function.name == "main" and function.die is None
    assert symbols.location_at(main_pc(stripped)) is None
    assert symbols.functions_named("main")[0].entry_pc == main_pc(stripped)
    assert symbols.inline_chain(main_pc(stripped))[0].name == "main"


def test_without_any_symbols_functions_are_numbered(fixtures):
    data = fixtures["basics"].read_bytes()
    pc = main_pc(data)
    bare = rebuild(data, {**{name: None for name in debug_sections(data)}, "name": None})
    symbols = ModuleSymbols.load(bare, use_cache=False)
    assert symbols.status == "no symbols"
    assert symbols.function_at(pc).name.startswith("func[")
    assert symbols.source_files() == []


@pytest.mark.parametrize("section", [".debug_info", ".debug_line", ".debug_abbrev"])
def test_truncated_dwarf_gives_a_warning_and_a_names_view(fixtures, section):
    data = fixtures["basics"].read_bytes()
    payload = debug_sections(data)[section]
    damaged = rebuild(data, {section: payload[: len(payload) // 3]})
    symbols = ModuleSymbols.load(damaged, use_cache=False)
    assert symbols.status.startswith("DWARF damaged: ")
    function = symbols.function_at(main_pc(damaged))
    assert function is not None and function.name == "main"
    assert symbols.warnings


def test_randomly_corrupted_dwarf_never_raises(fixtures):
    data = fixtures["basics"].read_bytes()
    sections = debug_sections(data)
    generator = random.Random(1234)
    for _ in range(12):
        name = generator.choice([".debug_info", ".debug_line", ".debug_abbrev", ".debug_str"])
        payload = bytearray(sections[name])
        for _ in range(generator.randint(1, 40)):
            payload[generator.randrange(len(payload))] = generator.randrange(256)
        symbols = ModuleSymbols.load(rebuild(data, {name: bytes(payload)}), use_cache=False)
        pc = main_pc(data)
        symbols.location_at(pc)
        symbols.inline_chain(pc)
        symbols.resolve_line(str(FIXTURES / "basics.c"), 30)
        assert symbols.function_at(pc) is not None
        assert symbols.status == "DWARF" or symbols.status.startswith("DWARF damaged: ")


# The disk cache.


def test_the_cache_gives_the_same_answers_and_survives_corruption(fixtures, markers, tmp_path):
    data = fixtures["inline.O2"].read_bytes()
    cache = SymbolCache(tmp_path)
    path = str(FIXTURES / "inline.c")
    line = markers("inline.c")["inner_body"]

    def answers(symbols: ModuleSymbols):
        pcs = symbols.resolve_line(path, line)[1]
        return (
            pcs,
            [[(f.name, f.location) for f in symbols.inline_chain(pc)] for pc in pcs],
            symbols.functions_named("compute")[0].entry_pc,
        )

    cold = answers(ModuleSymbols.load(data, cache=cache))
    entries = sorted(tmp_path.iterdir())
    assert [entry.suffix for entry in entries] == [".functions", ".lines", ".names", ".statements"]
    assert answers(ModuleSymbols.load(data, cache=cache)) == cold
    for entry in entries:
        damaged = bytearray(entry.read_bytes())
        damaged[len(damaged) // 2] ^= 0xFF
        entry.write_bytes(bytes(damaged))
    assert answers(ModuleSymbols.load(data, cache=cache)) == cold
    assert all(ModuleSymbols.load(data, cache=cache).status == "DWARF" for _ in range(2))
    assert cache.load_lines(entries[0].stem) is not None  # rewritten after the damage


def test_the_cache_directory_follows_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert SymbolCache().directory == tmp_path / "wasmtime-dap"
