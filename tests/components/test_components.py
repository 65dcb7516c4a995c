"""Components under real Wasmtime: each core module is its own module, debugged at source level."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from adapters.source.model import BreakpointSpec, StopKind
from adapters.wasm.component import core_modules
from adapters.wasm.process import LaunchOptions
from adapters.wasm.wasmtime_cli import find_wasmtime
from tests.components.build_components import SOURCES, replace_core_modules

GREET = str(SOURCES / "greet.c")
SCALE = str(SOURCES / "scale.c")


def plain_exit_code(program: Path, *args: str) -> int:
    """The exit code Wasmtime gives the program when no debugger is involved."""
    command = [str(find_wasmtime().path), "run", str(program), *args]
    return subprocess.run(command, check=False, capture_output=True, timeout=120).returncode


def variables(session, frame_id: int = 1) -> dict[str, str]:
    found: dict[str, str] = {}
    for scope in session.debugger.scopes(frame_id):
        for variable in session.debugger.variables(scope.reference):
            found.setdefault(variable.name, variable.value)
    return found


def test_component_binary_lists_its_core_modules_with_names(components):
    listed = core_modules(components["twice.component"].read_bytes())
    assert [(m.index, m.name) for m in listed] == [(0, "scale"), (1, "twice")]
    assert listed[0].bytecode == components["scale"].read_bytes()
    assert listed[1].bytecode == components["twice"].read_bytes()
    wrapped = core_modules(components["greet.component"].read_bytes())
    assert wrapped[0].name == "main" and wrapped[0].bytecode == components["greet"].read_bytes()
    assert any(m.name and "wasi_snapshot_preview1" in m.name for m in wrapped[1:])


def test_replacing_core_modules_needs_one_module_per_placeholder(components):
    template = components["twice.component"].read_bytes()
    with pytest.raises(Exception, match="core modules"):
        replace_core_modules(template, [components["scale"].read_bytes()])


def test_each_core_module_of_a_component_is_a_module_with_its_symbol_status(components, launch):
    session = launch(LaunchOptions(components["greet.component"]))
    modules = {info.name: info for info in session.debugger.modules()}
    assert len(modules) == len(core_modules(components["greet.component"].read_bytes())) >= 3
    main = modules["greet.component.wasm#main"]
    assert main.symbol_status == "DWARF"
    adapter = modules["greet.component.wasm#wit-component:adapter:wasi_snapshot_preview1"]
    assert adapter.symbol_status != "DWARF" and adapter.id != main.id
    assert GREET in session.debugger.loaded_sources()


def test_breakpoint_variables_and_stepping_in_a_component(components, launch, source_markers):
    lines = source_markers("greet.c")
    session = launch(LaunchOptions(components["greet.component"], args=["ab"]))
    main_id = next(m.id for m in session.debugger.modules() if m.name.endswith("#main"))
    [result] = session.debugger.set_source_breakpoints(GREET, [BreakpointSpec(line=lines["weigh_loop"])])
    assert result.verified and result.module_id == main_id
    session.debugger.start(stop_on_entry=False)

    stop = session.debugger.resume()
    assert stop.kind is StopKind.BREAKPOINT
    frames = session.debugger.stack()
    assert [(f.name, f.location.line) for f in frames[:2]] == [
        ("weigh", lines["weigh_loop"]),
        ("main", lines["main_weigh"]),
    ]
    assert {frames[0].module_id, frames[1].module_id} == {main_id}
    seen = variables(session)
    assert seen["weight"] == "0" and '"ab"' in seen["word"]

    session.debugger.resume()
    assert variables(session)["weight"] == str(ord("a"))
    session.debugger.set_source_breakpoints(GREET, [])
    stop = session.debugger.step("out")
    assert stop.kind is StopKind.STEP and session.debugger.stack()[0].name == "main"

    stop = session.debugger.resume()
    assert stop.kind is StopKind.EXITED
    assert "total weight 195" in session.stdout()


@pytest.mark.parametrize("args", [["ab", "c"], ["a"]], ids=["even", "odd"])
def test_component_exit_code_is_wasmtimes(components, launch, args):
    session = launch(LaunchOptions(components["greet.component"], args=args))
    session.debugger.start(stop_on_entry=False)
    stop = session.debugger.resume()
    assert stop.kind is StopKind.EXITED
    assert stop.exit_code == plain_exit_code(components["greet.component"], *args)


def test_a_module_instantiated_twice_hits_in_both_instances(components, launch, source_markers):
    session = launch(LaunchOptions(components["twice.component"]))
    modules = {info.name: info.id for info in session.debugger.modules()}
    scale_id = modules["twice.component.wasm#scale"]
    twice_id = modules["twice.component.wasm#twice"]
    line = source_markers("scale.c")["scale_return"]
    [result] = session.debugger.set_source_breakpoints(SCALE, [BreakpointSpec(line=line)])
    assert result.verified and result.module_id == scale_id
    session.debugger.start(stop_on_entry=False)

    hits = []
    while (stop := session.debugger.resume()).kind is StopKind.BREAKPOINT:
        frames = session.debugger.stack()
        assert [(f.name, f.module_id) for f in frames] == [("scale", scale_id), ("run", twice_id)]
        seen = variables(session)
        hits.append((session.debugger.wasm_frames()[0].instance_id, seen["x"], seen["calls"], seen["result"]))
    assert stop.kind is StopKind.EXITED and stop.exit_code == 0
    (left, *first), (right, *second), (again, *third) = hits
    # Each instance has its own memory: `calls` counts per instance.
    assert (first, second, third) == (["2", "1", "21"], ["3", "1", "31"], ["4", "2", "42"])
    assert left == again != right


def test_a_condition_reads_the_instance_that_hit(components, launch, source_markers):
    """Both instances of scale's module stop at the same PC; the agent must read `x` (in linear
    memory, through the stack pointer) from the instance that hit, not from the other one."""
    session = launch(LaunchOptions(components["twice.component"]))
    line = source_markers("scale.c")["scale_return"]
    [result] = session.debugger.set_source_breakpoints(SCALE, [BreakpointSpec(line=line, condition="x == 3")])
    assert result.verified
    assert not session.debugger.breakpoints.user[result.id].host_condition  # evaluated inside the agent
    session.debugger.start(stop_on_entry=False)
    assert session.debugger.resume().kind is StopKind.BREAKPOINT
    seen = variables(session)
    assert (seen["x"], seen["calls"], seen["result"]) == ("3", "1", "31")  # the second instance's only call
    stop = session.debugger.resume()
    assert stop.kind is StopKind.EXITED and stop.exit_code == 0
