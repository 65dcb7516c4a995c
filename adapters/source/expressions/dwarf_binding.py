"""The expression language's interfaces, implemented over the DWARF type model
(``adapters/source/types.py``), locations and a paused frame.

``DwarfProgram`` is one module's names (types, enumerators, globals, Wasm global
names); ``DwarfEvaluationContext`` is a paused frame for the host evaluator and
``DwarfCompileScope`` the debug info at one PC for the condition compiler.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from elftools.dwarf.die import DIE
from elftools.dwarf.dwarf_expr import DWARFExprParser
from elftools.dwarf.dwarfinfo import DWARFInfo

from adapters.source.expressions import c_types
from adapters.source.expressions.errors import ExpressionError
from adapters.source.expressions.interface import (
    CType,
    Field,
    InGlobal,
    InLocal,
    InMemory,
    Known,
    Located,
    TypedValue,
    TypeKind,
)
from adapters.source.expressions.library_access import LibraryAccess
from adapters.source.formatters import Formatters
from adapters.source.frame_context import FrameContext
from adapters.source.locations import (
    WASM_GLOBAL,
    WASM_GLOBAL_FIXED,
    WASM_LOCAL,
    GlobalLocation,
    LocalLocation,
    LocationUnavailable,
    MemoryLocation,
    StackLocation,
    expression_at,
    write_location,
)
from adapters.source.types import (
    LANG_C,
    ArrayType,
    BaseType,
    CompositeType,
    EnumType,
    FunctionType,
    PointerType,
    SubArrayType,
    Type,
    TypeResolver,
    VoidType,
    die_name,
    language_of,
)
from adapters.source.values import ValueRegistry, ValueRenderer
from adapters.source.variables import (
    FrameVariables,
    enclosing_subprogram,
    unit_globals,
    visible_at,
)
from adapters.wasm.binary import WasmModule
from adapters.wasm.debuggee import DebuggeeError
from adapters.wasm.frame_pointer import local_as_global
from adapters.wasm.values import WasmValue

if TYPE_CHECKING:
    from adapters.source.symbols import FunctionInfo

_NAMED_TYPE_TAGS = {
    "DW_TAG_base_type": None,
    "DW_TAG_typedef": None,
    "DW_TAG_structure_type": "struct",
    "DW_TAG_class_type": "class",
    "DW_TAG_union_type": "union",
    "DW_TAG_enumeration_type": "enum",
}
_WASM_TYPES = {"i32": c_types.INT, "i64": c_types.LONG_LONG, "f32": c_types.FLOAT, "f64": c_types.DOUBLE}


@dataclass(frozen=True, eq=False)
class DwarfType:
    """A ``types.Type`` seen through the ``CType`` protocol."""

    model: Type

    @cached_property
    def _stripped(self) -> Type:
        return self.model.strip()

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def size(self) -> int:
        return self.model.size

    @cached_property
    def kind(self) -> TypeKind:
        stripped = self._stripped
        if isinstance(stripped, BaseType):
            if stripped.is_float:
                return TypeKind.FLOAT
            return TypeKind.BOOL if stripped.is_bool else TypeKind.INTEGER
        if isinstance(stripped, CompositeType):
            return TypeKind.UNION if stripped.keyword == "union" else TypeKind.STRUCT
        if isinstance(stripped, PointerType) and stripped.is_reference:
            return TypeKind.REFERENCE
        for model_type, kind in _KINDS:
            if isinstance(stripped, model_type):
                return kind
        return TypeKind.OTHER

    @property
    def signed(self) -> bool:
        stripped = self._stripped
        return isinstance(stripped, (BaseType, EnumType)) and stripped.is_signed

    @cached_property
    def target(self) -> CType | None:
        stripped = self._stripped
        if isinstance(stripped, PointerType):
            return DwarfType(stripped.target)
        if isinstance(stripped, (ArrayType, SubArrayType)):
            return DwarfType(stripped.element)
        return None

    @property
    def count(self) -> int | None:
        stripped = self._stripped
        return stripped.count if isinstance(stripped, (ArrayType, SubArrayType)) else None


_KINDS = (
    (PointerType, TypeKind.POINTER),
    (ArrayType, TypeKind.ARRAY),
    (SubArrayType, TypeKind.ARRAY),
    (EnumType, TypeKind.ENUM),
    (FunctionType, TypeKind.FUNCTION),
    (VoidType, TypeKind.VOID),
)


class DwarfProgram:
    """One module's DWARF names, indexed on first use."""

    def __init__(
        self,
        module: WasmModule,
        dwarf: DWARFInfo,
        resolver: TypeResolver | None = None,
        functions_named: Callable[[str], list[FunctionInfo]] | None = None,
    ) -> None:
        self.module = module
        self.dwarf = dwarf
        self.resolver = resolver or TypeResolver(dwarf, module)
        self._functions_named = functions_named  # the module's function index (symbols.functions_named)

    @cached_property
    def _named_types(self) -> dict[str, int]:
        """Type definitions by name (``struct point`` and, but in C, ``point``): DIE offsets."""
        found: dict[str, int] = {}
        for named in self.resolver.names.types:
            keyword = _NAMED_TYPE_TAGS.get(named.tag, "")
            if keyword == "" or named.declaration:
                continue
            name = named.name or self.resolver.qualified_name(self.resolver.die_at(named.offset))
            if not name:
                continue
            if keyword:
                found.setdefault(f"{keyword} {name}", named.offset)
            if not keyword or self.resolver.language_of_unit(named.cu_offset) != LANG_C:  # C needs `struct point`
                found.setdefault(name, named.offset)
        return found

    @cached_property
    def _enumerators(self) -> dict[str, list[tuple[int, int]]]:
        """Enumerator name -> (its enumeration type's DIE offset, value) for each enumeration having one."""
        found: dict[str, list[tuple[int, int]]] = {}
        for name, enumeration, value in self.resolver.names.enumerators:
            found.setdefault(name, []).append((enumeration, value))
        return found

    @cached_property
    def _global_variables(self) -> dict[str, tuple[int, bool]]:
        """Every CU's file-scope variables, by plain and qualified name: (DIE offset, discarded);
        a variable the linker discarded (address tombstoned to -1) only if nothing else has the name."""
        found: dict[str, tuple[int, bool]] = {}
        for variables in self.resolver.names.globals.values():
            for variable in variables:
                names = (variable.qualified_name, variable.name)
                if not variable.name:  # named where it is declared
                    die = self.resolver.die_at(variable.offset)
                    names = (self.resolver.qualified_name(die), _name(die) or die_name(die))
                for name in names:
                    if name and (name not in found or found[name][1]):
                        found[name] = (variable.offset, variable.discarded)
        return found

    def global_variable(self, name: str) -> DIE | None:
        found = self._global_variables.get(name)
        return self.resolver.die_at(found[0]) if found is not None else None

    def global_variable_names(self) -> list[str]:
        return list(self._global_variables)

    @cached_property
    def _table_slots(self) -> dict[int, int]:
        return {function: slot for slot, function in sorted(self.module.table_functions.items(), reverse=True)}

    def function(self, name: str) -> TypedValue | None:
        """A function by name, as C sees it: its address is its slot in the function table."""
        found = [f for f in self._functions_named(name) if f.die is not None] if self._functions_named else []
        if not found:
            return None
        die = found[0].die
        body = self.module.function_at(found[0].ranges[0][0]) if found[0].ranges else None
        slot = self._table_slots.get(body.index) if body is not None else None
        if slot is None:
            raise ExpressionError(f"'{name}' is a function whose address the program never takes (no table slot)")
        return TypedValue(DwarfType(self.resolver.resolve(die)), address=slot)

    @cached_property
    def wasm_global_names(self) -> dict[str, int]:
        return {name: index for index, name in self.module.global_names.items()}

    def type_named(self, name: str) -> CType | None:
        offset = self._named_types.get(" ".join(name.split()))
        return DwarfType(self.resolver.resolve(self.resolver.die_at(offset))) if offset is not None else None

    def enumerator(self, name: str) -> TypedValue | None:
        """An enumerator by its plain name, or by any qualified spelling (``Genre::Fiction``,
        ``library::Genre::Fiction``) as Rust and C++ ``enum class`` users write them."""
        scope, _, plain = name.rpartition("::")
        for enumeration, value in self._enumerators.get(plain, ()):
            enumeration_die = self.resolver.die_at(enumeration)
            if scope and not f"::{self.resolver.qualified_name(enumeration_die) or ''}".endswith(f"::{scope}"):
                continue
            type_ = DwarfType(self.resolver.resolve(enumeration_die))
            return TypedValue(type_, (value & ((1 << (8 * type_.size)) - 1)).to_bytes(type_.size, "little"))
        return None

    def field(self, record: CType, name: str) -> Field | None:
        """A member by name; ``0`` also finds a Rust tuple field, which DWARF calls ``__0``."""
        names = (name, f"__{name}") if name.isdigit() else (name,)
        return next((field for field in self._fields(record) if field.name in names), None)

    def field_names(self, record: CType) -> list[str]:
        return [field.name for field in self._fields(record)]

    def _fields(self, record: CType, base_offset: int = 0) -> Iterator[Field]:
        """Named members, with anonymous structs/unions and base classes flattened in."""
        if not isinstance(record, DwarfType):
            return
        composite = record.model.strip()
        if not isinstance(composite, CompositeType):
            return
        for member in composite.members:
            offset = base_offset + member.offset
            if member.name is None or member.is_base:
                yield from self._fields(DwarfType(member.type), offset)
            elif member.bit_size is not None:
                yield Field(member.name, offset, DwarfType(member.type), member.bit_offset, member.bit_size)
            else:
                yield Field(member.name, offset, DwarfType(member.type))


