"""Variables of a real C program paused under real Wasmtime (agent backend), and the
same program built natively and inspected by gdb as a reference."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.source.frame_context import DebuggeeFrameContext
from adapters.source.model import Scope, Variable
from adapters.source.symbols import ModuleSymbols
from adapters.source.types import TypeResolver
from adapters.source.values import AssignError, Format, ValueRegistry, ValueRenderer
from adapters.source.variables import FrameVariables
from adapters.wasm.agent_backend import AgentDebuggee, launch
from adapters.wasm.debuggee import Breakpoint, StopReason
from adapters.wasm.process import LaunchOptions

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "tests" / "fixtures" / "values" / "values.c"
WAIT = 60.0
PLAIN = Format()


def marker_line(source: Path, name: str) -> int:
    for number, text in enumerate(source.read_text().splitlines(), 1):
        if f"BREAK: {name} " in text or text.rstrip().endswith(f"BREAK: {name} */"):
            return number
    raise LookupError(f"no BREAK: {name} marker in {source}")


@pytest.fixture(scope="module")
def program() -> Path:
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "build.py"), str(SOURCE.parent)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    built = dict(line.split(": ", 1) for line in result.stdout.splitlines())
    return Path(built["values"])


@dataclass
class Stop:
    debuggee: AgentDebuggee
    symbols: ModuleSymbols
    registry: ValueRegistry
    frame_variables: FrameVariables
    scopes: list[Scope]
    output: list[str]

    def scope(self, name: str, fmt: Format = PLAIN) -> dict[str, Variable]:
        (scope,) = [s for s in self.scopes if s.name == name]
        return {v.name: v for v in self.registry.children(scope.reference, fmt=fmt)}

    def locals(self) -> dict[str, Variable]:
        return self.scope("Locals")


@pytest.fixture
def stop_at(program: Path) -> Iterator:
    started: list[AgentDebuggee] = []

    def _stop_at(marker: str) -> Stop:
        symbols = ModuleSymbols.load(program.read_bytes(), use_cache=False)
        resolved = symbols.resolve_line(str(SOURCE), marker_line(SOURCE, marker))
        assert resolved is not None
        output: list[str] = []
        debuggee = launch(LaunchOptions(program), lambda category, text: category == "stdout" and output.append(text))
        started.append(debuggee)
        (module,) = debuggee.modules()
        debuggee.set_breakpoint(Breakpoint(1, module.id, resolved[1][0]))
        debuggee.resume()
        assert debuggee.wait(WAIT).reason is StopReason.BREAKPOINT
        frame = debuggee.frames()[0]
        function = symbols.function_at(frame.pc)
        assert function is not None and function.die is not None
        registry = ValueRegistry()
        assert symbols.module is not None and symbols.module.code_offset is not None
        frame_variables = FrameVariables(
            ValueRenderer(registry),
            TypeResolver(symbols.dwarf),
            DebuggeeFrameContext(debuggee, frame),
            symbols.dwarf,
            function.die,
            frame.pc - symbols.module.code_offset,
            symbols.module.global_count,
        )
        return Stop(debuggee, symbols, registry, frame_variables, frame_variables.scopes(), output)

    yield _stop_at
    for debuggee in started:
        debuggee.close()


def test_scalars_by_encoding(stop_at):
    found = stop_at("main").locals()
    expected = {
        "letter": ("81 'Q'", "char"),
        "small": ("-5 '\\xfb'", "signed char"),
        "byte": ("250 '\\xfa'", "unsigned char"),
        "half": ("-1234", "short"),
        "uhalf": ("54321", "unsigned short"),
        "number": ("-42", "int"),
        "unumber": ("4000000000", "unsigned int"),
        "wide": ("-9000000000", "long long"),
        "uwide": ("18000000000000000000", "uint64_t"),
        "ratio": ("1.5", "float"),
        "precise": ("-0.125", "double"),
        "yes": ("true", "_Bool"),
        "counter": ("7", "counter_t"),
        "fixed": ("99", "const int"),
        "color": ("GREEN", "enum color"),
        "perm": ("3 (PERM_READ | PERM_WRITE)", "enum permission"),
    }
    assert {name: (found[name].value, found[name].type) for name in expected} == expected
    assert all(found[name].writable and found[name].memory_reference for name in expected)


def test_aggregates_summaries_and_children(stop_at):
    stop = stop_at("main")
    found = stop.locals()
    assert found["array"].value == "{10, 20, 30, 40, 50}" and found["array"].indexed_children == 5
    page = stop.registry.children(found["array"].reference, 3, 2)
    assert [(v.name, v.value, v.evaluate_name) for v in page] == [("[3]", "40", "array[3]"), ("[4]", "50", "array[4]")]
    assert found["origin"].value == "{x=3, y=4}"
    assert found["bits"].value == "{ready=1, mode=6, delta=-2, tail=9 '\\t'}"
    assert found["num"].value == '{as_int=1073741824, as_float=2, bytes="\\0\\0\\0@"}'
    assert found["buffer"].value == '"buf"' and found["buffer"].type == "char [16]"
    assert found["matrix"].value == "{{1, 2}, {3, 4}}"
    square = {v.name: v for v in stop.registry.children(found["square"].reference)}
    assert square["name"].value.endswith(' "square"')
    assert square["corners"].value == "{{x=0, y=0}, {x=2, y=0}, {x=0, y=2}}"
    assert square["area"].type == "int (*)(const struct shape *)"
    assert square["next"].value == "0x0" and square["next"].reference == 0


def test_pointers(stop_at):
    stop = stop_at("main")
    found = stop.locals()
    where, origin = found["where"], found["origin"]
    assert where.value == origin.memory_reference and where.memory_reference == origin.memory_reference
    pointee = stop.registry.children(where.reference)
    assert [(v.name, v.value, v.evaluate_name) for v in pointee] == [("x", "3", "where->x"), ("y", "4", "where->y")]
    assert found["nothing"].value == "0x0" and found["nothing"].reference == 0
    assert re.fullmatch(r'0x[0-9a-f]+ "hi there"', found["message"].value)
    (argv,) = stop.registry.children(stop.scope("Arguments")["argv"].reference)
    assert argv.name == "*argv" and re.search(r'"[^"]*values\.wasm"$', argv.value)


def test_lexical_block_locals_innermost_first(stop_at):
    stop = stop_at("loop")
    names = list(stop.locals())
    assert names[:2] == ["doubled", "i"]
    assert "total" in names and "letter" in names
    assert stop.locals()["i"].value == "0"


def test_arguments_of_a_callee(stop_at):
    stop = stop_at("scale")
    assert {n: v.value for n, v in stop.scope("Arguments").items()} == {"value": "-42", "factor": "2"}
    assert stop.locals()["result"].value == "-84"
    assert stop.scope("Locals", Format(hex=True))["result"].value == "0xffffffac"


def test_globals_scope(stop_at):
    found = stop_at("scale").scope("Globals")
    assert found["global_counter"].value == "42"
    assert found["global_ratio"].value == "2.5"
    assert found["global_greeting"].value == '"hello, wasm"'
    assert found["global_perm"].value == "5 (PERM_READ | PERM_EXEC)"


def test_assignments_change_what_the_program_computes(stop_at):
    stop = stop_at("main")
    (locals_scope,) = [s for s in stop.scopes if s.name == "Locals"]
    assert stop.registry.assign(locals_scope.reference, "number", "99").value == "99"
    assert stop.registry.assign(locals_scope.reference, "letter", "'z'").value == "122 'z'"
    assert stop.registry.assign(locals_scope.reference, "color", "BLUE").value == "BLUE"
    assert stop.registry.assign(locals_scope.reference, "ratio", "-2.25").value == "-2.25"
    bits = stop.locals()["bits"]
    assert stop.registry.assign(bits.reference, "mode", "3").value == "3"
    with pytest.raises(AssignError, match="does not fit"):
        stop.registry.assign(bits.reference, "mode", "8")
    with pytest.raises(AssignError, match="not a valid"):
        stop.registry.assign(locals_scope.reference, "number", "1 + 1")
    assert stop.locals()["bits"].value == "{ready=1, mode=3, delta=-2, tail=9 '\\t'}"
    stop.debuggee.resume()
    assert stop.debuggee.wait(WAIT).reason is StopReason.EXITED
    printed = "".join(stop.output).splitlines()[-1].split()
    # "%d %c %d ..." of number+1, letter, ..., ratio is the 10th field, color the 17th, bits.mode the 19th
    assert printed[0] == "100" and printed[1] == "z"
    assert printed[9] == "-2.250000" and printed[16] == "6" and printed[18] == "3"


def test_wasm_level_scopes(stop_at):
    stop = stop_at("scale")
    frame = stop.debuggee.frames()[0]
    wasm_locals = stop.scope("Wasm Locals")
    assert [v.value for v in wasm_locals.values()] == [str(v) for v in frame.locals]
    assert next(iter(wasm_locals)) == "$local0"
    wasm_globals = stop.scope("Wasm Globals")
    assert len(wasm_globals) == stop.symbols.module.global_count
    assert wasm_globals["$global0"].type == "i32"  # __stack_pointer


def test_rendering_a_frame_is_a_few_round_trips(stop_at):
    stop = stop_at("main")
    reads: list[int] = []
    original = stop.debuggee.read_memory

    def counting(*args, **kwargs):
        reads.append(1)
        return original(*args, **kwargs)

    stop.debuggee.read_memory = counting  # the real call, counted
    frame_variables = FrameVariables(
        ValueRenderer(stop.registry),
        TypeResolver(stop.symbols.dwarf),
        DebuggeeFrameContext(stop.debuggee, stop.debuggee.frames()[0]),
        stop.symbols.dwarf,
        stop.symbols.function_at(stop.debuggee.frames()[0].pc).die,
        stop.debuggee.frames()[0].pc - stop.symbols.module.code_offset,
    )
    scopes = {s.name: s for s in frame_variables.scopes()}
    registry = stop.registry
    rendered = registry.children(scopes["Locals"].reference) + registry.children(scopes["Arguments"].reference)
    assert len(rendered) > 25
    assert len(reads) <= 4


# ------------------------------------------------------------- gdb as a reference

_ADDRESS = re.compile(r"0x[0-9a-f]+(?: <\w+>)?")
_OCTAL = re.compile(r"\\([0-7]{3})")
_GDB_REPEATS = re.compile(r", '\\000' <repeats \d+ times>")
_AFTER_NUL = re.compile(r'("[^"\\]+)\\0[^"]*"')


def _normalize_gdb(text: str) -> str:
    text = _GDB_REPEATS.sub("", text).replace(" = ", "=")
    text = _OCTAL.sub(lambda m: "\\0" if m.group(1) == "000" else f"\\x{int(m.group(1), 8):02x}", text)
    # A char array shows up to its NUL, as ours does: what gdb shows after it is the native stack's garbage.
    text = _AFTER_NUL.sub(r'\1"', text)
    return _ADDRESS.sub("ADDR", text)


def _gdb_locals(marker: str, native: Path) -> dict[str, str]:
    line = marker_line(SOURCE, marker)
    result = subprocess.run(
        ["gdb", "-batch", "-nx", "-ex", f"break {SOURCE.name}:{line}", "-ex", "run", "-ex", "info locals",
         "-ex", "info args", str(native)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    values = {}
    for text in result.stdout.splitlines():
        name, sep, value = text.partition(" = ")
        if sep and re.fullmatch(r"\w+", name):
            values.setdefault(name, _normalize_gdb(value))
    assert values, result.stdout + result.stderr
    return values


@pytest.mark.skipif(shutil.which("gdb") is None or shutil.which("gcc") is None, reason="needs gdb and gcc")
@pytest.mark.parametrize("marker", ["main", "loop", "scale"])
def test_same_values_as_gdb_on_the_native_build(stop_at, tmp_path, marker):
    native = tmp_path / "values_native"
    subprocess.run(["gcc", "-g", "-O0", str(SOURCE), "-o", str(native)], check=True)
    expected = _gdb_locals(marker, native)
    stop = stop_at(marker)
    ours = {**stop.locals(), **stop.scope("Arguments")}
    compared = 0
    for name, gdb_value in expected.items():
        if name in ("argv",):  # a pointer into a different process image: compared above by content
            continue
        value = ours[name].value
        value = re.sub(r"^\d+ (\(.*\))$", r"\1", value)  # our flag enums also show the number
        assert _ADDRESS.sub("ADDR", value) == gdb_value, name
        compared += 1
    assert compared >= {"main": 25, "loop": 3, "scale": 3}[marker]
