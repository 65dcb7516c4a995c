"""GDB remote serial protocol framing: ``$payload#checksum`` packets.

Outgoing payloads are escaped (``}`` followed by the byte XOR 0x20 for ``$ # } *``);
incoming ones may also be run-length encoded (``X*n`` repeats ``X`` ``ord(n) - 29``
more times). Acknowledgements (``+``/``-``) between packets are skipped: the client
turns them off with ``QStartNoAckMode`` right after connecting.
"""

from __future__ import annotations

from adapters.wasm.debuggee import DebuggeeError

ESCAPE = 0x7D  # '}'
RUN_LENGTH = 0x2A  # '*'
RUN_LENGTH_BIAS = 29
SPECIAL = frozenset(b"$#}*")
HEX_DIGITS = b"0123456789abcdefABCDEF"
MAX_PACKET = 64 << 20  # a reply this long without its end is garbage, not a slow sender


class ProtocolError(DebuggeeError):
    """Bytes from the stub that do not follow the GDB remote protocol."""


def is_hex(data: bytes) -> bool:
    return bool(data) and not data.translate(None, HEX_DIGITS)


def checksum(data: bytes) -> int:
    return sum(data) & 0xFF


def encode_packet(payload: str | bytes) -> bytes:
    """A framed, escaped packet ready to send."""
    raw = payload.encode("ascii") if isinstance(payload, str) else payload
    escaped = bytearray()
    for byte in raw:
        if byte in SPECIAL:
            escaped += bytes((ESCAPE, byte ^ 0x20))
        else:
            escaped.append(byte)
    return b"$" + bytes(escaped) + b"#%02x" % checksum(escaped)


def decode_body(body: bytes) -> bytes:
    """Undo escapes and run-length encoding in a received packet's body."""
    out = bytearray()
    position = 0
    while (special := _next_special(body, position)) >= 0:
        out += body[position:special]
        if special + 1 >= len(body):
            raise ProtocolError("packet ends inside an escape or run-length marker")
        if body[special] == ESCAPE:
            out.append(body[special + 1] ^ 0x20)
        else:
            count = body[special + 1] - RUN_LENGTH_BIAS
            if not out or count < 0:
                raise ProtocolError(f"bad run-length encoding at byte {special} of the packet")
            out += bytes((out[-1],)) * count
        position = special + 2
    out += body[position:]
    return bytes(out)


def _next_special(body: bytes, start: int) -> int:
    """Where the next escape or run-length marker is, or -1."""
    escape, run = body.find(b"}", start), body.find(b"*", start)
    return min(escape, run) if escape >= 0 and run >= 0 else max(escape, run)


class PacketReader:
    """Incremental parser: ``feed`` bytes as they arrive, take whole payloads with ``next``."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def next(self) -> bytes | None:
        """The next complete packet's decoded payload, or None until more bytes come."""
        buffer = self._buffer
        skip = 0
        while skip < len(buffer) and buffer[skip] in b"+-":
            skip += 1
        del buffer[:skip]
        if not buffer:
            return None
        if buffer[0] != ord("$"):
            bad = bytes(buffer[:16])
            buffer.clear()
            raise ProtocolError(f"expected a packet, got {bad!r}")
        end = buffer.find(b"#")
        if end < 0:
            if len(buffer) > MAX_PACKET:
                buffer.clear()
                raise ProtocolError(f"packet longer than {MAX_PACKET} bytes")
            return None
        if len(buffer) < end + 3:
            return None
        body = bytes(buffer[1:end])
        sent_sum = bytes(buffer[end + 1 : end + 3])
        del buffer[: end + 3]
        if not is_hex(sent_sum):
            raise ProtocolError(f"checksum {sent_sum!r} is not hexadecimal")
        expected = int(sent_sum, 16)
        if checksum(body) != expected:
            raise ProtocolError(f"checksum mismatch: packet says {expected:02x}, body sums to {checksum(body):02x}")
        return decode_body(body)
