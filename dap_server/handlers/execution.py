"""Run control: continue, next, stepIn, stepOut, pause (and the unsupported stepBack)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from dap_server.handlers.registry import RequestError, handles
from dap_server.protocol.arguments import (
    StepArguments,
    StepInArguments,
    ThreadArguments,
)
from dap_server.protocol.types import ContinueBody
from dap_server.state import ANY, STOPPED, THREAD_ID, WITH_DEBUGGEE, State

if TYPE_CHECKING:
    from dap_server.session import Session


def check_thread(thread_id: int) -> None:
    if thread_id != THREAD_ID:
        raise RequestError(f"unknown thread {thread_id}: a Wasm program has one thread, id {THREAD_ID}")


@handles("continue", ThreadArguments, states=STOPPED)
async def continue_(session: Session, arguments: ThreadArguments) -> ContinueBody:
    check_thread(arguments.thread_id)
    session.start_running(session.require_debugger().resume)
    return ContinueBody()


async def step(session: Session, kind: str, arguments: StepArguments) -> None:
    check_thread(arguments.thread_id)
    debugger = session.require_debugger()
    session.start_running(partial(debugger.step, kind, arguments.granularity))


@handles("next", StepArguments, states=STOPPED)
async def next_(session: Session, arguments: StepArguments) -> None:
    await step(session, "over", arguments)


@handles("stepIn", StepInArguments, states=STOPPED)
async def step_in(session: Session, arguments: StepInArguments) -> None:
    await step(session, "in", arguments)


@handles("stepOut", StepArguments, states=STOPPED)
async def step_out(session: Session, arguments: StepArguments) -> None:
    await step(session, "out", arguments)


@handles("stepBack", states=ANY)
@handles("reverseContinue", states=ANY)
async def step_back(session: Session, _: object) -> None:
    raise RequestError("running backwards is not supported (supportsStepBack is false)")


@handles("pause", ThreadArguments, states=WITH_DEBUGGEE)
async def pause(session: Session, arguments: ThreadArguments) -> None:
    check_thread(arguments.thread_id)
    if session.state is State.RUNNING:
        session.pause()
