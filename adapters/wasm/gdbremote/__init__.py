"""Backend 2: a GDB-remote client for Wasmtime's built-in gdbstub (``wasmtime run -g``).

The stub speaks the GDB remote serial protocol with LLDB's WebAssembly extensions
(``qWasmCallStack``, ``qWasmLocal``, ``qWasmStackValue``, ``qWasmGlobal`` and a 64-bit
address space for bytecode and linear memories). It cannot interrupt, write memory
or globals, or evaluate breakpoint conditions; see ``debuggee.py`` for the details.
"""

from adapters.wasm.gdbremote.debuggee import GdbRemoteDebuggee
from adapters.wasm.gdbremote.launcher import attach, launch

__all__ = ["GdbRemoteDebuggee", "attach", "launch"]
