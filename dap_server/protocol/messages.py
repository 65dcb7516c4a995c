"""Building the envelopes of outgoing messages (``seq`` is stamped by the transport)."""

from __future__ import annotations

from typing import Any

from dap_server.protocol.base import DapModel
from dap_server.protocol.types import ErrorMessage

Message = dict[str, Any]


def response(request_seq: int, command: str, body: DapModel | None = None) -> Message:
    message: Message = {"type": "response", "request_seq": request_seq, "success": True, "command": command}
    if body is not None:
        message["body"] = body.to_wire()
    return message


def error_response(
    request_seq: int, command: str, text: str, *, error_id: int = 1, short: str | None = None, show_user: bool = True
) -> Message:
    """A failed response. ``short`` is one of the predefined raw errors ("cancelled", "notStopped");
    ``show_user``: the client should put the error in front of the user (VS Code: a toast)."""
    error = ErrorMessage(id=error_id, format=text, show_user=show_user or None)
    return {
        "type": "response",
        "request_seq": request_seq,
        "success": False,
        "command": command,
        "message": short or text,
        "body": {"error": error.to_wire()},
    }


def event(name: str, body: DapModel | None = None) -> Message:
    message: Message = {"type": "event", "event": name}
    if body is not None:
        message["body"] = body.to_wire()
    return message
