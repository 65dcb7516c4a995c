"""Splitting expression text into tokens."""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

from adapters.source.expressions.errors import ExpressionError


class TokenKind(enum.Enum):
    INTEGER = "integer"
    FLOAT = "float"
    CHAR = "char"
    STRING = "string"
    IDENTIFIER = "identifier"
    WASM = "wasm"  # $local3, $global0, $__stack_pointer, $stack0
    PUNCTUATOR = "punctuator"
    END = "end"


@dataclass(frozen=True)
class IntegerLiteral:
    value: int
    unsigned: bool
    longs: int  # 0, 1 (l) or 2 (ll)
    decimal: bool  # decimal literals never become unsigned implicitly


@dataclass(frozen=True)
class FloatLiteral:
    value: float
    single: bool  # an `f` suffix


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str
    column: int  # 1-based
    value: object = None  # IntegerLiteral, FloatLiteral, int (char), bytes (string)


# Longest first, so that "<<=" is not read as "<<" then "=".
PUNCTUATORS = (
    "->", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "::",
    "+", "-", "*", "/", "%", "<", ">", "=", "!", "~", "&", "|", "^",
    "?", ":", ",", ".", "(", ")", "[", "]",
)  # fmt: skip

SIMPLE_ESCAPES = {
    "n": 10, "t": 9, "r": 13, "0": 0, "a": 7, "b": 8, "f": 12, "v": 11,
    "\\": 92, "'": 39, '"': 34, "?": 63, "e": 27,
}  # fmt: skip


def tokenize(text: str, limit: int | None = None) -> list[Token]:
    """All tokens of ``text``, ending with an END token; or, past ``limit`` tokens, the first
    ``limit + 1`` (so that a megabyte of hostile text is refused without reading it all)."""
    return _Lexer(text).tokens(limit)


