"""Parsing the stub's replies: stop replies, XML documents, call stacks, hex data.

Every parser raises ProtocolError (never another exception) for a reply it cannot
make sense of, so a damaged or unexpected reply surfaces as a clear DebuggeeError.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.etree import ElementTree

from adapters.wasm.gdbremote.packets import ProtocolError, is_hex

SIGSEGV = 11  # Wasmtime's stub reports every trap, and WASI proc_exit, as this signal
ADDRESS_BYTES = 8


@dataclass(frozen=True)
class StopReply:
    """``T``/``S`` (stopped with ``signal``), ``W`` (exited with ``code``) or ``X``
    (terminated by ``signal``). ``info`` holds a ``T`` reply's ``key:value`` pairs."""

    kind: str
    signal: int | None = None
    code: int | None = None
    info: dict[str, str] = field(default_factory=dict)

    @property
    def exited(self) -> bool:
        return self.kind in ("W", "X")


def is_error(reply: bytes) -> bool:
    """``Exx``: the stub refused the request."""
    return len(reply) == 3 and reply[:1] == b"E" and is_hex(reply[1:])


def is_console_output(reply: bytes) -> bool:
    """``O`` + hex text (not ``OK``)."""
    return len(reply) > 1 and reply[:1] == b"O" and len(reply) % 2 == 1 and is_hex(reply[1:])


def hex_bytes(reply: bytes) -> bytes:
    if len(reply) % 2 or (reply and not is_hex(reply)):
        raise ProtocolError(f"expected hex data, got {_excerpt(reply)}")
    return bytes.fromhex(reply.decode("ascii"))


def hex_number(text: bytes | str) -> int:
    raw = text.encode("ascii", "replace") if isinstance(text, str) else text
    if not is_hex(raw):
        raise ProtocolError(f"expected a hex number, got {_excerpt(raw)}")
    return int(raw, 16)


def parse_stop_reply(reply: bytes) -> StopReply:
    kind = reply[:1].decode("ascii", "replace")
    if kind not in ("T", "S", "W", "X") or len(reply) < 3:
        raise ProtocolError(f"not a stop reply: {_excerpt(reply)}")
    number = hex_number(reply[1:3])
    if kind == "W":
        return StopReply("W", code=number)
    if kind == "X":
        return StopReply("X", signal=number)
    info: dict[str, str] = {}
    if kind == "T":
        text = reply[3:].decode("ascii", "replace")
        for pair in filter(None, text.split(";")):
            key, _, value = pair.partition(":")
            info[key] = value
    return StopReply(kind, signal=number, info=info)


def parse_addresses(reply: bytes) -> list[int]:
    """A ``qWasmCallStack`` reply: 64-bit little-endian addresses, innermost first."""
    data = hex_bytes(reply)
    if len(data) % ADDRESS_BYTES:
        raise ProtocolError(f"call stack of {len(data)} bytes is not a list of 64-bit addresses")
    return [int.from_bytes(data[i : i + ADDRESS_BYTES], "little") for i in range(0, len(data), ADDRESS_BYTES)]


def le_register(value: str) -> int:
    """A register value in a ``T`` reply: target-order (little-endian) hex bytes."""
    return int.from_bytes(hex_bytes(value.encode("ascii", "replace")), "little")


def _parse_xml(document: bytes, root_tag: str) -> ElementTree.Element:
    try:
        root = ElementTree.fromstring(document)
    except ElementTree.ParseError as error:
        raise ProtocolError(f"malformed {root_tag} document: {error}") from None
    if root.tag != root_tag:
        raise ProtocolError(f"expected a <{root_tag}> document, got <{root.tag}>")
    return root


def _number_attribute(element: ElementTree.Element, name: str) -> int:
    """A decimal or 0x-prefixed number attribute (the stub uses both)."""
    text = element.get(name, "")
    try:
        return int(text, 16) if text.lower().startswith("0x") else int(text, 10)
    except ValueError:
        raise ProtocolError(f"<{element.tag} {name}={text!r}> is not a number") from None


@dataclass(frozen=True)
class Library:
    name: str
    address: int


def parse_library_list(document: bytes) -> list[Library]:
    libraries = []
    for library in _parse_xml(document, "library-list").iter("library"):
        section = library.find("section")
        if section is None:
            raise ProtocolError(f"library {library.get('name')!r} has no section address")
        libraries.append(Library(library.get("name", ""), _number_attribute(section, "address")))
    return libraries


@dataclass(frozen=True)
class Region:
    type: str  # "rom" (module bytecode) or "ram" (linear memory)
    start: int
    length: int


def parse_memory_map(document: bytes) -> list[Region]:
    return [
        Region(memory.get("type", ""), _number_attribute(memory, "start"), _number_attribute(memory, "length"))
        for memory in _parse_xml(document, "memory-map").iter("memory")
    ]


def _excerpt(data: bytes) -> str:
    return repr(data[:40]) + ("..." if len(data) > 40 else "")
