"""The stack-pointer aliases breakpoint conditions read instead of a frame's locals
(``adapters/wasm/frame_pointer.py``), checked against the real frame base at real stops:
a breakpoint on every line of C, C++, Zig and Rust programs, under real Wasmtime.
(At -O2, clang's frame base is the stack-pointer global itself: nothing to alias.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from elftools.dwarf.dwarf_expr import DWARFExprParser

from adapters.source.locations import WASM_LOCAL
from adapters.source.symbols import ModuleSymbols
from adapters.source.variables import enclosing_subprogram
from adapters.wasm.agent_backend import launch
from adapters.wasm.debuggee import Breakpoint, StopReason
from adapters.wasm.frame_pointer import GlobalOffset, local_as_global
from adapters.wasm.process import LaunchOptions
from adapters.wasm.reachability import is_unreachable
from tests.conftest import EXAMPLE_SOURCES, FIXTURES, require_built

WAIT = 60.0
MASK = 0xFFFFFFFF
FIXTURE_PROGRAMS = {name: FIXTURES / source for name, source in [
    ("basics", "basics.c"), ("stepping", "stepping.c"), ("classes", "classes.cpp"),
]}  # fmt: skip
EXAMPLE_PROGRAMS = ("grades", "library")  # Zig, Rust


def frame_base_local(symbols: ModuleSymbols, pc: int) -> int | None:
    """The local holding the frame base (DW_AT_frame_base) of the function at ``pc``, if it is one."""
    chain = symbols.inline_chain(pc)
    if not chain or chain[0].die is None:
        return None
    subprogram = enclosing_subprogram(chain[0].die)
    attribute = subprogram.attributes.get("DW_AT_frame_base")
    if attribute is None or attribute.form != "DW_FORM_exprloc":
        return None
    (operation, *rest) = DWARFExprParser(subprogram.cu.structs).parse_expr(attribute.value)
    if operation.op_name != "DW_OP_WASM_location" or operation.args[0] != WASM_LOCAL:
        return None
    if [op.op_name for op in rest] not in ([], ["DW_OP_stack_value"]):
        return None
    return operation.args[1]


def aliased_line_pcs(symbols: ModuleSymbols, source: Path) -> dict[int, tuple[int, GlobalOffset]]:
    """Every line breakpoint PC of ``source`` whose frame base has an alias: pc -> (local, alias)."""
    found = {}
    for line in range(1, len(source.read_text().splitlines()) + 1):
        resolved = symbols.resolve_line(str(source), line)
        for pc in resolved[1] if resolved else []:
            if is_unreachable(symbols.module.data, symbols.module.function_at(pc), pc):
                continue  # never stops there (and Wasmtime 49 would stop elsewhere instead)
            local = frame_base_local(symbols, pc)
            alias = local_as_global(symbols.module, pc, local) if local is not None else None
            if alias is not None:
                found[pc] = (local, alias)
    return found


@pytest.mark.parametrize("name", FIXTURE_PROGRAMS)
def test_in_c_and_cpp(fixtures, name):
    check_every_aliased_line(fixtures[name], FIXTURE_PROGRAMS[name])


@pytest.mark.parametrize("name", EXAMPLE_PROGRAMS)
def test_in_zig_and_rust(examples, name):
    check_every_aliased_line(require_built(examples, name), EXAMPLE_SOURCES[name])


def check_every_aliased_line(wasm: Path, source: Path) -> None:
    """Stop once at every aliased line PC; there the alias must give the frame base local's value."""
    symbols = ModuleSymbols.load(wasm.read_bytes(), use_cache=False)
    expected = aliased_line_pcs(symbols, source)
    assert len(expected) >= 5, "too few aliased breakpoint PCs to say anything"
    debuggee = launch(LaunchOptions(wasm))
    try:
        (module,) = debuggee.modules()
        debuggee.set_breakpoints([Breakpoint(pc, module.id, pc) for pc in expected])
        checked = []
        while True:
            debuggee.resume()
            stop = debuggee.wait(WAIT)
            assert stop is not None, "the program did not stop"
            if stop.reason is not StopReason.BREAKPOINT:
                break
            frame = debuggee.frames()[0]
            local, alias = expected[frame.pc]
            stack_pointer = debuggee.get_global(frame.instance_id, alias.global_index).unsigned()
            assert frame.locals[local].unsigned() == (stack_pointer + alias.offset) & MASK, hex(frame.pc)
            checked.append(alias.offset)
            debuggee.remove_breakpoint(frame.pc)  # one visit per PC is enough
        assert stop.reason is StopReason.EXITED
    finally:
        debuggee.close()
    assert len(checked) >= len(expected) // 2, "most lines with code run in these programs"
