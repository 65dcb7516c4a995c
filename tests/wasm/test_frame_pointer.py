"""Frame pointers as the stack-pointer global plus a constant: the prologue shapes compilers
emit, and every way the relation can fail to hold."""

from __future__ import annotations

import wasmtime

from adapters.wasm.binary import WasmModule, parse_module
from adapters.wasm.frame_pointer import GlobalOffset, local_as_global
from adapters.wasm.instructions import decode

MASK = 0xFFFFFFFF


def function(body: str, *, locals_: str = "i32 i32 i32 i32 i32", params: str = "") -> WasmModule:
    """A module whose only function has ``body``; global 1 is the stack pointer (0 is a decoy)."""
    text = f"""
    (module
      (memory 1)
      (global $other (mut i32) (i32.const 0))
      (global $sp (mut i32) (i32.const 65536))
      (func (param {params or "i32"}) (result i32) (local {locals_})
        {body}))
    """
    return parse_module(bytes(wasmtime.wat2wasm(text)))


def pc_at(module: WasmModule, position: int) -> int:
    """The PC of the ``position``-th instruction (0-based) of the module's function."""
    (body,) = module.functions
    return list(decode(module.data, body.locals_end, body.end))[position].pc


WRITE_BACK = """
    global.get $sp
    i32.const 32
    i32.sub
    local.set 1
    local.get 1
    global.set $sp
    local.get 1
    i32.const 5
    i32.store offset=8
    local.get 1
    i32.load offset=8
    local.set 2
    local.get 1
    i32.const 32
    i32.add
    global.set $sp
    local.get 2
    return
"""  # instructions 0-5 the prologue, 6-11 the body, 12-15 the epilogue, 16-17 its tail


def test_a_frame_pointer_written_back_equals_the_stack_pointer_in_the_body():
    module = function(WRITE_BACK)
    for position in range(6, 16):  # up to and including the epilogue's write, not yet done
        assert local_as_global(module, pc_at(module, position), 1) == GlobalOffset(1, 0), position


def test_nothing_is_claimed_inside_the_prologue_or_after_the_epilogue_restored_the_stack_pointer():
    module = function(WRITE_BACK)
    for position in (0, 3, 5, 16, 17):
        assert local_as_global(module, pc_at(module, position), 1) is None, position


def test_only_the_frame_pointer_local_is_related_to_the_stack_pointer():
    module = function(WRITE_BACK)
    pc = pc_at(module, 8)
    assert local_as_global(module, pc, 2) is None  # set from a load
    assert local_as_global(module, pc, 0) is None  # a parameter


def test_a_leaf_that_does_not_write_the_stack_pointer_back_is_below_it_by_its_frame_size():
    module = function("""
        global.get $sp
        i32.const 16
        i32.sub
        local.set 1
        local.get 1
        i32.const 7
        i32.store offset=12
        local.get 1
        i32.load offset=12
    """)
    assert local_as_global(module, pc_at(module, 4), 1) == GlobalOffset(1, -16 & MASK)
    assert local_as_global(module, pc_at(module, 8), 1) == GlobalOffset(1, -16 & MASK)


def test_a_prologue_through_temporaries_and_local_tee():
    module = function("""
        global.get $sp
        local.set 1
        i32.const 48
        local.set 2
        local.get 1
        local.get 2
        i32.sub
        local.tee 3
        global.set $sp
        local.get 3
        i32.load offset=4
    """)
    assert local_as_global(module, pc_at(module, 9), 3) == GlobalOffset(1, 0)
    assert local_as_global(module, pc_at(module, 9), 1) == GlobalOffset(1, 48)  # the frame's top


def test_a_frame_pointer_written_again_later_in_a_loop_is_not_claimed():
    module = function("""
        global.get $sp
        i32.const 16
        i32.sub
        local.set 1
        block
          loop
            local.get 1
            i32.load
            br_if 1
            local.get 1
            i32.const 4
            i32.add
            local.set 1
            br 0
          end
        end
        local.get 1
    """)
    assert local_as_global(module, pc_at(module, 6), 1) is None  # the write comes after, in the loop


def test_a_stack_pointer_moved_in_the_body_is_not_trusted():
    """An alloca moves the stack pointer and the function carries on: not an epilogue."""
    module = function("""
        global.get $sp
        i32.const 16
        i32.sub
        local.set 1
        local.get 1
        global.set $sp
        global.get $sp
        local.get 0
        i32.sub
        global.set $sp
        local.get 1
        i32.load
    """)
    assert local_as_global(module, pc_at(module, 6), 1) is None
    assert local_as_global(module, pc_at(module, 10), 1) is None


def test_a_stack_pointer_set_from_an_unknown_value_in_the_prologue_is_not_trusted():
    module = function("""
        global.get $sp
        i32.const 16
        i32.sub
        local.set 1
        local.get 0
        global.set $sp
        local.get 1
    """)
    assert local_as_global(module, pc_at(module, 6), 1) is None


def test_functions_without_a_prologue_and_pcs_outside_code_give_nothing():
    module = function("""
        block
          global.get $sp
          local.set 1
        end
        local.get 1
    """)
    assert local_as_global(module, pc_at(module, 4), 1) is None
    (body,) = module.functions
    assert local_as_global(module, body.offset, 1) is None  # the body's size field, not code
    assert local_as_global(module, len(module.data) + 10, 1) is None
