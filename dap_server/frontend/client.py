"""A small synchronous DAP client that runs our adapter as a subprocess and talks to it over stdio.

A reader thread turns the adapter's stdout into messages on a queue; everything else happens in
the caller's thread, which takes messages off the queue in order. Responses are matched to
requests by ``request_seq``; events are handed to the caller by ``next_event``.
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from dap_server.framing import FramingError, Message, NotDap, encode, read_messages

ADAPTER_COMMAND = (sys.executable, "-m", "dap_server")
REQUEST_TIMEOUT = 120.0  # seconds; launching compiles the program and reads its DWARF
_EOF = object()


class DapError(Exception):
    """A request failed; the text is the adapter's explanation."""


class AdapterGone(DapError):
    """The adapter process ended or stopped answering."""


class DapClient:
    def __init__(self, command: Sequence[str] = ADAPTER_COMMAND) -> None:
        try:
            self._process = subprocess.Popen(
                list(command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=_adapter_environment(),
                **_own_process_group(),
            )
        except OSError as error:
            raise AdapterGone(f"cannot start the debug adapter ({' '.join(command)}): {error}") from error
        self._incoming: queue.Queue[Message | object] = queue.Queue()
        self._events: deque[Message] = deque()
        self._responses: dict[int, Message] = {}
        self._seq = 0
        self._closed = False
        self._stderr_tail: deque[str] = deque(maxlen=20)
        threading.Thread(target=self._read_messages, args=(self._process.stdout,), daemon=True).start()
        threading.Thread(target=self._read_stderr, args=(self._process.stderr,), daemon=True).start()

    # --- sending --------------------------------------------------------------

    def send(self, command: str, arguments: Message | None = None) -> int:
        """Send a request without waiting; returns its seq for ``response``."""
        self._seq += 1
        message: Message = {"seq": self._seq, "type": "request", "command": command}
        if arguments is not None:
            message["arguments"] = arguments
        stdin = self._process.stdin
        assert stdin is not None
        try:
            stdin.write(encode(message))
            stdin.flush()
        except (BrokenPipeError, ValueError) as error:
            raise self._gone() from error
        return self._seq

    def request(self, command: str, arguments: Message | None = None, timeout: float = REQUEST_TIMEOUT) -> Message:
        """Send a request and return its response body; raises DapError when it fails."""
        return self.response(self.send(command, arguments), timeout)

    def response(self, seq: int, timeout: float = REQUEST_TIMEOUT) -> Message:
        """The body of the response to request ``seq`` (events read meanwhile are kept for ``next_event``)."""
        while seq not in self._responses:
            self._receive(timeout)
        reply = self._responses.pop(seq)
        if not reply.get("success", False):
            raise DapError(_error_text(reply))
        body = reply.get("body")
        return body if isinstance(body, dict) else {}

    def next_event(self, timeout: float | None = None, until_response: int | None = None) -> Message | None:
        """The next event, waiting up to ``timeout`` seconds for it (None: as long as it takes).

        With ``until_response``, returns None instead once the response to that request has
        arrived and no event is left before it.
        """
        while not self._events:
            if until_response is not None and until_response in self._responses:
                return None
            self._receive(timeout)
        return self._events.popleft()

    # --- receiving ------------------------------------------------------------

    def _receive(self, timeout: float | None) -> None:
        try:
            message = self._incoming.get(timeout=timeout)
        except queue.Empty:
            raise AdapterGone(f"the debug adapter did not answer within {timeout:.0f} s") from None
        if message is _EOF:
            self._incoming.put(_EOF)  # keep reporting the end to later calls
            raise self._gone()
        assert isinstance(message, dict)
        if message.get("type") == "response":
            self._responses[message.get("request_seq", -1)] = message
        elif message.get("type") == "event":
            self._events.append(message)
        # reverse requests are not announced in our initialize arguments, so none are expected

    def _read_messages(self, stream: IO[bytes]) -> None:
        try:
            for message in read_messages(stream.read1):
                if isinstance(message, FramingError):  # the adapter sends only objects: trust nothing after
                    raise NotDap(str(message))
                self._incoming.put(message)
        except (NotDap, OSError) as error:
            self._stderr_tail.append(f"unreadable message from the adapter: {error}")
        finally:
            self._incoming.put(_EOF)

    def _read_stderr(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._stderr_tail.append(line.decode(errors="replace").rstrip())

    def _gone(self) -> AdapterGone:
        self._process.poll()
        detail = "\n".join(self._stderr_tail)
        text = "the debug adapter ended unexpectedly"
        if self._process.returncode is not None:
            text += f" (exit status {self._process.returncode})"
        return AdapterGone(f"{text}\n{detail}" if detail else text)

    # --- shutting down --------------------------------------------------------

    def close(self, timeout: float = 10.0) -> None:
        """Close the adapter's input and wait for it; kill it if it does not end by itself."""
        if self._closed:
            return
        self._closed = True
        if self._process.stdin is not None:
            with contextlib.suppress(OSError):
                self._process.stdin.close()
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def __enter__(self) -> DapClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _own_process_group() -> dict[str, Any]:
    """Popen arguments that keep the adapter out of the terminal's process group.

    Ctrl-C in a terminal signals its whole foreground process group: the adapter (and the Wasmtime it
    runs) must not get it, so that the console alone turns it into a ``pause`` request.
    """
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _adapter_environment() -> dict[str, str]:
    """Our environment, with the tree holding this package first on the path, so that the
    adapter is the same code as this client even when the project is not installed."""
    source_root = str(Path(__file__).resolve().parents[2])
    paths = [source_root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def _error_text(reply: Message) -> str:
    """The most helpful text of an error response: its formatted message, else its short message."""
    error = (reply.get("body") or {}).get("error")
    if isinstance(error, dict) and isinstance(error.get("format"), str):
        return _fill(error["format"], error.get("variables") or {})
    return str(reply.get("message") or f"{reply.get('command')} failed")


def _fill(template: str, variables: dict[str, str]) -> str:
    for name, value in variables.items():
        template = template.replace("{" + name + "}", str(value))
    return template
