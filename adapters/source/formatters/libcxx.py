"""libc++ views (``std::__1``): strings, containers, smart pointers, optional and variant.

Fields are found by name through libc++'s compressed pairs, anonymous structs and base
classes (``value["__size_"]``), so both the older ``__compressed_pair`` layout and the
current one read. Nodes of lists, trees and hash tables are not described in the DWARF
of every program: their value sits after the node's links, at the value type's
alignment. Written from the layouts in the DWARF; LLDB's libc++ formatters read for
which internals exist, nothing copied.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from adapters.source.formatters.base import FormatterError, formatters_for, index_path
from adapters.source.formatters.text import STRING_LIMIT, decode_wide, quote
from adapters.source.formatters.views import AliasView, FieldsView, MapView, SequenceView, TextView, View, WrapperView
from adapters.source.types import (
    ATE_BOOLEAN,
    LANG_CPP,
    POINTER_SIZE,
    ArrayType,
    BaseType,
    CompositeType,
    Type,
)
from adapters.source.value_object import NamedValue, ValueObject

ELEMENT_LIMIT = 100_000
_BOOL = BaseType("bool", 1, ATE_BOOLEAN)
_STD = r"^std::__1::"


def alignment(value_type: Type) -> int:
    """A type's alignment, from its scalars (DWARF rarely says it)."""
    stripped = value_type.strip()
    if isinstance(stripped, CompositeType):
        return max((alignment(m.type) for m in stripped.members if not m.is_base or m.type.size), default=1)
    if isinstance(stripped, ArrayType):
        return alignment(stripped.element)
    return max(1, min(stripped.size, 8))


def _align(offset: int, to: int) -> int:
    return (offset + to - 1) // to * to


def _argument(value: ValueObject, index: int) -> Type:
    arguments = value.composite().template_arguments
    if len(arguments) <= index:
        raise FormatterError(f"{value.type.name} has no template argument {index}")
    return arguments[index]


def _word(value: ValueObject, address: int) -> int:
    return int.from_bytes(value.context.read_memory(address, POINTER_SIZE), "little")


def _string_parts(value: ValueObject) -> tuple[ValueObject, Type, int]:
    """(first character, character type, length) of a ``std::basic_string``: its characters
    sit in the object while short, else behind ``__l.__data_``; the bit ``__is_long_``,
    shared by both forms, says which."""
    rep = value["__rep_"]
    short, long = rep["__s"], rep["__l"]
    if short["__is_long_"].integer():
        data = long["__data_"]
        element = data.pointer().target
        return data.at(data.integer(), element), element, long["__size_"].integer()
    characters = short["__data_"]
    array = characters.type.strip()
    assert isinstance(array, ArrayType)
    return characters, array.element, short["__size_"].integer()


def _text(characters: ValueObject, element: Type, length: int) -> TextView:
    return TextView(_characters(characters, element, length), length, lambda i: characters.element(element, i))


