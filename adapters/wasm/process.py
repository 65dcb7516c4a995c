"""Starting and ending the Wasmtime processes a backend runs a program in."""

from __future__ import annotations

import ctypes
import os
import queue
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from contextlib import nullcontext, suppress
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


_PRCTL = ctypes.CDLL(None, use_errno=True).prctl  # resolved here: the forked child must not dlopen
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child: get SIGKILL if the adapter dies, so Wasmtime is never orphaned."""
    _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


class _Spawner:
    """Starts every Wasmtime from one thread that lives as long as the adapter.

    PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not the
    process; the DAP server launches from worker threads that anyio retires after
    10 s idle, which would kill the program mid-session.
    """

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def popen(self, command: list[str], **options) -> subprocess.Popen:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="wasmtime-spawner", daemon=True)
                self._thread.start()
        done: queue.SimpleQueue = queue.SimpleQueue()
        self._requests.put((command, options, done))
        outcome = done.get()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _serve(self) -> None:
        while True:
            command, options, done = self._requests.get()
            try:
                # preexec_fn only calls prctl, resolved before the fork, so threads are no hazard.
                child = subprocess.Popen(command, start_new_session=True, preexec_fn=_die_with_parent, **options)  # noqa: PLW1509
                done.put(child)
            except BaseException as error:  # noqa: BLE001 - handed to the caller, raised there
                done.put(error)


_spawner = _Spawner()


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
    process group, and killed if the adapter dies."""
    with open(options.stdin, "rb") if options.stdin else nullcontext(subprocess.DEVNULL) as stdin:
        return _spawner.popen(
            command,
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=options.cwd,
            env={**os.environ, **_WASMTIME_ENVIRONMENT},
        )


def kill_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def keep_on_one_cpu(process: subprocess.Popen) -> int | None:
    """Restrict every thread of a running Wasmtime to one CPU; return that CPU, or None.

    Under the debug-main world every question the debugger component asks (a frame, a
    local, a memory read) is a message between two of Wasmtime's threads. On one CPU the
    reply is a plain context switch; across CPUs it waits for the other CPU to wake up,
    which made each breakpoint hit 3x slower. The debuggee is single-threaded, so it
    loses nothing. Call it after Wasmtime has compiled the program (compilation does use
    every CPU); threads started later inherit the restriction from the thread starting them.
    """
    if not hasattr(os, "sched_setaffinity"):
        return None  # not Linux
    try:
        allowed = os.sched_getaffinity(process.pid)
        cpu = _running_on(process.pid)
        cpu = cpu if cpu in allowed else min(allowed)
        pinned: set[int] = set()
        while unpinned := _threads(process.pid) - pinned:  # again: a thread may have started meanwhile
            for thread in unpinned:
                with suppress(ProcessLookupError):  # it ended meanwhile
                    os.sched_setaffinity(thread, {cpu})
            pinned |= unpinned
    except OSError:
        return None  # Wasmtime has exited, or affinity is not ours to set (a restricted container): only slower
    return cpu


def _threads(pid: int) -> set[int]:
    return {int(name) for name in os.listdir(f"/proc/{pid}/task")}


def _running_on(pid: int) -> int:
    """The CPU the process's main thread last ran on (field 39 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields_after_name = stat.read().rpartition(")")[2].split()
    return int(fields_after_name[36])

