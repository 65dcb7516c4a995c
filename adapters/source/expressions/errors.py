"""The one error type the expression language raises."""

from __future__ import annotations

from adapters.source.model import UserError


class ExpressionError(UserError):
    """An expression could not be parsed or evaluated.

    ``column`` is 1-based and points into the expression text; it is None when the
    failure is not tied to a place in the text (e.g. unreadable memory).
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        self.message = message
        self.column = column
        super().__init__(f"{message} at column {column}" if column is not None else message)
