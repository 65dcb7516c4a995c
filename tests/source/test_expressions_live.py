"""Expressions against a real C program paused under real Wasmtime (agent backend).

The program computes every expression of ``INTEGER_CHECKS``/``FLOAT_CHECKS`` itself,
compiled by clang, into ``results``/``float_results``: our evaluator must agree with
the C compiler. Compiled breakpoint conditions must agree with host evaluation, both
run by the agent's own evaluator module and inside the running agent.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from build import build_all  # examples/build.py: tests/conftest.py puts it on sys.path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.source.expressions import Evaluator, ExpressionError
from adapters.source.expressions.completions import complete
from adapters.source.expressions.condition_compiler import compile_condition
from adapters.source.expressions.display import render_expression
from adapters.source.expressions.dwarf_binding import (
    DwarfCompileScope,
    DwarfEvaluationContext,
    DwarfProgram,
)
from adapters.source.expressions.hit_conditions import parse_hit_condition
from adapters.source.expressions.logpoints import format_message, parse_template
from adapters.source.frame_context import DebuggeeFrameContext
from adapters.source.symbols import ModuleSymbols
from adapters.wasm.agent.guest import conditions as engine
from adapters.wasm.agent_backend import AgentDebuggee, launch
from adapters.wasm.debuggee import Breakpoint, DebuggeeError, StopReason
from adapters.wasm.process import LaunchOptions

WAIT = 60.0
CALLS = 10  # visit(i, ...) runs for i = 0..9

INTEGER_CHECKS = [
    "1u - 2", "-1 < 1u", "(unsigned char)300", "7 / -2", "-7 % 3", "i * 1000000u * 3000", "u + 1000000000",
    "s * s", "(short)(s * 200)", "uc + uc", "c - 'A'", "b << 4", "~uc", "-u", "u >> 3", "big / 7", "big % 1000",
    "(int)big", "(unsigned)big", "color * 2", "sizeof(struct shape)", "sizeof local", "p - table", "*(p + 0)",
    "table[4] - table[0]", "shape->level", "shape->flags + shape->wide", "shape->corners[2].y * 10",
    "(i & 1) ? 7 : -7", "i > 2 && i < 6", "i == 1 || i == 8", "!i", "2147483647 + 1u", "-2147483647 - 1 + i",
    "1ll << 40", "(char)200", "'\\n' + 0", "number.i", "sizeof(long long) * 8", "(unsigned short)-1", "u * u",
    "(long long)u * u", "0xFFFFFFFF == -1", "-1 > 0u", "(signed char)uc", "uc * 1u - 300", "s % 7", "s / 7",
    "big >> 3", "(unsigned long long)big >> 60", "color == GREEN", "BLUE < RED", "p[1] - *p", "&table[3] - p",
    "shape->origin->y", "origin_point.x * counter", "greeting[1]", "*greeting", "table[i % 5]",
    "(int)sizeof(union number)", "i ? u : big", "(byte)(b + 250)", "c == 'A' + i",
    ("mem[(int)&table[1]]", "*(unsigned char *)&table[1]"),  # (ours, C's spelling) where they differ
]  # fmt: skip
FLOAT_CHECKS = ["f * 2", "d / 3", "f + d", "(float)1 / 3", "i / 2.0", "(double)u", "-f", "d * f - 1", "1e10 + i"]

PROGRAM = r"""
#include <stdio.h>

struct point { int x; int y; };
struct shape {
    char name[8];
    struct point corners[3];
    struct point *origin;
    unsigned flags : 3;
    signed level : 4;
    unsigned wide : 20;
};
union number { int i; float f; };
enum color { RED, GREEN = 5, BLUE = -2 };
typedef unsigned char byte;

int counter = 7;
int discarded = 3; /* never used: the linker drops it */
struct point origin_point = {10, -20};
int table[5] = {1, 2, 3, 4, 5};
const char *greeting = "hello";
long long results[@INTEGERS@];
double float_results[@FLOATS@];

