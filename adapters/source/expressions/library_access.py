"""The evaluator's way into library views: ``v[1]``, ``m["key"]``, ``*p``, ``p->x``,
``rc.field`` and ``v.len()`` on containers, strings and smart pointers, through the
formatters that show them (``adapters/source/formatters/access.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from adapters.source.expressions.errors import ExpressionError
from adapters.source.expressions.interface import CType, TypedValue
from adapters.source.formatters import FormatterError, Formatters, access
from adapters.source.frame_context import FrameContext
from adapters.source.locations import ImplicitLocation, Location, LocationUnavailable, MemoryLocation
from adapters.source.types import Type
from adapters.source.value_object import ValueObject
from adapters.wasm.debuggee import DebuggeeError

Answer = TypeVar("Answer")


class LibraryAccess:
    """Library views of the values of one paused frame."""

    def __init__(self, formatters: Formatters, frame: FrameContext, as_ctype: Callable[[Type], CType]) -> None:
        self._formatters = formatters
        self._frame = frame
        self._as_ctype = as_ctype  # the DWARF binding's own wrapper of a model type

    def index(self, value: TypedValue, key: access.Key) -> TypedValue | None:
        return self._run(value, lambda found: access.index(self._formatters, found, key))

    def target(self, value: TypedValue) -> TypedValue | None:
        return self._run(value, lambda found: access.target(self._formatters, found))

    def length(self, value: TypedValue) -> int | None:
        return self._ask(value, access.length)

    def text(self, value: TypedValue) -> bytes | None:
        return self._ask(value, access.text)

    def _ask(self, value: TypedValue, question: Callable[[Formatters, ValueObject], Answer | None]) -> Answer | None:
        found = self._value_object(value)
        if found is None:
            return None
        try:
            return question(self._formatters, found)
        except (access.AccessError, FormatterError, LocationUnavailable, DebuggeeError) as error:
            raise ExpressionError(str(error)) from error

    def _run(self, value: TypedValue, step: Callable[[ValueObject], ValueObject | None]) -> TypedValue | None:
        found = self._value_object(value)
        if found is None:
            return None
        try:
            result = step(found)
        except (access.AccessError, FormatterError, LocationUnavailable, DebuggeeError) as error:
            raise ExpressionError(str(error)) from error
        return self._typed(result) if result is not None else None

    def _value_object(self, value: TypedValue) -> ValueObject | None:
        model: Type | None = getattr(value.type, "model", None)  # a DwarfType's type
        if model is None:
            return None
        location: Location
        if value.address is not None:
            location = MemoryLocation(value.address)
        elif isinstance(value.place, Location):
            location = value.place
        elif value.data is not None:
            location = ImplicitLocation(value.data)
        else:
            return None
        return ValueObject(model, location, self._frame)

    def _typed(self, value: ValueObject) -> TypedValue:
        ctype = self._as_ctype(value.type)
        if value.bits is not None:  # a vector<bool> element: one bit
            return TypedValue(ctype, value.integer().to_bytes(max(value.type.size, 1), "little"))
        if value.address is not None:
            return TypedValue(ctype, address=value.address, place=value.location)
        try:
            return TypedValue(ctype, value.read(), place=value.location)
        except LocationUnavailable as error:
            raise ExpressionError(str(error)) from error
