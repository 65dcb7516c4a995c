"""DAP ``hitCondition`` strings as the engine's (operator, count) pairs."""

from __future__ import annotations

import re

from adapters.source.expressions.errors import ExpressionError

_PATTERN = re.compile(r"\s*(>=|>|==|=|%)?\s*(\d+)\s*")


def parse_hit_condition(text: str) -> tuple[str, int]:
    """``5`` stops from the 5th hit on (like gdb's and LLDB's ignore counts);
    ``>= 5``, ``> 5``, ``== 5`` (or ``= 5``) and ``% 5`` (every 5th hit) as written."""
    match = _PATTERN.fullmatch(text)
    if match is None:
        raise ExpressionError(f"invalid hit condition {text!r}: expected a count, optionally after >=, >, == or %")
    operator, count = match.group(1) or ">=", int(match.group(2))
    if operator == "%" and count == 0:
        raise ExpressionError("hit condition '% 0' never matches")
    return ("==" if operator == "=" else operator), count
