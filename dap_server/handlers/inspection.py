"""Looking at a stopped program: threads, stack, scopes, variables, expressions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.source.model import SourceFrame, StopKind
from dap_server import convert
from dap_server.handlers.execution import check_thread
from dap_server.handlers.registry import RequestError, handles
from dap_server.protocol.arguments import (
    CompletionsArguments,
    EvaluateArguments,
    ExceptionInfoArguments,
    NoArguments,
    ScopesArguments,
    SetExpressionArguments,
    SetVariableArguments,
    StackTraceArguments,
    ValueFormat,
    VariablesArguments,
)
from dap_server.protocol.types import (
    CompletionItem,
    CompletionsBody,
    EvaluateBody,
    ExceptionDetails,
    ExceptionInfoBody,
    Scope,
    ScopesBody,
    StackTraceBody,
    Thread,
    ThreadsBody,
    ValueReply,
    VariablesBody,
)
from dap_server.state import AFTER_INITIALIZE, PAUSED, STOPPED, THREAD_ID, WITH_DEBUGGEE

if TYPE_CHECKING:
    from dap_server.session import Session


def wants_hex(value_format: ValueFormat | None) -> bool:
    return value_format is not None and value_format.hex


def child_reference(session: Session, reference: int) -> int:
    """The client's handle for a debugger reference (0 stays 0: nothing to expand)."""
    return session.references.add(reference) if reference else 0


async def current_stack(session: Session) -> list[tuple[int, SourceFrame]]:
    """This stop's frames with their client ids, fetched once per stop."""
    if session.stack is None:
        frames = await session.call(session.require_debugger().stack)
        session.stack = [(session.frames.add(frame), frame) for frame in frames]
    return session.stack


async def frame_for(session: Session, frame_id: int | None) -> SourceFrame | None:
    """The frame a request names; None (the debugger's choice: the top frame) when it names none."""
    if frame_id is None:
        return None
    await current_stack(session)
    return session.frames.get(frame_id)


@handles("threads", states=AFTER_INITIALIZE)
async def threads(session: Session, _: NoArguments) -> ThreadsBody:
    alive = session.state in WITH_DEBUGGEE  # none before launch, none once the program has ended
    return ThreadsBody(threads=[Thread(id=THREAD_ID, name="main")] if alive else [])


@handles("stackTrace", StackTraceArguments, states=STOPPED)
async def stack_trace(session: Session, arguments: StackTraceArguments) -> StackTraceBody:
    check_thread(arguments.thread_id)
    stack = await current_stack(session)
    end = arguments.start_frame + arguments.levels if arguments.levels else None
    debugger = session.require_debugger()
    frames = [
        convert.stack_frame(
            frame,
            frame_id,
            session.numbering,
            None if frame.location else session.disassembly_sources.for_frame(debugger, frame, caller=depth > 0),
        )
        for depth, (frame_id, frame) in list(enumerate(stack))[arguments.start_frame : end]
    ]
    return StackTraceBody(stack_frames=frames, total_frames=len(stack))


@handles("scopes", ScopesArguments, states=STOPPED)
async def scopes(session: Session, arguments: ScopesArguments) -> ScopesBody:
    frame = session.frames.get(arguments.frame_id)
    found = await session.call(session.require_debugger().scopes, frame.id)
    return ScopesBody(
        scopes=[
            Scope(
                name=scope.name,
                presentation_hint=scope.presentation_hint,
                variables_reference=child_reference(session, scope.reference),
                expensive=scope.expensive,
            )
            for scope in found
        ]
    )


@handles("variables", VariablesArguments, states=STOPPED)
async def variables(session: Session, arguments: VariablesArguments) -> VariablesBody:
    reference = session.references.get(arguments.variables_reference)
    debugger = session.require_debugger()
    found = await session.call(
        debugger.variables,
        reference,
        arguments.start,
        arguments.count or None,
        wants_hex(arguments.format),
    )
    return VariablesBody(
        variables=[convert.variable(value, child_reference(session, value.reference)) for value in found]
    )


@handles("evaluate", EvaluateArguments, states=STOPPED)
async def evaluate(session: Session, arguments: EvaluateArguments) -> EvaluateBody:
    frame = await frame_for(session, arguments.frame_id)
    debugger = session.require_debugger()
    result = await session.call(
        debugger.evaluate,
        arguments.expression,
        frame.id if frame else None,
        arguments.context,
        wants_hex(arguments.format),
    )
    return convert.evaluation(result, child_reference(session, result.reference))


@handles("setVariable", SetVariableArguments, states=STOPPED)
async def set_variable(session: Session, arguments: SetVariableArguments) -> ValueReply:
    reference = session.references.get(arguments.variables_reference)
    debugger = session.require_debugger()
    changed = await session.call(
        debugger.set_variable,
        reference,
        arguments.name,
        arguments.value,
        wants_hex(arguments.format),
    )
    return convert.value_reply(changed, child_reference(session, changed.reference))


@handles("setExpression", SetExpressionArguments, states=STOPPED)
async def set_expression(session: Session, arguments: SetExpressionArguments) -> ValueReply:
    frame = await frame_for(session, arguments.frame_id)
    debugger = session.require_debugger()
    changed = await session.call(
        debugger.set_expression,
        arguments.expression,
        arguments.value,
        frame.id if frame else None,
    )
    session.values_changed()
    return convert.value_reply(changed, child_reference(session, changed.reference))


@handles("completions", CompletionsArguments, states=PAUSED)
async def completions(session: Session, arguments: CompletionsArguments) -> CompletionsBody:
    frame = await frame_for(session, arguments.frame_id) if arguments.frame_id is not None else None
    column = session.numbering.column_from_client(arguments.column)
    debugger = session.require_debugger()
    labels = await session.call(debugger.completions, arguments.text, column, frame.id if frame else None)
    return CompletionsBody(targets=[CompletionItem(label=label) for label in labels])


@handles("exceptionInfo", ExceptionInfoArguments, states=STOPPED)
async def exception_info(session: Session, arguments: ExceptionInfoArguments) -> ExceptionInfoBody:
    check_thread(arguments.thread_id)
    if session.last_stop is None or session.last_stop.kind is not StopKind.EXCEPTION:
        raise RequestError("the program is not stopped on an exception")
    exception_id, description, details = await session.call(session.require_debugger().exception_info)
    return ExceptionInfoBody(
        exception_id=exception_id,
        description=description,
        break_mode="always",
        details=ExceptionDetails(message=description, type_name=exception_id, stack_trace=details or None),
    )