class _DwarfScope:
    """Names visible from a scope DIE (a subprogram or inlined subroutine) at a PC."""

    def __init__(self, program: DwarfProgram, scope_die: DIE | None, dwarf_pc: int) -> None:
        self.program = program
        self.scope_die = scope_die
        self.dwarf_pc = dwarf_pc
        self.language = language_of(scope_die) if scope_die is not None else LANG_C

    @cached_property
    def _locals(self) -> dict[str, DIE]:
        """Innermost declaration wins: locals (innermost block first), then arguments."""
        found: dict[str, DIE] = {}
        if self.scope_die is not None:
            visible = visible_at(self.scope_die, self.dwarf_pc, self.program.dwarf)
            for die in (*visible.locals, *visible.arguments):
                name = _name(die)
                if name:
                    found.setdefault(name, die)
        return found

    @cached_property
    def _unit_globals(self) -> dict[str, DIE]:
        """This compile unit's globals and statics: they hide other units' of the same name."""
        if self.scope_die is None:
            return {}
        resolver = self.program.resolver
        return {name: die for die in unit_globals(resolver, self.scope_die.cu.cu_offset) if (name := _name(die))}

    def variable(self, name: str) -> tuple[DIE, bool] | None:
        """The variable DIE for ``name`` and whether it is frame-relative (a local)."""
        if name in self._locals:
            return self._locals[name], True
        bare = name.removeprefix("::")
        die = self._unit_globals.get(bare) or self.program.global_variable(bare)
        return (die, False) if die is not None else None

    def variable_names(self) -> list[str]:
        return [*self._locals, *self.program.global_variable_names()]

    def type_named(self, name: str) -> CType | None:
        """A visible variable hides a type of the same name, as in C++."""
        if self.variable(name) is not None:
            return None
        return self.program.type_named(name)

    def field(self, record: CType, name: str) -> Field | None:
        return self.program.field(record, name)

    def field_names(self, record: CType) -> list[str]:
        return self.program.field_names(record)


