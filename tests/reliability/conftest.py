"""Fixtures of the reliability suite: the fault programs and a TCP server whose messages are schema-checked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from build import build_all

from tests.dap.schema import check_message_log
from tests.reliability import figures
from tests.reliability.servers import TcpServer, server_environment

FAULT_SOURCES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def fault_programs() -> dict[str, Path]:
    """``faults`` (indirect call type mismatch, call stack exhaustion) -> built module."""
    return build_all([FAULT_SOURCES / "faults.c"])


@pytest.fixture(scope="module")
def tcp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TcpServer]:
    """One TCP server shared by a module's tests; every message it sent is schema-checked at the end."""
    log = tmp_path_factory.mktemp("server") / "messages.jsonl"
    server = TcpServer(server_environment(log))
    try:
        yield server
    finally:
        server.close()
    figures.add("server messages schema-checked", check_message_log(log))


def pytest_terminal_summary(terminalreporter) -> None:
    lines = figures.report()
    if lines:
        terminalreporter.section("reliability figures")
        for line in lines:
            terminalreporter.write_line(line)
