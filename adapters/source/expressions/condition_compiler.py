"""Compiling a breakpoint condition into the engine's postfix program.

The program (see ``adapters/wasm/agent/guest/conditions.py``) runs inside the
debugger agent at every hit, so a false condition costs no round trip. It must
give exactly what the host evaluator would; whatever cannot be compiled with that
guarantee (function calls, float-to-int conversions, single-precision arithmetic,
variable shift counts, values outside memory and Wasm locals/globals...) makes
``compile_condition`` return None and the caller evaluates on the host instead.

Engine values: ints are exact Python ints, kept at their C type's width with
``wrap`` after every operation; floats are doubles; pointers are u32 addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from adapters.source.expressions import c_types, nodes
from adapters.source.expressions.arithmetic import (
    INTEGER_KINDS,
    decode,
    integer_literal_type,
    is_integer,
    promote,
)
from adapters.source.expressions.arithmetic import (
    SCALAR_KINDS as _SCALAR_KINDS,
)
from adapters.source.expressions.errors import ExpressionError
from adapters.source.expressions.evaluator import (
    bitfield_storage,
    implicit_member,
    reads_memory_directly,
    resolve_type,
)
from adapters.source.expressions.interface import (
    CompileScope,
    CType,
    InGlobal,
    InLocal,
    InMemory,
    Known,
    TypeKind,
)
from adapters.source.expressions.operator_types import (
    AUTO_DEREFERENCING,
    SIZE,
    Form,
    binary_typing,
    decayed,
    is_complement,
    truth_type,
    unary_type,
)
from adapters.source.expressions.parser import parse

Op = list
_BINARY_OPS = {
    "+": "add", "-": "sub", "*": "mul", "/": "div", "%": "rem", "&": "band", "|": "bor", "^": "bxor",
    "<<": "shl", ">>": "shr", "==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge",
}  # fmt: skip
_LOAD_SIZES = (1, 2, 4, 8)
_ADDRESS_WRAP: Op = ["wrap", 32, False]


class _NotCompilable(Exception):
    """This part has no engine program with the host evaluator's meaning."""


@dataclass(frozen=True)
class _Fragment:
    ops: tuple[Op, ...]
    type: CType
    in_memory: bool = False  # the ops push the object's address, not its value
    may_fail: bool = False  # the engine may raise (reading through a pointer, dividing)

    @property
    def constant(self) -> int | float | None:
        if len(self.ops) == 1 and self.ops[0][0] == "const":
            return self.ops[0][1]
        return None


def compile_condition(text: str, scope: CompileScope) -> list[Op] | None:
    """The engine program for condition ``text`` at the scope's PC, or None if the
    host must evaluate it. Raises ExpressionError when ``text`` does not parse."""
    expression = parse(text, lambda name: c_types.base_type(name) is not None or scope.type_named(name) is not None)
    try:
        fragment = _Compiler(scope).rvalue(expression.root)
    except (_NotCompilable, ExpressionError):
        return None
    return [list(op) for op in fragment.ops]


def _plus(address: tuple[Op, ...], offset: int) -> tuple[Op, ...]:
    return (*address, ["const", offset], ["add"], _ADDRESS_WRAP) if offset else address


def _wrap(type_: CType) -> Op:
    signed = type_.signed and type_.kind in (TypeKind.INTEGER, TypeKind.ENUM)
    return ["wrap", type_.size * 8, signed]


def _fits(source: CType, target: CType) -> bool:
    """Every value of integer type ``source`` is a value of ``target`` (no wrap needed)."""
    if source.kind is TypeKind.BOOL:
        return True
    source_signed = source.signed and source.kind is not TypeKind.POINTER
    target_signed = target.signed and target.kind is not TypeKind.POINTER
    if source_signed == target_signed:
        return source.size <= target.size
    return not source_signed and source.size < target.size


