"""Stale artifacts: debug info that may not match the sources is reported, not silently used."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from build import build_all

from adapters.source.debugger import SourceDebugger
from adapters.wasm.agent_backend import launch as launch_agent
from adapters.wasm.component import Artifact
from adapters.wasm.process import LaunchOptions
from adapters.wasm.wasmtime_cli import find_wasmtime
from tests.components.build_components import SOURCES
from tests.components.test_precompiled import FOR_DEBUGGING


def private_build(directory: Path, edit: tuple[str, str] | None = None) -> tuple[Path, Path]:
    """greet.c copied into ``directory`` (optionally edited) and built there: (source, module)."""
    source = directory / "greet.c"
    text = (SOURCES / "greet.c").read_text()
    if edit:
        text = text.replace(*edit)
    source.write_text(text)
    return source, build_all([source])["greet"]


def touch_later(path: Path, than: Path) -> None:
    """Give ``path`` a modification time after ``than``'s (an edit made after the build)."""
    later = than.stat().st_mtime + 60
    os.utime(path, (later, later))


def test_source_edited_after_the_build_marks_the_module_stale(launch, tmp_path):
    source, module = private_build(tmp_path)
    fresh = launch(LaunchOptions(module))
    assert fresh.debugger.modules()[0].symbol_status == "DWARF"
    assert "stale" not in fresh.console()

    touch_later(source, module)
    session = launch(LaunchOptions(module))
    [info] = session.debugger.modules()
    assert info.symbol_status.startswith("stale: source changed after greet.wasm was built: greet.c")
    assert info.symbol_status.endswith("(DWARF)")
    assert "greet.wasm: stale debug info: source changed" in session.console()


def test_precompiled_program_older_than_its_module_file_is_stale(launch, tmp_path):
    """The .cwasm was compiled from one build; the .wasm named as its module file is another."""
    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    old_dir.mkdir(), new_dir.mkdir()
    _, old = private_build(old_dir)
    _, new = private_build(new_dir, edit=("total % 2", "total % 3"))
    cwasm = tmp_path / "greet.cwasm"
    command = [str(find_wasmtime().path), "compile", *FOR_DEBUGGING, str(old), "-o", str(cwasm)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)

    matching = launch(LaunchOptions(cwasm, allow_precompiled=True, module_file=old))
    assert matching.debugger.modules()[0].symbol_status == "DWARF"

    session = launch(LaunchOptions(cwasm, allow_precompiled=True, module_file=new))
    [info] = session.debugger.modules()
    assert info.symbol_status.startswith("stale: the running module differs from greet.wasm")
    assert "stale debug info: the running module differs from greet.wasm" in session.console()


def test_program_rebuilt_after_launch_is_stale(tmp_path):
    """Wasmtime runs the bytes it read at launch; the file on disk changed before symbols were read."""
    _, module = private_build(tmp_path)
    running = launch_agent(LaunchOptions(module))
    rebuilt = tmp_path / "rebuilt"
    rebuilt.mkdir()
    _, other = private_build(rebuilt, edit=("total % 2", "total % 5"))
    shutil.copyfile(other, module)
    debugger = SourceDebugger(running, artifact=Artifact(module))
    try:
        assert debugger.modules()[0].symbol_status.startswith("stale: the running module differs from greet.wasm")
    finally:
        debugger.close()
