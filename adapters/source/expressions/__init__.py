"""The debugger's expression language: C-like expressions for watch, hover, the
debug console, breakpoint conditions and logpoints. Parsed and evaluated by our
own code; Python's ``eval`` is never involved."""

from adapters.source.expressions.errors import ExpressionError
from adapters.source.expressions.evaluator import Evaluator
from adapters.source.expressions.interface import (
    CompileScope,
    CType,
    EvaluationContext,
    Field,
    InGlobal,
    InLocal,
    InMemory,
    Located,
    TypedValue,
    TypeKind,
)
from adapters.source.expressions.parser import parse

__all__ = [
    "CType",
    "CompileScope",
    "EvaluationContext",
    "Evaluator",
    "ExpressionError",
    "Field",
    "InGlobal",
    "InLocal",
    "InMemory",
    "Located",
    "TypeKind",
    "TypedValue",
    "parse",
]
