"""Builds and tests the VS Code extension the way a new contributor would, from a clean copy."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import require_tool

EXTENSION_DIR = Path(__file__).resolve().parents[2] / "vscode-extension"
EXPECTED_VSIX_FILES = {
    "extension/package.json",
    "extension/readme.md",
    "extension/changelog.md",
    "extension/LICENSE.txt",
    "extension/src/extension.js",
    "extension/src/adapterCommand.js",
    "extension/src/debugConfiguration.js",
    "extension/src/interpreter.js",
    "extension/src/pythonExtension.js",
}


def run_npm(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    npm = require_tool("npm", "building and testing the VS Code extension", "apt-get install nodejs npm")
    result = subprocess.run(
        [npm, *args], cwd=cwd, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, f"npm {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def clean_checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extension sources without node_modules or build output, with dependencies installed by `npm ci`."""
    checkout = tmp_path_factory.mktemp("extension") / "vscode-extension"
    shutil.copytree(EXTENSION_DIR, checkout, ignore=shutil.ignore_patterns("node_modules", "*.vsix"))
    # The manifest tests also read the examples' launch.json files beside the extension.
    shutil.copytree(
        EXTENSION_DIR.parent / "examples",
        checkout.parent / "examples",
        ignore=shutil.ignore_patterns("build", "target"),
    )
    run_npm("ci", "--no-audit", "--no-fund", cwd=checkout)
    return checkout


def test_unit_tests_pass(clean_checkout: Path) -> None:
    result = run_npm("test", "--", "--reporter", "dot", cwd=clean_checkout)
    assert " passing" in result.stdout
    assert "failing" not in result.stdout


def test_package_builds_a_vsix_with_the_extension_files(clean_checkout: Path) -> None:
    run_npm("run", "package", cwd=clean_checkout)
    vsix = clean_checkout / "wasmtime-dap.vsix"
    with zipfile.ZipFile(vsix) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("extension/package.json"))
    assert EXPECTED_VSIX_FILES.issubset(names)
    assert not any(name.startswith(("extension/node_modules/", "extension/test/")) for name in names)
    assert manifest["contributes"]["debuggers"][0]["type"] == "wasmtime"
