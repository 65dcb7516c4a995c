#!/usr/bin/env python3
"""Cold and warm first-breakpoint resolution on a multi-MB module with full DWARF.

Generates a large C program (thousands of functions with loops, structs and calls),
compiles it with -g, then times ``ModuleSymbols.load`` + ``resolve_line`` with an empty
symbol cache (cold) and with the cache filled (warm), plus the first ``function_at``.

Usage: ``python bench/bench_symbols.py [--functions N]``
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from adapters.source.symbol_cache import SymbolCache
from adapters.source.symbols import ModuleSymbols

BUILD = REPO / "bench" / "build"
COLD_BUDGET, WARM_BUDGET = 2.0, 0.3


def generate(functions: int) -> str:
    parts = ["#include <stdio.h>", "struct pair { int a; long long b; double c; };"]
    for index in range(functions):
        parts.append(f"""
int work_{index}(int n, struct pair *p) {{
  int total = {index};
  for (int i = 0; i < n; i++) {{
    total += i * {index % 7 + 1};
    if (total % 3 == 0) {{
      p->a += total;
    }} else {{
      p->b -= total;
    }}
  }}
  p->c = total / 2.0;
  return total ^ p->a;
}}""")
    calls = "\n".join(f"  sum += work_{index}(argc + {index % 5}, &p);" for index in range(functions))
    parts.append(f"""
int main(int argc, char **argv) {{
  (void)argv;
  struct pair p = {{0, 0, 0.0}};
  int sum = 0;
{calls}
  printf("%d\\n", sum);
  return 0;
}}""")
    return "\n".join(parts) + "\n"


def build(functions: int) -> tuple[Path, Path]:
    BUILD.mkdir(parents=True, exist_ok=True)
    source = BUILD / f"big_{functions}.c"
    output = BUILD / f"big_{functions}.wasm"
    if not output.exists():
        source.write_text(generate(functions))
        subprocess.run(
            [
                sys.executable,
                "-m",
                "ziglang",
                "cc",
                "--target=wasm32-wasi",
                "-g",
                "-O0",
                "-fno-sanitize=undefined",
                str(source),
                "-o",
                str(output),
            ],
            check=True,
        )
    return source, output


def breakpoint_line(source: Path) -> int:
    """A ``total +=`` line about two thirds into the generated source (a function called late)."""
    lines = source.read_text().splitlines()
    line = len(lines) * 2 // 3
    while "total +=" not in lines[line - 1]:
        line += 1
    return line


def first_breakpoint(data: bytes, source: Path, line: int, cache: SymbolCache) -> tuple[float, float]:
    """Seconds to resolve a breakpoint from scratch, and then to name the function there."""
    start = time.perf_counter()
    symbols = ModuleSymbols.load(data, cache=cache)
    resolved = symbols.resolve_line(str(source), line)
    resolved_at = time.perf_counter()
    assert resolved is not None and resolved[1], "the breakpoint did not resolve"
    function = symbols.function_at(resolved[1][0])
    assert function is not None
    return resolved_at - start, time.perf_counter() - resolved_at


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=6000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    source, module = build(args.functions)
    data = module.read_bytes()
    line = breakpoint_line(source)
    print(f"module: {module.name}, {len(data) / 1e6:.1f} MB; breakpoint at line {line}")
    cold, cold_functions, warm, warm_functions = [], [], [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as directory:
            cache = SymbolCache(Path(directory))
            seconds, function_seconds = first_breakpoint(data, source, line, cache)
            cold.append(seconds), cold_functions.append(function_seconds)
            seconds, function_seconds = first_breakpoint(data, source, line, cache)
            warm.append(seconds), warm_functions.append(function_seconds)
    report = [
        ("cold first breakpoint", cold, COLD_BUDGET),
        ("warm first breakpoint", warm, WARM_BUDGET),
        ("cold first function_at", cold_functions, None),
        ("warm first function_at", warm_functions, None),
    ]
    failed = False
    for label, samples, budget in report:
        median = statistics.median(samples)
        verdict = "" if budget is None else (" ok" if median <= budget else f" OVER the {budget} s budget")
        failed |= budget is not None and median > budget
        print(f"{label}: median {median:.3f} s (runs: {', '.join(f'{s:.3f}' for s in samples)}){verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
