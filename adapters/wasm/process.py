"""Starting and ending the Wasmtime processes a backend runs a program in."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from adapters.wasm import host_os


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


_starter = host_os.starter_for(sys.platform)


def run_arguments(options: LaunchOptions, precompiled: bool) -> list[str]:
    """What follows ``wasmtime run <backend options>``: preopens, environment, the user's
    own Wasmtime options, the program and its arguments."""
    arguments = []
    for spec in options.dirs:
        arguments += ["--dir", spec]
    for name, value in options.env.items():
        arguments += ["--env", f"{name}={value}"]
    if precompiled:
        arguments.append("--allow-precompiled")
    return [*arguments, *options.wasmtime_args, str(options.program), *options.args]


_WASMTIME_ENVIRONMENT = {
    "RUST_BACKTRACE": "0",  # Wasmtime's error reports stay short
    "RUST_LIB_BACKTRACE": "0",
    # One async worker: the debugger and the debuggee then trade messages on one thread
    # (see keep_on_one_cpu), not between idle workers that must each be woken.
    "TOKIO_WORKER_THREADS": "1",
}


def spawn(command: list[str], options: LaunchOptions) -> subprocess.Popen:
    """Start Wasmtime: stdin from ``options.stdin``, stdout and stderr piped to us, in its own
    process group (a job object on Windows), and killed if the adapter dies."""
    with open(options.stdin, "rb") if options.stdin else nullcontext(subprocess.DEVNULL) as stdin:
        return _starter.popen(
            command,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=options.cwd,
            env={**os.environ, **_WASMTIME_ENVIRONMENT},
        )


def kill_group(process: subprocess.Popen) -> None:
    """End Wasmtime and anything it started, and reap it."""
    _starter.kill(process)


def keep_on_one_cpu(process: subprocess.Popen) -> int | None:
    """Restrict every thread of a running Wasmtime to one CPU, where the OS allows it; return that CPU, or None.

    Under the debug-main world every question the debugger component asks (a frame, a
    local, a memory read) is a message between two of Wasmtime's threads. On one CPU the
    reply is a plain context switch; across CPUs it waits for the other CPU to wake up,
    which made each breakpoint hit 3x slower (measured on Linux). The debuggee is
    single-threaded, so it loses nothing. Call it after Wasmtime has compiled the program
    (compilation does use every CPU); threads started later inherit the restriction.
    """
    return host_os.pin_to_one_cpu(process)
