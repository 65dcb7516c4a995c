"""Library views (adapters/source/formatters/) on real compiled programs under real Wasmtime:
Rust std containers and smart pointers (rustc 1.63's layouts, wasm32-wasi) and libc++'s
(zig's clang). Each program stops once; the locals are rendered two levels deep, every
child's evaluate name is evaluated back (what "Add to Watch" sends), and expressions that
reach through the views are evaluated in the same stop."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.source import launching
from adapters.source.debugger import SourceDebugger
from adapters.source.model import BreakpointSpec, StopKind, UserError
from adapters.wasm.process import LaunchOptions
from tests.conftest import FIXTURES, marker_lines
from tests.source.test_languages import Shown, _render

LANG = FIXTURES / "lang"


@dataclass
class Inspected:
    variables: dict[str, Shown]
    watched: dict[str, str]  # evaluate name -> what evaluating it shows
    evaluated: dict[str, str]  # expression -> value, or "error: ..."
    all_globals: list[str]

    def __getitem__(self, name: str) -> Shown:
        return self.variables[name]


def _evaluate_names(shown: Shown) -> list[str]:
    names = [shown.evaluate_name] if shown.evaluate_name else []
    for child in shown.children.values():
        names.extend(_evaluate_names(child))
    return names


def _evaluate_all(debugger: SourceDebugger, frame_id: int, expressions: list[str]) -> dict[str, str]:
    evaluated = {}
    for expression in expressions:
        try:
            evaluated[expression] = debugger.evaluate(expression, frame_id).value
        except UserError as error:
            evaluated[expression] = f"error: {error}"
    return evaluated


def inspect(module: Path, source: Path, expressions: list[str]) -> Inspected:
    (line,) = marker_lines(source).values()
    debugger = launching.launch(LaunchOptions(module))
    try:
        (result,) = debugger.set_source_breakpoints(str(source), [BreakpointSpec(line=line)])
        assert result.verified, result.message
        debugger.start(stop_on_entry=False)
        assert debugger.resume().kind is StopKind.BREAKPOINT
        frame = debugger.stack()[0]
        variables, all_globals = {}, []
        for scope in debugger.scopes(frame.id):
            if scope.name == "Locals":
                variables = {v.name: _render(debugger, v, 2) for v in debugger.variables(scope.reference)}
            if scope.name == "All Globals":
                all_globals = [v.name for v in debugger.variables(scope.reference)]
        names = [name for shown in variables.values() for name in _evaluate_names(shown)]
        watched, evaluated = _evaluate_all(debugger, frame.id, names), _evaluate_all(debugger, frame.id, expressions)
        return Inspected(variables, watched, evaluated, all_globals)
    finally:
        debugger.close()


RUST_EXPRESSIONS = [
    "orders[0]", "orders[1].id", "orders[0].skus[1]", "orders.len()", 'stock["apple"]', 'stock["kiwi"]',
    "tree[30]", "*shared", "shared.len()", "*boxed", "*atomic", "queue[2]", "card.last4.len()", "orders[5]",
    "seen.len()", "set.is_empty()", 'card.last4 == "4242"', 'orders[0].skus[0] != "apple"',
]  # fmt: skip
CPP_EXPRESSIONS = [
    "v[1]", "v.size()", "s[0]", "s.size()", 'ages["bob"]', 'ages["zed"]', "*unique", "unique->x", "shared->y",
    "(*shared).x", "names[2]", "fixed[2]", "v[5]", "queue[2]", "window[1]", "empty_unique->x", "primes.size()",
    "flags[2]", "flags[1]", 's == "rect"', '"rec" == s', 'names[1] == "one"',
]  # fmt: skip


@pytest.fixture(scope="module")
def rust(fixtures) -> Inspected:
    if "rust_std" not in fixtures:
        pytest.skip("rustc with the wasm32-wasi standard library is not installed")
    return inspect(fixtures["rust_std"], LANG / "rust_std.rs", RUST_EXPRESSIONS)


@pytest.fixture(scope="module")
def cpp(fixtures) -> Inspected:
    return inspect(fixtures["cpp_stl"], LANG / "cpp_stl.cpp", CPP_EXPRESSIONS)


def values(shown: Shown) -> list[tuple[str, str]]:
    return [(name, child.value) for name, child in shown.children.items()]


# ------------------------------------------------------------------------- Rust


def test_rust_structs_vecs_and_strings_in_rust_syntax(rust):
    assert rust["card"].value == 'Card { last4: "4242", amount: 1999 }'
    orders = rust["orders"]
    assert orders.value == (
        '(2) vec![Order { id: 7, skus: (2) vec!["apple", "pear"] }, Order { id: 8, skus: (0) vec![] }]'
    )
    assert orders.indexed == 2 and orders["[0]"]["skus"].evaluate_name == "orders[0].skus"
    assert rust["name"].value == '"boxed str"' and rust["maybe"].value == 'Some("x")'
    assert rust["pair"].value == '(1, "two")'


def test_rust_hash_and_btree_collections_show_their_entries(rust):
    stock = rust["stock"]
    assert stock.value in ('(2) {"apple": 3, "pear": 5}', '(2) {"pear": 5, "apple": 3}')
    assert dict(values(stock)) == {'["apple"]': "3", '["pear"]': "5"}
    assert stock['["apple"]'].evaluate_name == 'stock["apple"]'
    assert rust["seen"].value in ("(2) {11, 22}", "(2) {22, 11}")
    tree = rust["tree"]  # 20 keys: more than one B-tree node (11 keys each), walked in order
    assert tree.value.startswith('(20) {0: "v", 10: "v", 20: "v"') and tree.indexed == 20
    assert list(tree.children)[:3] == ["[0]", "[10]", "[20]"]
    assert rust["set"].value == "(3) {'a', 'b', 'c'}"
    assert rust["queue"].value == "(3) [1, 2, 3]"  # pushed 2, 3, then 1 at the front


def test_rust_smart_pointers_and_cells_show_value_and_state(rust):
    assert rust["boxed"].value == "1999"
    assert rust["shared"].value == '"shared" (strong=2, weak=1)'
    assert values(rust["shared"]) == [("value", '"shared"'), ("strong", "2"), ("weak", "1")]
    assert rust["atomic"].value == "41 (strong=1, weak=0)"
    assert rust["weak"].value == '"shared" (strong=2, weak=1)'
    assert rust["cell"].value == "5"
    assert rust["refcell"].value == "(2) vec![1, 2] (borrowed)"
    assert rust["borrowed"].value == "(2) vec![1, 2]"
    assert rust["lock"].value == "9"
    assert rust["add"].value == "closure { offset: 3, cell: 5 }"


def test_rust_all_globals_leaves_out_the_compilers_vtables(rust):
    assert "GLOBAL_PANIC_COUNT" in rust.all_globals  # a static of std: listed
    assert not [name for name in rust.all_globals if name.endswith("{vtable}")]  # 349 of them in this program
    assert len(rust.all_globals) < 100


def test_rust_evaluate_names_of_the_variables_view_evaluate_to_the_same_values(rust):
    shown = {name: s.value for s in rust.variables.values() for name, s in [(s.evaluate_name, s)] if name}
    for name, value in shown.items():
        assert rust.watched[name] == value, name
    unevaluated = {name: value for name, value in rust.watched.items() if value.startswith("error")}
    assert unevaluated == {}
    assert rust.watched["orders[0].skus"] == '(2) vec!["apple", "pear"]'
    assert rust.watched['stock["pear"]'] == "5"


def test_cpp_a_base_class_pointer_shows_the_object_of_its_dynamic_type(cpp):
    shape = cpp["shape"]  # a Shape * to a Rect: its class comes from the object's vtable pointer
    assert shape.type == "Shape *" and shape.value.startswith("(Rect *) 0x")
    assert [(name, child.value, child.evaluate_name) for name, child in shape.children.items()] == [
        ("Shape", "{id=1}", None),
        ("w", "3", "((Rect *)shape)->w"),
        ("h", "4", "((Rect *)shape)->h"),
    ]
    assert cpp.watched["((Rect *)shape)->h"] == "4"


def test_rust_expressions_index_and_dereference_through_the_views(rust):
    assert rust.evaluated == {
        "orders[0]": 'Order { id: 7, skus: (2) vec!["apple", "pear"] }',
        "orders[1].id": "8",
        "orders[0].skus[1]": '"pear"',
        "orders.len()": "2",
        'stock["apple"]': "3",
        'stock["kiwi"]': 'error: no entry with the key "kiwi" at column 6',
        "tree[30]": '"v"',
        "*shared": '"shared"',
        "shared.len()": "6",
        "*boxed": "1999",
        "*atomic": "41",
        "queue[2]": "3",
        "card.last4.len()": "4",
        "orders[5]": "error: index 5 is out of bounds (the length is 2) at column 7",
        "seen.len()": "2",
        "set.is_empty()": "false",
        'card.last4 == "4242"': "true",
        'orders[0].skus[0] != "apple"': "false",
    }


# -------------------------------------------------------------------------- C++


def test_cpp_sequences_show_size_and_elements(cpp):
    assert cpp["v"].value == "(3) {10, 20, 30}" and cpp["v"]["[1]"].evaluate_name == "v[1]"
    assert cpp["flags"].value == "(3) {true, false, true}"
    assert (cpp["s"].value, cpp["view"].value) == ('"rect"', '"a view"')
    assert cpp["fixed"].value == "(3) {1, 2, 3}" and cpp["window"].value == "(2) {20, 30}"
    assert cpp["queue"].value == "(3) {1, 2, 3}"
    assert cpp["linked"].value == "(3) {4, 5, 6}" and cpp["forward"].value == "(2) {7, 8}"


def test_cpp_associative_containers_show_entries_not_tree_internals(cpp):
    ages = cpp["ages"]
    assert ages.value == '(3) {"ann" = 31, "bob" = 42, "cid" = 7}'
    assert values(ages) == [('["ann"]', "31"), ('["bob"]', "42"), ('["cid"]', "7")]
    assert ages['["bob"]'].evaluate_name == 'ages["bob"]'
    assert cpp["pairs"].value == "(2) {1 = 10, 1 = 11}"
    assert list(cpp["pairs"].children) == ["[0] 1", "[1] 1"]  # equal keys: named by position
    assert cpp["primes"].value == "(4) {2, 3, 5, 7}"
    assert cpp["letters"].value == "(3) {97 'a', 98 'b', 98 'b'}"
    assert cpp["names"].value in ('(2) {1 = "one", 2 = "two"}', '(2) {2 = "two", 1 = "one"}')
    assert cpp["ids"].value in ("(2) {4, 8}", "(2) {8, 4}")


def test_cpp_smart_pointers_optional_variant_and_tuple(cpp):
    assert cpp["unique"].value == "{x=1, y=2}"
    assert [(n, c.value, c.evaluate_name) for n, c in cpp["unique"].children.items()] == [
        ("x", "1", "unique->x"),
        ("y", "2", "unique->y"),
    ]
    assert cpp["empty_unique"].value == "nullptr"
    assert cpp["shared"].value == "{x=3, y=4} (strong=1, weak=1)"
    assert cpp["weak"].value == "{x=3, y=4} (strong=1, weak=1)"
    assert (cpp["maybe"].value, cpp["nothing"].value) == ("5", "nullopt")
    assert cpp["choice"].value == '"text"'
    assert cpp["triple"].value == "(1, 99 'c', true)"


def test_cpp_evaluate_names_evaluate_to_the_same_values(cpp):
    for shown in cpp.variables.values():
        if shown.evaluate_name:
            assert cpp.watched[shown.evaluate_name] == shown.value, shown.evaluate_name
    assert not [name for name, value in cpp.watched.items() if value.startswith("error")]
    assert cpp.watched["unique->y"] == "2" and cpp.watched['ages["cid"]'] == "7"


def test_cpp_expressions_index_and_dereference_through_the_views(cpp):
    assert cpp.evaluated == {
        "v[1]": "20",
        "v.size()": "3",
        "s[0]": "114 'r'",
        "s.size()": "4",
        'ages["bob"]': "42",
        'ages["zed"]': 'error: no entry with the key "zed" at column 5',
        "*unique": "{x=1, y=2}",
        "unique->x": "1",
        "shared->y": "4",
        "(*shared).x": "3",
        "names[2]": '"two"',
        "fixed[2]": "3",
        "v[5]": "error: index 5 is out of bounds (the length is 3) at column 2",
        "queue[2]": "3",
        "window[1]": "30",
        "empty_unique->x": (
            "error: the std::__1::unique_ptr<Point, std::__1::default_delete<Point> > is nullptr at column 13"
        ),
        "primes.size()": "4",
        "flags[2]": "true",
        "flags[1]": "false",
        's == "rect"': "true",
        '"rec" == s': "false",
        'names[1] == "one"': "true",
    }


# -------------------------------------------------------------------------- Zig


@pytest.fixture(scope="module")
def zig(fixtures) -> Inspected:
    return inspect(fixtures["zig_std"], LANG / "zig_std.zig", ["list.items[2]", "list[1]", "ages[9]", 'names["ann"]'])


def test_zig_array_list_and_hash_maps_show_size_and_entries(zig):
    assert zig["list"].value == "(3) {4, 8, 15}" and zig["list"]["[2]"].evaluate_name == "list.items[2]"
    assert zig["ages"].value in ("(2) {7: 70, 9: 90}", "(2) {9: 90, 7: 70}")
    assert dict(values(zig["ages"])) == {"[7]": "70", "[9]": "90"}
    assert zig["names"].value == '(1) {"ann": 31}'
    assert not [name for name, value in zig.watched.items() if value.startswith("error")]
    assert zig.evaluated == {"list.items[2]": "15", "list[1]": "8", "ages[9]": "90", 'names["ann"]': "31"}


# ------------------------------------------------- gdb's Rust printers as a reference

RUST_PRINTERS = Path("/usr/lib/rustlib/etc/gdb_lookup.py")  # Debian's rust-gdb
_GDB_CONTAINER = re.compile(r"^(\w+)\((?:size=(\d+)|strong=(\d+), weak=(\d+)|borrow=(-?\d+))\)(?: = \{(.*)\})?$")


def _top_level_split(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    quoted = False
    for char in text:
        quoted ^= char == '"'
        depth += 0 if quoted else (char in "{[(") - (char in "}])")
        if char == "," and depth == 0 and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if "".join(current).strip():
        parts.append("".join(current).strip())
    return parts


def _gdb_facts(text: str) -> tuple[str, ...]:
    """What gdb's printer says of a value, as (size or counts, elements...): `[k] = v` as `k: v`,
    chars `97 'a'` as `'a'`, strings and numbers as they are."""
    match = _GDB_CONTAINER.match(text)
    if match is None:
        return (text,)
    kind, size, strong, weak, borrow, inner = match.groups()
    if strong is not None:
        fields = dict(part.split(" = ", 1) for part in _top_level_split(inner or ""))
        return (f"strong={strong}, weak={weak}", fields["value"])
    items = [
        re.sub(r"^\[(.*)\] = ", r"\1: ", re.sub(r"^\d+ ('.*')$", r"\1", item)) for item in _top_level_split(inner or "")
    ]
    return (size or borrow or "", *sorted(items))


def _our_facts(text: str) -> tuple[str, ...]:
    match = re.match(r"^\((\d+)\) (?:vec!|&)?[\[{](.*)[\]}]$", text)
    if match is not None:
        return (match.group(1), *sorted(_top_level_split(match.group(2))))
    counts = re.match(r"^(.*) \((strong=\d+, weak=\d+)\)$", text)
    if counts is not None:
        return (counts.group(2), counts.group(1))
    return (text,)


@pytest.mark.skipif(shutil.which("gdb") is None or not RUST_PRINTERS.exists(), reason="needs gdb and rust-gdb")
def test_rust_containers_show_what_gdbs_rust_printers_show_on_the_native_build(rust, tmp_path):
    """The same program built for x86-64 and printed by gdb with rustc's own pretty-printers:
    sizes, elements (in any order for hash tables), reference counts and shared values agree."""
    source = LANG / "rust_std.rs"
    native = tmp_path / "rust_std"
    subprocess.run(["/usr/bin/rustc", "-g", "-C", "opt-level=0", str(source), "-o", str(native)], check=True)
    (line,) = marker_lines(source).values()
    load = f"python import sys; sys.path.insert(0, '{RUST_PRINTERS.parent}'); import gdb_lookup; "
    load += "gdb.pretty_printers.append(gdb_lookup.lookup)"
    result = subprocess.run(
        ["gdb", "-batch", "-nx", "-iex", load, "-ex", f"break {source.name}:{line}", "-ex", "run",
         "-ex", "info locals", str(native)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    gdb_values = dict(text.split(" = ", 1) for text in result.stdout.splitlines() if re.match(r"^\w+ = ", text))
    compared = ["seen", "stock", "set", "queue", "shared", "shared2", "atomic", "bytes", "pair"]
    for name in compared:
        assert _our_facts(rust[name].value) == _gdb_facts(gdb_values[name]), (name, gdb_values[name])
    tree = rust["tree"]  # 20 entries: more than our summary spells out, so its children
    entries = sorted(f"{key[1:-1]}: {child.value}" for key, child in tree.children.items())
    assert (str(tree.indexed), *entries) == _gdb_facts(gdb_values["tree"])
    refcell = _gdb_facts(gdb_values["refcell"])  # RefCell(borrow=1) = {value = Vec(size=2) = {1, 2}, ...}
    assert refcell[0] == "1" and rust["refcell"].value == "(2) vec![1, 2] (borrowed)"
    assert re.sub(r"^\w+::", "", gdb_values["card"]).replace("{", "{ ").replace("}", " }") == rust["card"].value


# ------------------------------------------- gdb's libstdc++ printers as a reference


def _gdb_container_facts(text: str) -> tuple[str, ...]:
    """(size, elements...) of a container as gdb's libstdc++ printers show it: `[k] = v` entries as
    `k = v`, set and list elements without their `[i] = ` positions."""
    header, _, inner = text.partition(" = {")
    items = _top_level_split(inner.removesuffix("}")) if inner else []
    items = [re.sub(r"^\[(\d+)\] = ", "", item) if "set" in header or "list" in header else item for item in items]
    items = [re.sub(r"^\[(.*?)\] = ", r"\1 = ", item) for item in items]
    size = re.search(r"(?:length|with) (\d+)", header)
    return (size.group(1) if size else str(len(items)), *sorted(items))


@pytest.mark.skipif(shutil.which("gdb") is None or shutil.which("g++") is None, reason="needs gdb and g++")
def test_cpp_containers_hold_what_gdb_shows_for_libstdcxx_on_the_native_build(cpp, tmp_path):
    """The same program built natively with g++ (libstdc++, whose layouts differ from libc++'s)
    and printed by gdb's libstdc++ printers: values compared, not layouts."""
    source = LANG / "cpp_stl.cpp"
    native = tmp_path / "cpp_stl"
    subprocess.run(["g++", "-g", "-O0", "-std=c++20", str(source), "-o", str(native)], check=True)
    (line,) = marker_lines(source).values()
    result = subprocess.run(
        ["gdb", "-batch", "-nx", "-iex", "set auto-load safe-path /", "-ex", f"break {source.name}:{line}",
         "-ex", "run", "-ex", "info locals", str(native)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    gdb_values = dict(text.split(" = ", 1) for text in result.stdout.splitlines() if re.match(r"^\w+ = ", text))
    containers = ["v", "flags", "ages", "pairs", "primes", "letters", "names", "ids", "window", "queue", "linked"]
    for name in [*containers, "forward"]:
        assert _our_facts(cpp[name].value) == _gdb_container_facts(gdb_values[name]), (name, gdb_values[name])
    for name in ("s", "view"):
        assert cpp[name].value == gdb_values[name]
    counts = re.search(r"use count (\d+), weak count (\d+)", gdb_values["shared"])
    assert cpp["shared"].value.endswith(f"(strong={counts.group(1)}, weak={counts.group(2)})")
    assert gdb_values["maybe"].endswith(f"= {{[contained value] = {cpp['maybe'].value}}}")
    assert "[no contained value]" in gdb_values["nothing"] and cpp["nothing"].value == "nullopt"
    assert gdb_values["choice"].endswith(f"= {{{cpp['choice'].value}}}")
    gdb_tuple = _top_level_split(gdb_values["triple"].partition(" = {")[2].removesuffix("}"))
    assert "(" + ", ".join(re.sub(r"^\[\d+\] = ", "", item) for item in gdb_tuple) + ")" == cpp["triple"].value
