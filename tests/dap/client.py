"""A small synchronous DAP client driving a real server subprocess (stdio or TCP)."""

from __future__ import annotations

import contextlib
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dap_server import framing
from tests.dap.schema import schema_errors

Message = dict[str, Any]
TIMEOUT = 60.0
SERVER_COMMAND = [sys.executable, "-m", "dap_server"]


def frame(message: Message | bytes) -> bytes:
    """A message, or raw body bytes, framed as a client sends it."""
    return framing.frame(message if isinstance(message, bytes) else framing.serialize(message))


class DapClient:
    """Sends requests, collects responses and events; checks every message against the schema."""

    def __init__(self, send: Callable[[bytes], None], read: Callable[[int], bytes], token: str | None = None) -> None:
        self.token = token  # the TCP server's, shown by initialize()
        self._send_bytes = send
        self._read = read
        self._incoming: queue.Queue[Message | None] = queue.Queue()
        self._seq = 0
        self.events: list[Message] = []
        self.responses: dict[int, Message] = {}
        self.schema_failures: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        try:
            for message in framing.read_messages(self._read_or_end):
                if isinstance(message, framing.FramingError):
                    raise framing.NotDap(str(message))  # the server sends only objects
                self.schema_failures += schema_errors(message)
                self._incoming.put(message)
        except framing.NotDap as error:
            self.schema_failures.append(f"the server's output is not DAP: {error}")
        finally:
            self._incoming.put(None)

    def _read_or_end(self, size: int) -> bytes:
        try:
            return self._read(size)
        except OSError:  # the connection was closed under us
            return b""

    def send_raw(self, data: bytes) -> None:
        self._send_bytes(data)

    def send_request(self, command: str, arguments: Any = None, *, seq: int | None = None) -> int:
        if seq is None:
            self._seq += 1
            seq = self._seq
        message: Message = {"seq": seq, "type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        self._send_bytes(frame(message))
        return seq

    def _take(self, timeout: float) -> Message:
        message = self._incoming.get(timeout=timeout)
        if message is None:
            self._incoming.put(None)
            raise EOFError("the server closed the connection")
        if message["type"] == "response":
            self.responses[message["request_seq"]] = message
        else:
            self.events.append(message)
        return message

    def response(self, seq: int, timeout: float = TIMEOUT) -> Message:
        while seq not in self.responses:
            self._take(timeout)
        return self.responses.pop(seq)

    def request(self, command: str, arguments: Any = None, timeout: float = TIMEOUT) -> Message:
        return self.response(self.send_request(command, arguments), timeout)

    def ok(self, command: str, arguments: Any = None, timeout: float = TIMEOUT) -> Message:
        """The body of a successful response (AssertionError with the server's message otherwise)."""
        reply = self.request(command, arguments, timeout)
        assert reply["success"], f"{command} failed: {reply.get('message')}"
        return reply.get("body", {})

    def initialize(self, arguments: Message) -> Message:
        """``ok("initialize")``, showing the server's token if it has one."""
        return self.ok("initialize", {**arguments, "authToken": self.token} if self.token else arguments)

    def event(self, name: str, timeout: float = TIMEOUT) -> Message:
        """The next not yet consumed event called ``name``."""
        while True:
            for index, event in enumerate(self.events):
                if event["event"] == name:
                    return self.events.pop(index)
            self._take(timeout)

    def wait_closed(self, timeout: float = TIMEOUT) -> None:
        try:
            while True:
                self._take(timeout)
        except EOFError:
            return


class StdioServer:
    """The server as a subprocess speaking DAP on its stdin/stdout."""

    def __init__(self, env: dict[str, str], command: Sequence[str] = SERVER_COMMAND, cwd: Path | None = None) -> None:
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd
        )
        assert self.process.stdin and self.process.stdout
        stdin, stdout = self.process.stdin, self.process.stdout

        def send(data: bytes) -> None:
            stdin.write(data)
            stdin.flush()

        self.client = DapClient(send, stdout.read1)

    def close(self) -> int:
        if self.process.stdin and not self.process.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self.process.stdin.close()
        try:
            return self.process.wait(timeout=TIMEOUT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def connect_tcp(port: int, token: str | None = None) -> tuple[DapClient, socket.socket]:
    connection = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    connection.settimeout(None)
    return DapClient(connection.sendall, connection.recv, token), connection
