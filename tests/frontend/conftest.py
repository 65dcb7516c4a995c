"""The examples, built once, and a runner for the console in batch mode."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from build import build_all  # examples/build.py, put on sys.path by tests/conftest.py

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
EXAMPLE_SOURCES = {
    "inventory": EXAMPLES / "c" / "inventory.c",
    "shapes": EXAMPLES / "cpp" / "shapes.cpp",
    "grades": EXAMPLES / "zig" / "grades.zig",
    "library": EXAMPLES / "rust" / "library.rs",
}
BATCH_TIMEOUT = 240  # seconds; a run takes a few, the first start compiles the debugger component


@dataclass(frozen=True)
class BatchRun:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def examples() -> dict[str, Path]:
    """Example name -> built module (``inventory`` -> examples/c/build/inventory.wasm)."""
    return build_all(EXAMPLE_SOURCES.values())


def line_of(name: str, text: str) -> int:
    """The 1-based line of an example's source that contains ``text`` (exactly one must)."""
    lines = [n for n, line in enumerate(EXAMPLE_SOURCES[name].read_text().splitlines(), 1) if text in line]
    assert len(lines) == 1, f"{text!r} occurs on lines {lines} of {name}"
    return lines[0]


@pytest.fixture(scope="session")
def debug_batch(examples: dict[str, Path]) -> Callable[..., BatchRun]:
    """Runs ``wasmtime-dap debug --batch -ex CMD... EXAMPLE`` in the example's directory."""

    def run(name: str, *commands: str, options: tuple[str, ...] = ()) -> BatchRun:
        assert name in examples, f"{name} was not built: {sorted(examples)}"
        program = examples[name]
        ex = [item for command in commands for item in ("-ex", command)]
        environment = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
        # As if the project were installed, although the examples' directories are outside it.
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
        result = subprocess.run(
            [sys.executable, "-m", "dap_server", "debug", "--batch", *options, *ex, str(program)],
            cwd=EXAMPLE_SOURCES[name].parent,
            capture_output=True,
            text=True,
            timeout=BATCH_TIMEOUT,
            stdin=subprocess.DEVNULL,
            env=environment,
        )
        return BatchRun(result.returncode, result.stdout, result.stderr)

    return run
