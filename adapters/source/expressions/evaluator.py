"""Evaluating a parsed expression against a stopped frame, with C semantics."""

from __future__ import annotations

import operator
from collections.abc import Callable

from adapters.source.expressions import c_types, nodes
from adapters.source.expressions.arithmetic import (
    INTEGER_KINDS,
    Number,
    convert,
    decode,
    encode,
    integer_literal_type,
    is_integer,
    is_scalar,
)
from adapters.source.expressions.errors import ExpressionError
from adapters.source.expressions.interface import (
    CType,
    EvaluationContext,
    Field,
    LibraryViews,
    TypedValue,
    TypeKind,
    TypeScope,
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
from adapters.source.types import LANG_ZIG

LENGTH_METHODS = ("len", "size", "length", "is_empty", "empty")  # answered from library views
MEMORY_NAME = "mem"  # mem[address] reads one byte of linear memory

_COMPARISONS: dict[str, Callable[[Number, Number], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip
_BITWISE: dict[str, Callable[[int, int], int]] = {"&": operator.and_, "|": operator.or_, "^": operator.xor}


def resolve_type(scope: TypeScope, type_name: nodes.TypeName, column: int) -> CType:
    """The type a cast or ``sizeof`` names: a C base type or one of the program's."""
    base = c_types.base_type(type_name.base) or scope.type_named(type_name.base)
    if base is None:
        raise ExpressionError(f"unknown type '{type_name.base}'", column)
    for _ in range(type_name.pointers):
        base = c_types.pointer_to(base)
    return base


def implicit_member(node: nodes.Identifier, scope: TypeScope, this: CType | None) -> nodes.Member | None:
    """``this->name`` for a bare ``name`` that is a member of the method's class (C++)."""
    record = this.target if this is not None and this.kind is TypeKind.POINTER else None
    if record is None or scope.field(record, node.name) is None:
        return None
    return nodes.Member(node.column, nodes.Identifier(node.column, "this"), node.name, arrow=True)


def reads_memory_directly(node: nodes.Index, is_variable: Callable[[str], bool]) -> bool:
    """``mem[address]``: one byte of linear memory, unless the program has a ``mem``."""
    target = node.target
    return isinstance(target, nodes.Identifier) and target.name == MEMORY_NAME and not is_variable(MEMORY_NAME)


def bitfield_storage(field: Field) -> int:
    """Bytes from ``field.offset`` that hold all of a bit-field's bits."""
    return ((field.bit_offset or 0) + (field.bit_size or 0) + 7) // 8


def truncating_divide(a: int, b: int) -> int:
    quotient = abs(a) // abs(b)
    return -quotient if (a < 0) != (b < 0) else quotient


class Evaluator:
    """Evaluates expressions in one context. Assignment is refused unless allowed
    (only the debug console and setExpression may change the program)."""

    def __init__(self, context: EvaluationContext, *, allow_assignment: bool = False) -> None:
        self.context = context
        self.allow_assignment = allow_assignment

    def evaluate(self, expression: str | nodes.Expression | nodes.Node) -> TypedValue:
        if isinstance(expression, str):
            expression = parse(expression, self.is_type_name)
        if isinstance(expression, nodes.Expression):
            expression = expression.root
        return self._evaluate(expression)

    def is_type_name(self, name: str) -> bool:
        return c_types.base_type(name) is not None or self.context.type_named(name) is not None

    def number(self, value: TypedValue, column: int | None = None) -> Number:
        """The value of a scalar, with arrays decayed to their address."""
        kind = value.type.kind
        if kind in (TypeKind.ARRAY, TypeKind.FUNCTION):  # decays to its address (a function's: its table slot)
            if value.address is None:
                raise ExpressionError(f"the {value.type.name} has no address", column)
            return value.address
        if not is_scalar(value.type):
            raise ExpressionError(f"a {value.type.name} value is not a number", column)
        return decode(value.type, self.bytes_of(value, column))

    def bytes_of(self, value: TypedValue, column: int | None = None) -> bytes:
        if value.data is not None:
            return value.data
        if value.address is None:
            raise ExpressionError(f"the {value.type.name} value has no bytes", column)
        return self.context.read_memory(value.address, value.type.size)

    # -- dispatch

    def _evaluate(self, node: nodes.Node) -> TypedValue:
        try:
            value = getattr(self, "_" + type(node).__name__)(node)
            if value.type.kind is TypeKind.REFERENCE and value.type.target is not None:
                return TypedValue(value.type.target, address=int(decode(c_types.UNSIGNED_INT, self.bytes_of(value))))
            return value
        except ExpressionError as error:
            if error.column is None:
                raise ExpressionError(error.message, node.column) from error
            raise

    @staticmethod
    def _rvalue_type(value: TypedValue) -> CType:
        return decayed(value.type)

    @staticmethod
    def _make(type_: CType, number: Number) -> TypedValue:
        return TypedValue(type_, encode(type_, number))

    # -- leaves

    def _Integer(self, node: nodes.Integer) -> TypedValue:
        literal = node.literal
        return self._make(
            integer_literal_type(literal.value, literal.unsigned, literal.longs, literal.decimal), literal.value
        )

    def _Float(self, node: nodes.Float) -> TypedValue:
        return self._make(c_types.FLOAT if node.literal.single else c_types.DOUBLE, node.literal.value)

    def _Char(self, node: nodes.Char) -> TypedValue:
        return self._make(c_types.CHAR if node.value < 0x100 else c_types.INT, node.value)

    def _String(self, node: nodes.String) -> TypedValue:
        data = node.value + b"\0"
        return TypedValue(c_types.array_of(c_types.CHAR, len(data)), data)

    def _Boolean(self, node: nodes.Boolean) -> TypedValue:
        return self._make(c_types.BOOL, int(node.value))

    def _Null(self, node: nodes.Null) -> TypedValue:
        return self._make(c_types.NULLPTR, 0)

    def _Identifier(self, node: nodes.Identifier) -> TypedValue:
        value = self.context.lookup(node.name)
        if value is not None:
            return value
        this = self.context.lookup("this")
        member = implicit_member(node, self.context, this.type if this is not None else None)
        if member is None:
            raise ExpressionError(f"no variable named '{node.name}' here", node.column)
        return self._evaluate(member)

    def _WasmLocal(self, node: nodes.WasmLocal) -> TypedValue:
        return self.context.wasm_local(node.index)

    def _WasmGlobal(self, node: nodes.WasmGlobal) -> TypedValue:
        return self.context.wasm_global(node.key)

    def _WasmStack(self, node: nodes.WasmStack) -> TypedValue:
        return self.context.wasm_stack(node.index)

    # -- postfix

    def _Call(self, node: nodes.Call) -> TypedValue:
        callee = node.target
        if isinstance(callee, nodes.Member) and callee.name in LENGTH_METHODS and not node.arguments:
            length = self._library_length(self._evaluate(callee.target))
            if length is not None:
                if callee.name in ("is_empty", "empty"):
                    return self._make(c_types.BOOL, int(length == 0))
                return self._make(SIZE, length)
        raise ExpressionError("function calls are not supported: the debugger does not run program code", node.column)

    def _library(self) -> LibraryViews | None:
        return getattr(self.context, "library", None)

    def _library_length(self, value: TypedValue) -> int | None:
        library = self._library()
        return library.length(value) if library is not None else None

    def _same_text(self, left: TypedValue, right: TypedValue) -> bool | None:
        """``s == "text"`` for a library string and a string literal; None for other operands."""
        library = self._library()
        for string, literal in ((left, right), (right, left)):
            is_literal = literal.type.kind is TypeKind.ARRAY and literal.address is None and literal.data is not None
            if library is not None and is_literal and string.type.kind is TypeKind.STRUCT:
                text = library.text(string)
                if text is not None:
                    return text == literal.data.removesuffix(b"\0")
        return None

    def _library_target(self, value: TypedValue) -> TypedValue | None:
        """What a smart pointer (a struct the library views know) owns, or None."""
        library = self._library()
        if library is None or value.type.kind not in (TypeKind.STRUCT, TypeKind.UNION):
            return None
        return library.target(value)

    def _Member(self, node: nodes.Member) -> TypedValue:
        record = self._evaluate(node.target)
        if node.arrow:
            record = self._dereference(record, node.column)
        while self.context.language in AUTO_DEREFERENCING and self._rvalue_type(record).kind is TypeKind.POINTER:
            record = self._dereference(record, node.column)
        if record.type.kind not in (TypeKind.STRUCT, TypeKind.UNION):
            raise ExpressionError(f"a {record.type.name} has no members ('{node.name}')", node.column)
        field = self.context.field(record.type, node.name)
        if field is None and node.name.isdigit():  # a Rust tuple's field `.0` is described as `__0`
            field = self.context.field(record.type, f"__{node.name}")
        while field is None and (owned := self._library_target(record)) is not None:  # rc.x through Rc, Box
            record = owned
            if record.type.kind not in (TypeKind.STRUCT, TypeKind.UNION):
                break
            field = self.context.field(record.type, node.name)
        if field is None:
            raise ExpressionError(f"no member '{node.name}' in {record.type.name}", node.column)
        if field.bit_size is not None:
            storage = self.bytes_of(record)[field.offset : field.offset + bitfield_storage(field)]
            bits = (int.from_bytes(storage, "little") >> (field.bit_offset or 0)) & ((1 << field.bit_size) - 1)
            if field.type.signed and bits >> (field.bit_size - 1):
                bits -= 1 << field.bit_size
            return self._make(field.type, bits)
        return self._field_value(record, field)

    def _Index(self, node: nodes.Index) -> TypedValue:
        if reads_memory_directly(node, lambda name: self.context.lookup(name) is not None):
            address = self._evaluate(node.index)
            if address.type.kind not in (*INTEGER_KINDS, TypeKind.POINTER):
                raise ExpressionError("mem[] takes an address", node.index.column)
            return TypedValue(c_types.UNSIGNED_CHAR, address=int(self.number(address)) & 0xFFFFFFFF)
        base = self._evaluate(node.target)
        if base.type.kind in (TypeKind.STRUCT, TypeKind.UNION) and (library := self._library()) is not None:
            key = node.index.value if isinstance(node.index, nodes.String) else self._integer(node.index)
            element_value = library.index(base, key)
            if element_value is not None:
                return element_value
        index = self._integer(node.index)
        if self.context.language == LANG_ZIG and base.type.kind is TypeKind.STRUCT:
            base = self._zig_slice_elements(base, index, node)
        element = base.type.target
        if base.type.kind not in (TypeKind.ARRAY, TypeKind.POINTER) or element is None:
            raise ExpressionError(f"a {base.type.name} cannot be indexed", node.column)
        if element.kind is TypeKind.VOID:
            raise ExpressionError("a void pointer cannot be indexed", node.column)
        if base.type.kind is TypeKind.ARRAY and base.address is None and base.data is not None:
            if not 0 <= index < (base.type.count or 0):
                raise ExpressionError(f"index {index} is out of bounds", node.index.column)
            start = index * element.size
            return TypedValue(element, base.data[start : start + element.size])
        address = int(self.number(base, node.column)) + index * element.size
        return TypedValue(element, address=address & 0xFFFFFFFF)

    def _zig_slice_elements(self, slice_: TypedValue, index: int, node: nodes.Index) -> TypedValue:
        """A Zig slice (``ptr`` and ``len``) indexed: its ``ptr``, once ``index`` is checked against ``len``."""
        pointer, length = (self.context.field(slice_.type, name) for name in ("ptr", "len"))
        if pointer is None or length is None:
            return slice_
        count = self.number(self._field_value(slice_, length), node.column)
        if not 0 <= index < count:
            raise ExpressionError(f"index {index} is out of bounds (the slice has {count} elements)", node.index.column)
        return self._field_value(slice_, pointer)

    @staticmethod
    def _field_value(record: TypedValue, field: Field) -> TypedValue:
        data = record.data[field.offset : field.offset + field.type.size] if record.data is not None else None
        address = record.address + field.offset if record.address is not None else None
        return TypedValue(field.type, data, address)

    def _integer(self, node: nodes.Node) -> int:
        value = self._evaluate(node)
        if not is_integer(value.type):
            raise ExpressionError(f"expected an integer, not a {value.type.name}", node.column)
        return int(self.number(value))

    # -- unary

    def _Unary(self, node: nodes.Unary) -> TypedValue:
        operand = self._evaluate(node.operand)
        if node.operator == "*":
            return self._dereference(operand, node.column)
        if node.operator == "&":
            if operand.address is None:
                raise ExpressionError("cannot take the address of a value that is not in memory", node.column)
            return self._make(c_types.pointer_to(operand.type), operand.address)
        value = self.number(operand, node.column)
        result_type = unary_type(node.operator, self._rvalue_type(operand), self.context)
        if node.operator == "!":
            complement = is_complement(node.operator, self._rvalue_type(operand), self.context)
            return self._make(result_type, ~int(value) if complement else int(value == 0))
        if node.operator == "-":
            return self._make(result_type, -value)
        if node.operator == "~":
            return self._make(result_type, ~int(value))
        return self._make(result_type, value)

    def _dereference(self, pointer: TypedValue, column: int) -> TypedValue:
        owned = self._library_target(pointer)
        if owned is not None:  # *p, p->x through unique_ptr, shared_ptr, Box, Rc
            return owned
        type_ = self._rvalue_type(pointer)
        target = type_.target
        if type_.kind is not TypeKind.POINTER or target is None:
            raise ExpressionError(f"cannot dereference a {pointer.type.name}", column)
        if target.kind in (TypeKind.VOID, TypeKind.FUNCTION):
            raise ExpressionError(f"cannot dereference a {type_.name}", column)
        return TypedValue(target, address=int(self.number(pointer, column)))

    def _SizeOf(self, node: nodes.SizeOf) -> TypedValue:
        if isinstance(node.operand, nodes.TypeName):
            type_ = resolve_type(self.context, node.operand, node.column)
        else:
            type_ = self._evaluate(node.operand).type
        if type_.kind in (TypeKind.VOID, TypeKind.FUNCTION):
            raise ExpressionError(f"sizeof cannot be applied to {type_.name}", node.column)
        return self._make(SIZE, type_.size)

    def _Cast(self, node: nodes.Cast) -> TypedValue:
        to = resolve_type(self.context, node.type, node.column)
        operand = self._evaluate(node.operand)
        if not is_scalar(to):
            if operand.type.name == to.name and operand.type.size == to.size:
                return TypedValue(to, operand.data, operand.address, operand.place)
            raise ExpressionError(f"cannot cast {operand.type.name} to {to.name}", node.column)
        return self._make(to, self.number(operand, node.column))

    # -- binary

    def _Binary(self, node: nodes.Binary) -> TypedValue:
        if node.operator in ("&&", "||"):
            return self._logical(node)
        left, right = self._evaluate(node.left), self._evaluate(node.right)
        if node.operator in ("==", "!=") and (same := self._same_text(left, right)) is not None:
            return self._make(truth_type(self.context), int(same == (node.operator == "==")))
        left_type, right_type = self._rvalue_type(left), self._rvalue_type(right)
        a, b = self.number(left, node.left.column), self.number(right, node.right.column)
        typing = binary_typing(node.operator, left_type, right_type, self.context)
        operator_ = node.operator
        if typing.form is Form.POINTER_COMPARISON:
            return self._make(typing.result, int(_COMPARISONS[operator_](int(a), int(b))))
        if typing.form is Form.POINTER_DIFFERENCE:
            return self._make(typing.result, truncating_divide(int(a) - int(b), typing.step))
        if typing.form is Form.POINTER_OFFSET:
            pointer, offset = (b, a) if typing.swapped else (a, b)
            step = int(offset) * typing.step
            return self._make(typing.result, int(pointer) + (-step if operator_ == "-" else step))
        if typing.form is Form.SHIFT:
            if not 0 <= b < typing.result.size * 8:
                raise ExpressionError(f"shift count {b} is out of range for {typing.result.name}", node.right.column)
            a = convert(a, typing.result)
            return self._make(typing.result, a << int(b) if operator_ == "<<" else a >> int(b))
        assert typing.operands is not None
        a, b = convert(a, typing.operands), convert(b, typing.operands)
        if typing.form is Form.COMPARISON:
            return self._make(typing.result, int(_COMPARISONS[operator_](a, b)))
        if operator_ in _BITWISE:
            return self._make(typing.result, _BITWISE[operator_](int(a), int(b)))
        return self._make(typing.result, self._arithmetic(node, typing.result, a, b))

    def _arithmetic(self, node: nodes.Binary, type_: CType, a: Number, b: Number) -> Number:
        operator_ = node.operator
        if operator_ == "+":
            return a + b
        if operator_ == "-":
            return a - b
        if operator_ == "*":
            return a * b
        if b == 0:
            raise ExpressionError("division by zero", node.column)
        if type_.kind is TypeKind.FLOAT:
            return a / b
        quotient = truncating_divide(int(a), int(b))
        return quotient if operator_ == "/" else int(a) - quotient * int(b)

    def _logical(self, node: nodes.Binary) -> TypedValue:
        left = self.number(self._evaluate(node.left), node.left.column) != 0
        if left == (node.operator == "||"):
            return self._make(truth_type(self.context), int(left))
        right = self.number(self._evaluate(node.right), node.right.column) != 0
        return self._make(truth_type(self.context), int(right))

    # -- the rest

    def _Conditional(self, node: nodes.Conditional) -> TypedValue:
        condition = self.number(self._evaluate(node.condition), node.condition.column)
        return self._evaluate(node.then if condition else node.otherwise)

    def _Assign(self, node: nodes.Assign) -> TypedValue:
        if not self.allow_assignment:
            raise ExpressionError(
                "assignment is only allowed in the debug console or when setting a value", node.column
            )
        target = self._evaluate(node.target)
        if target.address is None and target.place is None:
            raise ExpressionError("the left side of '=' cannot be assigned to", node.column)
        value = self._evaluate(node.value)
        if is_scalar(target.type):
            data = encode(target.type, self.number(value, node.value.column))
        elif value.type.name == target.type.name and value.type.size == target.type.size:
            data = self.bytes_of(value, node.value.column)
        else:
            raise ExpressionError(f"cannot assign a {value.type.name} to a {target.type.name}", node.column)
        self.context.assign(target, data)
        return TypedValue(target.type, data, target.address, target.place)

    def _Comma(self, node: nodes.Comma) -> TypedValue:
        self._evaluate(node.left)
        return self._evaluate(node.right)
