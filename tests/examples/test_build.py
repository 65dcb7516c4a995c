"""examples/build.py: where programs go, as the README, the launch configurations and the editor
recipes expect them, and which Rust target it uses."""

from __future__ import annotations

import json
import subprocess

from build import compile_command, discover, rust_toolchain

from tests.conftest import EXAMPLES, FIXTURES


def test_a_directory_holding_one_program_builds_it_into_build_beside_it() -> None:
    """The README's `python3 examples/build.py examples/c` must give examples/c/build/inventory.wasm."""
    (target,) = discover([EXAMPLES / "c"])
    assert target.output == EXAMPLES / "c" / "build" / "inventory.wasm"


def test_a_directory_of_several_sources_with_one_main_is_one_module_named_after_it() -> None:
    (target,) = discover([FIXTURES / "multi"])
    assert target.name == "multi" and len(target.sources) == 2
    assert target.output == FIXTURES / "build" / "multi.wasm"


def test_every_example_configuration_names_the_module_the_builder_writes() -> None:
    for directory in sorted(path for path in EXAMPLES.iterdir() if (path / ".vscode").is_dir()):
        (target,) = discover([directory])
        launch = json.loads((directory / ".vscode" / "launch.json").read_text())
        programs = [
            config["program"].replace("${workspaceFolder}", str(directory)) for config in launch["configurations"]
        ]
        assert programs == [str(target.output)], directory
        assert '"${workspaceFolder}/build/' + target.output.name + '"' in (directory / "nvim-dap.lua").read_text()


def test_rust_is_built_for_a_target_the_installed_rustc_can_build() -> None:
    toolchain = rust_toolchain()
    (target,) = discover([EXAMPLES / "rust"])
    command = compile_command(target)
    if toolchain is None:
        assert command is None  # left out, and the tests that need it skip
        return
    rustc, wasm_target = toolchain
    assert wasm_target in ("wasm32-wasip1", "wasm32-wasi")
    targets = subprocess.run([rustc, "--print", "target-list"], capture_output=True, text=True, check=True).stdout
    assert wasm_target in targets.split() and command[:3] == [rustc, "--target", wasm_target]
