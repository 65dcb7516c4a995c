"""Many sessions, one after another, in one TCP server: nothing accumulates.

Each session launches a real program, stops at a breakpoint, looks at the stack and
variables and ends. The server's RSS climbs over the first dozen or so sessions (imports,
caches, thread pool, allocator arenas) and then levels off, so growth is measured after
warm-up sessions, as the lowest RSS of the later half of the sessions against the lowest
of the earlier half (transient peaks come and go; a leak raises the floor): a leak of
some 150 KiB per session shows in the 200-session run. The fast run
measures 20 sessions; ``-m slow`` measures 200.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dap.schema import check_message_log
from tests.reliability import figures
from tests.reliability.servers import TcpServer, end_cleanly, launch, server_environment

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WARM_UP_SESSIONS = 15
MAX_FD_GROWTH = 2  # a descriptor or two for lazily created machinery
MAX_RSS_GROWTH = 16 * 2**20  # bytes, between the floors of the two halves


def one_session(server: TcpServer, program: Path, line: int) -> None:
    client, connection = server.connect()
    launch(client, program, breakpoints={FIXTURES / "basics.c": [line]})
    assert client.event("stopped")["body"]["reason"] == "breakpoint"
    (frame, *_) = client.ok("stackTrace", {"threadId": 1})["stackFrames"]
    scopes = client.ok("scopes", {"frameId": frame["id"]})["scopes"]
    assert client.ok("variables", {"variablesReference": scopes[0]["variablesReference"]})["variables"]
    end_cleanly(client, connection)


def churn(sessions: int, fixtures, markers, tmp_path: Path) -> None:
    log = tmp_path / "messages.jsonl"
    server = TcpServer(server_environment(log))
    line = markers("basics.c")["square_body"]
    try:
        for _ in range(WARM_UP_SESSIONS):
            one_session(server, fixtures["basics"], line)
        before = server.footprint()
        rss = []
        for _ in range(sessions):
            one_session(server, fixtures["basics"], line)
            rss.append(server.footprint().rss)
        after = server.footprint()
    finally:
        server.close()
    assert after.descendants == frozenset()
    assert after.listeners == before.listeners
    assert after.fds - before.fds <= MAX_FD_GROWTH, (before.fds, after.fds)
    half = sessions // 2
    earlier, later = min(rss[:half]), min(rss[half:])
    assert later - earlier <= MAX_RSS_GROWTH, [f"{value / 2**20:.1f} MiB" for value in rss]
    figures.add("sessions churned", sessions + WARM_UP_SESSIONS)
    figures.add("server messages schema-checked", check_message_log(log))
    figures.record(f"churn {sessions}: server fds after warm-up -> end", f"{before.fds} -> {after.fds}")
    figures.record(
        f"churn {sessions}: server RSS floor of earlier -> later half, peak (MiB)",
        f"{earlier / 2**20:.1f} -> {later / 2**20:.1f}, {max(rss) / 2**20:.1f}",
    )


def test_twenty_sessions_leave_nothing_behind(fixtures, markers, tmp_path) -> None:
    churn(20, fixtures, markers, tmp_path)


@pytest.mark.slow
def test_two_hundred_sessions_leave_nothing_behind(fixtures, markers, tmp_path) -> None:
    churn(200, fixtures, markers, tmp_path)
