"""What the real-editor tests share: where the editor clients come from, and the processes a session leaves."""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability import procfs

REPO = Path(__file__).resolve().parents[2]
LEFTOVER_TIMEOUT = 10.0


def processes_tagged(tag: str) -> set[int]:
    """Living processes whose environment holds ``tag`` (every process started below a tagged one has it)."""
    found = set()
    for entry in procfs.PROC.iterdir():
        if entry.name.isdigit():
            try:
                environment = (entry / "environ").read_bytes()
            except OSError:
                continue  # ended meanwhile, or not ours to read
            if tag.encode() in environment:
                found.add(int(entry.name))
    return found


def new_tag() -> tuple[str, str]:
    """An environment variable that marks every process started with it (children inherit it)."""
    return "WASMTIME_DAP_EDITOR_TEST", uuid.uuid4().hex


def end_tagged_processes(tag: tuple[str, str]) -> dict[int, list[str]]:
    """Waits for each process marked with ``tag`` to end on its own; kills and returns those that do not."""
    leftovers = {
        pid: procfs.command_line(pid)
        for pid in processes_tagged("=".join(tag))
        if not procfs.wait_for_exit(pid, LEFTOVER_TIMEOUT)
    }
    for pid in leftovers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
    return leftovers


@pytest.fixture
def editor_environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    """An environment for an editor: its own home, the adapter's Python first on PATH, and a tag that
    marks every process started from it. After the test, each tagged process must end on its own (the
    adapter and Wasmtime end with the editor); any still running then is reported and killed."""
    tag = new_tag()
    home = tmp_path / "home"
    home.mkdir()
    environment = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        # The agent build and Wasmtime's compiled code are cached there, shared with the rest of the suite.
        "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        tag[0]: tag[1],
    }
    yield environment
    leftovers = end_tagged_processes(tag)
    assert not leftovers, f"processes still running after the editor quit: {leftovers}"
