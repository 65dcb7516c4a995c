"""Breakpoints of every kind, exceptions, restart and changes while the program runs,
through the server on compiled C fixtures."""

from __future__ import annotations

import base64

from tests.dap.client import TIMEOUT, DapClient, StdioServer
from tests.dap.session_helpers import (
    FIXTURE_SOURCES,
    evaluate,
    launch,
    launch_to_breakpoint,
    set_breakpoints,
    stack,
    top_frame,
)

BASICS = FIXTURE_SOURCES / "basics.c"
HEAVY = FIXTURE_SOURCES / "heavy.c"


def stopped_events(client: DapClient) -> list[dict]:
    return [event for event in client.events if event["event"] == "stopped"]


def test_breakpoints_set_before_launch_are_applied_at_launch(client: DapClient, fixtures, markers) -> None:
    lines = markers("basics.c")
    early = set_breakpoints(client, BASICS, [lines["no_code"], lines["square_body"]])
    assert [b["verified"] for b in early] == [False, False]
    assert all(b["reason"] == "pending" and "no program has been launched" in b["message"] for b in early)
    function = client.ok("setFunctionBreakpoints", {"breakpoints": [{"name": "factorial"}]})["breakpoints"]
    client.ok("setExceptionBreakpoints", {"filters": ["trap"]})

    launch(client, fixtures["basics"])
    changed = {}
    for _ in range(3):
        event = client.event("breakpoint")["body"]
        assert event["reason"] == "changed"
        changed[event["breakpoint"]["id"]] = event["breakpoint"]
    assert set(changed) == {early[0]["id"], early[1]["id"], function[0]["id"]}
    assert all(b["verified"] for b in changed.values())
    assert changed[early[0]["id"]]["line"] == lines["sum_return"]  # a comment line slides to code
    assert changed[early[1]["id"]]["line"] == lines["square_body"]

    assert client.ok("threads") == {"threads": [{"id": 1, "name": "main"}]}  # launched, not yet running
    client.ok("configurationDone")
    first = client.event("stopped")["body"]
    assert first["reason"] == "function breakpoint" and first["hitBreakpointIds"] == [function[0]["id"]]
    client.ok("setFunctionBreakpoints", {"breakpoints": []})
    client.ok("continue", {"threadId": 1})
    second = client.event("stopped")["body"]
    assert second["hitBreakpointIds"] == [early[0]["id"]]
    assert top_frame(client)["line"] == lines["sum_return"]


def test_conditions_compiled_and_host_evaluated_and_hit_counts(client: DapClient, fixtures, markers) -> None:
    lines = markers("basics.c")
    launch(client, fixtures["basics"])
    in_engine = set_breakpoints(client, BASICS, [lines["factorial_recurse"]], condition="n == 3")
    assert in_engine[0]["verified"]
    client.ok("configurationDone")
    assert client.event("stopped")["body"]["hitBreakpointIds"] == [in_engine[0]["id"]]
    frame_id = top_frame(client)["id"]
    assert evaluate(client, "n", frame_id)["body"]["result"] == "3"

    # A variable shift count is never compiled for the engine: the host evaluates it.
    on_host = set_breakpoints(client, BASICS, [lines["factorial_recurse"]], condition="(1 << n) == 4")
    client.ok("continue", {"threadId": 1})
    assert client.event("stopped")["body"]["hitBreakpointIds"] == [on_host[0]["id"]]
    assert evaluate(client, "n", top_frame(client)["id"])["body"]["result"] == "2"

    set_breakpoints(client, BASICS, [])
    counted = set_breakpoints(client, BASICS, [lines["loop_body"]], hitCondition="3")
    client.ok("continue", {"threadId": 1})
    assert client.event("stopped")["body"]["hitBreakpointIds"] == [counted[0]["id"]]
    assert evaluate(client, "i", top_frame(client)["id"])["body"]["result"] == "3"  # the loop counts from 1

    broken = set_breakpoints(client, BASICS, [lines["loop_body"]], hitCondition="sometimes")
    assert not broken[0]["verified"] and broken[0]["message"]


def test_abort_stops_with_its_own_filter(client: DapClient, fixtures) -> None:
    launch(client, fixtures["traps"], args=["abort"])
    client.ok("setExceptionBreakpoints", {"filters": ["abort"]})
    unknown = client.request("setExceptionBreakpoints", {"filters": ["segfault"]})
    assert not unknown["success"] and "segfault" in unknown["message"]
    client.ok("configurationDone")
    stopped = client.event("stopped")["body"]
    assert stopped["reason"] == "exception" and "abort" in stopped["text"]
    info = client.ok("exceptionInfo", {"threadId": 1})
    assert info["exceptionId"] == "abort" and "aborted" in info["description"]
    assert " in abort" in info["details"]["stackTrace"]
    client.ok("continue", {"threadId": 1})
    client.event("terminated")


