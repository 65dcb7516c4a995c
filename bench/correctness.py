"""Do the adapters show the values gdb shows on a native build of the same program?

At the first hit of each chosen ``BREAK`` marker, gdb (``gcc -g -O0``, batch mode, its Python
API) lists the frame's arguments and locals, structs and arrays flattened to leaves
(``p.x``, ``numbers[2]``). Each adapter's Arguments/Locals scopes are flattened the same way
through DAP ``variables``. A gdb leaf matches when the adapter shows the same name with the
same value after normalising notation (``87 'W'`` and ``'W'``; ``1.5`` and ``1.5000``);
non-string pointers are left out, since their addresses differ between native and Wasm.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.programs import Program, native
from bench.sessions import SessionError, start

DEPTH = 3  # triangle.corners[0].x
_GDB_SCRIPT = r"""
import gdb, json
DEPTH, STOPS, OUT = %(depth)d, %(stops)s, %(out)r
AGGREGATES = (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION, gdb.TYPE_CODE_ARRAY)

def flatten(name, value, depth, out):
    kind = value.type.strip_typedefs()
    if kind.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
        if depth > 1:
            for member in kind.fields():
                flatten(name + "." + member.name, value[member.name], depth - 1, out)
    elif kind.code == gdb.TYPE_CODE_ARRAY:
        if depth > 1:
            low, high = kind.range()
            for index in range(low, high + 1):
                flatten("%%s[%%d]" %% (name, index), value[index], depth - 1, out)
    else:
        target = kind.target().strip_typedefs() if kind.code == gdb.TYPE_CODE_PTR else None
        is_string = target is not None and target.code == gdb.TYPE_CODE_INT and target.sizeof == 1
        out.setdefault(name, {"value": str(value), "pointer": kind.code == gdb.TYPE_CODE_PTR and not is_string})

def frame_values(frame):
    out, block = {}, frame.block()
    while block is not None:
        for symbol in block:
            if symbol.is_variable or symbol.is_argument:
                flatten(symbol.name, symbol.value(frame), DEPTH, out)
        if block.function is not None:
            break
        block = block.superblock
    return out

results = {}
for line in STOPS.values():
    gdb.execute("break %%s:%%d" %% (%(source)r, line))
gdb.execute("run")
while gdb.selected_inferior().pid:
    line = gdb.selected_frame().find_sal().line
    for marker, marker_line in STOPS.items():
        if marker_line == line and marker not in results:
            results[marker] = frame_values(gdb.selected_frame())
    try:
        gdb.execute("continue")
    except gdb.error:
        break
with open(OUT, "w") as handle:
    json.dump(results, handle)
"""


@dataclass
class Comparison:
    """One adapter against gdb on one program."""

    matched: int = 0
    compared: int = 0
    mismatches: list[str] = field(default_factory=list)  # "marker: name gdb=... adapter=..."
    failure: str | None = None


def gdb_values(program: Program, markers: list[str]) -> dict[str, dict[str, dict]]:
    """marker -> leaf name -> {"value", "pointer"} as gdb shows them on the native build."""
    binary = native(program)
    stops = {marker: program.line(marker) for marker in markers}
    with tempfile.TemporaryDirectory() as directory:
        script, out = Path(directory) / "values.py", Path(directory) / "values.json"
        script.write_text(
            _GDB_SCRIPT % {"depth": DEPTH, "stops": json.dumps(stops), "out": str(out), "source": program.source.name}
        )
        subprocess.run(
            ["gdb", "-batch", "-nx", "-x", str(script), str(binary)], capture_output=True, timeout=120, check=True
        )
        return json.loads(out.read_text())


def adapter_values(adapter: str, program: Program, markers: list[str]) -> dict[str, dict[str, str]]:
    """marker -> flattened name -> value as the adapter shows them at the marker's first hit."""
    lines = {program.line(marker): marker for marker in markers}
    session = start(adapter, program.wasm, {program.source: [{"line": line} for line in lines]})
    found: dict[str, dict[str, str]] = {}
    try:
        while len(found) < len(markers):
            session.wait_stop()
            marker = lines.get(session.top_frame().get("line"))
            if marker is None:
                raise SessionError(f"{adapter}: stopped at line {session.top_frame().get('line')}, no marker there")
            found.setdefault(marker, session.flat_locals(DEPTH))
            if len(found) < len(markers):
                session.client.request("continue", {"threadId": session.thread_id})
    finally:
        session.close()
    return found


def compare(reference: dict[str, dict[str, dict]], shown: dict[str, dict[str, str]]) -> Comparison:
    result = Comparison()
    for marker, leaves in reference.items():
        for name, leaf in leaves.items():
            if leaf["pointer"]:
                continue
            result.compared += 1
            expected = normalise(leaf["value"])
            actual = shown.get(marker, {}).get(name)
            if actual is not None and normalise(actual) == expected:
                result.matched += 1
            else:
                result.mismatches.append(
                    f"{marker}: `{name}` gdb `{leaf['value']}`, adapter "
                    + ("(missing)" if actual is None else f"`{actual}`")
                )
    return result


_CHAR = re.compile(r"^(?:(-?\d+) )?'((?:\\.[0-7]*|\\x[0-9a-fA-F]+|.))'$")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_NUMBER = re.compile(r"^-?\d+(\.\d*)?([eE][-+]?\d+)?$")
_BOOLEANS = {"true": "1", "false": "0"}


def normalise(value: str) -> str:
    """One spelling for a value however a debugger wrote it."""
    value = value.strip()
    if value in _BOOLEANS:
        return _BOOLEANS[value]
    char = _CHAR.match(value)
    if char:
        return str(_char_code(char.group(2)))
    string = _STRING.search(value)
    if string:
        return '"' + re.sub(r"(\\000|\\0)+$", "", string.group(1)) + '"'
    if _NUMBER.match(value):
        number = float(value)
        return str(int(number)) if number.is_integer() else f"{number:.6g}"
    return value


def _char_code(text: str) -> int:
    """The byte of a C character literal's body (``W``, ``\\310``, ``\\xc8``, ``\\n``)."""
    return ord(text.encode().decode("unicode_escape")) & 0xFF
