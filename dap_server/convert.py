"""Turning the source-level adapter's plain results into DAP protocol objects."""

from __future__ import annotations

import os

from adapters.source import model
from dap_server.protocol import messages
from dap_server.protocol.types import (
    Breakpoint,
    BreakpointLocation,
    DisassembledInstruction,
    EvaluateBody,
    Module,
    ModuleEventBody,
    Source,
    StackFrame,
    ValueReply,
    Variable,
    VariablePresentationHint,
)


class Numbering:
    """The client's line and column bases (``linesStartAt1``, ``columnsStartAt1``)."""

    def __init__(self, lines_start_at_1: bool = True, columns_start_at_1: bool = True) -> None:
        self.line_offset = 0 if lines_start_at_1 else -1
        self.column_offset = 0 if columns_start_at_1 else -1

    def line_to_client(self, line: int) -> int:
        return line + self.line_offset

    def line_from_client(self, line: int) -> int:
        return line - self.line_offset

    def column_to_client(self, column: int) -> int:
        return max(column, 1) + self.column_offset  # 0 (unknown) shows as the first column

    def column_from_client(self, column: int | None) -> int | None:
        return None if column is None else column - self.column_offset


def instruction_reference(pc: int) -> str:
    """A code address as DAP memory references spell it."""
    return f"0x{pc:x}"


def source(path: str) -> Source:
    return Source(name=os.path.basename(path), path=path)


def breakpoint(result: model.BreakpointResult, numbering: Numbering, client_id: int) -> Breakpoint:
    location = result.location
    return Breakpoint(
        id=client_id,
        verified=result.verified,
        message=result.message,
        reason=None if result.verified else "failed",
        source=source(location.path) if location else None,
        line=numbering.line_to_client(location.line) if location else None,
        column=numbering.column_to_client(location.column) if location and location.column else None,
        instruction_reference=(
            instruction_reference(model.code_address(result.module_id or 0, result.pc))
            if result.pc is not None
            else None
        ),
    )


def breakpoint_location(location: model.SourceLocation, numbering: Numbering) -> BreakpointLocation:
    column = numbering.column_to_client(location.column) if location.column else None
    return BreakpointLocation(line=numbering.line_to_client(location.line), column=column)


def stack_frame(
    frame: model.SourceFrame, frame_id: int, numbering: Numbering, disassembly: tuple[Source, int] | None = None
) -> StackFrame:
    """A frame; one without source shows ``disassembly`` (a source by reference and the
    frame's line in it) if given, else nothing (line 0) for the client's disassembly view."""
    location = frame.location
    name = f"{frame.name} [inlined]" if frame.inlined else frame.name
    if location:
        frame_source, line = source(location.path), numbering.line_to_client(location.line)
    elif disassembly:
        frame_source, line = disassembly[0], numbering.line_to_client(disassembly[1])
    else:
        frame_source, line = None, 0
    return StackFrame(
        id=frame_id,
        name=name,
        source=frame_source,
        line=line,
        column=numbering.column_to_client(location.column if location else 1) if frame_source else 0,
        instruction_pointer_reference=instruction_reference(frame.code_address),
        module_id=frame.module_id,
        presentation_hint=None if location and frame.has_debug_info else "subtle",
    )


def variable(value: model.Variable, reference: int) -> Variable:
    attributes = None if value.writable else ["readOnly"]
    return Variable(
        name=value.name,
        value=value.value,
        type=value.type or None,
        presentation_hint=VariablePresentationHint(kind=value.kind, attributes=attributes),
        evaluate_name=value.evaluate_name,
        variables_reference=reference,
        named_variables=value.named_children or None,
        indexed_variables=value.indexed_children or None,
        memory_reference=value.memory_reference,
    )


def evaluation(result: model.EvaluationResult, reference: int) -> EvaluateBody:
    return EvaluateBody(
        result=result.value,
        type=result.type or None,
        variables_reference=reference,
        named_variables=result.named_children or None,
        indexed_variables=result.indexed_children or None,
        memory_reference=result.memory_reference,
    )


def value_reply(value: model.Variable | model.EvaluationResult, reference: int) -> ValueReply:
    return ValueReply(
        value=value.value,
        type=value.type or None,
        variables_reference=reference,
        named_variables=value.named_children or None,
        indexed_variables=value.indexed_children or None,
        memory_reference=value.memory_reference,
    )


def module(info: model.ModuleInfo) -> Module:
    return Module(id=info.id, name=info.name, symbol_status=info.symbol_status, address_range=info.address_range)


def module_event(info: model.ModuleInfo) -> messages.Message:
    return messages.event("module", ModuleEventBody(reason="new", module=module(info)))


def instruction(item: model.DisassembledInstruction, numbering: Numbering) -> DisassembledInstruction:
    location = item.location
    return DisassembledInstruction(
        address=instruction_reference(item.code_address),
        instruction_bytes=item.bytes,
        instruction=item.text,
        symbol=item.symbol,
        location=source(location.path) if location else None,
        line=numbering.line_to_client(location.line) if location else None,
        column=numbering.column_to_client(location.column) if location and location.column else None,
    )
