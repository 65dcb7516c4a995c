"""Line tables on real compiled fixtures: file:line -> PCs -> file:line, sliding, paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.source.symbols import ModuleSymbols

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# Markers on lines without code of their own (they test sliding instead).
NO_CODE = {"no_code"}
# module -> sources whose markers must all resolve exactly in it
MODULES = {
    "basics": ["basics.c"],
    "basics.gdwarf-5": ["basics.c"],
    "types": ["types.c"],
    "multi": ["multi/main.c", "multi/geometry.c"],
    "heavy": ["heavy.c"],
    "traps": ["traps.c"],
    "inline": ["inline.c"],
    "classes": ["classes.cpp"],
}


def load(fixtures: dict[str, Path], name: str, **options) -> ModuleSymbols:
    return ModuleSymbols.load(fixtures[name].read_bytes(), use_cache=False, **options)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_marker_resolves_to_pcs_that_map_back(fixtures, markers, module):
    symbols = load(fixtures, module)
    assert symbols.status == "DWARF", symbols.warnings
    for source in MODULES[module]:
        path = str(FIXTURES / source)
        for name, line in markers(source).items():
            if name in NO_CODE:
                continue
            resolved = symbols.resolve_line(path, line)
            assert resolved is not None, f"{source}:{line} ({name})"
            actual, pcs = resolved
            assert actual == line, name
            assert pcs == sorted(set(pcs))
            for pc in pcs:
                location = symbols.location_at(pc)
                assert location is not None and location.path == path and location.line == line, (name, pc)


def test_a_line_without_code_slides_to_the_next_line_with_code(fixtures, markers):
    symbols = load(fixtures, "basics")
    lines = markers("basics.c")
    resolved = symbols.resolve_line(str(FIXTURES / "basics.c"), lines["no_code"])
    assert resolved is not None
    assert resolved[0] == lines["sum_return"]
    assert resolved[1] == symbols.resolve_line(str(FIXTURES / "basics.c"), lines["sum_return"])[1]


def test_lines_past_the_end_and_unknown_files_resolve_to_nothing(fixtures):
    symbols = load(fixtures, "basics")
    line_count = len((FIXTURES / "basics.c").read_text().splitlines())
    assert symbols.resolve_line(str(FIXTURES / "basics.c"), line_count + 5) is None
    assert symbols.resolve_line("/nowhere/unknown.c", 3) is None


def test_a_loop_header_has_a_pc_for_the_entry_and_one_for_the_increment(fixtures, markers):
    symbols = load(fixtures, "basics")
    loop_line = markers("basics.c")["loop_body"] - 1  # the `for (...)` line
    actual, pcs = symbols.resolve_line(str(FIXTURES / "basics.c"), loop_line)
    assert actual == loop_line
    assert len(pcs) == 2


@pytest.mark.parametrize(
    "requested",
    ["basics.c", "fixtures/basics.c", "/elsewhere/tests/fixtures/basics.c", str(FIXTURES / "sub" / ".." / "basics.c")],
)
def test_user_paths_match_by_normalised_path_or_unique_suffix(fixtures, markers, requested):
    symbols = load(fixtures, "basics")
    line = markers("basics.c")["main_start"]
    assert symbols.resolve_line(requested, line) == symbols.resolve_line(str(FIXTURES / "basics.c"), line)


def test_path_mappings_rewrite_dwarf_paths_both_ways(fixtures, markers):
    symbols = load(fixtures, "multi", path_mappings=[(str(FIXTURES), "/home/me/project")])
    assert "/home/me/project/multi/geometry.c" in symbols.source_files()
    assert str(FIXTURES / "multi" / "geometry.c") not in symbols.source_files()
    line = markers("multi/geometry.c")["dot_body"]
    actual, pcs = symbols.resolve_line("/home/me/project/multi/geometry.c", line)
    assert actual == line
    assert symbols.location_at(pcs[0]).path == "/home/me/project/multi/geometry.c"


def test_source_files_include_every_file_of_a_multi_file_module(fixtures):
    files = load(fixtures, "multi").source_files()
    assert str(FIXTURES / "multi" / "main.c") in files
    assert str(FIXTURES / "multi" / "geometry.c") in files


def test_dwarf5_fixture_really_is_dwarf5_and_agrees_with_dwarf4(fixtures, markers):
    dwarf4, dwarf5 = load(fixtures, "basics"), load(fixtures, "basics.gdwarf-5")
    versions = {
        cu.header.version
        for cu in dwarf5.dwarf.iter_CUs()
        if cu.get_top_DIE().attributes["DW_AT_name"].value.endswith(b"basics.c")
    }
    assert versions == {5}
    path = str(FIXTURES / "basics.c")
    for name, line in markers("basics.c").items():
        assert (dwarf4.resolve_line(path, line) is None) == (dwarf5.resolve_line(path, line) is None), name
        assert dwarf4.resolve_line(path, line)[0] == dwarf5.resolve_line(path, line)[0], name


def test_breakpoint_locations_lists_statements_in_a_range_with_columns(fixtures, markers):
    symbols = load(fixtures, "basics")
    lines = markers("basics.c")
    path = str(FIXTURES / "basics.c")
    locations = symbols.breakpoint_locations(path, lines["sum_to_first"], lines["sum_return"])
    found_lines = {location.line for location in locations}
    assert {lines["sum_to_first"], lines["loop_body"], lines["sum_return"]} <= found_lines
    assert lines["no_code"] not in found_lines
    assert all(location.column > 0 for location in locations if location.line == lines["loop_body"])
    assert symbols.breakpoint_locations(path, lines["no_code"]) == []


def test_statement_rows_of_a_function_step_through_its_lines_in_pc_order(fixtures, markers):
    symbols = load(fixtures, "basics")
    lines = markers("basics.c")
    (sum_to,) = symbols.functions_named("sum_to")
    rows = symbols.statement_rows(sum_to)
    assert [row.pc for row in rows] == sorted(row.pc for row in rows)
    assert all(sum_to.contains(row.pc) for row in rows)
    row_lines = [row.location.line for row in rows]
    assert lines["loop_body"] in row_lines and lines["sum_return"] in row_lines
    assert row_lines.index(lines["sum_to_first"]) < row_lines.index(lines["loop_body"])


def test_optimised_build_maps_inlined_lines_back_to_their_source(fixtures, markers):
    symbols = load(fixtures, "inline.O2")
    lines = markers("inline.c")
    path = str(FIXTURES / "inline.c")
    for name in ("inner_body", "compute_calls_outer"):
        actual, pcs = symbols.resolve_line(path, lines[name])
        assert actual == lines[name]
        assert all(symbols.location_at(pc).line == lines[name] for pc in pcs)


def test_pcs_outside_code_have_no_location(fixtures):
    symbols = load(fixtures, "basics")
    assert symbols.location_at(0) is None
    assert symbols.location_at(len(fixtures["basics"].read_bytes()) + 100) is None
