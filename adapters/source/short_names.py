"""Short names for frames: template and generic arguments folded as a reader writes them.

``std::__1::vector<int, std::__1::allocator<int> >::push_back[abi:ne180100](int&&)`` reads
``std::vector<int>::push_back(int&&)``: libc++'s inline namespace and ABI tags go, and
arguments equal to their defaults (allocators, comparators, hashers, deleters, Rust's
``Global`` allocator and ``RandomState``) are left out, as lldb-dap and CodeLLDB show them.
"""

from __future__ import annotations

import re

_ABI_TAG = re.compile(r"\[abi:[\w.]+\]")
_NAME_AT_END = re.compile(r"[\w:]+$")
_DEFAULT_ARGUMENTS = (
    "std::allocator<",
    "std::less<",
    "std::hash<",
    "std::equal_to<",
    "std::default_delete<",
    "std::char_traits<",
    "alloc::alloc::Global",
    "std::collections::hash::map::RandomState",
)
_STRINGS = {
    "char": "std::string",
    "wchar_t": "std::wstring",
    "char16_t": "std::u16string",
    "char32_t": "std::u32string",
}


def short_name(name: str) -> str:
    """``name`` with its template arguments folded; unchanged when it does not parse."""
    name = _ABI_TAG.sub("", name.replace("std::__1::", "std::"))
    try:
        folded, end = _fold(name, 0, "")
    except ValueError:
        return name
    return folded if end == len(name) else name


def _fold(text: str, start: int, stop: str) -> tuple[str, int]:
    """Fold ``text`` from ``start`` up to a ``stop`` character at this nesting level; returns the
    folded text and where it stopped."""
    out: list[str] = []
    i = start
    while i < len(text):
        char = text[i]
        if char in stop:
            return "".join(out), i
        if char == "<" and _opens_arguments(out):
            arguments, i = _arguments(text, i + 1)
            before = "".join(out)
            template = _NAME_AT_END.search(before)
            assert template is not None  # _opens_arguments saw a name character
            out = [before[: template.start()], _spell(template.group(), arguments)]
            continue
        out.append(char)
        i += 1
    if stop:
        raise ValueError("unterminated")
    return "".join(out), i


def _opens_arguments(before: list[str]) -> bool:
    """Whether ``<`` starts template arguments (after a name), not an ``operator<``."""
    text = "".join(before[-9:])
    return bool(text) and (text[-1].isalnum() or text[-1] in "_:") and not text.endswith(("operator", "operator<"))


def _arguments(text: str, start: int) -> tuple[list[str], int]:
    arguments = []
    i = start
    while True:
        argument, i = _fold(text, i, ",>")
        arguments.append(argument.strip())
        if text[i] == ">":
            return arguments, i + 1
        i += 1


def _spell(template: str, arguments: list[str]) -> str:
    while len(arguments) > 1 and arguments[-1].startswith(_DEFAULT_ARGUMENTS):
        arguments.pop()
    if template == "std::basic_string" and arguments[0] in _STRINGS:
        return _STRINGS[arguments[0]]
    if template == "std::basic_string_view" and arguments[0] == "char":
        return "std::string_view"
    return f"{template}<{', '.join(arguments)}>"
