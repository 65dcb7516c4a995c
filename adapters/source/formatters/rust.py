"""Rust standard-library views, in Rust's own syntax (``vec![1, 2]``, ``Some("x")``,
``Card { last4: "4242" }``).

Layouts read are those of rustc 1.63 (Debian's wasm32-wasi std) and of current Rust
(1.96): where they differ (``RawVec``'s untyped pointer, ``VecDeque``'s head and length,
``RcInner``) the element type is taken from the generic arguments and fields are found
by name. Written from the layouts in the DWARF; CodeLLDB's and rust-gdb's printers read
for which internals exist, nothing copied.
"""

from __future__ import annotations

from collections.abc import Iterator

from adapters.source.formatters.base import FormatterError, child_path, formatters_for, index_path
from adapters.source.formatters.text import counted_string
from adapters.source.formatters.views import (
    AliasView,
    FieldsView,
    MapView,
    SequenceView,
    TextView,
    View,
    WrapperView,
)
from adapters.source.locations import LocationUnavailable
from adapters.source.types import LANG_RUST, CompositeType, Member, PointerType, Type
from adapters.source.value_object import NamedValue, ValueObject

ELEMENT_LIMIT = 100_000  # elements of a container offered as children
_MAX_HASH_BUCKETS = 1 << 24
_BTREE_CAPACITY = 11  # keys in a node: 2 * B - 1, B = 6
_MAX_BTREE_HEIGHT = 32


def is_positional(member: Member) -> bool:
    return bool(member.name) and member.name.startswith("__") and member.name[2:].isdigit()


def _short_name(type_name: str) -> str:
    """``std_views::Card`` -> ``Card``; ``core::option::Option<i32>::Some`` -> ``Some``."""
    depth, outside = 0, []
    for char in type_name:
        depth += (char == "<") - (char == ">")
        if depth == 0 and char != ">":
            outside.append(char)
    return "".join(outside).rsplit("::", 1)[-1]


def _argument(value: ValueObject, index: int = 0) -> Type:
    arguments = value.composite().template_arguments
    if len(arguments) <= index:
        raise FormatterError(f"{value.type.name} has no generic argument {index}")
    return arguments[index]


def _descendant(value: ValueObject, prefix: str) -> ValueObject:
    """The first member (searched depth first) whose type name starts with ``prefix``."""
    for member in value.composite().members:
        child = value.member(member)
        stripped = member.type.strip()
        if (stripped.name or "").startswith(prefix):
            return child
        if isinstance(stripped, CompositeType):
            try:
                return _descendant(child, prefix)
            except LocationUnavailable:
                continue
    raise LocationUnavailable(f"no {prefix}... in {value.type.name}")


def _first_pointer(value: ValueObject) -> int:
    """The address in the first pointer inside ``value`` (``buf.ptr.pointer``...)."""
    for member in value.composite().members:
        stripped = member.type.strip()
        if isinstance(stripped, PointerType):
            return value.member(member).integer()
        if isinstance(stripped, CompositeType) and member.name not in ("len", "length", "cap"):
            try:
                return _first_pointer(value.member(member))
            except LocationUnavailable:
                continue
    raise LocationUnavailable(f"no data pointer in {value.type.name}")


def _capacity(raw_vec: ValueObject) -> int:
    """``RawVec``'s capacity: ``cap`` (1.63) or ``inner.cap`` (a ``Cap`` wrapper, 1.96)."""
    inner = raw_vec["inner"] if raw_vec.has("inner") else raw_vec
    return inner["cap"].integer()


def buffer(value: ValueObject) -> tuple[int, int, Type]:
    """(address, length, element type) of a ``Vec``'s, slice's or ``str``'s elements."""
    if value.has("buf"):  # Vec<T>, String's vec
        element = _argument(value)
        return _first_pointer(value["buf"]), value["len"].integer(), element
    if value.has("vec"):  # String
        address, length, _ = buffer(value["vec"])
        return address, length, _argument(value["vec"])
    pointer_member = next(m for m in value.composite().members if isinstance(m.type.strip(), PointerType))
    pointer = pointer_member.type.strip()
    assert isinstance(pointer, PointerType)
    length = value["length"] if value.has("length") else value["len"]
    return value.member(pointer_member).integer(), length.integer(), pointer.target


