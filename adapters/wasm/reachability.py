"""Code no execution reaches: what follows an unconditional transfer up to the end of its block.

Compilers leave such code behind (rustc puts an ``unreachable`` after a function's
``return``) and DWARF may give it a line. Wasmtime 49 compiles no machine code for it, and a
breakpoint set there fires at whatever code comes next, even the entry of the next
function: so breakpoints and stepping plans must not use these PCs.
"""

from __future__ import annotations

from functools import lru_cache

from adapters.wasm.binary import FunctionBody, WasmFormatError
from adapters.wasm.instructions import decode

_OPENERS = frozenset(("block", "loop", "if", "try", "try_table"))
_CLOSERS = frozenset(("end", "delegate"))  # close the innermost open block
_REOPENERS = frozenset(("else", "catch", "catch_all"))  # start code reachable from the block's start
_TRANSFERS = frozenset((
    "unreachable", "br", "br_table", "return", "return_call", "return_call_indirect", "return_call_ref",
    "throw", "rethrow", "throw_ref",
))  # fmt: skip


def is_unreachable(data: bytes, body: FunctionBody, pc: int) -> bool:
    """Whether the instruction at ``pc`` of ``body`` can never run (False if it cannot be told)."""
    return pc in _unreachable_pcs(bytes(data), body)


@lru_cache(maxsize=1024)
def _unreachable_pcs(data: bytes, body: FunctionBody) -> frozenset[int]:
    dead: set[int] = set()
    depth = 0  # blocks open around the current instruction
    dead_depth: int | None = None  # the depth at which control was transferred away
    try:
        for instruction in decode(data, body.locals_end, body.end):
            name = instruction.mnemonic
            if dead_depth == depth and (name in _CLOSERS or name in _REOPENERS):
                dead_depth = None  # a branch to this block, or its other arm, comes here
            if dead_depth is not None:
                dead.add(instruction.pc)
            if name in _OPENERS:
                depth += 1
            elif name in _CLOSERS:
                depth -= 1
            if name in _TRANSFERS and dead_depth is None:
                dead_depth = depth
    except WasmFormatError:
        return frozenset()
    return frozenset(dead)
