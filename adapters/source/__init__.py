"""Source-level adapter: DWARF read from the bytecode the debuggee serves.
Knows nothing of DAP; talks only to ``adapters.wasm``."""
