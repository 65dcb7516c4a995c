"""Starting a program under one of the two Wasm-level backends, chosen by name."""

from __future__ import annotations

from adapters.wasm.agent_backend import OutputCallback, ProgressCallback
from adapters.wasm.agent_backend import launch as launch_agent
from adapters.wasm.component import Artifact
from adapters.wasm.debuggee import Debuggee
from adapters.wasm.process import LaunchOptions


def launch_debuggee(
    options: LaunchOptions,
    backend: str = "agent",
    on_output: OutputCallback | None = None,
    artifact: Artifact | None = None,
    on_progress: ProgressCallback | None = None,
) -> Debuggee:
    """The program started and paused before its first instruction: ``agent`` runs it under our
    debugger component (the default), ``gdb`` under Wasmtime's built-in gdbstub. ``artifact``:
    the launched files, if already read (the agent names modules by them)."""
    if backend == "gdb":
        from adapters.wasm import gdbremote  # seldom used: not imported on every start

        return gdbremote.launch(options, on_output)
    return launch_agent(options, on_output, artifact, on_progress)
