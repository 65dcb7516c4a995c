"""What the expression language needs from the program being debugged.

The type model (DWARF) implements ``CType`` and ``Field``; a stopped frame
implements ``EvaluationContext`` for the host evaluator, and the debug info at a
PC implements ``CompileScope`` for the breakpoint-condition compiler. Pointer
arithmetic, indexing, dereferencing, ``&``, casts and ``sizeof`` are done by the
evaluator itself from the type facts below and ``read_memory``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class TypeKind(enum.Enum):
    VOID = "void"
    BOOL = "bool"
    INTEGER = "integer"  # chars included
    FLOAT = "float"
    POINTER = "pointer"
    REFERENCE = "reference"  # C++ & and &&: used as the object referred to
    ARRAY = "array"
    STRUCT = "struct"  # classes too
    UNION = "union"
    ENUM = "enum"
    FUNCTION = "function"
    OTHER = "other"


class CType(Protocol):
    """A type with typedefs and cv-qualifiers looked through (``name`` keeps the
    spelling the program uses, e.g. ``uint8_t``)."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> TypeKind: ...

    @property
    def size(self) -> int: ...

    @property
    def signed(self) -> bool: ...  # integers and enums

    @property
    def target(self) -> CType | None: ...  # pointee of a pointer, element of an array

    @property
    def count(self) -> int | None: ...  # element count of an array, None if unknown


@dataclass(frozen=True)
class Field:
    """A member of a struct, class or union."""

    name: str
    offset: int  # bytes from the start of the record
    type: CType
    bit_offset: int | None = None  # bit-fields: bits from ``offset``, least significant first
    bit_size: int | None = None


@dataclass(frozen=True)
class TypedValue:
    """A value of a type: its bytes, its linear-memory address, or both.

    A value in memory may leave ``data`` None; it is read when needed. ``place`` is
    the context's own note of where a value not in memory lives (a Wasm local...),
    so ``assign`` can write it back.
    """

    type: CType
    data: bytes | None = None
    address: int | None = None
    place: object | None = None


class TypeScope(Protocol):
    language: str  # the frame's language family: adapters.source.types.LANG_C, LANG_CPP, LANG_RUST, LANG_ZIG

    def type_named(self, name: str) -> CType | None:
        """A type by the name a cast or ``sizeof`` uses: ``point``, ``struct point``,
        ``uint8_t``, ``ns::Thing``. Base types (``int``...) need not be given."""

    def field(self, record: CType, name: str) -> Field | None:
        """The member ``name`` of a struct/union type (base classes searched), or None."""

    def field_names(self, record: CType) -> list[str]: ...


class EvaluationContext(TypeScope, Protocol):
    """A stopped frame, as the host evaluator sees it."""

    def lookup(self, name: str) -> TypedValue | None:
        """The variable ``name`` visible at the frame (locals, then globals), or None."""

    def names(self) -> list[str]:
        """Every variable name ``lookup`` would find (for completions)."""

    def read_memory(self, address: int, size: int) -> bytes:
        """Exactly ``size`` bytes, or raise ExpressionError."""

    def wasm_local(self, index: int) -> TypedValue: ...

    def wasm_global(self, key: int | str) -> TypedValue:
        """A global by index or by its name-section name (``__stack_pointer``)."""

    def wasm_stack(self, index: int) -> TypedValue: ...

    def assign(self, target: TypedValue, data: bytes) -> None:
        """Store ``data`` (already converted to ``target.type``) where ``target`` lives."""


@dataclass(frozen=True)
class InLocal:
    index: int


@dataclass(frozen=True)
class InGlobal:
    index: int


@dataclass(frozen=True)
class InMemory:
    """Linear memory at ``offset`` plus the value of ``base`` (if any)."""

    base: InLocal | InGlobal | None
    offset: int


@dataclass(frozen=True)
class Known:
    """No storage to read: the value is known (an enumerator, a constant)."""

    data: bytes


Place = InLocal | InGlobal | InMemory | Known


@dataclass(frozen=True)
class Located:
    type: CType
    place: Place


class CompileScope(TypeScope, Protocol):
    """The debug info at one PC, as the condition compiler sees it."""

    def locate(self, name: str) -> Located | None:
        """Where variable (or enumerator) ``name`` lives at this PC, when that is a
        single Wasm local, global or memory place or a known value; None when it is
        not visible or lives elsewhere."""

    def has_variable(self, name: str) -> bool:
        """Whether ``name`` is a variable visible here, wherever it lives."""


class LibraryViews(Protocol):
    """Containers, strings and smart pointers as the program's library views see them; a
    context may offer one as ``library`` (the evaluator asks it when C semantics find nothing)."""

    def index(self, value: TypedValue, key: int | bytes) -> TypedValue | None:
        """``value[key]`` for an integer index or key, or a string literal's bytes; None: no view."""

    def target(self, value: TypedValue) -> TypedValue | None:
        """What a smart pointer owns (``*p``, ``p->x``, ``rc.x``); None: not a smart pointer."""

    def length(self, value: TypedValue) -> int | None:
        """The element count of a container or string (``v.len()``, ``v.size()``); None: none."""

    def text(self, value: TypedValue) -> bytes | None:
        """The bytes of a string (``std::string``, ``String``, ``&str``), for ``s == "text"``; None: not one."""