__attribute__((noinline)) int visit(int i, struct shape *shape) {
    unsigned int u = 4000000000u - i;
    short s = -300 + i;
    long long big = -5000000000LL * (i + 1);
    unsigned char uc = 250 + i;
    char c = 'A' + i;
    float f = 1.5f * i;
    double d = -2.25 * i;
    byte b = (byte)(i * 3);
    enum color color = i % 2 ? GREEN : BLUE;
    union number number;
    number.i = i;
    int *p = &table[i % 5];
    struct point local = {i, -i};
@COMPUTE@
    int result = u + s + c + local.x + big + uc + counter; /* BREAK: visit */
    return result + (int)f + (int)d + b + color + number.i + *p + shape->corners[1].x;
}

int main(void) {
    static struct shape shape = {"tri", {{0, 0}, {4, 0}, {0, 3}}, &origin_point, 5, -3, 1000};
    int total = 0;
    for (int i = 0; i < 10; i++) {
        total += visit(i, &shape);
    }
    printf("%s %d\n", greeting, total);
    return 0;
}
"""


def ours(check: str | tuple[str, str]) -> str:
    return check if isinstance(check, str) else check[0]


def program_source() -> str:
    in_c = [check if isinstance(check, str) else check[1] for check in INTEGER_CHECKS]
    compute = [f"    results[{k}] = (long long)({text});" for k, text in enumerate(in_c)]
    compute += [f"    float_results[{k}] = (double)({text});" for k, text in enumerate(FLOAT_CHECKS)]
    return (
        PROGRAM.replace("@INTEGERS@", str(len(INTEGER_CHECKS)))
        .replace("@FLOATS@", str(len(FLOAT_CHECKS)))
        .replace("@COMPUTE@", "\n".join(compute))
    )


@dataclass(frozen=True)
class Built:
    source: Path
    wasm: Path
    symbols: ModuleSymbols


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    source = tmp_path_factory.mktemp("expressions") / "checks.c"
    source.write_text(program_source())
    (wasm,) = build_all([source]).values()
    return Built(source, wasm, ModuleSymbols.load(wasm.read_bytes(), use_cache=False))


@dataclass
class Paused:
    debuggee: AgentDebuggee
    symbols: ModuleSymbols
    program: DwarfProgram

    def frame_scope(self) -> tuple[DwarfEvaluationContext, DwarfCompileScope, EngineFrame]:
        frame = self.debuggee.frames()[0]
        (innermost, *_) = self.symbols.inline_chain(frame.pc)
        dwarf_pc = frame.pc - self.symbols.module.code_offset
        frame_context = DebuggeeFrameContext(self.debuggee, frame)
        context = DwarfEvaluationContext(self.program, frame_context, innermost.die, dwarf_pc)
        return context, DwarfCompileScope(self.program, innermost.die, dwarf_pc), EngineFrame(self.debuggee, frame)

    def resume(self) -> StopReason:
        self.debuggee.resume()
        stop = self.debuggee.wait(WAIT)
        assert stop is not None, "the program did not stop"
        return stop.reason

    def run_to_next_hit(self) -> None:
        assert self.resume() is StopReason.BREAKPOINT


class EngineFrame:
    """What the agent's condition evaluator reads (as its ConditionFrame does), served by
    the real paused debuggee: locals and globals as signed ints or floats, memory bytes."""

    def __init__(self, debuggee: AgentDebuggee, frame) -> None:
        self.debuggee = debuggee
        self.frame = frame

    def local(self, index: int):
        return self.frame.locals[index].as_python()

    def global_value(self, index: int):
        return self.debuggee.get_global(self.frame.instance_id, index).as_python()

    def read_memory(self, address: int, size: int) -> bytes:
        try:
            data = self.debuggee.read_memory(self.frame.instance_id, address, size)
        except DebuggeeError as error:
            raise engine.ConditionError(str(error)) from error
        if len(data) < size:
            raise engine.ConditionError(f"cannot read memory at {address:#x}")
        return data


def breakpoint_pc(built: Built) -> int:
    line = next(n for n, text in enumerate(built.source.read_text().splitlines(), 1) if "BREAK: visit" in text)
    _, pcs = built.symbols.resolve_line(str(built.source), line)
    return pcs[0]


def start_paused(built: Built, condition: list | None = None, hit_condition: tuple[str, int] | None = None) -> Paused:
    """Launch with a breakpoint on the BREAK line; the caller closes the debuggee."""
    debuggee = launch(LaunchOptions(built.wasm))
    (module,) = debuggee.modules()
    debuggee.set_breakpoint(Breakpoint(1, module.id, breakpoint_pc(built), condition, hit_condition))
    return Paused(debuggee, built.symbols, DwarfProgram(built.symbols.module, built.symbols.dwarf))


@pytest.fixture(scope="module")
def paused(built) -> Iterator[Paused]:
    """The program stopped at its second hit (i == 1): tests that resume launch their own."""
    paused = start_paused(built)
    paused.run_to_next_hit()
    paused.run_to_next_hit()
    yield paused
    paused.debuggee.close()


# Conditions that must compile to engine programs (a regression to host evaluation would
# cost a round trip per hit), and some that must not (no engine program means the same).
MUST_COMPILE = [
    "i == 3", "u > 3999999995u", "s < -295", "big < -20000000000", "uc == 255", "c == 'D'", "f > 4.0", "f == 4.5f",
    "d < -10", "b == 9", "color == GREEN", "number.i == i", "*p == 3", "p == &table[2]", "local.y == -i",
    "shape->corners[2].y == 3", "shape->level == -3 & shape->flags == 5", "shape->wide == 1000",
    "local.x == 1 && local.y == -1", "i > 5 || table[2] == 3",
    "i < 0 && *(int *)big == 0",  # short-circuits: the right side would fail, but i is never negative
    "i >= 0 || *(int *)big == 0",
    "table[i % 5] == i + 1", "(i & 1) ? 1 : 0", "i << 3 == 24", "counter == 7", "greeting[0] == 'h'",
    "sizeof(struct shape) == 40", "i / 2 == 1", "-u", "~s", "(double)i / 4 > 1",
]  # fmt: skip
MUST_NOT_COMPILE = [
    "(int)f == 3",  # float to int: the engine would crash on NaN
    "f * 2.0f > 3",  # single-precision arithmetic: the engine computes in double
    "i << s",  # a variable shift count
    "$local0 == 0",  # Wasm-level names are evaluated on the host
    "visit(1, shape)",  # calls are never made
    "local",  # not a scalar
    "nosuch == 1",
]


def test_host_evaluation_and_compiled_conditions_agree_with_clang_at_every_hit(built):
    checks = [ours(check) for check in INTEGER_CHECKS] + FLOAT_CHECKS
    paused = start_paused(built)
    try:
        compiled_count = 0
        for i in range(CALLS):
            paused.run_to_next_hit()
            context, scope, engine_frame = paused.frame_scope()
            evaluator = Evaluator(context)
            assert evaluator.number(evaluator.evaluate("i")) == i
            results = context.lookup("results").address
            float_results = context.lookup("float_results").address
            for k, text in enumerate(checks):
                host = evaluator.number(evaluator.evaluate(text))
                if k < len(INTEGER_CHECKS):
                    (clang,) = struct.unpack("<q", context.read_memory(results + 8 * k, 8))
                    assert convert_to_long_long(host) == clang, f"{text} at i={i}: we say {host}, clang {clang}"
                else:
                    address = float_results + 8 * (k - len(INTEGER_CHECKS))
                    (clang,) = struct.unpack("<d", context.read_memory(address, 8))
                    assert host == clang or (math.isnan(host) and math.isnan(clang)), f"{text} at i={i}"
                program = compile_condition(text, scope)
                if program is not None:
                    compiled_count += 1
                    assert engine.evaluate(program, engine_frame) == host, f"{text} at i={i}: {program}"
            for text in MUST_COMPILE:
                program = compile_condition(text, scope)
                assert program is not None, text
                host = evaluator.number(evaluator.evaluate(text))
                assert engine.evaluate(program, engine_frame) == host, f"{text} at i={i}: {program}"
            for text in MUST_NOT_COMPILE:
                assert compile_condition(text, scope) is None, text
        assert compiled_count >= CALLS * len(checks) * 3 // 4
        assert paused.resume() is StopReason.EXITED
    finally:
        paused.debuggee.close()


def convert_to_long_long(value: int) -> int:
    """What C's ``(long long)`` cast makes of an integer of any width."""
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >> 63 else value