def _characters(characters: ValueObject, element: Type, length: int) -> str:
    width = max(element.size, 1)
    shown = min(length, STRING_LIMIT // width)
    data = characters.read(shown * width) if shown else b""
    text = quote(data) if width == 1 else quote(decode_wide(data, width).encode())
    character = element.strip()
    kind = character.base_name if isinstance(character, BaseType) else ""
    prefix = {"wchar_t": "L", "char16_t": "u", "char32_t": "U"}.get(kind, "")
    return prefix + text + ("..." if length > shown else "")


def string_view(value: ValueObject, path: str | None) -> View:
    return _text(*_string_parts(value))


def string_view_view(value: ValueObject, path: str | None) -> View:
    data = value["__data_"] if value.has("__data_") else value["__data"]
    length = (value["__size_"] if value.has("__size_") else value["__size"]).integer()
    element = data.pointer().target
    return _text(data.at(data.integer(), element), element, length)


def _contiguous(value: ValueObject, address: int, count: int, element: Type, path: str | None) -> SequenceView:
    count = max(0, min(count, ELEMENT_LIMIT))
    base = value.at(address, element)
    return SequenceView(count, lambda i: NamedValue(f"[{i}]", base.element(element, i), index_path(path, i)))


def vector_view(value: ValueObject, path: str | None) -> View:
    begin, end = value["__begin_"], value["__end_"]
    element = begin.pointer().target
    address = begin.integer()
    count = (end.integer() - address) // element.size if element.size else 0
    return _contiguous(value, address, count, element, path)


def vector_bool_view(value: ValueObject, path: str | None) -> View:
    """``vector<bool>`` packs its elements into words, least significant bit first."""
    address, count = value["__begin_"].integer(), min(value["__size_"].integer(), ELEMENT_LIMIT)

    def bit(i: int) -> NamedValue:
        byte = value.at(address + i // 8, _BOOL)
        return NamedValue(f"[{i}]", ValueObject(_BOOL, byte.location, value.context, (i % 8, 1)), None)

    return SequenceView(count, bit)


def array_view(value: ValueObject, path: str | None) -> View:
    elements = value["__elems_"]
    array = elements.type.strip()
    if not isinstance(array, ArrayType):  # std::array<T, 0>
        return SequenceView(0, lambda i: NamedValue("", value))
    return SequenceView(
        array.count, lambda i: NamedValue(f"[{i}]", elements.element(array.element, i), index_path(path, i))
    )


def span_view(value: ValueObject, path: str | None) -> View | None:
    if not value.has("__size_"):
        return None  # a span of static extent: its size is a template value argument
    data = value["__data_"]
    return _contiguous(value, data.integer(), value["__size_"].integer(), data.pointer().target, path)


def deque_view(value: ValueObject, path: str | None) -> View:
    """Blocks of ``4096 / sizeof(T)`` elements (at least 16), listed by ``__map_``."""
    element = _argument(value, 0)
    block = max(16, 4096 // element.size) if element.size < 256 else 16
    blocks = value["__map_"]["__begin_"].integer()
    start, count = value["__start_"].integer(), min(value["__size_"].integer(), ELEMENT_LIMIT)

    def element_at(i: int) -> NamedValue:
        position = start + i
        block_address = _word(value, blocks + POINTER_SIZE * (position // block))
        return NamedValue(
            f"[{i}]", value.at(block_address + (position % block) * element.size, element), index_path(path, i)
        )

    return SequenceView(count, element_at)


def _linked(
    value: ValueObject, first: int, end: int, links: int, next_at: int, element: Type, limit: int = ELEMENT_LIMIT
) -> list[ValueObject]:
    """Values of a linked list's nodes (at most ``limit``, its size when it has one): ``links``
    bytes of pointers (the next node's at ``next_at``), then the value."""
    offset = _align(links, alignment(element))
    found, node = [], first
    while node not in (0, end) and len(found) < min(limit, ELEMENT_LIMIT):
        found.append(value.at(node + offset, element))
        node = _word(value, node + next_at)
    return found


def list_view(value: ValueObject, path: str | None) -> View:
    element = _argument(value, 0)
    end = value["__end_"]
    first, size = end["__next_"].integer(), value["__size_"].integer()
    nodes = _linked(value, first, end.address or 0, 2 * POINTER_SIZE, POINTER_SIZE, element, size)
    return SequenceView(len(nodes), lambda i: NamedValue(f"[{i}]", nodes[i], None))


def forward_list_view(value: ValueObject, path: str | None) -> View:
    element = _argument(value, 0)
    first = value["__before_begin_"]["__next_"].integer()
    nodes = _linked(value, first, 0, POINTER_SIZE, 0, element)
    return SequenceView(len(nodes), lambda i: NamedValue(f"[{i}]", nodes[i], None))


def _tree_nodes(value: ValueObject) -> Iterator[int]:
    """A red-black tree's ``__size_`` nodes in order (``__left_``, ``__right_``, ``__parent_``,
    colour); links that lead further (an uninitialised tree) end the walk with an error."""
    tree = value["__tree_"]
    size = min(tree["__size_"].integer(), ELEMENT_LIMIT)
    stack: list[int] = []
    node = tree["__end_node_"]["__left_"].integer()
    for _ in range(size):
        while node:
            stack.append(node)
            if len(stack) > size:
                raise FormatterError(f"the tree's links do not hold its {size} nodes")
            node = _word(value, node)
        if not stack:
            raise FormatterError(f"the tree's links do not hold its {size} nodes")
        node = stack.pop()
        yield node
        node = _word(value, node + POINTER_SIZE)


def _associative(value: ValueObject, addresses: list[int], key: Type, mapped: Type | None, unique: bool) -> View:
    """A set's keys or a map's ``pair<const K, V>`` entries, stored at ``addresses`` in nodes."""
    if mapped is None:
        return SequenceView(len(addresses), lambda i: NamedValue(f"[{i}]", value.at(addresses[i], key), None))
    mapped_offset = _align(key.size, alignment(mapped))

    def entry(i: int) -> tuple[ValueObject, NamedValue]:
        return value.at(addresses[i], key), NamedValue("", value.at(addresses[i] + mapped_offset, mapped))

    return MapView(len(addresses), entry, " = ", unique)


def tree_view(value: ValueObject, path: str | None) -> View:
    name = value.type.strip().name or ""
    key = _argument(value, 0)
    is_map = re.match(_STD + r"(multi)?map<", name) is not None
    mapped = _argument(value, 1) if is_map else None
    links = 3 * POINTER_SIZE + 1  # __left_, __right_, __parent_, __is_black_
    stored = max(alignment(key), alignment(mapped) if mapped is not None else 1)
    offsets = [node + _align(links, stored) for node in _tree_nodes(value)]
    return _associative(value, offsets, key, mapped, unique=not name.startswith("std::__1::multimap<"))


def hash_view(value: ValueObject, path: str | None) -> View:
    """``unordered_map``/``unordered_set``: a singly linked list of ``__next_``, ``__hash_``, value."""
    name = value.type.strip().name or ""
    key = _argument(value, 0)
    is_map = re.match(_STD + r"unordered_(multi)?map<", name) is not None
    mapped = _argument(value, 1) if is_map else None
    table = value["__table_"]
    stored = max(alignment(key), alignment(mapped) if mapped is not None else 1)
    offset = _align(2 * POINTER_SIZE, stored)
    nodes, node = [], table["__first_node_"]["__next_"].integer()
    size = min(table["__size_"].integer(), ELEMENT_LIMIT)
    while node and len(nodes) < size:
        nodes.append(node + offset)
        node = _word(value, node)
    return _associative(value, nodes, key, mapped, unique=not name.startswith("std::__1::unordered_multimap<"))


def unique_ptr_view(value: ValueObject, path: str | None) -> View:
    return WrapperView(value["__ptr_"].pointee(), f"*{path}" if path else None, arrow=True, empty="nullptr")


def shared_ptr_view(value: ValueObject, path: str | None) -> View:
    """``shared_ptr``/``weak_ptr`` with its counts as LLDB shows them (``__shared_owners_`` + 1)."""
    control = value["__cntrl_"].pointee()
    if control is None:
        return WrapperView(None, None, empty="nullptr")
    owners, weak_owners = control["__shared_owners_"], control["__shared_weak_owners_"]
    strong = owners.integer() + 1  # libc++ counts owners and weak owners from 0 ...
    weak = weak_owners.integer() + 1 - (1 if strong > 0 else 0)  # ... and all owners as one weak owner
    counts = (NamedValue("strong", owners.constant(strong)), NamedValue("weak", weak_owners.constant(weak)))
    target = value["__ptr_"].pointee() if strong > 0 else None
    is_weak = name_of(value).startswith("std::__1::weak_ptr<")
    return WrapperView(
        target, None if is_weak or path is None else f"*{path}", f"strong={strong}, weak={weak}", counts,
        empty="expired", arrow=True,
    )  # fmt: skip


def name_of(value: ValueObject) -> str:
    return value.type.strip().name or ""


def optional_view(value: ValueObject, path: str | None) -> View:
    engaged = value["__engaged_"].integer() != 0
    return AliasView(value["__val_"] if engaged else None, "nullopt")


def variant_view(value: ValueObject, path: str | None) -> View:
    implementation = value["__impl_"]
    index = implementation["__index"].integer()
    data = implementation["__data"]
    if index == 0xFFFFFFFF:
        return TextView("valueless_by_exception")
    for _ in range(index):
        data = data["__tail"]
    return AliasView(data["__head"]["__value"], "")


def tuple_view(value: ValueObject, path: str | None) -> View:
    leaves = [m for m in value["__base_"].composite().members if m.is_base or m.name is None]
    base = value["__base_"]
    fields = tuple(NamedValue(f"[{i}]", base.member(leaf)["__value_"], None) for i, leaf in enumerate(leaves))
    return FieldsView("", fields, positional=True)


def _string(value: ValueObject, path: str | None) -> View | None:
    return string_view(value, path) if value.has("__rep_") else None


FORMATTERS = formatters_for(
    LANG_CPP,
    ("std::string", _STD + r"basic_string<", _string),
    ("std::string_view", _STD + r"basic_string_view<", string_view_view),
    ("std::vector<bool>", _STD + r"vector<bool,", vector_bool_view),
    ("std::vector", _STD + r"vector<", vector_view),
    ("std::array", _STD + r"array<", array_view),
    ("std::span", _STD + r"span<", span_view),
    ("std::deque", _STD + r"deque<", deque_view),
    ("std::list", _STD + r"list<", list_view),
    ("std::forward_list", _STD + r"forward_list<", forward_list_view),
    ("std::map", _STD + r"(multi)?(map|set)<", tree_view),
    ("std::unordered_map", _STD + r"unordered_(multi)?(map|set)<", hash_view),
    ("std::unique_ptr", _STD + r"unique_ptr<", unique_ptr_view),
    ("std::shared_ptr", _STD + r"(shared|weak)_ptr<", shared_ptr_view),
    ("std::optional", _STD + r"optional<", optional_view),
    ("std::variant", _STD + r"variant<", variant_view),
    ("std::tuple", _STD + r"tuple<", tuple_view),
)
