"""A formatter: which types it shows (a name pattern and a language) and how (a view function)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from adapters.source.formatters.views import View
from adapters.source.types import CompositeType
from adapters.source.value_object import ValueObject

ViewFunction = Callable[[ValueObject, "str | None"], "View | None"]


class FormatterError(Exception):
    """A formatter could not make sense of a value (a layout it does not know)."""


@dataclass(frozen=True)
class Formatter:
    """Shows values whose type name matches ``pattern`` (and ``language``, when given)."""

    name: str
    pattern: re.Pattern[str]
    view: ViewFunction
    language: str | None = None

    def matches(self, composite: CompositeType) -> bool:
        if self.language is not None and composite.language != self.language:
            return False
        return self.pattern.search(composite.tag_name or "") is not None


def formatters_for(language: str, *entries: tuple[str, str, ViewFunction]) -> tuple[Formatter, ...]:
    """One language's formatters from (name, type name pattern, view function) entries."""
    return tuple(Formatter(name, re.compile(pattern), view, language) for name, pattern, view in entries)


def child_path(path: str | None, name: str) -> str | None:
    """How an expression names the member ``name`` of the value ``path`` names."""
    return f"{path}.{name}" if path is not None else None


def index_path(path: str | None, index: int | str) -> str | None:
    """How an expression names element ``index`` of the value ``path`` names."""
    return f"{path}[{index}]" if path is not None else None