class DwarfEvaluationContext(_DwarfScope):
    """A paused source frame as the host evaluator sees it."""

    def __init__(
        self,
        program: DwarfProgram,
        frame: FrameContext,
        scope_die: DIE | None,
        dwarf_pc: int,
        formatters: Formatters | None = None,
    ) -> None:
        super().__init__(program, scope_die, dwarf_pc)
        self.frame = frame
        self._variables = FrameVariables(
            ValueRenderer(ValueRegistry()), program.resolver, frame, program.dwarf, scope_die, dwarf_pc
        )
        self.library = LibraryAccess(formatters or Formatters(), frame, DwarfType)  # containers, smart pointers

    def lookup(self, name: str) -> TypedValue | None:
        found = self.variable(name)
        if found is None:
            return self.program.enumerator(name) or self.program.function(name)
        die, frame_relative = found
        if _is_discarded(die):
            raise ExpressionError(f"'{name}' is not in the linked program (the linker discarded it)")
        value = self._variables.value_of(die, frame_relative)
        type_ = DwarfType(value.type)
        if isinstance(value.location, MemoryLocation):
            return TypedValue(type_, address=value.location.address, place=value.location)
        try:
            return TypedValue(type_, value.read(), place=value.location)
        except LocationUnavailable as error:
            raise ExpressionError(f"{name}: {error}") from error

    def names(self) -> list[str]:
        return self.variable_names()

    def read_memory(self, address: int, size: int) -> bytes:
        try:
            return self.frame.read_memory(address, size)
        except DebuggeeError as error:
            raise ExpressionError(f"cannot read {size} bytes at {address:#x}: {error}") from error

    def wasm_local(self, index: int) -> TypedValue:
        values = self.frame.wasm_locals
        if not 0 <= index < len(values):
            raise ExpressionError(f"the frame has no Wasm local {index} (it has {len(values)})")
        return _wasm_value(values[index], LocalLocation(index))

    def wasm_global(self, key: int | str) -> TypedValue:
        index = key if isinstance(key, int) else self.program.wasm_global_names.get(key)
        if index is None:
            raise ExpressionError(f"no Wasm global named '{key}'")
        try:
            return _wasm_value(self.frame.global_value(index), GlobalLocation(index))
        except (DebuggeeError, IndexError) as error:
            raise ExpressionError(f"cannot read Wasm global {index}: {error}") from error

    def wasm_stack(self, index: int) -> TypedValue:
        values = self.frame.operand_stack
        if not 0 <= index < len(values):
            raise ExpressionError(f"the operand stack has no slot {index} (it has {len(values)})")
        return _wasm_value(values[index], StackLocation(index))

    def assign(self, target: TypedValue, data: bytes) -> None:
        location = MemoryLocation(target.address) if target.address is not None else target.place
        if not isinstance(location, (MemoryLocation, LocalLocation, GlobalLocation)):
            raise ExpressionError("this value has no storage that can be changed")
        try:
            write_location(location, data, self.frame)
        except (DebuggeeError, LocationUnavailable) as error:
            raise ExpressionError(f"cannot change the value: {error}") from error