def test_compiled_condition_runs_inside_the_agent(built):
    pc = breakpoint_pc(built)
    (innermost, *_) = built.symbols.inline_chain(pc)
    program = DwarfProgram(built.symbols.module, built.symbols.dwarf)
    scope = DwarfCompileScope(program, innermost.die, pc - built.symbols.module.code_offset)
    program = compile_condition("(i % 3 == 1) & (shape->corners[1].x == 4) && local.y < 0", scope)
    assert program is not None
    paused = start_paused(built, condition=program)
    try:
        seen = []
        while paused.resume() is StopReason.BREAKPOINT:
            context, _, _ = paused.frame_scope()
            evaluator = Evaluator(context)
            seen.append(evaluator.number(evaluator.evaluate("i")))
        assert seen == [i for i in range(CALLS) if i % 3 == 1]
    finally:
        paused.debuggee.close()


def test_hit_condition_runs_inside_the_agent(built):
    paused = start_paused(built, hit_condition=parse_hit_condition("% 4"))
    try:
        seen = []
        while paused.resume() is StopReason.BREAKPOINT:
            context, _, _ = paused.frame_scope()
            seen.append(Evaluator(context).number(Evaluator(context).evaluate("i")))
        assert seen == [3, 7]
    finally:
        paused.debuggee.close()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("i", "1"),
        ("c", "66 'B'"),
        ("c,d", "66"),
        ("u,x", "0xee6b27ff"),
        ("uc,b", "0b11111011"),
        ("i + 64,c", "65 'A'"),
        ("shape->name", '"tri"'),
        ("greeting,s", '"hello"'),
        ("*greeting", "104 'h'"),
        ("f", "1.5"),
        ("d", "-2.25"),
        ("color", "5"),
        ("GREEN + 1", "6"),
        ("shape->level", "-3"),
        ("local", "{...}"),
        ("i == 1", "1"),
        ("true", "true"),
        ("&table[1] == p", "1"),
        ("(char)65", "65 'A'"),
        ("sizeof(byte)", "1"),
        ("(unsigned short)-1", "65535"),
        ('"lit"', '"lit"'),
        ("(struct point *)0", "0x00000000"),
    ],
)
def test_values_through_the_dwarf_binding(paused, text, shown):
    context, _, _ = paused.frame_scope()
    assert render_expression(text, Evaluator(context)) == shown


