#!/usr/bin/env python3
"""Backend 2 (Wasmtime's gdbstub) timings: request round trip, reading a ~1 MB module's
bytecode, and a full ``frames()`` at a breakpoint in a deep recursion.

The module is generated in WAT: a recursive function and a data segment that makes
the file about 1 MB. Usage: ``python bench/bench_gdbremote.py [--size BYTES] [--runs N]``
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import wasmtime

from adapters.wasm.debuggee import Breakpoint
from adapters.wasm.gdbremote import launch
from adapters.wasm.process import LaunchOptions

DEPTH = 50
RECURSE = """
(module
  (memory 32)
  (func $down (param $n i32) (result i32)
    (local $twice i64)
    local.get $n
    i64.extend_i32_u
    local.set $twice
    local.get $n
    i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get $n
      i32.const 1
      i32.sub
      call $down
    end)
  (func (export "_start") i32.const %d call $down drop)
  (data (i32.const 0) "%s"))
"""


def build(directory: Path, size: int) -> Path:
    noise = random.Random(1).randbytes(size)
    text = RECURSE % (DEPTH, "".join(f"\\{byte:02x}" for byte in noise))
    path = directory / "big.wasm"
    path.write_bytes(wasmtime.wat2wasm(text))
    return path


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.2f} ms (min {min(samples) * 1000:.2f})"


def run(program: Path, runs: int) -> None:
    reads, round_trips, frame_times = [], [], []
    for _ in range(runs):
        debuggee = launch(LaunchOptions(program))
        try:
            (module,) = debuggee.modules()  # the bytecode is fetched on first use
            started = time.perf_counter()
            bytecode = module.bytecode()
            reads.append(time.perf_counter() - started)
            assert bytecode == program.read_bytes(), "bytecode differs from the file"
            connection = debuggee._connection  # the bare request round trip, below the Debuggee API
            for _ in range(200):
                started = time.perf_counter()
                connection.request("?")
                round_trips.append(time.perf_counter() - started)
            body = debuggee.parsed_module(module.id).functions[0]
            debuggee.set_breakpoint(Breakpoint(1, module.id, body.locals_end))
            for _ in range(DEPTH):
                debuggee.resume()
                debuggee.wait(30)
            started = time.perf_counter()
            frames = debuggee.frames()
            frame_times.append(time.perf_counter() - started)
            assert len(frames) == DEPTH + 1
        finally:
            debuggee.close()
    print(f"module: {program.stat().st_size / 1e6:.2f} MB")
    print(f"request round trip: {median_ms(round_trips)}")
    print(f"read the module's bytecode: {median_ms(reads)}")
    print(f"frames() with {DEPTH + 1} frames (locals and operand stacks): {median_ms(frame_times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1 << 20, help="bytes of data segment (default 1 MiB)")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        run(build(Path(directory), options.size), options.runs)


if __name__ == "__main__":
    main()
