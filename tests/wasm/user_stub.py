"""A `wasmtime run -g` or `wasmtime serve -g` started the way a user starts it, for the attach tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from adapters.wasm.wasmtime_cli import find_wasmtime

ATTEMPTS = 3  # another process may take the chosen port first: then another is tried


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def user_started_stub(program: Path, command: Sequence[str] = ("run",)) -> Iterator[tuple[subprocess.Popen, int]]:
    """(process, port) of a `wasmtime run -g` (or another ``command``, e.g. serve with its options)
    listening for a debugger; killed afterwards."""
    for _ in range(ATTEMPTS):
        port = free_port()
        process = subprocess.Popen(
            [str(find_wasmtime().path), *command, "-g", f"127.0.0.1:{port}", str(program)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        if b"Debugger listening" in process.stderr.readline():
            break
        process.wait()
        process.stderr.close()
    else:
        raise RuntimeError("wasmtime run -g did not start listening")
    try:
        yield process, port
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        process.stdout.close()
        process.stderr.close()
