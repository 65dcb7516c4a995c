"""The expression syntax tree. Every node records the column it starts at (1-based)."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.source.expressions.lexer import FloatLiteral, IntegerLiteral


@dataclass(frozen=True)
class Node:
    column: int


@dataclass(frozen=True)
class TypeName:
    """A type as written in a cast or ``sizeof``: ``unsigned char *`` is base
    ``unsigned char`` with one pointer level."""

    base: str
    pointers: int = 0

    def __str__(self) -> str:
        return self.base + ("*" * self.pointers if self.pointers else "")


@dataclass(frozen=True)
class Integer(Node):
    literal: IntegerLiteral


@dataclass(frozen=True)
class Float(Node):
    literal: FloatLiteral


@dataclass(frozen=True)
class Char(Node):
    value: int


@dataclass(frozen=True)
class String(Node):
    value: bytes


@dataclass(frozen=True)
class Boolean(Node):
    value: bool


@dataclass(frozen=True)
class Null(Node):
    """``nullptr`` or ``NULL``."""


@dataclass(frozen=True)
class Identifier(Node):
    name: str  # may be qualified: "ns::value"


@dataclass(frozen=True)
class WasmLocal(Node):
    index: int


@dataclass(frozen=True)
class WasmGlobal(Node):
    key: int | str  # index or name


@dataclass(frozen=True)
class WasmStack(Node):
    index: int  # operand stack slot, 0 = bottom


@dataclass(frozen=True)
class Member(Node):
    target: Node
    name: str
    arrow: bool  # `->` rather than `.`


@dataclass(frozen=True)
class Index(Node):
    target: Node
    index: Node


@dataclass(frozen=True)
class Call(Node):
    """Parsed so it can be refused with a clear message: we never call functions."""

    target: Node
    arguments: tuple[Node, ...]


@dataclass(frozen=True)
class Unary(Node):
    operator: str  # one of * & - + ! ~
    operand: Node


@dataclass(frozen=True)
class SizeOf(Node):
    operand: Node | TypeName


@dataclass(frozen=True)
class Cast(Node):
    type: TypeName
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    operator: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Conditional(Node):
    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True)
class Assign(Node):
    target: Node
    value: Node


@dataclass(frozen=True)
class Comma(Node):
    left: Node
    right: Node


FORMATS = {
    "x": "hex", "h": "hex", "X": "hex", "d": "decimal", "o": "octal",
    "b": "binary", "c": "char", "s": "string",
}  # fmt: skip


@dataclass(frozen=True)
class Expression:
    """A parsed expression with its optional display format (``expr,x``)."""

    root: Node
    format: str | None = None  # a value of FORMATS