class DwarfCompileScope(_DwarfScope):
    """The debug info at one PC, as the condition compiler sees it: the PC of a breakpoint,
    whose frame is the innermost one when the condition runs."""

    def locate(self, name: str) -> Located | None:
        found = self.variable(name)
        if found is None:
            enumerator = self.program.enumerator(name)
            if enumerator is not None:
                return Located(enumerator.type, Known(enumerator.data))
            try:
                function = self.program.function(name)
            except ExpressionError:
                return None
            if function is None or function.address is None:
                return None
            return Located(c_types.pointer_to(function.type), Known(function.address.to_bytes(4, "little")))
        die, frame_relative = found
        place = None if _is_discarded(die) else self._place(die, frame_relative)
        return Located(DwarfType(self.program.resolver.type_of(die)), place) if place is not None else None

    def has_variable(self, name: str) -> bool:
        return self.variable(name) is not None

    def _place(self, die: DIE, frame_relative: bool) -> InLocal | InGlobal | InMemory | None:
        ops = self._operations(die, "DW_AT_location")
        if not ops:
            return None
        first = ops[0]
        if len(ops) == 1 and first.op_name == "DW_OP_addr":
            return InMemory(None, first.args[0])
        if len(ops) == 1 and first.op_name == "DW_OP_fbreg" and frame_relative and self.scope_die is not None:
            base = self._operations(enclosing_subprogram(self.scope_die), "DW_AT_frame_base")
            register = _register(base) if base else None
            if isinstance(register, InLocal):
                # Reading the stack-pointer global is cheaper for the agent than reading the frame's locals.
                module = self.program.module
                alias = local_as_global(module, self.dwarf_pc + (module.code_offset or 0), register.index)
                if alias is not None:
                    return InMemory(InGlobal(alias.global_index), first.args[0] + alias.offset)
            return InMemory(register, first.args[0]) if register is not None else None
        register = _register(ops[:1])
        if register is None:
            return None
        names = [op.op_name for op in ops[1:]]
        if names == ["DW_OP_stack_value"]:
            return register  # the variable's value is the local's
        if names == []:
            return InMemory(register, 0)  # the local holds the variable's address
        if names == ["DW_OP_plus_uconst"]:
            return InMemory(register, ops[1].args[0])
        return None

    def _operations(self, die: DIE, attribute: str) -> list | None:
        try:
            expression = expression_at(die, attribute, self.dwarf_pc)
            return DWARFExprParser(die.cu.structs).parse_expr(expression) if expression is not None else None
        except Exception:  # noqa: BLE001 - damaged DWARF: the host evaluator will report it
            return None


def _register(ops: list) -> InLocal | InGlobal | None:
    """The Wasm local or global whose value a ``DW_OP_WASM_location`` (with or without
    ``DW_OP_stack_value``) pushes: for a frame base, either form means that value."""
    names = [op.op_name for op in ops]
    if names not in (["DW_OP_WASM_location"], ["DW_OP_WASM_location", "DW_OP_stack_value"]):
        return None
    kind, index = ops[0].args[0], ops[0].args[1]
    if kind == WASM_LOCAL:
        return InLocal(index)
    if kind in (WASM_GLOBAL, WASM_GLOBAL_FIXED):
        return InGlobal(index)
    return None


def _wasm_value(value: WasmValue, place: LocalLocation | GlobalLocation | StackLocation) -> TypedValue:
    type_ = _WASM_TYPES.get(value.type)
    if type_ is None:
        raw = value.bits if isinstance(value.bits, bytes) else b""
        return TypedValue(c_types.BasicType(value.type, TypeKind.OTHER, len(raw)), raw, place=place)
    return TypedValue(type_, value.raw_bytes(), place=place)


def _is_discarded(die: DIE) -> bool:
    location = die.attributes.get("DW_AT_location")
    return location is not None and location.value == [0x03, 0xFF, 0xFF, 0xFF, 0xFF]  # DW_OP_addr -1


def _name(die: DIE) -> str | None:
    attribute = die.attributes.get("DW_AT_name")
    return attribute.value.decode("utf-8", "replace") if attribute is not None else None
