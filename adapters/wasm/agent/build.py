"""Building the agent component from this package's sources, once, into a cache.

The cache key is a hash of the guest sources, the WIT and the componentize-py
version, so an upgrade rebuilds and concurrent sessions share one build.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from adapters.wasm.host_os import exclusive_lock

AGENT_DIR = Path(__file__).parent
GUEST_DIR = AGENT_DIR / "guest"
WIT_DIR = AGENT_DIR / "wit"
WORLD = "wasmtime-dap:agent/agent"


class AgentBuildError(Exception):
    pass


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "wasmtime-dap"


def _source_hash() -> str:
    digest = hashlib.sha256()
    digest.update(metadata.version("componentize-py").encode())
    for path in sorted([*GUEST_DIR.glob("*.py"), *WIT_DIR.rglob("*.wit")]):
        digest.update(path.relative_to(AGENT_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def agent_path() -> Path:
    """The built agent component, building it first if needed (~10 s, once)."""
    target = cache_dir() / f"agent-{_source_hash()}.wasm"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_suffix(".lock"), "w") as lock, exclusive_lock(lock):  # another session may be building it
        if not target.is_file():
            _build(target)
    return target


def _build(target: Path) -> None:
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        output = Path(scratch) / "agent.wasm"
        componentize(WIT_DIR, WORLD, GUEST_DIR, "app", output)
        output.replace(target)


def componentize(wit: Path, world: str, sources: Path, module: str, output: Path) -> None:
    """Build a component from Python ``module`` in ``sources`` with the installed componentize-py."""
    run_componentize_py = (
        "import sys, componentize_py; sys.argv[0] = 'componentize-py'; sys.exit(componentize_py.script())"
    )
    command = [
        sys.executable, "-c", run_componentize_py,
        "-d", str(wit), "-w", world,
        "componentize", "-p", str(sources), module, "-o", str(output),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, cwd=output.parent)
    if result.returncode != 0 or not output.is_file():
        raise AgentBuildError(f"componentize-py could not build {output.name}:\n{result.stderr or result.stdout}")


if __name__ == "__main__":
    print(agent_path())
