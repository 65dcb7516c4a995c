"""Markdown for bench/RESULTS.md: tables of medians with their spread, ratios and verdicts."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass

from bench.stats import Samples, ratio

SCALE = {"s": 1.0, "ms": 1000.0, "MB": 1e-6, "hits/s": 1.0, "×": 1.0}


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    unit: str
    target: str = ""


def cell(samples: Samples | None, unit: str) -> str:
    """``median [Q1–Q3] (n)``, or why it could not be measured."""
    if samples is None:
        return "—"
    if samples.failure is not None:
        return f"**failed:** {samples.failure}"
    if not samples.values:
        return "—"
    scale = SCALE[unit]
    low, high = samples.quartiles()
    median = _number(samples.median * scale)
    if len(samples.values) == 1:
        return f"{median} {unit} (n=1)"
    return f"{median} {unit} [{_number(low * scale)}–{_number(high * scale)}] (n={len(samples.values)})"


def _number(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}" if value >= 0.01 else f"{value:.2g}"


def comparison_table(
    figures: list[Figure], results: dict[str, dict[str, Samples]], adapters: tuple[str, str], verdicts: dict[str, str]
) -> str:
    ours, theirs = adapters
    lines = [f"| Figure | {ours} | {theirs} | ratio ({ours} / {theirs}) | Target: verdict |", "|---|---|---|---|---|"]
    for figure in figures:
        by_adapter = results.get(figure.key, {})
        factor = ratio(by_adapter.get(ours, Samples()), by_adapter.get(theirs, Samples()))
        lines.append(
            f"| {figure.title} | {cell(by_adapter.get(ours), figure.unit)} | "
            f"{cell(by_adapter.get(theirs), figure.unit)} | "
            f"{'—' if factor is None else f'{factor:.2f}×'} | {_target(figure, verdicts)} |"
        )
    return "\n".join(lines)


def single_table(
    figures: list[Figure], results: dict[str, Samples], verdicts: dict[str, str], baseline: str | None = None
) -> str:
    header = (
        "| Figure | Median [IQR or min–max] (runs) |"
        + (" × the first row |" if baseline else "")
        + " Target: verdict |"
    )
    lines = [header, "|---" * (header.count("|") - 1) + "|"]
    for figure in figures:
        samples = results.get(figure.key)
        row = f"| {figure.title} | {cell(samples, figure.unit)} |"
        if baseline:
            factor = ratio(samples or Samples(), results.get(baseline, Samples()))
            row += f" {'—' if factor is None else f'{factor:.2f}×'} |"
        lines.append(row + f" {_target(figure, verdicts)} |")
    return "\n".join(lines)


def _target(figure: Figure, verdicts: dict[str, str]) -> str:
    verdict = verdicts.get(figure.key, "")
    if figure.target and verdict:
        return f"{figure.target}: {verdict}"
    return figure.target or verdict or ""


def machine() -> str:
    """CPU model and count, memory, OS, and the versions of the tools measured."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB RAM, {platform.system()} {platform.release()}; "
        f"{_version(['wasmtime', '--version'])}; {_version(['lldb-dap-22', '--version'])}; "
        f"Python {platform.python_version()}"
    )


def _version(command: list[str]) -> str:
    try:
        output = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False).stdout
    except OSError:
        return f"{command[0]} not installed"
    return output.strip().splitlines()[0] if output.strip() else command[0]
