"""Library views: how values of library and user types are shown, as LLDB's synthetic
children and summaries or gdb's Python pretty-printers do.

A ``Formatter`` matches a struct/class type by its name (a regular expression) and
language, and turns a value of it into a ``View`` (see ``views.py``): a summary and
children with evaluate names. The renderer asks ``Formatters.view`` before showing a
struct's raw members; the expression evaluator asks it to index, dereference and take
members through containers and smart pointers. User formatters (``load_user_formatters``)
come before the built-in ones for Rust std, libc++ and Zig std.
"""

from __future__ import annotations

import re

from adapters.source.formatters import libcxx, rust, zig
from adapters.source.formatters.base import Formatter, FormatterError, ViewFunction
from adapters.source.formatters.views import View
from adapters.source.locations import LocationUnavailable
from adapters.source.types import CompositeType
from adapters.source.value_object import ValueObject
from adapters.wasm.debuggee import DebuggeeError


class Formatters:
    """The formatters in force: the user's (first added wins) before the built-in ones."""

    def __init__(self, builtin: tuple[Formatter, ...] | None = None) -> None:
        self._builtin = (*rust.FORMATTERS, *libcxx.FORMATTERS, *zig.FORMATTERS) if builtin is None else builtin
        self._user: list[Formatter] = []
        self._matching: dict[CompositeType, tuple[Formatter, ...]] = {}  # types are made once per DIE

    def add(self, pattern: str, view: ViewFunction, language: str | None = None, name: str | None = None) -> None:
        """Show values of types whose name matches ``pattern`` with ``view`` (the user API)."""
        self._user.append(Formatter(name or pattern, re.compile(pattern), view, language))
        self._matching.clear()

    def _matching_formatters(self, composite: CompositeType) -> tuple[Formatter, ...]:
        if composite not in self._matching:
            every = (*self._user, *self._builtin)
            self._matching[composite] = tuple(formatter for formatter in every if formatter.matches(composite))
        return self._matching[composite]

    def view(self, value: ValueObject, path: str | None) -> View | None:
        """How ``value`` (a struct/class/union) is shown, or None for its raw members: the
        first matching formatter that does not decline (by answering None) decides."""
        composite = value.type.strip()
        if not isinstance(composite, CompositeType):
            return None
        for formatter in self._matching_formatters(composite):
            try:
                view = formatter.view(value, path)
            except (LocationUnavailable, DebuggeeError, FormatterError):
                raise
            except Exception as error:  # noqa: BLE001 - a formatter's bug must not pass for a value
                raise FormatterError(f"formatter {formatter.name} failed: {type(error).__name__}: {error}") from error
            if view is not None:
                return view
        return None
