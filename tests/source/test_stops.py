"""Stops as gdb makes them, and stepping plans whose size does not grow with the function,
on real compiled programs under real Wasmtime (gdb on a native build as the reference)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from build import build_all

from adapters.source import launching
from adapters.source.debugger import SourceDebugger
from adapters.source.model import BreakpointSpec, StopKind
from adapters.wasm.process import LaunchOptions
from tests.conftest import EXAMPLE_SOURCES, FIXTURES, line_of, marker_lines

STOPS = FIXTURES / "stops.c"
NATIVE_COMPILER = shutil.which("clang-22") or shutil.which("gcc")
needs_gdb = pytest.mark.skipif(
    shutil.which("gdb") is None or NATIVE_COMPILER is None, reason="needs gdb and a native C compiler"
)


def start(module: Path, *args: str, on_output: Callable[[str, str], None] | None = None) -> SourceDebugger:
    """The source-level debugger of ``module`` launched under Wasmtime with ``args``."""
    return launching.launch(LaunchOptions(module, args=args), on_output=on_output)


@pytest.fixture
def launch(fixtures) -> Iterator:
    debuggers: list[SourceDebugger] = []

    def _launch(module: Path, source: Path, *lines: int) -> SourceDebugger:
        debugger = start(module)
        debuggers.append(debugger)
        results = debugger.set_source_breakpoints(str(source), [BreakpointSpec(line=line) for line in lines])
        assert all(result.verified for result in results)
        debugger.start(stop_on_entry=False)
        assert debugger.resume().kind is StopKind.BREAKPOINT
        return debugger

    yield _launch
    for debugger in debuggers:
        debugger.close()


def top(debugger: SourceDebugger) -> tuple[str, int | None]:
    frame = debugger.stack()[0]
    return frame.name, frame.location.line if frame.location else None


def gdb_lines(source: Path, tmp_path: Path, line: int, commands: list[str]) -> list[int]:
    """The line gdb shows after each of ``commands``, stopped first at ``source:line`` of a native -O0 build."""
    native = tmp_path / "native"
    subprocess.run([NATIVE_COMPILER, "-g", "-O0", str(source), "-o", str(native)], check=True)
    arguments = ["gdb", "-batch", "-nx", "-ex", f"break {source.name}:{line}", "-ex", "run"]
    for command in commands:
        arguments += ["-ex", command]
    output = subprocess.run([*arguments, str(native)], capture_output=True, text=True, check=True).stdout
    return [int(number) for number in re.findall(r"^(\d+)\t", output, re.MULTILINE)][1:]


@needs_gdb
def test_next_through_a_while_loop_visits_its_condition_once_per_iteration(launch, fixtures, tmp_path):
    lines = marker_lines(STOPS)
    debugger = launch(fixtures["stops"], STOPS, lines["count_first"])
    expected = gdb_lines(STOPS, tmp_path, lines["count_first"], ["next"] * 11)
    seen = []
    for _ in expected:
        assert debugger.step("over").kind is StopKind.STEP
        seen.append(top(debugger)[1])
    assert seen == expected
    assert seen.count(lines["while_cond"]) == 4  # three iterations and the test that ends the loop


@needs_gdb
def test_finish_from_a_function_called_through_a_pointer_stops_at_the_callers_line(launch, fixtures, tmp_path):
    lines = marker_lines(STOPS)
    debugger = launch(fixtures["stops"], STOPS, lines["twice_body"])
    assert debugger.step("out").kind is StopKind.STEP
    assert [top(debugger)[1]] == gdb_lines(STOPS, tmp_path, lines["twice_body"], ["finish"])
    assert top(debugger) == ("apply", lines["apply_call"])


# -- a function of thousands of lines: a step's plan is the size of one line -----------------------
HUGE_LINES = 5000


@pytest.fixture(scope="module")
def huge(tmp_path_factory) -> tuple[Path, Path, int, int]:
    """(module, source, the line of a statement in the middle, the line of an indirect call)."""
    directory = tmp_path_factory.mktemp("huge")
    source = directory / "huge.c"
    body = [f"  if (acc > {n}) acc -= {n};" if n % 50 == 0 else f"  acc += {n};" for n in range(HUGE_LINES)]
    middle = HUGE_LINES // 2
    body.insert(middle + 1, "  acc += pick(acc)(acc);")
    text = "\n".join(
        [
            "static int add_one(int x) { return x + 1; }",
            "static int add_two(int x) { return x + 2; }",
            "static int (*pick(int n))(int) { return n & 1 ? add_one : add_two; }",
            "int huge(int acc) {",
            *body,
            "  return acc;",
            "}",
            "int main(int argc, char **argv) { (void)argv; return huge(argc) & 1; }",
        ]
    )
    source.write_text(text + "\n")
    first_body_line = 5
    return build_all([source])["huge"], source, first_body_line + middle, first_body_line + middle + 1


def record_plans(debugger: SourceDebugger) -> list[int]:
    """The size of every batch of breakpoints set from now on (a plan sets its breakpoints in one batch)."""
    sizes: list[int] = []
    set_breakpoints = debugger.debuggee.set_breakpoints

    def recording(breakpoints):
        sizes.append(len(breakpoints))
        return set_breakpoints(breakpoints)

    debugger.debuggee.set_breakpoints = recording  # type: ignore[method-assign]
    return sizes


def test_next_in_a_huge_function_sets_the_breakpoints_of_one_line(launch, huge):
    module, source, middle, _ = huge
    debugger = launch(module, source, middle)
    plans = record_plans(debugger)
    assert debugger.step("over").kind is StopKind.STEP
    assert top(debugger) == ("huge", middle + 1)
    assert plans and max(plans) <= 4  # before: one breakpoint per statement of the function (5,000)


def test_step_in_at_an_indirect_call_in_a_huge_function_breaks_at_the_one_callee(launch, huge):
    module, source, _, call = huge
    debugger = launch(module, source, call)
    plans = record_plans(debugger)
    debugger.step("in")
    assert top(debugger)[0] == "pick"  # the direct call on the line comes first
    debugger.step("out")
    debugger.step("in")
    assert top(debugger)[0] in ("add_one", "add_two")
    assert plans and max(plans) <= 6


@pytest.mark.parametrize("name", ["average", "grades.average"])
def test_a_zig_function_breakpoint_stops_after_the_prologue_with_its_arguments(examples, name):
    debugger = start(examples["grades"])
    try:
        (result,) = debugger.set_function_breakpoints([BreakpointSpec(function=name)])
        assert result.verified
        debugger.start(stop_on_entry=False)
        assert debugger.resume().kind is StopKind.FUNCTION_BREAKPOINT
        assert top(debugger) == ("average", line_of("grades", "var sum: u32 = 0;"))
        shown = {v.name: v.value for scope in debugger.scopes(1) for v in debugger.variables(scope.reference)}
        assert shown["students"].startswith('(3) {{name="ada"')  # before the prologue: "(0) {}"
    finally:
        debugger.close()


def test_pause_reports_the_statement_running_and_its_block_locals(fixtures):
    lines = marker_lines(STOPS)
    debugger = start(fixtures["stops"], "spin")
    try:
        debugger.set_source_breakpoints(str(STOPS), [BreakpointSpec(line=lines["spin_body"])])
        debugger.start(stop_on_entry=False)
        assert debugger.resume().kind is StopKind.BREAKPOINT
        debugger.set_source_breakpoints(str(STOPS), [])
        with ThreadPoolExecutor(1) as pool:
            run = pool.submit(debugger.resume)
            assert debugger.running.wait(30)
            debugger.pause()
            assert run.result(60).kind is StopKind.PAUSE
        name, line = top(debugger)
        assert name == "spin" and line in (lines["spin_for"], lines["spin_body"])  # before: the return line
        shown = {v.name for scope in debugger.scopes(1) for v in debugger.variables(scope.reference)}
        assert {"i", "total", "n"} <= shown  # the loop counter lives in the for's block
    finally:
        debugger.close()


RUST_VALUES = FIXTURES / "lang" / "rust_values.rs"
needs_native_rust = pytest.mark.skipif(
    shutil.which("gdb") is None or shutil.which("rustc") is None, reason="needs gdb and a native rustc"
)


def gdb_hits(source: Path, tmp_path: Path, line: int, compiler: list[str]) -> list[str]:
    """The frames gdb's breakpoint at ``source:line`` stops in, run to the end, on a native -O0 build."""
    native = tmp_path / "native"
    subprocess.run([*compiler, str(source), "-o", str(native)], check=True, capture_output=True)
    arguments = ["gdb", "-batch", "-nx", "-ex", f"break {source.name}:{line}", "-ex", "run"]
    arguments += ["-ex", "continue"] * 10  # gdb fails the ones after the exit: its status says nothing
    output = subprocess.run([*arguments, str(native)], capture_output=True, text=True, check=False).stdout
    return re.findall(r"^Breakpoint 1(?:\.\d+)?, (\S+) \(", output, re.MULTILINE)


