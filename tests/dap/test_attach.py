"""Attach to a `wasmtime run -g` the user started (Wasmtime's gdbstub), end to end over DAP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator

import pytest

from adapters.wasm.wasmtime_cli import find_wasmtime
from tests.dap.client import DapClient
from tests.dap.session_helpers import FIXTURE_SOURCES, locals_of, scope_reference, set_breakpoints, stack

BASICS = FIXTURE_SOURCES / "basics.c"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def user_started(fixtures) -> Iterator[tuple[subprocess.Popen, int]]:
    """`wasmtime run -g` as a user starts it, listening when yielded (a port taken meanwhile is retried)."""
    for _ in range(3):
        port = free_port()
        process = subprocess.Popen(
            [str(find_wasmtime().path), "run", "-g", f"127.0.0.1:{port}", str(fixtures["basics"])],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        if b"Debugger listening" in process.stderr.readline():
            break
        process.wait()
    else:
        pytest.fail("wasmtime run -g did not start listening")
    yield process, port
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def test_attach_breakpoint_stack_variables_and_exit(client: DapClient, user_started, markers) -> None:
    process, port = user_started
    lines = markers("basics.c")
    reply = client.request("attach", {"host": "127.0.0.1", "port": port})
    assert reply["success"], reply.get("message")
    client.event("initialized")
    (breakpoint,) = set_breakpoints(client, BASICS, [lines["sum_return"]])
    assert breakpoint["verified"]
    client.ok("configurationDone")
    stopped = client.event("stopped")
    assert stopped["body"]["reason"] == "breakpoint"
    top = stack(client)[0]
    assert (top["name"], top["line"]) == ("sum_to", lines["sum_return"])
    assert locals_of(client, top["id"])["total"] == "15"
    locals_reference = scope_reference(client, top["id"], "Locals")
    write = client.request("setVariable", {"variablesReference": locals_reference, "name": "total", "value": "1"})
    assert not write["success"] and "cannot write memory" in write["message"], write  # the gdbstub refuses writes
    client.ok("setBreakpoints", {"source": {"path": str(BASICS)}, "breakpoints": []})
    client.ok("continue", {"threadId": 1})
    assert client.event("exited")["body"]["exitCode"] == (120 * 120 + 15) % 7
    client.event("terminated")
    assert process.wait(timeout=30) == 2
