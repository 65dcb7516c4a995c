"""The DAP server as a real subprocess in TCP mode, and a short way through a launch."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from dap_server.access import TOKEN_VARIABLE
from dap_server.transport import MESSAGE_LOG_VARIABLE
from tests.dap.client import TIMEOUT, DapClient, connect_tcp
from tests.dap.schema import REPO
from tests.reliability import procfs

BANNER = "wasmtime-dap listening on "


def server_environment(message_log: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if message_log is not None:
        env[MESSAGE_LOG_VARIABLE] = str(message_log)
    return env


class TcpServer:
    """``python -m dap_server --port 0``: one server process, one session per connection."""

    def __init__(self, env: Mapping[str, str], extra_arguments: Sequence[str] = ()) -> None:
        self._sockets: list[socket.socket] = []
        # A file, not a pipe: a pipe nobody reads fills up and blocks the server's logging.
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dap_server", "--port", "0", *extra_arguments],
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=dict(env),
            text=True,
        )
        assert self.process.stdout is not None
        banner = self.process.stdout.readline()
        if not banner.startswith(BANNER):
            said = self.stderr_text()
            self.close()
            raise AssertionError(f"unexpected banner {banner!r}: {said}")
        self.host, port = banner[len(BANNER) :].strip().rsplit(":", 1)
        self.port = int(port)
        # The token clients show: the one printed, unless there is none or it is handed over otherwise.
        self.token: str | None = env.get(TOKEN_VARIABLE)
        if not ({"--no-token", "--token-file"} & set(extra_arguments) or self.token):
            self.token = self.process.stdout.readline().rsplit(" ", 1)[-1].strip()

    @property
    def pid(self) -> int:
        return self.process.pid

    def connect(self) -> tuple[DapClient, socket.socket]:
        """A new connection, with the server's token for ``DapClient.initialize``."""
        client, connection = connect_tcp(self.port, self.token)
        self._sockets.append(connection)
        return client, connection

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def footprint(self) -> procfs.Footprint:
        return procfs.Footprint.of(self.pid)

    def wasmtime_children(self) -> set[int]:
        return {pid for pid in procfs.descendants(self.pid) if procfs.is_wasmtime(pid)}

    def close(self) -> None:
        for connection in self._sockets:
            connection.close()
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()


def launch(
    client: DapClient,
    program: Path,
    args: Iterable[str] = (),
    *,
    filters: Iterable[str] = (),
    breakpoints: Mapping[Path, Iterable[int]] | None = None,
    **config: object,
) -> set[int]:
    """Initialize, launch ``program``, configure breakpoints and exception filters, start it.
    The ids of the breakpoints set."""
    client.initialize({"adapterID": "wasmtime", "clientID": "reliability"})
    seq = client.send_request("launch", {"program": str(program), "args": list(args), **config})
    reply = client.response(seq)
    assert reply["success"], reply.get("message")
    client.event("initialized")
    ids = set()
    for source, lines in (breakpoints or {}).items():
        wanted = [{"line": line} for line in lines]
        body = client.ok("setBreakpoints", {"source": {"path": str(source)}, "breakpoints": wanted})
        assert all(item["verified"] for item in body["breakpoints"]), body
        ids |= {item["id"] for item in body["breakpoints"]}
    client.ok("setExceptionBreakpoints", {"filters": list(filters)})
    client.ok("configurationDone")
    return ids


def vanish(connection: socket.socket) -> None:
    """Drop the connection the way a dying client does (a plain close would wait for our reader thread)."""
    connection.shutdown(socket.SHUT_RDWR)
    connection.close()


def end_cleanly(client: DapClient, connection: socket.socket) -> None:
    """Disconnect (ending the program) and wait until the server closes the connection."""
    client.ok("disconnect", {"terminateDebuggee": True})
    client.wait_closed()
    connection.close()