def built(modules: dict[str, Path], name: str) -> Path:
    """A module built from Rust sources: the wasm32 Rust toolchain is optional (examples/build.py)."""
    if name not in modules:
        pytest.skip(f"{name} was not built: no rustc with the wasm32-wasi standard library")
    return modules[name]


def run_to_the_end(debugger: SourceDebugger) -> list[tuple[str, tuple[int, ...]]]:
    """(function, hit breakpoint ids) of every stop until the program ends."""
    debugger.start(stop_on_entry=False)
    hits = []
    while (stop := debugger.resume()).kind is not StopKind.EXITED:
        hits.append((debugger.stack()[0].name, stop.breakpoint_ids))
    return hits


@needs_native_rust
def test_a_breakpoint_on_a_rust_loop_body_stops_once_per_iteration(examples, tmp_path):
    module = built(examples, "library")
    source = EXAMPLE_SOURCES["library"]
    line = line_of("library", "if book.genre == genre {")
    expected = gdb_hits(source, tmp_path, line, ["rustc", "-g", "-C", "opt-level=0"])
    debugger = start(module)
    try:
        (result,) = debugger.set_source_breakpoints(str(source), [BreakpointSpec(line=line)])
        hits = run_to_the_end(debugger)
        assert [name.split("::")[-1] for name, _ in hits] == [name.split("::")[-1] for name in expected]
        assert len(hits) == 3  # one per book; before, 4 (the line's second statement, after the if)
        assert all(ids == (result.id,) for _, ids in hits)
    finally:
        debugger.close()


