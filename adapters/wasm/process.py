"""Starting and ending the Wasmtime processes a backend runs a program in."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class LaunchOptions:
    program: Path
    args: Sequence[str] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    dirs: Sequence[str] = ()  # Wasmtime `--dir` specs: HOST[::GUEST]
    stdin: Path | None = None
    wasmtime: str | None = None
    wasmtime_args: Sequence[str] = ()  # e.g. -W / -S options, passed through
    allow_precompiled: bool = False
    # The .wasm the program was built as (e.g. the source of a precompiled .cwasm): module
    # names come from it, and a module that differs from it is reported as stale.
    module_file: Path | None = None


def die_with_parent() -> None:
    """In the child: get SIGKILL if the adapter dies, so Wasmtime is never orphaned."""
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_PDEATHSIG = 1
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def kill_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()
