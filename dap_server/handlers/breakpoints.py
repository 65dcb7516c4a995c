"""Breakpoint requests: source, function, instruction and exception breakpoints, and locations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.source.model import BreakpointSpec, split_code_address
from dap_server import convert
from dap_server.handlers.registry import RequestError, handles
from dap_server.protocol.arguments import (
    BreakpointLocationsArguments,
    SetBreakpointsArguments,
    SetExceptionBreakpointsArguments,
    SetFunctionBreakpointsArguments,
    SetInstructionBreakpointsArguments,
    SourceArgument,
)
from dap_server.protocol.types import BreakpointLocationsBody, SetBreakpointsBody
from dap_server.state import WITH_DEBUGGEE

if TYPE_CHECKING:
    from dap_server.session import Session

EXCEPTION_FILTER_IDS = ("trap", "abort")


def source_path(source: SourceArgument) -> str:
    if not source.path:
        raise RequestError("the source has no path (only sources on disk can have breakpoints)")
    return source.path


def parse_address(reference: str) -> int:
    """A memory or instruction reference ("0x1f4" or decimal) as a number."""
    try:
        return int(reference, 0)
    except ValueError:
        raise RequestError(f"not an address: {reference!r}") from None


@handles("setBreakpoints", SetBreakpointsArguments, states=WITH_DEBUGGEE)
async def set_breakpoints(session: Session, arguments: SetBreakpointsArguments) -> SetBreakpointsBody:
    path = source_path(arguments.source)
    line = session.numbering.line_from_client
    if arguments.breakpoints is not None:
        specs = [
            BreakpointSpec(
                line=line(requested.line),
                column=session.numbering.column_from_client(requested.column),
                condition=requested.condition or None,
                hit_condition=requested.hit_condition or None,
                log_message=requested.log_message or None,
            )
            for requested in arguments.breakpoints
        ]
    else:
        specs = [BreakpointSpec(line=line(number)) for number in arguments.lines or []]
    debugger = session.require_debugger()
    results = await session.call(debugger.set_source_breakpoints, path, specs)
    session.breakpoints.by_source[path] = specs
    return SetBreakpointsBody(breakpoints=[convert.breakpoint(result, session.numbering) for result in results])


@handles("setFunctionBreakpoints", SetFunctionBreakpointsArguments, states=WITH_DEBUGGEE)
async def set_function_breakpoints(session: Session, arguments: SetFunctionBreakpointsArguments) -> SetBreakpointsBody:
    specs = [
        BreakpointSpec(function=requested.name, condition=requested.condition, hit_condition=requested.hit_condition)
        for requested in arguments.breakpoints
    ]
    debugger = session.require_debugger()
    results = await session.call(debugger.set_function_breakpoints, specs)
    session.breakpoints.functions = specs
    return SetBreakpointsBody(breakpoints=[convert.breakpoint(result, session.numbering) for result in results])


@handles("setInstructionBreakpoints", SetInstructionBreakpointsArguments, states=WITH_DEBUGGEE)
async def set_instruction_breakpoints(
    session: Session, arguments: SetInstructionBreakpointsArguments
) -> SetBreakpointsBody:
    specs = []
    for requested in arguments.breakpoints:
        module_id, pc = split_code_address(parse_address(requested.instruction_reference) + requested.offset)
        specs.append(
            BreakpointSpec(
                instruction=pc,
                module_id=module_id,
                condition=requested.condition,
                hit_condition=requested.hit_condition,
            )
        )
    debugger = session.require_debugger()
    results = await session.call(debugger.set_instruction_breakpoints, specs)
    session.breakpoints.instructions = specs
    return SetBreakpointsBody(breakpoints=[convert.breakpoint(result, session.numbering) for result in results])


@handles("setExceptionBreakpoints", SetExceptionBreakpointsArguments, states=WITH_DEBUGGEE)
async def set_exception_breakpoints(session: Session, arguments: SetExceptionBreakpointsArguments) -> None:
    filters = arguments.filters + [option.filter_id for option in arguments.filter_options or []]
    unknown = sorted(set(filters) - set(EXCEPTION_FILTER_IDS))
    if unknown:
        raise RequestError(f"unknown exception filter {', '.join(unknown)} (known: {', '.join(EXCEPTION_FILTER_IDS)})")
    debugger = session.require_debugger()
    await session.call(debugger.set_exception_filters, filters)
    session.breakpoints.exception_filters = filters


@handles("breakpointLocations", BreakpointLocationsArguments, states=WITH_DEBUGGEE)
async def breakpoint_locations(session: Session, arguments: BreakpointLocationsArguments) -> BreakpointLocationsBody:
    path = source_path(arguments.source)
    numbering = session.numbering
    first = numbering.line_from_client(arguments.line)
    last = numbering.line_from_client(arguments.end_line) if arguments.end_line is not None else first
    debugger = session.require_debugger()
    locations = await session.call(debugger.breakpoint_locations, path, first, last)
    return BreakpointLocationsBody(breakpoints=[convert.breakpoint_location(item, numbering) for item in locations])


async def restore_breakpoints(session: Session) -> None:
    """Set every breakpoint the client asked for again (after a restart)."""
    debugger = session.require_debugger()
    wanted = session.breakpoints
    for path, specs in wanted.by_source.items():
        await session.call(debugger.set_source_breakpoints, path, specs)
    await session.call(debugger.set_function_breakpoints, wanted.functions)
    await session.call(debugger.set_instruction_breakpoints, wanted.instructions)
    await session.call(debugger.set_exception_filters, wanted.exception_filters)
