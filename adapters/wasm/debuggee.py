"""The Wasm-level debuggee interface every backend implements.

Modelled on Wasmtime's debug-main WIT (``debuggee``, ``module``, ``instance``,
``frame``, ``memory``, ``global``, ``event``). Everything above this layer (DWARF,
DAP) talks only to these types.

Threading: every method is blocking and must be called from one thread at a time,
except ``interrupt`` and ``kill``, which may be called from any thread while another
thread waits in ``wait``.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from adapters.wasm.values import WasmValue


class DebuggeeError(Exception):
    """A request the debuggee could not carry out (bad address, unknown entity...)."""


class NotSupported(DebuggeeError):
    """The backend cannot do this at all (e.g. memory writes through Wasmtime's gdbstub)."""


class DebuggeeGone(DebuggeeError):
    """The Wasm program or Wasmtime itself is no longer there to ask."""


class StopReason(enum.Enum):
    ENTRY = "entry"  # paused before any Wasm ran
    BREAKPOINT = "breakpoint"
    STEP = "step"  # a single Wasm instruction was executed
    TRAP = "trap"
    INTERRUPTED = "interrupted"
    EXCEPTION = "exception"  # an uncaught Wasm exception
    EXITED = "exited"  # the program ended; no frames are left


@dataclass(frozen=True)
class StopEvent:
    reason: StopReason
    breakpoint_ids: tuple[int, ...] = ()
    trap: str | None = None  # what the trap was, where it can be told ("integer divide by zero")
    exit_code: int | None = None  # with EXITED
    condition_errors: tuple[tuple[int, str], ...] = ()  # (breakpoint id, why its condition failed)


@dataclass(frozen=True)
class Breakpoint:
    """A breakpoint at a module PC (a byte offset in the module's bytecode).

    ``condition`` is a program for the engine-side evaluator (see
    ``adapters/wasm/agent/guest/conditions.py``); ``hit_condition`` is (op, n) with op
    one of ``==``, ``>=``, ``>``, ``%``. A backend without engine-side conditions
    rejects them with NotSupported and the layer above evaluates them itself.
    """

    id: int
    module_id: int
    pc: int
    condition: list | None = None
    hit_condition: tuple[str, int] | None = None


@dataclass
class Module:
    """A core Wasm module in the debuggee. ``id`` is stable for the session."""

    id: int
    name: str
    _load_bytecode: Callable[[], bytes] = field(repr=False)
    _bytecode: bytes | None = field(default=None, repr=False)

    def bytecode(self) -> bytes:
        """The module's original bytes, as the debuggee holds them (fetched once)."""
        if self._bytecode is None:
            self._bytecode = self._load_bytecode()
        return self._bytecode


@dataclass(frozen=True)
class Frame:
    """One Wasm frame, innermost first in ``Debuggee.frames()``.

    ``function_index`` counts imported functions (the module's function index
    space, as the name section and DWARF use it). ``pc`` is a module PC.
    """

    module_id: int
    instance_id: int
    function_index: int
    pc: int
    locals: Sequence[WasmValue]  # a backend may fetch them only when first read (``FetchedValues``)
    stack: Sequence[WasmValue]


class FetchedValues(Sequence[WasmValue]):
    """A frame's locals or operand stack, asked of the debuggee only when read.

    A function of several thousand lines has thousands of Wasm locals: listing the stack
    needs none of them, and reading a variable needs one or two (its frame base), so
    ``fetch_one`` answers an index alone where the backend can; ``fetch_all`` the rest.
    """

    def __init__(
        self,
        fetch_all: Callable[[], Sequence[WasmValue]],
        fetch_one: Callable[[int], WasmValue] | None = None,
        count: Callable[[], int] | None = None,
    ) -> None:
        self._fetch_all = fetch_all
        self._fetch_one = fetch_one
        self._count = count
        self._values: tuple[WasmValue, ...] | None = None

    def _all(self) -> tuple[WasmValue, ...]:
        if self._values is None:
            self._values = tuple(self._fetch_all())
        return self._values

    def __getitem__(self, index):  # type: ignore[override]
        if self._values is not None or self._fetch_one is None or not isinstance(index, int):
            return self._all()[index]
        size = len(self)
        if not -size <= index < size:
            raise IndexError(f"no value {index} of {size}")
        return self._fetch_one(index % size)

    def __len__(self) -> int:
        if self._values is None and self._count is not None:
            return self._count()
        return len(self._all())

    def __iter__(self):
        return iter(self._all())

    def __repr__(self) -> str:
        return repr(self._values) if self._values is not None else "FetchedValues(<not fetched>)"


@dataclass(frozen=True)
class Capabilities:
    can_write_memory: bool
    can_write_globals: bool
    can_interrupt: bool
    engine_conditions: bool  # breakpoint conditions are evaluated in the engine


class Debuggee(ABC):
    """One Wasm program under Wasmtime's guest debugger."""

    capabilities: Capabilities

    @abstractmethod
    def modules(self) -> list[Module]:
        """All core modules loaded so far (a component's core modules each appear)."""

    @abstractmethod
    def set_breakpoint(self, breakpoint: Breakpoint) -> None:
        """Add or replace (same id) a breakpoint."""

    @abstractmethod
    def remove_breakpoint(self, breakpoint_id: int) -> None: ...

    def set_breakpoints(self, breakpoints: Sequence[Breakpoint]) -> None:
        """Several at once (a stepping plan's); backends that can, do it in one request."""
        for breakpoint in breakpoints:
            self.set_breakpoint(breakpoint)

    def remove_breakpoints(self, breakpoint_ids: Sequence[int]) -> None:
        for breakpoint_id in breakpoint_ids:
            self.remove_breakpoint(breakpoint_id)

    @abstractmethod
    def resume(self, *, step: bool = False) -> None:
        """Continue, or execute one Wasm instruction; ``wait`` returns the next stop."""

    @abstractmethod
    def wait(self, timeout: float | None = None) -> StopEvent | None:
        """Block until the running program stops; None if ``timeout`` passed first."""

    @abstractmethod
    def interrupt(self) -> None:
        """Pause the running program (an INTERRUPTED stop follows). Any thread."""

    @abstractmethod
    def frames(self) -> list[Frame]:
        """The paused program's Wasm frames, innermost first."""

    @abstractmethod
    def instance_of(self, module_id: int) -> int:
        """The id of an instance of the module (memory and globals live in instances)."""

    @abstractmethod
    def memory_size(self, instance_id: int, memory: int = 0) -> int: ...

    @abstractmethod
    def read_memory(self, instance_id: int, address: int, length: int, memory: int = 0) -> bytes:
        """Bytes at ``address``; shorter than ``length`` where the memory ends."""

    @abstractmethod
    def write_memory(self, instance_id: int, address: int, data: bytes, memory: int = 0) -> None: ...

    @abstractmethod
    def get_global(self, instance_id: int, index: int) -> WasmValue: ...

    @abstractmethod
    def set_global(self, instance_id: int, index: int, value: WasmValue) -> None: ...

    @abstractmethod
    def kill(self) -> None:
        """End the program now. Any thread. Idempotent."""

    @abstractmethod
    def close(self) -> int | None:
        """Release everything (process, sockets); returns the exit code if known."""
