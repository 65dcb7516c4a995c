"""Fuzzing what the adapter reads: Wasm modules, their DWARF, and GDB-remote replies.

Modules are real compiled fixtures with bytes flipped, cut short or spliced; DWARF
sections are corrupted in place. ``ModuleSymbols.load`` must never raise, and every
lookup after it (lines, functions, inlined frames, types, global values) answers or
fails with a clear error, promptly. GDB-remote parsers may only raise ProtocolError.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.source.frame_context import ModuleImageContext
from adapters.source.symbols import ModuleSymbols
from adapters.source.types import TypeResolver
from adapters.source.values import ValueRegistry, ValueRenderer
from adapters.source.variables import FrameVariables
from adapters.wasm.binary import SECTION_CUSTOM, WasmFormatError, parse_module
from adapters.wasm.debuggee import DebuggeeError
from adapters.wasm.gdbremote import packets, replies
from adapters.wasm.leb128 import encode_unsigned
from tests.reliability import figures

PROMPT = 10_000  # ms per example: loading plus every lookup
DEBUG_SECTIONS = (".debug_info", ".debug_abbrev", ".debug_line", ".debug_str", ".debug_ranges", ".debug_loc")
FUZZED_FIXTURES = ("basics", "types", "inline.O2", "multi", "basics.gdwarf-5")
MAX_FUNCTIONS = 40  # per module and example
MODULE_EXAMPLES = 10  # per test in the default run; -m slow runs SOAK_FACTOR times as many
SOAK_FACTOR = 20

# Errors that are a clear refusal, not a crash: the module or a value cannot be read.
CLEAR_ERRORS = (WasmFormatError, DebuggeeError, LookupError, ValueError)


@pytest.fixture(scope="module")
def modules(fixtures: dict[str, Path]) -> dict[str, bytes]:
    """The fuzzed fixtures' bytes (built with the rest of them)."""
    return {name: fixtures[name].read_bytes() for name in FUZZED_FIXTURES}


def exercise(data: bytes) -> ModuleSymbols:
    """Load ``data`` and use every lookup a debug session would."""
    symbols = ModuleSymbols.load(data, use_cache=False)
    assert symbols.status, "a status is always reported"
    module = symbols.module
    if module is None:
        assert symbols.warnings, "an unreadable module says why"
        return symbols
    for path in symbols.source_files()[:5]:
        symbols.resolve_line(path, 10)
        symbols.breakpoint_locations(path, 1, 60)
    symbols.functions_named("main")
    for body in module.functions[:40]:
        for pc in (body.offset, body.locals_end, body.end - 1):
            symbols.location_at(pc)
            function = symbols.function_at(pc)
            if function is not None:
                symbols.statement_rows(function)
            symbols.inline_chain(pc)
    if symbols.dwarf is not None:
        exercise_types_and_values(symbols)
    return symbols


def exercise_types_and_values(symbols: ModuleSymbols) -> None:
    """What a stop in each function shows, with the module's initial memory for a frame:
    arguments, locals and globals with their types and values."""
    assert symbols.dwarf is not None and symbols.module is not None
    resolver = TypeResolver(symbols.dwarf)
    renderer = ValueRenderer(ValueRegistry())
    context = ModuleImageContext(symbols.module)
    code_offset = symbols.module.code_offset or 0
    for body in symbols.module.functions[:MAX_FUNCTIONS]:
        function = symbols.function_at(body.locals_end)
        if function is None or function.die is None:
            continue
        dwarf_pc = function.entry_pc - code_offset
        scope = FrameVariables(renderer, resolver, context, symbols.dwarf, function.die, dwarf_pc)
        for found in scope.scopes()[:3]:
            for variable in renderer.registry.children(found.reference):
                assert isinstance(variable.value, str)


def replace_section(data: bytes, name: str, mutate) -> bytes:
    """The module with custom section ``name``'s payload passed through ``mutate``."""
    module = parse_module(data)
    out = bytearray(data[:8])
    for section in module.sections:
        payload = data[section.offset : section.offset + section.size]
        if section.id == SECTION_CUSTOM:
            encoded = section.name.encode()
            if section.name == name:
                payload = mutate(payload)
            payload = encode_unsigned(len(encoded)) + encoded + payload
        out += bytes([section.id]) + encode_unsigned(len(payload)) + payload
    return bytes(out)


fixture_names = st.sampled_from(FUZZED_FIXTURES)
flips = st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=24)


