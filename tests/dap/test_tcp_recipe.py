"""The docs' nvim-dap recipe that starts the adapter on TCP itself, run by real Neovim and nvim-dap:
the token it chooses reaches the adapter (in the environment) and every launch (``authToken``).

Skipped without ``nvim`` or without nvim-dap beside the repository (``shared/clients``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.conftest import REPO, copy_client
from tests.dap.test_editor_recipes import doc_block

NVIM = shutil.which("nvim")
RECIPE_START = "-- Or: over TCP, with nvim-dap starting the adapter on a free port"
NVIM_TIMEOUT = 120  # seconds: the first launch may build the agent

HARNESS = """
vim.opt.rtp:append(%(nvim_dap)s)
local dap = require("dap")
%(recipe)s
local outcome = nil
dap.listeners.after.launch["test"] = function(_, err)
  outcome = err and ("refused: " .. (err.message or vim.inspect(err))) or "launched"
end
dap.run({ type = "wasmtime", request = "launch", name = "test", program = %(program)s, stopOnEntry = true })
vim.wait(%(wait_ms)d, function() return outcome ~= nil end, 100)
local file = io.open(%(result)s, "w")
file:write(outcome or "no answer")
file:close()
dap.terminate()
vim.wait(10000, function() return dap.session() == nil end, 100)
vim.cmd("qa!")
"""


def tcp_recipe() -> str:
    """The commented-out TCP variant of the Neovim recipe in docs/editors.md, as Lua that runs."""
    lines = doc_block("Neovim", "lua").splitlines()
    variant = lines[next(n for n, line in enumerate(lines) if line.startswith(RECIPE_START)) :]
    code_start = next(n for n, line in enumerate(variant) if line.startswith("-- local "))
    code_end = variant.index("-- }", code_start)
    return "\n".join(line.removeprefix("-- ") for line in variant[code_start : code_end + 1])


def processes_with_environment(marker: str) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "environ").read_bytes():
                found.add(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.skipif(NVIM is None, reason="needs nvim (apt-get install neovim; .ci/run does it)")
def test_the_neovim_tcp_recipe_sends_the_token_it_gave_the_adapter(fixtures, tmp_path) -> None:
    nvim_dap = copy_client("nvim-dap-0.6.0", tmp_path)
    result = tmp_path / "outcome.txt"
    harness = tmp_path / "harness.lua"
    harness.write_text(
        HARNESS
        % {
            "nvim_dap": json.dumps(str(nvim_dap)),
            "recipe": tcp_recipe(),
            "program": json.dumps(str(fixtures["basics"])),
            "wait_ms": NVIM_TIMEOUT * 1000,
            "result": json.dumps(str(result)),
        }
    )
    marker = f"WASMTIME_DAP_TEST_RUN={uuid.uuid4()}"
    name, value = marker.split("=")
    try:
        subprocess.run(
            [str(NVIM), "--headless", "-u", "NONE", "-c", f"luafile {harness}"],
            # Not the schema-checking environment: nvim-dap 0.6.0 starts its seqs at 0, which the schema forbids.
            env={**os.environ, "PYTHONPATH": str(REPO), name: value},
            cwd=tmp_path,
            capture_output=True,
            timeout=NVIM_TIMEOUT + 30,
            check=False,
        )
    finally:
        # nvim-dap starts the adapter detached and leaves it serving after Neovim quits.
        for pid in processes_with_environment(marker):
            os.kill(pid, signal.SIGTERM)
    assert result.read_text() == "launched"
