"""VS Code's DebugClient (npm @vscode/debugadapter-testsupport, run by mocha under node) against our server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from dap_server.transport import MESSAGE_LOG_VARIABLE
from tests.conftest import require_tool
from tests.dap.schema import REPO

CLIENT_DIR = REPO / "tests" / "dap_client"


def install_client() -> None:
    npm = require_tool("npm", "VS Code's DebugClient", "apt-get install nodejs npm")
    if not (CLIENT_DIR / "node_modules" / "@vscode" / "debugadapter-testsupport").is_dir():
        command = "ci" if (CLIENT_DIR / "package-lock.json").exists() else "install"
        subprocess.run([npm, command, "--no-audit", "--no-fund"], cwd=CLIENT_DIR, check=True, timeout=600)


def test_debug_client_suite(message_log: Path, fixtures, markers) -> None:
    install_client()
    env = {
        **os.environ,
        "DAP_PYTHON": sys.executable,
        "DAP_REPO": str(REPO),
        MESSAGE_LOG_VARIABLE: str(message_log),
        "DAP_PROGRAMS": json.dumps({name: str(fixtures[name]) for name in ("basics", "types", "traps", "heavy")}),
        "DAP_MARKERS": json.dumps({name: markers(name) for name in ("basics.c", "types.c", "traps.c", "heavy.c")}),
        "DAP_SOURCES": str(REPO / "tests" / "fixtures"),
    }
    mocha = CLIENT_DIR / "node_modules" / ".bin" / "mocha"
    result = subprocess.run(
        [str(mocha), "--timeout", "120000", "--reporter", "spec", "test/"],
        cwd=CLIENT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert " passing" in report and " failing" not in report and " pending" not in report, report
