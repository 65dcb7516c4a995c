"""The server as a client meets it before any program runs: framing, validation, states."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.dap.client import TIMEOUT, DapClient, StdioServer, connect_tcp, frame
from tests.dap.schema import REPO, schema_errors


def test_initialize_reports_capabilities_and_accepts_seq_zero() -> None:
    # Not the logging fixture: the reply echoes the client's seq 0, which the schema's minimum
    # of 1 forbids (the client broke the rule first); everything else in it must hold.
    server = StdioServer({**os.environ, "PYTHONPATH": str(REPO)})
    try:
        reply = server.client.response(server.client.send_request("initialize", {"adapterID": "x"}, seq=0))
    finally:
        server.close()
    assert reply["success"] and reply["request_seq"] == 0
    body = reply["body"]
    assert body["supportsConfigurationDoneRequest"] is True
    assert {f["filter"] for f in body["exceptionBreakpointFilters"]} == {"trap", "abort"}
    assert body["supportsStepBack"] is False
    assert schema_errors({**reply, "request_seq": 1}) == []


def test_second_initialize_is_refused(client: DapClient) -> None:
    reply = client.request("initialize", {"adapterID": "wasmtime"})
    assert not reply["success"]
    assert "initialize is not possible now" in reply["message"]


def test_wrong_argument_types_name_the_field(client: DapClient) -> None:
    reply = client.request("setBreakpoints", {"source": {"path": 7}, "breakpoints": [{"line": "3"}]})
    assert not reply["success"]
    assert "arguments.source.path" in reply["message"] and "arguments.breakpoints.0.line" in reply["message"]
    reply = client.request("launch", {"program": 42, "stopOnEntry": "yes"})
    assert not reply["success"]
    assert "arguments.program" in reply["message"] and "arguments.stopOnEntry" in reply["message"]


def test_unknown_fields_are_ignored(client: DapClient) -> None:
    reply = client.request("threads", {"somethingNew": [1, 2]})
    assert reply["success"] and reply["body"] == {"threads": []}


def test_unknown_command_gets_an_error(client: DapClient) -> None:
    reply = client.request("flyToTheMoon", {})
    assert not reply["success"] and "unsupported request 'flyToTheMoon'" in reply["message"]


def test_requests_in_the_wrong_state(client: DapClient) -> None:
    for command, arguments in [
        ("stackTrace", {"threadId": 1}),
        ("variables", {"variablesReference": 1}),
        ("continue", {"threadId": 1}),
        ("configurationDone", None),
        ("readMemory", {"memoryReference": "0x0", "count": 4}),
    ]:
        reply = client.request(command, arguments)
        assert not reply["success"], command
        assert "not possible now" in reply["message"], reply["message"]


def test_step_back_is_refused_clearly(client: DapClient) -> None:
    reply = client.request("stepBack", {"threadId": 1})
    assert not reply["success"] and "not supported" in reply["message"]


def test_launch_errors_say_what_is_wrong(client: DapClient, tmp_path) -> None:
    missing = client.request("launch", {"program": str(tmp_path / "absent.wasm")})
    assert not missing["success"] and "program not found" in missing["message"]
    text = tmp_path / "notes.wasm"
    text.write_text("hello")
    not_wasm = client.request("launch", {"program": str(text)})
    assert not not_wasm["success"] and "not a WebAssembly module" in not_wasm["message"]
    precompiled = tmp_path / "prog.cwasm"
    precompiled.write_bytes(b"\x7fELF" + bytes(60))
    refused = client.request("launch", {"program": str(precompiled)})
    assert not refused["success"] and "allowPrecompiled" in refused["message"]
    bad_cwd = client.request("launch", {"program": str(text), "cwd": str(tmp_path / "nowhere")})
    assert not bad_cwd["success"] and "cwd is not a directory" in bad_cwd["message"]


def test_malformed_json_keeps_the_server_serving(server: StdioServer) -> None:
    client = server.client
    client.send_raw(b"Content-Length: 9\r\n\r\n{not json")
    assert "not valid JSON" in client.event("output")["body"]["output"]
    client.send_raw(b"Content-Length: 6\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n[1, 2]")
    assert "not an object" in client.event("output")["body"]["output"]
    client.send_raw(frame(b"[1, 2]"))
    assert "not an object" in client.event("output")["body"]["output"]
    client.send_raw(frame({"seq": 5, "type": "request"}))
    broken = client.response(5)
    assert not broken["success"] and "command" in broken["message"]
    client.send_raw(frame({"seq": 6, "type": "request", "command": "threads", "arguments": "all"}))
    assert not client.response(6)["success"]
    # Still serving:
    assert client.ok("initialize", {"adapterID": "wasmtime"})["supportsLogPoints"] is True


@pytest.mark.parametrize(
    ("header", "logged"),
    [
        (b"Content-Type: text\r\n\r\n", "without Content-Length"),
        (b"Content-Length: nine\r\n\r\n", "invalid Content-Length"),
        (b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}", "not a DAP header field"),
        (b"Content-Length: 67108865\r\n\r\n", "exceeds the limit"),
        (b"X" * 2000, "no end of the header"),
    ],
    ids=["no length", "bad length", "twice", "too long", "endless"],
)
def test_a_header_that_is_not_dap_ends_the_session_unanswered(server_env, header: bytes, logged: str) -> None:
    server = StdioServer(server_env)
    server.client.send_raw(header)
    server.client.wait_closed()
    assert server.process.wait(timeout=TIMEOUT) == 0
    assert server.client.responses == {} and server.client.events == []
    assert server.process.stderr is not None
    said = server.process.stderr.read().decode()
    assert "does not speak DAP" in said and logged in said, said


def test_cancel_is_answered(client: DapClient) -> None:
    reply = client.request("cancel", {"requestId": 999})
    assert reply["success"]


def test_cancel_overtakes_queued_requests(client: DapClient) -> None:
    # Sent in one write: the cancel is read before the worker reaches request 51.
    requests = [{"seq": 50, "type": "request", "command": "threads"}]
    requests += [{"seq": 51, "type": "request", "command": "threads"}]
    requests += [{"seq": 52, "type": "request", "command": "cancel", "arguments": {"requestId": 51}}]
    client.send_raw(b"".join(frame(message) for message in requests))
    assert client.response(52)["success"]
    cancelled = client.response(51)
    assert cancelled["success"] is False and cancelled["message"] == "cancelled"


def test_disconnect_ends_the_server(server: StdioServer) -> None:
    server.client.ok("initialize", {"adapterID": "wasmtime"})
    server.client.ok("disconnect", {})
    server.client.wait_closed()
    assert server.process.wait(timeout=TIMEOUT) == 0


def test_closing_stdin_ends_the_server(server: StdioServer) -> None:
    server.client.ok("initialize", {"adapterID": "wasmtime"})
    assert server.close() == 0


def test_tcp_server_serves_sessions_side_by_side(server_env) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "dap_server", "--port", "0"], stdout=subprocess.PIPE, env=server_env, text=True
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert banner.startswith("wasmtime-dap listening on 127.0.0.1:"), banner
        port = int(banner.rsplit(":", 1)[1])
        first, first_socket = connect_tcp(port)
        second, second_socket = connect_tcp(port)
        assert first.ok("initialize", {"adapterID": "a"})["supportsLogPoints"]
        assert second.ok("initialize", {"adapterID": "b"})["supportsLogPoints"]
        # Sessions are independent: the first's state does not leak into the second.
        assert not first.request("initialize", {"adapterID": "a"})["success"]
        first_socket.close()  # a client that vanishes ends only its own session
        assert second.ok("threads") == {"threads": []}
        second.ok("disconnect", {})
        second.wait_closed()
        second_socket.close()
        assert first.schema_failures == [] and second.schema_failures == []
    finally:
        process.terminate()
        process.wait(timeout=TIMEOUT)


def test_debug_subcommand_without_frontend_is_explained() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from dap_server.cli import main; sys.exit(main(['--help']))"],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0 and "--port" in result.stdout


def test_every_claimed_request_has_a_handler() -> None:
    from dap_server.handlers import HANDLERS
    from dap_server.handlers.lifecycle import CAPABILITIES

    requests = {
        "supportsConfigurationDoneRequest": "configurationDone",
        "supportsFunctionBreakpoints": "setFunctionBreakpoints",
        "supportsExceptionInfoRequest": "exceptionInfo",
        "supportsSetVariable": "setVariable",
        "supportsSetExpression": "setExpression",
        "supportsCompletionsRequest": "completions",
        "supportsModulesRequest": "modules",
        "supportsLoadedSourcesRequest": "loadedSources",
        "supportsRestartRequest": "restart",
        "supportsTerminateRequest": "terminate",
        "supportsReadMemoryRequest": "readMemory",
        "supportsWriteMemoryRequest": "writeMemory",
        "supportsDisassembleRequest": "disassemble",
        "supportsInstructionBreakpoints": "setInstructionBreakpoints",
        "supportsBreakpointLocationsRequest": "breakpointLocations",
        "supportsCancelRequest": "cancel",
        "supportsStepInTargetsRequest": "stepInTargets",
        "supportsGotoTargetsRequest": "gotoTargets",
        "supportsDataBreakpoints": "dataBreakpointInfo",
        "supportsTerminateThreadsRequest": "terminateThreads",
    }
    claimed = CAPABILITIES.to_wire()
    for capability, command in requests.items():
        handled = command in HANDLERS or command == "cancel"  # cancel is answered by the reader
        assert claimed.get(capability, False) == handled, capability
