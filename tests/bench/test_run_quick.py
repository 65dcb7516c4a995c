"""The benchmark runner works: ``bench/run.py --quick`` measures both adapters and writes the page."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUR_FIGURES = (
    "first_stop_basics",
    "next",
    "inspect_basics",
    "heavy_next",
    "heavy_continue",
    "condition_rate",
    "rss_total_basics",
)


def test_quick_run_measures_both_adapters_and_writes_the_page(tmp_path: Path) -> None:
    page, raw = tmp_path / "RESULTS.md", tmp_path / "results.json"
    completed = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--output", str(page), "--json", str(raw)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = json.loads(raw.read_text())

    for key in OUR_FIGURES:
        ours = results["dap"][key]["wasmtime-dap"]
        assert ours["failure"] is None, f"{key}: {ours['failure']}"
        assert ours["values"] and all(value > 0 for value in ours["values"]), key
    lldb = results["dap"]["next"]["lldb-dap"]
    if shutil.which("lldb-dap-22"):
        assert lldb["failure"] is None and lldb["values"], lldb["failure"]
    else:
        assert "not installed" in lldb["failure"]

    checked = results["correctness"]["basics/wasmtime-dap"]
    assert checked["failure"] is None and checked["compared"] > 0
    assert checked["matched"] == checked["compared"], checked["mismatches"]
    assert results["wasm"]["bytecode_read"]["values"][0] > 0

    text = page.read_text()
    assert "| `next` round trip" in text and "## Correctness against gdb" in text
