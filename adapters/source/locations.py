"""Evaluating DWARF location expressions and location lists for WebAssembly.

A location says where a variable lives: linear memory, a Wasm local, global or
operand-stack slot, nowhere (optimized out), or nowhere but with a known value
(``DW_OP_stack_value``, ``DW_OP_implicit_value``). Pieces combine several.
Evaluation never raises: what cannot be evaluated becomes a ``LocationError``.

``DW_OP_WASM_location`` is not a register location like ``DW_OP_regN``: it pushes
the local's (global's, stack slot's) value, as LLVM emits it. Followed by
``DW_OP_stack_value`` the variable *is* that value (``LocalLocation``...); alone, the
value is the variable's *address* (LLVM's ``TI_LOCAL_INDIRECT``: a struct passed by
value, whose local holds a pointer to the caller's copy), so it is a memory location.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from elftools.common.exceptions import DWARFError
from elftools.dwarf.die import DIE
from elftools.dwarf.dwarf_expr import DWARFExprParser
from elftools.dwarf.locationlists import BaseAddressEntry, LocationEntry, LocationParser

from adapters.source.frame_context import FrameContext
from adapters.wasm.debuggee import DebuggeeError
from adapters.wasm.values import WasmValue

ADDRESS_MASK = 0xFFFFFFFF  # wasm32 linear memory addresses
_GENERIC_MASK = (1 << 64) - 1  # DWARF stack values are kept as u64, like LLDB's scalars
_GENERIC_SIZE = 8

WASM_LOCAL, WASM_GLOBAL, WASM_STACK, WASM_GLOBAL_FIXED = 0, 1, 2, 3


@dataclass(frozen=True)
class MemoryLocation:
    address: int


@dataclass(frozen=True)
class LocalLocation:
    index: int


@dataclass(frozen=True)
class GlobalLocation:
    index: int


@dataclass(frozen=True)
class StackLocation:
    """An operand-stack slot, counted from the bottom of the frame's stack."""

    index: int


@dataclass(frozen=True)
class ImplicitLocation:
    """No storage, but the value is known: its little-endian bytes."""

    data: bytes


@dataclass(frozen=True)
class OptimizedOut:
    pass


@dataclass(frozen=True)
class LocationError:
    message: str


@dataclass(frozen=True)
class Piece:
    location: Location
    size: int  # bytes


@dataclass(frozen=True)
class PiecesLocation:
    pieces: tuple[Piece, ...]


Location = (
    MemoryLocation
    | LocalLocation
    | GlobalLocation
    | StackLocation
    | ImplicitLocation
    | OptimizedOut
    | LocationError
    | PiecesLocation
)


class LocationUnavailable(Exception):
    """Reading or writing a location failed; the message says why, for the user."""


# ---------------------------------------------------------------- expressions


class _Unsupported(Exception):
    pass


def _signed(value: int) -> int:
    return value - (1 << 64) if value >> 63 else value


def _binary(operation: Callable[[int, int], int]) -> Callable[[list[int]], None]:
    def apply(stack: list[int]) -> None:
        right, left = stack.pop(), stack.pop()
        stack.append(operation(left, right) & _GENERIC_MASK)

    return apply


def _divide(left: int, right: int) -> int:
    if right == 0:
        raise _Unsupported("division by zero in a location expression")
    quotient = abs(_signed(left)) // abs(_signed(right))
    return -quotient if (_signed(left) < 0) != (_signed(right) < 0) else quotient


def _modulo(left: int, right: int) -> int:
    if right == 0:
        raise _Unsupported("division by zero in a location expression")
    return left % right


