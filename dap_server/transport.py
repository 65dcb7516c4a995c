"""DAP messages over anyio byte streams (stdio or TCP); the framing itself is dap_server.framing.

The reader never gives up on a stream because of one unreadable message: a body that is
not a JSON object is handed to the session as a :class:`FramingError` and reading goes on.
A peer that does not speak DAP at all (an HTTP request, say) ends the stream unanswered.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import anyio
import anyio.from_thread
import anyio.lowlevel
from anyio.abc import ByteReceiveStream, ByteSendStream

from dap_server.framing import Decoder, FramingError, Message, NotDap, frame, serialize

# When set, every message the server sends is appended to this file as one JSON line
# (the test suite validates them all against the DAP schema).
MESSAGE_LOG_VARIABLE = "WASMTIME_DAP_MESSAGE_LOG"
log = logging.getLogger(__name__)


class MessageReader:
    """Splits a byte stream into messages."""

    def __init__(self, stream: ByteReceiveStream) -> None:
        self._stream = stream
        self._decoder = Decoder()

    async def messages(self) -> AsyncIterator[Message | FramingError]:
        """The messages until the stream ends, or until it shows it is not DAP (logged)."""
        while True:
            try:
                while (item := self._decoder.next()) is not None:
                    yield item
                self._decoder.feed(await self._stream.receive())
            except NotDap as error:
                log.warning("closing a connection that does not speak DAP: %s", error)
                return
            except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
                return


class MessageWriter:
    """Stamps ``seq`` on outgoing messages and writes them whole, one at a time."""

    def __init__(self, stream: ByteSendStream, log_path: str | None = None) -> None:
        self._stream = stream
        self._seq = 0
        self._lock = anyio.Lock()
        self._log = Path(log_path) if log_path else None

    async def send(self, message: Message) -> None:
        async with self._lock:
            self._seq += 1
            body = serialize({"seq": self._seq, **message})
            if self._log is not None:
                with self._log.open("ab") as message_log:
                    message_log.write(body + b"\n")
            await self._stream.send(frame(body))


def message_log_path() -> str | None:
    return os.environ.get(MESSAGE_LOG_VARIABLE) or None


class StdinStream(ByteReceiveStream):
    """Standard input as an anyio stream.

    A daemon thread does the blocking reads, so a read that never returns cannot keep
    the process alive once the session is over.
    """

    def __init__(self, fd: int) -> None:
        self._chunks_in, self._chunks = anyio.create_memory_object_stream[bytes](16)
        token = anyio.lowlevel.current_token()
        threading.Thread(target=self._pump, args=(fd, token), name="stdin reader", daemon=True).start()

    def _pump(self, fd: int, token: anyio.lowlevel.EventLoopToken) -> None:
        try:
            while data := os.read(fd, 65536):
                anyio.from_thread.run(self._chunks_in.send, data, token=token)
            anyio.from_thread.run_sync(self._chunks_in.close, token=token)
        except (RuntimeError, OSError, anyio.BrokenResourceError, anyio.ClosedResourceError):
            pass  # the session is over

    async def receive(self, max_bytes: int = 65536) -> bytes:
        return await self._chunks.receive()

    async def aclose(self) -> None:
        self._chunks.close()


class StdoutStream(ByteSendStream):
    """Standard output as an anyio stream."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    async def send(self, item: bytes) -> None:
        await anyio.to_thread.run_sync(_write_all, self._fd, item)

    async def aclose(self) -> None:
        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


ConnectionHandler = Callable[[ByteReceiveStream, ByteSendStream], Awaitable[None]]


async def serve_stdio(handle: ConnectionHandler) -> None:
    """One session over this process's stdin/stdout.

    Python's own ``sys.stdout`` is pointed at stderr first, so a stray print can never
    corrupt the protocol stream.
    """
    protocol_out = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    await handle(StdinStream(0), StdoutStream(protocol_out))


async def serve_tcp(handle: ConnectionHandler, host: str, port: int, on_listening: Callable[[str, int], None]) -> None:
    """Accept connections forever, one session per connection, many at once."""
    listener = await anyio.create_tcp_listener(local_host=host, local_port=port)
    bound_host, bound_port = listener.extra(anyio.abc.SocketAttribute.local_address)[:2]
    on_listening(bound_host, bound_port)

    async def handle_connection(stream: anyio.abc.SocketStream) -> None:
        async with stream:
            await handle(stream, stream)

    await listener.serve(handle_connection)
