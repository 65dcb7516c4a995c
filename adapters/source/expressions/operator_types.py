"""Which types an operator works in and gives: one set of C typing rules (with the frame's
language where it differs) for the host evaluator and the condition compiler alike, so
that a condition run inside the agent means what the debug console says it means."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from adapters.source.expressions import c_types
from adapters.source.expressions.arithmetic import common_type, is_arithmetic, is_integer, is_scalar, promote
from adapters.source.expressions.errors import ExpressionError
from adapters.source.expressions.interface import CType, TypeKind, TypeScope
from adapters.source.types import LANG_C, LANG_RUST, LANG_ZIG

PTRDIFF = c_types.LONG
SIZE = c_types.UNSIGNED_LONG
COMPARISONS = frozenset(("==", "!=", "<", "<=", ">", ">="))
AUTO_DEREFERENCING = (LANG_RUST, LANG_ZIG)  # `a.b` reaches through pointers and references to `a`


class Form(enum.Enum):
    ARITHMETIC = "arithmetic"  # both operands converted to ``operands``; the result has that type
    COMPARISON = "comparison"  # both converted to ``operands``; the result is a truth value
    SHIFT = "shift"  # the left operand promoted; the count any integer
    POINTER_COMPARISON = "pointer comparison"  # addresses compared as numbers
    POINTER_DIFFERENCE = "pointer difference"  # (left - right) / step
    POINTER_OFFSET = "pointer offset"  # pointer +/- integer * step; ``swapped`` when the pointer is on the right


@dataclass(frozen=True)
class BinaryTyping:
    form: Form
    result: CType
    operands: CType | None = None
    step: int = 1
    swapped: bool = False


def truth_type(scope: TypeScope) -> CType:
    """The type of ``!x``, ``a == b``, ``a && b``: ``int`` in C, ``bool`` in C++, Rust and Zig."""
    return c_types.INT if scope.language == LANG_C else c_types.BOOL


def element_size(pointer_type: CType) -> int:
    """How far ``p + 1`` moves: the pointee's size (1 for ``void *``, as GNU C does)."""
    target = pointer_type.target
    return target.size if target is not None and target.size > 0 else 1


def decayed(type_: CType) -> CType:
    """An operand's type as an rvalue: arrays and functions become pointers."""
    if type_.kind is TypeKind.ARRAY and type_.target is not None:
        return c_types.pointer_to(type_.target)
    if type_.kind is TypeKind.FUNCTION:
        return c_types.pointer_to(type_)
    return type_


def binary_typing(operator: str, left: CType, right: CType, scope: TypeScope) -> BinaryTyping:
    """How ``left operator right`` is typed (operand types already decayed), for every binary
    operator but ``&&``/``||``; raises ExpressionError when C has no such operation."""
    pointers = (left.kind is TypeKind.POINTER, right.kind is TypeKind.POINTER)
    if any(pointers):
        if operator in COMPARISONS and is_scalar(left) and is_scalar(right):
            return BinaryTyping(Form.POINTER_COMPARISON, truth_type(scope))
        if pointers == (True, True) and operator == "-":
            return BinaryTyping(Form.POINTER_DIFFERENCE, PTRDIFF, step=element_size(left))
        if operator == "+" and pointers == (False, True) and is_integer(left):
            return BinaryTyping(Form.POINTER_OFFSET, right, step=element_size(right), swapped=True)
        if operator in ("+", "-") and pointers == (True, False) and is_integer(right):
            return BinaryTyping(Form.POINTER_OFFSET, left, step=element_size(left))
        raise invalid_operands(operator, left, right)
    if not (is_arithmetic(left) and is_arithmetic(right)):
        raise invalid_operands(operator, left, right)
    if operator in ("<<", ">>"):
        if not (is_integer(left) and is_integer(right)):
            raise invalid_operands(operator, left, right)
        return BinaryTyping(Form.SHIFT, promote(left), promote(left))
    common = common_type(left, right)
    if operator in COMPARISONS:
        return BinaryTyping(Form.COMPARISON, truth_type(scope), common)
    if operator in ("%", "&", "|", "^") and common.kind is TypeKind.FLOAT:
        raise invalid_operands(operator, left, right)
    return BinaryTyping(Form.ARITHMETIC, common, common)


def unary_type(operator: str, operand: CType, scope: TypeScope) -> CType:
    """The type of ``-x``, ``+x``, ``~x`` or ``!x`` (operand decayed); raises ExpressionError.
    Rust's ``!`` on an integer is its complement, in the integer's own type."""
    if operator == "!":
        return operand if is_complement(operator, operand, scope) else truth_type(scope)
    if not is_arithmetic(operand) or (operator == "~" and not is_integer(operand)):
        raise ExpressionError(f"invalid operand to unary '{operator}' ({operand.name})")
    return promote(operand)


def is_complement(operator: str, operand: CType, scope: TypeScope) -> bool:
    """Whether this ``!`` is Rust's bitwise complement of an integer rather than a logical not."""
    return operator == "!" and scope.language == LANG_RUST and operand.kind is TypeKind.INTEGER


def invalid_operands(operator: str, left: CType, right: CType) -> ExpressionError:
    return ExpressionError(f"invalid operands to '{operator}' ({left.name} and {right.name})")
