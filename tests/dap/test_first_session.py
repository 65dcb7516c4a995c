"""What a user meets in a first session, through the server, on the C example: errors where the client
shows them, Locals first at a stop in `main(void)`, the exit status in the Debug Console, the defaults
of the exception filters, and a session that ends once however the client ends it."""

from __future__ import annotations

import shutil

from adapters.wasm.agent.build import agent_path
from tests.conftest import EXAMPLE_SOURCES, line_of
from tests.dap.client import SERVER_COMMAND, TIMEOUT, DapClient, StdioServer
from tests.dap.session_helpers import (
    children_of,
    evaluate,
    launch,
    launch_to_breakpoint,
    top_frame,
)
from tests.reliability.procfs import wait_for_exit

INVENTORY = EXAMPLE_SOURCES["inventory"]
INVENTORY_EXIT_CODE = 2  # main returns how many items it restocked
COMPILE_TIMEOUT = 600.0  # Wasmtime compiling the agent: ~8 s, but minutes on a loaded machine


def console_text(client: DapClient) -> str:
    return "".join(
        e["body"]["output"]
        for e in client.events
        if e["event"] == "output" and e["body"].get("category", "console") == "console"
    )


def test_failing_evaluations_are_shown_in_place_not_as_toasts(client: DapClient, examples) -> None:
    launch_to_breakpoint(client, examples["inventory"], INVENTORY, [line_of("inventory", "int missing =")])
    frame_id = top_frame(client)["id"]
    for context in ("watch", "hover", "repl"):
        reply = evaluate(client, "no_such_variable", frame_id, context)
        assert not reply["success"] and "no_such_variable" in reply["message"], reply
        assert not reply["body"]["error"].get("showUser"), (context, reply)
    # Other failures are still put in front of the user.
    wrong = client.request("setVariable", {"variablesReference": 999_999, "name": "x", "value": "1"})
    assert not wrong["success"] and wrong["body"]["error"]["showUser"] is True


def test_a_request_for_a_frame_the_program_has_left_is_not_a_toast(client: DapClient, examples) -> None:
    """A client asks for a frame's scopes while its step out runs (VS Code after Shift+F11): however the
    race ends (the step still running, or already stopped again), the answer is no toast."""
    launch_to_breakpoint(client, examples["inventory"], INVENTORY, [line_of("inventory", "int missing =")])
    frame_id = top_frame(client)["id"]
    stepping = client.send_request("stepOut", {"threadId": 1})
    late = client.send_request("scopes", {"frameId": frame_id})
    assert client.response(stepping)["success"]
    reply = client.response(late)
    client.event("stopped")
    assert not reply["success"], reply
    assert reply["message"] == "notStopped" or "no longer valid" in reply["message"], reply
    assert not reply["body"]["error"].get("showUser"), reply
    assert client.ok("scopes", {"frameId": top_frame(client)["id"]})["scopes"]


def test_a_stop_in_main_void_shows_locals_first(client: DapClient, examples) -> None:
    launch_to_breakpoint(client, examples["inventory"], INVENTORY, [line_of("inventory", "int restocked = 0;")])
    frame = top_frame(client)
    assert frame["name"] == "main"
    scopes = client.ok("scopes", {"frameId": frame["id"]})["scopes"]
    assert scopes[0]["name"] == "Locals", scopes
    assert "Arguments" not in [scope["name"] for scope in scopes]  # main(void) has none


def test_the_exit_status_is_printed_once_even_when_the_client_terminates_after_the_end(
    client: DapClient, examples
) -> None:
    """dape answers `terminated` with `terminate`: the client hears of the end once."""
    launch(client, examples["inventory"])
    client.ok("configurationDone")
    assert client.event("exited")["body"]["exitCode"] == INVENTORY_EXIT_CODE
    client.event("terminated")
    assert f"Process exited with status {INVENTORY_EXIT_CODE}\n" in console_text(client)
    client.ok("terminate")
    client.ok("disconnect")
    client.wait_closed()
    again = [e["event"] for e in client.events if e["event"] in ("exited", "terminated")]  # not consumed above
    assert again == []
    assert console_text(client).count("Process exited with status") == 1


