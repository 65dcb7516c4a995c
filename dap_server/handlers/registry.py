"""The table of request handlers: each names its arguments model and the states it needs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dap_server.protocol.arguments import NoArguments
from dap_server.protocol.base import ClientInput, DapModel
from dap_server.state import State

if TYPE_CHECKING:
    from dap_server.session import Session

HandlerFunction = Callable[["Session", Any], Awaitable[DapModel | None]]


class RequestError(Exception):
    """Fails the current request with this text (and an optional predefined short error).

    ``show_user`` False: the failure is no news to the user (a request that raced a run of the program)."""

    def __init__(self, text: str, short: str | None = None, *, show_user: bool = True) -> None:
        super().__init__(text)
        self.short = short
        self.show_user = show_user


@dataclass(frozen=True)
class Handler:
    command: str
    arguments: type[ClientInput]
    states: frozenset[State]
    function: HandlerFunction


HANDLERS: dict[str, Handler] = {}


def handles(
    command: str, arguments: type[ClientInput] = NoArguments, *, states: frozenset[State]
) -> Callable[[HandlerFunction], HandlerFunction]:
    def register(function: HandlerFunction) -> HandlerFunction:
        HANDLERS[command] = Handler(command, arguments, states, function)
        return function

    return register
