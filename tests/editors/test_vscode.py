"""The VS Code extension in real VS Code: code-server (VS Code 1.100 from npm) in Debian's Chromium, driven by
playwright-core as a user works (vscode_ui.js has each scenario's steps).

The extension is built into a .vsix from a clean copy and installed into code-server, and each scenario opens a
copy of examples/c: F5 with its launch.json (breakpoints, Variables, Watch, hover, steps, Debug Console, the
program's exit), F5 without one (the extension offers the .wasm files), and F5 where no Python can import the
adapter (an error toast says what to do). The adapter's interpreter is found the way a user's is: the workspace
has a `.venv` that can import wasmtime-dap, and nothing on code-server's PATH can.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from build import build_all

from tests.conftest import EXAMPLE_SOURCES, line_of
from tests.editors.conftest import REPO, end_tagged_processes, new_tag

pytestmark = pytest.mark.vscode_ui

HERE = Path(__file__).resolve().parent
CODE_SERVER = HERE / "node_modules" / "code-server"
CODE_SERVER_READY = HERE / "node_modules" / ".code-server-installed"  # written by install-code-server.sh
DRIVER = HERE / "vscode_ui.js"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCENARIO_TIMEOUT = 300
START_TIMEOUT = 60
# The lines of examples/c/inventory.c the scenarios use.
LINES = {
    "loop_body": line_of("inventory", "double line = order->count"),
    "order_total_call": line_of("inventory", "double total = order_total(orders);"),
    "restock_call": line_of("inventory", "int added = restock(item, 10);"),
    "restock_body": line_of("inventory", "int missing = target - item->quantity;"),
}


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def node() -> str:
    node = shutil.which("node")
    if node is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed (Debian: apt-get install nodejs npm)")
    if not CODE_SERVER_READY.exists():
        pytest.skip(
            f"code-server is not installed: run `npm ci --ignore-scripts` and ./install-code-server.sh in {HERE}"
            " (.ci/run does)"
        )
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (Debian: apt-get install chromium)")
    return node


@pytest.fixture(scope="module")
def vsix(node: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extension packaged from a clean copy of vscode-extension/."""
    checkout = tmp_path_factory.mktemp("vsix") / "vscode-extension"
    shutil.copytree(REPO / "vscode-extension", checkout, ignore=shutil.ignore_patterns("node_modules", "*.vsix"))
    run(["npm", "ci", "--no-audit", "--no-fund"], checkout)
    run(["npm", "run", "package"], checkout)
    return checkout / "wasmtime-dap.vsix"


def python_without_adapter(scratch: Path) -> Path:
    """A folder of `python3`/`python` that cannot import wasmtime-dap: a bare virtual environment's bin."""
    bare = scratch / "bare-python"
    venv.create(bare, with_pip=False)
    return bare / "bin"


@pytest.fixture(scope="module")
def code_server(node: str, vsix: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A running code-server with the extension installed; yields its URL."""
    scratch = tmp_path_factory.mktemp("code-server")
    home, user_data, extensions = scratch / "home", scratch / "user-data", scratch / "extensions"
    (user_data / "User").mkdir(parents=True)
    (user_data / "User" / "settings.json").write_text(
        json.dumps(
            {
                "workbench.startupEditor": "none",
                "security.workspace.trust.enabled": False,
                "telemetry.telemetryLevel": "off",
                "update.mode": "none",
                "extensions.autoCheckUpdates": False,
                "extensions.autoUpdate": False,
                "workbench.tips.enabled": False,
                "files.exclude": {"**/.venv": True},
                "search.exclude": {"**/.venv": True},
            }
        )
    )
    tag = new_tag()
    environment = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    environment[tag[0]] = tag[1]
    environment.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            # The agent build and Wasmtime's compiled code are cached there, shared with the rest of the suite.
            "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")),
            "PATH": os.pathsep.join([str(python_without_adapter(scratch)), "/usr/bin", "/bin"]),
        }
    )
    entry = str(CODE_SERVER / "out" / "node" / "entry.js")
    common = [node, entry, "--user-data-dir", str(user_data), "--extensions-dir", str(extensions)]
    run([*common, "--install-extension", str(vsix)], scratch, environment)
    server = subprocess.Popen(
        [
            *common,
            "--auth",
            "none",
            "--bind-addr",
            "127.0.0.1:0",
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            "--disable-getting-started-override",
        ],
        cwd=scratch,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield wait_for_url(server)
    finally:
        server.terminate()
        server.wait(timeout=30)
        leftovers = end_tagged_processes(tag)  # code-server's own helpers are killed too, if they linger
        adapters = {
            pid: args
            for pid, args in leftovers.items()
            if "dap_server" in args or (args and Path(args[0]).name == "wasmtime")
        }
        assert not adapters, f"adapter processes still running after VS Code quit: {adapters}"


def wait_for_url(server: subprocess.Popen[str]) -> str:
    """Reads code-server's log until it says where it listens."""
    seen = []
    assert server.stdout is not None
    for line in server.stdout:
        seen.append(line)
        match = re.search(r"HTTP server listening on (http://127\.0\.0\.1:\d+)/", line)
        if match:
            return match.group(1)
    raise AssertionError("code-server ended before listening:\n" + "".join(seen))


def adapter_venv(folder: Path) -> None:
    """A `.venv` in the workspace whose Python can import wasmtime-dap, as a user's project has."""
    if sys.prefix != sys.base_prefix:  # the tests run in a virtual environment: the workspace uses it
        (folder / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    else:  # wasmtime-dap is installed for this Python itself: a venv that sees its packages
        venv.create(folder / ".venv", system_site_packages=True, with_pip=False)


def workspace(scratch: Path, *, launch_json: bool, usable_python: bool) -> Path:
    """A copy of examples/c, built, as a user has it open."""
    source = EXAMPLE_SOURCES["inventory"]
    folder = Path(
        shutil.copytree(
            source.parent,
            scratch / "inventory",
            ignore=shutil.ignore_patterns("build", *([] if launch_json else [".vscode"])),
        )
    )
    assert "inventory" in build_all([folder / source.name])
    if usable_python:
        adapter_venv(folder)
    return folder


def drive(scenario: str, url: str, folder: Path, scratch: Path) -> None:
    params: dict[str, Any] = {
        "url": f"{url}/?folder={folder}",
        "browser": CHROMIUM,
        "timeoutMs": 20_000,
        "stepTimeoutMs": 30_000,
        "slowTimeoutMs": 120_000,  # the first launch on a machine builds the agent
        "screenshot": str(scratch / f"{scenario}.png"),
        "lines": LINES,
    }
    result = subprocess.run(
        ["node", str(DRIVER), scenario, json.dumps(params)],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=SCENARIO_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, f"{result.stderr}\n(screenshot: {params['screenshot']})"


def test_f5_with_launch_json_breakpoints_variables_watch_hover_steps_console_and_exit(
    code_server: str, tmp_path: Path
) -> None:
    drive("launchJson", code_server, workspace(tmp_path, launch_json=True, usable_python=True), tmp_path)


def test_f5_without_launch_json_offers_the_programs(code_server: str, tmp_path: Path) -> None:
    drive("withoutLaunchJson", code_server, workspace(tmp_path, launch_json=False, usable_python=True), tmp_path)


def test_f5_without_a_python_that_has_the_adapter_says_what_to_do(code_server: str, tmp_path: Path) -> None:
    drive("missingPython", code_server, workspace(tmp_path, launch_json=True, usable_python=False), tmp_path)
