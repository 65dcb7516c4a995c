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
HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")
MAX_PACKET = 64 << 20  # a reply this long without its end is garbage, not a slow sender


class ProtocolError(DebuggeeError):
    """Bytes from the stub that do not follow the GDB remote protocol."""


def is_hex(data: bytes) -> bool:
    return bool(data) and all(byte in HEX_DIGITS for byte in data)


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
    while position < len(body):
        byte = body[position]
        if byte == ESCAPE:
            if position + 1 >= len(body):
                raise ProtocolError("packet ends inside an escape")
            out.append(body[position + 1] ^ 0x20)
            position += 2
        elif byte == RUN_LENGTH:
            if not out or position + 1 >= len(body):
                raise ProtocolError("run-length marker without a byte to repeat or a count")
            count = body[position + 1] - RUN_LENGTH_BIAS
            if count < 0:
                raise ProtocolError(f"bad run-length count {body[position + 1]!r}")
            out += bytes((out[-1],)) * count
            position += 2
        else:
            out.append(byte)
            position += 1
    return bytes(out)


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
