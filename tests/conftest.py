"""Shared fixtures: the compiled test programs."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
for importable in (REPO, REPO / "examples"):
    if str(importable) not in sys.path:
        sys.path.insert(0, str(importable))

from build import build_all  # noqa: E402 - examples/build.py is a script, not a package

FIXTURES = Path(__file__).resolve().parent / "fixtures"
_MARKER = re.compile(r"BREAK: (\w+)")


@pytest.fixture(scope="session")
def fixtures() -> dict[str, Path]:
    """Module name (``basics``, ``basics.O2``, ``multi``, ...) -> built ``.wasm`` path."""
    return build_all([FIXTURES])


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