def test_abort_stops_by_default(server: StdioServer, fixtures) -> None:
    """A client that never sets the exception filters gets their defaults: both on, as the
    initialize response says (gdb and lldb stop at SIGABRT)."""
    client = server.client
    capabilities = client.ok("initialize", {"adapterID": "wasmtime", "clientID": "pytest"})
    filters = {f["filter"]: f.get("default") for f in capabilities["exceptionBreakpointFilters"]}
    assert filters == {"trap": True, "abort": True}
    launch(client, fixtures["traps"], args=["abort"])
    client.ok("configurationDone")
    stopped = client.event("stopped")["body"]
    assert stopped["reason"] == "exception" and "abort" in stopped["text"], stopped


def test_a_launched_program_ends_with_the_session_as_advertised(server: StdioServer, examples) -> None:
    """supportTerminateDebuggee is not advertised: a launched program is the adapter's child and ends
    with the session even when the client asks `terminateDebuggee: false`."""
    client = server.client
    capabilities = client.ok("initialize", {"adapterID": "wasmtime", "clientID": "pytest"})
    assert not capabilities.get("supportTerminateDebuggee")
    launch_to_breakpoint(client, examples["inventory"], INVENTORY, [line_of("inventory", "int missing =")])
    wasmtime = children_of(server.process.pid)
    assert wasmtime
    client.ok("disconnect", {"terminateDebuggee": False})
    client.wait_closed()
    assert server.close() == 0
    assert all(wait_for_exit(pid, TIMEOUT) for pid in wasmtime)


def test_a_first_launch_tells_the_client_what_takes_long(server_env: dict[str, str], examples, tmp_path) -> None:
    """With Wasmtime's cache empty (a new machine whose install could not compile the agent ahead),
    Wasmtime compiles the agent first: the client hears so, in its console and as progress, before
    the launch is answered (nvim-dap warns after 4 s of silence, dape gives up after 10 s)."""
    cache = tmp_path / "cache"
    (cache / "wasmtime-dap").mkdir(parents=True)
    shutil.copy(agent_path(), cache / "wasmtime-dap")  # built already: this test is about Wasmtime's cache
    server = StdioServer({**server_env, "XDG_CACHE_HOME": str(cache)})
    client = server.client
    try:
        client.ok("initialize", {"adapterID": "wasmtime", "clientID": "pytest", "supportsProgressReporting": True})
        reply = client.request("launch", {"program": str(examples["inventory"])}, timeout=COMPILE_TIMEOUT)
        assert reply["success"], reply.get("message")
        progress = [e for e in client.events if e["event"].startswith("progress")]
        assert [e["event"] for e in progress][:1] == ["progressStart"] and progress[-1]["event"] == "progressEnd"
        assert progress[0]["body"]["title"].startswith("Starting") and "inventory.wasm" in progress[0]["body"]["title"]
        assert any("compiles the debugger agent" in (e["body"].get("message") or "") for e in progress), progress
        assert "Starting Wasmtime (the first time, it compiles the debugger agent" in console_text(client)
        client.ok("disconnect")
    finally:
        assert server.close() == 0


def test_log_file_holds_the_dap_trace_and_the_adapters_decisions(server_env, examples, tmp_path) -> None:
    log_file = tmp_path / "adapter.log"
    server = StdioServer(server_env, [*SERVER_COMMAND, "--log-file", str(log_file)])
    client = server.client
    try:
        client.ok("initialize", {"adapterID": "wasmtime", "clientID": "pytest"})
        launch(client, examples["inventory"])
        client.ok("configurationDone")
        client.event("exited")
        client.ok("disconnect")
    finally:
        assert server.close() == 0
    logged = log_file.read_text()
    assert '<- {"seq": 1, "type": "request", "command": "initialize"' in logged
    assert '-> {"type": "response", "request_seq": 1, "success": true, "command": "initialize"' in logged
    assert '"event": "exited"' in logged
    assert "-D debugger=" in logged and str(examples["inventory"]) in logged  # the Wasmtime command line
