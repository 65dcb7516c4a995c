"""The DAP scenarios, each run the same way under either adapter.

A scenario takes an adapter name and returns named measurements (lists of values in base
units: seconds, bytes, hits per second); ``run.py`` repeats it, alternating the adapters.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bench.programs import Program
from bench.sessions import Session, SessionError, forget_symbols, start

Measurements = dict[str, list[float]]
MILLION = 1_000_000


def _expect_line(session: Session, line: int) -> None:
    """SessionError unless the session is stopped at ``line``."""
    frame = session.top_frame()
    if frame.get("line") != line:
        raise SessionError(
            f"{session.adapter}: stopped at line {frame.get('line')} of {frame.get('name')}, expected line {line}"
        )


def first_stop_and_inspect(program: Program, line: int, steps: int, cold: bool) -> Callable[[str], Measurements]:
    """Launch to a breakpoint at ``line``; then ``steps`` × (next; stackTrace + scopes + variables).

    With ``cold``, our adapter's symbol cache for the program is emptied first. The keys of
    the measurements end with ``_`` and the program's name, except ``next``.
    """

    def measure(adapter: str) -> Measurements:
        if cold:
            forget_symbols(program.wasm)
        session = start(adapter, program.wasm, {program.source: [{"line": line}]})
        try:
            session.wait_stop()
            first_stop = time.perf_counter() - session.started
            _expect_line(session, line)
            inspect = [_inspect(session)]
            step_times = []
            for _ in range(steps):
                began = time.perf_counter()
                session.run("next")
                step_times.append(time.perf_counter() - began)
                inspect.append(_inspect(session))
            adapter_rss, total_rss = session.peak_rss()
        finally:
            session.close()
        measured = {
            f"{key}_{program.name}": values
            for key, values in (
                ("first_stop", [first_stop]),
                ("inspect", inspect),
                ("rss_adapter", [adapter_rss]),
                ("rss_total", [total_rss]),
            )
        }
        return {**measured, "next": step_times} if steps else measured

    return measure


def _inspect(session: Session) -> float:
    """Seconds for what an editor asks at a stop: stackTrace, scopes, the locals' variables."""
    began = time.perf_counter()
    frame = session.top_frame()
    for scope in session.local_scopes(frame["id"]):
        session.variables(scope["variablesReference"])
    return time.perf_counter() - began


def heavy_call(program: Program) -> Callable[[str], Measurements]:
    """``next`` over heavy(), and ``continue`` over the same call to a breakpoint on the next line."""
    call_line, next_line = program.line("heavy_call"), program.line("heavy_call") + 1

    def measure(adapter: str) -> Measurements:
        results: Measurements = {}
        for how in ("next", "continue"):
            lines = [{"line": call_line}] + ([{"line": next_line}] if how == "continue" else [])
            session = start(adapter, program.wasm, {program.source: lines})
            try:
                session.wait_stop()
                _expect_line(session, call_line)
                began = time.perf_counter()
                session.run(how)
                results[f"heavy_{how}"] = [time.perf_counter() - began]
                _expect_line(session, next_line)
            finally:
                session.close()
        results["heavy_ratio"] = [results["heavy_next"][0] / results["heavy_continue"][0]]
        return results

    return measure


def conditional_loop(program: Program, hits: Callable[[str], int], alone: bool) -> Callable[[str], Measurements]:
    """Continue through ``hits(adapter)`` loop iterations with a breakpoint whose condition is never true:
    ``alone``, to the program's end; otherwise with a second breakpoint after the loop, where it stops."""
    suffix = "_alone" if alone else ""

    def measure(adapter: str) -> Measurements:
        rounds = hits(adapter)
        session = start(
            adapter, program.wasm, {program.source: [{"line": program.line("before_loop")}]}, args=[str(rounds)]
        )
        try:
            session.wait_stop()
            conditional = {"line": program.line("loop_body"), "condition": "i < 0"}
            after = [] if alone else [{"line": program.line("after_loop")}]
            session.set_breakpoints(program.source, [conditional, *after])
            began = time.perf_counter()
            if alone:
                session.client.request("continue", {"threadId": session.thread_id})
                session.wait_end()  # lldb-dap sees the exit as a stop (the gdbstub's signal 11)
            else:
                session.run("continue")
            seconds = time.perf_counter() - began
            if not alone:
                _expect_line(session, program.line("after_loop"))
            assertions = sum("Assertion failed" in text for text in session.important_output)
        finally:
            session.close()
        return {
            f"condition_rate{suffix}": [rounds / seconds],
            f"million_hits{suffix}": [MILLION * seconds / rounds],
            f"internal_assertions{suffix}": [assertions],
        }

    return measure


def untouched_breakpoint(program: Program, rounds: int) -> Callable[[str], Measurements]:
    """Run the CPU-heavy loop to its end with a breakpoint set on a line it never reaches."""

    def measure(adapter: str) -> Measurements:
        session = start(adapter, program.wasm, {program.source: [{"line": program.line("never")}]}, args=[str(rounds)])
        try:
            session.wait_end()  # lldb-dap reports the exit as a stop (the gdbstub's signal 11)
            seconds = time.perf_counter() - session.configured
        finally:
            session.close()
        return {"run_with_breakpoint": [seconds]}

    return measure
