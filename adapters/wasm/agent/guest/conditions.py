"""Breakpoint conditions, evaluated inside the agent so a false one costs no round trip.

The adapter compiles a source-level condition into a postfix program of small ops
(a JSON list); this module runs it against the stopped frame. Values are Python
ints and floats; the program itself truncates to C widths with ``wrap``.

Ops:
  ["const", v]                push v
  ["local", i]                push Wasm local i of the frame
  ["global", i]               push Wasm global i of the frame's instance
  ["load", size, signed, is_float]  pop an address, push memory[addr:addr+size]
  ["wrap", bits, signed]      truncate the top int to bits, as signed or unsigned
  ["not"], ["neg"], ["bnot"]  unary
  ["add"] ... ["ge"]          binary, see BINARY
  ["and"], ["or"]             logical, both sides already evaluated (no side effects)
  ["and_then", n]             pop a; if a is false push 0 and skip the next n ops (C's &&)
  ["or_else", n]              pop a; if a is true push 1 and skip the next n ops (C's ||)
  ["bool"]                    the top as 0 or 1
"""

import math
import struct

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "band": lambda a, b: a & b,
    "bor": lambda a, b: a | b,
    "bxor": lambda a, b: a ^ b,
    "eq": lambda a, b: int(a == b),
    "ne": lambda a, b: int(a != b),
    "lt": lambda a, b: int(a < b),
    "le": lambda a, b: int(a <= b),
    "gt": lambda a, b: int(a > b),
    "ge": lambda a, b: int(a >= b),
    "and": lambda a, b: int(bool(a) and bool(b)),
    "or": lambda a, b: int(bool(a) or bool(b)),
}

UNARY = {
    "bool": lambda a: int(bool(a)),
    "not": lambda a: int(not a),
    "neg": lambda a: -a,
    "bnot": lambda a: ~a,
}

FLOAT_FORMATS = {4: "<f", 8: "<d"}
MAX_SHIFT = 64  # conditions work on at most 64-bit integers


def shift(a, b, left: bool):
    if not 0 <= b <= MAX_SHIFT:
        raise ConditionError("shift count " + str(b) + " out of range")
    return a << b if left else a >> b


class ConditionError(Exception):
    """The condition could not be evaluated (bad memory access, division by zero...)."""


def wrap(value: int, bits: int, signed: bool) -> int:
    value &= (1 << bits) - 1
    if signed and value >> (bits - 1):
        value -= 1 << bits
    return value


def divide(a, b, truncating: bool):
    if b == 0:
        raise ConditionError("division by zero")
    if isinstance(a, float) or isinstance(b, float):
        return math.fmod(a, b) if not truncating else a / b
    quotient = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        quotient = -quotient
    return quotient if truncating else a - quotient * b


def evaluate(program, frame) -> object:
    """Run ``program`` against ``frame`` (an object with local/global_value/read_memory)."""
    return compile_program(program)(frame)


def compile_program(program):
    """``program`` as one function of a frame.

    A breakpoint's condition is compiled once and run on every hit: closures cost a
    fraction of dispatching on each op's name every time (this is Python inside Wasm)."""
    stack = _compile_range(program, 0, len(program))
    if len(stack) != 1:
        raise ConditionError("malformed condition program")
    return stack[0]


def _compile_range(program, start: int, end: int) -> list:
    """Simulate the program's stack over ``program[start:end]``, holding functions instead of values."""
    stack = []

    def pop():
        if not stack:
            raise ConditionError("malformed condition program")
        return stack.pop()

    position = start
    while position < end:
        op = program[position]
        position += 1
        name = op[0]
        if name in ("and_then", "or_else"):
            skipped = op[1]
            if not 0 <= skipped <= end - position:
                raise ConditionError("malformed condition program")
            right = _compile_range(program, position, position + skipped)
            if len(right) != 1:
                raise ConditionError("malformed condition program")
            stack.append(_short_circuit(pop(), right[0], name == "or_else"))
            position += skipped
        elif name in ("local", "global", "const"):
            stack.append(_leaf(name, op[1]))
        elif name == "load":
            stack.append(_load(pop(), op[1], op[2], op[3]))
        elif name == "wrap":
            stack.append(_wrap(pop(), op[1], op[2]))
        elif name in UNARY:
            stack.append(_unary(UNARY[name], pop()))
        else:
            right = pop()
            stack.append(_binary(name, pop(), right))
    return stack


def _leaf(name: str, argument):
    if name == "const":

        def constant(frame):
            return argument

        constant.constant = argument
        return constant
    if name == "local":
        return lambda frame: frame.local(argument)
    return lambda frame: frame.global_value(argument)


def _short_circuit(left, right, is_or: bool):
    """C's || and &&: the right side runs only when the left does not decide."""
    if is_or:
        return lambda frame: 1 if left(frame) else right(frame)
    return lambda frame: right(frame) if left(frame) else 0


def _load(address, size: int, signed: bool, is_float: bool):
    if is_float:
        if size not in FLOAT_FORMATS:
            raise ConditionError("no " + str(size) + "-byte float")
        layout = FLOAT_FORMATS[size]
        return lambda frame: struct.unpack(layout, frame.read_memory(address(frame), size))[0]
    return lambda frame: int.from_bytes(frame.read_memory(address(frame), size), "little", signed=signed)


def _wrap(operand, bits: int, signed: bool):
    mask = (1 << bits) - 1
    sign_bit = 1 << (bits - 1) if signed else 0
    modulus = 1 << bits

    def wrapped(frame):
        value = operand(frame)
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise ConditionError("cannot convert " + str(value) + " to an integer")
            value = int(value)
        value &= mask
        return value - modulus if value & sign_bit else value

    return wrapped


def _unary(function, operand):
    return lambda frame: function(operand(frame))


def _binary(name: str, left, right):
    if name in ("shl", "shr"):
        is_left = name == "shl"
        return lambda frame: shift(int(left(frame)), int(right(frame)), is_left)
    if name in ("div", "rem"):
        truncating = name == "div"
        return lambda frame: divide(left(frame), right(frame), truncating)
    if name not in BINARY:
        raise ConditionError("unknown op " + repr(name))
    function = BINARY[name]
    constant = getattr(right, "constant", None)
    if constant is not None:  # `x < 0`, `p + 8`: one call fewer at every hit
        return lambda frame: function(left(frame), constant)
    return lambda frame: function(left(frame), right(frame))


def hit_condition_met(hit_condition, hits: int) -> bool:
    """``hit_condition`` is [op, n] with op one of ==, >=, >, %; None means always."""
    if hit_condition is None:
        return True
    op, n = hit_condition
    if op == "==":
        return hits == n
    if op == ">=":
        return hits >= n
    if op == ">":
        return hits > n
    if op == "%":
        return n > 0 and hits % n == 0
    raise ConditionError("unknown hit condition " + repr(op))
