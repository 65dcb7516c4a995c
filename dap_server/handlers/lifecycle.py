"""Starting and ending: initialize, launch, attach, configurationDone, restart, terminate, disconnect."""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

import anyio
from pydantic import ValidationError

from adapters.source import launching
from adapters.source.model import Stop, UserError
from dap_server import convert
from dap_server.access import TOKEN_ATTRIBUTE
from dap_server.handlers.breakpoints import restore_breakpoints
from dap_server.handlers.registry import RequestError, handles
from dap_server.launch_config import AttachConfig, ConfigurationError, LaunchConfig
from dap_server.progress import SlowWork
from dap_server.protocol.arguments import (
    DisconnectArguments,
    InitializeArguments,
    NoArguments,
    TerminateArguments,
)
from dap_server.protocol.base import ClientInput, describe_validation_error
from dap_server.protocol.types import (
    Capabilities,
    ExceptionBreakpointsFilter,
    ExitedEventBody,
    LoadedSourceEventBody,
    ProcessEventBody,
    TerminatedEventBody,
)
from dap_server.state import AFTER_INITIALIZE, ANY, BEFORE_LAUNCH, WITH_DEBUGGEE, State

if TYPE_CHECKING:
    from adapters.source.debugger import SourceDebugger
    from dap_server.session import Session


log = logging.getLogger(__name__)


class RestartArguments(ClientInput):
    arguments: dict | None = None  # a new launch or attach configuration


EXCEPTION_FILTERS = [
    ExceptionBreakpointsFilter(filter="trap", label="Traps", description="Stop when the program traps", default=True),
    # On, as gdb and lldb stop at SIGABRT and CodeLLDB at a Rust panic.
    ExceptionBreakpointsFilter(
        filter="abort",
        label="abort() and panics",
        description="Stop when the program calls abort or panics",
        default=True,
    ),
]

CAPABILITIES = Capabilities(
    supports_configuration_done_request=True,
    supports_function_breakpoints=True,
    supports_conditional_breakpoints=True,
    supports_hit_conditional_breakpoints=True,
    supports_log_points=True,
    supports_evaluate_for_hovers=True,
    supports_clipboard_context=True,
    exception_breakpoint_filters=EXCEPTION_FILTERS,
    supports_exception_info_request=True,
    supports_step_back=False,
    supports_stepping_granularity=True,
    supports_set_variable=True,
    supports_set_expression=True,
    supports_completions_request=True,
    supports_modules_request=True,
    supports_loaded_sources_request=True,
    supports_value_formatting_options=True,
    supports_restart_request=True,
    supports_terminate_request=True,
    supports_read_memory_request=True,
    supports_write_memory_request=True,
    supports_disassemble_request=True,
    supports_instruction_breakpoints=True,
    supports_breakpoint_locations_request=True,
    supports_cancel_request=True,
    supports_delayed_stack_trace_loading=True,
)


@handles("initialize", InitializeArguments, states=frozenset({State.NEW}))
async def initialize(session: Session, arguments: InitializeArguments) -> Capabilities:
    admit(session, arguments.auth_token, required=False)
    session.numbering = convert.Numbering(arguments.lines_start_at1, arguments.columns_start_at1)
    session.client = arguments
    # Until the client sets them (a client may never), the filters are at their defaults.
    session.breakpoints.exception_filters = [option.filter for option in EXCEPTION_FILTERS if option.default]
    session.state = State.INITIALIZED
    return CAPABILITIES


@handles("launch", LaunchConfig, states=BEFORE_LAUNCH)
async def launch(session: Session, config: LaunchConfig) -> None:
    admit(session, config.auth_token, required=True)
    await start(session, config)


@handles("attach", AttachConfig, states=BEFORE_LAUNCH)
async def attach(session: Session, config: AttachConfig) -> None:
    admit(session, config.auth_token, required=True)
    await start(session, config)


def admit(session: Session, token: str | None, *, required: bool) -> None:
    """Let the request through if the session has shown the server's token, now or before;
    otherwise refuse it and end the session, if a token was shown (a wrong one) or is ``required``."""
    if session.gate.is_open or (token is None and not required):
        return
    if token is not None and session.gate.offer(token):
        return
    session.after_response(session.end_session)
    log.warning("ended a session that showed %s token", "no" if token is None else "a wrong")
    if token is None:
        raise RequestError(
            f"this wasmtime-dap server needs its token: set {TOKEN_ATTRIBUTE!r} in the launch configuration "
            f"to the token the server printed when it started (or wrote to its --token-file)"
        )
    raise RequestError(f"wrong {TOKEN_ATTRIBUTE!r}: it is not this wasmtime-dap server's token")


