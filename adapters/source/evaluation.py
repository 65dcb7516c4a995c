"""Expressions in a paused frame: evaluate (watch, hover, console), conditions,
logpoint messages and completions, over the DWARF binding of the expression language."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.source.expressions.completions import complete
from adapters.source.expressions.condition_compiler import compile_condition
from adapters.source.expressions.display import render, render_expression
from adapters.source.expressions.dwarf_binding import (
    DwarfCompileScope,
    DwarfEvaluationContext,
    DwarfProgram,
    DwarfType,
)
from adapters.source.expressions.errors import ExpressionError
from adapters.source.expressions.evaluator import Evaluator
from adapters.source.expressions.logpoints import format_message, parse_template
from adapters.source.expressions.parser import parse
from adapters.source.locations import ImplicitLocation, MemoryLocation
from adapters.source.model import EvaluationResult
from adapters.source.values import Format, ValueObject

if TYPE_CHECKING:
    from adapters.source.debugger import SourceDebugger

ASSIGNING_CONTEXTS = ("repl", "setExpression")


class Expressions:
    def __init__(self, debugger: SourceDebugger) -> None:
        self._debugger = debugger
        self._programs: dict[int, DwarfProgram] = {}

    def _program(self, module_id: int) -> DwarfProgram:
        if module_id not in self._programs:
            symbols = self._debugger.symbols[module_id]
            if symbols.dwarf is None or symbols.module is None:
                raise ExpressionError("this module has no debug information for expressions")
            resolver = self._debugger.inspector.resolver(module_id, symbols)
            self._programs[module_id] = DwarfProgram(symbols.module, symbols.dwarf, resolver, symbols.functions_named)
        return self._programs[module_id]

    def _context(self, frame_id: int) -> DwarfEvaluationContext:
        _, wasm = self._debugger.frame(frame_id)
        depth, die, dwarf_pc = self._debugger.frame_scope(frame_id)
        frame_context = self._debugger.inspector.context(depth, wasm)
        formatters = self._debugger.inspector.renderer.formatters
        return DwarfEvaluationContext(self._program(wasm.module_id), frame_context, die, dwarf_pc, formatters)

    def evaluate(self, text: str, frame_id: int, context: str = "repl", hex: bool = False) -> EvaluationResult:
        scope = self._context(frame_id)
        evaluator = Evaluator(scope, allow_assignment=context in ASSIGNING_CONTEXTS)
        expression = parse(text, evaluator.is_type_name)
        value = evaluator.evaluate(expression)
        display_format = expression.format or ("hex" if hex else None)
        if isinstance(value.type, DwarfType) and display_format in (None, "hex"):  # the renderer knows hex
            location = MemoryLocation(value.address) if value.address is not None else value.place
            if location is None and value.data is not None:  # a computed value of a program type (an enumerator)
                location = ImplicitLocation(value.data)
            if location is not None:
                rendered = self._debugger.inspector.renderer.variable(
                    text,
                    ValueObject(value.type.model, location, scope.frame),
                    Format(hex=display_format == "hex"),
                    text,
                )
                return EvaluationResult(
                    rendered.value,
                    rendered.type,
                    rendered.reference,
                    rendered.named_children,
                    rendered.indexed_children,
                    rendered.memory_reference,
                )
        return EvaluationResult(render(value, evaluator, display_format), value.type.name)

    def truthy(self, text: str, frame_id: int = 1) -> bool:
        evaluator = Evaluator(self._context(frame_id))
        return bool(evaluator.number(evaluator.evaluate(text)))

    def format_log_message(self, template: str, frame_id: int = 1) -> str:
        evaluator = Evaluator(self._context(frame_id))
        return format_message(parse_template(template), lambda text: render_expression(text, evaluator))

    def compile_condition(self, condition: str, module_id: int, pc: int) -> list | None:
        """The agent program for ``condition`` at a breakpoint PC, or None (host evaluates)."""
        symbols = self._debugger.symbols[module_id]
        chain = symbols.inline_chain(pc)
        if not chain or chain[0].die is None or symbols.module is None:
            return None
        try:
            scope = DwarfCompileScope(self._program(module_id), chain[0].die, pc - (symbols.module.code_offset or 0))
            return compile_condition(condition, scope)
        except ExpressionError:
            return None  # the host evaluator reports the error when the breakpoint is hit

    def completions(self, text: str, cursor: int, frame_id: int) -> list[str]:
        """``cursor`` is a 0-based offset into ``text``."""
        return [candidate.label for candidate in complete(text, cursor, self._context(frame_id))]
