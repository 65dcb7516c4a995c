"""Client-visible ids for things that are only valid while the program stays stopped."""

from __future__ import annotations

from typing import Generic, TypeVar

from dap_server.handlers.registry import RequestError

Target = TypeVar("Target")


class HandleTable(Generic[Target]):
    """Hands out ids that are never reused, so a stale id is told apart from an unknown one."""

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._next = 1
        self._first_valid = 1
        self._targets: dict[int, Target] = {}

    def add(self, target: Target) -> int:
        handle = self._next
        self._next += 1
        self._targets[handle] = target
        return handle

    def get(self, handle: int) -> Target:
        if handle in self._targets:
            return self._targets[handle]
        if 0 < handle < self._first_valid:
            # The client asked about a stop the program has already run past: it drops the answer.
            raise RequestError(
                f"{self._kind} {handle} is no longer valid: the program has run since it was handed out",
                show_user=False,
            )
        raise RequestError(f"unknown {self._kind} {handle}")

    def invalidate_all(self) -> None:
        self._targets.clear()
        self._first_valid = self._next
