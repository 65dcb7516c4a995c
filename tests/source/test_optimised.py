"""Variables of C built with -O2 (DWARF 4 location lists and DWARF 5 loclists) under real Wasmtime.

Optimised code keeps variables in Wasm locals and on the operand stack, for some PC ranges
only, and inlines calls. What DWARF says is available must show its true value (checked
against what the program computes); what is not must say "optimized out", never garbage.
"""

from __future__ import annotations

import pytest

from tests.source.test_languages import LANG, run_to_markers

SOURCE = LANG / "optimised.c"
OPTIMIZED_OUT = "<optimized out>"
VALUES = (3, 1, 4, 1)  # main's values[]; scale() multiplies each by its index + 2


@pytest.fixture(scope="module", params=["optimised.O2", "optimised.O2.gdwarf-5"])
def stops(request, fixtures):
    return run_to_markers(fixtures[request.param], SOURCE)


def test_inlined_frames_show_the_inlined_call_and_its_caller(stops):
    for stop in stops["scale"]:
        assert stop.frames[:3] == ["scale", "accumulate", "main"]


def test_values_in_wasm_locals_and_stack_are_right_or_optimized_out(stops):
    hits = stops["scale"]
    # The loop runs once per element (unrolled, so the line has several addresses: one stop each).
    assert [stop["scaled"].value for stop in hits] == [str(v * (i + 2)) for i, v in enumerate(VALUES)]
    for index, stop in enumerate(hits):
        assert stop["value"].value in (str(VALUES[index]), OPTIMIZED_OUT)
        assert stop["factor"].value.lstrip("-").isdigit() or stop["factor"].value == OPTIMIZED_OUT


def test_parameters_in_locals_and_memory_through_pointers(stops):
    (done,) = stops["accumulate_done"]
    assert done["count"].value == "4"
    assert done["values"]["*values"].value == str(VALUES[0])
    total = sum(v * (i + 2) + 1 for i, v in enumerate(VALUES))
    assert done["out"]["count"].value == "4" and done["out"]["total"].value == str(total)
    # Its location list has no entry at this PC: the register was reused.
    assert done["total"].value == OPTIMIZED_OUT and done["total"].type == "int"


def test_a_variable_comes_alive_once_computed(stops):
    seed = sum(v * (i + 2) + 1 for i, v in enumerate(VALUES)) + 1  # + argc
    hits = stops["checksum"]
    assert all(stop["seed"].value == str(seed) for stop in hits)
    mixed = [stop["mixed"].value for stop in hits]
    assert mixed[-1] == str(seed * 31 + 7)
    assert all(value in (str(seed * 31 + 7), OPTIMIZED_OUT) for value in mixed)
