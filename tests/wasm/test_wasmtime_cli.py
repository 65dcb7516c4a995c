"""Finding a Wasmtime with the guest debugger, and refusing one without it clearly."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from adapters.wasm.wasmtime_cli import MINIMUM_MAJOR, WasmtimeNotFound, find_wasmtime


def script(path: Path, text: str) -> Path:
    path.write_text(f"#!/bin/sh\n{text}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_the_installed_wasmtime_has_the_debugger():
    cli = find_wasmtime()
    assert cli.major >= MINIMUM_MAJOR and cli.path.is_file()


def test_wasmtime_environment_variable_is_honoured(monkeypatch):
    installed = find_wasmtime()
    monkeypatch.setenv("WASMTIME", str(installed.path))
    assert find_wasmtime().path == installed.path


def test_an_explicit_path_that_does_not_exist(tmp_path):
    with pytest.raises(WasmtimeNotFound, match="does not exist"):
        find_wasmtime(tmp_path / "wasmtime")


def test_a_program_that_is_not_wasmtime(tmp_path):
    with pytest.raises(WasmtimeNotFound, match="does not look like the Wasmtime CLI"):
        find_wasmtime(script(tmp_path / "imposter", "echo 'hello'"))


def test_a_wasmtime_too_old_for_the_debugger(tmp_path):
    old = script(tmp_path / "old-wasmtime", 'echo "wasmtime 40.0.0 (abc 2025-01-01)"')
    with pytest.raises(WasmtimeNotFound, match=f"needs Wasmtime {MINIMUM_MAJOR} or later"):
        find_wasmtime(old)


def test_a_wasmtime_built_without_the_debugger(tmp_path):
    stripped = script(
        tmp_path / "wasmtime-nodebug",
        'if [ "$1" = "--version" ]; then echo "wasmtime 49.0.3 (f96eabaa1 2026-10-14)"; else echo "no such option"; fi',
    )
    with pytest.raises(WasmtimeNotFound, match="without the guest debugger"):
        find_wasmtime(stripped)
