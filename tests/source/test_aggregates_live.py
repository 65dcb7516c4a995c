"""By-value aggregates (1 to 32 bytes: structs, unions, arrays in structs) as parameters,
locals and returned values in C, C++, Rust and Zig, shown under real Wasmtime and compared
leaf by leaf with gdb on a native build of the same source.

wasm32 passes most aggregates as a pointer to the caller's copy; the DWARF location is then
a bare ``DW_OP_WASM_location`` naming the local that holds that address. Reading the local
as if it were the struct gives garbage, the one thing a debugger must never show.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from build import read_options, rust_toolchain

from adapters.source import launching
from adapters.source.debugger import SourceDebugger
from adapters.source.model import BreakpointSpec, StopKind, Variable
from adapters.wasm.process import LaunchOptions
from tests.conftest import FIXTURES, marker_lines

SOURCES = FIXTURES / "aggregates"
GDB_LEAVES = Path(__file__).with_name("gdb_leaves.py")
_INTEGER = re.compile(r"-?\d+(?= |$)")
_STRING = re.compile(r'(?:0x[0-9a-f]+ )?"(.*)"')  # a C string, or a Zig or Rust string slice
_CHAR = re.compile(r"'(.)'")


def _native_build(source: Path, output: Path) -> list[str] | None:
    """The command building ``source`` for this machine, or None without its toolchain."""
    if source.suffix == ".c":
        return ["gcc", "-g", "-O0", str(source), "-o", str(output)] if shutil.which("gcc") else None
    if source.suffix == ".cpp":
        return ["g++", "-g", "-O0", str(source), "-o", str(output)] if shutil.which("g++") else None
    toolchain = rust_toolchain()
    if source.suffix != ".rs" or toolchain is None:
        return None
    flags = read_options([source]).extra_flags  # as for the Wasm build
    return [toolchain[0], "-g", "-C", "opt-level=0", *flags, str(source), "-o", str(output)]


def gdb_leaves(source: Path, marker: str, tmp_path: Path) -> dict[str, object]:
    """Every scalar leaf of the frame's arguments and locals, as gdb shows them natively."""
    native = tmp_path / source.stem
    command = _native_build(source, native)
    if command is None:
        pytest.skip(f"no native compiler for {source.name}")
    built = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False)
    assert built.returncode == 0, built.stderr
    line = marker_lines(source)[marker]
    result = subprocess.run(
        ["gdb", "-batch", "-nx", "-ex", f"break {source.name}:{line}", "-ex", "run", "-x", str(GDB_LEAVES),
         str(native)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    found = [text for text in result.stdout.splitlines() if text.startswith("LEAVES ")]
    assert found, result.stdout + result.stderr
    return json.loads(found[-1].removeprefix("LEAVES "))


def _our_leaf(variable: Variable) -> object:
    text = variable.value
    if (string := _STRING.fullmatch(text)) is not None:
        return string.group(1)
    if text in ("true", "false"):
        return int(text == "true")
    if (integer := _INTEGER.match(text)) is not None:
        return int(integer.group())
    if (char := _CHAR.fullmatch(text)) is not None:
        return ord(char.group(1))
    try:
        return float(text)
    except ValueError:
        return text  # an error or unavailable marker: compared, it fails with the text shown


def _walk(debugger: SourceDebugger, path: str, variable: Variable, out: dict[str, object]) -> None:
    """Every node's summary as a leaf (gdb's paths pick the ones it has), children of
    everything but pointers (whose targets gdb leaves out)."""
    out[path] = _our_leaf(variable)
    is_pointer = variable.type is not None and variable.type.rstrip().endswith(("*", "&"))
    if variable.reference and not is_pointer:
        for child in debugger.variables(variable.reference):
            name = child.name if child.name.startswith("[") else f".{child.name}"
            _walk(debugger, path + name, child, out)


def our_leaves(module: Path, source: Path, marker: str) -> dict[str, object]:
    """The same leaves as the source debugger shows them, stopped at ``marker`` under Wasmtime."""
    debugger = launching.launch(LaunchOptions(module))
    try:
        (result,) = debugger.set_source_breakpoints(str(source), [BreakpointSpec(line=marker_lines(source)[marker])])
        assert result.verified, result.message
        debugger.start(stop_on_entry=False)
        assert debugger.resume().kind is StopKind.BREAKPOINT
        frame = debugger.stack()[0]
        out: dict[str, object] = {}
        for scope in debugger.scopes(frame.id):
            if scope.name in ("Arguments", "Locals"):
                for variable in debugger.variables(scope.reference):
                    _walk(debugger, variable.name, variable, out)
        return out
    finally:
        debugger.close()


def _same(ours: object, theirs: object) -> bool:
    if isinstance(theirs, float) and isinstance(ours, (int, float)):
        return math.isclose(ours, theirs, rel_tol=1e-6)
    return ours == theirs


# (program, the program gdb reads natively as the reference): gdb cannot read Zig's native
# debug info, so the Zig program holds the C program's values and is compared with that.
CASES = [
    (source, reference, marker)
    for source, reference in (
        ("agg_c.c", "agg_c.c"),
        ("agg_cpp.cpp", "agg_cpp.cpp"),
        ("agg_rs.rs", "agg_rs.rs"),
        ("agg_zig.zig", "agg_c.c"),
    )
    for marker in ("take", "make_big")
]


@pytest.mark.skipif(shutil.which("gdb") is None, reason="needs gdb")
@pytest.mark.parametrize(("source", "reference", "marker"), CASES)
def test_by_value_aggregates_match_gdb(fixtures, tmp_path, source, reference, marker):
    path = SOURCES / source
    module = fixtures.get(Path(source).stem)
    if module is None:
        pytest.skip(f"no wasm32 toolchain for {source}")
    theirs = gdb_leaves(SOURCES / reference, marker, tmp_path)
    ours = our_leaves(module, path, marker)
    assert len(theirs) >= 10
    different = {
        path: (ours.get(path, "<missing>"), value) for path, value in theirs.items() if not _same(ours.get(path), value)
    }
    assert not different, different


@pytest.mark.parametrize(
    ("condition", "stops"),
    [
        ("big.values[2] == 30 && rec.value == 3 && eight.b == -88", True),
        ("big.ratio > 3.0 || mix.i != 0x41424344", False),
    ],
)
def test_conditions_on_by_value_parameters_run_in_the_agent(fixtures, condition, stops):
    """The condition compiler places a by-value parameter in memory at the address its local
    holds, like the host does: compiled into the agent, the condition reads the real values."""
    source = SOURCES / "agg_c.c"
    debugger = launching.launch(LaunchOptions(fixtures["agg_c"]))
    try:
        line = marker_lines(source)["take"]
        (result,) = debugger.set_source_breakpoints(str(source), [BreakpointSpec(line=line, condition=condition)])
        assert result.verified, result.message
        (breakpoint,) = debugger.breakpoints.user.values()
        assert not breakpoint.host_condition, "the condition was not compiled into the agent"
        debugger.start(stop_on_entry=False)
        assert debugger.resume().kind is (StopKind.BREAKPOINT if stops else StopKind.EXITED)
    finally:
        debugger.close()
