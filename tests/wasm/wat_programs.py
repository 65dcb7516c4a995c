"""Small WAT programs for Wasm-level tests, with helpers to find instructions in them."""

from __future__ import annotations

from pathlib import Path

import wasmtime

ADD = """
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (global $counter (mut i32) (i32.const 7))
  (global $wide (mut i64) (i64.const -2))
  (func $add (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add)
  (func (export "_start")
    (local i32)
    i32.const 3
    i32.const 4
    call $add
    local.set 0
    local.get 0
    global.set $counter
    i32.const 100
    i32.const 0x11223344
    i32.store
    local.get 0
    call $exit))
"""

LOOP = """
(module
  (memory (export "memory") 1)
  (func $body (param i32) (result i32)
    local.get 0
    i32.const 2
    i32.mul)
  (func (export "_start")
    (local $i i32)
    (local $sum i32)
    (loop $again
      local.get $i
      call $body
      local.get $sum
      i32.add
      local.set $sum
      local.get $i
      i32.const 1
      i32.add
      local.tee $i
      i32.const 1000
      i32.lt_s
      br_if $again)))
"""

ENDLESS = """
(module
  (func (export "_start")
    (local $i i32)
    (loop $forever
      local.get $i
      i32.const 1
      i32.add
      local.set $i
      br $forever)))
"""

DIVIDE_BY_ZERO = """
(module
  (func $divide (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.div_s)
  (func (export "_start")
    i32.const 1
    i32.const 0
    call $divide
    drop))
"""


def write_wat(directory: Path, name: str, text: str) -> Path:
    path = directory / f"{name}.wasm"
    path.write_bytes(wasmtime.wat2wasm(text))
    return path


def find_code(module_bytes: bytes, pattern: bytes) -> int:
    """The module PC of the only occurrence of ``pattern`` in the bytecode."""
    first = module_bytes.find(pattern)
    assert first >= 0 and module_bytes.find(pattern, first + 1) < 0, f"{pattern.hex()} is not unique"
    return first