@needs_native_rust
def test_a_rust_line_with_a_closure_stops_in_both_after_the_closures_prologue(fixtures, tmp_path):
    module = built(fixtures, "rust_values")
    line = marker_lines(RUST_VALUES).get("closure") or next(
        number for number, text in enumerate(RUST_VALUES.read_text().splitlines(), 1) if "|b| b.year" in text
    )
    expected = gdb_hits(RUST_VALUES, tmp_path, line, ["rustc", "-g", "-C", "opt-level=0"])
    assert len(expected) == 2  # gdb: "2 locations", main and its closure
    debugger = start(module)
    try:
        (result,) = debugger.set_source_breakpoints(str(RUST_VALUES), [BreakpointSpec(line=line)])
        debugger.start(stop_on_entry=False)
        first = debugger.resume()
        assert (debugger.stack()[0].name, first.breakpoint_ids) == ("rust_values::main", (result.id,))
        second = debugger.resume()
        assert second.breakpoint_ids == (result.id,)  # before: a stop with no breakpoint id
        assert debugger.stack()[0].name == "rust_values::main::{{closure}}"
        assert debugger.evaluate("(*b).year").value == "1965"  # its argument, readable after the prologue
        assert debugger.resume().kind is StopKind.EXITED
    finally:
        debugger.close()


@needs_gdb
def test_finish_from_an_inlined_call_stops_in_the_function_it_was_inlined_into(launch, fixtures, tmp_path):
    source = FIXTURES / "inline.c"
    lines = marker_lines(source)
    debugger = launch(fixtures["inline"], source, lines["inner_body"])
    assert [frame.name for frame in debugger.stack()[:3]] == ["inner", "outer", "compute"]
    expected = gdb_lines(source, tmp_path, lines["inner_body"], ["finish", "next"])
    assert debugger.step("out").kind is StopKind.STEP
    seen = [top(debugger)]
    assert debugger.step("over").kind is StopKind.STEP
    seen.append(top(debugger))
    assert seen == [("outer", line) for line in expected]  # before: main, two frames up


BASICS = FIXTURES / "basics.c"


def test_a_host_hit_count_met_during_a_step_stops_there(fixtures):
    lines = marker_lines(BASICS)
    output: list[str] = []
    debugger = start(fixtures["basics"], on_output=lambda category, text: output.append(text))
    try:
        debugger.set_source_breakpoints(str(BASICS), [BreakpointSpec(line=lines["main_factorial"])])
        debugger.start(stop_on_entry=False)
        assert debugger.resume().kind is StopKind.BREAKPOINT
        host_only = "i > 0 && $local0 == limit"  # a Wasm-level form: evaluated on the host, counted there
        broken = "$local0 == no_such_name"
        debugger.set_source_breakpoints(
            str(BASICS),
            [BreakpointSpec(line=lines["loop_body"], condition=host_only, hit_condition="==2")],
        )
        debugger.set_function_breakpoints([BreakpointSpec(function="square", condition=broken)])
        assert debugger.step("over").kind is StopKind.STEP  # onto `int s = sum_to(n);`
        stop = debugger.step("over")
        assert stop.kind is StopKind.BREAKPOINT  # before: the second hit counted twice, and the step ran past
        assert debugger.evaluate("i").value == "2"
        assert debugger.step("over").kind is StopKind.STEP
        debugger.set_source_breakpoints(str(BASICS), [])
        assert debugger.step("out").kind is StopKind.STEP
        assert debugger.step("over").kind is StopKind.STEP  # onto `counter = square(f) + s;`
        assert debugger.step("over").kind is StopKind.FUNCTION_BREAKPOINT  # a broken condition stops
        failures = [text for text in output if "no_such_name" in text]
        assert len(failures) == 1, failures  # before: printed twice for one hit
    finally:
        debugger.close()