def test_trap_text_and_filters_off(client: DapClient, fixtures) -> None:
    launch(client, fixtures["traps"], args=["divzero"])
    client.ok("setExceptionBreakpoints", {"filters": ["trap"]})
    client.ok("configurationDone")
    assert client.event("stopped")["body"]["reason"] == "exception"
    info = client.ok("exceptionInfo", {"threadId": 1})
    assert info["exceptionId"] == "trap" and "divide by zero" in info["description"]
    assert "divide" in info["details"]["stackTrace"]

    client.ok("setExceptionBreakpoints", {"filters": []})  # before the restart: the trap comes at once
    client.ok("restart", {})  # same program, same arguments, same (now empty) filters
    ended = client.event("exited")
    assert ended["body"]["exitCode"] != 0
    assert [e for e in stopped_events(client) if e["body"]["reason"] == "exception"] == []
    assert client.ok("threads") == {"threads": []}  # the program has ended: no thread left to show


def test_function_and_instruction_breakpoints(client: DapClient, fixtures) -> None:
    launch(client, fixtures["basics"])
    function = client.ok(
        "setFunctionBreakpoints",
        {"breakpoints": [{"name": "square"}, {"name": "no_such"}]},
    )
    square, missing = function["breakpoints"]
    assert square["verified"] and square["source"]["path"] == str(BASICS)
    assert not missing["verified"] and "no_such" in missing["message"] and missing["reason"] == "failed"
    client.ok("configurationDone")
    assert client.event("stopped")["body"]["reason"] == "function breakpoint"
    here = top_frame(client)
    rows = client.ok(
        "disassemble",
        {
            "memoryReference": here["instructionPointerReference"],
            "instructionOffset": 1,
            "instructionCount": 8,
        },
    )["instructions"]
    target = next(row for row in rows if len(row["instructionBytes"].split()) > 1)["address"]
    placed = client.ok("setInstructionBreakpoints", {"breakpoints": [{"instructionReference": target}]})["breakpoints"]
    assert placed[0]["verified"] and placed[0]["instructionReference"] == target
    inside = client.ok(
        "setInstructionBreakpoints",
        {"breakpoints": [{"instructionReference": target, "offset": 1}]},
    )
    assert not inside["breakpoints"][0]["verified"] and "start of an instruction" in inside["breakpoints"][0]["message"]
    client.ok("setInstructionBreakpoints", {"breakpoints": [{"instructionReference": target}]})
    client.ok("continue", {"threadId": 1})
    stopped = client.event("stopped")["body"]
    assert stopped["reason"] == "instruction breakpoint"
    assert top_frame(client)["instructionPointerReference"] == target
    following = next(rows[index + 1] for index, row in enumerate(rows) if row["address"] == target)
    client.ok("next", {"threadId": 1, "granularity": "instruction"})
    assert client.event("stopped")["body"]["reason"] == "step"
    assert top_frame(client)["instructionPointerReference"] == following["address"]

    frames = stack(client)
    without_source = [frame for frame in frames if frame["source"].get("sourceReference")]
    assert without_source, [frame["name"] for frame in frames]
    frame = without_source[0]
    listing = client.ok(
        "source",
        {
            "source": frame["source"],
            "sourceReference": frame["source"]["sourceReference"],
        },
    )
    text_lines = listing["content"].splitlines()
    assert "disassembly" in text_lines[0]
    assert "call" in text_lines[frame["line"] - 1]  # a caller's line is its call
    again = [f for f in stack(client) if f["name"] == frame["name"]]
    assert again[0]["source"]["sourceReference"] == frame["source"]["sourceReference"]


def loop_body_address(client: DapClient) -> str:
    """The address of an instruction inside spin_forever's endless loop (after its ``loop``
    opcode, which runs once), found before the program runs."""
    entry = client.ok("setFunctionBreakpoints", {"breakpoints": [{"name": "spin_forever"}]})["breakpoints"][0]
    client.ok("setFunctionBreakpoints", {"breakpoints": []})
    rows = client.ok(
        "disassemble",
        {"memoryReference": entry["instructionReference"], "instructionCount": 16},
    )["instructions"]
    loop = next(index for index, row in enumerate(rows) if row["instruction"].startswith("loop"))
    return rows[loop + 1]["address"]


def test_breakpoints_change_while_running_without_a_visible_stop(client: DapClient, fixtures, markers) -> None:
    launch(client, fixtures["heavy"], args=["forever"])
    in_loop = loop_body_address(client)
    client.ok("configurationDone")
    elsewhere = set_breakpoints(client, BASICS, [markers("basics.c")["square_body"]])
    assert not elsewhere[0]["verified"]  # basics.c is not part of this program
    assert set_breakpoints(client, HEAVY, [markers("heavy.c")["heavy_done"]])[0]["verified"]  # never reached
    placed = client.ok(
        "setInstructionBreakpoints",
        {"breakpoints": [{"instructionReference": in_loop}]},
    )
    stopped = client.event("stopped")["body"]
    assert stopped["reason"] == "instruction breakpoint"
    assert stopped["hitBreakpointIds"] == [placed["breakpoints"][0]["id"]]
    assert stopped_events(client) == []  # no stop was shown for the changes

    client.ok("setInstructionBreakpoints", {"breakpoints": []})
    client.ok("continue", {"threadId": 1})
    busy = client.request("continue", {"threadId": 1})
    assert not busy["success"] and busy["message"] == "notStopped"
    conditional = client.ok(
        "setInstructionBreakpoints",
        {"breakpoints": [{"instructionReference": in_loop, "condition": "spins > 100000"}]},
    )
    assert client.event("stopped")["body"]["hitBreakpointIds"] == [conditional["breakpoints"][0]["id"]]
    assert int(evaluate(client, "spins", top_frame(client)["id"])["body"]["result"]) > 100000
    client.ok("terminate")
    client.event("terminated")