_BINARY_OPS: dict[str, Callable[[list[int]], None]] = {
    "DW_OP_and": _binary(lambda a, b: a & b),
    "DW_OP_or": _binary(lambda a, b: a | b),
    "DW_OP_xor": _binary(lambda a, b: a ^ b),
    "DW_OP_plus": _binary(lambda a, b: a + b),
    "DW_OP_minus": _binary(lambda a, b: a - b),
    "DW_OP_mul": _binary(lambda a, b: a * b),
    "DW_OP_div": _binary(_divide),
    "DW_OP_mod": _binary(_modulo),
    "DW_OP_shl": _binary(lambda a, b: a << b if b < 64 else 0),
    "DW_OP_shr": _binary(lambda a, b: a >> b if b < 64 else 0),
    "DW_OP_shra": _binary(lambda a, b: _signed(a) >> min(b, 63)),
    "DW_OP_eq": _binary(lambda a, b: int(a == b)),
    "DW_OP_ne": _binary(lambda a, b: int(a != b)),
    "DW_OP_lt": _binary(lambda a, b: int(_signed(a) < _signed(b))),
    "DW_OP_gt": _binary(lambda a, b: int(_signed(a) > _signed(b))),
    "DW_OP_le": _binary(lambda a, b: int(_signed(a) <= _signed(b))),
    "DW_OP_ge": _binary(lambda a, b: int(_signed(a) >= _signed(b))),
}

_CONSTANT_OPS = {
    "DW_OP_const1u",
    "DW_OP_const1s",
    "DW_OP_const2u",
    "DW_OP_const2s",
    "DW_OP_const4u",
    "DW_OP_const4s",
    "DW_OP_const8u",
    "DW_OP_const8s",
    "DW_OP_constu",
    "DW_OP_consts",
    "DW_OP_addr",
}


# Addresses a linker writes for a symbol it removed (wasm-ld: -1; also -2 in .debug_ranges).
_TOMBSTONES = frozenset((0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFE))


def _wasm_value_bits(value: WasmValue) -> int:
    if not isinstance(value.bits, int):
        raise _Unsupported(f"a {value.type} value cannot be used in a location expression")
    return value.bits


