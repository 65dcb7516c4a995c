"""Building the package also builds the debugger agent into it and has Wasmtime compile it once.

The first launch of a debug session then neither builds the agent (~10 s, componentize-py) nor waits
for Wasmtime to compile it (~8 s): both are done here, by ``pip install .`` and ``pip install -e .``
alike (the build requirements in pyproject.toml bring componentize-py and Wasmtime). If this step
cannot run, the package is still built, and the first launch builds and compiles the agent instead
(``wasmtime-dap setup`` does it ahead of time).
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE_ROOT = Path(__file__).resolve().parent
AGENT_PACKAGE = Path("adapters", "wasm", "agent")


class BuildPyWithAgent(build_py):
    def run(self) -> None:
        super().run()
        # An editable install imports the package from the source tree; a wheel from build_lib.
        package_root = SOURCE_ROOT if self.editable_mode else Path(self.build_lib)
        sys.path.insert(0, str(SOURCE_ROOT))
        try:
            from adapters.wasm.agent.build import prepare_agent

            prepare_agent(package_root / AGENT_PACKAGE / "prebuilt", report=lambda text: print(text, flush=True))
        except Exception as error:  # noqa: BLE001 - the package works without it, only a first launch is slower
            print(f"warning: the debugger agent was not built ahead ({error}); the first launch will build it")
        finally:
            sys.path.remove(str(SOURCE_ROOT))


setup(cmdclass={"build_py": BuildPyWithAgent})
