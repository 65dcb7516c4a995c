"""Where control goes when it leaves a stretch of a function's code.

A stepping plan breaks at these places instead of at every statement of the function,
so its size is that of one line's branches, whatever the size of the function. Each
function's branches are resolved once (one decoding pass) and kept.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from adapters.wasm.binary import FunctionBody, WasmFormatError
from adapters.wasm.instructions import decode

_OPENERS = frozenset(("block", "loop", "if", "try", "try_table"))
_MARKERS = frozenset(("block", "loop", "end"))  # structure only: a branch target may sit on them
_LEAVES = frozenset((
    "return", "return_call", "return_call_indirect", "return_call_ref", "unreachable", "throw", "rethrow",
    "throw_ref",
))  # fmt: skip
_LABELLED = frozenset(("br", "br_if", "br_table", "br_on_null", "br_on_non_null", "br_on_cast", "br_on_cast_fail"))
_UNCONDITIONAL = frozenset(("br", "br_table"))


@dataclass(frozen=True)
class _Flow:
    """One function's instructions and the non-sequential successors of its control instructions."""

    starts: tuple[int, ...]
    successors: dict[int, tuple[int, ...]]  # pc -> where it may go other than the next instruction
    falls_through: frozenset[int]  # control instructions that may also go to the next instruction
    markers: frozenset[int]  # PCs of block/loop/end instructions


def exits(data: bytes, body: FunctionBody, low: int, high: int) -> list[int]:
    """PCs in ``body`` outside ``[low, high)`` that code in that range may go to next, each
    also followed past structure markers (where a breakpoint is sure to fire). Leaving the
    function (return, trap) is not listed: the caller's return address covers it."""
    flow = _flow(bytes(data), body)
    if flow is None:
        return []
    found: set[int] = set()
    first = bisect_left(flow.starts, low)
    last = first
    for index in range(first, len(flow.starts)):
        pc = flow.starts[index]
        if pc >= high:
            break
        last = index
        found.update(target for target in flow.successors.get(pc, ()) if not low <= target < high)
    if first < len(flow.starts) and flow.starts[last] < high:
        final = flow.starts[last]
        if final not in flow.successors or final in flow.falls_through:
            found.update(flow.starts[last + 1 : last + 2])  # falling off the end of the range
    followed = {pc for target in found for pc in (target, _past_markers(flow, target))}
    return sorted(pc for pc in followed if not low <= pc < high)


def _past_markers(flow: _Flow, pc: int) -> int:
    index = bisect_left(flow.starts, pc)
    while index + 1 < len(flow.starts) and flow.starts[index] in flow.markers:
        index += 1
    return flow.starts[index] if index < len(flow.starts) else pc


def _labels(name: str, immediates: tuple) -> tuple[int, ...]:
    if name == "br_table":
        return (*immediates[0], immediates[1])
    if name.startswith("br_on_cast"):
        return (immediates[1],)
    return (immediates[0],)


@lru_cache(maxsize=256)
def _flow(data: bytes, body: FunctionBody) -> _Flow | None:
    starts: list[int] = []
    markers: set[int] = set()
    successors: dict[int, tuple[int, ...]] = {}
    falls_through: set[int] = set()
    # Open blocks, innermost last: (kind, pc after the opener, branches to resolve at its end).
    open_blocks: list[tuple[str, int, list[int]]] = [("function", body.locals_end, [])]
    pending_if: dict[int, int] = {}  # depth of an open `if` -> its pc, until its else or end
    try:
        for instruction in decode(data, body.locals_end, body.end):
            pc, name = instruction.pc, instruction.mnemonic
            starts.append(pc)
            if name in _OPENERS:
                open_blocks.append((name, instruction.end, []))
                if name == "if":
                    pending_if[len(open_blocks)] = pc
                    falls_through.add(pc)
                    successors[pc] = ()
                else:
                    markers.add(pc)
            elif name == "else":
                depth = len(open_blocks)
                if_pc = pending_if.pop(depth, None)
                if if_pc is not None:
                    successors[if_pc] = (instruction.end,)  # the condition is false
                open_blocks[-1][2].append(pc)  # the then-branch ends here: to the block's end
                successors[pc] = ()
            elif name == "end":
                markers.add(pc)
                kind, _, waiting = open_blocks.pop()
                if_pc = pending_if.pop(len(open_blocks) + 1, None)
                if if_pc is not None:
                    waiting.append(if_pc)
                if kind != "function":
                    for branch_pc in waiting:
                        successors[branch_pc] = (*successors.get(branch_pc, ()), instruction.end)
            elif name in _LABELLED:
                successors.setdefault(pc, ())
                if name not in _UNCONDITIONAL:
                    falls_through.add(pc)
                for label in _labels(instruction.mnemonic, instruction.immediates):
                    kind, inside, waiting = open_blocks[-1 - label]
                    if kind == "loop":
                        successors[pc] = (*successors[pc], inside)
                    elif kind != "function":
                        waiting.append(pc)
            elif name in _LEAVES:
                successors[pc] = ()
    except (WasmFormatError, IndexError):
        return None  # undecodable or unbalanced code: no plan from it
    return _Flow(tuple(starts), successors, frozenset(falls_through), frozenset(markers))
