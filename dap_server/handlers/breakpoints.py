"""Breakpoint requests: source, function, instruction and exception breakpoints, and locations."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from adapters.source.model import BreakpointResult, BreakpointSpec, split_code_address
from dap_server import convert
from dap_server.client_breakpoints import Group
from dap_server.handlers.registry import RequestError, handles
from dap_server.protocol.arguments import (
    BreakpointLocationsArguments,
    SetBreakpointsArguments,
    SetExceptionBreakpointsArguments,
    SetFunctionBreakpointsArguments,
    SetInstructionBreakpointsArguments,
    SourceArgument,
)
from dap_server.protocol.types import (
    Breakpoint,
    BreakpointEventBody,
    BreakpointLocationsBody,
    SetBreakpointsBody,
)
from dap_server.state import AFTER_INITIALIZE, WITH_DEBUGGEE, State

if TYPE_CHECKING:
    from adapters.source.debugger import SourceDebugger
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


@handles("setBreakpoints", SetBreakpointsArguments, states=AFTER_INITIALIZE)
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
    return SetBreakpointsBody(breakpoints=await apply(session, ("source", path), specs))


@handles("setFunctionBreakpoints", SetFunctionBreakpointsArguments, states=AFTER_INITIALIZE)
async def set_function_breakpoints(session: Session, arguments: SetFunctionBreakpointsArguments) -> SetBreakpointsBody:
    specs = [
        BreakpointSpec(
            function=requested.name,
            condition=requested.condition or None,
            hit_condition=requested.hit_condition or None,
        )
        for requested in arguments.breakpoints
    ]
    return SetBreakpointsBody(breakpoints=await apply(session, ("function", None), specs))


@handles(
    "setInstructionBreakpoints",
    SetInstructionBreakpointsArguments,
    states=AFTER_INITIALIZE,
)
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
                condition=requested.condition or None,
                hit_condition=requested.hit_condition or None,
            )
        )
    return SetBreakpointsBody(breakpoints=await apply(session, ("instruction", None), specs))


async def apply(session: Session, group: Group, specs: list[BreakpointSpec]) -> list[Breakpoint]:
    """Replace a group of breakpoints; without a program they wait for the next launch."""
    session.breakpoints.request(group, specs)
    if session.debugger is None:
        why = "the program has ended" if session.state is State.ENDED else "no program has been launched"
        return session.breakpoints.not_set(group, f"{why}: set when the program starts")
    results = await session.call(setter(session.debugger, group), specs)
    return session.breakpoints.resolved(group, results, session.numbering)


def setter(debugger: SourceDebugger, group: Group) -> Callable[[list[BreakpointSpec]], list[BreakpointResult]]:
    kind, path = group
    if kind == "source":
        assert path is not None
        return partial(debugger.set_source_breakpoints, path)
    if kind == "function":
        return debugger.set_function_breakpoints
    return debugger.set_instruction_breakpoints


@handles("setExceptionBreakpoints", SetExceptionBreakpointsArguments, states=AFTER_INITIALIZE)
async def set_exception_breakpoints(session: Session, arguments: SetExceptionBreakpointsArguments) -> None:
    filters = arguments.filters + [option.filter_id for option in arguments.filter_options or []]
    unknown = sorted(set(filters) - set(EXCEPTION_FILTER_IDS))
    if unknown:
        raise RequestError(f"unknown exception filter {', '.join(unknown)} (known: {', '.join(EXCEPTION_FILTER_IDS)})")
    session.breakpoints.exception_filters = filters
    if session.debugger is not None:
        await session.call(session.debugger.set_exception_filters, filters)


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
    """Set every breakpoint the client asked for in a freshly started program, and tell the
    client about each one that came out differently than it was told (a ``breakpoint`` event)."""
    debugger = session.require_debugger()
    for group, specs in session.breakpoints.requested():
        results = await session.call(setter(debugger, group), specs)
        for changed in session.breakpoints.changes(group, results, session.numbering):
            session.event("breakpoint", BreakpointEventBody(reason="changed", breakpoint=changed))
    await session.call(debugger.set_exception_filters, session.breakpoints.exception_filters)
