;; A component instantiating one core module twice. The two core modules here are
;; placeholders with the right imports and exports: build_components.py replaces their
;; bytes with scale.wasm and twice.wasm (compiled from C, with DWARF) after parsing.
(component
  (core module $scale
    (memory (export "memory") 0)
    (func (export "scale") (param i32) (result i32) unreachable))
  (core module $twice
    (import "left" "scale" (func (param i32) (result i32)))
    (import "right" "scale" (func (param i32) (result i32)))
    (func (export "run") (result i32) unreachable))
  (core instance $left (instantiate $scale))
  (core instance $right (instantiate $scale))
  (core instance $main (instantiate $twice (with "left" (instance $left)) (with "right" (instance $right))))
  (func $run (result (result)) (canon lift (core func $main "run")))
  (instance $cli (export "run" (func $run)))
  (export "wasi:cli/run@0.2.0" (instance $cli)))
