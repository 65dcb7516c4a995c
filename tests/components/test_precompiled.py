"""Precompiled ``.cwasm`` programs: DWARF comes from the bytecode Wasmtime keeps, with no .wasm on disk."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from adapters.source import launching
from adapters.source.model import BreakpointSpec, StopKind
from adapters.wasm.debuggee import DebuggeeError
from adapters.wasm.process import LaunchOptions
from adapters.wasm.wasmtime_cli import find_wasmtime
from tests.components.build_components import SOURCES

GREET = str(SOURCES / "greet.c")
FOR_DEBUGGING = ("-D", "guest-debug=y", "-W", "epoch-interruption=y")


def precompile(module: Path, directory: Path, *flags: str) -> Path:
    """``wasmtime compile`` a copy of ``module`` in ``directory``, then delete the copy."""
    source = directory / module.name
    shutil.copyfile(module, source)
    output = source.with_suffix(".cwasm")
    command = [str(find_wasmtime().path), "compile", *flags, str(source), "-o", str(output)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    source.unlink()
    return output


def test_precompiled_module_is_debugged_from_the_bytecode_wasmtime_keeps(components, launch, source_markers, tmp_path):
    cwasm = precompile(components["greet"], tmp_path, *FOR_DEBUGGING)
    assert not list(tmp_path.glob("*.wasm"))
    lines = source_markers("greet.c")
    session = launch(LaunchOptions(cwasm, args=["ab"], allow_precompiled=True))
    [module] = session.debugger.modules()
    assert module.symbol_status == "DWARF"
    [result] = session.debugger.set_source_breakpoints(GREET, [BreakpointSpec(line=lines["weigh_loop"])])
    assert result.verified
    session.debugger.start(stop_on_entry=False)
    assert session.debugger.resume().kind is StopKind.BREAKPOINT
    assert session.debugger.stack()[0].location.line == lines["weigh_loop"]
    session.debugger.set_source_breakpoints(GREET, [])
    stop = session.debugger.resume()
    assert (stop.kind, stop.exit_code) == (StopKind.EXITED, 195 % 2)


def test_precompiled_component_names_its_modules_from_the_module_file(components, launch, tmp_path):
    component = components["greet.component"]
    cwasm = precompile(component, tmp_path, *FOR_DEBUGGING)
    alone = launch(LaunchOptions(cwasm, allow_precompiled=True)).debugger.modules()
    named = launch(LaunchOptions(cwasm, allow_precompiled=True, module_file=component)).debugger.modules()
    assert len(alone) == len(named) >= 3
    assert len({m.name for m in alone}) == len(alone)  # numbered, but told apart
    assert "greet.component.cwasm#main" in {m.name for m in named}
    assert not any(m.symbol_status.startswith("stale") for m in named)


def test_precompiled_program_is_refused_unless_allowed(components, tmp_path):
    cwasm = precompile(components["greet"], tmp_path, *FOR_DEBUGGING)
    with pytest.raises(DebuggeeError, match="allowPrecompiled"):
        launching.launch(LaunchOptions(cwasm))


@pytest.mark.parametrize(
    ("flags", "reason"),
    [((), "without guest debug"), (("-D", "guest-debug=y"), "without epoch interruption")],
    ids=["no-guest-debug", "no-epoch-interruption"],
)
def test_precompiled_without_debugging_settings_says_how_to_compile(components, tmp_path, flags, reason):
    cwasm = precompile(components["greet"], tmp_path, *flags)
    with pytest.raises(DebuggeeError) as raised:
        launching.launch(LaunchOptions(cwasm, allow_precompiled=True))
    message = str(raised.value)
    assert reason in message  # Wasmtime's own reason
    assert "wasmtime compile -D guest-debug=y -W epoch-interruption=y" in message
