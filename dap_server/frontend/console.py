"""The console's engine: runs gdb-style commands against a DAP session and prints the results."""

from __future__ import annotations

import base64
import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import IO, Any

from dap_server.frontend import commands as cmd
from dap_server.frontend.client import AdapterGone, DapClient, DapError
from dap_server.frontend.formatting import (
    SourceCache,
    Style,
    backtrace_line,
    frame_location,
    memory_dump,
    source_line,
    source_name,
    variable_line,
)

Message = dict[str, Any]
LAUNCH_TIMEOUT = 180.0  # seconds: a first start compiles the debugger component and the program
CLIENT_ID = "wasmtime-dap-console"
HELP = """\
Commands (gdb-style; abbreviations in brackets):
  break FILE:LINE | FUNCTION [if COND]  set a breakpoint [b]
  delete [N...]         delete breakpoints (all without N) [d]
  run                   start the program [r]
  continue              run until the next stop [c]
  next / step / finish  step over / into / out of a call [n] [s] [fin]
  backtrace             show the call stack [bt]
  frame N / up / down   select a stack frame [f]
  print EXPR            evaluate an expression [p]
  display [EXPR]        print EXPR at every stop; undisplay N removes it
  info locals|args|breakpoints|display   [i]
  x/NFU ADDRESS         examine memory: N units, format x d u o t c, unit size b h w g
  quit                  end the session [q]"""


class ProgramState(Enum):
    NOT_STARTED = "not started"
    STOPPED = "stopped"
    EXITED = "exited"


@dataclass
class BreakpointEntry:
    number: int
    spec: cmd.BreakSpec
    result: Message = field(default_factory=dict)  # the adapter's Breakpoint object


@dataclass
class Display:
    number: int
    expression: str


