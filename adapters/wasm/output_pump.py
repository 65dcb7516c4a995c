"""The program's stdout and stderr, passed on as they come, and drained before a stop is reported.

Wasmtime writes what the program prints straight into its pipes, so when the program stops, all it
printed before the stop is in a pipe or on its way through a pump. ``drain`` waits for exactly that,
so that a client sees the output before the stop it came before.
"""

from __future__ import annotations

import codecs
import os
import select
import sys
import threading
from collections.abc import Callable
from typing import IO

DRAIN_LIMIT = 2.0  # seconds: a pump that cannot keep up (a flood of output) does not hold a stop longer


class OutputPump:
    """Reads one of the program's pipes on its own thread and hands the text to ``deliver``."""

    def __init__(self, stream: IO[bytes], deliver: Callable[[str], None], name: str) -> None:
        self._stream = stream
        self._deliver = deliver
        self._idle = threading.Condition()
        self._busy = False  # a chunk has been read and is not yet delivered
        self._done = False
        self._thread = threading.Thread(target=self._run, name=f"output-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        fd = self._stream.fileno()
        try:
            while True:
                chunk = os.read(fd, 65536)
                with self._idle:
                    self._busy = bool(chunk)
                if not chunk:
                    break
                text = decoder.decode(chunk)
                if text:
                    self._deliver(text)
                with self._idle:
                    self._busy = False
                    self._idle.notify_all()
        finally:
            with self._idle:
                self._done, self._busy = True, False
                self._idle.notify_all()
            self._stream.close()

    def drain(self, limit: float = DRAIN_LIMIT) -> None:
        """Return once everything written to the pipe so far has been delivered (or after ``limit``)."""
        with self._idle:
            self._idle.wait_for(lambda: self._done or (not self._busy and not _unread(self._stream)), limit)


def _unread(stream: IO[bytes]) -> bool:
    """Whether the pipe holds bytes not read yet. Windows cannot select on pipes: there a stop waits for
    nothing (output may then follow the stop it came before)."""
    if sys.platform == "win32" or stream.closed:
        return False
    readable, _, _ = select.select([stream.fileno()], [], [], 0)
    return bool(readable)
