#!/usr/bin/env python3
"""Benchmarks of wasmtime-dap against lldb-dap; writes bench/RESULTS.md.

Both adapters are driven by the same DAP client (``dap_server.frontend.client``) through the
same scenarios, in the same run, alternating which goes first, so that a noisy machine
affects both alike; the page reports medians, their spread and the ratio.

Usage: ``python bench/run.py [--quick] [--runs N] [--output RESULTS.md] [--json results.json]``
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import bench_symbols, correctness, programs, scenarios, wasm_level
from bench.programs import Program
from bench.report import Figure, comparison_table, machine, single_table
from bench.sessions import ADAPTERS, LLDB, OURS, lldb_dap_missing
from bench.stats import Samples, ratio

Results = dict[str, dict[str, Samples]]  # figure key -> adapter or configuration -> samples
PLAIN, GUEST_DEBUG = "wasmtime run", "wasmtime run -D guest-debug=y"
WELL_UNDER = 0.8  # "well under" a limit: at most this fraction of it
CORRECTNESS_STOPS = {
    "basics": ["loop_body", "factorial_base", "main_square"],
    "types": ["all_initialised", "walk_body", "area_return"],
}


@dataclass(frozen=True)
class Plan:
    runs: int  # sessions per adapter for the quick scenarios
    slow_runs: int  # for the multi-MB programs, heavy next and the conditional loop
    steps: int  # `next` requests per session
    hits: dict[str, int]  # conditional breakpoint evaluations per adapter
    overhead_rounds: int  # loop iterations of the CPU-heavy run
    multi_mb: bool  # Lua and the generated 4 MB program
    correctness_programs: tuple[str, ...]


FULL = Plan(
    runs=5,
    slow_runs=3,
    steps=10,
    hits={OURS: 100_000, LLDB: 500},
    overhead_rounds=50_000_000,
    multi_mb=True,
    correctness_programs=("basics", "types"),
)
QUICK = Plan(
    runs=1,
    slow_runs=1,
    steps=3,
    hits={OURS: 5000, LLDB: 20},
    overhead_rounds=2_000_000,
    multi_mb=False,
    correctness_programs=("basics",),
)


def collect(results: Results, label: str, measure: Callable[[], dict[str, list[float]]], keys: list[str]) -> None:
    """Run one measurement and file its values under ``label``; a failure is filed against ``keys``."""
    if any(results.get(key, {}).get(label, Samples()).failure for key in keys):
        return  # it failed before: do not spend the time again
    try:
        measured = measure()
    except Exception as error:  # noqa: BLE001 - any failure of an adapter is a result to report
        for key in keys:
            results.setdefault(key, {}).setdefault(label, Samples()).fail(_describe(error))
        return
    for key, values in measured.items():
        results.setdefault(key, {}).setdefault(label, Samples()).values.extend(values)


def _describe(error: Exception) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:300].replace("|", "/")


def interleaved(
    results: Results,
    runs: int,
    labels: tuple[str, ...],
    measure: Callable[[str], Callable[[], dict[str, list[float]]]],
    keys: list[str],
) -> None:
    """``runs`` rounds of every label, the order rotating each round."""
    for round_number in range(runs):
        shift = round_number % len(labels)
        for label in labels[shift:] + labels[:shift]:
            print(f"  {keys[0]}: {label}, round {round_number + 1}/{runs}", file=sys.stderr, flush=True)
            collect(results, label, measure(label), keys)


def compare(
    results: Results,
    runs: int,
    scenario: Callable[[str], dict[str, list[float]]],
    keys: list[str],
    lldb_missing: str | None,
) -> None:
    if lldb_missing:
        for key in keys:
            results.setdefault(key, {}).setdefault(LLDB, Samples()).fail(lldb_missing)
    labels = (OURS,) if lldb_missing else ADAPTERS
    interleaved(results, runs, labels, lambda adapter: lambda: scenario(adapter), keys)


def plain_run(program: Program, rounds: int, guest_debug: bool) -> dict[str, list[float]]:
    command = ["wasmtime", "run", *(["-D", "guest-debug=y"] if guest_debug else []), str(program.wasm), str(rounds)]
    began = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return {"run_with_breakpoint": [time.perf_counter() - began]}


def measure_all(plan: Plan) -> tuple[Results, dict, dict]:
    lldb_missing = lldb_dap_missing()
    fixtures = programs.fixtures()
    basics, heavy, loop = fixtures["basics"], fixtures["heavy"], programs.hot_loop()
    results: Results = {}
    sizes = {"basics": basics.wasm.stat().st_size}

    compare(
        results,
        plan.runs,
        scenarios.first_stop_and_inspect(basics, basics.line("loop_body"), plan.steps, False),
        ["first_stop_basics", "next", "inspect_basics"],
        lldb_missing,
    )
    if plan.multi_mb:
        lua, big = programs.lua(), programs.generated_big()
        vdbe_source, vdbe_line = programs.sqlite_line()  # a statement of sqlite3VdbeExec (~9,000 lines)
        sqlite = programs.Program("sqlite", programs.sqlite().wasm, vdbe_source)
        real = [(lua, lua.line("script_loaded")), (big, bench_symbols.breakpoint_line(big.source)), (sqlite, vdbe_line)]
        try:
            rust = programs.json_regex()
            real.append((rust, rust.line("count_words")))
        except RuntimeError as error:
            print(f"  skipped the Rust program: {error}", file=sys.stderr)
        for program, line in real:
            sizes[program.name] = program.wasm.stat().st_size
            compare(
                results,
                plan.slow_runs,
                scenarios.first_stop_and_inspect(program, line, 0, cold=True),
                [f"first_stop_{program.name}", f"inspect_{program.name}"],
                lldb_missing,
            )
    compare(
        results,
        plan.slow_runs,
        scenarios.heavy_call(heavy),
        ["heavy_next", "heavy_continue", "heavy_ratio"],
        lldb_missing,
    )
    for alone in (True, False):
        suffix = "_alone" if alone else ""
        compare(
            results,
            plan.slow_runs,
            scenarios.conditional_loop(loop, plan.hits.__getitem__, alone),
            [f"condition_rate{suffix}", f"million_hits{suffix}"],
            lldb_missing,
        )

    overhead_labels = (PLAIN, GUEST_DEBUG, OURS) + (() if lldb_missing else (LLDB,))
    untouched = scenarios.untouched_breakpoint(loop, plan.overhead_rounds)

    def overhead(label: str) -> Callable[[], dict[str, list[float]]]:
        if label in (PLAIN, GUEST_DEBUG):
            return lambda: plain_run(loop, plan.overhead_rounds, label == GUEST_DEBUG)
        return lambda: untouched(label)

    interleaved(results, plan.runs, overhead_labels, overhead, ["run_with_breakpoint"])

    wasm: dict[str, Samples] = {}
    for measure, keys in (
        (lambda: wasm_level.agent_requests(basics, "factorial_base"), ["agent_round_trip", "stop_to_frames"]),
        (lambda: wasm_level.read_bytecode(programs.big_data_module()), ["bytecode_read"]),
        *(
            [
                (lambda: wasm_level.symbol_loading(programs.generated_big()), ["symbols_cold"]),
                (lambda: wasm_level.decode_code(programs.generated_big().wasm), ["decode_code"]),
            ]
            if plan.multi_mb
            else []
        ),
    ):
        single: Results = {}
        interleaved(single, plan.slow_runs, ("ours",), lambda _, measure=measure: measure, keys)
        wasm.update({key: by_label["ours"] for key, by_label in single.items()})

    checks = {}
    for name in plan.correctness_programs:
        program = fixtures[name]
        reference = correctness.gdb_values(program, CORRECTNESS_STOPS[name])
        for adapter in ADAPTERS:
            if adapter == LLDB and lldb_missing:
                checks[(name, adapter)] = correctness.Comparison(failure=lldb_missing)
                continue
            try:
                shown = correctness.adapter_values(adapter, program, CORRECTNESS_STOPS[name])
                checks[(name, adapter)] = correctness.compare(reference, shown)
            except Exception as error:  # noqa: BLE001 - reported on the page
                checks[(name, adapter)] = correctness.Comparison(failure=_describe(error))
    return results, wasm, {"checks": checks, "sizes": sizes, "lldb_missing": lldb_missing}


def verdicts(results: Results, wasm: dict[str, Samples]) -> dict[str, str]:
    """Each target met or missed, from our medians (and lldb-dap's where the target names it)."""
    found: dict[str, str] = {}

    def ours(key: str) -> Samples:
        return results.get(key, {}).get(OURS, Samples())

    def check(
        key: str, samples: Samples, limit: float, scale: float = 1.0, unit: str = "s", well: bool = False
    ) -> None:
        """``well``: the target is to be well under ``limit``, taken as WELL_UNDER of it."""
        if samples.ok:
            median = samples.median * scale
            if median > limit:
                found[key] = f"**MISSED** ({median:.3g} {unit})"
            elif well and median > WELL_UNDER * limit:
                found[key] = f"**under, not well under** ({median:.3g} {unit})"
            else:
                found[key] = "met"

    check("next", ours("next"), 20.0, 1000, "ms")
    versus = ratio(ours("next"), results.get("next", {}).get(LLDB, Samples()))
    if "next" in found and versus is not None:
        verdict = "met" if versus <= 1 else f"**MISSED** ({versus:.1f}× slower)"
        found["next"] += "; no slower than lldb-dap: " + verdict
    for key in results:
        if key.startswith("first_stop_") and not key.endswith("basics"):
            check(key, ours(key), 2.0)
    check("heavy_ratio", ours("heavy_ratio"), 1.5, unit="×")
    check("million_hits_alone", ours("million_hits_alone"), 90.0, well=True)
    check("million_hits", ours("million_hits"), 90.0, well=True)
    check("bytecode_read", wasm.get("bytecode_read", Samples()), 0.5)
    check("symbols_cold", wasm.get("symbols_cold", Samples()), 2.0)
    check("decode_code", wasm.get("decode_code", Samples()), 3.0)
    return found


def render(plan: Plan, quick: bool, results: Results, wasm: dict[str, Samples], extra: dict) -> str:
    sizes, checks = extra["sizes"], extra["checks"]
    size = {name: f"{value / 1e6:.1f} MB" if value > 1e6 else f"{value / 1e3:.0f} kB" for name, value in sizes.items()}
    targets = verdicts(results, wasm)
    dap = [
        Figure("first_stop_basics", f"launch → first breakpoint, small program (basics.wasm, {size['basics']})", "s"),
        *(
            [
                Figure(
                    "first_stop_lua",
                    f"launch → first breakpoint, Lua 5.4 interpreter (lua.wasm, {size['lua']}, "
                    "our symbol cache emptied first)",
                    "s",
                    "≤ 2 s cold",
                ),
                Figure(
                    "first_stop_big_6000",
                    f"launch → first breakpoint, generated program (big_6000.wasm, {size['big_6000']}, cache emptied)",
                    "s",
                    "≤ 2 s cold",
                ),
                Figure(
                    "first_stop_json_regex",
                    "launch → first breakpoint, Rust with serde_json and regex "
                    f"(json_regex.wasm, {size.get('json_regex', '?')}, cache emptied)",
                    "s",
                ),
                Figure(
                    "first_stop_sqlite",
                    f"launch → first breakpoint in sqlite3VdbeExec, SQLite 3.50 (sqlite.wasm, "
                    f"{size['sqlite']}, cache emptied)",
                    "s",
                ),
            ]
            if plan.multi_mb
            else []
        ),
        Figure("next", "`next` round trip (request → `stopped`), in a loop", "ms", "≤ 20 ms"),
        Figure("inspect_basics", "stop → stackTrace + scopes + variables (basics)", "ms"),
        *(
            [
                Figure("inspect_lua", "stop → stackTrace + scopes + variables (Lua)", "ms"),
                Figure(
                    "inspect_json_regex",
                    "stop → stackTrace + scopes + variables (Rust: a `&Regex` and a `&str`, first view of their types)",
                    "ms",
                    "≤ 100 ms",
                ),
                Figure(
                    "inspect_sqlite",
                    "stop → stackTrace + scopes + variables (SQLite, in the 9,000-line "
                    "sqlite3VdbeExec, twice on the stack)",
                    "ms",
                    "≤ 20 ms + ≤ 30 ms",
                ),
            ]
            if plan.multi_mb
            else []
        ),
        Figure("heavy_next", "`next` over heavy() (~50M Wasm instructions)", "s"),
        Figure("heavy_continue", "`continue` over the same call to a breakpoint on the next line", "s"),
        Figure("heavy_ratio", "heavy `next` ÷ `continue` (per session pair)", "×", "≤ 1.5×"),
        Figure(
            "condition_rate_alone",
            f"conditional breakpoint `i < 0` in a hot loop, the only breakpoint "
            f"({plan.hits[OURS]:,} hits ours, {plan.hits[LLDB]:,} lldb-dap)",
            "hits/s",
        ),
        Figure(
            "million_hits_alone",
            "time for 1M false-condition hits (both extrapolated from the rates above)",
            "s",
            f"well under 90 s (≤ {WELL_UNDER * 90:.0f} s)",
        ),
        Figure(
            "condition_rate",
            "the same with a second breakpoint set (after the loop): the agent must then ask Wasmtime where it stopped",
            "hits/s",
        ),
        Figure(
            "million_hits",
            "time for 1M false-condition hits with the second breakpoint set",
            "s",
            f"well under 90 s (≤ {WELL_UNDER * 90:.0f} s)",
        ),
        Figure("rss_adapter_basics", "peak RSS of the adapter process (basics)", "MB"),
        Figure("rss_total_basics", "peak RSS of adapter + Wasmtime (basics)", "MB"),
        *(
            [
                Figure("rss_adapter_lua", "peak RSS of the adapter process (Lua)", "MB"),
                Figure("rss_total_lua", "peak RSS of adapter + Wasmtime (Lua)", "MB"),
                Figure("rss_adapter_json_regex", "peak RSS of the adapter process (Rust json_regex)", "MB"),
                Figure("rss_total_json_regex", "peak RSS of adapter + Wasmtime (Rust json_regex)", "MB"),
                Figure("rss_adapter_sqlite", "peak RSS of the adapter process (SQLite)", "MB"),
                Figure("rss_total_sqlite", "peak RSS of adapter + Wasmtime (SQLite)", "MB"),
            ]
            if plan.multi_mb
            else []
        ),
    ]
    overhead = [
        Figure(label, label if label in (PLAIN, GUEST_DEBUG) else f"{label}, breakpoint set, never hit", "s")
        for label in results.get("run_with_breakpoint", {})
    ]
    wasm_figures = [
        Figure("agent_round_trip", "agent request round trip (`memory_size`)", "ms"),
        Figure("stop_to_frames", f"stop → `frames()` ({_depth(wasm)} frames deep)", "ms"),
        Figure(
            "bytecode_read",
            "reading a 10 MB module's bytecode from the agent (first `modules()`: fetch + section parse)",
            "s",
            "< 0.5 s",
        ),
        *(
            [
                Figure(
                    "symbols_cold",
                    "symbols: first breakpoint resolved, empty cache (big_6000, in-process)",
                    "s",
                    "≤ 2 s",
                ),
                Figure("symbols_warm", "symbols: first breakpoint resolved, cache filled", "s"),
                Figure(
                    "decode_code", f"decoding every instruction of big_6000's code ({_decoded(wasm)})", "s", "< 3 s"
                ),
            ]
            if plan.multi_mb
            else []
        ),
    ]
    assertions = results.get("internal_assertions", {}).get(LLDB)
    lines = [
        "# wasmtime-dap against lldb-dap",
        "",
        (
            f"Measured {datetime.date.today().isoformat()} with `python bench/run.py{' --quick' if quick else ''}` on "
            f"{machine()}. The machine is shared and noisy: both adapters were measured in the same run, "
            "alternating which went first; compare the ratios more than the absolute figures."
        ),
        "",
        (
            "Method: one DAP client (`dap_server/frontend/client.py`) drives both adapters through the same requests. "
            "wasmtime-dap is `python -m dap_server` (stdio), launching the program itself. lldb-dap-22 attaches to "
            '`wasmtime run -g 127.0.0.1:PORT prog.wasm` with `attachCommands: ["process connect --plugin wasm '
            'connect://127.0.0.1:PORT"]` (the gdbstub starts stopped before any Wasm runs, so breakpoints set before '
            "`configurationDone` hold). Launch times start when the processes are started (for lldb-dap: Wasmtime, "
            "then lldb-dap) and end at the `stopped` event. Cells: median [interquartile range, or min–max under "
            "four samples] (number of samples). RSS is Linux VmHWM (peak resident set) read at the end of the "
            "session: the adapter process alone, and the adapter plus the Wasmtime process running the program "
            "(ours: its child running our agent; lldb-dap: the `wasmtime run -g` it attached to)."
        ),
        "",
        "## Against lldb-dap",
        "",
        comparison_table(dap, results, ADAPTERS, targets),
        "",
    ]
    if assertions and assertions.ok and assertions.median:
        lines += [
            (
                f'lldb-dap printed an internal error (`Assertion failed: (0 && "GetMemoryRegionInfo() succeeded, '
                f'then failed")`, with a backtrace and "Please file a bug report") in each '
                f"conditional-breakpoint session ({assertions.median:.0f} per session), though it went on "
                "evaluating the condition."
            ),
            "",
        ]
    lines += [
        "## Correctness against gdb (native `gcc -g -O0` build of the same source)",
        "",
        (
            "Arguments and locals at the first hit of each marker, structs and arrays flattened to their leaves; "
            "non-string pointers are left out (addresses differ between native and Wasm)."
        ),
        "",
        "| Program (stops) | Adapter | Values matching gdb | Differences |",
        "|---|---|---|---|",
    ]
    for (name, adapter), comparison in checks.items():
        stops = ", ".join(CORRECTNESS_STOPS[name])
        if comparison.failure:
            lines.append(f"| {name} ({stops}) | {adapter} | **failed:** {comparison.failure} | |")
            continue
        shown = "; ".join(comparison.mismatches[:6]) + (" …" if len(comparison.mismatches) > 6 else "")
        lines.append(f"| {name} ({stops}) | {adapter} | {comparison.matched} / {comparison.compared} | {shown} |")
    lines += [
        "",
        f"## Cost of running under the debugger (hot_loop.wasm, {plan.overhead_rounds:,} iterations)",
        "",
        (
            "Plain runs: the whole `wasmtime run` process, start-up included. Adapters: from `configurationDone` "
            "answered to the end of the program, start-up excluded (lldb-dap sees the exit as a stop: the gdbstub "
            "reports `proc_exit` as signal 11). So the adapter rows are slightly flattered against the plain ones."
        ),
        "",
        single_table(overhead, results.get("run_with_breakpoint", {}), {}, baseline=PLAIN),
        "",
        "## Wasm level (our stack below DAP)",
        "",
        single_table(wasm_figures, wasm, targets),
        "",
        (
            "The 1M-hit figures in the first table are measured through the DAP server; our adapter compiles the "
            "condition for the agent's evaluator, which checks it inside Wasmtime, so no hit reaches the adapter. "
            f"Both adapters' 1M figures are extrapolated from their rates over {plan.hits[OURS]:,} (ours) and "
            f"{plan.hits[LLDB]:,} (lldb-dap) hits; lldb-dap's rate is too low to run more in the time. "
            "Where a hit's time goes: every question the agent asks Wasmtime that needs the program's state is a "
            "message between two of Wasmtime's threads (~9 us each here). A false `i < 0` needs four when its "
            "breakpoint is the only one: Wasmtime's own two for the continue -> breakpoint cycle, the stack "
            "pointer global (the frame base, which the condition compiler reads there instead of the frame's "
            "locals when the function's code shows they are equal) and the memory read. With breakpoints at two "
            "places it needs two more, the top frame and its PC, to tell which one was hit. The instance needs no "
            "question for a core module (each module is instantiated once). Wasmtime's debugger interface has no "
            "way to ask for several things at once."
        ),
        "",
    ]
    return "\n".join(lines)


def _decoded(wasm: dict[str, Samples]) -> str:
    count, size = wasm.get("decoded_instructions"), wasm.get("decoded_bytes")
    if count is None or size is None or not (count.ok and size.ok):
        return "?"
    return f"{size.median / 1e6:.1f} MB, {count.median:,.0f} instructions"


def _depth(wasm: dict[str, Samples]) -> str:
    depth = wasm.get("frame_depth")
    return f"{depth.median:.0f}" if depth is not None and depth.ok else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one short round of the small scenarios (< 1 min)")
    parser.add_argument("--runs", type=int, help="sessions per adapter for the quick scenarios")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "RESULTS.md")
    parser.add_argument("--json", type=Path, help="also write the raw samples here")
    options = parser.parse_args()
    plan = QUICK if options.quick else FULL
    if options.runs:
        plan = Plan(**{**plan.__dict__, "runs": options.runs})
    # As pip does on install: the adapter then starts from bytecode even under PYTHONDONTWRITEBYTECODE.
    for package in ("adapters", "dap_server"):
        compileall.compile_dir(REPO / package, quiet=1)
    results, wasm, extra = measure_all(plan)
    options.output.write_text(render(plan, options.quick, results, wasm, extra))
    if options.json:
        raw = {
            "dap": {
                key: {label: samples.__dict__ for label, samples in by_label.items()}
                for key, by_label in results.items()
            },
            "wasm": {key: samples.__dict__ for key, samples in wasm.items()},
            "correctness": {
                f"{name}/{adapter}": comparison.__dict__ for (name, adapter), comparison in extra["checks"].items()
            },
        }
        options.json.write_text(json.dumps(raw, indent=1))
    print(f"wrote {options.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
