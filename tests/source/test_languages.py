"""Values of C++, Rust and Zig programs as the source debugger shows them, under real Wasmtime.

Each program runs once; at every ``BREAK:`` marker the frame's arguments and locals are
rendered (two levels of children) and kept, since variable references expire on resume.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from adapters.source import launching
from adapters.source.debugger import SourceDebugger
from adapters.source.model import BreakpointSpec, StopKind, Variable
from adapters.wasm.process import LaunchOptions
from tests.conftest import EXAMPLE_SOURCES, FIXTURES, line_of, marker_lines, require_built

LANG = FIXTURES / "lang"


@dataclass
class Shown:
    """A rendered variable and, when it has any, its rendered children."""

    value: str
    type: str
    evaluate_name: str | None
    indexed: int | None
    children: dict[str, Shown] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Shown:
        return self.children[name]


@dataclass
class Stop:
    frames: list[str]
    variables: dict[str, Shown]

    def __getitem__(self, name: str) -> Shown:
        return self.variables[name]

    def summaries(self, *names: str) -> dict[str, str]:
        return {name: self.variables[name].value for name in names}


def _render(debugger: SourceDebugger, variable: Variable, depth: int) -> Shown:
    shown = Shown(variable.value, variable.type or "", variable.evaluate_name, variable.indexed_children)
    if variable.reference and depth > 0:
        for child in debugger.variables(variable.reference):
            shown.children[child.name] = _render(debugger, child, depth - 1)
    return shown


def run_to_markers(module: Path, source: Path) -> dict[str, list[Stop]]:
    """Marker name -> what was shown at each stop there, in order (the program runs to its end)."""
    lines = marker_lines(source)
    names = {line: name for name, line in lines.items()}
    debugger = launching.launch(LaunchOptions(module))
    stops: dict[str, list[Stop]] = {}
    try:
        results = debugger.set_source_breakpoints(str(source), [BreakpointSpec(line=line) for line in lines.values()])
        assert all(result.verified for result in results), [result.message for result in results]
        debugger.start(stop_on_entry=False)
        while (stop := debugger.resume()).kind is StopKind.BREAKPOINT:
            frames = debugger.stack()
            assert frames[0].location is not None
            name = names[frames[0].location.line]
            variables: dict[str, Shown] = {}
            for scope in debugger.scopes(frames[0].id):
                if scope.name in ("Arguments", "Locals"):
                    for variable in debugger.variables(scope.reference):
                        variables[variable.name] = _render(debugger, variable, 2)
            stops.setdefault(name, []).append(Stop([frame.name for frame in frames], variables))
        assert stop.kind is StopKind.EXITED
    finally:
        debugger.close()
    assert set(stops) == set(lines), f"never stopped at {set(lines) - set(stops)}"
    return stops


def first_stops(stops: dict[str, list[Stop]]) -> dict[str, Stop]:
    return {name: hits[0] for name, hits in stops.items()}


@pytest.fixture(scope="module")
def rust(fixtures) -> dict[str, Stop]:
    return first_stops(run_to_markers(require_built(fixtures, "rust_values"), LANG / "rust_values.rs"))


@pytest.fixture(scope="module")
def cpp(fixtures) -> dict[str, Stop]:
    return first_stops(run_to_markers(fixtures["cpp_values"], LANG / "cpp_values.cpp"))


@pytest.fixture(scope="module")
def zig(fixtures) -> dict[str, Stop]:
    return first_stops(run_to_markers(fixtures["zig_values"], LANG / "zig_values.zig"))


# ------------------------------------------------------------------------- Rust


def test_rust_scalars_and_strings(rust):
    main = rust["main"]
    assert main.summaries("flag", "letter", "small", "big", "ratio", "greeting", "slice_of_str") == {
        "flag": "true",
        "letter": "'λ'",
        "small": "-5",
        "big": "18000000000000000000",
        "ratio": "2.5",
        "greeting": '"hello, wasm"',
        "slice_of_str": '"borrowed"',
    }
    assert main["greeting"].type == "alloc::string::String" and not main["greeting"].children
    assert main["slice_of_str"].type == "&str"


def test_rust_vec_and_slices_have_length_and_elements(rust):
    numbers = rust["main"]["numbers"]
    assert numbers.value == "(3) vec![10, 20, 30]" and numbers.indexed == 3
    elements = [(name, child.value) for name, child in numbers.children.items()]
    assert elements == [("[0]", "10"), ("[1]", "20"), ("[2]", "30")]
    sliced = rust["inspect"]["numbers"]
    assert (sliced.value, sliced.type, sliced.indexed) == ("(2) &[20, 30]", "&[i32]", 2)
    assert rust["main"]["array"].value == "[1, 2, 3, 4]" and rust["main"]["array"].type == "[u16; 4]"


def test_rust_trait_objects_show_the_value_of_the_type_behind_them(rust):
    for shape in (rust["main"]["shape"], rust["inspect"]["shape"]):
        assert shape.type == "&dyn rust_values::Describe"
        assert shape.value == rust["inspect"]["point"].value  # the Point it points at, not pointer and vtable
        assert {name: child.value for name, child in shape.children.items()} == {"x": "1", "y": "2"}


def test_rust_option_result_and_enums_by_variant(rust):
    main = rust["main"]
    assert main.summaries("some_number", "no_number", "ok", "err", "genre", "opened", "borrowed", "returned") == {
        "some_number": "Some(3)",
        "no_number": "None",
        "ok": "Ok(200)",
        "err": 'Err("broken")',
        "genre": "Fiction",
        "opened": "Opened",
        "borrowed": "Borrowed { reader: 42, days: 14 }",
        "returned": "Returned(42)",
    }
    assert main["some_number"].children["0"].value == "3"
    assert {name: child.value for name, child in main["borrowed"].children.items()} == {"reader": "42", "days": "14"}
    assert not main["no_number"].children
    # Option<&Book> uses the null pointer as its None: the niche, not a tag.
    assert main["maybe_book"].value == 'Some(Book { title: "Dune", year: 1965, genre: Science })'


def test_rust_structs_tuples_boxes_and_references(rust):
    main = rust["main"]
    assert main["tuple"].value == '(7, -3, "pair")'
    assert [(name, child.value) for name, child in main["tuple"].children.items()] == [
        ("0", "7"),
        ("1", "-3"),
        ("2", '"pair"'),
    ]
    assert main["boxed"].value == "Point { x: 4, y: 5 }" and main["boxed"]["y"].value == "5"
    assert main["reference"].value == "Point { x: 1, y: 2 }" and main["reference"].type == "&rust_values::Point"
    assert main["book"]["title"].value == '"Dune"' and main["book"]["genre"].value == "Science"
    assert main["shelf"].value == 'Shelf { label: "sci-fi", books: (0) vec![] }'


def test_rust_method_frame_names_are_demangled(rust):
    restock = rust["restock"]
    assert restock.frames[:2] == ["rust_values::library::Shelf::restock", "rust_values::main"]
    assert restock["self"].type == "&mut rust_values::library::Shelf"
    assert restock["self"]["books"].value == '(1) vec![Book { title: "Solaris", year: 1961, genre: Science }]'
    assert restock.summaries("title", "year") == {"title": '"Solaris"', "year": "1961"}


# -------------------------------------------------------------------------- C++


def test_cpp_inheritance_shows_base_members(cpp):
    lion = cpp["cpp_main"]["lion"]
    assert lion.type == "zoo::Lion"
    assert lion["zoo::Animal"].value == "{name_=" + lion["zoo::Animal"]["name_"].value + ", legs_=4}"
    assert lion["zoo::Animal"]["name_"].value.endswith(' "Leo"')
    # A static member is listed among the children of the class declaring it (not in the one-line summary).
    assert lion["zoo::Animal"]["static population"].value == "1"
    assert (lion["pride_"].value, lion["diet_"].value) == ("3", "Carnivore")


def test_cpp_static_member_evaluates_by_its_qualified_name(fixtures):
    debugger = launching.launch(LaunchOptions(fixtures["cpp_values"]))
    try:
        line = marker_lines(LANG / "cpp_values.cpp")["cpp_main"]
        debugger.set_source_breakpoints(str(LANG / "cpp_values.cpp"), [BreakpointSpec(line=line)])
        debugger.start(stop_on_entry=False)
        assert debugger.resume().kind is StopKind.BREAKPOINT
        assert debugger.evaluate("zoo::Animal::population").value == "1"  # the static child's evaluate name
        assert debugger.evaluate("zoo::Animal::population + lion.legs_").value == "5"
    finally:
        debugger.close()


def test_cpp_references_enum_class_and_namespaces(cpp):
    main = cpp["cpp_main"]
    assert (main["keeper_ref"].type, main["keeper_ref"].value) == ("zoo::Keeper &", "{id=7, salary=1234.5}")
    assert main["keeper_ref"]["salary"].value == "1234.5"
    # The reference shows the object's own class, a zoo::Lion, from its vtable (gdb's `set print object on`).
    assert (main["animal"].type, main["animal"]["zoo::Animal"]["legs_"].value) == ("zoo::Animal &", "4")
    assert main["animal"]["pride_"].value == "3"
    assert (main["diet"].type, main["diet"].value) == ("zoo::Diet", "Herbivore")
    feed = cpp["feed"]
    assert feed.frames[0] == "zoo::feed(zoo::Animal&, zoo::Keeper const&, int*)"
    assert feed["keeper"].type == "const zoo::Keeper &" and feed["portions"]["*portions"].value == "9"


def test_cpp_templates_and_this(cpp):
    ring = cpp["cpp_main"]["ring"]
    assert (ring.type, ring.value) == ("zoo::Ring<short, 3>", "{items_={5, -6, 0}, head_=2}")
    push = cpp["ring_push"]
    assert push.frames[0] == "zoo::Ring<short, 3>::push(short const&)"
    assert push["this"].type == "zoo::Ring<short, 3> *" and push["this"]["items_"].value == "{5, 0, 0}"
    assert push["value"].value == "5"
    noise = cpp["lion_noise"]
    assert noise["this"].type == "const zoo::Lion *" and noise["this"]["pride_"].value == "3"


def test_cpp_std_vector_shows_its_elements(cpp):
    numbers = cpp["cpp_main"]["numbers"]
    assert numbers.value == "(2) {11, 22}" and numbers.indexed == 2
    assert [child.value for child in numbers.children.values()] == ["11", "22"]


def test_cpp_std_strings_show_their_text_short_long_empty_and_wide(cpp):
    main = cpp["cpp_main"]
    assert main["short_text"].value == '"lion"'  # its characters inside the object
    assert main["long_text"].value == '"a pride of lions, \\"Leo\\" and\\tfriends"'  # behind a pointer
    assert main["empty_text"].value == '""'
    assert main["wide_text"].value == 'L"Löwe"'
    assert main["utf16_text"].value == 'u"Löwin on the heap, long enough"'
    assert main["names"].value == '(2) {"Leo", "Nala"}'
    assert [child.value for child in main["names"].children.values()] == ['"Leo"', '"Nala"']


# -------------------------------------------------------------------------- Zig


def test_zig_slices_strings_and_structs(zig):
    main = zig["zig_main"]
    assert (main["name"].value, main["name"].type) == ('"zebra"', "[]const u8")
    assert (main["point"].type, main["point"].value) == ("zig_values.Point", "{x=4, y=-4}")
    scores = zig["describe"]["scores"]
    assert (scores.value, scores.indexed) == ("(3) {5, 6, 7}", 3)
    assert zig["describe"]["point"]["y"].value == "-4"


def test_zig_optionals_and_error_unions(zig):
    main = zig["zig_main"]
    assert main.summaries("maybe", "nothing", "parsed", "failed", "color", "flag", "ratio") == {
        "maybe": "1",
        "nothing": "null",
        "parsed": "5",
        "failed": "error.Empty",
        "color": "green",
        "flag": "true",
        "ratio": "0.25",
    }
    assert main["lookup"].value == "{{x=3, y=-4}, null}"
    assert main["lookup"]["[0]"].value == "{x=3, y=-4}" and not main["lookup"]["[1]"].children


def test_a_rust_line_that_owns_dead_code_stops_only_where_its_code_runs(examples):
    """rustc gives `match`'s line an `unreachable` after main's `return`. Wasmtime 49 fires a
    breakpoint set there at the entry of the next function, a stop nobody asked for."""
    source = EXAMPLE_SOURCES["library"]
    line = line_of("library", 'match find_by_author(&books, "Sagan")')
    debugger = launching.launch(LaunchOptions(require_built(examples, "library")))
    try:
        (module_id,) = debugger.symbols
        _, pcs = debugger.symbols[module_id].resolve_line(str(source), line)
        dead = [pc for pc in pcs if not debugger.code.runs(module_id, pc)]
        assert dead, "the line no longer owns dead code"
        (refused,) = debugger.set_instruction_breakpoints([BreakpointSpec(instruction=dead[0], module_id=module_id)])
        assert not refused.verified and "can never run" in refused.message
        (result,) = debugger.set_source_breakpoints(str(source), [BreakpointSpec(line=line)])
        assert result.verified
        debugger.start(stop_on_entry=False)
        stop = debugger.resume()
        assert (stop.kind, stop.breakpoint_ids) == (StopKind.BREAKPOINT, (result.id,))
        assert debugger.stack()[0].location.line == line
        assert debugger.resume().kind is StopKind.EXITED
    finally:
        debugger.close()
