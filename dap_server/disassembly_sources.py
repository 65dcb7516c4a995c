"""Sources for frames without source: their function's disassembly, by ``sourceReference``.

A frame in code without line information (a libc stub, say) gets a source the client
asks the ``source`` request for; the reference stays the same for the same function all
session long, so a client showing it already shows it again at the next stop.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

from adapters.source.model import SourceFrame
from dap_server.protocol.types import Source

if TYPE_CHECKING:
    from adapters.source.debugger import SourceDebugger
    from adapters.source.symbols import FunctionListing

HEADER_LINES = 1  # the comment line above the listing


@dataclass(frozen=True)
class _Function:
    module_id: int
    body_offset: int  # the function body's file offset: it names the function in its module


class DisassemblySources:
    def __init__(self) -> None:
        self._references: dict[_Function, int] = {}
        self._functions: dict[int, _Function] = {}

    def for_frame(self, debugger: SourceDebugger, frame: SourceFrame, caller: bool) -> tuple[Source, int] | None:
        """A source showing the frame's function, and the frame's (1-based) line in it: the
        instruction at its PC, or for a ``caller`` (whose PC is a return address) the call."""
        pc = frame.pc - 1 if caller else frame.pc
        listing = _listing(debugger, frame.module_id, pc)
        if listing is None:
            return None
        function = _Function(frame.module_id, listing.body_offset)
        reference = self._references.setdefault(function, len(self._references) + 1)
        self._functions[reference] = function
        line = HEADER_LINES + max(bisect_right([row.address for row in listing.rows], pc), 1)
        source = Source(
            name=f"{listing.name} (disassembly)",
            source_reference=reference,
            presentation_hint="deemphasize",
        )
        return source, line

    def text(self, debugger: SourceDebugger, reference: int) -> str | None:
        """The listing behind a reference, or None if the reference is unknown."""
        function = self._functions.get(reference)
        if function is None:
            return None
        listing = _listing(debugger, function.module_id, function.body_offset)
        if listing is None:
            return None
        header = f"; {listing.name}: no source line information, Wasm disassembly\n"
        rows = listing.rows
        return header + "".join(f"0x{row.address:08x}  {row.instruction_bytes:<24} {row.text}\n" for row in rows)


def _listing(debugger: SourceDebugger, module_id: int, pc: int) -> FunctionListing | None:
    symbols = debugger.symbols.get(module_id)
    return symbols.function_listing(pc) if symbols else None