def apply_flips(data: bytes, changes: list[tuple[float, int]]) -> bytes:
    mutated = bytearray(data)
    for where, value in changes:
        mutated[int(where * len(mutated))] = value
    return bytes(mutated)


def flipped_module(modules, name, changes) -> None:
    exercise(apply_flips(modules[name], changes))
    figures.add("mutated modules loaded")


def truncated_module(modules, name, keep) -> None:
    data = modules[name]
    exercise(data[: int(len(data) * keep)])
    figures.add("mutated modules loaded")


def corrupted_dwarf(modules, name, section, changes, cut) -> None:
    data = modules[name]
    if section not in parse_module(data).custom_sections():
        return

    def corrupt(payload: bytes) -> bytes:
        return apply_flips(payload, changes)[: max(1, int(len(payload) * cut))]

    symbols = exercise(replace_section(data, section, corrupt))
    assert symbols.status in ("DWARF", "names only", "no symbols") or symbols.status.startswith("DWARF damaged: ")
    figures.add("corrupted DWARF modules loaded")


cuts = st.floats(0.05, 1)
MODULE_FUZZERS = {
    "flipped_bytes": (flipped_module, {"name": fixture_names, "changes": flips}),
    "truncated": (truncated_module, {"name": fixture_names, "keep": st.floats(0, 1, exclude_max=True)}),
    "corrupted_dwarf": (
        corrupted_dwarf,
        {"name": fixture_names, "section": st.sampled_from(DEBUG_SECTIONS), "changes": flips, "cut": cuts},
    ),
}


def run_module_fuzzer(kind: str, modules: dict[str, bytes], examples: int) -> None:
    body, strategies = MODULE_FUZZERS[kind]

    @settings(max_examples=examples, deadline=PROMPT, database=None)
    @given(**strategies)
    def fuzz(**drawn) -> None:
        body(modules, **drawn)

    fuzz()


@pytest.mark.parametrize("kind", MODULE_FUZZERS)
def test_damaged_modules_give_clear_errors_or_degraded_views(modules, kind) -> None:
    run_module_fuzzer(kind, modules, MODULE_EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize("kind", MODULE_FUZZERS)
def test_damaged_modules_soak(modules, kind) -> None:
    run_module_fuzzer(kind, modules, MODULE_EXAMPLES * SOAK_FACTOR)


# GDB-remote replies: real reply shapes from Wasmtime's gdbstub, mutated.
REPLIES = [
    b"T05thread:p1.1;",
    b"T0bthread:p1.1;swbreak:;",
    b"W00",
    b"X09",
    b"OK",
    b"E01",
    b"4f7574707574",
    b"00000000000000000010000000000000",
    b'<library-list><library name="prog.wasm"><section address="0x100000000"/></library></library-list>',
    b'<memory-map><memory type="ram" start="0x0" length="0x20000"/>'
    b'<memory type="rom" start="0x100000000" length="0x4b2"/></memory-map>',
]
PARSERS = [
    replies.parse_stop_reply,
    replies.parse_addresses,
    replies.parse_library_list,
    replies.parse_memory_map,
    replies.hex_bytes,
    replies.hex_number,
]


@settings(max_examples=300, deadline=1000)
@given(reply=st.sampled_from(REPLIES), changes=flips, cut=st.floats(0, 1), extra=st.binary(max_size=16))
def test_mutated_gdb_replies_raise_only_protocol_errors(reply, changes, cut, extra) -> None:
    mutated = apply_flips(reply, changes)[: int(len(reply) * cut)] + extra
    for parse in PARSERS:
        with contextlib.suppress(packets.ProtocolError):
            parse(mutated)
    replies.is_error(mutated)
    replies.is_console_output(mutated)
    figures.add("GDB-remote replies fuzzed")


@settings(max_examples=300, deadline=1000)
@given(reply=st.sampled_from(REPLIES), changes=flips, noise=st.binary(max_size=8))
def test_packet_reader_never_raises_anything_else(reply, changes, noise) -> None:
    framed = bytearray(packets.encode_packet(reply))
    stream = noise + apply_flips(bytes(framed), changes)
    reader = packets.PacketReader()
    reader.feed(stream)
    for _ in range(len(stream) + 1):  # each call consumes bytes or waits for more
        try:
            if reader.next() is None:
                break
        except packets.ProtocolError:
            pass
    figures.add("GDB-remote packets fuzzed")
