"""Where control goes when it leaves a stretch of a function: branch targets, past structure markers."""

from __future__ import annotations

import wasmtime

from adapters.wasm.binary import parse_module
from adapters.wasm.control_flow import exits
from adapters.wasm.instructions import decode


def exits_of(body: str, first: int, last: int) -> list[int]:
    """Positions (0-based) of the instructions control may go to from instructions ``first..last``
    (inclusive) of a one-function module's body."""
    module = parse_module(bytes(wasmtime.wat2wasm(f"(module (func (param i32) (result i32) {body}))")))
    (function,) = module.functions
    code = list(decode(module.data, function.locals_end, function.end))
    position = {instruction.pc: n for n, instruction in enumerate(code)}
    high = code[last + 1].pc if last + 1 < len(code) else function.end
    return [position[pc] for pc in exits(module.data, function, code[first].pc, high)]


WHILE = """
    block            ;; 0
      loop           ;; 1
        local.get 0  ;; 2 the condition
        i32.eqz      ;; 3
        br_if 1      ;; 4 to after the block
        local.get 0  ;; 5 the body
        i32.const 1  ;; 6
        i32.sub      ;; 7
        local.set 0  ;; 8
        br 0         ;; 9 the back edge: to the loop's first instruction
      end            ;; 10
    end              ;; 11
    local.get 0      ;; 12
"""


def test_a_loop_condition_leaves_to_the_body_or_past_the_loop():
    assert exits_of(WHILE, 2, 4) == [5, 12]


def test_a_back_edge_goes_to_the_loops_first_instruction_past_its_marker():
    assert exits_of(WHILE, 9, 9) == [2]


def test_a_body_falls_through_to_the_next_line():
    assert exits_of(WHILE, 5, 7) == [8]


def test_a_return_leaves_the_function_and_goes_nowhere_in_it():
    assert exits_of("local.get 0 return", 0, 1) == []


IF_ELSE = """
    local.get 0      ;; 0
    if (result i32)  ;; 1
      i32.const 1    ;; 2
    else             ;; 3
      i32.const 2    ;; 4
    end              ;; 5
"""


def test_an_if_goes_to_its_then_branch_or_past_its_else():
    assert exits_of(IF_ELSE, 0, 1) == [2, 4]


def test_the_end_of_a_then_branch_goes_past_the_else_branch():
    assert exits_of(IF_ELSE, 2, 3) == [6]  # a branch to a block goes on after its end


def test_a_branch_table_goes_to_each_of_its_targets():
    body = """
        block            ;; 0
          block          ;; 1
            local.get 0  ;; 2
            br_table 0 1 ;; 3
          end            ;; 4
          i32.const 7    ;; 5
          return         ;; 6
        end              ;; 7
        i32.const 8      ;; 8
    """
    assert exits_of(body, 2, 3) == [5, 8]  # after the end of each block it names


def test_a_branch_target_on_a_structure_marker_is_also_followed_past_it():
    body = """
        loop             ;; 0
          block          ;; 1 where the back edge lands
            local.get 0  ;; 2
            br_if 1      ;; 3
          end            ;; 4
        end              ;; 5
        local.get 0      ;; 6
    """
    assert exits_of(body, 2, 3) == [1, 4, 6]  # the back edge (on the marker), the fall-through and past its marker
