"""Each command's output has gdb's shape: the same script runs in our console on the Wasm build of
examples/c/inventory.c and in gdb on a native build of it, and each command's output is compared
once addresses (which differ between the two builds) are masked."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_SOURCES
from tests.frontend.conftest import BATCH_TIMEOUT, REPO

pytestmark = pytest.mark.skipif(
    shutil.which("gdb") is None or shutil.which("gcc") is None, reason="needs gdb and gcc for the native build"
)
SEPARATOR = "@@"
# One script, one command under test after each separator; what gdb and we print for it must match.
SCRIPT = [
    "break restock",
    "tbreak inventory.c:60",
    "break inventory.c:900",
    "break restok",
    "run",
    "bt",
    "next",
    "list",
    "list",
    "info source",
    "continue",
    "bt 1",
    "info args",
    "p *item",
    "p/x item->quantity",
    "p/t target",
    "p/o target",
    "p/c 65",
    "p $",
    "p $$2",
    "p $9",
    "p item->name[0]@3",
    "ptype item",
    "whatis item",
    "whatis item->price",
    "ptype struct item",
    "x/s item->name",
    "x/4xb item->name",
    "display target",
    "display/x target",
    "info display",
    "set var target = 12",
    "p target",
    "p target = 11",
    "up",
    "up 100",
    "down",
    "info breakpoints",
    "finish",
    "delete 1",
    "until",
    "advance 75",
    "kill",
    "info breakpoints",
    "start",
    "watch restocked",
    "continue",
    "frame 1",
    "undisplay 9",
    "catch nosuch",
]
# Parts of the two outputs that differ by nature, not by shape.
_MASKS = [
    (re.compile(r"0x[0-9a-f]+( <[^>]+>)?"), "ADDR"),  # code and data addresses; gdb names the symbol after one
    (re.compile(r"\(process \d+\) "), ""),
    (re.compile(r"(\\000)+\""), '"'),  # gdb shows a char array's NULs after its string; we stop at the first
    (re.compile(r"(Hardware|Software) watchpoint"), "Watchpoint"),
    (re.compile(r"^Watchpoint (\d+): "), r"Watchpoint \1: "),
]
# gdb's own chatter, and the program's output (a native program's stdout is a buffered pipe: it comes at exit).
_NOISE = re.compile(r"^(\[Thread debugging|Using host libthread_db|Make breakpoint pending|order total|restocked )")
# Commands whose whole output is compared; for the others, the lines named here (gdb says more).
_FIRST_LINES = {
    "break restok": 1,
    "bt": 2,
    "info source": 1,
    "finish": 2,
    "kill": 2,
    "start": 3,
    "up 100": 2,
    "frame 1": 1,
}
# Where the two programs differ for reasons of the platform: these lines are compared by shape only.
_SHAPE_ONLY = {"info breakpoints", "next", "until", "advance 75", "continue"}


def _script_arguments() -> list[str]:
    arguments = []
    for command in SCRIPT:
        arguments += ["-ex", f"echo {SEPARATOR} {command}\\n", "-ex", command]
    return arguments


def _sections(output: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output.splitlines():
        if line.startswith(SEPARATOR + " "):
            current = sections.setdefault(line[len(SEPARATOR) + 1 :], [])
        elif current is not None and not _NOISE.match(line) and line.strip():
            for pattern, replacement in _MASKS:
                line = pattern.sub(replacement, line)
            current.append(line)
    return sections


@pytest.fixture(scope="module")
def both_outputs(examples: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    source = EXAMPLE_SOURCES["inventory"]
    native = tmp_path_factory.mktemp("native") / "inventory"
    subprocess.run(["gcc", "-g", "-O0", source.name, "-o", str(native)], cwd=source.parent, check=True)
    gdb = subprocess.run(
        ["gdb", "-nx", "--batch", *_script_arguments(), str(native)], cwd=source.parent, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=BATCH_TIMEOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    ours = subprocess.run(
        [sys.executable, "-m", "dap_server", "debug", "--batch", *_script_arguments(), str(examples["inventory"])],
        cwd=source.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=BATCH_TIMEOUT,
        stdin=subprocess.DEVNULL, env=environment,
    )  # fmt: skip
    return _sections(gdb.stdout), _sections(ours.stdout)


def _shape(line: str) -> str:
    """A line with its numbers and names generalised: what remains is its form."""
    return re.sub(r"\b\d+\b", "N", re.sub(r"\b[A-Za-z_]\w*\b", "W", line))


@pytest.mark.parametrize("command", SCRIPT)
def test_command_prints_what_gdb_prints(both_outputs: tuple[dict, dict], command: str) -> None:
    gdb, ours = both_outputs
    expected, got = gdb.get(command, []), ours.get(command, [])
    limit = _FIRST_LINES.get(command)
    if limit is not None:
        expected, got = expected[:limit], got[:limit]
    if command in _SHAPE_ONLY:
        expected, got = [_shape(line) for line in expected], [_shape(line) for line in got]
    assert got == expected, f"{command!r}\n--- gdb\n" + "\n".join(expected) + "\n--- ours\n" + "\n".join(got)