def test_wasm_level_names(paused):
    context, _, _ = paused.frame_scope()
    evaluator = Evaluator(context)
    frame = paused.debuggee.frames()[0]
    stack_pointer = evaluator.number(evaluator.evaluate("$__stack_pointer"))
    assert 0 < stack_pointer < paused.debuggee.memory_size(frame.instance_id)
    assert stack_pointer == evaluator.number(evaluator.evaluate("$global0"))
    assert evaluator.number(evaluator.evaluate("$local0")) == frame.locals[0].as_python()
    assert evaluator.number(evaluator.evaluate("$l1 + 0")) == frame.locals[1].as_python()
    assert evaluator.number(evaluator.evaluate("mem[(int)&table[2]]")) == 3
    assert evaluator.number(evaluator.evaluate("*(int *)&table[4]")) == 5
    assert evaluator.number(evaluator.evaluate("*(int *)(unsigned)&table[4]")) == 5


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("nosuch + 1", "no variable named 'nosuch' here at column 1"),
        ("visit(1, shape)", "function calls are not supported: the debugger does not run program code at column 6"),
        ("i / (i - 1)", "division by zero at column 3"),
        ("i % 0", "division by zero at column 3"),
        ("1.0 / 0", "division by zero at column 5"),
        ("*(int *)0xFFFFFFF0", "cannot read 4 bytes at 0xfffffff0"),
        ("local.z", "no member 'z' in struct point at column 6"),
        ("i.x", "a int has no members ('x') at column 2"),
        ("*i", "cannot dereference a int at column 1"),
        ("&(i + 1)", "cannot take the address of a value that is not in memory at column 1"),
        ("$local999", "the frame has no Wasm local 999"),
        ("$nosuch", "no Wasm global named 'nosuch'"),
        ("i << 40", "shift count 40 is out of range for int at column 6"),
        ("local + 1", "a struct point value is not a number at column 1"),
        ("(struct nosuch *)0", "unknown type 'struct nosuch' at column 1"),
        ("i = 3", "assignment is only allowed in the debug console or when setting a value at column 3"),
        ("(void *)p + *(void **)p == 0", "invalid operands to '+' (void * and void *) at column 11"),
        ("*(void *)p", "cannot dereference a void * at column 1"),
        ("sizeof(void)", "sizeof cannot be applied to void at column 1"),
        ("(int)(1.0 / 0.0 * 0)", "division by zero at column 11"),
        ("(unsigned char)local", "a struct point value is not a number"),
    ],
)
def test_evaluation_errors_are_clear(paused, text, error):
    context, _, _ = paused.frame_scope()
    with pytest.raises(ExpressionError) as raised:
        render_expression(text, Evaluator(context))
    assert error in str(raised.value)


