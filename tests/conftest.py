"""Shared fixtures: the compiled test programs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
for importable in (REPO, REPO / "examples"):
    if str(importable) not in sys.path:
        sys.path.insert(0, str(importable))

from build import build_all  # noqa: E402 - examples/build.py is a script, not a package

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def fixtures() -> dict[str, Path]:
    """Module name (``basics``, ``basics.O2``, ``multi``, ...) -> built ``.wasm`` path."""
    return build_all([FIXTURES])
