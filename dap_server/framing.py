"""DAP's base protocol: JSON bodies behind a ``Content-Length`` header, in both directions.

One module for the server's transport, the terminal front end and the tests. It does no I/O:
callers feed it the bytes they read and send the bytes it makes.

Only DAP's own header block is accepted: one ``Content-Length`` field and at most one
``Content-Type``. Anything else (an HTTP request line, ``Host``, ``Origin``, any other field,
a body over the size limit) means the peer does not speak DAP: a web page that reached a
loopback port, say. That is :class:`NotDap`, and the connection must be closed unanswered.
A well-framed body that is not a JSON object is only a :class:`FramingError`: the message is
skipped and reading goes on, since the next one starts right after it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

Message = dict[str, Any]

MAX_HEADER_BYTES = 1024  # a DAP header block is about 25 bytes
MAX_BODY_BYTES = 64 * 1024 * 1024
HEADER_END = b"\r\n\r\n"
CONTENT_LENGTH = b"content-length"
CONTENT_TYPE = b"content-type"


class NotDap(Exception):
    """The peer does not speak DAP: close the connection without answering."""


class FramingError(Exception):
    """A well-framed message whose body is not a JSON object; ``fragment`` is what was parsed."""

    def __init__(self, reason: str, fragment: Any = None) -> None:
        super().__init__(reason)
        self.fragment = fragment


def encode(message: Message) -> bytes:
    """``message`` framed, ready to send."""
    return frame(serialize(message))


def serialize(message: Message) -> bytes:
    """The JSON body of ``message``."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()


def frame(body: bytes) -> bytes:
    """A body (normally JSON) behind its header."""
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Decoder:
    """Turns the bytes read from a peer into messages, one at a time."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._length: int | None = None  # of the body being read, once its header is in

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def next(self) -> Message | FramingError | None:
        """The next whole message, a FramingError for a body that is not one, or None until
        more bytes are fed. Raises NotDap when the peer does not speak DAP."""
        if self._length is None:
            end = self._buffer.find(HEADER_END, 0, MAX_HEADER_BYTES + len(HEADER_END))
            if end < 0:
                if len(self._buffer) >= MAX_HEADER_BYTES + len(HEADER_END):
                    raise NotDap(f"no end of the header within {MAX_HEADER_BYTES} bytes: {self._head()}")
                return None
            self._length = content_length(bytes(self._buffer[:end]))
            del self._buffer[: end + len(HEADER_END)]
        if len(self._buffer) < self._length:
            return None
        body = bytes(self._buffer[: self._length])
        del self._buffer[: self._length]
        self._length = None
        return parse_body(body)

    def _head(self) -> str:
        return repr(bytes(self._buffer[:80]))


def content_length(header: bytes) -> int:
    """The body length a DAP header block announces; NotDap for any other header block."""
    fields: dict[bytes, bytes] = {}
    for line in header.split(b"\r\n"):
        name, colon, value = line.partition(b":")
        name = name.lower()
        if not colon or name not in (CONTENT_LENGTH, CONTENT_TYPE) or name in fields:
            raise NotDap(f"not a DAP header field: {line[:80]!r}")
        fields[name] = value.strip()
    if CONTENT_LENGTH not in fields:
        raise NotDap(f"a header without Content-Length: {header[:80]!r}")
    length = fields[CONTENT_LENGTH]
    if not length.isdigit():
        raise NotDap(f"invalid Content-Length {length[:40]!r}")
    if int(length) > MAX_BODY_BYTES:
        raise NotDap(f"Content-Length {int(length)} exceeds the limit of {MAX_BODY_BYTES} bytes")
    return int(length)


def parse_body(body: bytes) -> Message | FramingError:
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return FramingError(f"message is not valid JSON: {error}")
    if not isinstance(message, dict):
        return FramingError(f"message is a JSON {type(message).__name__}, not an object", message)
    return message


def read_messages(read: Callable[[int], bytes], chunk_size: int = 65536) -> Iterator[Message | FramingError]:
    """The messages of a blocking byte source (``read`` returns b"" at its end) until it ends.
    Raises NotDap as soon as the peer shows it does not speak DAP."""
    decoder = Decoder()
    while data := read(chunk_size):
        decoder.feed(data)
        while (item := decoder.next()) is not None:
            yield item
