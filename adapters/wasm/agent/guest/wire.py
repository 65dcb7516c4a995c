"""Framing shared by the agent (inside Wasmtime) and the adapter (the host); the messages
themselves are declared in ``protocol.py``.

A message is an 8-byte header (little-endian u32 JSON length, u32 blob length), a
JSON object, then an optional binary blob (bytecode, memory). The whole message is
sent with one write: wasi:sockets has no TCP_NODELAY, and two small writes per
reply cost ~44 ms of Nagle delay.

This module is pure Python with no imports beyond the standard library, because the
agent's copy runs in componentize-py's CPython.
"""

import json
import struct

HEADER = struct.Struct("<II")


def encode(message: dict, blob: bytes = b"") -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode()
    return HEADER.pack(len(body), len(blob)) + body + blob


class FrameBuffer:
    """Accumulates received bytes and yields complete (message, blob) pairs."""

    def __init__(self) -> None:
        self._data = bytearray()

    def feed(self, chunk: bytes) -> None:
        self._data += chunk

    def next_message(self):
        """Return (message, blob) if a whole message is buffered, else None."""
        if len(self._data) < HEADER.size:
            return None
        body_len, blob_len = HEADER.unpack_from(self._data)
        end = HEADER.size + body_len + blob_len
        if len(self._data) < end:
            return None
        body = bytes(self._data[HEADER.size : HEADER.size + body_len])
        blob = bytes(self._data[HEADER.size + body_len : end])
        del self._data[:end]
        return json.loads(body), blob
