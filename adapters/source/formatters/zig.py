"""Zig views: slices (strings when of bytes), optionals, error unions, ``std.ArrayList`` and
``std.HashMap``; layouts of Zig 0.17 (the ``ziglang`` package)."""

from __future__ import annotations

from adapters.source.formatters.base import formatters_for, index_path
from adapters.source.formatters.text import counted_string
from adapters.source.formatters.views import AliasView, MapView, SequenceView, TextView, View
from adapters.source.types import LANG_ZIG, BaseType, CompositeType
from adapters.source.value_object import NamedValue, ValueObject

ELEMENT_LIMIT = 100_000


def _member_names(value: ValueObject) -> set[str | None]:
    return {member.name for member in value.composite().members}


def _is_byte(value: ValueObject) -> bool:
    target = value.pointer().target.strip()
    return isinstance(target, BaseType) and target.size == 1 and target.name in ("u8", "i8", "char")


def _elements(slice_value: ValueObject, path: str | None) -> SequenceView:
    pointer = slice_value["ptr"]
    element = pointer.pointer().target
    count = max(0, min(slice_value["len"].integer(), ELEMENT_LIMIT))
    base = slice_value.at(pointer.integer(), element)
    return SequenceView(count, lambda i: NamedValue(f"[{i}]", base.element(element, i), index_path(path, i)))


def slice_view(value: ValueObject, path: str | None) -> View | None:
    if _member_names(value) != {"ptr", "len"}:
        return None
    if _is_byte(value["ptr"]):
        address, length = value["ptr"].integer(), value["len"].integer()
        byte = value["ptr"].pointer().target
        base = value.at(address, byte)
        text = counted_string(value.context, address, length, rust=False)
        return TextView(text, length, lambda i: base.element(byte, i))
    return _elements(value, path)


def optional_view(value: ValueObject, path: str | None) -> View | None:
    if _member_names(value) != {"payload", "some"}:
        return None
    return AliasView(value["payload"] if value["some"].integer() else None, "null")


def error_union_view(value: ValueObject, path: str | None) -> View | None:
    """An error union shows its error when it holds one, else its payload."""
    if _member_names(value) != {"error", "payload"}:
        return None
    error = value["error"]
    return AliasView(error if error.integer() else value["payload"], "")


def array_list_view(value: ValueObject, path: str | None) -> View | None:
    if "items" not in _member_names(value):
        return None
    return _elements(value["items"], f"{path}.items" if path else None)


def hash_map_view(value: ValueObject, path: str | None) -> View | None:
    """``std.HashMap``/``AutoHashMap``/``StringHashMap`` (and their unmanaged ``Custom``): the
    keys and values arrays sit behind a ``Header`` just before the metadata bytes, one per
    slot, whose top bit marks a used slot."""
    table = value["unmanaged"] if value.has("unmanaged") else value
    header_type = table.composite().related_type(f"{table.type.strip().name}.Header")
    metadata = table["metadata"].integer()
    if header_type is None or not isinstance(header := header_type.strip(), CompositeType):
        return None
    if metadata == 0:
        return MapView(0, lambda i: (value, NamedValue("", value)))
    header_value = value.at(metadata - header.size, header)
    keys, values, capacity = header_value["keys"], header_value["values"], header_value["capacity"].integer()
    key_type, value_type = keys.pointer().target, values.pointer().target
    used = value.context.read_memory(metadata, min(capacity, ELEMENT_LIMIT))
    slots = [i for i, bits in enumerate(used) if bits & 0x80]
    first_key, first_value = keys.integer(), values.integer()

    def entry(i: int) -> tuple[ValueObject, NamedValue]:
        slot = slots[i]
        mapped = value.at(first_value + slot * value_type.size, value_type)
        return value.at(first_key + slot * key_type.size, key_type), NamedValue("", mapped)

    return MapView(len(slots), entry)


FORMATTERS = formatters_for(
    LANG_ZIG,
    ("slice", r"^\[\]", slice_view),
    ("optional", r"^\?", optional_view),
    ("error union", r"!", error_union_view),
    ("std.ArrayList", r"^array_list\.(ArrayList|Aligned)", array_list_view),
    ("std.HashMap", r"^hash_map\.(HashMap|Custom)\(", hash_map_view),
)
