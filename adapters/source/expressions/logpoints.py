"""Logpoint messages: text with ``{expression}`` parts, ``{{`` and ``}}`` for braces."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from adapters.source.expressions.errors import ExpressionError


@dataclass(frozen=True)
class Template:
    """A message split into literal text and expressions, alternating: text, expr, text..."""

    texts: tuple[str, ...]
    expressions: tuple[str, ...]


def parse_template(message: str) -> Template:
    texts: list[str] = []
    expressions: list[str] = []
    text: list[str] = []
    position = 0
    while position < len(message):
        char = message[position]
        if message.startswith("{{", position) or message.startswith("}}", position):
            text.append(char)
            position += 2
        elif char == "{":
            end = _closing_brace(message, position)
            texts.append("".join(text))
            expressions.append(message[position + 1 : end])
            text = []
            position = end + 1
        elif char == "}":
            raise ExpressionError("unmatched '}' in log message (write '}}' for a brace)", position + 1)
        else:
            text.append(char)
            position += 1
    texts.append("".join(text))
    return Template(tuple(texts), tuple(expressions))


def _closing_brace(message: str, start: int) -> int:
    """The '}' closing the '{' at ``start``; braces inside quotes do not count."""
    quote = None
    position = start + 1
    while position < len(message):
        char = message[position]
        if quote:
            if char == "\\":
                position += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "}":
            return position
        position += 1
    raise ExpressionError("unclosed '{' in log message", start + 1)


def format_message(template: Template, render: Callable[[str], str]) -> str:
    """The message with each expression replaced by ``render(expression)``; an
    expression that fails shows as ``<error: why>``."""
    parts = [template.texts[0]]
    for expression, text in zip(template.expressions, template.texts[1:], strict=True):
        try:
            parts.append(render(expression.strip()))
        except ExpressionError as error:
            parts.append(f"<error: {error}>")
        parts.append(text)
    return "".join(parts)
