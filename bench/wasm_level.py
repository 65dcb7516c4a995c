"""Wasm-level figures of our stack, below DAP: the agent's request round trip, frames at a stop,
reading a 10 MB module's bytecode, decoding a multi-MB module's code, and symbol loading
(``bench_symbols``)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from adapters.source import launching
from adapters.source.model import BreakpointSpec, StopKind
from adapters.source.symbol_cache import SymbolCache
from adapters.wasm.agent_backend import launch
from adapters.wasm.binary import parse_module
from adapters.wasm.instructions import decode
from adapters.wasm.process import LaunchOptions
from bench import bench_symbols
from bench.programs import Program
from bench.scenarios import Measurements

ROUND_TRIPS = 200
FRAME_READS = 50


def agent_requests(program: Program, marker: str) -> Measurements:
    """Round trips of the cheapest request, and ``frames()``, at a breakpoint deep in recursion."""
    debugger = launching.launch(LaunchOptions(program=program.wasm))
    try:
        debugger.set_source_breakpoints(str(program.source), [BreakpointSpec(line=program.line(marker))])
        debugger.start(stop_on_entry=False)
        stop = debugger.resume()
        if stop.kind is not StopKind.BREAKPOINT:
            raise RuntimeError(f"expected a breakpoint stop at {marker}, got {stop.kind.value}")
        debuggee = debugger.debuggee
        instance = debugger.wasm_frames()[0].instance_id
        round_trips = [_timed(lambda: debuggee.memory_size(instance)) for _ in range(ROUND_TRIPS)]
        frames = [_timed(debuggee.frames) for _ in range(FRAME_READS)]
        depth = len(debuggee.frames())
    finally:
        debugger.close()
    return {"agent_round_trip": round_trips, "stop_to_frames": frames, "frame_depth": [depth]}


def read_bytecode(module: Path) -> Measurements:
    """Launch a module, then time the first ``modules()``: it fetches and parses the module's bytes."""
    debuggee = launch(LaunchOptions(program=module))
    try:
        began = time.perf_counter()
        data = debuggee.modules()[0].bytecode()
        seconds = time.perf_counter() - began
    finally:
        debuggee.close()
    if data != module.read_bytes():
        raise RuntimeError("the bytecode read from the agent differs from the module file")
    return {"bytecode_read": [seconds], "bytecode_size": [len(data)]}


def decode_code(module: Path) -> Measurements:
    """Decode every instruction of every function body (what disassembly and stepping plans rest on)."""
    parsed = parse_module(module.read_bytes())
    began = time.perf_counter()
    count = sum(1 for body in parsed.functions for _ in decode(parsed.data, body.locals_end, body.end))
    seconds = time.perf_counter() - began
    code_bytes = sum(body.end - body.locals_end for body in parsed.functions)
    return {"decode_code": [seconds], "decoded_instructions": [count], "decoded_bytes": [code_bytes]}


def symbol_loading(program: Program) -> Measurements:
    """``bench_symbols``' in-process figures: resolve a breakpoint with an empty and a filled cache."""
    line = bench_symbols.breakpoint_line(program.source)
    data = program.wasm.read_bytes()
    with tempfile.TemporaryDirectory() as directory:
        cache = SymbolCache(Path(directory))
        cold, _ = bench_symbols.first_breakpoint(data, program.source, line, cache)
        warm, _ = bench_symbols.first_breakpoint(data, program.source, line, cache)
    return {"symbols_cold": [cold], "symbols_warm": [warm]}


def _timed(action) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began