def _sequence(value: ValueObject, path: str | None, prefix: str, brackets: str) -> SequenceView:
    address, count, element = buffer(value)
    count = max(0, min(count, ELEMENT_LIMIT))
    base = value.at(address, element)
    return SequenceView(
        count, lambda i: NamedValue(f"[{i}]", base.element(element, i), index_path(path, i)), prefix, brackets
    )


def string_view(value: ValueObject, path: str | None) -> View:
    address, length, element = buffer(value)
    base = value.at(address, element)
    return TextView(
        counted_string(value.context, address, length, rust=True), length, lambda i: base.element(element, i)
    )


def vec_view(value: ValueObject, path: str | None) -> View:
    return _sequence(value, path, "vec!", "[]")


def slice_view(value: ValueObject, path: str | None) -> View:
    return _sequence(value, path, "&", "[]")


def vec_deque_view(value: ValueObject, path: str | None) -> View:
    element = _argument(value)
    raw_vec = value["buf"]
    address, capacity = _first_pointer(raw_vec), _capacity(raw_vec)
    if value.has("tail"):  # 1.63: a ring between tail and head, capacity a power of two
        start = value["tail"].integer()
        count = (value["head"].integer() - start) & (capacity - 1) if capacity else 0
    else:  # current: head and len
        start, count = value["head"].integer(), value["len"].integer()
    base = value.at(address, element)
    count = max(0, min(count, ELEMENT_LIMIT))

    def element_at(i: int) -> NamedValue:
        return NamedValue(f"[{i}]", base.element(element, (start + i) % capacity), index_path(path, i))

    return SequenceView(count, element_at, "", "[]")


def _hash_buckets(value: ValueObject) -> tuple[list[ValueObject], Type]:
    """The full buckets of a hashbrown table inside a ``HashMap``/``HashSet`` and their type."""
    table = _descendant(value, "hashbrown::raw::RawTable<")
    element = _argument(table)
    inner = table["table"]
    items, mask = inner["items"].integer(), inner["bucket_mask"].integer()
    if items == 0:
        return [], element
    if mask >= _MAX_HASH_BUCKETS:
        raise FormatterError(f"a hash table of {mask + 1} buckets is not believable")
    ctrl = inner["ctrl"].integer()
    control = value.context.read_memory(ctrl, mask + 1)
    full = [i for i, byte in enumerate(control) if byte & 0x80 == 0][:ELEMENT_LIMIT]
    return [value.at(ctrl - (i + 1) * element.size, element) for i in full], element


def _tuple_field(pair: ValueObject, index: int) -> ValueObject:
    return pair[f"__{index}"]


def hash_map_view(value: ValueObject, path: str | None) -> View:
    buckets, _ = _hash_buckets(value)
    if (value.type.strip().name or "").startswith("std::collections::hash::set::"):
        return SequenceView(len(buckets), lambda i: NamedValue(f"[{i}]", _tuple_field(buckets[i], 0), None), "", "{}")
    return MapView(len(buckets), lambda i: (_tuple_field(buckets[i], 0), NamedValue("", _tuple_field(buckets[i], 1))))


def _btree_entries(value: ValueObject) -> Iterator[tuple[ValueObject, ValueObject | None]]:
    """A ``BTreeMap``'s (key, value) pairs in order, walking its nodes (``value`` None for sets)."""
    key_type, value_type = _argument(value, 0), _argument(value, 1)
    root = value["root"]
    some = _variant_value(root)
    if some is None or value["length"].integer() == 0:
        return
    node_ref = some["__0"]
    height, node = node_ref["height"].integer(), node_ref["node"].integer()
    if height > _MAX_BTREE_HEIGHT:
        raise FormatterError(f"a B-tree of height {height} is not believable")
    leaf = node_ref["node"].pointer().target.strip()
    if not isinstance(leaf, CompositeType):
        raise FormatterError("a BTreeMap node without a described layout")
    keys, vals, length = (next(m for m in leaf.members if m.name == name) for name in ("keys", "vals", "len"))
    edges_offset = leaf.size  # InternalNode { data: LeafNode, edges: [..] }: edges right after the leaf
    zero_sized_value = value_type.size == 0

    def walk(address: int, level: int) -> Iterator[tuple[ValueObject, ValueObject | None]]:
        count = int.from_bytes(value.context.read_memory(address + length.offset, length.type.size), "little")
        if count > _BTREE_CAPACITY:
            raise FormatterError(f"a B-tree node of {count} keys is not believable")
        for i in range(count + 1):
            if level > 0:
                edge = int.from_bytes(value.context.read_memory(address + edges_offset + 4 * i, 4), "little")
                yield from walk(edge, level - 1)
            if i < count:
                key = value.at(address + keys.offset + i * key_type.size, key_type)
                mapped = None if zero_sized_value else value.at(address + vals.offset + i * value_type.size, value_type)
                yield key, mapped

    yield from walk(node, height)


