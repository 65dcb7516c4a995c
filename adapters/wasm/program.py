"""Checking what a launch configuration's program is before handing it to Wasmtime."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from adapters.wasm.binary import CORE_VERSION, MAGIC
from adapters.wasm.debuggee import DebuggeeError

ProgramKind = Literal["module", "component", "wat", "precompiled"]
ELF_MAGIC = b"\x7fELF"


def check_program(program: Path, allow_precompiled: bool = False) -> ProgramKind:
    """What ``program`` is; a DebuggeeError saying what is wrong if it cannot be run."""
    if not program.exists():
        raise DebuggeeError(f"program not found: {program}")
    if not program.is_file():
        raise DebuggeeError(f"program is not a file: {program}")
    try:
        with open(program, "rb") as stream:
            head = stream.read(8)
    except OSError as error:
        raise DebuggeeError(f"cannot read program {program}: {error}") from error
    if head[:4] == MAGIC:
        return "module" if head[4:8] == CORE_VERSION else "component"
    if head[:4] == ELF_MAGIC:
        if not allow_precompiled:
            raise DebuggeeError(
                f"{program} is a precompiled Wasmtime artifact (.cwasm), which is native code: "
                "set allowPrecompiled in the launch configuration to run it"
            )
        return "precompiled"
    if program.suffix == ".wat":
        return "wat"
    raise DebuggeeError(f"{program} is not a WebAssembly module or component (no \\0asm header)")