def test_a_step_interrupted_by_requests_stays_a_step(client: DapClient, fixtures) -> None:
    call_line = next(
        number for number, text in enumerate(HEAVY.read_text().splitlines(), 1) if "spin_forever();" in text
    )
    launch(client, fixtures["heavy"], args=["forever"])
    in_loop = loop_body_address(client)
    set_breakpoints(client, HEAVY, [call_line])
    client.ok("configurationDone")
    assert client.event("stopped")["body"]["reason"] == "breakpoint"
    client.ok("next", {"threadId": 1})  # over a call that never returns
    for _ in range(3):
        assert set_breakpoints(client, HEAVY, [call_line])[0]["verified"]
        client.ok("setExceptionBreakpoints", {"filters": ["trap"]})
    client.ok(
        "setInstructionBreakpoints",
        {"breakpoints": [{"instructionReference": in_loop}]},
    )
    # The step went on after each request: the stop that ends it is the breakpoint, not a pause.
    assert client.event("stopped")["body"]["reason"] == "instruction breakpoint"
    assert stopped_events(client) == []
    client.ok("terminate")


def test_a_step_over_a_long_call_ends_on_the_next_line(client: DapClient, fixtures, markers) -> None:
    lines = markers("heavy.c")
    launch_to_breakpoint(client, fixtures["heavy"], HEAVY, [lines["heavy_call"]])
    client.ok("next", {"threadId": 1})  # over heavy(2000000), with a request while (or after) it runs
    assert set_breakpoints(client, HEAVY, [lines["heavy_call"]])[0]["verified"]
    assert client.event("stopped")["body"]["reason"] == "step"
    assert top_frame(client)["line"] == lines["heavy_call"] + 1


def test_restart_runs_again_with_the_same_breakpoints(
    server: StdioServer, client: DapClient, fixtures, markers
) -> None:
    line = markers("basics.c")["square_body"]
    first = launch_to_breakpoint(client, fixtures["basics"], BASICS, [line])["body"]
    wasmtime_before = set(children(server))
    assert wasmtime_before
    client.ok("restart", {})
    again = client.event("stopped")["body"]
    assert again["reason"] == "breakpoint" and again["hitBreakpointIds"] == first["hitBreakpointIds"]
    assert top_frame(client)["line"] == line
    assert not wasmtime_before & set(children(server))  # the first Wasmtime is gone
    with_arguments = client.request("restart", {"arguments": {"program": str(fixtures["basics"]), "args": ["3"]}})
    assert with_arguments["success"]
    client.event("stopped")
    assert evaluate(client, "x", top_frame(client)["id"])["body"]["result"] == "6"  # square(factorial(3))
    bad = client.request("restart", {"arguments": {"program": 5}})
    assert not bad["success"] and "arguments.arguments.program" in bad["message"]


def test_client_vanishing_mid_run_ends_wasmtime(server: StdioServer, client: DapClient, fixtures) -> None:
    launch(client, fixtures["heavy"], args=["forever"])
    client.ok("configurationDone")
    running = children(server)
    assert running
    assert server.close() == 0
    assert all(not alive(pid) for pid in running)


def test_memory_requests_refused_while_running(client: DapClient, fixtures) -> None:
    launch(client, fixtures["heavy"], args=["forever"])
    client.ok("configurationDone")
    data = base64.b64encode(b"\0").decode()
    for command, arguments in [
        ("readMemory", {"memoryReference": "0x0", "count": 4}),
        ("writeMemory", {"memoryReference": "0x0", "data": data}),
        ("evaluate", {"expression": "spins"}),
        ("scopes", {"frameId": 1}),
    ]:
        reply = client.request(command, arguments)
        assert not reply["success"] and reply["message"] == "notStopped", (
            command,
            reply,
        )
    client.ok("pause", {"threadId": 1})
    assert client.event("stopped")["body"]["reason"] == "pause"
    client.ok("disconnect", {"terminateDebuggee": True})
    client.wait_closed(TIMEOUT)


def children(server: StdioServer) -> list[int]:
    from tests.dap.session_helpers import children_of

    return children_of(server.process.pid)


def alive(pid: int) -> bool:
    from pathlib import Path

    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