class _Evaluation:
    """One run of the DWARF stack machine."""

    def __init__(self, context: FrameContext, frame_base: Callable[[], int] | None) -> None:
        self.context = context
        self.frame_base = frame_base
        self.stack: list[int] = []
        self.pieces: list[Piece] = []
        self.register: Location | None = None  # DW_OP_WASM_location then DW_OP_stack_value: that storage
        self.implicit: bytes | None = None
        self.is_value = False

    def run(self, ops: Sequence) -> Location:
        offsets = {op.offset: index for index, op in enumerate(ops)}
        index = 0
        while index < len(ops):
            op = ops[index]
            jump = self.step(op, ops[index + 1] if index + 1 < len(ops) else None)
            if jump is not None:
                target = op.offset + jump
                if target not in offsets:
                    raise _Unsupported(f"{op.op_name} jumps into the middle of an operation")
                index = offsets[target]
            else:
                index += 1
        if self.pieces:
            if self.stack or self.register or self.implicit is not None:
                raise _Unsupported("location expression has a value after its last DW_OP_piece")
            return PiecesLocation(tuple(self.pieces))
        return self.result()

    def result(self) -> Location:
        if self.register is not None and self.is_value:
            return self.register
        if self.implicit is not None:
            return ImplicitLocation(self.implicit)
        if not self.stack:
            return OptimizedOut()
        if self.is_value:
            return ImplicitLocation(self.stack[-1].to_bytes(_GENERIC_SIZE, "little"))
        return MemoryLocation(self.stack[-1] & ADDRESS_MASK)

    def step(self, op, following) -> int | None:
        """Execute one operation; returns a relative byte jump for skip/bra."""
        name: str = op.op_name
        args = op.args
        stack = self.stack
        if self.register is not None and name not in ("DW_OP_stack_value", "DW_OP_piece"):
            self.register = None  # the local's value is computed with, not the variable itself
        if name in _CONSTANT_OPS:
            stack.append(args[0] & _GENERIC_MASK)
        elif name.startswith("DW_OP_lit"):
            stack.append(int(name[len("DW_OP_lit") :]))
        elif name in _BINARY_OPS:
            self.need(2, name)
            _BINARY_OPS[name](stack)
        elif name == "DW_OP_plus_uconst":
            self.need(1, name)
            stack.append((stack.pop() + args[0]) & _GENERIC_MASK)
        elif name == "DW_OP_neg":
            self.need(1, name)
            stack.append(-stack.pop() & _GENERIC_MASK)
        elif name == "DW_OP_not":
            self.need(1, name)
            stack.append(~stack.pop() & _GENERIC_MASK)
        elif name == "DW_OP_abs":
            self.need(1, name)
            stack.append(abs(_signed(stack.pop())) & _GENERIC_MASK)
        elif name == "DW_OP_dup":
            self.need(1, name)
            stack.append(stack[-1])
        elif name == "DW_OP_drop":
            self.need(1, name)
            stack.pop()
        elif name == "DW_OP_over":
            self.need(2, name)
            stack.append(stack[-2])
        elif name == "DW_OP_pick":
            self.need(args[0] + 1, name)
            stack.append(stack[-1 - args[0]])
        elif name == "DW_OP_swap":
            self.need(2, name)
            stack[-1], stack[-2] = stack[-2], stack[-1]
        elif name == "DW_OP_rot":
            self.need(3, name)
            stack[-1], stack[-2], stack[-3] = stack[-2], stack[-3], stack[-1]
        elif name in ("DW_OP_deref", "DW_OP_deref_size"):
            self.need(1, name)
            size = args[0] if name == "DW_OP_deref_size" else 4
            address = stack.pop() & ADDRESS_MASK
            stack.append(int.from_bytes(self.context.read_memory(address, size), "little"))
        elif name == "DW_OP_fbreg":
            if self.frame_base is None:
                raise _Unsupported("DW_OP_fbreg outside a function (no frame base)")
            stack.append((self.frame_base() + args[0]) & _GENERIC_MASK)
        elif name == "DW_OP_WASM_location":
            self.wasm_location(args[0], args[1], following)
        elif name == "DW_OP_stack_value":
            self.is_value = True
        elif name == "DW_OP_implicit_value":
            self.implicit = bytes(args[0])
        elif name == "DW_OP_piece":
            self.piece(args[0])
        elif name == "DW_OP_skip":
            return args[0] + 3  # relative to the end of this 3-byte operation
        elif name == "DW_OP_bra":
            self.need(1, name)
            return args[0] + 3 if stack.pop() else None
        elif name == "DW_OP_nop":
            pass
        else:
            raise _Unsupported(f"unsupported {name}")
        return None

    def need(self, count: int, name: str) -> None:
        if len(self.stack) < count:
            raise _Unsupported(f"{name} needs {count} value(s) on the DWARF stack")

    def wasm_location(self, kind: int, index: int, following) -> None:
        context = self.context
        if kind == WASM_LOCAL:
            if index >= len(context.wasm_locals):
                raise _Unsupported(f"the frame has no Wasm local {index}")
            location: Location = LocalLocation(index)
            value = context.wasm_locals[index]
        elif kind in (WASM_GLOBAL, WASM_GLOBAL_FIXED):
            location = GlobalLocation(index)
            value = context.global_value(index)
        elif kind == WASM_STACK:
            if index >= len(context.operand_stack):
                raise _Unsupported(f"the operand stack has no slot {index}")
            location = StackLocation(index)
            value = context.operand_stack[index]
        else:
            raise _Unsupported(f"unsupported DW_OP_WASM_location kind {kind}")
        self.stack.append(_wasm_value_bits(value))
        if following is not None and following.op_name == "DW_OP_stack_value":
            self.register = location

    def piece(self, size: int) -> None:
        if self.register is not None or self.implicit is not None or self.stack:
            location = self.result()
        else:
            location = OptimizedOut()
        self.pieces.append(Piece(location, size))
        self.stack.clear()
        self.register = None
        self.implicit = None
        self.is_value = False


_PARSERS: dict[int, DWARFExprParser] = {}


def _parser(structs) -> DWARFExprParser:
    key = id(structs)
    if key not in _PARSERS:
        _PARSERS[key] = DWARFExprParser(structs)
    return _PARSERS[key]


