from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.wasm.agent_backend import AgentDebuggee, launch
from adapters.wasm.process import LaunchOptions


class Output:
    """Collects what the program and Wasmtime print, by category."""

    def __init__(self) -> None:
        self.chunks: list[tuple[str, str]] = []

    def __call__(self, category: str, text: str) -> None:
        self.chunks.append((category, text))

    def text(self, category: str) -> str:
        return "".join(text for c, text in self.chunks if c == category)


def assert_on_one_cpu_with_one_async_worker(pid: int) -> None:
    """Every thread of Wasmtime process ``pid`` may run on one and the same CPU, and it has one tokio worker."""
    threads = list(Path(f"/proc/{pid}/task").iterdir())
    affinities = {frozenset(os.sched_getaffinity(int(thread.name))) for thread in threads}
    assert len(affinities) == 1 and len(next(iter(affinities))) == 1
    names = [(thread / "comm").read_text().strip() for thread in threads]
    assert names.count("tokio-rt-worker") == 1


@pytest.fixture
def start(tmp_path: Path) -> Iterator:
    """Launch programs under the agent backend; every one is closed after the test."""
    started: list[AgentDebuggee] = []

    def _start(program: Path, **options) -> tuple[AgentDebuggee, Output]:
        output = Output()
        debuggee = launch(LaunchOptions(program, **options), output)
        started.append(debuggee)
        return debuggee, output

    yield _start
    for debuggee in started:
        debuggee.close()
        assert debuggee.process.poll() is not None, "Wasmtime outlived its session"
