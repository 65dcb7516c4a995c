"""The console's breakpoints, watchpoints and catchpoints: one numbering, as gdb has.

The adapter keeps line breakpoints per source file and function breakpoints as one set, so a change
re-sends the whole set it belongs to (DAP's rule). Watchpoints are software watchpoints run by the
console (Wasmtime has no data breakpoints); catchpoints turn on exception filters.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dap_server.frontend import commands as cmd

Message = dict[str, Any]
Request = Callable[[str, Message], Message]


@dataclass
class Breakpoint:
    number: int
    spec: cmd.BreakSpec
    temporary: bool = False
    result: Message = field(default_factory=dict)  # the adapter's Breakpoint object
    hits: int = 0

    @property
    def kind(self) -> str:
        return "breakpoint"


@dataclass
class Watchpoint:
    number: int
    expression: str
    frame_name: str | None  # the function whose frame the expression belongs to (None: any frame)
    frame_depth: int  # that frame's distance from the outermost frame
    old_value: str
    hits: int = 0

    @property
    def kind(self) -> str:
        return "watchpoint"


@dataclass
class Catchpoint:
    number: int
    filter: str  # an exception breakpoint filter of the adapter, e.g. "trap"
    label: str
    hits: int = 0

    @property
    def kind(self) -> str:
        return "catchpoint"


Entry = Breakpoint | Watchpoint | Catchpoint


class BreakpointTable:
    """Every numbered stop point of the session, and how each set is sent to the adapter."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self._next_number = 1
        self.default_filters: list[str] = []  # exception filters the adapter turns on by default

    def number(self) -> int:
        number = self._next_number
        self._next_number += 1
        return number

    def give_back(self, number: int) -> None:
        """A number handed out for a breakpoint that was refused, as gdb does not count those."""
        if number == self._next_number - 1:
            self._next_number = number

    def add(self, entry: Entry) -> Entry:
        self.entries.append(entry)
        return entry

    def remove(self, entries: list[Entry]) -> None:
        self.entries = [e for e in self.entries if e not in entries]

    def find(self, numbers: list[int]) -> list[Entry]:
        """The entries with these numbers (all of them without numbers); an unknown number is an error."""
        found = [e for e in self.entries if not numbers or e.number in numbers]
        unknown = set(numbers) - {e.number for e in found}
        if unknown:
            raise cmd.CommandError(f"No breakpoint number {min(unknown)}.")
        return found

    @property
    def breakpoints(self) -> list[Breakpoint]:
        return [e for e in self.entries if isinstance(e, Breakpoint)]

    @property
    def watchpoints(self) -> list[Watchpoint]:
        return [e for e in self.entries if isinstance(e, Watchpoint)]

    @property
    def catchpoints(self) -> list[Catchpoint]:
        return [e for e in self.entries if isinstance(e, Catchpoint)]

    def hit_by(self, ids: list[int]) -> list[Breakpoint]:
        """The breakpoints a stop's ``hitBreakpointIds`` name, in our numbering's order."""
        return [e for e in self.breakpoints if e.result.get("id") is not None and e.result["id"] in ids]

    def update(self, changed: Message) -> None:
        """A ``breakpoint`` event: the adapter resolved or moved one of ours."""
        for entry in self.breakpoints:
            if entry.result.get("id") is not None and entry.result.get("id") == changed.get("id"):
                entry.result = changed

    # --- sending ----------------------------------------------------------------------------------

    def send_for(self, location: cmd.SourceLocation | cmd.FunctionLocation, request: Request) -> None:
        """Send the set ``location`` belongs to: that file's line breakpoints, or all function breakpoints."""
        if isinstance(location, cmd.SourceLocation):
            path = local_path(location.path)
            entries = [e for e in self.breakpoints if _path_of(e) == path]
            body = request(
                "setBreakpoints",
                {
                    "source": {"path": path, "name": os.path.basename(path)},
                    "breakpoints": [_with_condition({"line": _line_of(e)}, e.spec) for e in entries],
                },
            )
        else:
            entries = [e for e in self.breakpoints if isinstance(e.spec.location, cmd.FunctionLocation)]
            body = request(
                "setFunctionBreakpoints",
                {"breakpoints": [_with_condition({"name": _function_of(e)}, e.spec) for e in entries]},
            )
        for entry, result in zip(entries, body.get("breakpoints", []), strict=False):  # a short reply leaves the rest
            entry.result = result

    def send_all(self, request: Request) -> None:
        """Every set, as after a new launch of the program."""
        locations: dict[str, cmd.SourceLocation | cmd.FunctionLocation] = {}
        for entry in self.breakpoints:
            location = entry.spec.location
            assert not isinstance(location, cmd.LineInCurrentFile)  # resolved to a file when it was made
            key = local_path(location.path) if isinstance(location, cmd.SourceLocation) else "<functions>"
            locations.setdefault(key, location)
        for location in locations.values():
            self.send_for(location, request)
        self.send_filters(request)

    def send_filters(self, request: Request) -> None:
        filters = sorted({*self.default_filters, *(c.filter for c in self.catchpoints)})
        request("setExceptionBreakpoints", {"filters": filters})


def local_path(path: str) -> str:
    """An existing file as an absolute path; anything else as typed, for the adapter to match."""
    return os.path.abspath(path) if os.path.isfile(path) else path


def _path_of(entry: Breakpoint) -> str | None:
    location = entry.spec.location
    return local_path(location.path) if isinstance(location, cmd.SourceLocation) else None


def _line_of(entry: Breakpoint) -> int:
    location = entry.spec.location
    assert isinstance(location, cmd.SourceLocation)
    return location.line


def _function_of(entry: Breakpoint) -> str:
    location = entry.spec.location
    assert isinstance(location, cmd.FunctionLocation)
    return location.name


def _with_condition(breakpoint: Message, spec: cmd.BreakSpec) -> Message:
    return {**breakpoint, "condition": spec.condition} if spec.condition else breakpoint
