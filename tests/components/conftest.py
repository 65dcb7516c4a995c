"""Fixtures for the component, precompiled and stale-artifact tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from adapters.source import launching
from adapters.source.debugger import SourceDebugger
from adapters.wasm.process import LaunchOptions
from tests.components.build_components import SOURCES, build_components
from tests.conftest import marker_lines, require_tool


@pytest.fixture(scope="session")
def components() -> dict[str, Path]:
    """``greet``, ``greet.component``, ``scale``, ``twice``, ``twice.component`` -> built file."""
    require_tool("npm", "jco, which builds the component fixtures", "apt-get install npm")
    return build_components()


@pytest.fixture(scope="session")
def source_markers() -> Callable[[str], dict[str, int]]:
    """``source_markers("scale.c")`` -> marker name -> line, for a file under sources/."""
    return lambda name: marker_lines(SOURCES / name)


class Session:
    """A launched SourceDebugger and everything it printed."""

    def __init__(self, debugger: SourceDebugger, output: list[tuple[str, str]]) -> None:
        self.debugger = debugger
        self.output = output

    def console(self) -> str:
        return "".join(text for category, text in self.output if category == "console")

    def stdout(self) -> str:
        return "".join(text for category, text in self.output if category == "stdout")


@pytest.fixture
def launch() -> Iterator[Callable[..., Session]]:
    """``launch(LaunchOptions(...))`` -> a Session, closed after the test."""
    sessions: list[SourceDebugger] = []

    def _launch(options: LaunchOptions) -> Session:
        output: list[tuple[str, str]] = []
        debugger = launching.launch(options, on_output=lambda category, text: output.append((category, text)))
        sessions.append(debugger)
        return Session(debugger, output)

    yield _launch
    for debugger in sessions:
        debugger.close()


# The DAP server fixtures (a real stdio server whose every message is schema-checked).
from tests.dap.conftest import client, message_log, server, server_env  # noqa: E402, F401
