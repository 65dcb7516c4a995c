"""What a formatter answers: how one value is shown (its summary) and what it expands to.

The renderer (``adapters/source/values.py``) turns these into DAP variables: a summary
line, and children the client pages through (``indexedVariables``, ``start``/``count``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from adapters.source.value_object import NamedValue, ValueObject


@dataclass(frozen=True)
class TextView:
    """Shown as this text, without children (strings); ``length`` and ``element`` let
    expressions take ``s.len()`` and ``s[0]``."""

    text: str
    length: int | None = None
    element: Callable[[int], ValueObject] | None = None


@dataclass(frozen=True)
class SequenceView:
    """``count`` elements, made one by one when asked for: ``Vec``, slices, ``std::vector``,
    sets. The summary is ``(count) prefix[e0, e1, ...]`` with ``brackets``."""

    count: int
    element: Callable[[int], NamedValue]
    prefix: str = ""
    brackets: str = "{}"


@dataclass(frozen=True)
class MapView:
    """``count`` entries of a map; ``entry(i)`` is (the key's value, the mapped value named
    ``[key]``). The summary is ``(count) {key: value, ...}``."""

    count: int
    entry: Callable[[int], tuple[ValueObject, NamedValue]]
    separator: str = ": "
    unique_keys: bool = True  # False (multimaps): children are named ``[i] key``, not ``[key]``


@dataclass(frozen=True)
class AliasView:
    """Shown as another value (a Zig optional's payload, a trait object's value), or
    ``text`` when there is none."""

    value: ValueObject | None
    text: str


@dataclass(frozen=True)
class FieldsView:
    """Fields under a label: a Rust struct (``Card { last4: "4242" }``), enum variant
    (``Some(3)``) or tuple (``(1, 2)``); ``positional`` ones print without names.
    ``note`` is added to the summary in parentheses (a ``RefCell``'s borrow state)."""

    label: str
    fields: tuple[NamedValue, ...]
    positional: bool
    note: str = ""


@dataclass(frozen=True)
class WrapperView:
    """A value that owns or wraps one other (``Rc``, ``RefCell``, ``unique_ptr``...): shown as
    that value, or ``empty`` when there is none; ``note`` (reference counts, borrow state)
    follows the summary and ``extras`` follow the wrapped value's children."""

    target: ValueObject | None
    target_path: str | None  # how an expression reaches the target (``*rc``, ``*p``)
    note: str = ""
    extras: tuple[NamedValue, ...] = ()
    empty: str = "null"
    arrow: bool = False  # the target's members are reached with ``->`` (C++ smart pointers)


View = TextView | SequenceView | MapView | AliasView | FieldsView | WrapperView
