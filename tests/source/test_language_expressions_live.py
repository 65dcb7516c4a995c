"""Expressions in the frame's language under real Wasmtime. Rust: auto-deref through
references, `!` on bool and integers, `==` between strings and literals, `as` casts, tuple
fields, and a condition through a reference compiled into the agent, which stops only where
it holds. C++: `==` on std::string, `(Derived *)` casts, comparisons that are bools. Zig:
slices indexed. C: function pointers named, a function's name as a value."""

from __future__ import annotations

import re

import pytest

from adapters.source import launching
from adapters.source.debugger import SourceDebugger
from adapters.source.expressions.errors import ExpressionError
from adapters.source.model import BreakpointSpec, StopKind
from adapters.wasm.process import LaunchOptions
from tests.conftest import EXAMPLE_SOURCES, FIXTURES, line_of, marker_lines

SOURCE = FIXTURES / "lang" / "rust_orders.rs"
CPP_SOURCE = FIXTURES / "lang" / "cpp_values.cpp"


@pytest.fixture
def module(fixtures):
    if "rust_orders" not in fixtures:
        pytest.skip("rustc with the wasm32-wasi std is needed (apt-get install rustc libstd-rust-dev-wasm32)")
    return fixtures["rust_orders"]


def _launch(module, condition: str | None = None, source=SOURCE, marker="weigh") -> SourceDebugger:
    debugger = launching.launch(LaunchOptions(module))
    line = marker_lines(source)[marker]
    (result,) = debugger.set_source_breakpoints(str(source), [BreakpointSpec(line=line, condition=condition)])
    assert result.verified, result.message
    debugger.start(stop_on_entry=False)
    return debugger


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("item.qty", "3"),  # item: &Item
        ("order.customer", '"ada"'),  # order: &Order
        ("order.item.name", '"bolt"'),  # through two references
        ("(*item).qty + 1", "4"),
        ("!positive", "true"),  # a bool, not C's int
        ("!item.fragile && item.qty < 5", "true"),
        ("!item.qty", "4294967292"),  # on an integer, Rust's `!` is the bitwise complement
        ('order.customer == "ada"', "true"),
        ('item.name != "bolt"', "false"),
        ('"bolt" == item.name', "true"),
        ("pair.0", "3"),  # tuple fields
        ("pair.1", "false"),
        ("item.qty as u8 * 2", "6"),  # `as` casts, binding tighter than `*`
        ("item.qty as f64 / 2.0", "1.5"),
        ("-(item.qty as i64)", "-3"),
    ],
)
def test_rust_expressions(module, text, shown):
    debugger = _launch(module)
    try:
        assert debugger.resume().kind is StopKind.BREAKPOINT
        result = debugger.evaluate(text, debugger.stack()[0].id)
        assert result.value == shown, text
    finally:
        debugger.close()


@pytest.mark.parametrize(("condition", "names"), [("item.qty == 10", ['"nut"', '"cog"']), ("!positive", ['"bolt"'])])
def test_condition_through_a_reference_runs_in_the_agent(module, condition, names):
    debugger = _launch(module, condition)
    try:
        (breakpoint,) = debugger.breakpoints.user.values()
        assert not breakpoint.host_condition, "the condition was not compiled into the agent"
        seen = []
        while (stop := debugger.resume()).kind is StopKind.BREAKPOINT:
            seen.append(debugger.evaluate("item.name", debugger.stack()[0].id).value)
        assert stop.kind is StopKind.EXITED
        assert seen == names
    finally:
        debugger.close()


CPP_CHECKS = [
    ('short_text == "lion"', "true"),  # a short std::string, inside the object
    ('short_text != "lion"', "false"),
    ('short_text == "lio"', "false"),
    ('"lion" == short_text', "true"),
    ('long_text == "a pride of lions, \\"Leo\\" and\\tfriends"', "true"),  # on the heap
    ('empty_text == ""', "true"),
    ("((zoo::Lion *)&animal)->pride_", "3"),  # animal: Animal& bound to a Lion
    ("portions > 5 && !(portions > 50)", "true"),  # a C++ comparison is a bool
    ("diet == zoo::Diet::Herbivore", "true"),  # enum class enumerators, qualified
    ("diet == Diet::Carnivore", "false"),
]


def _shown_at(module, source, marker: str, texts: list[str]) -> dict[str, str]:
    """What each expression evaluates to at the first stop at ``marker``."""
    debugger = _launch(module, source=source, marker=marker)
    try:
        assert debugger.resume().kind is StopKind.BREAKPOINT
        frame = debugger.stack()[0].id
        return {text: debugger.evaluate(text, frame).value for text in texts}
    finally:
        debugger.close()


def test_cpp_expressions(fixtures):
    shown = _shown_at(fixtures["cpp_values"], CPP_SOURCE, "cpp_main", [text for text, _ in CPP_CHECKS])
    assert shown == dict(CPP_CHECKS)


ZIG_CHECKS = [
    ("students[1]", '{name="brian", score=78}'),  # a Zig slice indexes like an array, within its len
    ("students[1].name", '"brian"'),
    ("students[1],x", '{name="brian", score=0x4e}'),  # a format suffix keeps the rich rendering
    ('student.name == "ada"', "true"),
    ("!(student.score > 90)", "false"),
]


