"""Fixtures for driving the DAP server as a real subprocess; every message it sends is schema-checked."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from dap_server.transport import MESSAGE_LOG_VARIABLE
from tests.dap.client import DapClient, StdioServer
from tests.dap.schema import REPO, check_message_log


@pytest.fixture
def message_log(tmp_path: Path) -> Iterator[Path]:
    """A file the server logs every outgoing message to; validated against the schema afterwards."""
    log = tmp_path / "server-messages.jsonl"
    yield log
    check_message_log(log)


@pytest.fixture
def server_env(message_log: Path) -> dict[str, str]:
    return {**os.environ, MESSAGE_LOG_VARIABLE: str(message_log), "PYTHONPATH": str(REPO)}


@pytest.fixture
def server(server_env: dict[str, str]) -> Iterator[StdioServer]:
    running = StdioServer(server_env)
    yield running
    running.close()
    assert not running.client.schema_failures, running.client.schema_failures


@pytest.fixture
def client(server: StdioServer) -> DapClient:
    """A client whose session has been initialized."""
    server.client.ok("initialize", {"adapterID": "wasmtime", "clientID": "pytest"})
    return server.client