class Console:
    def __init__(self, client: DapClient, out: IO[str], err: IO[str], style: Style) -> None:
        self.client = client
        self.out, self.err, self.style = out, err, style
        self.state = ProgramState.NOT_STARTED
        self.exit_code: int | None = None
        self.command_failed = False
        self.quit_requested = False
        self._launch_seq: int | None = None
        self._breakpoints: list[BreakpointEntry] = []
        self._displays: list[Display] = []
        self._next_breakpoint = self._next_display = self._next_value = 1
        self._thread_id = 1
        self._frames: list[Message] = []
        self._selected = 0
        self._sources = SourceCache()
        self._handlers: dict[str, Callable[[str], None]] = {
            "break": self._break, "delete": self._delete, "run": self._run, "continue": self._continue,
            "next": self._next, "step": self._step, "finish": self._finish, "backtrace": self._backtrace,
            "print": self._print, "info": self._info, "x": self._examine, "display": self._display,
            "undisplay": self._undisplay, "frame": self._frame, "up": self._up, "down": self._down,
            "quit": self._quit, "help": self._help,
        }  # fmt: skip

    # --- session lifetime -----------------------------------------------------

    def start(self, launch_arguments: Message) -> None:
        """Initialize the adapter and launch the program, stopped before it runs (until ``run``)."""
        capabilities = self.client.request(
            "initialize",
            {
                "clientID": CLIENT_ID,
                "clientName": "wasmtime-dap console",
                "adapterID": "wasmtime",
                "linesStartAt1": True,
                "columnsStartAt1": True,
                "pathFormat": "path",
                "supportsVariableType": True,
                "supportsMemoryReferences": True,
            },
        )
        self._launch_seq = self.client.send("launch", launch_arguments)
        while True:
            event = self.client.next_event(LAUNCH_TIMEOUT, until_response=self._launch_seq)
            if event is None:  # the launch response came first: fail now if it is an error
                self.client.response(self._launch_seq)
                self._launch_seq = None
            elif event["event"] == "initialized":
                break
            else:
                self._on_event(event)
        filters = [f["filter"] for f in capabilities.get("exceptionBreakpointFilters", []) if f.get("default")]
        self.client.request("setExceptionBreakpoints", {"filters": filters})

    def close(self) -> None:
        """End the debuggee and the adapter."""
        with contextlib.suppress(DapError):  # the adapter may already be gone: closing is all that is left
            self.client.request("disconnect", {"terminateDebuggee": True}, timeout=10)
        self.client.close()

    def execute(self, line: str) -> None:
        """Run one command line; a mistake or a failed request is reported, not raised."""
        try:
            command = cmd.parse_command(line)
            if command is not None:
                self._handlers[command.name](command.argument)
        except AdapterGone:
            raise  # nothing more can be done
        except (cmd.CommandError, DapError) as error:
            self.command_failed = True
            self._error(str(error))

    # --- breakpoints ----------------------------------------------------------

    def _break(self, argument: str) -> None:
        self._require_session()
        entry = BreakpointEntry(self._next_breakpoint, cmd.parse_break(argument))
        self._next_breakpoint += 1
        self._breakpoints.append(entry)
        self._send_breakpoints(entry.spec.location)
        self._say(self._describe_new_breakpoint(entry))

    def _delete(self, argument: str) -> None:
        self._require_session()
        numbers = cmd.parse_numbers(argument, "breakpoint")
        doomed = [e for e in self._breakpoints if not numbers or e.number in numbers]
        unknown = set(numbers) - {e.number for e in doomed}
        if unknown:
            raise cmd.CommandError(f"No breakpoint number {min(unknown)}.")
        self._breakpoints = [e for e in self._breakpoints if e not in doomed]
        for location in {e.spec.location for e in doomed}:
            self._send_breakpoints(location)

    def _send_breakpoints(self, location: cmd.SourceLocation | cmd.FunctionLocation) -> None:
        """Send the whole set the adapter keeps per source file (or of function breakpoints)."""
        if isinstance(location, cmd.SourceLocation):
            path = _local_path(location.path)
            entries = [
                e for e in self._breakpoints
                if isinstance(e.spec.location, cmd.SourceLocation) and _local_path(e.spec.location.path) == path
            ]  # fmt: skip
            body = self.client.request(
                "setBreakpoints",
                {
                    "source": {"path": path, "name": os.path.basename(path)},
                    "breakpoints": [_with_condition({"line": e.spec.location.line}, e.spec) for e in entries],
                },
            )
        else:
            entries = [e for e in self._breakpoints if isinstance(e.spec.location, cmd.FunctionLocation)]
            body = self.client.request(
                "setFunctionBreakpoints",
                {"breakpoints": [_with_condition({"name": e.spec.location.name}, e.spec) for e in entries]},
            )
        for entry, result in zip(entries, body.get("breakpoints", []), strict=False):  # a short reply leaves the rest
            entry.result = result

    def _describe_new_breakpoint(self, entry: BreakpointEntry) -> str:
        where = self._breakpoint_where(entry)
        if entry.result.get("verified"):
            return f"Breakpoint {entry.number} at {where}"
        reason = entry.result.get("message") or "not resolved"
        return f"Breakpoint {entry.number} ({where}) pending: {reason}"

    def _breakpoint_where(self, entry: BreakpointEntry) -> str:
        location = entry.spec.location
        line = entry.result.get("line")
        file_name = source_name(entry.result) if entry.result.get("source") else None
        if isinstance(location, cmd.SourceLocation):
            return f"{file_name or os.path.basename(location.path)}:{line or location.line}"
        return f"{location.name} ({file_name}:{line})" if file_name and line else location.name

    # --- running --------------------------------------------------------------

    def _run(self, argument: str) -> None:
        if self.state is not ProgramState.NOT_STARTED:
            raise cmd.CommandError(
                "The program has exited." if self.state is ProgramState.EXITED else "The program is already running."
            )
        self.client.request("configurationDone")
        if self._launch_seq is not None:
            self.client.response(self._launch_seq, LAUNCH_TIMEOUT)
            self._launch_seq = None
        self._wait_for_stop()

    def _continue(self, argument: str) -> None:
        self._resume("continue")

    def _next(self, argument: str) -> None:
        self._resume("next")

    def _step(self, argument: str) -> None:
        self._resume("stepIn")

    def _finish(self, argument: str) -> None:
        self._resume("stepOut")

    def _resume(self, request: str) -> None:
        self._require_stopped()
        self.client.request(request, {"threadId": self._thread_id})
        self._wait_for_stop()

    def _wait_for_stop(self) -> None:
        """Show events until the program stops or ends; Ctrl-C asks the adapter to pause it."""
        previous_frame = self._frames[0] if self._frames else None
        self._frames = []
        while True:
            try:
                event = self.client.next_event()
            except KeyboardInterrupt:
                self.client.send("pause", {"threadId": self._thread_id})
                continue
            assert event is not None
            name = event.get("event")
            if name == "stopped":
                self._on_stop(event.get("body") or {}, previous_frame)
                return
            if name == "terminated":
                self.state = ProgramState.EXITED
                return
            self._on_event(event)

    def _on_event(self, event: Message) -> None:
        body = event.get("body") or {}
        name = event.get("event")
        if name == "output":
            self._program_output(body)
        elif name == "exited":
            self.exit_code = body.get("exitCode")
            self.state = ProgramState.EXITED
            status = "normally" if self.exit_code == 0 else f"with code {self.exit_code}"
            self._say(f"[Program exited {status}]")
        elif name == "breakpoint" and body.get("breakpoint"):
            changed = body["breakpoint"]
            for entry in self._breakpoints:
                if entry.result.get("id") is not None and entry.result.get("id") == changed.get("id"):
                    entry.result = changed

    def _program_output(self, body: Message) -> None:
        category = body.get("category", "console")
        stream = self.out if category == "stdout" else self.err
        stream.write(body.get("output", ""))
        stream.flush()

    def _on_stop(self, body: Message, previous_frame: Message | None) -> None:
        self.state = ProgramState.STOPPED
        self._thread_id = body.get("threadId", self._thread_id)
        self._frames = self.client.request("stackTrace", {"threadId": self._thread_id}).get("stackFrames", [])
        self._selected = 0
        if not self._frames:
            self._say(f"Program stopped ({body.get('reason', 'unknown reason')}).")
            return
        top = self._frames[0]
        reason = body.get("reason")
        hit = self._hit_breakpoint_numbers(body)
        if hit:
            self._say(f"\nBreakpoint {hit[0]}, {frame_location(top, self.style)}")
        elif reason == "exception":
            detail = body.get("text") or body.get("description") or "exception"
            self._say(f"\nProgram stopped: {detail}\n{frame_location(top, self.style)}")
        elif reason != "step" or not _same_function(previous_frame, top):
            self._say(frame_location(top, self.style))
        self._show_source_line(top)
        for display in self._displays:
            self._show_display(display)

    def _hit_breakpoint_numbers(self, body: Message) -> list[int]:
        ids = body.get("hitBreakpointIds") or []
        return [e.number for e in self._breakpoints if e.result.get("id") in ids]

    # --- looking at the stopped program ---------------------------------------

    def _backtrace(self, argument: str) -> None:
        self._require_stopped()
        for index, frame in enumerate(self._frames):
            self._say(backtrace_line(index, frame, self.style))

    def _frame(self, argument: str) -> None:
        self._require_stopped()
        if argument:
            self._select(cmd.parse_index(argument, "frame"))
        self._show_selected()

    def _up(self, argument: str) -> None:
        self._require_stopped()
        self._select(self._selected + 1)
        self._show_selected()

    def _down(self, argument: str) -> None:
        self._require_stopped()
        self._select(self._selected - 1)
        self._show_selected()

    def _select(self, index: int) -> None:
        if not 0 <= index < len(self._frames):
            raise cmd.CommandError(f"No frame at level {index}.")
        self._selected = index

    def _show_selected(self) -> None:
        frame = self._frames[self._selected]
        self._say(backtrace_line(self._selected, frame, self.style))
        self._show_source_line(frame)

    def _print(self, argument: str) -> None:
        if not argument:
            raise cmd.CommandError("usage: print EXPRESSION")
        self._require_stopped()
        result = self._evaluate(argument)
        self._say(f"${self._next_value} = {result.get('result', '')}")
        self._next_value += 1

    def _evaluate(self, expression: str) -> Message:
        arguments: Message = {"expression": expression, "context": "repl"}
        if self._frames:
            arguments["frameId"] = self._frames[self._selected]["id"]
        return self.client.request("evaluate", arguments)

    def _info(self, argument: str) -> None:
        topic = cmd.parse_info(argument)
        if topic == "breakpoints":
            self._info_breakpoints()
        elif topic == "display":
            self._info_display()
        else:
            self._info_scope(topic)

    def _info_scope(self, topic: str) -> None:
        self._require_stopped()
        frame_id = self._frames[self._selected]["id"]
        hint = "locals" if topic == "locals" else "arguments"
        scopes = self.client.request("scopes", {"frameId": frame_id}).get("scopes", [])
        scope = next((s for s in scopes if _scope_kind(s) == hint), None)
        variables = (
            self.client.request("variables", {"variablesReference": scope["variablesReference"]}).get("variables", [])
            if scope and scope.get("variablesReference")
            else []
        )
        if not variables:
            self._say("No locals." if topic == "locals" else "No arguments.")
        for variable in variables:
            self._say(variable_line(variable))

    def _info_breakpoints(self) -> None:
        if not self._breakpoints:
            self._say("No breakpoints.")
            return
        self._say(self.style.paint("heading", "Num  Enb  What"))
        for entry in self._breakpoints:
            state = "y" if entry.result.get("verified") else "pending"
            condition = f" if {entry.spec.condition}" if entry.spec.condition else ""
            self._say(f"{entry.number:<4} {state:<4} {self._breakpoint_where(entry)}{condition}")

    def _examine(self, argument: str) -> None:
        examine = cmd.parse_examine(argument)
        self._require_stopped()
        result = self._evaluate(examine.address)
        reference = result.get("memoryReference") or _integer_text(result.get("result", ""))
        if reference is None:
            raise cmd.CommandError(f"{examine.address} is not an address: it is {result.get('result')!r}")
        size = examine.count * examine.unit_size
        body = self.client.request("readMemory", {"memoryReference": reference, "offset": 0, "count": size})
        data = base64.b64decode(body.get("data") or "")
        if len(data) < size:
            raise cmd.CommandError(f"Cannot access memory at {body.get('address', reference)}: "
                                   f"only {len(data)} of {size} bytes are readable")  # fmt: skip
        address = int(body.get("address", reference), 0)
        for row in memory_dump(address, data, examine, self.style):
            self._say(row)

    def _display(self, argument: str) -> None:
        if not argument:
            self._info_display()
            return
        display = Display(self._next_display, argument)
        self._next_display += 1
        self._displays.append(display)
        if self.state is ProgramState.STOPPED:
            self._show_display(display)

    def _undisplay(self, argument: str) -> None:
        numbers = cmd.parse_numbers(argument, "display")
        self._displays = [d for d in self._displays if numbers and d.number not in numbers]

    def _info_display(self) -> None:
        if not self._displays:
            self._say("There are no auto-display expressions now.")
        for display in self._displays:
            self._say(f"{display.number}: {display.expression}")

    def _show_display(self, display: Display) -> None:
        try:
            value = self._evaluate(display.expression).get("result", "")
        except AdapterGone:
            raise
        except DapError as error:
            value = f"<{error}>"
        self._say(f"{display.number}: {display.expression} = {value}")

    # --- the rest -------------------------------------------------------------

    def _quit(self, argument: str) -> None:
        self.quit_requested = True

    def _help(self, argument: str) -> None:
        self._say(HELP)

    def _show_source_line(self, frame: Message) -> None:
        text = source_line(frame, self._sources)
        if text is not None:
            self._say(text)

    def _require_session(self) -> None:
        if self.state is ProgramState.EXITED:
            raise cmd.CommandError("The program has exited.")

    def _require_stopped(self) -> None:
        if self.state is ProgramState.EXITED:
            raise cmd.CommandError("The program has exited.")
        if self.state is not ProgramState.STOPPED:
            raise cmd.CommandError("The program is not being run.")

    def _say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _error(self, text: str) -> None:
        self.err.write(self.style.paint("error", text) + "\n")
        self.err.flush()


def _local_path(path: str) -> str:
    """An existing file as an absolute path; anything else as typed, for the adapter to match."""
    return os.path.abspath(path) if os.path.isfile(path) else path


def _with_condition(breakpoint: Message, spec: cmd.BreakSpec) -> Message:
    return {**breakpoint, "condition": spec.condition} if spec.condition else breakpoint


def _scope_kind(scope: Message) -> str:
    """``locals`` or ``arguments``, from the presentation hint or else the name."""
    hint = scope.get("presentationHint")
    if hint in ("locals", "arguments"):
        return hint
    return "arguments" if scope.get("name", "").lower().startswith("arg") else scope.get("name", "").lower()


def _same_function(before: Message | None, after: Message) -> bool:
    return before is not None and before.get("name") == after.get("name")


def _integer_text(text: str) -> str | None:
    """``"4096"`` or ``"0x1000"`` (a number the adapter printed) as a hex address, else None."""
    try:
        return hex(int(text.split()[0], 0)) if text else None
    except ValueError:
        return None
