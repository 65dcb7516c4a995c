"""Linear memory and code: readMemory, writeMemory, disassemble."""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from dap_server import convert
from dap_server.handlers.registry import RequestError, handles
from dap_server.protocol.arguments import (
    DisassembleArguments,
    ReadMemoryArguments,
    WriteMemoryArguments,
)
from dap_server.protocol.types import (
    DisassembleBody,
    MemoryEventBody,
    ReadMemoryBody,
    WriteMemoryBody,
)
from dap_server.state import PAUSED

if TYPE_CHECKING:
    from dap_server.session import Session

MAX_READ = 16 * 1024 * 1024


@handles("readMemory", ReadMemoryArguments, states=PAUSED)
async def read_memory(session: Session, arguments: ReadMemoryArguments) -> ReadMemoryBody:
    if arguments.count > MAX_READ:
        raise RequestError(f"count {arguments.count} is more than the {MAX_READ} bytes one request may read")
    debugger = session.require_debugger()
    address, data = await session.call(
        debugger.read_memory,
        arguments.memory_reference,
        arguments.offset,
        arguments.count,
    )
    return ReadMemoryBody(
        address=f"0x{address:x}",
        data=base64.b64encode(data).decode("ascii"),
        unreadable_bytes=(arguments.count - len(data)) or None,
    )


@handles("writeMemory", WriteMemoryArguments, states=PAUSED)
async def write_memory(session: Session, arguments: WriteMemoryArguments) -> WriteMemoryBody:
    try:
        data = base64.b64decode(arguments.data, validate=True)
    except binascii.Error as error:
        raise RequestError(f"data is not valid base64: {error}") from None
    debugger = session.require_debugger()
    written = await session.call(debugger.write_memory, arguments.memory_reference, arguments.offset, data)
    session.values_changed()
    if session.client.supports_memory_event:
        changed = MemoryEventBody(
            memory_reference=arguments.memory_reference,
            offset=arguments.offset,
            count=written,
        )
        session.after_response(lambda: session.event("memory", changed))
    return WriteMemoryBody(bytes_written=written)


@handles("disassemble", DisassembleArguments, states=PAUSED)
async def disassemble(session: Session, arguments: DisassembleArguments) -> DisassembleBody:
    debugger = session.require_debugger()
    instructions = await session.call(
        debugger.disassemble,
        arguments.memory_reference,
        arguments.offset,
        arguments.instruction_offset,
        arguments.instruction_count,
    )
    return DisassembleBody(instructions=[convert.instruction(item, session.numbering) for item in instructions])
