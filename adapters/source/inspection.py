"""What a paused program shows: scopes, variables and their children, assignments.

Everything registered here is valid until the program resumes (``clear``); type
resolvers live as long as their module, since types do not change.
"""

from __future__ import annotations

from elftools.dwarf.die import DIE

from adapters.source.frame_context import DebuggeeFrameContext
from adapters.source.model import Scope, Variable
from adapters.source.symbols import ModuleSymbols
from adapters.source.types import TypeResolver
from adapters.source.values import Format, ValueRegistry, ValueRenderer
from adapters.source.variables import FrameVariables
from adapters.wasm.debuggee import Debuggee, DebuggeeError, Frame


class Inspector:
    def __init__(self, debuggee: Debuggee) -> None:
        self._debuggee = debuggee
        self.registry = ValueRegistry()
        self.renderer = ValueRenderer(self.registry)
        self._resolvers: dict[int, TypeResolver] = {}
        self._contexts: dict[int, DebuggeeFrameContext] = {}  # by Wasm frame depth

    def clear(self) -> None:
        self.registry.clear()
        self._contexts.clear()

    def resolver(self, module_id: int, symbols: ModuleSymbols) -> TypeResolver:
        if module_id not in self._resolvers:
            self._resolvers[module_id] = TypeResolver(symbols.dwarf, symbols.module, names=symbols.name_index)
        return self._resolvers[module_id]

    def context(self, depth: int, frame: Frame) -> DebuggeeFrameContext:
        if depth not in self._contexts:
            self._contexts[depth] = DebuggeeFrameContext(self._debuggee, frame)
        return self._contexts[depth]

    def frame_variables(
        self, symbols: ModuleSymbols, frame: Frame, depth: int, scope_die: DIE | None, dwarf_pc: int
    ) -> FrameVariables:
        return FrameVariables(
            self.renderer,
            self.resolver(frame.module_id, symbols),
            self.context(depth, frame),
            symbols.dwarf,
            scope_die,
            dwarf_pc,
            symbols.module.global_count if symbols.module is not None else 0,
        )

    def scopes(self, variables: FrameVariables) -> list[Scope]:
        return variables.scopes()

    def variables(self, reference: int, start: int = 0, count: int | None = None, hex: bool = False) -> list[Variable]:
        try:
            return self.registry.children(reference, start, count, Format(hex=hex))
        except KeyError as error:
            raise DebuggeeError(str(error.args[0])) from None

    def set_variable(self, reference: int, name: str, value: str, hex: bool = False) -> Variable:
        try:
            return self.registry.assign(reference, name, value, Format(hex=hex))
        except KeyError as error:
            raise DebuggeeError(str(error.args[0])) from None
