"""Security: where the server listens, what expressions can reach, what launch configurations may run."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from tests.dap.client import DapClient
from tests.reliability import figures, procfs
from tests.reliability.servers import TcpServer, end_cleanly, launch

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EVALUATION_TIME_LIMIT = 5.0  # seconds, for the worst expression below (the longest one is 200 kB)

HOSTILE_EXPRESSIONS = [
    "__import__('os')",
    '__import__("os").system("id")',
    "x.__class__.__mro__[1].__subclasses__()",
    "().__class__.__bases__[0]",
    "globals()",
    'open("/etc/passwd")',
    "lambda: 1",
    "[i for i in range(10)]",
    "x ** 99999999",
    "1 << 99999999",
    "x << 4000000000",
    "-1 >> 99999999999",
    "9" * 5000,
    "0x" + "f" * 10000,
    "x * 99999999999999999999999999999",
    "1 / 0",
    "(" * 100_000 + "1" + ")" * 100_000,
    "-" * 100_000 + "1",
    "*" * 100_000 + "x",
    "x" + "+x" * 50_000,
    "sizeof(int[1000000000])",
    "*(int*)0xFFFFFFFF",
]

# Extreme but valid C: evaluated as C does, promptly.
EXTREME_ARITHMETIC = [
    ("1e999999", "inf"),
    ("-2147483648 / -1", "2147483648"),  # 2147483648 is a long long in C
    ("'a' * 1000000000", "-1784247808"),  # int arithmetic wraps
    ("(" * 60 + "x" + ")" * 60, "120"),  # deep nesting, within the nesting limit
]


def test_the_tcp_listener_binds_loopback_by_default(tcp_server: TcpServer) -> None:
    assert tcp_server.host == "127.0.0.1"
    assert procfs.listening_sockets({tcp_server.pid}) == {procfs.Listener("127.0.0.1", tcp_server.port)}


def test_a_debugged_program_opens_no_listener(tcp_server: TcpServer, fixtures, markers) -> None:
    """The agent connects back to the adapter on loopback; nothing else listens while a program is debugged."""
    client, connection = tcp_server.connect()
    launch(client, fixtures["basics"], breakpoints={FIXTURES / "basics.c": [markers("basics.c")["square_body"]]})
    client.event("stopped")
    footprint = tcp_server.footprint()
    assert footprint.descendants and footprint.listeners == {procfs.Listener("127.0.0.1", tcp_server.port)}
    end_cleanly(client, connection)


@pytest.fixture(scope="module")
def stopped_client(tcp_server: TcpServer, fixtures, markers) -> tuple[DapClient, int]:
    """A client stopped in basics.c's square(), and the frame id to evaluate in."""
    client, _ = tcp_server.connect()
    launch(client, fixtures["basics"], breakpoints={FIXTURES / "basics.c": [markers("basics.c")["square_body"]]})
    client.event("stopped")
    frame = client.ok("stackTrace", {"threadId": 1})["stackFrames"][0]
    return client, frame["id"]


@pytest.mark.parametrize("expression", HOSTILE_EXPRESSIONS, ids=range(len(HOSTILE_EXPRESSIONS)))
def test_expressions_cannot_reach_python_or_the_host(stopped_client, expression) -> None:
    client, frame_id = stopped_client
    started = time.monotonic()
    reply = client.request("evaluate", {"expression": expression, "frameId": frame_id, "context": "repl"})
    assert time.monotonic() - started < EVALUATION_TIME_LIMIT
    assert not reply["success"], f"{expression[:60]!r} gave {reply.get('body')}"
    message = reply["message"]
    assert message and "Traceback" not in message, message
    figures.add("hostile expressions refused")
    # The session is intact: the same frame still evaluates.
    assert client.ok("evaluate", {"expression": "x", "frameId": frame_id, "context": "watch"})["result"]


@pytest.mark.parametrize(("expression", "result"), EXTREME_ARITHMETIC)
def test_extreme_arithmetic_is_evaluated_as_c_does(stopped_client, expression, result) -> None:
    client, frame_id = stopped_client
    started = time.monotonic()
    body = client.ok("evaluate", {"expression": expression, "frameId": frame_id, "context": "repl"})
    assert time.monotonic() - started < EVALUATION_TIME_LIMIT
    assert body["result"] == result


def test_precompiled_code_runs_only_when_allowed(tcp_server: TcpServer, fixtures, tmp_path) -> None:
    """A .cwasm is native code: refused without allowPrecompiled, debugged with it."""
    artifact = tmp_path / "traps.cwasm"
    compile_options = ["-D", "guest-debug=y", "-W", "epoch-interruption=y"]
    subprocess.run(["wasmtime", "compile", *compile_options, str(fixtures["traps"]), "-o", str(artifact)], check=True)
    client, connection = tcp_server.connect()
    client.initialize({"adapterID": "wasmtime"})
    already_running = tcp_server.wasmtime_children()
    refused = client.request("launch", {"program": str(artifact)})
    assert not refused["success"] and "allowPrecompiled" in refused["message"]
    assert tcp_server.wasmtime_children() == already_running
    end_cleanly(client, connection)

    client, connection = tcp_server.connect()
    launch(client, artifact, ["exit", "7"], allowPrecompiled=True)
    assert client.event("exited")["body"]["exitCode"] == 7
    end_cleanly(client, connection)


def bad_configurations(program: str) -> list[tuple[dict, str]]:
    """(launch arguments, what the error must say)."""
    return [
        ({"program": str(FIXTURES)}, "program is not a file"),
        ({"program": program + ".missing"}, "program not found"),
        ({"program": "~no-such-user-here/x.wasm"}, "~no-such-user-here"),
        ({"program": program, "cwd": "/nonexistent-dir"}, "cwd is not a directory"),
        ({"program": program, "stdin": "/nonexistent-dir/input.txt"}, "stdin file not found"),
        ({"program": program, "dirs": ["/nonexistent-dir"]}, "directory to preopen not found: /nonexistent-dir"),
        ({"program": program, "preopens": {"/data": "/nonexistent-dir"}}, "directory to preopen not found"),
        ({"program": program, "wasmtimePath": "/nonexistent-dir/wasmtime"}, "/nonexistent-dir/wasmtime"),
        ({"program": program, "wasmtimeArgs": ["run"]}, "must start with an option"),
        ({"program": "a\0b.wasm"}, "program contains a NUL character"),
        ({"program": program, "args": ["a\0b"]}, "args contains a NUL character"),
        ({"program": program, "env": {"NAME": "a\0b"}}, "env contains a NUL character"),
        ({"program": program, "dirs": ["/tmp\0"]}, "dirs contains a NUL character"),
        ({"program": program, "cwd": 7}, "arguments.cwd"),
    ]


def test_launch_paths_are_checked_and_errors_say_what_is_wrong(tcp_server: TcpServer, fixtures) -> None:
    client, connection = tcp_server.connect()
    client.initialize({"adapterID": "wasmtime"})
    already_running = tcp_server.wasmtime_children()
    for arguments, expected in bad_configurations(str(fixtures["basics"])):
        reply = client.request("launch", arguments)
        assert not reply["success"] and expected in reply["message"], (arguments, reply.get("message"))
        assert tcp_server.wasmtime_children() == already_running
        figures.add("bad launch configurations refused")
    end_cleanly(client, connection)