def test_zig_expressions(examples):
    source = EXAMPLE_SOURCES["grades"]
    debugger = launching.launch(LaunchOptions(examples["grades"]))
    try:
        line = line_of("grades", "sum += student.score;")
        (result,) = debugger.set_source_breakpoints(str(source), [BreakpointSpec(line=line)])
        assert result.verified, result.message
        debugger.start(stop_on_entry=False)
        assert debugger.resume().kind is StopKind.BREAKPOINT
        frame = debugger.stack()[0].id
        assert {text: debugger.evaluate(text, frame).value for text, _ in ZIG_CHECKS} == dict(ZIG_CHECKS)
        with pytest.raises(ExpressionError, match="index 3 is out of bounds"):
            debugger.evaluate("students[3]", frame)
    finally:
        debugger.close()


FUNCTION_POINTERS = FIXTURES / "lang" / "function_pointers.c"


def test_function_pointers_name_their_function(fixtures):
    debugger = _launch(fixtures["function_pointers"], source=FUNCTION_POINTERS, marker="fp")
    try:
        assert debugger.resume().kind is StopKind.BREAKPOINT
        frame = debugger.stack()[0]
        (locals_scope,) = [scope for scope in debugger.scopes(frame.id) if scope.name == "Locals"]
        shown = {variable.name: variable.value for variable in debugger.variables(locals_scope.reference)}
        assert re.fullmatch(r"\{hash=0x[0-9a-f]+ <djb2>, size=8\}", shown["t"])
        assert re.fullmatch(r"0x[0-9a-f]+ <sdbm>", shown["other"])
        assert re.fullmatch(r"\{unsigned int \(const char \*\)\} 0x[0-9a-f]+ <djb2>", debugger.evaluate("djb2").value)
        assert debugger.evaluate("t.hash == djb2").value == "1"
        assert debugger.evaluate("other == djb2").value == "0"
        with pytest.raises(ExpressionError, match="never takes"):
            debugger.evaluate("never")
    finally:
        debugger.close()


@pytest.mark.parametrize(("condition", "stops"), [("other == sdbm", True), ("t.hash != djb2", False)])
def test_condition_on_a_function_pointer_runs_in_the_agent(fixtures, condition, stops):
    debugger = _launch(fixtures["function_pointers"], condition, source=FUNCTION_POINTERS, marker="fp")
    try:
        (breakpoint,) = debugger.breakpoints.user.values()
        assert not breakpoint.host_condition, "the condition was not compiled into the agent"
        expected = StopKind.BREAKPOINT if stops else StopKind.EXITED
        assert debugger.resume().kind is expected
    finally:
        debugger.close()


# Conditions in Rust's typing and C's arithmetic, all compiled into the agent: at every hit
# the agent must decide exactly as the host evaluator does.
RUST_CONDITIONS = [
    "item.qty == 10",
    "!positive",
    "item.qty as u8 * 2 > 10",
    "order.item.qty != item.qty",
    "pair.0 > 5 && !pair.1",
    "!item.qty == 4294967292",
    "item.qty % 3 == 1",
    "order.item.fragile || item.qty < 4",
]


def test_agent_and_host_agree_on_rust_conditions(module):
    debugger = _launch(module)
    host: dict[str, list[str]] = {condition: [] for condition in RUST_CONDITIONS}
    try:
        while debugger.resume().kind is StopKind.BREAKPOINT:
            frame = debugger.stack()[0].id
            name = debugger.evaluate("item.name", frame).value
            for condition in RUST_CONDITIONS:
                if debugger.evaluate(condition, frame).value == "true":
                    host[condition].append(name)
    finally:
        debugger.close()
    assert any(host.values()) and not all(len(names) == 4 for names in host.values())
    for condition in RUST_CONDITIONS:
        debugger = _launch(module, condition)
        try:
            (breakpoint,) = debugger.breakpoints.user.values()
            assert not breakpoint.host_condition, f"{condition} was not compiled into the agent"
            stopped = []
            while debugger.resume().kind is StopKind.BREAKPOINT:
                stopped.append(debugger.evaluate("item.name", debugger.stack()[0].id).value)
            assert stopped == host[condition], condition
        finally:
            debugger.close()


RUST_ENUM_CHECKS = [
    ("genre == Genre::Fiction", "true"),  # a fieldless enum's variants, by their paths
    ("genre != library::Genre::Fiction", "false"),
    ("Genre::Science", "Science"),  # shown as the variant, not its number
]


def test_rust_enum_variants(fixtures):
    if "rust_values" not in fixtures:
        pytest.skip("rustc with the wasm32-wasi std is needed (apt-get install rustc libstd-rust-dev-wasm32)")
    source = FIXTURES / "lang" / "rust_values.rs"
    shown = _shown_at(fixtures["rust_values"], source, "main", [text for text, _ in RUST_ENUM_CHECKS])
    assert shown == dict(RUST_ENUM_CHECKS)
