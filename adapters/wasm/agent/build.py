"""Building the agent component from this package's sources, once, and having Wasmtime compile it once.

Installing the package builds the agent into ``prebuilt/`` (``setup.py``) and has Wasmtime compile
it into Wasmtime's own cache, so the first launch does neither. Without a prebuilt agent (a source
tree never installed, a changed guest) it is built on first use into a cache. Either file is named
by a hash of the guest sources, the WIT and the componentize-py version, so an upgrade rebuilds
and concurrent sessions share one build.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from adapters.wasm.host_os import exclusive_lock
from adapters.wasm.wasmtime_cli import find_wasmtime

AGENT_DIR = Path(__file__).parent
GUEST_DIR = AGENT_DIR / "guest"
WIT_DIR = AGENT_DIR / "wit"
PREBUILT_DIR = AGENT_DIR / "prebuilt"
WORLD = "wasmtime-dap:agent/agent"
EMPTY_MODULE = b"\0asm\1\0\0\0"  # a module with nothing in it, to start Wasmtime with the agent


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


def _agent_name() -> str:
    return f"agent-{_source_hash()}.wasm"


def agent_path(on_progress: Callable[[str], None] | None = None) -> Path:
    """The built agent component: the one installed with the package, or one built into the
    cache first if needed (~10 s, once; ``on_progress`` is told before it starts)."""
    shipped = PREBUILT_DIR / _agent_name()
    if shipped.is_file():
        return shipped
    return build_agent(cache_dir(), on_progress)


def build_agent(directory: Path, on_progress: Callable[[str], None] | None = None) -> Path:
    """The agent built into ``directory`` unless it is there already."""
    target = directory.resolve() / _agent_name()
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_suffix(".lock"), "w") as lock, exclusive_lock(lock):  # another session may be building it
        if not target.is_file():
            if on_progress:
                on_progress("Building the debugger agent (once; ~10 s)")
            _build(target)
    return target


def prepare_agent(directory: Path | None = None, report: Callable[[str], None] = print) -> Path:
    """Build the agent (into ``directory``, by default where launches look for it) and have
    Wasmtime compile it, so that the first launch does neither; the agent's path."""
    if directory is None:
        agent = agent_path(report)
    else:
        name = _agent_name()
        for old in directory.glob("agent-*"):  # an agent of other sources, or a lock
            if old.name != name:
                old.unlink()
        try:
            agent = build_agent(directory, report)
        finally:
            (directory / name).with_suffix(".lock").unlink(missing_ok=True)
    report("Having Wasmtime compile the debugger agent into its cache (~8 s, unless it is there already)")
    compile_into_wasmtime_cache(find_wasmtime(None).path, agent)
    return agent


def compile_into_wasmtime_cache(wasmtime: Path, agent: Path) -> None:
    """Have Wasmtime compile the agent (~8 s) into its compilation cache, as a launch would.

    Wasmtime compiles the debugger component before it runs it; the agent, told a port nobody
    listens on, then ends at once. Wasmtime's cache is keyed by the component's bytes and the
    engine's settings, so the next launch with this Wasmtime finds it compiled."""
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    with tempfile.TemporaryDirectory() as scratch:
        program = Path(scratch) / "empty.wasm"
        program.write_bytes(EMPTY_MODULE)
        command = [str(wasmtime), "run", "-D", f"debugger={agent}", "-D", f"arg={port}", str(program)]
        subprocess.run(command, capture_output=True, stdin=subprocess.DEVNULL, timeout=600, check=False)


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
    print(prepare_agent())
