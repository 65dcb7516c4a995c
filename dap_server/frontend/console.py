"""The console's engine: runs gdb-style commands against a DAP session and prints what gdb would."""

from __future__ import annotations

import base64
import contextlib
import difflib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import IO, Any

from dap_server.frontend import commands as cmd
from dap_server.frontend.breakpoints import Breakpoint, BreakpointTable, Catchpoint, Watchpoint, local_path
from dap_server.frontend.client import AdapterGone, DapClient, DapError
from dap_server.frontend.formatting import (
    SourceCache,
    Style,
    backtrace_line,
    breakpoint_set_line,
    c_string,
    frame_location,
    has_source,
    memory_dump,
    source_line,
    source_name,
    variable_line,
)
from dap_server.frontend.printing import ValueHistory, ValuePrinter, reformat_integer, type_definition

Message = dict[str, Any]
LAUNCH_TIMEOUT = 180.0  # seconds: a first start compiles the debugger component and the program
CLIENT_ID = "wasmtime-dap-console"
LIST_SIZE = 10  # lines per "list", as gdb
STRING_CHUNK = 256  # bytes read at a time by x/s
HELP = """\
Running:   run [r], start, continue [c], next [n], step [s], finish [fin], until [u] [LOCATION],
           advance LOCATION, stepi [si], nexti [ni], kill [k]; Ctrl-C pauses a running program
Stopping:  break [b] / tbreak LOCATION [if COND], watch EXPR, catch trap|abort, delete [d] [N...]
           (LOCATION: FILE:LINE, LINE or FUNCTION)
Stack:     backtrace [bt], frame [f] N, up [N], down [N], info frame
Data:      print [p][/FMT] EXPR (EXPR may use $, $N, $$N and ARRAY@COUNT), display[/FMT] EXPR,
           undisplay N, ptype EXPR, whatis EXPR, set var LVALUE = VALUE,
           x/NFU ADDRESS (formats x d u o t c a f s i; sizes b h w g)
Source:    list [LINE|FILE:LINE|FUNCTION], disassemble, info source
Info:      info args|locals|breakpoints|display|frame|registers|sharedlibrary|source
Other:     help [h], quit [q]"""


class ProgramState(Enum):
    NOT_STARTED = "not started"  # launched, waiting for "run"
    STOPPED = "stopped"
    EXITED = "exited"  # ended or killed; "run" launches it again


@dataclass
class Display:
    number: int
    expression: str
    format: str


