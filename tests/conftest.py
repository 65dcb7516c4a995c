"""Shared fixtures: the compiled test programs."""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
for importable in (REPO, REPO / "examples"):
    if str(importable) not in sys.path:
        sys.path.insert(0, str(importable))

from build import RUST_MISSING, build_all  # noqa: E402 - examples/build.py is a script, not a package

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXAMPLES = REPO / "examples"
EXAMPLE_SOURCES = {
    "inventory": EXAMPLES / "c" / "inventory.c",
    "shapes": EXAMPLES / "cpp" / "shapes.cpp",
    "grades": EXAMPLES / "zig" / "grades.zig",
    "library": EXAMPLES / "rust" / "library.rs",
}
_MARKER = re.compile(r"BREAK: (\w+)")


@pytest.fixture(scope="session")
def fixtures() -> dict[str, Path]:
    """Module name (``basics``, ``basics.O2``, ``multi``, ...) -> built ``.wasm`` path."""
    return build_all([FIXTURES])


@pytest.fixture(scope="session")
def examples() -> dict[str, Path]:
    """Example name -> built module (``inventory`` -> examples/c/build/inventory.wasm)."""
    return build_all(EXAMPLE_SOURCES.values())


def require_tool(command: str, needed_for: str, install: str) -> str:
    """The path of ``command``, or skip the test with what it is needed for and how to install it."""
    path = shutil.which(command)
    if path is None:
        pytest.skip(f"{command} is needed for {needed_for} and is not installed ({install}; .ci/run does it)")
    return path


# Editor clients that no registry carries (nvim-dap, GPL-3: not vendored), beside the repository as
# ../shared/clients on the machines that have them; $WASMTIME_DAP_CLIENTS points elsewhere. A plain
# clone has none: the tests that need one skip and say so.
CLIENTS = Path(os.environ.get("WASMTIME_DAP_CLIENTS", REPO.parent / "shared" / "clients"))


def copy_client(name: str, scratch: Path) -> Path:
    """A copy of the editor client ``name`` in ``scratch``, or a skip saying where it was looked for."""
    source = CLIENTS / name
    if not source.is_dir():
        pytest.skip(f"{name} is not installed: looked for {source} (set WASMTIME_DAP_CLIENTS to its folder)")
    return Path(shutil.copytree(source, scratch / name))


def require_built(built: dict[str, Path], name: str) -> Path:
    """The built module ``name``; skip the test when it was left out because Rust is missing."""
    if name not in built:
        pytest.skip(f"{name} is not built: {RUST_MISSING}")
    return built[name]


def line_of(name: str, text: str) -> int:
    """The 1-based line of an example's source that contains ``text`` (exactly one must)."""
    lines = [n for n, line in enumerate(EXAMPLE_SOURCES[name].read_text().splitlines(), 1) if text in line]
    assert len(lines) == 1, f"{text!r} occurs on lines {lines} of {name}"
    return lines[0]


def marker_lines(source: Path) -> dict[str, int]:
    """``/* BREAK: name */`` markers in a source file: name -> 1-based line."""
    found = {}
    for number, text in enumerate(source.read_text().splitlines(), start=1):
        match = _MARKER.search(text)
        if match:
            found[match.group(1)] = number
    return found


@pytest.fixture(scope="session")
def markers() -> Callable[[str], dict[str, int]]:
    """``markers("basics.c")`` -> marker name -> line, for a file under tests/fixtures."""
    return lambda relative: marker_lines(FIXTURES / relative)
