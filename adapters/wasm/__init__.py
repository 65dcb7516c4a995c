"""Wasm-level debuggee: modules, breakpoints by module PC, run control, frames,
globals and linear memory of one Wasm program under Wasmtime's guest debugger."""
