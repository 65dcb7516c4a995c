"""Times a DAP session over stdio: initialize, launch, breakpoint stop, stackTrace, continue to exit.

Usage: python bench/bench_dap.py PROGRAM.wasm SOURCE.c LINE [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.dap.client import StdioServer


def one_session(program: str, source: str, line: int) -> dict[str, float]:
    timings: dict[str, float] = {}
    server = StdioServer({**os.environ, "PYTHONPATH": str(REPO)})
    client = server.client
    try:
        start = time.perf_counter()
        client.ok("initialize", {"adapterID": "wasmtime"})
        timings["initialize"] = time.perf_counter() - start
        start = time.perf_counter()
        client.ok("launch", {"program": program})
        client.event("initialized")
        timings["launch"] = time.perf_counter() - start
        client.ok("setBreakpoints", {"source": {"path": source}, "breakpoints": [{"line": line}]})
        start = time.perf_counter()
        client.ok("configurationDone")
        client.event("stopped")
        timings["run to breakpoint"] = time.perf_counter() - start
        start = time.perf_counter()
        client.ok("stackTrace", {"threadId": 1})
        timings["stackTrace"] = time.perf_counter() - start
        client.ok("setBreakpoints", {"source": {"path": source}, "breakpoints": []})
        start = time.perf_counter()
        client.ok("continue", {"threadId": 1})
        client.event("terminated")
        timings["continue to exit"] = time.perf_counter() - start
        client.ok("disconnect", {})
    finally:
        server.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("program")
    parser.add_argument("source")
    parser.add_argument("line", type=int)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    runs = [one_session(options.program, options.source, options.line) for _ in range(options.runs)]
    for step in runs[0]:
        values = [run[step] * 1000 for run in runs]
        print(f"{step:>18}: median {statistics.median(values):8.1f} ms  (min {min(values):.1f}, max {max(values):.1f})")


if __name__ == "__main__":
    main()
