"""A runner for the console in batch mode on the built examples."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_SOURCES, require_built

REPO = Path(__file__).resolve().parents[2]
BATCH_TIMEOUT = 240  # seconds; a run takes a few, the first start compiles the debugger component


@dataclass(frozen=True)
class BatchRun:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def debug_batch(examples: dict[str, Path]) -> Callable[..., BatchRun]:
    """Runs ``wasmtime-dap debug --batch -ex CMD... EXAMPLE`` in the example's directory."""

    def run(name: str, *commands: str, options: tuple[str, ...] = ()) -> BatchRun:
        program = require_built(examples, name)
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
