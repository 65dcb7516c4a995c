"""Several clients debugging different programs at once in one TCP server, each in its own world."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.reliability import figures
from tests.reliability.servers import TcpServer, end_cleanly, launch

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BASICS_EXIT_CODE = (120 * 120 + 15) % 7  # as in tests/dap/test_debugging.py


@dataclass(frozen=True)
class Scenario:
    program: str
    args: tuple[str, ...]
    source: str  # under tests/fixtures
    marker: str
    hits: int  # how often the breakpoint is hit
    exit_code: int


SCENARIOS = [
    Scenario("basics", (), "basics.c", "loop_body", 5, BASICS_EXIT_CODE),
    Scenario("multi", (), "multi/geometry.c", "dot_body", 1, 0),
    Scenario("traps", ("exit", "9"), "traps.c", "exit_call", 1, 9),
    Scenario("heavy", (), "heavy.c", "heavy_done", 1, 0),
]


def debug(server: TcpServer, scenario: Scenario, fixtures, markers) -> list[dict]:
    """Run one scenario to its end; every event its client saw."""
    client, connection = server.connect()
    source = FIXTURES / scenario.source
    line = markers(scenario.source)[scenario.marker]
    own_ids = launch(client, fixtures[scenario.program], scenario.args, breakpoints={source: [line]})
    for _ in range(scenario.hits):
        stopped = client.event("stopped")["body"]
        assert stopped["reason"] == "breakpoint" and set(stopped["hitBreakpointIds"]) <= own_ids, stopped
        top = client.ok("stackTrace", {"threadId": 1})["stackFrames"][0]
        assert (top["source"]["path"], top["line"]) == (str(source), line), top
        client.ok("continue", {"threadId": 1})
    assert client.event("exited")["body"]["exitCode"] == scenario.exit_code
    client.event("terminated")
    events = list(client.events)
    end_cleanly(client, connection)
    return events


def test_clients_debugging_side_by_side_never_see_each_other(tcp_server: TcpServer, fixtures, markers) -> None:
    with ThreadPoolExecutor(len(SCENARIOS)) as pool:
        runs = [pool.submit(debug, tcp_server, scenario, fixtures, markers) for scenario in SCENARIOS]
        events = [run.result() for run in runs]
    for scenario, seen in zip(SCENARIOS, events, strict=True):
        programs = {e["body"]["name"] for e in seen if e["event"] == "process"}
        assert programs == {str(fixtures[scenario.program])}, programs
        sources = {e["body"]["source"]["path"] for e in seen if e["event"] == "loadedSource"}
        assert str(FIXTURES / scenario.source) in sources
        others = {str(FIXTURES / other.source) for other in SCENARIOS if other.program != scenario.program}
        assert not sources & others - {str(FIXTURES / scenario.source)}, "another session's sources leaked in"
    assert tcp_server.footprint().descendants == frozenset()
    figures.record("concurrent sessions in one server", len(SCENARIOS))