def evaluate(
    expression: Sequence[int] | bytes,
    structs,
    context: FrameContext,
    frame_base: Callable[[], int] | None = None,
) -> Location:
    """Evaluate a location expression; ``structs`` is the CU's ``DWARFStructs``.

    ``frame_base`` gives the function's frame base for ``DW_OP_fbreg``; it is only
    called if the expression needs it.
    """
    try:
        ops = _parser(structs).parse_expr(expression)
    except (DWARFError, KeyError, ValueError, EOFError) as error:
        return LocationError(f"cannot evaluate location: malformed expression ({error})")
    except Exception as error:  # noqa: BLE001 - pyelftools raises construct errors on truncated input
        return LocationError(f"cannot evaluate location: malformed expression ({type(error).__name__})")
    if ops and ops[0].op_name == "DW_OP_addr" and ops[0].args and ops[0].args[0] in _TOMBSTONES:
        return OptimizedOut()  # the linker removed what this address named
    try:
        return _Evaluation(context, frame_base).run(ops)
    except _Unsupported as error:
        return LocationError(f"cannot evaluate location: {error}")
    except (DebuggeeError, LocationUnavailable) as error:
        return LocationError(f"cannot evaluate location: {error}")


# ------------------------------------------------------------ location lists


def expression_at(die: DIE, attribute: str, dwarf_pc: int | None) -> list[int] | None:
    """The location expression of ``die``'s ``attribute`` in force at ``dwarf_pc``.

    Handles single expressions and location lists (DWARF 4 ``.debug_loc`` and DWARF 5
    ``.debug_loclists``, with base address entries). None: no location at that PC,
    i.e. optimized out there.
    """
    attr = die.attributes.get(attribute)
    if attr is None:
        return None
    cu = die.cu
    version = cu.header.version
    if not LocationParser.attribute_has_location(attr, version):
        return None
    parser = LocationParser(die.dwarfinfo.location_lists())
    parsed = parser.parse_from_attribute(attr, version, die)
    if not isinstance(parsed, list):
        return parsed.loc_expr
    if dwarf_pc is None:
        return None
    base = _cu_base_address(cu)
    default: list[int] | None = None
    for entry in parsed:
        if isinstance(entry, BaseAddressEntry):
            base = entry.base_address
        elif isinstance(entry, LocationEntry):
            if entry.begin_offset == -1:  # DW_LLE_default_location
                default = entry.loc_expr
                continue
            begin, end = entry.begin_offset, entry.end_offset
            if not entry.is_absolute:
                begin, end = begin + base, end + base
            if begin <= dwarf_pc < end:
                return entry.loc_expr
    return default


def _cu_base_address(cu) -> int:
    low_pc = cu.get_top_DIE().attributes.get("DW_AT_low_pc")
    return low_pc.value if low_pc is not None else 0


def evaluate_attribute(
    die: DIE,
    attribute: str,
    context: FrameContext,
    dwarf_pc: int | None,
    frame_base: Callable[[], int] | None = None,
) -> Location:
    """Evaluate ``die``'s location-valued ``attribute`` at ``dwarf_pc``."""
    try:
        expression = expression_at(die, attribute, dwarf_pc)
    except Exception as error:  # noqa: BLE001 - pyelftools raises many kinds on a damaged list
        return LocationError(f"cannot read location list: {type(error).__name__}: {error}")
    if expression is None:
        return OptimizedOut()
    return evaluate(expression, die.cu.structs, context, frame_base)


def frame_base_reader(subprogram: DIE, context: FrameContext, dwarf_pc: int | None) -> Callable[[], int]:
    """A memoizing reader of the function's ``DW_AT_frame_base`` as an address."""
    cache: list[int] = []

    def read() -> int:
        if not cache:
            location = evaluate_attribute(subprogram, "DW_AT_frame_base", context, dwarf_pc)
            if isinstance(location, MemoryLocation):
                cache.append(location.address)
            elif isinstance(location, (LocalLocation, GlobalLocation, StackLocation, ImplicitLocation)):
                cache.append(int.from_bytes(read_location(location, 4, context), "little"))
            elif isinstance(location, LocationError):
                raise _Unsupported(f"frame base: {location.message}")
            else:
                raise _Unsupported("the function's frame base is not available here")
        return cache[0]

    return read


# ---------------------------------------------------- reading and writing


