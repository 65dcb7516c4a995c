"""Dead code: what follows an unconditional transfer, up to where its block can be reached again."""

from __future__ import annotations

import wasmtime

from adapters.wasm.binary import parse_module
from adapters.wasm.instructions import decode
from adapters.wasm.reachability import is_unreachable


def dead_positions(body: str) -> list[int]:
    """Positions (0-based) of the instructions of a one-function module's body that never run."""
    module = parse_module(bytes(wasmtime.wat2wasm(f"(module (func (param i32) (result i32) {body}))")))
    (function,) = module.functions
    code = list(decode(module.data, function.locals_end, function.end))
    return [n for n, instruction in enumerate(code) if is_unreachable(module.data, function, instruction.pc)]


def test_code_after_a_return_is_dead_up_to_the_end_of_the_function():
    # 0 local.get, 1 return, 2 unreachable, 3 end
    assert dead_positions("local.get 0 return unreachable") == [2]


def test_a_branch_out_of_a_block_kills_the_rest_of_the_block_only():
    body = """
        block          ;; 0
          br 0         ;; 1
          i32.const 1  ;; 2 dead
          drop         ;; 3 dead
        end            ;; 4 reached by the branch
        local.get 0    ;; 5
    """
    assert dead_positions(body) == [2, 3]


def test_the_else_arm_is_reachable_after_a_then_arm_that_returns():
    body = """
        local.get 0    ;; 0
        if (result i32)  ;; 1
          i32.const 1  ;; 2
          return       ;; 3
          i32.const 9  ;; 4 dead
        else           ;; 5
          i32.const 2  ;; 6
        end            ;; 7
    """
    assert dead_positions(body) == [4]


def test_blocks_nested_inside_dead_code_stay_dead_past_their_own_end():
    body = """
        unreachable    ;; 0
        block          ;; 1 dead
          nop          ;; 2 dead
        end            ;; 3 dead: closes the nested block, not the one control left
        i32.const 0    ;; 4 dead
    """
    assert dead_positions(body) == [1, 2, 3, 4]


def test_straight_line_code_and_conditional_branches_are_live():
    body = """
        block (result i32)
          local.get 0
          local.get 0
          br_if 0
          drop
          i32.const 3
        end
    """
    assert dead_positions(body) == []