def test_a_global_the_linker_discarded_is_explained(paused):
    context, _, _ = paused.frame_scope()
    with pytest.raises(ExpressionError, match="'discarded' is not in the linked program"):
        Evaluator(context).evaluate("discarded + 1")
    assert compile_condition("discarded == 3", paused.frame_scope()[1]) is None


@pytest.mark.parametrize(
    ("text", "labels"),
    [
        ("sha", ["shape"]),
        ("1 + coun", ["counter"]),
        ("shape->co", ["corners"]),
        ("local.", ["x", "y"]),
        ("shape->origin->", ["x", "y"]),
        ("(*shape).na", ["name"]),
        ("shape->corners[1].", ["x", "y"]),
        ("number.", ["f", "i"]),
        ("i.", []),
        ("nosuch->", []),
    ],
)
def test_completions(paused, text, labels):
    context, _, _ = paused.frame_scope()
    found = complete(text, len(text), context)
    assert [c.label for c in found] == labels
    for candidate in found:
        assert text[candidate.start : candidate.start + candidate.length] == candidate.label[: candidate.length]


def test_completion_lists_every_variable_in_scope(paused):
    context, _, _ = paused.frame_scope()
    labels = {c.label for c in complete("", 0, context)}
    assert {"i", "shape", "u", "local", "p", "counter", "table", "greeting"} <= labels


def test_logpoint_message(paused):
    context, _, _ = paused.frame_scope()
    evaluator = Evaluator(context)
    template = parse_template("i={i} name={shape->name} u={u,x} {{braces}} bad={nosuch} div={i / 0}")
    message = format_message(template, lambda text: render_expression(text, evaluator))
    assert message == (
        "i=1 name=\"tri\" u=0xee6b27ff {braces} bad=<error: no variable named 'nosuch' here at column 1>"
        " div=<error: division by zero at column 3>"
    )