def read_location(location: Location, size: int, context: FrameContext) -> bytes:
    """The ``size`` bytes a location holds; raises LocationUnavailable."""
    if isinstance(location, MemoryLocation):
        try:
            return context.read_memory(location.address, size)
        except DebuggeeError as error:
            raise LocationUnavailable(f"cannot read memory at {location.address:#x}: {error}") from error
    if isinstance(location, ImplicitLocation):
        return _fit(location.data, size)
    if isinstance(location, (LocalLocation, GlobalLocation, StackLocation)):
        return _fit(_wasm_value(location, context).raw_bytes(), size)
    if isinstance(location, PiecesLocation):
        data = b"".join(read_location(piece.location, piece.size, context) for piece in location.pieces)
        return _fit(data, size)
    if isinstance(location, LocationError):
        raise LocationUnavailable(location.message)
    raise LocationUnavailable("optimized out")


def write_location(location: Location, data: bytes, context: FrameContext) -> None:
    """Store ``data`` where the location says; raises LocationUnavailable or DebuggeeError."""
    if isinstance(location, MemoryLocation):
        context.write_memory(location.address, data)
    elif isinstance(location, (LocalLocation, GlobalLocation)):
        current = _wasm_value(location, context)
        width = len(current.raw_bytes())
        bits = int.from_bytes(_fit(data, width), "little")
        if len(data) < width and data and data[-1] & 0x80 and current.type in ("i32", "i64"):
            bits |= ((1 << (8 * width)) - 1) ^ ((1 << (8 * len(data))) - 1)  # sign-extend
        value = WasmValue(current.type, bits)
        if isinstance(location, LocalLocation):
            context.set_local(location.index, value)
        else:
            context.set_global(location.index, value)
    elif isinstance(location, PiecesLocation):
        offset = 0
        for piece in location.pieces:
            write_location(piece.location, data[offset : offset + piece.size], context)
            offset += piece.size
    else:
        raise LocationUnavailable("this value has no storage that can be changed")


def why_not_writable(location: Location, context: FrameContext) -> str | None:
    """Why a value there cannot be changed, or None if it can."""
    if isinstance(location, PiecesLocation):
        reasons = [why_not_writable(piece.location, context) for piece in location.pieces]
        return next((reason for reason in reasons if reason), None)
    kinds = {MemoryLocation: "memory", LocalLocation: "Wasm locals", GlobalLocation: "Wasm globals"}
    for kind, what in kinds.items():
        if isinstance(location, kind):
            return None if is_writable(location, context) else f"this debugger backend cannot write {what}"
    return "this value has no storage that can be changed (optimized out or computed)"


def is_writable(location: Location, context: FrameContext) -> bool:
    """Whether a value there can be changed, by its kind and what the backend can write."""
    if isinstance(location, PiecesLocation):
        return all(is_writable(piece.location, context) for piece in location.pieces)
    if isinstance(location, MemoryLocation):
        return context.memory_writable
    if isinstance(location, LocalLocation):
        return context.locals_writable
    if isinstance(location, GlobalLocation):
        return context.globals_writable
    return False


def sub_location(location: Location, offset: int, size: int, context: FrameContext) -> Location:
    """The location of ``size`` bytes at ``offset`` inside ``location`` (a member, an element)."""
    if isinstance(location, MemoryLocation):
        return MemoryLocation((location.address + offset) & ADDRESS_MASK)
    if isinstance(location, (OptimizedOut, LocationError)):
        return location
    try:
        return ImplicitLocation(read_location(location, offset + size, context)[offset:])
    except LocationUnavailable as error:
        return LocationError(str(error))


def _wasm_value(location: LocalLocation | GlobalLocation | StackLocation, context: FrameContext) -> WasmValue:
    if isinstance(location, LocalLocation):
        return context.wasm_locals[location.index]
    if isinstance(location, StackLocation):
        return context.operand_stack[location.index]
    try:
        return context.global_value(location.index)
    except DebuggeeError as error:
        raise LocationUnavailable(f"cannot read Wasm global {location.index}: {error}") from error


def _fit(data: bytes, size: int) -> bytes:
    return data[:size] if len(data) >= size else data + bytes(size - len(data))
