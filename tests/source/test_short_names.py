"""Frame names with their template and generic arguments folded (pure logic)."""

from __future__ import annotations

import pytest

from adapters.source.short_names import short_name

STRING = "std::__1::basic_string<char, std::__1::char_traits<char>, std::__1::allocator<char> >"


@pytest.mark.parametrize(
    ("full", "short"),
    [
        ("std::__1::vector<int, std::__1::allocator<int> >::push_back[abi:ne180100](int&&)",
         "std::vector<int>::push_back(int&&)"),
        (f"std::__1::map<{STRING}, int, std::__1::less<{STRING} >, std::__1::allocator<std::__1::pair<const {STRING}, "
         f"int> > >::operator[]({STRING} const&)",
         "std::map<std::string, int>::operator[](std::string const&)"),
        ("std::__1::unique_ptr<Point, std::__1::default_delete<Point> >::operator->[abi:ne180100]() const",
         "std::unique_ptr<Point>::operator->() const"),
        ("zoo::Ring<short, 3>::push(short const&)", "zoo::Ring<short, 3>::push(short const&)"),
        ("core::ptr::drop_in_place<alloc::vec::Vec<app::Order, alloc::alloc::Global>>",
         "core::ptr::drop_in_place<alloc::vec::Vec<app::Order>>"),
        ("std::collections::hash::map::HashMap<u32, u8, std::collections::hash::map::RandomState>::insert",
         "std::collections::hash::map::HashMap<u32, u8>::insert"),
        ("x::operator<<(std::ostream&)", "x::operator<<(std::ostream&)"),
        ("bool operator<(a const&, b const&)", "bool operator<(a const&, b const&)"),
        ("main", "main"),
        ("broken<int", "broken<int"),  # does not parse: kept as it is
    ],
)  # fmt: skip
def test_template_arguments_are_folded(full, short):
    assert short_name(full) == short
