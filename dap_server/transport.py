"""Content-Length framing of DAP messages over anyio byte streams (stdio or TCP).

The reader never gives up on a stream because of one bad message: a framing or JSON
error is handed to the session as a :class:`FramingError` and reading goes on.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import anyio.lowlevel
from anyio.abc import ByteReceiveStream, ByteSendStream

Message = dict[str, Any]

MAX_HEADER_BYTES = 16 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024
HEADER_END = b"\r\n\r\n"

# When set, every message the server sends is appended to this file as one JSON line
# (the test suite validates them all against the DAP schema).
MESSAGE_LOG_VARIABLE = "WASMTIME_DAP_MESSAGE_LOG"


class FramingError(Exception):
    """A message that could not be read; ``fragment`` is what was parsed, if anything."""

    def __init__(self, reason: str, fragment: Any = None) -> None:
        super().__init__(reason)
        self.fragment = fragment


class MessageReader:
    """Splits a byte stream into JSON messages."""

    def __init__(self, stream: ByteReceiveStream) -> None:
        self._stream = stream
        self._buffer = bytearray()

    async def messages(self) -> AsyncIterator[Message | FramingError]:
        while True:
            try:
                item = await self._next()
            except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
                return
            yield item

    async def _next(self) -> Message | FramingError:
        header_end = await self._fill_until_header_end()
        if header_end is None:
            self._buffer.clear()
            return FramingError(f"no end of headers within {MAX_HEADER_BYTES} bytes")
        header = bytes(self._buffer[:header_end])
        del self._buffer[: header_end + len(HEADER_END)]
        length = _content_length(header)
        if isinstance(length, FramingError):
            return length
        if length > MAX_BODY_BYTES:
            self._buffer.clear()
            return FramingError(f"Content-Length {length} exceeds the limit of {MAX_BODY_BYTES} bytes")
        while len(self._buffer) < length:
            self._buffer += await self._stream.receive()
        body = bytes(self._buffer[:length])
        del self._buffer[:length]
        return _parse_body(body)

    async def _fill_until_header_end(self) -> int | None:
        while (position := self._buffer.find(HEADER_END)) < 0:
            if len(self._buffer) > MAX_HEADER_BYTES:
                return None
            self._buffer += await self._stream.receive()
        return position


def _content_length(header: bytes) -> int | FramingError:
    for line in header.split(b"\r\n"):
        name, colon, value = line.partition(b":")
        if colon and name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return FramingError(f"invalid Content-Length {value.strip()!r}")
            return length if length >= 0 else FramingError(f"negative Content-Length {length}")
    return FramingError(f"header without Content-Length: {header[:200]!r}")


def _parse_body(body: bytes) -> Message | FramingError:
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return FramingError(f"message is not valid JSON: {error}")
    if not isinstance(message, dict):
        return FramingError(f"message is a JSON {type(message).__name__}, not an object", message)
    return message


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
            message = {"seq": self._seq, **message}
            body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
            if self._log is not None:
                with self._log.open("ab") as log:
                    log.write(body + b"\n")
            await self._stream.send(b"Content-Length: %d\r\n\r\n" % len(body) + body)


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
