"""The fault matrix: every way a debugged program can end badly, through a real TCP server and Wasmtime.

Each case checks the DAP events the client gets and that nothing is left behind: no
process under the server and no listening socket but the server's own.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dap.client import DapClient, StdioServer
from tests.reliability import figures, procfs
from tests.reliability.servers import (
    TcpServer,
    end_cleanly,
    launch,
    server_environment,
    vanish,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXIT_TIMEOUT = 30.0
TRAP_EXIT_CODE = 134  # Wasmtime ends a trapped program with 128 + SIGABRT
WASMTIME_ABORTED = -signal.SIGABRT  # Wasmtime itself aborted (see the call stack exhaustion case)


@pytest.fixture(autouse=True)
def nothing_left_behind(tcp_server: TcpServer) -> Iterator[None]:
    yield
    footprint = tcp_server.footprint()
    assert footprint.descendants == frozenset(), [procfs.command_line(pid) for pid in footprint.descendants]
    assert footprint.listeners == {procfs.Listener(tcp_server.host, tcp_server.port)}
    figures.add("faults injected")


def program(fixtures: dict[str, Path], fault_programs: dict[str, Path], name: str) -> Path:
    return fault_programs[name] if name in fault_programs else fixtures[name]


def only_wasmtime(server: TcpServer) -> int:
    (pid,) = server.wasmtime_children()
    return pid


TRAPS = [
    # (program, argument, filters, exception id, words in the description)
    ("traps", "unreachable", ["trap"], "trap", "unreachable"),
    ("traps", "divzero", ["trap"], "trap", "divide by zero"),
    ("traps", "oob", ["trap"], "trap", "out of bounds memory"),
    ("traps", "abort", ["abort"], "abort", "aborted"),
    ("faults", "indirect", ["trap"], "trap", "indirect call"),
]


@pytest.mark.parametrize(("name", "argument", "filters", "exception_id", "words"), TRAPS, ids=[t[1] for t in TRAPS])
def test_a_trap_stops_with_exception_info_then_the_program_exits(
    tcp_server, fixtures, fault_programs, name, argument, filters, exception_id, words
) -> None:
    client, connection = tcp_server.connect()
    launch(client, program(fixtures, fault_programs, name), [argument], filters=filters)
    stopped = client.event("stopped")["body"]
    assert stopped["reason"] == "exception" and words in stopped["text"], stopped
    info = client.ok("exceptionInfo", {"threadId": 1})
    assert info["exceptionId"] == exception_id and words in info["description"], info
    assert client.ok("stackTrace", {"threadId": 1})["stackFrames"], "a trapped program shows its stack"
    client.ok("continue", {"threadId": 1})
    assert client.event("exited")["body"]["exitCode"] == TRAP_EXIT_CODE
    client.event("terminated")
    end_cleanly(client, connection)


@pytest.mark.parametrize("argument", ["divzero", "abort"])
def test_without_the_filter_a_trap_ends_the_program_unstopped(tcp_server, fixtures, argument) -> None:
    client, connection = tcp_server.connect()
    launch(client, fixtures["traps"], [argument], filters=[])
    assert client.event("exited")["body"]["exitCode"] == TRAP_EXIT_CODE
    client.event("terminated")
    assert not [event for event in client.events if event["event"] == "stopped"]
    end_cleanly(client, connection)


def test_call_stack_exhaustion_ends_the_session_cleanly(tcp_server, fault_programs) -> None:
    """Wasmtime 49 aborts ('null vmctx in debug state slot') when a debugger asks for the frames
    of a program that exhausted its call stack: the client hears why, and that the program ended."""
    client, connection = tcp_server.connect()
    launch(client, fault_programs["faults"], ["recurse"], filters=["trap"])
    assert client.event("exited")["body"]["exitCode"] == WASMTIME_ABORTED
    client.event("terminated")
    said = "".join(e["body"]["output"] for e in client.events if e["event"] == "output")
    assert "null vmctx" in said
    end_cleanly(client, connection)


@pytest.mark.parametrize("code", [0, 1, 3, 42, 125])
def test_exit_codes_reach_the_client(tcp_server, fixtures, code) -> None:
    client, connection = tcp_server.connect()
    launch(client, fixtures["traps"], ["exit", str(code)], filters=["trap", "abort"])
    assert client.event("exited")["body"]["exitCode"] == code
    client.event("terminated")
    assert not [event for event in client.events if event["event"] == "stopped"], "proc_exit is not a trap"
    end_cleanly(client, connection)


def stopped_in_endless_loop(server: TcpServer, fixtures, markers) -> tuple[DapClient, object]:
    client, connection = server.connect()
    line = markers("heavy.c")["spin_body"]
    launch(client, fixtures["heavy"], ["forever"], breakpoints={FIXTURES / "heavy.c": [line]})
    assert client.event("stopped")["body"]["reason"] == "breakpoint"
    return client, connection


def test_wasmtime_killed_mid_step(tcp_server, fixtures, markers) -> None:
    client, connection = stopped_in_endless_loop(tcp_server, fixtures, markers)
    client.ok("setBreakpoints", {"source": {"path": str(FIXTURES / "heavy.c")}, "breakpoints": []})
    client.ok("stepOut", {"threadId": 1})  # spin_forever never returns: the step runs on
    os.kill(only_wasmtime(tcp_server), signal.SIGKILL)
    assert client.event("exited")["body"]["exitCode"] == -signal.SIGKILL
    client.event("terminated")
    refused = client.request("stackTrace", {"threadId": 1})
    assert not refused["success"]
    end_cleanly(client, connection)


def test_wasmtime_killed_while_stopped(tcp_server, fixtures, markers) -> None:
    client, connection = stopped_in_endless_loop(tcp_server, fixtures, markers)
    os.kill(only_wasmtime(tcp_server), signal.SIGKILL)
    client.request("continue", {"threadId": 1})  # answered either way; the program's end follows
    assert client.event("exited")["body"]["exitCode"] == -signal.SIGKILL
    client.event("terminated")
    end_cleanly(client, connection)


def test_client_vanishing_while_the_program_runs(tcp_server, fixtures) -> None:
    client, connection = tcp_server.connect()
    launch(client, fixtures["heavy"], ["forever"])
    wasmtime = only_wasmtime(tcp_server)
    vanish(connection)
    assert procfs.wait_for_exit(wasmtime, EXIT_TIMEOUT), "Wasmtime outlived its client"


def test_client_vanishing_while_stopped(tcp_server, fixtures, markers) -> None:
    client, connection = stopped_in_endless_loop(tcp_server, fixtures, markers)
    wasmtime = only_wasmtime(tcp_server)
    vanish(connection)
    assert procfs.wait_for_exit(wasmtime, EXIT_TIMEOUT), "Wasmtime outlived its client"


@pytest.mark.parametrize("moment", ["mid-launch", "running"])
def test_stdio_client_vanishing_ends_server_and_program(fixtures, tmp_path, moment) -> None:
    """Standard input closes while a launch is in progress or the program runs: the server exits
    and takes Wasmtime with it. (The program has a unique path, to find its Wasmtime by.)"""
    program = tmp_path / "vanishing.wasm"
    shutil.copyfile(fixtures["heavy"], program)
    server = StdioServer(server_environment())
    client = server.client
    client.ok("initialize", {"adapterID": "wasmtime"})
    launched = client.send_request("launch", {"program": str(program), "args": ["forever"]})
    if moment == "running":
        assert client.response(launched)["success"]
        client.ok("configurationDone")
    assert server.close() == 0
    for pid in procfs.processes_mentioning(str(program)):
        assert procfs.wait_for_exit(pid, EXIT_TIMEOUT), "Wasmtime outlived the server"
