"""The debugger's expression language: C-like expressions for watch, hover, the
debug console, breakpoint conditions and logpoints. Parsed and evaluated by our
own code; Python's ``eval`` is never involved.

Entry points: ``Evaluator`` (host evaluation over an ``EvaluationContext``),
``render_expression`` (evaluate and format, honouring ``expr,x``),
``compile_condition`` (engine program for a breakpoint condition, or None),
``parse_hit_condition``, ``parse_template``/``format_message`` (logpoints) and
``complete``. ``dwarf_binding`` implements the contexts over DWARF and a paused frame.
"""

from adapters.source.expressions.completions import Completion, complete
from adapters.source.expressions.condition_compiler import compile_condition
from adapters.source.expressions.display import render, render_expression
from adapters.source.expressions.errors import ExpressionError
from adapters.source.expressions.evaluator import Evaluator
from adapters.source.expressions.hit_conditions import parse_hit_condition
from adapters.source.expressions.interface import (
    CompileScope,
    CType,
    EvaluationContext,
    Field,
    InGlobal,
    InLocal,
    InMemory,
    Known,
    Located,
    TypedValue,
    TypeKind,
)
from adapters.source.expressions.logpoints import (
    Template,
    format_message,
    parse_template,
)
from adapters.source.expressions.parser import parse

__all__ = [
    "CType",
    "CompileScope",
    "Completion",
    "EvaluationContext",
    "Evaluator",
    "ExpressionError",
    "Field",
    "InGlobal",
    "InLocal",
    "InMemory",
    "Known",
    "Located",
    "Template",
    "TypeKind",
    "TypedValue",
    "compile_condition",
    "complete",
    "format_message",
    "parse",
    "parse_hit_condition",
    "parse_template",
    "render",
    "render_expression",
]