def test_assignment_changes_the_program(built):
    paused = start_paused(built)
    try:
        paused.run_to_next_hit()
        context, _, _ = paused.frame_scope()
        console = Evaluator(context, allow_assignment=True)
        assert console.number(console.evaluate("local.x = 40 + 2")) == 42
        assert console.number(console.evaluate("table[3] = -7")) == -7
        assert console.number(console.evaluate("uc = 300")) == 44
        with pytest.raises(ExpressionError, match="cannot be assigned"):
            console.evaluate("shape->flags = 1")
        with pytest.raises(ExpressionError, match="cannot be assigned"):
            console.evaluate("i + 1 = 2")
        fresh, _, _ = paused.frame_scope()
        reader = Evaluator(fresh)
        assert [reader.number(reader.evaluate(t)) for t in ("local.x", "table[3]", "uc")] == [42, -7, 44]
    finally:
        paused.debuggee.close()


_LIVE_PIECES = st.sampled_from(
    ["i", "u", "s", "big", "uc", "c", "f", "d", "b", "p", "local", "shape", "table", "greeting", "color", "GREEN",
     "number", "counter", "mem", "$local0", "$l2", "$global0", "$__stack_pointer", "$stack0", "x", "y", "name",
     "corners", "origin", "level", "flags", "0", "1", "7", "0x10", "40", "-1", "3u", "1.5", "0.5f", "'a'", '"s"',
     "int", "unsigned", "char", "struct point", "byte", "void", "sizeof", "true", "NULL", "+", "-", "*", "/", "%",
     "<<", ">>", "<", "==", "!=", "&", "|", "^", "&&", "||", "!", "~", "?", ":", "=", ",", ".", "->", "(", ")",
     "[", "]", " ", ",x", ",s"]
)  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(_LIVE_PIECES, max_size=14).map("".join))
def test_fuzzed_expressions_on_a_real_frame_only_raise_expression_errors(paused, text):
    context, scope, engine_frame = paused.frame_scope()
    try:
        shown = render_expression(text, Evaluator(context))
    except ExpressionError:
        shown = None
    try:
        program = compile_condition(text, scope)
    except ExpressionError:
        return
    if program is not None and shown is not None:
        # Whatever compiles must mean exactly what the host says.
        evaluator = Evaluator(context)
        try:
            expected = evaluator.number(evaluator.evaluate(text))
        except ExpressionError:
            return
        result = engine.evaluate(program, engine_frame)
        assert result == expected or (math.isnan(result) and math.isnan(expected)), program


CPP_CHECKS = {
    "rectangle_area": [
        ("width_ * height_", "12"),  # members through the implicit `this`
        ("this->width_ + sides_", "7"),
        ("sizeof(geometry::Rectangle) == sizeof *this", "true"),  # a C++ comparison is a bool
    ],
    "cpp_call_area": [
        ("shape.sides_", "4"),  # a reference is used as what it refers to
        ("&shape == (geometry::Shape *)&rect", "true"),
        ("rect.height_ - rect.width_", "1"),
    ],
}


@pytest.mark.parametrize("marker", sorted(CPP_CHECKS))
def test_cpp_members_references_and_qualified_types(fixtures, markers, marker):
    wasm = fixtures["classes"]
    symbols = ModuleSymbols.load(wasm.read_bytes(), use_cache=False)
    source = Path(__file__).resolve().parents[1] / "fixtures" / "classes.cpp"
    _, pcs = symbols.resolve_line(str(source), markers("classes.cpp")[marker])
    debuggee = launch(LaunchOptions(wasm))
    try:
        (module,) = debuggee.modules()
        debuggee.set_breakpoint(Breakpoint(1, module.id, pcs[0]))
        debuggee.resume()
        assert debuggee.wait(WAIT).reason is StopReason.BREAKPOINT
        paused = Paused(debuggee, symbols, DwarfProgram(symbols.module, symbols.dwarf))
        context, scope, engine_frame = paused.frame_scope()
        evaluator = Evaluator(context)
        for text, shown in CPP_CHECKS[marker]:
            assert render_expression(text, evaluator) == shown, text
            program = compile_condition(text, scope)
            assert program is not None, text
            assert engine.evaluate(program, engine_frame) == evaluator.number(evaluator.evaluate(text)), text
    finally:
        debuggee.close()
