"""Demangling C++ (Itanium) and Rust (legacy and v0) symbol names.

Uses ``pycxxfilt`` (LLVM's demanglers); without it, names are shown mangled.
Legacy Rust names are Itanium-shaped (``_ZN...17h<hash>E``): LLVM's Itanium demangler
reads them, and we drop the hash and decode Rust's ``$..$`` escapes.
"""

from __future__ import annotations

import re
from functools import lru_cache

try:
    import pycxxfilt
except ImportError:  # an unsupported platform: keep names as they are
    pycxxfilt = None

_RUST_HASH = re.compile(r"::h[0-9a-f]{16}$")
_RUST_ESCAPES = {
    "$SP$": "@",
    "$BP$": "*",
    "$RF$": "&",
    "$LT$": "<",
    "$GT$": ">",
    "$LP$": "(",
    "$RP$": ")",
    "$C$": ",",
}
_RUST_UNICODE = re.compile(r"\$u([0-9a-f]{2,6})\$")


def demangle(name: str) -> str:
    """The human-readable form of ``name``; ``name`` itself when it is not mangled or
    cannot be demangled."""
    return _demangle(name) if name.startswith(("_Z", "_R", "__Z")) else name


@lru_cache(maxsize=65536)
def _demangle(name: str) -> str:
    if pycxxfilt is None:
        return name
    mangled = name[1:] if name.startswith("__Z") else name  # Mach-O style extra underscore
    try:
        result = pycxxfilt.demangle(mangled)
    except ValueError:
        return name
    if result is None:
        return name
    if mangled.startswith("_ZN") and _RUST_HASH.search(result):
        return _legacy_rust(result)
    return result


def _legacy_rust(demangled: str) -> str:
    path = _RUST_HASH.sub("", demangled)
    path = "::".join(part[1:] if part.startswith("_$") else part for part in path.split("::"))
    for escape, text in _RUST_ESCAPES.items():
        path = path.replace(escape, text)
    path = _RUST_UNICODE.sub(lambda m: chr(int(m.group(1), 16)), path)
    return path.replace("..", "::")


def strip_parameters(demangled: str) -> str:
    """``int ns::f<int>(int const&) const`` -> ``ns::f<int>``: the qualified name alone."""
    depth = 0
    end = len(demangled)
    for index in range(len(demangled) - 1, -1, -1):
        char = demangled[index]
        if char == ")":
            depth += 1
        elif char == "(":
            depth -= 1
            if depth == 0:
                end = index
                break
    head = demangled[:end]
    # drop a leading return type (templates print one): the last top-level space
    depth = 0
    for index in range(len(head) - 1, -1, -1):
        char = head[index]
        if char in ">)":
            depth += 1
        elif char in "<(":
            depth -= 1
        elif char == " " and depth == 0 and not head[:index].endswith("operator"):
            return head[index + 1 :]
    return head


def without_templates(name: str) -> str:
    """``ns::largest<int>`` -> ``ns::largest``."""
    result, depth = [], 0
    for char in name:
        if char == "<":
            depth += 1
        elif char == ">":
            depth = max(depth - 1, 0)
        elif depth == 0:
            result.append(char)
    return "".join(result)
