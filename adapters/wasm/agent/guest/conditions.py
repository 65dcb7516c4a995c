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
    stack = []
    position = 0
    while position < len(program):
        op = program[position]
        position += 1
        name = op[0]
        if name in ("and_then", "or_else"):
            decided = bool(stack.pop()) == (name == "or_else")
            if decided:
                stack.append(int(name == "or_else"))
                position += op[1]
        elif name == "const":
            stack.append(op[1])
        elif name == "local":
            stack.append(frame.local(op[1]))
        elif name == "global":
            stack.append(frame.global_value(op[1]))
        elif name == "load":
            size, signed, is_float = op[1], op[2], op[3]
            raw = frame.read_memory(stack.pop(), size)
            if is_float:
                stack.append(struct.unpack(FLOAT_FORMATS[size], raw)[0])
            else:
                stack.append(int.from_bytes(raw, "little", signed=signed))
        elif name == "wrap":
            value = stack.pop()
            if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
                raise ConditionError("cannot convert " + str(value) + " to an integer")
            stack.append(wrap(int(value), op[1], op[2]))
        elif name in ("shl", "shr"):
            b = stack.pop()
            a = stack.pop()
            stack.append(shift(int(a), int(b), name == "shl"))
        elif name in ("div", "rem"):
            b = stack.pop()
            a = stack.pop()
            stack.append(divide(a, b, name == "div"))
        elif name in BINARY:
            b = stack.pop()
            a = stack.pop()
            stack.append(BINARY[name](a, b))
        elif name in UNARY:
            stack.append(UNARY[name](stack.pop()))
        else:
            raise ConditionError("unknown op " + repr(name))
    if len(stack) != 1:
        raise ConditionError("malformed condition program")
    return stack[0]


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
