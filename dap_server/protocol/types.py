"""Protocol objects the server sends inside response and event bodies."""

from __future__ import annotations

from typing import Literal

from dap_server.protocol.base import DapModel


class ExceptionBreakpointsFilter(DapModel):
    filter: str
    label: str
    description: str | None = None
    default: bool = False
    supports_condition: bool = False


class Capabilities(DapModel):
    supports_configuration_done_request: bool | None = None
    supports_function_breakpoints: bool | None = None
    supports_conditional_breakpoints: bool | None = None
    supports_hit_conditional_breakpoints: bool | None = None
    supports_evaluate_for_hovers: bool | None = None
    exception_breakpoint_filters: list[ExceptionBreakpointsFilter] | None = None
    supports_step_back: bool | None = None
    supports_set_variable: bool | None = None
    supports_completions_request: bool | None = None
    completion_trigger_characters: list[str] | None = None
    supports_modules_request: bool | None = None
    supports_restart_request: bool | None = None
    supports_value_formatting_options: bool | None = None
    supports_exception_info_request: bool | None = None
    support_terminate_debuggee: bool | None = None
    supports_loaded_sources_request: bool | None = None
    supports_log_points: bool | None = None
    supports_set_expression: bool | None = None
    supports_terminate_request: bool | None = None
    supports_read_memory_request: bool | None = None
    supports_write_memory_request: bool | None = None
    supports_disassemble_request: bool | None = None
    supports_cancel_request: bool | None = None
    supports_breakpoint_locations_request: bool | None = None
    supports_clipboard_context: bool | None = None
    supports_stepping_granularity: bool | None = None
    supports_instruction_breakpoints: bool | None = None
    supports_delayed_stack_trace_loading: bool | None = None


class Source(DapModel):
    name: str | None = None
    path: str | None = None
    source_reference: int | None = None
    presentation_hint: Literal["normal", "emphasize", "deemphasize"] | None = None
    origin: str | None = None


class Breakpoint(DapModel):
    id: int | None = None
    verified: bool
    message: str | None = None
    source: Source | None = None
    line: int | None = None
    column: int | None = None
    instruction_reference: str | None = None
    reason: Literal["pending", "failed"] | None = None


class BreakpointLocation(DapModel):
    line: int
    column: int | None = None


class Thread(DapModel):
    id: int
    name: str


class StackFrame(DapModel):
    id: int
    name: str
    source: Source | None = None
    line: int
    column: int
    instruction_pointer_reference: str | None = None
    module_id: int | None = None
    presentation_hint: Literal["normal", "label", "subtle"] | None = None


class Scope(DapModel):
    name: str
    presentation_hint: str | None = None
    variables_reference: int
    named_variables: int | None = None
    indexed_variables: int | None = None
    expensive: bool


class VariablePresentationHint(DapModel):
    kind: str | None = None
    attributes: list[str] | None = None


class Variable(DapModel):
    name: str
    value: str
    type: str | None = None
    presentation_hint: VariablePresentationHint | None = None
    evaluate_name: str | None = None
    variables_reference: int
    named_variables: int | None = None
    indexed_variables: int | None = None
    memory_reference: str | None = None


class Module(DapModel):
    id: int
    name: str
    path: str | None = None
    symbol_status: str | None = None
    address_range: str | None = None


class DisassembledInstruction(DapModel):
    address: str
    instruction_bytes: str | None = None
    instruction: str
    symbol: str | None = None
    location: Source | None = None
    line: int | None = None
    column: int | None = None
    presentation_hint: Literal["normal", "invalid"] | None = None


class CompletionItem(DapModel):
    label: str
    type: str | None = None


class ExceptionDetails(DapModel):
    message: str | None = None
    type_name: str | None = None
    stack_trace: str | None = None


class ErrorMessage(DapModel):
    id: int
    format: str
    show_user: bool | None = None


class ValueReply(DapModel):
    """The shared shape of ``setVariable`` and ``setExpression`` bodies."""

    value: str
    type: str | None = None
    variables_reference: int = 0
    named_variables: int | None = None
    indexed_variables: int | None = None
    memory_reference: str | None = None


class EvaluateBody(DapModel):
    result: str
    type: str | None = None
    variables_reference: int = 0
    named_variables: int | None = None
    indexed_variables: int | None = None
    memory_reference: str | None = None


# Bodies of the events we send.


class StoppedEventBody(DapModel):
    reason: str
    description: str | None = None
    thread_id: int | None = None
    text: str | None = None
    all_threads_stopped: bool | None = None
    hit_breakpoint_ids: list[int] | None = None


class ContinuedEventBody(DapModel):
    thread_id: int
    all_threads_continued: bool | None = None


class OutputEventBody(DapModel):
    category: str = "console"
    output: str
    source: Source | None = None
    line: int | None = None


class ProgressStartEventBody(DapModel):
    progress_id: str
    title: str
    message: str | None = None


class ProgressUpdateEventBody(DapModel):
    progress_id: str
    message: str | None = None


class ProgressEndEventBody(DapModel):
    progress_id: str
    message: str | None = None


class ProcessEventBody(DapModel):
    name: str
    is_local_process: bool = True
    start_method: Literal["launch", "attach"]


class ExitedEventBody(DapModel):
    exit_code: int


class TerminatedEventBody(DapModel):
    restart: bool | None = None


class ModuleEventBody(DapModel):
    reason: Literal["new", "changed", "removed"]
    module: Module


class LoadedSourceEventBody(DapModel):
    reason: Literal["new", "changed", "removed"]
    source: Source


class BreakpointEventBody(DapModel):
    reason: Literal["changed", "new", "removed"]
    breakpoint: Breakpoint


class InvalidatedEventBody(DapModel):
    areas: list[Literal["all", "stacks", "threads", "variables"]]
    thread_id: int | None = None


class MemoryEventBody(DapModel):
    memory_reference: str
    offset: int
    count: int


class CapabilitiesEventBody(DapModel):
    capabilities: Capabilities


class ThreadEventBody(DapModel):
    reason: Literal["started", "exited"]
    thread_id: int


# Bodies of the responses that carry one.


class SetBreakpointsBody(DapModel):
    breakpoints: list[Breakpoint]


class BreakpointLocationsBody(DapModel):
    breakpoints: list[BreakpointLocation]


class ThreadsBody(DapModel):
    threads: list[Thread]


class StackTraceBody(DapModel):
    stack_frames: list[StackFrame]
    total_frames: int


class ScopesBody(DapModel):
    scopes: list[Scope]


class VariablesBody(DapModel):
    variables: list[Variable]


class ContinueBody(DapModel):
    all_threads_continued: bool = True


class ModulesBody(DapModel):
    modules: list[Module]
    total_modules: int


class LoadedSourcesBody(DapModel):
    sources: list[Source]


class SourceBody(DapModel):
    content: str
    mime_type: str | None = None


class ExceptionInfoBody(DapModel):
    exception_id: str
    description: str | None = None
    break_mode: Literal["never", "always", "unhandled", "userUnhandled"]
    details: ExceptionDetails | None = None


class CompletionsBody(DapModel):
    targets: list[CompletionItem]


class DisassembleBody(DapModel):
    instructions: list[DisassembledInstruction]


class ReadMemoryBody(DapModel):
    address: str
    unreadable_bytes: int | None = None
    data: str | None = None  # base64


class WriteMemoryBody(DapModel):
    offset: int | None = None
    bytes_written: int | None = None
