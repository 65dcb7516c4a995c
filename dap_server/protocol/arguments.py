"""Arguments of the requests the server handles, validated as they arrive.

``launch`` and ``attach`` arguments live in :mod:`dap_server.launch_config`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from dap_server.protocol.base import ClientInput

ThreadId = int
SteppingGranularity = Literal["statement", "line", "instruction"]


class NoArguments(ClientInput):
    pass


class InitializeArguments(ClientInput):
    client_id: str | None = Field(None, alias="clientID")
    client_name: str | None = None
    adapter_id: str | None = Field(None, alias="adapterID")
    lines_start_at1: bool = True
    columns_start_at1: bool = True
    path_format: str = "path"
    supports_variable_type: bool = False
    supports_memory_references: bool = False
    supports_invalidated_event: bool = False
    supports_memory_event: bool = False
    auth_token: str | None = None  # ours: the TCP server's token (dap_server.access)
    supports_progress_reporting: bool = False


class SourceArgument(ClientInput):
    name: str | None = None
    path: str | None = None
    source_reference: int | None = None


class SourceBreakpoint(ClientInput):
    line: int
    column: int | None = None
    condition: str | None = None
    hit_condition: str | None = None
    log_message: str | None = None


class SetBreakpointsArguments(ClientInput):
    source: SourceArgument
    breakpoints: list[SourceBreakpoint] | None = None
    lines: list[int] | None = None  # deprecated form, used when breakpoints is absent
    source_modified: bool = False


class FunctionBreakpoint(ClientInput):
    name: str
    condition: str | None = None
    hit_condition: str | None = None


class SetFunctionBreakpointsArguments(ClientInput):
    breakpoints: list[FunctionBreakpoint]


class ExceptionFilterOptions(ClientInput):
    filter_id: str
    condition: str | None = None


class SetExceptionBreakpointsArguments(ClientInput):
    filters: list[str]
    filter_options: list[ExceptionFilterOptions] | None = None


class InstructionBreakpoint(ClientInput):
    instruction_reference: str
    offset: int = 0
    condition: str | None = None
    hit_condition: str | None = None


class SetInstructionBreakpointsArguments(ClientInput):
    breakpoints: list[InstructionBreakpoint]


class BreakpointLocationsArguments(ClientInput):
    source: SourceArgument
    line: int
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None


class ThreadArguments(ClientInput):
    thread_id: ThreadId


class StepArguments(ThreadArguments):
    single_thread: bool = False
    granularity: SteppingGranularity = "statement"


class StepInArguments(StepArguments):
    target_id: int | None = None


class StackFrameFormat(ClientInput):
    parameters: bool | None = None
    line: bool | None = None
    module: bool | None = None
    hex: bool = False


class StackTraceArguments(ThreadArguments):
    start_frame: int = Field(0, ge=0)
    levels: int = Field(0, ge=0)  # 0: all
    format: StackFrameFormat | None = None


class ScopesArguments(ClientInput):
    frame_id: int


class ValueFormat(ClientInput):
    hex: bool = False


class VariablesArguments(ClientInput):
    variables_reference: int
    filter: Literal["indexed", "named"] | None = None
    start: int = Field(0, ge=0)
    count: int = Field(0, ge=0)  # 0: all
    format: ValueFormat | None = None


EvaluateContext = Literal["watch", "repl", "hover", "clipboard", "variables"]


class EvaluateArguments(ClientInput):
    expression: str
    frame_id: int | None = None
    context: EvaluateContext | str = "repl"
    format: ValueFormat | None = None


class SetVariableArguments(ClientInput):
    variables_reference: int
    name: str
    value: str
    format: ValueFormat | None = None


class SetExpressionArguments(ClientInput):
    expression: str
    value: str
    frame_id: int | None = None
    format: ValueFormat | None = None


class DisassembleArguments(ClientInput):
    memory_reference: str
    offset: int = 0
    instruction_offset: int = 0
    instruction_count: int = Field(ge=0)
    resolve_symbols: bool = True


class ReadMemoryArguments(ClientInput):
    memory_reference: str
    offset: int = 0
    count: int = Field(ge=0)


class WriteMemoryArguments(ClientInput):
    memory_reference: str
    offset: int = 0
    allow_partial: bool = False
    data: str  # base64


class ModulesArguments(ClientInput):
    start_module: int = Field(0, ge=0)
    module_count: int = Field(0, ge=0)  # 0: all


class SourceRequestArguments(ClientInput):
    source: SourceArgument | None = None
    source_reference: int


class ExceptionInfoArguments(ThreadArguments):
    pass


class CompletionsArguments(ClientInput):
    text: str
    column: int
    line: int | None = None
    frame_id: int | None = None


class TerminateArguments(ClientInput):
    restart: bool = False


class DisconnectArguments(ClientInput):
    restart: bool = False
    terminate_debuggee: bool | None = None
    suspend_debuggee: bool = False


class CancelArguments(ClientInput):
    request_id: int | None = None
    progress_id: str | None = None