def btree_view(value: ValueObject, path: str | None) -> View:
    name = value.type.strip().name or ""
    if name.startswith("alloc::collections::btree::set::"):
        entries = list(_limited(_btree_entries(value["map"])))
        return SequenceView(len(entries), lambda i: NamedValue(f"[{i}]", entries[i][0], None), "", "{}")
    entries = list(_limited(_btree_entries(value)))
    return MapView(len(entries), lambda i: (entries[i][0], NamedValue("", entries[i][1])))  # type: ignore[arg-type]


def _limited(
    entries: Iterator[tuple[ValueObject, ValueObject | None]],
) -> Iterator[tuple[ValueObject, ValueObject | None]]:
    for count, entry in enumerate(entries):
        if count >= ELEMENT_LIMIT:
            return
        yield entry


def rc_view(value: ValueObject, path: str | None) -> View:
    """``Rc``/``Arc``/``Weak``: the shared value with its strong and weak counts (the weak
    count as ``Rc::weak_count`` gives it, without the one all strong references share)."""
    inner = value["ptr"]
    address = inner.integer()
    if address in (0, 0xFFFFFFFF):  # Weak::new() points nowhere
        return WrapperView(None, None, empty="(dangling)")
    shared = inner.pointee()
    assert shared is not None
    strong_count, weak_count = shared["strong"].leaf(), shared["weak"].leaf()
    strong = strong_count.integer()
    weak = weak_count.integer() - (1 if strong else 0)
    target = shared["value"] if shared.has("value") else shared["data"]
    counts = (NamedValue("strong", strong_count), NamedValue("weak", weak_count.constant(weak)))
    note = f"strong={strong}, weak={weak}"
    if strong == 0:
        return WrapperView(None, None, note, counts, empty="(dropped)")
    is_weak = _short_name(value.type.strip().name or "") == "Weak"
    return WrapperView(target, None if is_weak or path is None else f"*{path}", note, counts)


def cell_view(value: ValueObject, path: str | None) -> View:
    return AliasView(value["value"]["value"], "")


def ref_cell_view(value: ValueObject, path: str | None) -> View:
    borrow = value["borrow"].integer()
    state = (
        "mutably borrowed" if borrow < 0 else f"borrowed {borrow} times" if borrow > 1 else "borrowed" if borrow else ""
    )
    return WrapperView(value["value"]["value"], None, state)


def mutex_view(value: ValueObject, path: str | None) -> View:
    poisoned = value["poison"]["failed"].integer() != 0
    return WrapperView(value["data"]["value"], None, "poisoned" if poisoned else "")


def borrow_view(value: ValueObject, path: str | None) -> View:
    """``Ref``/``RefMut``, what ``RefCell::borrow`` gives: the borrowed value."""
    return WrapperView(value["value"].pointee(), f"*{path}" if path else None)


def pointer_view(value: ValueObject, path: str | None) -> View:
    """``NonNull``/``Unique``: the pointer inside."""
    return AliasView(value["pointer"], "")


def inner_view(value: ValueObject, path: str | None) -> View | None:
    """``UnsafeCell``, atomics, ``ManuallyDrop``: the one value inside."""
    members = value.composite().members
    return AliasView(value.member(members[0]), "") if len(members) == 1 else None


def trait_object_view(value: ValueObject, path: str | None) -> View | None:
    """A trait object shows the value behind it, of the type its vtable belongs to (None, so
    its raw pointer and vtable, when that type is not described)."""
    composite = value.composite()
    implementer = composite.trait_object_implementer(value["vtable"].integer())
    if implementer is None:
        return None
    return AliasView(value.at(value["pointer"].integer(), implementer), "")


def fields(value: ValueObject, members: tuple[Member, ...] | list[Member], path: str | None) -> tuple[NamedValue, ...]:
    """Named children; positional fields ``__0``, ``__1`` are shown as ``0``, ``1``."""
    shown = []
    for member in members:
        if member.artificial or member.name is None:
            continue
        name = member.name.removeprefix("__") if is_positional(member) else member.name
        evaluate = child_path(path, name if is_positional(member) else member.name)
        shown.append(NamedValue(name, value.member(member), evaluate))
    return tuple(shown)


