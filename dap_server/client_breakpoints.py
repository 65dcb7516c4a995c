"""The breakpoints a client asked for, under the ids the client knows them by.

The debugger numbers breakpoints afresh whenever they are set, and again for every
launch; a client keeps the ids of its ``set*Breakpoints`` responses and matches
``breakpoint`` events and ``hitBreakpointIds`` against them. This table maps between
the two, keeps the requests so they can be set at launch (a client may set them
before) and after a restart, and tells which breakpoints changed since the client
last heard of them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from adapters.source.model import BreakpointResult, BreakpointSpec
from dap_server import convert
from dap_server.protocol.types import Breakpoint

# ("source", path), ("function", None) or ("instruction", None): what one set* request replaces.
Group = tuple[str, str | None]


@dataclass
class _Request:
    specs: list[BreakpointSpec]
    client_ids: list[int]
    debugger_ids: list[int] = field(default_factory=list)


class ClientBreakpoints:
    def __init__(self) -> None:
        self._requests: dict[Group, _Request] = {}
        self._ids = itertools.count(1)
        self._client_id: dict[int, int] = {}  # debugger id -> client id
        self._reported: dict[int, Breakpoint] = {}  # client id -> what the client was told last
        self.exception_filters: list[str] = []

    def request(self, group: Group, specs: list[BreakpointSpec]) -> None:
        """Replace the group's breakpoints with ``specs`` (new client ids for each)."""
        self._forget(group)
        self._requests[group] = _Request(specs, [next(self._ids) for _ in specs])

    def _forget(self, group: Group) -> None:
        old = self._requests.pop(group, None)
        if old is not None:
            for client_id in old.client_ids:
                self._reported.pop(client_id, None)
            for debugger_id in old.debugger_ids:
                self._client_id.pop(debugger_id, None)

    def requested(self) -> list[tuple[Group, list[BreakpointSpec]]]:
        return [(group, request.specs) for group, request in self._requests.items()]

    def not_set(self, group: Group, message: str) -> list[Breakpoint]:
        """The group's breakpoints as waiting for a program to be set in."""
        request = self._requests[group]
        breakpoints = [
            Breakpoint(id=client_id, verified=False, message=message, reason="pending")
            for client_id in request.client_ids
        ]
        self._reported.update((b.id, b) for b in breakpoints if b.id is not None)
        return breakpoints

    def resolved(
        self,
        group: Group,
        results: Sequence[BreakpointResult],
        numbering: convert.Numbering,
    ) -> list[Breakpoint]:
        """The debugger's results for the group's breakpoints (in request order), under client ids."""
        request = self._requests[group]
        for debugger_id in request.debugger_ids:
            self._client_id.pop(debugger_id, None)
        request.debugger_ids = [result.id for result in results]
        breakpoints = []
        for client_id, result in zip(request.client_ids, results, strict=True):
            self._client_id[result.id] = client_id
            breakpoint = convert.breakpoint(result, numbering, client_id)
            self._reported[client_id] = breakpoint
            breakpoints.append(breakpoint)
        return breakpoints

    def changes(
        self,
        group: Group,
        results: Sequence[BreakpointResult],
        numbering: convert.Numbering,
    ) -> list[Breakpoint]:
        """Like ``resolved``, but only the breakpoints the client knows differently."""
        before = [self._reported.get(client_id) for client_id in self._requests[group].client_ids]
        after = self.resolved(group, results, numbering)
        return [new for old, new in zip(before, after, strict=True) if old != new]

    def client_ids(self, debugger_ids: Iterable[int]) -> list[int]:
        return [self._client_id[i] for i in debugger_ids if i in self._client_id]
