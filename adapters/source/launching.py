"""Starting a program under the source-level debugger: all the DAP layer needs from below to launch or attach.

Light to import on purpose: the DWARF machinery (``adapters.source.debugger``) is imported
only once a program is started, and then while Wasmtime starts, which takes about as long
(~0.1 s); one after the other, they would add up.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from adapters.wasm.backends import launch_debuggee
from adapters.wasm.component import Artifact
from adapters.wasm.debuggee import Debuggee, DebuggeeError
from adapters.wasm.host_os import end_with_parent
from adapters.wasm.process import LaunchOptions
from adapters.wasm.program import check_program

if TYPE_CHECKING:
    from adapters.source.debugger import SourceDebugger

__all__ = ["DebuggeeError", "LaunchOptions", "attach", "check_program", "end_with_parent", "launch", "prepare_agent"]

SOURCE_DEBUGGER = "adapters.source.debugger"


def launch(
    options: LaunchOptions,
    backend: str = "agent",
    on_progress: Callable[[str], None] | None = None,
    **source_options,
) -> SourceDebugger:
    """Start ``options.program`` under ``backend`` (``agent`` or ``gdb``), paused before its first
    instruction; ``on_progress`` hears of each slow step; ``source_options`` go to ``SourceDebugger``
    (path_mappings, on_output, on_module)."""
    artifact = Artifact(options.program, options.module_file)  # names modules, tells stale debug info
    on_output = source_options.get("on_output")

    def start() -> Debuggee:
        debuggee = launch_debuggee(options, backend, on_output, artifact, on_progress)
        if on_progress:
            on_progress(f"Reading the debug info of {options.program.name}")
        return debuggee

    return _adopt(start, artifact=artifact, **source_options)


def attach(host: str, port: int, **source_options) -> SourceDebugger:
    """Attach to a ``wasmtime run -g`` listening on ``host``:``port``."""
    from adapters.wasm import gdbremote  # only for attaching: not imported on every start

    return _adopt(lambda: gdbremote.attach(host, port, source_options.get("on_output")), **source_options)


def _adopt(start: Callable[[], Debuggee], **source_options) -> SourceDebugger:
    """The source-level debugger of the debuggee ``start`` returns, imported meanwhile."""
    importing = threading.Thread(target=importlib.import_module, args=(SOURCE_DEBUGGER,), daemon=True)
    importing.start()
    debuggee = start()
    try:
        importing.join()
        source_debugger = importlib.import_module(SOURCE_DEBUGGER).SourceDebugger
    except BaseException:
        debuggee.close()
        raise
    return source_debugger.adopt(debuggee, **source_options)


def prepare_agent(report: Callable[[str], None]) -> str:
    """Build the debugger agent and have Wasmtime compile it now rather than at the first launch;
    its path. DebuggeeError says why it could not."""
    from adapters.wasm.agent.build import AgentBuildError
    from adapters.wasm.agent.build import prepare_agent as prepare
    from adapters.wasm.wasmtime_cli import WasmtimeNotFound

    try:
        return str(prepare(report=report))
    except (AgentBuildError, WasmtimeNotFound, OSError) as error:
        raise DebuggeeError(str(error)) from error