def _variant_value(value: ValueObject) -> ValueObject | None:
    """The payload struct of an enum's active variant, None for an unknown discriminant."""
    chosen = _active_variant(value)
    return value.member(chosen) if chosen is not None else None


def _active_variant(value: ValueObject) -> Member | None:
    part = value.composite().variant_part
    assert part is not None
    if part.discriminant is None:
        return part.variants[0].member if len(part.variants) == 1 else None
    discriminant = part.discriminant
    raw = int.from_bytes(value.member(discriminant).read(), "little")
    mask = (1 << (8 * discriminant.type.size)) - 1
    default = next((v for v in part.variants if v.value is None), None)
    chosen = next((v for v in part.variants if v.value is not None and v.value & mask == raw), default)
    return chosen.member if chosen is not None else None


def enum_view(value: ValueObject, path: str | None) -> View:
    chosen = _active_variant(value)
    variant_type = chosen.type.strip() if chosen is not None else None
    if chosen is None or not isinstance(variant_type, CompositeType):
        return TextView("<unknown variant>")
    name = _short_name(variant_type.tag_name or "?")
    members = [m for m in variant_type.members if not m.artificial]
    return FieldsView(
        name, fields(value.member(chosen), members, None), positional=all(is_positional(m) for m in members)
    )


def tuple_view(value: ValueObject, path: str | None) -> View:
    return FieldsView("", fields(value, value.composite().members, path), positional=True)


def closure_view(value: ValueObject, path: str | None) -> View:
    """A closure's captures, by the names the closure's code uses (``_ref__x`` is ``x`` by reference)."""
    captures = tuple(
        NamedValue(member.name.removeprefix("_ref__"), value.member(member), None)
        for member in value.composite().members
        if member.name
    )
    return FieldsView("closure", captures, positional=False)


def struct_view(value: ValueObject, path: str | None) -> View | None:
    """Any other Rust struct, as ``Name { field: value }`` or ``Name(value)``."""
    composite = value.composite()
    if composite.keyword != "struct":
        return None
    members = [m for m in composite.members if not m.artificial]
    positional = bool(members) and all(is_positional(m) for m in members)
    return FieldsView(_short_name(composite.tag_name or "?"), fields(value, members, path), positional)


def _is_tuple(value: ValueObject, path: str | None) -> View | None:
    members = value.composite().members
    return tuple_view(value, path) if members and all(is_positional(m) for m in members) else None


def _is_enum(value: ValueObject, path: str | None) -> View | None:
    return enum_view(value, path) if value.composite().variant_part is not None else None


def _is_trait_object(value: ValueObject, path: str | None) -> View | None:
    names = {member.name for member in value.composite().members}
    return trait_object_view(value, path) if names == {"pointer", "vtable"} else None


FORMATTERS = formatters_for(
    LANG_RUST,
    ("&str", r"^&(mut )?str$|^alloc::boxed::Box<str\b", string_view),
    ("String", r"^alloc::string::String$", string_view),
    ("slice", r"^&(mut )?\[|^alloc::boxed::Box<\[", slice_view),
    ("Vec", r"^alloc::vec::Vec<", vec_view),
    ("VecDeque", r"^alloc::collections::vec_deque::VecDeque<", vec_deque_view),
    ("HashMap", r"^std::collections::hash::(map::HashMap|set::HashSet)<", hash_map_view),
    ("BTreeMap", r"^alloc::collections::btree::(map::BTreeMap|set::BTreeSet)<", btree_view),
    ("Rc", r"^alloc::(rc::Rc|rc::Weak|sync::Arc|sync::Weak)<", rc_view),
    ("Cell", r"^core::cell::Cell<", cell_view),
    ("RefCell", r"^core::cell::RefCell<", ref_cell_view),
    ("Mutex", r"^std::sync::(mutex::)?Mutex<", mutex_view),
    ("Ref", r"^core::cell::Ref(Mut)?<", borrow_view),
    ("NonNull", r"^core::ptr::(non_null::NonNull|unique::Unique)<", pointer_view),
    ("UnsafeCell", r"^core::(cell::UnsafeCell<|sync::atomic::Atomic|mem::manually_drop::)", inner_view),
    ("dyn", r"dyn ", _is_trait_object),
    ("enum", r"", _is_enum),
    ("tuple", r"^\(", _is_tuple),
    ("closure", r"\{closure_env#\d+\}", closure_view),
    ("struct", r"", struct_view),
)