def _ends_operand(token: Token) -> bool:
    return token.kind is TokenKind.IDENTIFIER or (token.kind is TokenKind.PUNCTUATOR and token.text in (")", "]"))


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def tokens(self, limit: int | None) -> list[Token]:
        result = []
        while limit is None or len(result) <= limit:
            self._skip_space()
            if self.position >= len(self.text):
                result.append(Token(TokenKind.END, "", self.position + 1))
                return result
            if result and self._at_tuple_field(result[-1]):
                result.extend(self._tuple_field())
            else:
                result.append(self._token())
        return result

    def _at_tuple_field(self, previous: Token) -> bool:
        """``.0`` right after an operand (``t.0``, ``f().1``, ``t.0.1``) is a field, not a float."""
        ends_operand = previous.kind in (TokenKind.IDENTIFIER, TokenKind.INTEGER) or previous.text in (")", "]")
        return ends_operand and self._peek(0) == "." and self._peek(1).isdigit()

    def _tuple_field(self) -> list[Token]:
        start = self.position
        self.position += 1
        while self._peek(0).isdigit():
            self.position += 1
        digits = self.text[start + 1 : self.position]
        number = Token(TokenKind.INTEGER, digits, start + 2, _integer(digits))
        return [Token(TokenKind.PUNCTUATOR, ".", start + 1), number]

    def _tuple_field(self) -> list[Token]:
        start = self.position
        self.position += 1
        while self.position < len(self.text) and self.text[self.position].isdigit():
            self.position += 1
        return [
            Token(TokenKind.PUNCTUATOR, ".", start + 1),
            Token(TokenKind.IDENTIFIER, self.text[start + 1 : self.position], start + 2),
        ]

    def _skip_space(self) -> None:
        while self.position < len(self.text) and self.text[self.position].isspace():
            self.position += 1

    def _error(self, message: str, position: int | None = None) -> ExpressionError:
        return ExpressionError(message, (self.position if position is None else position) + 1)

    def _token(self) -> Token:
        start = self.position
        char = self.text[start]
        if char.isdigit() or (char == "." and self._peek(1).isdigit()):
            return self._number()
        if char == "'":
            return self._char()
        if char == '"':
            return self._string()
        if char == "$":
            self.position += 1
            name = self._word()
            if not name:
                raise self._error("expected a name after '$'", start)
            return Token(TokenKind.WASM, "$" + name, start + 1, name)
        if _is_identifier_start(char):
            return Token(TokenKind.IDENTIFIER, self._word(), start + 1)
        for punctuator in PUNCTUATORS:
            if self.text.startswith(punctuator, start):
                self.position += len(punctuator)
                return Token(TokenKind.PUNCTUATOR, punctuator, start + 1)
        raise self._error(f"unexpected character {char!r}")

    def _peek(self, offset: int) -> str:
        index = self.position + offset
        return self.text[index] if index < len(self.text) else ""

    def _word(self) -> str:
        start = self.position
        while self.position < len(self.text) and (
            _is_identifier_start(self.text[self.position]) or self.text[self.position].isdigit()
        ):
            self.position += 1
        return self.text[start : self.position]

    def _number(self) -> Token:
        start = self.position
        while self.position < len(self.text) and (
            self.text[self.position].isalnum()
            or self.text[self.position] in "._"
            or (self.text[self.position] in "+-" and self.text[self.position - 1] in "eEpP"
                and not self.text[start:self.position].lower().startswith(("0x", "0b")))
        ):  # fmt: skip
            self.position += 1
        spelling = self.text[start : self.position]
        value = _integer(spelling)
        if value is None:
            value = _float(spelling)
        if value is None:
            raise self._error(f"invalid number {spelling!r}", start)
        kind = TokenKind.INTEGER if isinstance(value, IntegerLiteral) else TokenKind.FLOAT
        return Token(kind, spelling, start + 1, value)

    def _char(self) -> Token:
        start = self.position
        self.position += 1
        if self._peek(0) in ("", "'"):
            raise self._error("empty character literal", start)
        value = self._character()
        if self._peek(0) != "'":
            raise self._error("unterminated character literal", start)
        self.position += 1
        return Token(TokenKind.CHAR, self.text[start : self.position], start + 1, value)

    def _string(self) -> Token:
        start = self.position
        self.position += 1
        data = bytearray()
        while self._peek(0) != '"':
            if self._peek(0) == "":
                raise self._error("unterminated string literal", start)
            escaped = self._peek(0) == "\\"
            code = self._character()
            data += bytes([code]) if escaped else chr(code).encode()
        self.position += 1
        return Token(TokenKind.STRING, self.text[start : self.position], start + 1, bytes(data))

    def _character(self) -> int:
        """One (possibly escaped) character of a char or string literal, as a code."""
        char = self.text[self.position]
        self.position += 1
        if char != "\\":
            return ord(char)
        escape = self._peek(0)
        self.position += 1
        if escape == "x":
            digits = self._take(lambda c: c in "0123456789abcdefABCDEF", 2)
            if not digits:
                raise self._error("expected hex digits after '\\x'", self.position - 2)
            return int(digits, 16)
        if escape in "01234567" and escape:
            self.position -= 1
            return int(self._take(lambda c: c in "01234567", 3), 8) & 0xFF
        if escape in SIMPLE_ESCAPES and escape:
            return SIMPLE_ESCAPES[escape]
        raise self._error(f"unknown escape '\\{escape}'", self.position - 2)

    def _take(self, accept, limit: int) -> str:
        start = self.position
        while self.position - start < limit and self._peek(0) and accept(self._peek(0)):
            self.position += 1
        return self.text[start : self.position]


def _is_identifier_start(char: str) -> bool:
    return char == "_" or ("a" <= char <= "z") or ("A" <= char <= "Z")


def _integer(spelling: str) -> IntegerLiteral | None:
    lower = spelling.lower()
    body = lower.rstrip("ul")
    suffix = lower[len(body) :]
    if suffix.count("u") > 1 or suffix.replace("u", "") not in ("", "l", "ll"):
        return None
    try:
        if body.startswith("0x"):
            value, decimal = int(body, 16), False
        elif body.startswith("0b"):
            value, decimal = int(body, 2), False
        elif body.startswith("0") and len(body) > 1:
            value, decimal = int(body[1:], 8), False
        else:
            value, decimal = int(body, 10), True
    except ValueError:
        return None
    if "_" in body:
        return None
    return IntegerLiteral(value, "u" in suffix, suffix.count("l"), decimal)


def _float(spelling: str) -> FloatLiteral | None:
    lower = spelling.lower()
    single = lower.endswith("f") and not lower.startswith("0x")
    body = lower[:-1] if single or lower.endswith("l") else lower
    if "_" in body or not any(c in body for c in ".e") or "inf" in body or "nan" in body:
        return None
    try:
        value = float(body)
    except ValueError:
        return None
    return FloatLiteral(round_to_single(value) if single else value, single)


def round_to_single(value: float) -> float:
    """``value`` as the nearest IEEE single would hold it."""
    try:
        return struct.unpack("<f", struct.pack("<f", value))[0]
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")
