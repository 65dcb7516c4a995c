"""Measurements a reliability run reports at its end (cases fuzzed, faults injected, bounds met)."""

from __future__ import annotations

import json
import os
from pathlib import Path

# Where to also write the figures as JSON (for docs/reliability.md), if set.
FIGURES_FILE_VARIABLE = "RELIABILITY_FIGURES"

_figures: dict[str, object] = {}


def record(name: str, value: object) -> None:
    _figures[name] = value


def add(name: str, amount: int = 1) -> None:
    current = _figures.get(name, 0)
    assert isinstance(current, int)
    _figures[name] = current + amount


def report() -> list[str]:
    """The figures as lines of text; also written as JSON where the environment asks."""
    target = os.environ.get(FIGURES_FILE_VARIABLE)
    if target and _figures:
        Path(target).write_text(json.dumps(_figures, indent=2, sort_keys=True) + "\n")
    return [f"{name}: {value}" for name, value in sorted(_figures.items())]
