"""Completion candidates for the debug console: variables in scope, members after ``.``/``->``."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.source.expressions.errors import ExpressionError
from adapters.source.expressions.evaluator import Evaluator
from adapters.source.expressions.interface import EvaluationContext, TypeKind

_CLOSERS = {")": "(", "]": "["}


@dataclass(frozen=True)
class Completion:
    label: str
    start: int  # 0-based offset in the text of the word being completed
    length: int  # how many characters of it are already typed


def complete(text: str, cursor: int, context: EvaluationContext) -> list[Completion]:
    """Candidates for the word ending at ``cursor`` (a 0-based offset into ``text``).

    The operand before ``.``/``->`` is evaluated without assignment, so completing
    never changes the program."""
    cursor = max(0, min(cursor, len(text)))
    start = cursor
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        start -= 1
    prefix = text[start:cursor]
    before = text[:start].rstrip()
    if before.endswith((".", "->")):
        arrow = before.endswith("->")
        names = _member_names(before[: -2 if arrow else -1], arrow, Evaluator(context))
    else:
        names = context.names()
    return [Completion(name, start, len(prefix)) for name in sorted(set(names)) if name.startswith(prefix)]


def _member_names(before: str, arrow: bool, evaluator: Evaluator) -> list[str]:
    target = _trailing_operand(before)
    if not target:
        return []
    try:
        value = evaluator.evaluate(target)
        record = value.type.target if arrow else value.type
    except ExpressionError:
        return []
    if record is None or record.kind not in (TypeKind.STRUCT, TypeKind.UNION):
        return []
    return evaluator.context.field_names(record)


def _trailing_operand(text: str) -> str:
    """The postfix expression ``text`` ends with (``a.b[i]->c`` in ``x + a.b[i]->c``)."""
    position = len(text)
    while position > 0:
        char = text[position - 1]
        if char in _CLOSERS:
            opening = _matching_open(text, position - 1)
            if opening is None:
                return ""
            position = opening
        elif char.isalnum() or char in "_$":
            position -= 1
        elif text.endswith("->", 0, position) or text.endswith("::", 0, position):
            position -= 2
        elif char == ".":
            position -= 1
        else:
            break
    return text[position:].strip()


def _matching_open(text: str, close: int) -> int | None:
    depth = 0
    for position in range(close, -1, -1):
        if text[position] in _CLOSERS:
            depth += 1
        elif text[position] in _CLOSERS.values():
            depth -= 1
            if depth == 0:
                return position
    return None