class Console:
    """One debugging session from the terminal: the commands, the state gdb users expect, and the adapter."""

    def __init__(
        self,
        start_client: Callable[[], DapClient],
        out: IO[str],
        err: IO[str],
        style: Style,
        confirm: Callable[[str], bool],
        interactive: bool = False,
    ) -> None:
        self._start_client = start_client
        self.client = start_client()
        self.out, self.err, self.style = out, err, style
        self._confirm = confirm
        self._interactive = interactive  # gdb says some things only to a terminal ("Run till exit", displays)
        self.state = ProgramState.NOT_STARTED
        self.exit_code: int | None = None
        self.command_failed = False
        self.quit_requested = False
        self._launch_arguments: Message = {}
        self._launch_seq: int | None = None
        self._process_id: int | None = None
        self._capabilities: Message = {}
        self.table = BreakpointTable()
        self._displays: list[Display] = []
        self._next_display = 1
        self.history = ValueHistory()
        self._printer = ValuePrinter(self._request)
        self._thread_id = 1
        self._frames: list[Message] = []
        self._arguments: dict[int, str] = {}  # frame id -> "a=1, b=2", for this stop
        self._selected = 0
        self._sources = SourceCache()
        self._listed: tuple[str, int] | None = None  # file and last line shown by "list"
        self._last_reason: str | None = None  # why the program last stopped ("step", "breakpoint", ...)
        self._last_body: Message = {}
        self._handlers: dict[str, Callable[[cmd.Command], None]] = {
            "advance": self._advance, "backtrace": self._backtrace, "break": self._break, "catch": self._catch,
            "continue": self._continue, "delete": self._delete, "disassemble": self._disassemble,
            "display": self._display, "down": self._down, "finish": self._finish, "frame": self._frame,
            "echo": self._echo, "help": self._help, "info": self._info, "kill": self._kill, "list": self._list,
            "next": self._next,
            "nexti": self._nexti, "print": self._print, "ptype": self._ptype, "quit": self._quit, "run": self._run,
            "set": self._set, "start": self._start, "step": self._step, "stepi": self._stepi,
            "tbreak": self._tbreak, "undisplay": self._undisplay, "until": self._until, "up": self._up,
            "watch": self._watch, "whatis": self._whatis, "x": self._examine,
        }  # fmt: skip

    # --- session lifetime ---------------------------------------------------------------------------

    def start(self, launch_arguments: Message) -> None:
        """Initialize the adapter and launch the program, stopped before it runs (until ``run``)."""
        self._launch_arguments = launch_arguments
        self._capabilities = self.client.request(
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
        modules: list[Message] = []
        while True:
            event = self.client.next_event(LAUNCH_TIMEOUT, until_response=self._launch_seq)
            if event is None:  # the launch response came first: fail now if it is an error
                self.client.response(self._launch_seq)
                self._launch_seq = None
            elif event["event"] == "initialized":
                break
            else:
                if event["event"] == "module":
                    modules.append((event.get("body") or {}).get("module") or {})
                self._on_event(event)
        self._warn_without_debug_info(modules)
        filters = self._capabilities.get("exceptionBreakpointFilters", [])
        self.table.default_filters = [f["filter"] for f in filters if f.get("default")]
        self.state = ProgramState.NOT_STARTED

    def _warn_without_debug_info(self, modules: list[Message]) -> None:
        """gdb's "(No debugging symbols found in PROGRAM)", for modules without DWARF."""
        for module in modules:
            if "DWARF" not in str(module.get("symbolStatus", "")):
                self._say(f"(No debugging symbols found in {module.get('name', 'the program')})")

    def close(self) -> None:
        """End the debuggee and the adapter."""
        with contextlib.suppress(DapError):  # the adapter may already be gone: closing is all that is left
            self.client.request("disconnect", {"terminateDebuggee": True}, timeout=10)
        self.client.close()

    def _relaunch(self) -> None:
        """A fresh adapter and program for ``run`` after the program ended, keeping breakpoints and displays."""
        self.close()
        self.client = self._start_client()
        self._frames, self._arguments, self.exit_code = [], {}, None
        self.start(self._launch_arguments)
        self.table.send_all(self._request)

    def execute(self, line: str) -> None:
        """Run one command line; a mistake or a failed request is reported, not raised."""
        try:
            command = cmd.parse_command(line)
            if command is not None:
                self._handlers[command.name](command)
        except AdapterGone:
            raise  # nothing more can be done
        except KeyboardInterrupt:  # Ctrl-C while no program runs (a slow request): gdb's "Quit"
            self.command_failed = True
            self._error("Quit")
        except (cmd.CommandError, DapError) as error:
            self.command_failed = True
            self._error(str(error))

    def _request(self, command: str, arguments: Message | None = None) -> Message:
        return self.client.request(command, arguments)

    # --- breakpoints ----------------------------------------------------------------------------------

    def _break(self, command: cmd.Command, temporary: bool = False) -> None:
        self._ensure_launched()
        spec = cmd.parse_break(command.argument) if command.argument else self._current_line_spec()
        spec = cmd.BreakSpec(self._resolve_location(spec.location), spec.condition)
        entry = self.table.add(Breakpoint(self.table.number(), spec, temporary))
        assert isinstance(entry, Breakpoint)
        location = spec.location
        assert not isinstance(location, cmd.LineInCurrentFile)
        self.table.send_for(location, self._request)
        kind = "Temporary breakpoint" if temporary else "Breakpoint"
        if entry.result.get("verified"):
            self._say(breakpoint_set_line(kind, entry.number, entry.result))
        elif entry.result.get("reason") == "failed":  # no code there: gdb refuses it rather than keep it pending
            self.table.remove([entry])
            self.table.give_back(entry.number)
            self.table.send_for(location, self._request)
            raise cmd.CommandError(self._not_found(location, entry.result.get("message", "")))
        else:
            self._say(f"{kind} {entry.number} ({_describe(location)}) pending.")

    def _tbreak(self, command: cmd.Command) -> None:
        self._break(command, temporary=True)

    def _not_found(self, location: cmd.SourceLocation | cmd.FunctionLocation, message: str) -> str:
        if isinstance(location, cmd.FunctionLocation):
            text = f'Function "{location.name}" not defined.'
            hint = message.partition("did you mean")[2].strip(" ?")
            return f"{text}\nDid you mean {hint}?" if hint else text
        return f'No line {location.line} in file "{os.path.basename(location.path)}".'

    def _current_line_spec(self) -> cmd.BreakSpec:
        frame = self._selected_frame()
        if not has_source(frame):
            raise cmd.CommandError("No default breakpoint location: the selected frame has no source line.")
        return cmd.BreakSpec(cmd.SourceLocation(frame["source"]["path"], frame["line"]), None)

    def _resolve_location(self, location: cmd.Location) -> cmd.SourceLocation | cmd.FunctionLocation:
        """A bare line number means a line of the file being shown (the selected frame's, or the last listed)."""
        if not isinstance(location, cmd.LineInCurrentFile):
            return location
        path = self._current_file()
        if path is None:
            raise cmd.CommandError("No symbol table is loaded: give FILE:LINE.")
        return cmd.SourceLocation(path, location.line)

    def _current_file(self) -> str | None:
        if self._frames and has_source(self._frames[self._selected]):
            return self._frames[self._selected]["source"]["path"]
        return self._listed[0] if self._listed else None

    def _delete(self, command: cmd.Command) -> None:
        doomed = self.table.find(cmd.parse_numbers(command.argument, "breakpoint"))
        self.table.remove(doomed)
        self._resend([e for e in doomed if isinstance(e, Breakpoint)], catchpoints=any(
            isinstance(e, Catchpoint) for e in doomed))  # fmt: skip

    def _resend(self, breakpoints: list[Breakpoint], catchpoints: bool = False) -> None:
        if self.state is ProgramState.EXITED:
            return  # sent again at the next launch
        locations = {e.spec.location for e in breakpoints}
        for location in locations:
            assert not isinstance(location, cmd.LineInCurrentFile)
            self.table.send_for(location, self._request)
        if catchpoints:
            self.table.send_filters(self._request)

    def _catch(self, command: cmd.Command) -> None:
        filters = {f["filter"]: f for f in self._capabilities.get("exceptionBreakpointFilters", [])}
        what = command.argument.strip()
        if what.startswith("panic") or what in ("signal", "throw"):
            what = "abort" if what.startswith("panic") else "trap"
        if what not in filters:
            raise cmd.CommandError(f'Undefined catch command: "{what}".  Try "help catch".')
        self._ensure_launched()
        entry = self.table.add(Catchpoint(self.table.number(), what, filters[what].get("label", what)))
        self.table.send_filters(self._request)
        self._say(f"Catchpoint {entry.number} ({what})")

    def _watch(self, command: cmd.Command) -> None:
        expression = command.argument.strip()
        if not expression:
            raise cmd.CommandError("Argument required (expression to compute).")
        self._require_stopped()
        value = self._evaluate(expression)
        frame_name, depth = None, 0
        if self._names_local(expression):
            frame = self._selected_frame()
            frame_name, depth = frame.get("name"), len(self._frames) - self._selected
        entry = self.table.add(Watchpoint(self.table.number(), expression, frame_name, depth, value.get("result", "")))
        self._say(f"Software watchpoint {entry.number}: {expression}")

    def _names_local(self, expression: str) -> bool:
        """Whether the expression names an argument or local of the selected frame (so belongs to that frame)."""
        names: set[str] = set()
        for scope in self._scopes(self._selected_frame()):
            if scope.get("presentationHint") in ("arguments", "locals") and scope.get("variablesReference"):
                names.update(v["name"] for v in self._variables(scope["variablesReference"]))
        words = set(_identifiers(expression))
        return bool(words & names)

    # --- running --------------------------------------------------------------------------------------

    def _run(self, command: cmd.Command) -> None:
        if self.state is ProgramState.STOPPED:
            if not self._confirm("The program being debugged has been started already.\n"
                                 "Start it from the beginning? (y or n)"):  # fmt: skip
                raise cmd.CommandError("Program not restarted.")
            self._relaunch()
        elif self.state is ProgramState.EXITED:
            self._relaunch()
        self._request("configurationDone")
        if self._launch_seq is not None:
            self.client.response(self._launch_seq, LAUNCH_TIMEOUT)
            self._launch_seq = None
        self._wait_for_stop()

    def _start(self, command: cmd.Command) -> None:
        self._ensure_launched()
        self._tbreak(cmd.Command("tbreak", "main"))
        self._run(command)

    def _ensure_launched(self) -> None:
        """After the program ended, breakpoints are set in a fresh launch, as for the next ``run``."""
        if self.state is ProgramState.EXITED:
            self._relaunch()

    def _kill(self, command: cmd.Command) -> None:
        if self.state is not ProgramState.STOPPED:
            raise cmd.CommandError("The program is not being run.")
        if not self._confirm("Kill the program being debugged? (y or n)"):
            raise cmd.CommandError("Not confirmed.")
        self.close()
        self.state = ProgramState.EXITED
        self._frames = []
        process = f" (process {self._process_id})" if self._process_id else ""
        self._say(f"[Inferior 1{process} killed]")

    def _continue(self, command: cmd.Command) -> None:
        self._require_stopped()
        if self.table.watchpoints:
            self._continue_watching()
        else:
            self._resume("continue")

    def _next(self, command: cmd.Command) -> None:
        self._repeat(command, lambda: self._resume("next"))

    def _step(self, command: cmd.Command) -> None:
        self._repeat(command, lambda: self._resume("stepIn"))

    def _stepi(self, command: cmd.Command) -> None:
        self._repeat(command, lambda: self._resume("stepIn", instruction=True))

    def _nexti(self, command: cmd.Command) -> None:
        self._repeat(command, lambda: self._resume("next", instruction=True))

    def _repeat(self, command: cmd.Command, once: Callable[[], None]) -> None:
        """``next 3``: the step as many times, unless the program stops for another reason first."""
        for _ in range(cmd.parse_count(command.argument)):
            once()
            if self.state is not ProgramState.STOPPED or self._last_reason not in ("step", "instruction"):
                return

    def _finish(self, command: cmd.Command) -> None:
        self._require_stopped()
        if self._selected == len(self._frames) - 1:
            raise cmd.CommandError('"finish" not meaningful in the outermost frame.')
        frame = self._selected_frame()
        line = backtrace_line(self._selected, frame, self._frame_arguments(frame), self.style)
        if self._interactive:
            self._say(f"Run till exit from {line}")
        for _ in range(self._selected):  # the frames below the selected one return first
            self._resume("stepOut", quiet=True)
            if self.state is not ProgramState.STOPPED or self._last_reason != "step":
                self._report_stop(self._last_body, None, False, False)
                return
        self._resume("stepOut", announce_location=True)

    def _until(self, command: cmd.Command) -> None:
        if command.argument:
            self._advance(command)
            return
        self._require_stopped()
        start = self._frames[0]
        depth, line = len(self._frames), start.get("line") or 0
        while True:
            self._resume("next", quiet=True)
            if self.state is not ProgramState.STOPPED or self._last_reason != "step":
                return
            top = self._frames[0]
            if len(self._frames) < depth or len(self._frames) > depth or (top.get("line") or 0) > line:
                self._report_stop_location(top, False)
                return

    def _advance(self, command: cmd.Command) -> None:
        """Run to LOCATION, as a breakpoint there would, without leaving one behind."""
        if not command.argument:
            raise cmd.CommandError("Argument required (a location).")
        self._require_stopped()
        location = self._resolve_location(cmd.parse_location(command.argument.split()[0]))
        entry = Breakpoint(0, cmd.BreakSpec(location, None), temporary=True)
        self.table.add(entry)
        try:
            self.table.send_for(location, self._request)
            if not entry.result.get("verified"):
                raise cmd.CommandError(self._not_found(location, entry.result.get("message", "")))
            self._resume("continue")
        finally:
            if entry in self.table.entries:
                self.table.remove([entry])
                if self.state is not ProgramState.EXITED:
                    self.table.send_for(location, self._request)

    def _resume(self, request: str, instruction: bool = False, quiet: bool = False,
                announce_location: bool = False) -> None:  # fmt: skip
        self._require_stopped()
        arguments: Message = {"threadId": self._thread_id}
        if instruction:
            arguments["granularity"] = "instruction"
        self._request(request, arguments)
        self._wait_for_stop(quiet=quiet, instruction=instruction, announce_location=announce_location)

    def _wait_for_stop(self, quiet: bool = False, instruction: bool = False, announce_location: bool = False) -> None:
        """Show events until the program stops or ends; Ctrl-C asks the adapter to pause it."""
        previous_frame = self._frames[0] if self._frames else None
        self._frames, self._arguments = [], {}
        while True:
            try:
                event = self.client.next_event()
                assert event is not None
                if event.get("event") not in ("stopped", "terminated"):
                    self._on_event(event)
                    continue
            except KeyboardInterrupt:  # Ctrl-C, wherever it lands while the program runs
                self.client.send("pause", {"threadId": self._thread_id})
                continue
            if event["event"] == "stopped":
                self._on_stop(event.get("body") or {}, previous_frame, quiet, instruction, announce_location)
                return
            self.state = ProgramState.EXITED
            self._last_reason = "exited"
            return

    def _continue_watching(self) -> None:
        """Software watchpoints: step over statement by statement, comparing each watched value, until one
        changes (a change made inside a call shows when the call returns)."""
        while True:
            try:
                self._request("next", {"threadId": self._thread_id})
                self._wait_for_stop(quiet=True)
            except KeyboardInterrupt:
                self._say("\nProgram received signal SIGINT, Interrupt.")
                if self._frames:
                    self._report_stop_location(self._frames[0], True, with_address=True)
                return
            if self.state is not ProgramState.STOPPED:
                return
            if self._last_reason != "step":  # a breakpoint, an exception or a pause: already reported
                self._report_stop(self._last_body, None, False, False)
                return
            for watch in list(self.table.watchpoints):
                frame = self._watched_frame(watch)
                if frame is None:
                    self.table.remove([watch])
                    self._say(f"\nWatchpoint {watch.number} deleted because the program has left the block in\n"
                              "which its expression is valid.")  # fmt: skip
                    self._report_stop_location(self._frames[0], True)
                    return
                try:
                    value = self._evaluate(watch.expression, frame).get("result", "")
                except DapError:
                    continue
                if value != watch.old_value:
                    watch.hits += 1
                    self._say(f"\nWatchpoint {watch.number}: {watch.expression}\n\n"
                              f"Old value = {watch.old_value}\nNew value = {value}")  # fmt: skip
                    watch.old_value = value
                    self._report_stop_location(self._frames[0], True)
                    return

    def _watched_frame(self, watch: Watchpoint) -> Message | None:
        if watch.frame_name is None:
            return self._frames[0]
        index = len(self._frames) - watch.frame_depth
        if 0 <= index < len(self._frames) and self._frames[index].get("name") == watch.frame_name:
            return self._frames[index]
        return None

    # --- events and stops -------------------------------------------------------------------------------

    def _on_event(self, event: Message) -> None:
        body = event.get("body") or {}
        name = event.get("event")
        if name == "output":
            self._program_output(body)
        elif name == "process":
            self._process_id = body.get("systemProcessId")
        elif name == "exited":
            self.exit_code = body.get("exitCode")
            self.state = ProgramState.EXITED
            process = f" (process {self._process_id})" if self._process_id else ""
            if self.exit_code == 0:
                self._say(f"[Inferior 1{process} exited normally]")
            else:  # gdb prints the status in octal
                self._say(f"[Inferior 1{process} exited with code {(self.exit_code or 0) & 0xFF:02o}]")
        elif name == "breakpoint" and body.get("breakpoint"):
            self.table.update(body["breakpoint"])

    def _program_output(self, body: Message) -> None:
        category = body.get("category", "console")
        if category == "telemetry":
            return
        stream = self.out if category == "stdout" else self.err
        stream.write(body.get("output", ""))
        stream.flush()

    def _on_stop(self, body: Message, previous_frame: Message | None, quiet: bool, instruction: bool,
                 announce_location: bool) -> None:  # fmt: skip
        self.state = ProgramState.STOPPED
        self._thread_id = body.get("threadId", self._thread_id)
        self._frames = _up_to_main(self._request("stackTrace", {"threadId": self._thread_id}).get("stackFrames", []))
        self._selected = 0
        self._listed = None
        self._last_reason = body.get("reason")
        self._last_body = body
        if not quiet:
            self._report_stop(body, previous_frame, instruction, announce_location)

    def _report_stop(self, body: Message, previous_frame: Message | None, instruction: bool,
                     announce_location: bool) -> None:  # fmt: skip
        if not self._frames:
            self._say(f"Program stopped ({body.get('reason', 'unknown reason')}).")
            return
        top = self._frames[0]
        reason = body.get("reason")
        if "breakpoint" in str(reason):  # "breakpoint", "function breakpoint", "instruction breakpoint"
            hit = self.table.hit_by(body.get("hitBreakpointIds") or [])
            for entry in hit:
                entry.hits += 1
            shown = [e for e in hit if e.number]  # "advance" and "until" use unnumbered ones
            if shown:
                kind = "Temporary breakpoint" if shown[0].temporary else "Breakpoint"
                self._say(f"\n{kind} {shown[0].number}, {self._location(top)}")
                self._show_source_line(top)
                self._drop_temporary(hit)
                self._show_displays()
                return
            self._drop_temporary(hit)  # "advance" and "until" reached their place
            self._report_stop_location(top, True)
            return
        if reason == "exception":
            self._say(f"\n{self._exception_heading(body)}")
            self._report_stop_location(top, True, with_address=True)
            return
        if reason == "pause":
            self._say("\nProgram received signal SIGINT, Interrupt.")
            self._report_stop_location(top, True, with_address=True)
            return
        if announce_location:  # after finish: the caller, inside its line
            self._report_stop_location(top, True, with_address=True)
            return
        if instruction and _same_function(previous_frame, top):
            self._say(f"{top.get('instructionPointerReference')}\t{source_line(top, self._sources) or ''}".rstrip())
            self._show_displays()
            return
        moved = reason not in ("step", "instruction") or not _same_function(previous_frame, top)
        self._report_stop_location(top, moved)

    def _report_stop_location(self, top: Message, announce_location: bool, with_address: bool = False) -> None:
        """The stop's frame line (gdb: with its PC where the stop is inside a line), source line and displays."""
        if announce_location:
            self._say(frame_location(top, self._frame_arguments(top), self.style, with_address=with_address))
        self._show_source_line(top)
        self._show_displays()

    def _exception_heading(self, body: Message) -> str:
        """``Catchpoint 3 (trap), ...`` for a catchpoint's event, else gdb's words for a signal."""
        detail = body.get("text") or body.get("description") or "exception"
        with contextlib.suppress(DapError):
            info = self._request("exceptionInfo", {"threadId": self._thread_id})
            exception_id = str(info.get("exceptionId", ""))
            for catch in self.table.catchpoints:
                if exception_id.startswith(catch.filter):
                    catch.hits += 1
                    return f"Catchpoint {catch.number} ({catch.filter}), {detail}"
        return f"Program received signal SIGTRAP, {detail}."

    def _drop_temporary(self, hit: list[Breakpoint]) -> None:
        temporary = [e for e in hit if e.temporary]
        if temporary:
            self.table.remove(temporary)
            self._resend(temporary)

    def _location(self, frame: Message) -> str:
        return frame_location(frame, self._frame_arguments(frame), self.style)

    def _frame_arguments(self, frame: Message) -> str | None:
        """``item=0x10009b0, target=10`` for a frame line; aggregates as ``...``, as gdb's default."""
        if frame["id"] not in self._arguments:
            try:
                scope = next((s for s in self._scopes(frame) if s.get("presentationHint") == "arguments"), None)
                reference = scope.get("variablesReference") if scope else None
                variables = self._variables(reference) if reference else []
            except DapError:
                return None
            self._arguments[frame["id"]] = ", ".join(f"{v['name']}={_argument_value(v)}" for v in variables)
        return self._arguments[frame["id"]]

    # --- the stack ------------------------------------------------------------------------------------

    def _backtrace(self, command: cmd.Command) -> None:
        self._require_stopped()
        limit = int(command.argument) if command.argument.strip().isdigit() else len(self._frames)
        for index, frame in enumerate(self._frames[:limit]):
            self._say(backtrace_line(index, frame, self._frame_arguments(frame), self.style))
        if limit < len(self._frames) and self._interactive:
            self._say("(More stack frames follow...)")

    def _frame(self, command: cmd.Command) -> None:
        self._require_stopped()
        if command.argument:
            self._select(cmd.parse_index(command.argument, "frame"))
        self._show_selected()

    def _up(self, command: cmd.Command) -> None:
        self._move(command.argument, 1, "Initial frame selected; you cannot go up.")

    def _down(self, command: cmd.Command) -> None:
        self._move(command.argument, -1, "Bottom (innermost) frame selected; you cannot go down.")

    def _move(self, argument: str, direction: int, at_end: str) -> None:
        """``up [N]``/``down [N]``: as far as the stack goes, as gdb; a plain one that cannot move is an error."""
        self._require_stopped()
        target = max(0, min(len(self._frames) - 1, self._selected + direction * cmd.parse_count(argument)))
        if target == self._selected and not argument.strip():
            raise cmd.CommandError(at_end)
        self._select(target)
        self._show_selected()

    def _select(self, index: int) -> None:
        if not 0 <= index < len(self._frames):
            raise cmd.CommandError(f"No frame at level {index}.")
        self._selected = index
        self._listed = None

    def selected_frame_or_none(self) -> Message | None:
        return self._frames[self._selected] if self.state is ProgramState.STOPPED and self._frames else None

    def _selected_frame(self) -> Message:
        self._require_stopped()
        return self._frames[self._selected]

    def _show_selected(self) -> None:
        frame = self._frames[self._selected]
        self._say(backtrace_line(self._selected, frame, self._frame_arguments(frame), self.style))
        self._show_source_line(frame)

    # --- data ------------------------------------------------------------------------------------------

    def _print(self, command: cmd.Command) -> None:
        format_letter = cmd.parse_print_format(command.format)
        if not command.argument:
            raise cmd.CommandError("usage: print[/FMT] EXPRESSION")
        self._require_stopped()
        expression = self.history.substitute(command.argument)
        left, value = cmd.split_assignment(expression)
        if value is not None:  # print x = 5 assigns, then shows the new value
            self._assign(left, value)
            expression = left
        result, text = self._value(expression, format_letter)
        number = self.history.record(result, text)
        self._say(f"${number} = {text}")

    def _value(self, expression: str, format_letter: str) -> tuple[Message, str]:
        """An expression's result and its text as ``print`` shows it (``LEFT@COUNT`` included)."""
        artificial = cmd.split_artificial_array(expression)
        if artificial is not None:
            return self._artificial_array(*artificial, format_letter)
        result = self._evaluate(expression, format_letter=format_letter)
        text = self._printer.full(result, format_letter)
        if format_letter and format_letter not in ("x", "s", "f") and not text.startswith("{"):
            size = self._size_of(expression)
            text = reformat_integer(text, size, format_letter)
        elif format_letter == "x" and not text.startswith("{") and not text.startswith("0x"):
            text = reformat_integer(text, self._size_of(expression), "x")
        return result, text

    def _artificial_array(self, left: str, count_text: str, format_letter: str) -> tuple[Message, str]:
        count_result = self._evaluate(count_text)
        try:
            count = int(count_result.get("result", "").split()[0], 0)
        except (ValueError, IndexError):
            raise cmd.CommandError(f"'@' needs a count: {count_text} is not a number.") from None
        if count <= 0:
            raise cmd.CommandError(f"Only values in memory can be extended with '@'; the count is {count}.")
        first = self._evaluate(left)
        elements = [
            self._evaluate(f"(&({left}))[{index}]", format_letter=format_letter) for index in range(min(count, 200))
        ]
        if not format_letter and first.get("type", "").replace("unsigned ", "").replace("signed ", "") == "char":
            text = c_string(bytes(int(e.get("result", "0").split()[0], 0) & 0xFF for e in elements) + b"\0")
        else:
            texts = [self._printer.full(element, format_letter) for element in elements]
            text = "{" + ", ".join([*texts, "..."] if count > 200 else texts) + "}"
        return {"result": text, "type": f"{first.get('type', '')} [{count}]"}, text

    def _size_of(self, expression: str) -> int:
        try:
            return int(self._evaluate(f"sizeof({expression})").get("result", "4").split()[0], 0)
        except (DapError, ValueError):
            return 4

    def _assign(self, target: str, value: str) -> None:
        arguments: Message = {"expression": target, "value": value}
        if self._frames:
            arguments["frameId"] = self._frames[self._selected]["id"]
        self._request("setExpression", arguments)
        self._arguments = {}  # frame lines show arguments: they may have changed

    def _set(self, command: cmd.Command) -> None:
        self._require_stopped()
        target, value = cmd.parse_assignment(self.history.substitute(command.argument))
        self._assign(target, value)

    def _evaluate(self, expression: str, frame: Message | None = None, format_letter: str = "") -> Message:
        pc = (frame or self.selected_frame_or_none() or {}).get("instructionPointerReference")
        if pc:  # gdb's $pc: the frame's program counter (a code address the adapter can disassemble and read)
            expression = re.sub(r"\$pc\b", pc, expression)
        arguments: Message = {"expression": expression, "context": "repl"}
        if frame is not None:
            arguments["frameId"] = frame["id"]
        elif self._frames:
            arguments["frameId"] = self._frames[self._selected]["id"]
        if format_letter == "x":
            arguments["format"] = {"hex": True}
        return self._request("evaluate", arguments)

    def _ptype(self, command: cmd.Command) -> None:
        result = self._type_of(command.argument)
        self._say(type_definition(result.get("type", "?"), self._printer.fields(result)))

    def _whatis(self, command: cmd.Command) -> None:
        self._say(f"type = {self._type_of(command.argument).get('type', '?')}")

    def _type_of(self, text: str) -> Message:
        """The value of an expression, or, for a type name (``struct item``), an object of that type."""
        if not text.strip():
            raise cmd.CommandError("Argument required (one or more choices).")
        self._require_stopped()
        try:
            return self._evaluate(self.history.substitute(text))
        except DapError as error:
            try:  # a type name: Wasm memory is readable at 0, so an object "there" shows the type's shape
                return self._evaluate(f"*({text} *)0")
            except DapError:
                raise error from None

    def _display(self, command: cmd.Command) -> None:
        format_letter = cmd.parse_print_format(command.format)
        if not command.argument:
            self._show_displays()
            return
        if self.state is ProgramState.STOPPED:
            self._value(self.history.substitute(command.argument), format_letter)  # an error refuses it, as gdb
        display = Display(self._next_display, command.argument, format_letter)
        self._next_display += 1
        self._displays.append(display)
        if self.state is ProgramState.STOPPED and self._interactive:
            self._show_display(display)

    def _undisplay(self, command: cmd.Command) -> None:
        numbers = cmd.parse_numbers(command.argument, "display")
        unknown = set(numbers) - {d.number for d in self._displays}
        if unknown:
            raise cmd.CommandError(f"No display number {min(unknown)}.")
        self._displays = [d for d in self._displays if numbers and d.number not in numbers]

    def _show_displays(self) -> None:
        for display in self._displays:
            self._show_display(display)

    def _show_display(self, display: Display) -> None:
        """One display; one whose expression cannot be evaluated here (out of its scope) is left out, as gdb."""
        try:
            _, text = self._value(self.history.substitute(display.expression), display.format)
        except (DapError, cmd.CommandError) as error:
            if isinstance(error, AdapterGone):
                raise
            return
        name = f"/{display.format} {display.expression}" if display.format else display.expression
        self._say(f"{display.number}: {name} = {text}")

    def _examine(self, command: cmd.Command) -> None:
        examine = cmd.parse_examine(command.format, self.history.substitute(command.argument))
        self._require_stopped()
        result = self._evaluate(examine.address)
        reference = _address_of(result)
        if reference is None:
            raise cmd.CommandError(f"{examine.address} is not an address: it is {result.get('result')!r}")
        if examine.format == "i":
            self._examine_instructions(reference, examine.count)
        elif examine.format == "s":
            self._examine_strings(int(reference, 0), examine.count)
        else:
            self._examine_units(reference, examine)

    def _examine_units(self, reference: str, examine: cmd.Examine) -> None:
        size = examine.count * examine.unit_size
        data, address = self._read(reference, size)
        if len(data) < size:
            raise cmd.CommandError(f"Cannot access memory at {hex(address + len(data))}")
        for row in memory_dump(address, data, examine, self.style):
            self._say(row)

    def _read(self, reference: str, size: int) -> tuple[bytes, int]:
        body = self._request("readMemory", {"memoryReference": reference, "offset": 0, "count": size})
        return base64.b64decode(body.get("data") or ""), int(body.get("address", reference), 0)

    def _examine_strings(self, address: int, count: int) -> None:
        for _ in range(count):
            data = b""
            while b"\0" not in data:
                chunk, _ = self._read(hex(address + len(data)), STRING_CHUNK)
                if not chunk:
                    break
                data += chunk
            self._say(f"{self.style.paint('address', hex(address))}:\t{c_string(data)}")
            address += data.index(b"\0") + 1 if b"\0" in data else len(data)

    def _examine_instructions(self, reference: str, count: int) -> None:
        body = self._request("disassemble", {"memoryReference": reference, "instructionCount": count,
                                             "resolveSymbols": True})  # fmt: skip
        pc = self._frames[self._selected].get("instructionPointerReference") if self._frames else None
        for instruction in body.get("instructions", [])[:count]:
            marker = "=> " if instruction.get("address") == pc else "   "
            self._say(f"{marker}{instruction.get('address')}:\t{instruction.get('instruction', '')}")

    # --- source and code -------------------------------------------------------------------------------

    def _list(self, command: cmd.Command) -> None:
        argument = command.argument.strip()
        if not argument and self._listed is not None:
            path, first = self._listed[0], self._listed[1] + 1
        elif argument == "-" and self._listed is not None:
            path, first = self._listed[0], max(1, self._listed[1] - 2 * LIST_SIZE + 1)
        else:
            path, center = self._list_center(argument)
            first = max(1, center - LIST_SIZE // 2)
        lines = self._sources.lines(path)
        if lines is None:
            raise cmd.CommandError(f"{os.path.basename(path)}: No such file or directory.")
        if first > len(lines):
            raise cmd.CommandError(f"Line number {first} out of range; \"{os.path.basename(path)}\" has "
                                   f"{len(lines)} lines.")  # fmt: skip
        last = min(len(lines), first + LIST_SIZE - 1)
        for number in range(first, last + 1):
            self._say(f"{number}\t{lines[number - 1]}")
        self._listed = (path, last)

    def _list_center(self, argument: str) -> tuple[str, int]:
        if not argument:
            frame = self._selected_frame() if self.state is ProgramState.STOPPED else None
            if frame is None or not has_source(frame):
                raise cmd.CommandError("No default source file: give FILE:LINE or FUNCTION.")
            return frame["source"]["path"], frame["line"]
        location = self._resolve_location(cmd.parse_location(argument))
        if isinstance(location, cmd.SourceLocation):
            return _find_file(location.path, self._known_sources()), location.line
        return self._function_line(location)

    def _function_line(self, location: cmd.FunctionLocation) -> tuple[str, int]:
        """Where a function starts, asked of the adapter as a function breakpoint that is taken back at once."""
        probe = Breakpoint(0, cmd.BreakSpec(location, None))
        self.table.add(probe)
        try:
            self.table.send_for(location, self._request)
        finally:
            self.table.remove([probe])
            self.table.send_for(location, self._request)
        source = probe.result.get("source") or {}
        if not probe.result.get("verified") or not source.get("path"):
            raise cmd.CommandError(self._not_found(location, probe.result.get("message", "")))
        return source["path"], probe.result.get("line") or 1

    def _known_sources(self) -> list[str]:
        with contextlib.suppress(DapError):
            return [s.get("path", "") for s in self._request("loadedSources", {}).get("sources", [])]
        return []

    def _disassemble(self, command: cmd.Command) -> None:
        frame = self._selected_frame()
        pc = frame.get("instructionPointerReference")
        if not pc:
            raise cmd.CommandError("No function contains the selected frame's program counter.")
        name = frame.get("name")
        window = 2048
        body = self._request("disassemble", {"memoryReference": pc, "instructionOffset": -window,
                                             "instructionCount": 2 * window, "resolveSymbols": True})  # fmt: skip
        instructions = body.get("instructions", [])
        at = next((i for i, item in enumerate(instructions) if item.get("address") == pc), None)
        if at is None:
            raise cmd.CommandError(f"Cannot disassemble around {pc}.")
        symbol = instructions[at].get("symbol")
        start = at
        while start > 0 and instructions[start - 1].get("symbol") == symbol:
            start -= 1
        end = at
        while end + 1 < len(instructions) and instructions[end + 1].get("symbol") == symbol:
            end += 1
        base = int(instructions[start]["address"], 0)
        self._say(f"Dump of assembler code for function {symbol or name}:")
        for item in instructions[start : end + 1]:
            marker = "=> " if item.get("address") == pc else "   "
            offset = int(item["address"], 0) - base
            self._say(f"{marker}{item['address']} <+{offset}>:\t{item.get('instruction', '')}")
        self._say("End of assembler dump.")

    # --- info -------------------------------------------------------------------------------------------

    def _info(self, command: cmd.Command) -> None:
        topic, _ = cmd.parse_info(command.argument)
        {
            "args": lambda: self._info_scope("arguments"), "locals": lambda: self._info_scope("locals"),
            "breakpoints": self._info_breakpoints, "watchpoints": self._info_watchpoints,
            "display": self._info_display, "frame": self._info_frame, "registers": self._info_registers,
            "sharedlibrary": self._info_modules, "source": self._info_source,
        }[topic]()  # fmt: skip

    def _scopes(self, frame: Message) -> list[Message]:
        return self._request("scopes", {"frameId": frame["id"]}).get("scopes", [])

    def _variables(self, reference: int) -> list[Message]:
        return self._request("variables", {"variablesReference": reference}).get("variables", [])

    def _info_scope(self, hint: str) -> None:
        frame = self._selected_frame()
        scope = next((s for s in self._scopes(frame) if _scope_kind(s) == hint), None)
        variables = self._variables(scope["variablesReference"]) if scope and scope.get("variablesReference") else []
        if not variables:
            self._say("No locals." if hint == "locals" else "No arguments.")
        for variable in variables:
            self._say(variable_line(variable))

    def _info_breakpoints(self) -> None:
        entries = [e for e in self.table.entries if e.number]
        if not entries:
            self._say("No breakpoints or watchpoints.")
            return
        self._say(self.style.paint("heading", f"{'Num':<7} {'Type':<14} Disp Enb {'Address':<18} What"))
        for entry in entries:
            if isinstance(entry, Breakpoint):
                disposition = "del" if entry.temporary else "keep"
                verified = entry.result.get("verified")
                address = _address_column(entry.result.get("instructionReference")) if verified else "<PENDING>"
                location = entry.spec.location
                assert not isinstance(location, cmd.LineInCurrentFile)
                what = _describe(location, entry.result)
                self._say(f"{entry.number:<7} {'breakpoint':<14} {disposition:<4} y   {address:<18} {what}")
                if entry.spec.condition:
                    self._say(f"\tstop only if {entry.spec.condition}")
            elif isinstance(entry, Watchpoint):
                self._say(f"{entry.number:<7} {'watchpoint':<14} keep y   {'':<18} {entry.expression}")
            else:
                self._say(f"{entry.number:<7} {'catchpoint':<14} keep y   {'':<18} {entry.filter}")
            if entry.hits:
                times = "time" if entry.hits == 1 else "times"
                self._say(f"\t{entry.kind} already hit {entry.hits} {times}")

    def _info_watchpoints(self) -> None:
        if not self.table.watchpoints:
            self._say("No watchpoints.")
            return
        self._info_breakpoints()

    def _info_display(self) -> None:
        if not self._displays:
            self._say("There are no auto-display expressions now.")
            return
        self._say("Auto-display expressions now in effect:\nNum Enb Expression")
        for display in self._displays:
            name = f"/{display.format} {display.expression}" if display.format else display.expression
            self._say(f"{display.number}:   y  {name}")

    def _info_frame(self) -> None:
        frame = self._selected_frame()
        level = self._selected
        place = frame.get("name")
        if has_source(frame):
            place = f"{place} ({source_name(frame)}:{frame.get('line')})"
        caller = self._frames[level + 1] if level + 1 < len(self._frames) else None
        saved = f"; saved pc = {caller.get('instructionPointerReference')}" if caller else ""
        self._say(f"Stack level {level}, frame in {frame.get('name')}:")
        self._say(f" pc = {frame.get('instructionPointerReference')} in {place}{saved}")
        if caller:
            self._say(f" called by frame at level {level + 1}")
        if level > 0:
            self._say(f" caller of frame at level {level - 1}")
        module = frame.get("moduleId")
        if module is not None:
            names = {m.get("id"): m.get("name") for m in self._request("modules", {}).get("modules", [])}
            self._say(f" module {names.get(module, module)}")
        self._say(f" args: {self._frame_arguments(frame) or ''}")

    def _info_registers(self) -> None:
        """The Wasm-level state: the frame's locals, its operand stack, and the module's globals."""
        frame = self._selected_frame()
        for scope in self._scopes(frame):
            if scope.get("presentationHint") != "registers" or not scope.get("variablesReference"):
                continue
            self._say(self.style.paint("heading", scope.get("name", "")))
            for variable in self._variables(scope["variablesReference"]):
                value = str(variable.get("value", ""))
                number = value.split(" ")[0]
                hexadecimal = ""
                with contextlib.suppress(ValueError):
                    hexadecimal = hex(int(number, 0) & 0xFFFFFFFFFFFFFFFF)
                self._say(f"{variable['name']:<15}{hexadecimal:<19}{value}")

    def _info_modules(self) -> None:
        modules = [] if self.state is ProgramState.EXITED else self._request("modules", {}).get("modules", [])
        if not modules:
            self._say("No shared libraries loaded at this time.")
            return
        self._say(f"{'From':<20}{'To':<20}{'Syms Read':<12}Module")
        for module in modules:
            low, _, high = str(module.get("addressRange") or "").partition("-")
            status = str(module.get("symbolStatus", ""))
            read = "Yes" if "DWARF" in status else f"No ({status})" if status else "No"
            self._say(f"{low:<20}{high:<20}{read:<12}{module.get('path') or module.get('name')}")

    def _info_source(self) -> None:
        path = self._current_file()
        if path is None:
            self._say("No current source file.")
            return
        lines = self._sources.lines(path)
        self._say(f"Current source file is {os.path.basename(path)}\nLocated in {path}")
        if lines is not None:
            self._say(f"Contains {len(lines)} lines.")

    # --- the rest ---------------------------------------------------------------------------------------

    def _quit(self, command: cmd.Command) -> None:
        self.quit_requested = True

    def _echo(self, command: cmd.Command) -> None:
        """gdb's ``echo TEXT``: the text with C escapes (``\\n``), no newline of its own."""
        text = command.argument.encode("latin-1", "backslashreplace").decode("unicode_escape")
        self.out.write(text)
        self.out.flush()

    def _help(self, command: cmd.Command) -> None:
        if command.argument.strip() == "catch":
            filters = self._capabilities.get("exceptionBreakpointFilters", [])
            self._say("Set a catchpoint: catch EVENT, where EVENT is one of:")
            for item in filters:
                self._say(f"  {item['filter']:<8} {item.get('label', '')}")
            return
        self._say(HELP)

    def _show_source_line(self, frame: Message) -> None:
        text = source_line(frame, self._sources)
        if text is not None:
            self._say(text)

    def _require_stopped(self) -> None:
        if self.state is not ProgramState.STOPPED:
            raise cmd.CommandError("The program is not being run.")

    def _say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _error(self, text: str) -> None:
        self.err.write(self.style.paint("error", text) + "\n")
        self.err.flush()


def _describe(location: cmd.SourceLocation | cmd.FunctionLocation, result: Message | None = None) -> str:
    """``in restock at inventory.c:53`` once resolved, else what was asked for."""
    result = result or {}
    file_name = source_name(result) if result.get("source") else None
    if isinstance(location, cmd.SourceLocation):
        return f"{file_name or os.path.basename(location.path)}:{result.get('line') or location.line}"
    if file_name and result.get("line"):
        return f"in {location.name} at {file_name}:{result['line']}"
    return location.name


def _argument_value(variable: Message) -> str:
    """gdb's "print frame-arguments scalars": an aggregate argument is ``...``."""
    value = str(variable.get("value", ""))
    if variable.get("variablesReference") and value.startswith(("{", "[")):
        return "..."
    return value


def _scope_kind(scope: Message) -> str:
    """``locals`` or ``arguments``, from the presentation hint or else the name."""
    hint = scope.get("presentationHint")
    if hint in ("locals", "arguments"):
        return hint
    return "arguments" if scope.get("name", "").lower().startswith("arg") else scope.get("name", "").lower()


def _address_column(reference: str | None) -> str:
    """An address as gdb's breakpoint table shows it: 0x and 16 digits."""
    try:
        return f"0x{int(reference or '', 0):016x}"
    except ValueError:
        return reference or ""


def _up_to_main(frames: list[Message]) -> list[Message]:
    """The frames up to ``main``: gdb hides the C runtime's frames that call it (``set backtrace past-main off``)."""
    for index, frame in enumerate(frames):
        if frame.get("name") == "main":
            return frames[: index + 1]
    return frames


def _same_function(before: Message | None, after: Message) -> bool:
    return before is not None and before.get("name") == after.get("name")


def _address_of(result: Message) -> str | None:
    """Where ``x`` reads: the value of a pointer or number, else the object's own address."""
    first = str(result.get("result", "")).split(" ")[0]
    try:
        return hex(int(first, 0))
    except ValueError:
        return result.get("memoryReference")


def _identifiers(expression: str) -> list[str]:
    return re.findall(r"[A-Za-z_][A-Za-z_0-9]*", expression)


def _find_file(path: str, known: list[str]) -> str:
    """A path as typed, or the loaded source it names by its end (``list inventory.c:10``)."""
    if os.path.isfile(path):
        return local_path(path)
    matches = [p for p in known if p.endswith(os.sep + path) or os.path.basename(p) == path]
    if matches:
        return matches[0]
    close = difflib.get_close_matches(os.path.basename(path), [os.path.basename(p) for p in known], n=1)
    hint = f' Did you mean "{close[0]}"?' if close else ""
    raise cmd.CommandError(f"No source file named {path}.{hint}")