class _Compiler:
    def __init__(self, scope: CompileScope) -> None:
        self.scope = scope

    def compile(self, node: nodes.Node) -> _Fragment:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise _NotCompilable(type(node).__name__)
        fragment = method(node)
        if fragment.type.kind is TypeKind.REFERENCE and fragment.type.target is not None:
            pointer = self.rvalue_of(replace(fragment, type=c_types.pointer_to(fragment.type.target)))
            return self._dereference(pointer)
        return fragment

    def rvalue(self, node: nodes.Node) -> _Fragment:
        """A fragment pushing ``node``'s value (arrays decay to their address)."""
        return self.rvalue_of(self.compile(node))

    def rvalue_of(self, fragment: _Fragment) -> _Fragment:
        if not fragment.in_memory:
            return fragment
        type_ = fragment.type
        if type_.kind is TypeKind.ARRAY and type_.target is not None:
            return replace(fragment, type=c_types.pointer_to(type_.target), in_memory=False)
        if type_.kind not in _SCALAR_KINDS or type_.size not in _LOAD_SIZES:
            raise _NotCompilable(f"cannot load a {type_.name}")
        is_float = type_.kind is TypeKind.FLOAT
        signed = type_.signed and type_.kind in (TypeKind.INTEGER, TypeKind.ENUM)
        return replace(fragment, ops=(*fragment.ops, ["load", type_.size, signed, is_float]), in_memory=False)

    def convert(self, fragment: _Fragment, to: CType) -> _Fragment:
        source = fragment.type
        if to.kind is TypeKind.FLOAT:
            if source.kind is TypeKind.FLOAT and source.size <= to.size:
                return replace(fragment, type=to)
            if is_integer(source) and to.size == 8:
                return replace(fragment, ops=(*fragment.ops, ["const", 0.0], ["add"]), type=to)
            raise _NotCompilable("the engine has no single-precision rounding")
        if source.kind is TypeKind.FLOAT or source.kind not in _SCALAR_KINDS or to.kind not in _SCALAR_KINDS:
            raise _NotCompilable(f"conversion from {source.name} to {to.name}")
        if to.kind is TypeKind.BOOL:
            return replace(fragment, ops=(*fragment.ops, ["not"], ["not"]), type=to)
        if _fits(source, to):
            return replace(fragment, type=to)
        return replace(fragment, ops=(*fragment.ops, _wrap(to)), type=to)

    # -- leaves

    def _Integer(self, node: nodes.Integer) -> _Fragment:
        literal = node.literal
        type_ = integer_literal_type(literal.value, literal.unsigned, literal.longs, literal.decimal)
        return _Fragment((["const", literal.value],), type_)

    def _Float(self, node: nodes.Float) -> _Fragment:
        return _Fragment((["const", node.literal.value],), c_types.FLOAT if node.literal.single else c_types.DOUBLE)

    def _Char(self, node: nodes.Char) -> _Fragment:
        if node.value >= 0x100:
            return _Fragment((["const", node.value],), c_types.INT)
        return _Fragment((["const", node.value - 0x100 if node.value >= 0x80 else node.value],), c_types.CHAR)

    def _Boolean(self, node: nodes.Boolean) -> _Fragment:
        return _Fragment((["const", int(node.value)],), c_types.BOOL)

    def _Null(self, node: nodes.Null) -> _Fragment:
        return _Fragment((["const", 0],), c_types.NULLPTR)

    def _Identifier(self, node: nodes.Identifier) -> _Fragment:
        located = self.scope.locate(node.name)
        if located is None:
            this = self.scope.locate("this") if not self.scope.has_variable(node.name) else None
            member = implicit_member(node, self.scope, this.type if this is not None else None)
            if member is None:
                raise _NotCompilable(f"where {node.name} lives")
            return self.compile(member)
        type_, place = located.type, located.place
        if isinstance(place, Known):
            if type_.kind not in _SCALAR_KINDS:
                raise _NotCompilable(f"a known {type_.name} value")
            return _Fragment((["const", decode(type_, place.data)],), type_)
        if isinstance(place, InMemory):
            if place.base is None:
                return _Fragment((["const", place.offset & 0xFFFFFFFF],), type_, in_memory=True)
            return _Fragment(_plus((self._register(place.base), _ADDRESS_WRAP), place.offset), type_, in_memory=True)
        if type_.kind is TypeKind.FLOAT:
            return _Fragment((self._register(place),), type_)
        if type_.kind not in _SCALAR_KINDS or type_.size not in (1, 2, 4, 8):
            raise _NotCompilable(f"a {type_.name} in a Wasm local or global")
        return _Fragment((self._register(place), _wrap(type_)), type_)

    @staticmethod
    def _register(place: InLocal | InGlobal) -> Op:
        return ["local", place.index] if isinstance(place, InLocal) else ["global", place.index]

    # -- postfix

    def _Member(self, node: nodes.Member) -> _Fragment:
        record = self._dereference(self.rvalue(node.target)) if node.arrow else self.compile(node.target)
        while self.scope.language in AUTO_DEREFERENCING and record.type.kind is TypeKind.POINTER:
            record = self._dereference(self.rvalue_of(record))
        if not record.in_memory or record.type.kind not in (TypeKind.STRUCT, TypeKind.UNION):
            raise _NotCompilable("member of a value not in memory")
        field = self.scope.field(record.type, node.name)
        if field is None:
            raise _NotCompilable(f"member {node.name}")
        address = _plus(record.ops, field.offset)
        if field.bit_size is None:
            return _Fragment(address, field.type, in_memory=True, may_fail=record.may_fail)
        load_size = next((size for size in _LOAD_SIZES if size >= bitfield_storage(field)), None)
        if load_size is None:
            raise _NotCompilable("bit-field storage size")
        ops = (
            *address,
            ["load", load_size, False, False],
            ["const", field.bit_offset or 0],
            ["shr"],
            ["const", (1 << field.bit_size) - 1],
            ["band"],
            ["wrap", field.bit_size, bool(field.type.signed)],
        )
        return _Fragment(ops, field.type, may_fail=record.may_fail)

    def _Index(self, node: nodes.Index) -> _Fragment:
        index = self.rvalue(node.index)
        if reads_memory_directly(node, self.scope.has_variable):
            if index.type.kind not in (*INTEGER_KINDS, TypeKind.POINTER):
                raise _NotCompilable("mem[] of a non-address")
            return _Fragment((*index.ops, _ADDRESS_WRAP), c_types.UNSIGNED_CHAR, in_memory=True, may_fail=True)
        if not is_integer(index.type):
            raise _NotCompilable("non-integer index")
        base = self.compile(node.target)
        if base.in_memory and base.type.kind is TypeKind.ARRAY:
            may_fail = base.may_fail or index.constant is None
        else:
            base = self.rvalue(node.target)
            may_fail = True
        element = base.type.target
        if base.type.kind not in (TypeKind.ARRAY, TypeKind.POINTER) or element is None:
            raise _NotCompilable(f"indexing a {base.type.name}")
        if element.kind is TypeKind.VOID:
            raise _NotCompilable("indexing a void pointer")
        ops = (*base.ops, *index.ops, ["const", element.size], ["mul"], ["add"], _ADDRESS_WRAP)
        return _Fragment(ops, element, in_memory=True, may_fail=may_fail or index.may_fail)

    # -- unary

    def _Unary(self, node: nodes.Unary) -> _Fragment:
        if node.operator == "*":
            return self._dereference(self.rvalue(node.operand))
        if node.operator == "&":
            operand = self.compile(node.operand)
            if not operand.in_memory:
                raise _NotCompilable("address of a value not in memory")
            return _Fragment(operand.ops, c_types.pointer_to(operand.type), may_fail=operand.may_fail)
        operand = self.rvalue(node.operand)
        result_type = unary_type(node.operator, decayed(operand.type), self.scope)
        if node.operator == "!" and not is_complement(node.operator, operand.type, self.scope):
            return _Fragment((*operand.ops, ["not"]), result_type, may_fail=operand.may_fail)
        if node.operator == "!":  # Rust's complement of an integer, in its own type
            return replace(operand, ops=(*operand.ops, ["bnot"], _wrap(result_type)))
        promoted = self.convert(operand, result_type)
        if node.operator == "+":
            return promoted
        operation = ["neg"] if node.operator == "-" else ["bnot"]
        ops = (*promoted.ops, operation)
        if promoted.type.kind is not TypeKind.FLOAT:
            ops = (*ops, _wrap(promoted.type))
        return replace(promoted, ops=ops)

    def _dereference(self, pointer: _Fragment) -> _Fragment:
        target = pointer.type.target
        if pointer.type.kind is not TypeKind.POINTER or target is None:
            raise _NotCompilable(f"dereferencing a {pointer.type.name}")
        if target.kind in (TypeKind.VOID, TypeKind.FUNCTION):
            raise _NotCompilable("dereferencing a void or function pointer")
        return _Fragment(pointer.ops, target, in_memory=True, may_fail=True)

    def _SizeOf(self, node: nodes.SizeOf) -> _Fragment:
        if isinstance(node.operand, nodes.TypeName):
            type_ = resolve_type(self.scope, node.operand, node.column)
        else:
            type_ = self.compile(node.operand).type
        if type_.kind in (TypeKind.VOID, TypeKind.FUNCTION):
            raise _NotCompilable("sizeof void")
        return _Fragment((["const", type_.size],), SIZE)

    def _Cast(self, node: nodes.Cast) -> _Fragment:
        return self.convert(self.rvalue(node.operand), resolve_type(self.scope, node.type, node.column))

    # -- binary

    def _Binary(self, node: nodes.Binary) -> _Fragment:
        left, right = self.rvalue(node.left), self.rvalue(node.right)
        if node.operator in ("&&", "||"):
            # Short-circuit like C: the right side runs only when the left does not decide.
            jump = "and_then" if node.operator == "&&" else "or_else"
            ops = (*left.ops, [jump, len(right.ops) + 1], *right.ops, ["bool"])
            return _Fragment(ops, truth_type(self.scope), may_fail=left.may_fail or right.may_fail)
        may_fail = left.may_fail or right.may_fail
        typing = binary_typing(node.operator, decayed(left.type), decayed(right.type), self.scope)
        operation = [_BINARY_OPS[node.operator]]
        if typing.form is Form.POINTER_COMPARISON:
            if TypeKind.FLOAT in (left.type.kind, right.type.kind):
                raise _NotCompilable("pointer compared with a float")
            return _Fragment((*left.ops, *right.ops, operation), typing.result, may_fail=may_fail)
        if typing.form is Form.POINTER_DIFFERENCE:
            ops = (*left.ops, *right.ops, ["sub"], ["const", typing.step], ["div"], _wrap(typing.result))
            return _Fragment(ops, typing.result, may_fail=may_fail)
        if typing.form is Form.POINTER_OFFSET:
            pointer, offset = (right, left) if typing.swapped else (left, right)
            step = (*offset.ops, ["const", typing.step], ["mul"])
            return _Fragment((*pointer.ops, *step, operation, _ADDRESS_WRAP), typing.result, may_fail=may_fail)
        if typing.form is Form.SHIFT:
            count = right.constant
            if not isinstance(count, int) or not 0 <= count < typing.result.size * 8:
                raise _NotCompilable("a shift count that is not a constant in range")
            left = self.convert(left, typing.result)
            ops = (*left.ops, ["const", count], operation, _wrap(typing.result))
            return _Fragment(ops, typing.result, may_fail=left.may_fail)
        assert typing.operands is not None
        left, right = self.convert(left, typing.operands), self.convert(right, typing.operands)
        ops = (*left.ops, *right.ops, operation)
        if typing.form is Form.COMPARISON:
            return _Fragment(ops, typing.result, may_fail=may_fail)
        if typing.result.kind is TypeKind.FLOAT:
            if typing.result.size != 8 or node.operator not in ("+", "-", "*", "/"):
                raise _NotCompilable(f"{node.operator} on {typing.result.name}")
        else:
            ops = (*ops, _wrap(typing.result))
        return _Fragment(ops, typing.result, may_fail=may_fail or node.operator in ("/", "%"))

    def _Conditional(self, node: nodes.Conditional) -> _Fragment:
        condition = self.rvalue(node.condition)
        then, otherwise = self.rvalue(node.then), self.rvalue(node.otherwise)
        if then.may_fail or otherwise.may_fail or not (is_integer(then.type) and is_integer(otherwise.type)):
            raise _NotCompilable("a conditional whose branches may fail or are not integers")
        then_type, otherwise_type = promote(then.type), promote(otherwise.type)
        if (then_type.size, then_type.signed) != (otherwise_type.size, otherwise_type.signed):
            raise _NotCompilable("conditional branches of different types")
        # c ? a : b  ==  !!c * a + !c * b, both branches being side-effect free and safe.
        ops = (
            *condition.ops, ["not"], ["not"], *then.ops, ["mul"],
            *condition.ops, ["not"], *otherwise.ops, ["mul"], ["add"],
        )  # fmt: skip
        return _Fragment(ops, then_type, may_fail=condition.may_fail)
