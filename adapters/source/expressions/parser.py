"""Recursive-descent parser (precedence climbing for binary operators) for C-like expressions."""

from __future__ import annotations

from collections.abc import Callable

from adapters.source.expressions import nodes
from adapters.source.expressions.errors import ExpressionError
from adapters.source.expressions.lexer import Token, TokenKind, tokenize

BINARY_PRECEDENCE = {
    "||": 1, "&&": 2, "|": 3, "^": 4, "&": 5,
    "==": 6, "!=": 6, "<": 7, "<=": 7, ">": 7, ">=": 7,
    "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}  # fmt: skip
UNARY_OPERATORS = ("*", "&", "-", "+", "!", "~")
BASIC_TYPE_WORDS = frozenset(
    [
        "void", "bool", "_Bool", "char", "short", "int", "long", "float", "double", "signed", "unsigned",
        "wchar_t", "char8_t", "char16_t", "char32_t",
    ]
)  # fmt: skip
TAG_WORDS = frozenset(("struct", "union", "enum", "class"))
QUALIFIERS = frozenset(("const", "volatile", "restrict"))
TYPE_START_WORDS = BASIC_TYPE_WORDS | TAG_WORDS | QUALIFIERS
# Tokens that can start an operand but cannot follow a parenthesised expression,
# so `(name)` before them must be a cast.
_OPERAND_STARTS = (TokenKind.IDENTIFIER, TokenKind.INTEGER, TokenKind.FLOAT, TokenKind.CHAR,
                   TokenKind.STRING, TokenKind.WASM)  # fmt: skip

MAX_TOKENS = 256  # keeps the tree shallow enough to walk recursively
MAX_NESTING = 64

TypeNamePredicate = Callable[[str], bool]


def parse(text: str, is_type_name: TypeNamePredicate | None = None) -> nodes.Expression:
    """Parse ``text``; ``is_type_name`` tells typedef and struct names apart from
    variables, so that ``(T)-1`` is a cast when T is a type."""
    tokens = tokenize(text, MAX_TOKENS)
    if len(tokens) > MAX_TOKENS:
        raise ExpressionError(f"expression too long (more than {MAX_TOKENS} tokens)", tokens[MAX_TOKENS].column)
    tokens, display_format = _split_format(tokens)
    return nodes.Expression(_Parser(tokens, is_type_name or (lambda name: False)).whole(), display_format)


def parse_type_name(text: str) -> nodes.TypeName:
    """Parse a bare type name, such as ``unsigned char *``."""
    parser = _Parser(tokenize(text), lambda name: True)
    type_name = parser.type_name()
    parser.expect_end()
    return type_name


def _split_format(tokens: list[Token]) -> tuple[list[Token], str | None]:
    """Strip a trailing ``,x``-style display format."""
    if (
        len(tokens) >= 4
        and tokens[-3].text == ","
        and tokens[-3].kind is TokenKind.PUNCTUATOR
        and tokens[-2].kind is TokenKind.IDENTIFIER
        and tokens[-2].text in nodes.FORMATS
    ):
        return tokens[:-3] + tokens[-1:], nodes.FORMATS[tokens[-2].text]
    return tokens, None


class _Parser:
    def __init__(self, tokens: list[Token], is_type_name: TypeNamePredicate) -> None:
        self.tokens = tokens
        self.position = 0
        self.is_type_name = is_type_name
        self.nesting = 0

    # -- token helpers

    @property
    def current(self) -> Token:
        return self.tokens[self.position]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.position + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.current
        if token.kind is not TokenKind.END:
            self.position += 1
        return token

    def at(self, text: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token.kind is TokenKind.PUNCTUATOR and token.text == text

    def accept(self, text: str) -> bool:
        if self.at(text):
            self.advance()
            return True
        return False

    def expect(self, text: str) -> Token:
        if not self.at(text):
            raise self.error(f"expected '{text}'")
        return self.advance()

    def expect_end(self) -> None:
        if self.current.kind is not TokenKind.END:
            raise self.error(f"unexpected '{self.current.text}'")

    def error(self, message: str, token: Token | None = None) -> ExpressionError:
        token = token or self.current
        if token.kind is TokenKind.END and not message.startswith("unexpected"):
            message += " but the expression ended"
        return ExpressionError(message, token.column)

    # -- grammar

    def whole(self) -> nodes.Node:
        if self.current.kind is TokenKind.END:
            raise ExpressionError("empty expression", self.current.column)
        root = self.expression()
        self.expect_end()
        return root

    def expression(self) -> nodes.Node:
        node = self.assignment()
        while self.at(","):
            column = self.advance().column
            node = nodes.Comma(column, node, self.assignment())
        return node

    def assignment(self) -> nodes.Node:
        node = self.conditional()
        if self.at("="):
            column = self.advance().column
            return nodes.Assign(column, node, self.assignment())
        return node

    def conditional(self) -> nodes.Node:
        node = self.binary(1)
        if self.at("?"):
            self.advance()
            then = self.expression()
            self.expect(":")
            return nodes.Conditional(node.column, node, then, self.conditional())
        return node

    def binary(self, minimum: int) -> nodes.Node:
        left = self.unary()
        while self.current.kind is TokenKind.IDENTIFIER and self.current.text == "as":  # Rust: `x as u32`
            token = self.advance()
            left = nodes.Cast(token.column, self.type_name(c_pointers=False), left)
        while True:
            token = self.current
            precedence = BINARY_PRECEDENCE.get(token.text) if token.kind is TokenKind.PUNCTUATOR else None
            if precedence is None or precedence < minimum:
                return left
            self.advance()
            right = self.binary(precedence + 1)
            left = nodes.Binary(token.column, token.text, left, right)

    def unary(self) -> nodes.Node:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise self.error("expression nested too deeply")
        try:
            return self._unary()
        finally:
            self.nesting -= 1

    def _unary(self) -> nodes.Node:
        token = self.current
        if token.kind is TokenKind.PUNCTUATOR and token.text in UNARY_OPERATORS:
            self.advance()
            return nodes.Unary(token.column, token.text, self.unary())
        if token.kind is TokenKind.IDENTIFIER and token.text == "sizeof":
            self.advance()
            if self.at("(") and self._type_follows(1):
                self.advance()
                type_name = self.type_name()
                self.expect(")")
                return nodes.SizeOf(token.column, type_name)
            return nodes.SizeOf(token.column, self.unary())
        if self.at("(") and self._is_cast():
            self.advance()
            type_name = self.type_name()
            self.expect(")")
            return nodes.Cast(token.column, type_name, self.unary())
        return self.postfix()

    def postfix(self) -> nodes.Node:
        node = self.primary()
        while True:
            token = self.current
            if self.accept("."):
                node = nodes.Member(token.column, node, self._member_name(tuple_field=True), arrow=False)
            elif self.accept("->"):
                node = nodes.Member(token.column, node, self._member_name(), arrow=True)
            elif self.accept("["):
                index = self.expression()
                self.expect("]")
                node = nodes.Index(token.column, node, index)
            elif self.accept("("):
                arguments = []
                if not self.at(")"):
                    arguments.append(self.assignment())
                    while self.accept(","):
                        arguments.append(self.assignment())
                self.expect(")")
                node = nodes.Call(token.column, node, tuple(arguments))
            else:
                return node

    def _member_name(self, tuple_field: bool = False) -> str:
        """A member's name, or after ``.`` a tuple field's number (Rust ``t.0``)."""
        token = self.current
        is_field_number = tuple_field and token.kind is TokenKind.INTEGER and token.text.isdigit()
        if token.kind is not TokenKind.IDENTIFIER and not is_field_number:
            raise self.error("expected a member name")
        return self.advance().text

    def primary(self) -> nodes.Node:
        token = self.current
        kind = token.kind
        if kind is TokenKind.INTEGER:
            self.advance()
            return nodes.Integer(token.column, token.value)
        if kind is TokenKind.FLOAT:
            self.advance()
            return nodes.Float(token.column, token.value)
        if kind is TokenKind.CHAR:
            self.advance()
            return nodes.Char(token.column, token.value)
        if kind is TokenKind.STRING:
            self.advance()
            return nodes.String(token.column, token.value)
        if kind is TokenKind.WASM:
            self.advance()
            return _wasm_reference(token)
        if kind is TokenKind.IDENTIFIER or self.at("::"):
            return self._named(token)
        if self.accept("("):
            node = self.expression()
            self.expect(")")
            return node
        if kind is TokenKind.END:
            raise self.error("expected an operand")
        raise self.error(f"unexpected '{token.text}'")

    def _named(self, token: Token) -> nodes.Node:
        name = self.qualified_name()
        if name in ("true", "false"):
            return nodes.Boolean(token.column, name == "true")
        if name in ("nullptr", "NULL"):
            return nodes.Null(token.column)
        if name in TYPE_START_WORDS or name == "sizeof":
            raise self.error(f"unexpected '{name}'", token)
        return nodes.Identifier(token.column, name)

    def qualified_name(self) -> str:
        parts = ["::"] if self.accept("::") else []
        while True:
            if self.current.kind is not TokenKind.IDENTIFIER:
                raise self.error("expected a name")
            parts.append(self.advance().text)
            if not (self.at("::") and self.peek().kind is TokenKind.IDENTIFIER):
                return "".join(parts)
            parts.append(self.advance().text)

    # -- types

    def type_name(self, c_pointers: bool = True) -> nodes.TypeName:
        """A C type name (``unsigned char *``); without ``c_pointers`` a following ``*`` is left
        alone, as after Rust's ``as`` (``x as i64 * 2``)."""
        words: list[str] = []
        start = self.current
        while self.current.kind is TokenKind.IDENTIFIER:
            word = self.current.text
            if word in QUALIFIERS:
                self.advance()
            elif word in TAG_WORDS:
                self.advance()
                words += [word, self.qualified_name()]
                break
            elif word in BASIC_TYPE_WORDS:
                words.append(self.advance().text)
            elif not words:
                words.append(self.qualified_name())
            else:
                break
        while self.current.kind is TokenKind.IDENTIFIER and self.current.text in QUALIFIERS:
            self.advance()
        if not words:
            raise self.error("expected a type name", start)
        pointers = 0
        while c_pointers and self.accept("*"):
            pointers += 1
            while self.current.kind is TokenKind.IDENTIFIER and self.current.text in QUALIFIERS:
                self.advance()
        return nodes.TypeName(" ".join(words), pointers)

    def _type_follows(self, offset: int) -> bool:
        """Whether a type name starts ``offset`` tokens ahead (after a '(')."""
        token = self.peek(offset)
        if token.kind is not TokenKind.IDENTIFIER:
            return False
        if token.text in TYPE_START_WORDS:
            return True
        end = self._qualified_name_end(offset)
        name = "".join(t.text for t in self.tokens[self.position + offset : self.position + end])
        return self.is_type_name(name) or self._stars_then_close(end)

    def _is_cast(self) -> bool:
        """At '(': does a cast start here rather than a parenthesised expression?"""
        if self._type_follows(1):
            return True
        if self.peek(1).kind is not TokenKind.IDENTIFIER:
            return False
        # `(name) operand` can only be a cast: an expression cannot follow `(expr)`.
        end = self._qualified_name_end(1)
        after = self.peek(end + 1)
        return self.at(")", end) and (
            after.kind in _OPERAND_STARTS or (after.kind is TokenKind.PUNCTUATOR and after.text in ("(", "!", "~"))
        )

    def _qualified_name_end(self, offset: int) -> int:
        """Offset one past the qualified name starting at ``offset``."""
        end = offset + 1
        while self.at("::", end) and self.peek(end + 1).kind is TokenKind.IDENTIFIER:
            end += 2
        return end

    def _stars_then_close(self, offset: int) -> bool:
        """`(name *)` and `(name **)` are casts: `name *` cannot end an expression."""
        if not self.at("*", offset):
            return False
        while self.at("*", offset):
            offset += 1
        return self.at(")", offset)


def _wasm_reference(token: Token) -> nodes.Node:
    """``$local3``/``$l3``, ``$global0``/``$g0``/``$__stack_pointer``, ``$stack0``/``$s0``."""
    name = str(token.value)
    for prefixes, make in (
        (("local", "l"), nodes.WasmLocal),
        (("global", "g"), nodes.WasmGlobal),
        (("stack", "s"), nodes.WasmStack),
    ):
        for prefix in prefixes:
            digits = name[len(prefix) :]
            if name.startswith(prefix) and digits.isdigit() and digits.isascii():
                return make(token.column, int(digits))
    return nodes.WasmGlobal(token.column, name)