async def start(session: Session, config: LaunchConfig | AttachConfig, *, announce: bool = True) -> None:
    """Start (or attach to) the program, paused at entry, with the breakpoints asked for so far.

    ``announce``: send ``initialized`` after the response, so the client configures breakpoints.
    """
    if isinstance(config, LaunchConfig):
        try:
            config.check()
        except ConfigurationError as error:
            raise RequestError(str(error)) from error
    callbacks = {"on_output": session.on_output, "on_module": session.on_module}
    mappings = config.path_rewrites()
    if isinstance(config, LaunchConfig):
        options = config.launch_options()
        opener = partial(launching.launch, options, config.backend, path_mappings=mappings, **callbacks)
        process = ProcessEventBody(name=str(options.program), start_method="launch")
    else:
        opener = partial(launching.attach, config.host, config.port, path_mappings=mappings, **callbacks)
        process = ProcessEventBody(name=f"{config.host}:{config.port}", is_local_process=False, start_method="attach")
    try:
        with anyio.CancelScope(shield=True):  # a client gone mid-launch: keep the program to end it
            async with SlowWork(session, f"Starting {process.name}") as work:
                if isinstance(config, LaunchConfig):
                    opener = partial(opener, on_progress=work.step)
                session.debugger = await session.call(opener)
    except Exception as error:
        raise RequestError(f"could not start the program: {error}") from error
    session.config = config
    session.state = State.CONFIGURING
    try:
        for path in config.formatter_paths():
            await session.call(session.debugger.load_formatters, path)
    except UserError as error:
        await session.end_debuggee(terminate=True)
        raise RequestError(str(error)) from error
    session.event("process", process)
    for path in await session.call(session.debugger.loaded_sources):
        session.event("loadedSource", LoadedSourceEventBody(reason="new", source=convert.source(path)))
    await restore_breakpoints(session)
    if announce:
        session.after_response(lambda: session.event("initialized"))


@handles("configurationDone", states=frozenset({State.CONFIGURING}))
async def configuration_done(session: Session, _: NoArguments) -> None:
    begin(session)


def begin(session: Session) -> None:
    """Let a freshly configured program run (to its entry point, with stopOnEntry)."""
    debugger = session.require_debugger()
    stop_on_entry = session.config is not None and session.config.stop_on_entry
    session.start_running(partial(run_from_start, debugger, stop_on_entry))


def run_from_start(debugger: SourceDebugger, stop_on_entry: bool) -> Stop:
    return debugger.start(stop_on_entry) or debugger.resume()


@handles("restart", RestartArguments, states=WITH_DEBUGGEE | {State.ENDED})
async def restart(session: Session, arguments: RestartArguments) -> None:
    """Start the program afresh (with new arguments if given), with the same breakpoints."""
    config = session.config
    if arguments.arguments is not None:
        try:
            config = type(config).model_validate(arguments.arguments)
        except ValidationError as error:
            why = describe_validation_error(error, "arguments.arguments")
            raise RequestError(f"invalid arguments: {why}") from error
    await session.end_debuggee(terminate=True)
    session.state = State.INITIALIZED
    await start(session, config, announce=False)  # the client does not configure again
    begin(session)


@handles("terminate", TerminateArguments, states=AFTER_INITIALIZE)
async def terminate(session: Session, _: TerminateArguments) -> None:
    if session.debugger is None:
        return
    ended = session.state is State.ENDED  # and the client was told (dape answers `terminated` with this)
    exit_code = await session.end_debuggee(terminate=True)
    if not ended:
        session.event("exited", ExitedEventBody(exit_code=exit_code if exit_code is not None else 0))
        session.event("terminated", TerminatedEventBody())


@handles("disconnect", DisconnectArguments, states=ANY)
async def disconnect(session: Session, arguments: DisconnectArguments) -> None:
    # A launched program is the adapter's child, its output piped to the adapter: it ends with the
    # session, whatever `terminateDebuggee` says (supportTerminateDebuggee is not advertised).
    launched = isinstance(session.config, LaunchConfig)
    await session.end_debuggee(terminate=launched or bool(arguments.terminate_debuggee))
    session.after_response(session.end_session)
