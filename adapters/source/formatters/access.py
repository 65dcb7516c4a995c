"""What expressions reach through library views: ``v[1]``, ``map["key"]``, ``*p``,
``p->x``, ``rc.field`` and ``v.len()``, answered from the same formatters that show them."""

from __future__ import annotations

from adapters.source.formatters import Formatters
from adapters.source.formatters.text import quote
from adapters.source.formatters.views import AliasView, MapView, SequenceView, TextView, View, WrapperView
from adapters.source.types import BaseType, EnumType
from adapters.source.value_object import ValueObject

Key = int | bytes  # an integer index or key, or a string literal's bytes


class AccessError(Exception):
    """The view exists but does not have what was asked (an index out of bounds, no such key)."""


def _view(formatters: Formatters, value: ValueObject) -> View | None:
    view = formatters.view(value, None)
    while isinstance(view, AliasView) and view.value is not None:  # Cell<Vec<T>> indexes like the Vec
        inner = formatters.view(view.value, None)
        if inner is None:
            break
        view = inner
    return view


def index(formatters: Formatters, value: ValueObject, key: Key) -> ValueObject | None:
    """The element ``value[key]`` of a sequence or map view, None when ``value`` has none."""
    view = _view(formatters, value)
    if isinstance(view, SequenceView) and isinstance(key, int):
        if not 0 <= key < view.count:
            raise AccessError(f"index {key} is out of bounds (the length is {view.count})")
        return view.element(key).value
    if isinstance(view, MapView):
        for i in range(view.count):
            entry_key, mapped = view.entry(i)
            if _same_key(formatters, entry_key, key):
                return mapped.value
        raise AccessError(f"no entry with the key {quote(key) if isinstance(key, bytes) else key}")
    if isinstance(view, TextView) and view.element is not None and view.length is not None and isinstance(key, int):
        if not 0 <= key < view.length:
            raise AccessError(f"index {key} is out of bounds (the length is {view.length})")
        return view.element(key)
    return None


def _same_key(formatters: Formatters, entry_key: ValueObject, key: Key) -> bool:
    if isinstance(key, int):
        return isinstance(entry_key.type.strip(), (BaseType, EnumType)) and entry_key.integer() == key
    view = _view(formatters, entry_key)
    return isinstance(view, TextView) and view.text in (quote(key), quote(key, rust=True))


def target(formatters: Formatters, value: ValueObject) -> ValueObject | None:
    """What a smart pointer (``Box``, ``Rc``, ``unique_ptr``...) owns: ``*p`` and ``p->x``."""
    view = _view(formatters, value)
    if isinstance(view, WrapperView):
        if view.target is None:
            raise AccessError(f"the {value.type.name} is {view.empty}")
        return view.target
    return None


def length(formatters: Formatters, value: ValueObject) -> int | None:
    """``len()``/``size()`` of a container or string view, None when ``value`` has none."""
    view = _view(formatters, value)
    if isinstance(view, WrapperView) and view.target is not None:  # rc.len() reaches through the Rc
        return length(formatters, view.target)
    if isinstance(view, (SequenceView, MapView)):
        return view.count
    if isinstance(view, TextView) and view.length is not None:
        return view.length
    return None


def text(formatters: Formatters, value: ValueObject) -> bytes | None:
    """The bytes of a string view (``std::string``, ``String``, ``&str``), None for other values."""
    view = _view(formatters, value)
    if not isinstance(view, TextView) or view.length is None or view.element is None:
        return None
    if view.length == 0:
        return b""
    first = view.element(0)
    return first.read(view.length) if first.type.size == 1 else None
