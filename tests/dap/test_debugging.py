"""End to end: the server debugging compiled C fixtures under real Wasmtime."""

from __future__ import annotations

from tests.dap.client import DapClient
from tests.dap.session_helpers import (
    FIXTURE_SOURCES,
    launch_to_breakpoint,
    locals_of,
    top_frame,
)

BASICS_EXIT_CODE = (120 * 120 + 15) % 7  # basics.c with n = 5: (factorial(5)² + sum_to(5)) % 7


def test_breakpoint_stack_variables_step_and_exit(client: DapClient, fixtures, markers) -> None:
    source = FIXTURE_SOURCES / "basics.c"
    line = markers("basics.c")["square_body"]
    stopped = launch_to_breakpoint(client, fixtures["basics"], source, [line])
    assert stopped["body"]["reason"] == "breakpoint"
    assert stopped["body"]["hitBreakpointIds"]
    frame = top_frame(client)
    assert frame["source"]["path"] == str(source) and frame["line"] == line
    assert frame["name"].startswith("square")
    variables = locals_of(client, frame["id"])
    assert "x" in variables
    evaluated = client.ok("evaluate", {"expression": "x", "frameId": frame["id"], "context": "watch"})
    assert evaluated["result"] == variables["x"]

    stale = client.ok("scopes", {"frameId": frame["id"]})["scopes"][0]["variablesReference"]
    client.ok("next", {"threadId": 1})
    assert client.event("stopped")["body"]["reason"] == "step"
    refused = client.request("variables", {"variablesReference": stale})
    assert not refused["success"] and "no longer valid" in refused["message"]
    assert top_frame(client)["line"] > line

    client.ok("stepOut", {"threadId": 1})
    assert client.event("stopped")["body"]["reason"] == "step"
    assert top_frame(client)["name"].startswith("main")

    client.ok("setBreakpoints", {"source": {"path": str(source)}, "breakpoints": []})
    client.ok("continue", {"threadId": 1})
    assert client.event("exited")["body"]["exitCode"] == BASICS_EXIT_CODE
    client.event("terminated")
    output = "".join(e["body"]["output"] for e in client.events if e["event"] == "output")
    assert output  # the program's stdout reached the client


def test_logpoint_prints_without_stopping(client: DapClient, fixtures, markers) -> None:
    source = FIXTURE_SOURCES / "basics.c"
    seq = client.send_request("launch", {"program": str(fixtures["basics"])})
    assert client.response(seq)["success"]
    client.event("initialized")
    line = markers("basics.c")["square_body"]
    client.ok(
        "setBreakpoints", {"source": {"path": str(source)}, "breakpoints": [{"line": line, "logMessage": "squaring"}]}
    )
    client.ok("configurationDone")
    assert client.event("exited")["body"]["exitCode"] == BASICS_EXIT_CODE
    logged = [
        e["body"]["output"] for e in client.events if e["event"] == "output" and e["body"]["category"] == "console"
    ]
    assert any("squaring" in text for text in logged)


def test_pause_stops_a_running_program_and_terminate_ends_it(client: DapClient, fixtures) -> None:
    seq = client.send_request("launch", {"program": str(fixtures["heavy"]), "args": ["forever"]})
    assert client.response(seq)["success"]
    client.event("initialized")
    client.ok("configurationDone")
    busy = client.request("stackTrace", {"threadId": 1})
    assert not busy["success"] and busy["message"] == "notStopped"
    client.ok("pause", {"threadId": 1})
    assert client.event("stopped")["body"]["reason"] == "pause"
    assert top_frame(client)["id"] > 0
    client.ok("terminate")
    client.event("terminated")


def test_trap_stops_with_exception_info(client: DapClient, fixtures) -> None:
    seq = client.send_request("launch", {"program": str(fixtures["traps"]), "args": ["divzero"]})
    assert client.response(seq)["success"]
    client.event("initialized")
    client.ok("setExceptionBreakpoints", {"filters": ["trap"]})
    client.ok("configurationDone")
    stopped = client.event("stopped")
    assert stopped["body"]["reason"] == "exception"
    info = client.ok("exceptionInfo", {"threadId": 1})
    assert info["exceptionId"] and info["breakMode"] == "always"


def test_exit_code_reaches_the_client(client: DapClient, fixtures) -> None:
    seq = client.send_request("launch", {"program": str(fixtures["traps"]), "args": ["exit", "3"]})
    assert client.response(seq)["success"]
    client.event("initialized")
    client.ok("configurationDone")
    assert client.event("exited")["body"]["exitCode"] == 3
    client.event("terminated")
