"""Attach to a `wasmtime run -g` the user started (Wasmtime's gdbstub), end to end over DAP."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.dap.client import DapClient
from tests.dap.session_helpers import FIXTURE_SOURCES, locals_of, scope_reference, set_breakpoints, stack
from tests.wasm.user_stub import user_started_stub

BASICS = FIXTURE_SOURCES / "basics.c"


@pytest.fixture
def user_started(fixtures) -> Iterator[tuple[subprocess.Popen, int]]:
    with user_started_stub(fixtures["basics"]) as started:
        yield started


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
