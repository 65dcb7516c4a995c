"""The terminal debugger in batch mode on the compiled examples: what it prints and its exit code."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import line_of
from tests.frontend.conftest import REPO, BatchRun

Debug = Callable[..., BatchRun]


def test_c_breakpoint_backtrace_locals_stepping_and_exit_code(debug_batch: Debug) -> None:
    line = line_of("inventory", "double line = order->count")
    run = debug_batch(
        "inventory",
        f"break inventory.c:{line}", "run", "bt", "info args", "info locals", "p order->count",
        "next", "p line", "delete", "finish", "continue",  # delete first: the loop would hit it again
    )  # fmt: skip
    out = run.stdout
    assert re.search(rf"^Breakpoint 1 at 0x[0-9a-f]+: file inventory.c, line {line}.$", out, re.M), out
    assert re.search(rf"^Breakpoint 1, order_total \(orders=0x[0-9a-f]+\) at inventory.c:{line}\n{line}\t", out, re.M)
    frames = rf"^#0  order_total \(orders=0x\w+\) at inventory.c:{line}\n#1  0x\w+ in main \(\) at inventory.c:62\n"
    assert re.search(frames, out, re.M)
    assert re.search(r"^orders = ", out, re.M)
    assert re.search(r"^order = ", out, re.M) and re.search(r"^total = 0\b", out, re.M)
    assert "$1 = 1\n" in out  # the list starts with the last order added: one cheese
    assert f"\n{line + 1}\t        total += line;\n" in out  # next: same function, so no location line
    assert re.search(r"^\$2 = 4(\.0*)?\n", out, re.M)
    assert re.search(
        r"^0x\w+ in main \(\) at inventory.c:62\n62\t    double total = order_total\(orders\);\n", out, re.M
    )
    assert "order total: 6.00\nrestocked bread with 7\nrestocked dates with 9\n" in out
    assert out.endswith("[Inferior 1 exited with code 02]\n")  # gdb prints the status in octal
    assert run.exit_code == 2, run.stderr


def test_c_conditional_function_breakpoint_and_frames(debug_batch: Debug) -> None:
    call = line_of("inventory", "int added = restock(item, 10);")
    run = debug_batch(
        "inventory",
        "break restock if item->quantity == 1", "run", "p item->name", "info args", "up", "p i", "down", "c",
    )  # fmt: skip
    out = run.stdout
    assert re.search(r"^Breakpoint 1 at 0x\w+: file inventory.c, line 53.$", out, re.M)
    assert re.search(r"^Breakpoint 1, restock \(item=0x\w+, target=10\) at inventory.c:53\n", out, re.M)
    assert re.search(r'^\$1 = .*"dates', out, re.M), out  # only the last item has quantity 1
    assert re.search(r"^target = 10$", out, re.M)
    assert re.search(rf"^#1  0x\w+ in main \(\) at inventory.c:{call}\n{call}\t", out, re.M)
    assert "$2 = 3\n" in out
    assert re.search(r"^#0  restock \(item=0x\w+, target=10\) at inventory.c:53\n", out, re.M)
    assert run.exit_code == 2, run.stderr


def test_c_examine_memory_and_display(debug_batch: Debug) -> None:
    line = line_of("inventory", "restocked++;")
    run = debug_batch(
        "inventory",
        f"break inventory.c:{line}", "run", "x/8xb &shelf", "x/1dw &shelf[1].quantity", "x/5c shelf[0].name",
        "display restocked", "continue", "info display", "undisplay 1", "continue",
    )  # fmt: skip
    out = run.stdout
    assert re.search(r"^0x[0-9a-f]{8}:\t0x61\t0x70\t0x70\t0x6c\t0x65\t0x00\t0x00\t0x00$", out, re.M), out
    assert re.search(r"^0x[0-9a-f]{8}:\t10$", out, re.M)  # bread was restocked to 10 before this stop
    assert re.search(r"^0x[0-9a-f]{8}:\t97 'a'\t112 'p'\t112 'p'\t108 'l'\t101 'e'$", out, re.M)
    assert "1: restocked = 1\n" in out  # in batch mode gdb shows a display from the next stop on
    assert "1: restocked = 2" not in out  # undisplay removed it before the program ended
    assert run.exit_code == 2, run.stderr


def test_script_file_runs_the_program_to_its_exit_code(debug_batch: Debug, tmp_path: Path) -> None:
    script = tmp_path / "commands.gdb"
    script.write_text("# just run it\nrun\n")
    run = debug_batch("inventory", options=("-x", str(script)))
    assert "order total: 6.00\n" in run.stdout
    assert "[Inferior 1 exited with code 02]" in run.stdout
    assert run.exit_code == 2, run.stderr


def test_mistakes_are_reported_and_fail_the_batch(debug_batch: Debug) -> None:
    run = debug_batch("inventory", "frobnicate", "p shelf", "break inventory.c:0", "delete 7", "info locals")
    assert 'Undefined command: "frobnicate"' in run.stderr
    assert "The program is not being run." in run.stderr
    assert "invalid line number '0'" in run.stderr
    assert "No breakpoint number 7." in run.stderr
    assert run.exit_code == 1  # the program never ran and a command failed


def test_missing_program_is_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dap_server", "debug", "--batch", "-ex", "run", str(tmp_path / "nope.wasm")],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 1
    assert "nope.wasm" in result.stderr and "Traceback" not in result.stderr


def test_cpp_method_breakpoint_and_member_access(debug_batch: Debug) -> None:
    run = debug_batch("shapes", "break Rectangle::area", "run", "p width_", "bt", "finish", "delete", "c")
    out = run.stdout
    assert re.search(r"^Breakpoint 1, Rectangle::area.* at shapes.cpp:\d+$", out, re.M), out
    assert "$1 = 3\n" in out
    assert re.search(r"^#1  0x\w+ in main \(\) at shapes.cpp:\d+$", out, re.M)
    assert "rectangle: 12.00\ncircle: 3.14\nrectangle: 1.00\ntotal: 16.14\n" in out
    assert run.exit_code == 0, run.stderr


def test_zig_slice_argument_and_loop(debug_batch: Debug) -> None:
    line = line_of("grades", "sum += student.score;")
    run = debug_batch("grades", f"break grades.zig:{line}", "run", "info args", "p student.score", "c",
                      "p student.score", "delete", "c")  # fmt: skip
    out = run.stdout
    assert re.search(rf"^Breakpoint 1, (grades\.)?average \(.*\) at grades.zig:{line}$", out, re.M), out
    assert re.search(r"^students = ", out, re.M)
    assert "$1 = 91\n" in out and "$2 = 78\n" in out
    assert "average: 88.0\ntop: grace (95)\n" in run.stderr  # std.debug.print writes to stderr
    assert run.exit_code == 0


def test_rust_function_breakpoint_and_string_argument(debug_batch: Debug) -> None:
    run = debug_batch("library", "break library::find_by_author", "run", "p author", "bt", "delete", "c")
    out = run.stdout
    assert re.search(r"^Breakpoint 1, library::find_by_author \(.*\) at library.rs:\d+$", out, re.M), out
    assert re.search(r'^\$1 = .*"Sagan"', out, re.M)
    assert re.search(r"^#1  0x\w+ in library::main \(\) at library.rs:\d+$", out, re.M)
    assert "found Cosmos (1980)\nTolkien found: false\nscience books: 1\n" in out
    assert run.exit_code == 0


def test_a_misspelled_function_gets_a_suggestion(debug_batch: Debug) -> None:
    run = debug_batch("inventory", "break restok", "break order_totl")
    assert 'Function "restok" not defined.\nDid you mean restock?' in run.stderr
    assert "Did you mean order_total?" in run.stderr
    assert run.exit_code == 1
