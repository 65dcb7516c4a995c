"""Which variables a source frame sees, grouped into scopes.

Source scopes: the function's (or inlined call's) arguments, the locals of every
lexical block containing the PC, this compile unit's globals and statics, and
(expensive, expanded on demand) the globals of every compile unit. Wasm-level
scopes show the frame's raw Wasm locals, operand stack and globals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from elftools.dwarf.die import DIE
from elftools.dwarf.dwarfinfo import DWARFInfo

from adapters.source.frame_context import FrameContext
from adapters.source.functions import die_ranges
from adapters.source.locations import (
    ImplicitLocation,
    LocationError,
    evaluate_attribute,
    frame_base_reader,
)
from adapters.source.model import Scope, Variable
from adapters.source.types import TypeResolver, UnknownType, die_name
from adapters.source.values import (
    AssignError,
    Format,
    NamedValue,
    ValueChildren,
    ValueObject,
    ValueRenderer,
)
from adapters.wasm.debuggee import DebuggeeError, NotSupported
from adapters.wasm.values import WasmValue

_SCOPE_TAGS = ("DW_TAG_lexical_block",)


@dataclass(frozen=True)
class VisibleVariables:
    arguments: tuple[DIE, ...]
    locals: tuple[DIE, ...]  # innermost block first


def visible_at(scope: DIE, dwarf_pc: int, dwarf: DWARFInfo) -> VisibleVariables:
    """Parameters and locals of a subprogram or inlined subroutine DIE at ``dwarf_pc``.

    Nested inlined calls are left out: they are frames of their own.
    """
    arguments: list[DIE] = []
    blocks: list[list[DIE]] = []

    def walk(die: DIE, depth: int) -> None:
        own: list[DIE] = []
        for child in die.iter_children():
            if child.tag == "DW_TAG_formal_parameter" and depth == 0:
                arguments.append(child)
            elif child.tag == "DW_TAG_variable":
                own.append(child)
            elif child.tag in _SCOPE_TAGS and _contains(child, dwarf_pc, dwarf):
                walk(child, depth + 1)
        blocks.append(own)

    walk(scope, 0)
    # ``walk`` appends inner blocks before their parents: innermost first already.
    return VisibleVariables(tuple(arguments), tuple(die for block in blocks for die in block))


def _contains(die: DIE, dwarf_pc: int, dwarf: DWARFInfo) -> bool:
    ranges = die_ranges(die, dwarf)
    return not ranges or any(low <= dwarf_pc < high for low, high in ranges)


def enclosing_subprogram(die: DIE) -> DIE:
    """The concrete DW_TAG_subprogram around a (possibly inlined) scope: its frame base."""
    current: DIE | None = die
    while current is not None and current.tag != "DW_TAG_subprogram":
        current = current.get_parent()
    return current if current is not None else die


def unit_globals(resolver: TypeResolver, cu_offset: int) -> list[DIE]:
    """Variables with a location declared at file scope (or in namespaces) of a CU, from the name
    index; not the compiler's own (rustc's trait-object vtables, hundreds in any Rust program)."""
    dies = (resolver.die_at(variable.offset) for variable in resolver.names.globals.get(cu_offset, ()))
    return [die for die in dies if _is_program_variable(die)]


def _is_program_variable(die: DIE) -> bool:
    name = die_name(die)
    return bool(name) and "DW_AT_artificial" not in die.attributes and not name.endswith("::{vtable}")


class WasmValueChildren:
    """Raw Wasm values: locals, operand-stack slots or globals."""

    def __init__(
        self,
        prefix: str,
        values: Callable[[], Sequence[WasmValue]],
        store: Callable[[int, WasmValue], None] | None,
        read_only_reason: str = "",
    ) -> None:
        self._prefix = prefix
        self._values = values
        self._store = store  # None: read-only, for ``read_only_reason``
        self._read_only_reason = read_only_reason

    def variables(self, start: int, count: int | None, fmt: Format) -> list[Variable]:
        values = self._values()
        end = len(values) if count is None else min(len(values), start + count)
        return [self._variable(i, values[i], fmt) for i in range(start, end)]

    def _variable(self, index: int, value: WasmValue, fmt: Format) -> Variable:
        text = str(value)
        if fmt.hex and value.type in ("i32", "i64"):
            text = f"{value.unsigned():#x}"
        return Variable(name=f"{self._prefix}{index}", value=text, type=value.type, writable=self._store is not None)

    def assign(self, name: str, text: str, fmt: Format) -> Variable:
        suffix = name.removeprefix(self._prefix)
        values = self._values()
        if not suffix.isdigit() or int(suffix) >= len(values):
            raise AssignError(f"no {name} here")
        if self._store is None:
            raise AssignError(self._read_only_reason or f"{name} cannot be changed")
        index = int(suffix)
        new = _parse_wasm_value(text, values[index])
        try:
            self._store(index, new)
        except NotSupported as error:
            raise AssignError(str(error)) from error
        except DebuggeeError as error:
            raise AssignError(f"cannot change {name}: {error}") from error
        return self._variable(index, new, fmt)


def _parse_wasm_value(text: str, current: WasmValue) -> WasmValue:
    text = text.strip()
    try:
        if current.type in ("f32", "f64"):
            number = float(text)
            return WasmValue.f32(number) if current.type == "f32" else WasmValue.f64(number)
        if current.type in ("i32", "i64"):
            number = int(text, 0)
            return WasmValue.i32(number) if current.type == "i32" else WasmValue.i64(number)
    except ValueError as error:
        raise AssignError(f"{text!r} is not a valid {current.type}") from error
    raise AssignError(f"a {current.type} value cannot be changed")


class FrameVariables:
    """The scopes of one source frame, all registered in ``renderer.registry``.

    ``scope_die`` is the DW_TAG_subprogram, or DW_TAG_inlined_subroutine for an
    inlined frame; ``dwarf_pc`` is the frame's PC minus the module's code offset.
    """

    def __init__(
        self,
        renderer: ValueRenderer,
        resolver: TypeResolver,
        context: FrameContext,
        dwarf: DWARFInfo | None,
        scope_die: DIE | None,
        dwarf_pc: int,
        global_count: int = 0,
    ) -> None:
        self._renderer = renderer
        self._resolver = resolver
        self._context = context
        self._dwarf = dwarf
        self._scope_die = scope_die
        self._pc = dwarf_pc
        self._global_count = global_count
        self._frame_base = self._frame_base_of(scope_die)

    def _frame_base_of(self, scope_die: DIE | None) -> Callable[[], int] | None:
        if scope_die is None:
            return None
        try:
            return frame_base_reader(enclosing_subprogram(scope_die), self._context, self._pc)
        except Exception:  # noqa: BLE001 - a damaged DIE tree: frame-relative variables say so when read
            return None

    def value_of(self, die: DIE, frame_relative: bool = True) -> ValueObject:
        """The value a variable/parameter DIE names in this frame."""
        value_type = self._resolver.type_of(die)
        base = self._frame_base if frame_relative else None
        location = evaluate_attribute(die, "DW_AT_location", self._context, self._pc, base)
        if "DW_AT_location" not in die.attributes and "DW_AT_const_value" in die.attributes:
            location = _constant_location(die.attributes["DW_AT_const_value"].value, value_type.size)
        return ValueObject(value_type, location, self._context)

    def _named(self, dies: Sequence[DIE], frame_relative: bool = True) -> list[NamedValue]:
        named = []
        for die in dies:
            try:
                name = die_name(die)
                if name is None:
                    continue
                qualified = self._resolver.qualified_name(die) or name
                named.append(NamedValue(name, self.value_of(die, frame_relative), qualified))
            except Exception as error:  # noqa: BLE001 - damaged DWARF: show the damage, keep the rest
                named.append(self._damaged(f"<variable at DIE {die.offset:#x}>", error))
        return named

    def _damaged(self, name: str, error: Exception) -> NamedValue:
        location = LocationError(f"DWARF damaged: {type(error).__name__}: {error}")
        return NamedValue(name, ValueObject(UnknownType("damaged"), location, self._context))

    def _safely(self, produce: Callable[[], list[NamedValue]]) -> Callable[[], list[NamedValue]]:
        """``produce``, or one entry saying why the DWARF it walks could not be read."""

        def run() -> list[NamedValue]:
            try:
                return produce()
            except Exception as error:  # noqa: BLE001 - pyelftools raises many kinds on bad input
                return [self._damaged("<unreadable>", error)]

        return run

    def _scope_of(
        self, name: str, produce: Callable[[], list[NamedValue]], hint: str | None, expensive: bool = False
    ) -> Scope:
        reference = self._renderer.registry.register(ValueChildren(self._renderer, self._safely(produce)))
        return Scope(name, reference, expensive, hint)

    def scopes(self) -> list[Scope]:
        scopes: list[Scope] = []
        if self._scope_die is not None and self._dwarf is not None:
            try:
                visible = visible_at(self._scope_die, self._pc, self._dwarf)
            except Exception as error:  # noqa: BLE001 - a damaged scope tree: no arguments or locals
                damage = self._damaged("<unreadable>", error)
                scopes.append(self._scope_of("Arguments", lambda: [damage], "arguments"))
                scopes.append(self._scope_of("Locals", lambda: [damage], "locals"))
                scopes.extend(self.wasm_scopes())
                return scopes
            # An empty scope is left out: clients expand only the first scope (VS Code), and at a
            # stop in `main(void)` that would be an empty Arguments, with Locals collapsed below it.
            if visible.arguments:
                scopes.append(self._scope_of("Arguments", lambda: self._named(visible.arguments), "arguments"))
            if visible.locals:
                scopes.append(self._scope_of("Locals", lambda: self._named(visible.locals), "locals"))
            unit = self._scope_die.cu.cu_offset
            scopes.append(
                self._scope_of("Globals", lambda: self._named(unit_globals(self._resolver, unit), False), None)
            )
            scopes.append(self._scope_of("All Globals", self._all_globals, None, expensive=True))
        scopes.extend(self.wasm_scopes())
        return scopes

    def _all_globals(self) -> list[NamedValue]:
        assert self._dwarf is not None
        dies = [die for unit in self._resolver.names.globals for die in unit_globals(self._resolver, unit)]
        return sorted(self._named(dies, False), key=lambda named: named.name)

    def wasm_scopes(self) -> list[Scope]:
        context = self._context
        count = self._global_count
        wasm_locals = WasmValueChildren(
            "$local",
            lambda: context.wasm_locals,
            context.set_local if context.locals_writable else None,
            "Wasmtime's debugger cannot change a Wasm local",
        )
        operand_stack = WasmValueChildren(
            "$stack", lambda: context.operand_stack, None, "operand stack slots cannot be changed"
        )
        wasm_globals = WasmValueChildren(
            "$global",
            lambda: [context.global_value(i) for i in range(count)],
            context.set_global if context.globals_writable else None,
            "this backend cannot change globals",
        )
        register = self._renderer.registry.register
        return [
            Scope("Wasm Locals", register(wasm_locals), False, "registers"),
            Scope("Wasm Operand Stack", register(operand_stack), False, "registers"),
            Scope("Wasm Globals", register(wasm_globals), True, "registers"),
        ]


def _constant_location(value: object, size: int) -> ImplicitLocation:
    """Where a DW_AT_const_value variable "lives": nowhere, with this value."""
    if isinstance(value, int):
        return ImplicitLocation((value & ((1 << (8 * max(size, 1))) - 1)).to_bytes(max(size, 1), "little"))
    return ImplicitLocation(bytes(value) if isinstance(value, (list, bytes)) else b"")
