"""The two lower layers of wasmtime-dap: ``adapters.wasm`` (a Wasm program under
Wasmtime's guest debugger) and ``adapters.source`` (DWARF: source-level answers).
Neither knows anything of DAP."""
