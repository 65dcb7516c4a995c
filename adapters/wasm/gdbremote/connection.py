"""A GDB-remote connection: requests and replies over TCP, one at a time or pipelined."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Sequence

from adapters.wasm.debuggee import DebuggeeGone
from adapters.wasm.gdbremote.packets import PacketReader, ProtocolError, encode_packet
from adapters.wasm.gdbremote.replies import hex_bytes, is_console_output, is_error
from adapters.wasm.host_os import quick_ack

REPLY_TIMEOUT = 15.0  # the stub answers a stopped program's requests in well under a millisecond
XFER_CHUNK = 0xF00  # qXfer bytes asked for at once (the stub's PacketSize is 0x1000)

ConsoleCallback = Callable[[str], None]


class GdbConnection:
    """Talks to one stub. ``request`` and friends are for one thread at a time;
    ``close`` may come from any thread and wakes a blocked ``receive``."""

    def __init__(self, sock: socket.socket, on_console: ConsoleCallback | None = None) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket = sock
        self._reader = PacketReader()
        self._on_console = on_console or (lambda text: None)
        self._acking = True
        self._lock = threading.Lock()
        self.closed = False
        self.features: dict[str, str] = {}

    @classmethod
    def connect(cls, host: str, port: int, on_console: ConsoleCallback | None = None) -> GdbConnection:
        try:
            sock = socket.create_connection((host, port), timeout=REPLY_TIMEOUT)
        except OSError as error:
            raise DebuggeeGone(f"cannot connect to a gdbstub at {host}:{port}: {error}") from error
        connection = cls(sock, on_console)
        try:
            connection.handshake()
        except BaseException:
            connection.close()
            raise
        return connection

    def handshake(self) -> None:
        """Learn the stub's features and turn acknowledgements off."""
        reply = self.request("qSupported:multiprocess+;swbreak+;xmlRegisters=wasm")
        for feature in reply.decode("ascii", "replace").split(";"):
            name, _, value = feature.partition("=")
            if name.endswith(("+", "-")) and not value:
                name, value = name[:-1], name[-1]
            self.features[name] = value
        if self.features.get("QStartNoAckMode") == "+" and self.request("QStartNoAckMode") == b"OK":
            self._acking = False

    # -- sending and receiving -------------------------------------------------
    def send(self, payload: str) -> None:
        self._send(encode_packet(payload))

    def _send(self, data: bytes) -> None:
        if self.closed:
            raise DebuggeeGone("the connection to the gdbstub is closed")
        try:
            self._socket.sendall(data)
        except OSError as error:
            self.close()
            raise DebuggeeGone(f"lost the connection to the gdbstub: {error}") from error

    def receive(self, timeout: float | None) -> bytes | None:
        """The next reply other than console output; None if ``timeout`` passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                payload = self._reader.next()
            except ProtocolError:
                self.close()
                raise
            if payload is not None:
                if self._acking:
                    self._send(b"+")
                if is_console_output(payload):
                    self._on_console(hex_bytes(payload[1:]).decode("utf-8", "replace"))
                    continue
                return payload
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                return None
            self._fill(remaining)

    def _fill(self, timeout: float | None) -> None:
        if self.closed:
            raise DebuggeeGone("the connection to the gdbstub is closed")
        try:
            self._socket.settimeout(timeout)
            quick_ack(self._socket)
            chunk = self._socket.recv(1 << 20)
        except TimeoutError:
            return
        except OSError as error:
            self.close()
            raise DebuggeeGone(f"lost the connection to the gdbstub: {error}") from error
        if not chunk:
            self.close()
            raise DebuggeeGone("the gdbstub closed the connection")
        self._reader.feed(chunk)

    # -- requests ------------------------------------------------------------------
    def request(self, payload: str) -> bytes:
        return self.request_many([payload])[0]

    def request_many(self, payloads: Sequence[str]) -> list[bytes]:
        """Send every request at once, then collect the replies in order (pipelining:
        one round trip for the lot)."""
        with self._lock:
            self._send(b"".join(encode_packet(payload) for payload in payloads))
            replies = []
            for payload in payloads:
                reply = self.receive(REPLY_TIMEOUT)
                if reply is None:
                    self.close()
                    raise DebuggeeGone(f"the gdbstub did not answer {payload!r} within {REPLY_TIMEOUT:.0f} s")
                replies.append(reply)
            return replies

    def read_xfer(self, obj: str, annex: str = "") -> bytes:
        """A whole ``qXfer:<obj>:read`` document, chunk by chunk."""
        document = bytearray()
        while True:
            reply = self.request(f"qXfer:{obj}:read:{annex}:{len(document):x},{XFER_CHUNK:x}")
            if reply[:1] not in (b"m", b"l") or is_error(reply):
                raise ProtocolError(f"qXfer:{obj} failed: {reply[:40]!r}")
            document += reply[1:]
            if reply[:1] == b"l" or len(reply) == 1:
                return bytes(document)

    def close(self) -> None:
        """Close the socket (idempotent; wakes a thread blocked in ``receive``)."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)
        self._socket.close()
