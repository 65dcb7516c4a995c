"""Short text for a scalar value, honouring display formats (``expr,x``).

The variables view renders values richly elsewhere; this is the compact form
logpoints and format suffixes need.
"""

from __future__ import annotations

from adapters.source.expressions.errors import ExpressionError
from adapters.source.expressions.evaluator import Evaluator
from adapters.source.expressions.interface import TypedValue, TypeKind
from adapters.source.expressions.parser import parse
from adapters.source.values import format_float

MAX_STRING = 256
_CHAR_NAMES = {0: "\\0", 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r"}


def render(value: TypedValue, evaluator: Evaluator, display_format: str | None = None) -> str:
    type_ = value.type
    if type_.kind is TypeKind.ARRAY and _is_char(type_.target):
        return _quote(_until_nul(evaluator.bytes_of(value)))
    if type_.kind in (TypeKind.STRUCT, TypeKind.UNION, TypeKind.ARRAY, TypeKind.FUNCTION, TypeKind.OTHER):
        return "{...}"
    number = evaluator.number(value)
    if display_format == "string" and type_.kind is TypeKind.POINTER:
        return _quote(_read_string(evaluator, int(number)))
    if isinstance(number, float):
        return format_float(number, type_.size)
    if display_format in ("hex", "octal", "binary"):
        unsigned = number & ((1 << (8 * type_.size)) - 1)
        return {"hex": hex, "octal": oct, "binary": bin}[display_format](unsigned)
    if display_format == "decimal":
        return str(number)
    if type_.kind is TypeKind.POINTER:
        return f"0x{number:08x}"
    if type_.kind is TypeKind.BOOL:
        return "true" if number else "false"
    if display_format == "char" or _is_char(type_):
        return f"{number} {_char(number)}"
    return str(number)


def _is_char(type_) -> bool:
    return type_ is not None and type_.kind is TypeKind.INTEGER and type_.size == 1 and "char" in type_.name


def _char(code: int) -> str:
    code &= 0xFF
    if code in _CHAR_NAMES:
        return f"'{_CHAR_NAMES[code]}'"
    if code == 0x27 or code == 0x5C:
        return f"'\\{chr(code)}'"
    return f"'{chr(code)}'" if 0x20 <= code < 0x7F else f"'\\x{code:02x}'"


def _until_nul(data: bytes) -> bytes:
    end = data.find(b"\0")
    return data if end < 0 else data[:end]


def _read_string(evaluator: Evaluator, address: int) -> bytes:
    data = b""
    while len(data) < MAX_STRING:
        try:
            chunk = evaluator.context.read_memory(address + len(data), 16)
        except ExpressionError:
            break
        data += chunk
        if b"\0" in chunk:
            break
    return _until_nul(data)[:MAX_STRING]


def _quote(data: bytes) -> str:
    text = data.decode("utf-8", errors="backslashreplace")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def render_expression(text: str, evaluator: Evaluator) -> str:
    """Evaluate ``text`` (with its ``,x``-style format) and render the result."""
    expression = parse(text, evaluator.is_type_name)
    return render(evaluator.evaluate(expression), evaluator, expression.format)
