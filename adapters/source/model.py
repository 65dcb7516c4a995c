"""What the source-level adapter answers with: plain data, no DAP and no DWARF types."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from adapters.wasm.debuggee import DebuggeeError


class UserError(Exception):
    """The user asked for something that cannot be done (a bad expression, a value that does
    not fit a variable); the message says why, for the user to read."""


# What the lower layers raise when a request cannot be done: the message is for the user.
USER_ERRORS = (DebuggeeError, UserError)


def code_address(module_id: int, pc: int) -> int:
    """A code location as one number: the module id above a module PC (as LLDB does for Wasm)."""
    return (module_id << 32) | pc


def split_code_address(address: int) -> tuple[int, int]:
    return address >> 32, address & 0xFFFFFFFF


@dataclass(frozen=True)
class SourceLocation:
    path: str  # resolved (comp_dir joined, path mappings applied)
    line: int
    column: int = 0


@dataclass(frozen=True)
class ModuleInfo:
    id: int
    name: str
    symbol_status: str  # "DWARF loaded", "names only", "no symbols", "DWARF damaged: ..."
    warnings: tuple[str, ...] = ()
    address_range: str | None = None


@dataclass
class BreakpointSpec:
    """A breakpoint as the user asked for it."""

    line: int = 0
    column: int | None = None
    condition: str | None = None
    hit_condition: str | None = None
    log_message: str | None = None
    function: str | None = None  # function breakpoints
    instruction: int | None = None  # instruction breakpoints: a module PC
    module_id: int | None = None


@dataclass
class BreakpointResult:
    id: int
    verified: bool
    location: SourceLocation | None = None
    message: str | None = None
    pc: int | None = None
    module_id: int | None = None


class StopKind(enum.Enum):
    ENTRY = "entry"
    BREAKPOINT = "breakpoint"
    FUNCTION_BREAKPOINT = "function breakpoint"
    INSTRUCTION_BREAKPOINT = "instruction breakpoint"
    STEP = "step"
    PAUSE = "pause"
    EXCEPTION = "exception"  # a trap, or abort/panic
    EXITED = "exited"


@dataclass(frozen=True)
class Stop:
    kind: StopKind
    breakpoint_ids: tuple[int, ...] = ()
    description: str = ""
    exit_code: int | None = None
    exception_id: str | None = None  # "trap", "abort", "panic"
    exception_text: str | None = None
    log_messages: tuple[str, ...] = ()  # logpoints hit on the way (already formatted)


@dataclass(frozen=True)
class SourceFrame:
    """A source-level frame; an inlined call is a frame of its own."""

    id: int  # valid until the program resumes
    name: str
    location: SourceLocation | None
    module_id: int
    pc: int
    function_index: int
    inlined: bool = False
    has_debug_info: bool = True

    @property
    def code_address(self) -> int:
        return code_address(self.module_id, self.pc)


@dataclass
class Variable:
    """A named value. ``children`` > 0 means ``expand`` gives more (lazily)."""

    name: str
    value: str
    type: str = ""
    reference: int = 0  # 0: no children
    named_children: int = 0
    indexed_children: int = 0
    memory_reference: str | None = None  # a linear-memory address ("0x1234")
    evaluate_name: str | None = None
    writable: bool = False
    kind: str = "data"  # "data", "property", "virtual"


@dataclass(frozen=True)
class Scope:
    name: str  # "Locals", "Arguments", "Globals", "Registers" (Wasm locals/stack/globals)
    reference: int
    expensive: bool = False
    presentation_hint: str | None = None  # "arguments", "locals", "registers"


@dataclass
class DisassembledInstruction:
    pc: int
    module_id: int
    text: str
    bytes: str
    symbol: str | None = None
    location: SourceLocation | None = None
    valid: bool = True

    @property
    def code_address(self) -> int:
        return code_address(self.module_id, self.pc)


@dataclass
class EvaluationResult:
    value: str
    type: str = ""
    reference: int = 0
    named_children: int = 0
    indexed_children: int = 0
    memory_reference: str | None = None
