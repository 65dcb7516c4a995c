"""An adapter an editor starts on a port for itself (nvim-dap's `${port}` adapters) ends with that
editor: `--port N --once` serves one client and exits, and exits if the editor ends first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from tests.dap.client import TIMEOUT, connect_tcp
from tests.reliability.procfs import wait_for_exit

SERVER = [sys.executable, "-m", "dap_server", "--port", "0", "--once"]
# A stand-in for the editor: starts the adapter, says its pid and port, and waits to be killed.
EDITOR = f"""
import subprocess, sys
server = subprocess.Popen({SERVER!r}, stdout=subprocess.PIPE, text=True)
print(server.pid, server.stdout.readline().rsplit(":", 1)[1].strip(), flush=True)
sys.stdin.read()
"""


def listening_port(process: subprocess.Popen) -> int:
    line = process.stdout.readline()
    assert "listening on" in line, line
    return int(line.rsplit(":", 1)[1])


def test_once_serves_one_client_then_exits(server_env) -> None:
    server = subprocess.Popen(SERVER, stdout=subprocess.PIPE, text=True, env=server_env)
    try:
        client, connection = connect_tcp(listening_port(server))
        assert client.ok("initialize", {"adapterID": "wasmtime", "clientID": "pytest"})
        client.ok("disconnect")
        client.wait_closed()
        connection.close()
        assert server.wait(timeout=TIMEOUT) == 0
    finally:
        server.kill()
        server.wait()


def test_once_ends_when_the_editor_that_started_it_ends(server_env) -> None:
    editor = subprocess.Popen(
        [sys.executable, "-c", EDITOR], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=server_env
    )
    pid, _ = map(int, editor.stdout.readline().split())
    try:
        assert not wait_for_exit(pid, 0)
        editor.send_signal(signal.SIGKILL)  # the editor quits without a word (nvim-dap 0.6.0 on :qa)
        editor.wait()
        assert wait_for_exit(pid, TIMEOUT), "the adapter outlived the editor that started it"
    finally:
        if not wait_for_exit(pid, 0):
            os.kill(pid, signal.SIGKILL)
