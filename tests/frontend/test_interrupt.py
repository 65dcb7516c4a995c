"""Ctrl-C in a terminal pauses the program, as in gdb, and the session goes on.

The console runs on a pseudo-terminal as a session leader, as a shell runs it; the Ctrl-C byte typed
there makes the terminal driver signal the whole foreground process group, exactly as a real terminal
does. The adapter must not be in that group, or the signal would end it instead of pausing the program.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

from tests.conftest import FIXTURES
from tests.frontend.conftest import REPO

PROMPT = b"(wasm) "
WAIT = 120.0  # seconds: the first launch may compile the debugger component


def _own_terminal() -> None:
    """In the child: a new session whose controlling terminal is the pseudo-terminal on stdin, as a
    shell sets up for the program it runs in the foreground."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """A program on a pseudo-terminal: type into it, read what it shows."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.master, follower = pty.openpty()
        environment = {**os.environ, "NO_COLOR": "1", "TERM": "dumb"}
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
        self.process = subprocess.Popen(
            command, stdin=follower, stdout=follower, stderr=follower, cwd=cwd, env=environment,
            preexec_fn=_own_terminal,
        )  # fmt: skip
        os.close(follower)
        self.screen = b""

    def type(self, text: bytes) -> None:
        os.write(self.master, text)

    def wait_for(self, wanted: bytes, after: int = 0) -> int:
        """Read until ``wanted`` appears past offset ``after``; the offset just past it."""
        deadline = time.monotonic() + WAIT
        while (found := self.screen.find(wanted, after)) < 0:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{wanted!r} never appeared:\n{self.screen.decode(errors='replace')}"
            readable, _, _ = select.select([self.master], [], [], remaining)
            if readable:
                try:
                    self.screen += os.read(self.master, 65536)
                except OSError:  # the program ended and closed the terminal
                    break
        assert found >= 0, f"{wanted!r} never appeared:\n{self.screen.decode(errors='replace')}"
        return found + len(wanted)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        os.close(self.master)


def test_ctrl_c_pauses_the_running_program_and_the_session_goes_on(fixtures: dict[str, Path]) -> None:
    command = [sys.executable, "-m", "dap_server", "debug", str(fixtures["heavy"]), "forever"]
    terminal = Terminal(command, FIXTURES)
    try:
        seen = terminal.wait_for(PROMPT)
        terminal.type(b"run\n")
        seen = terminal.wait_for(b"spinning", seen)  # the console shows output while it waits for a stop
        terminal.type(b"\x03")  # Ctrl-C, as typed: the terminal driver sends SIGINT to the foreground group
        seen = terminal.wait_for(b"Program received signal SIGINT, Interrupt.", seen)
        seen = terminal.wait_for(PROMPT, seen)
        terminal.type(b"bt 1\n")
        seen = terminal.wait_for(b"#0  ", seen)
        seen = terminal.wait_for(PROMPT, seen)
        terminal.type(b"kill\n")
        seen = terminal.wait_for(b"(y or n) ", seen)  # asked, as gdb asks at a terminal
        terminal.type(b"y\n")
        seen = terminal.wait_for(b"killed]", seen)
        terminal.type(b"quit\n")
        assert terminal.process.wait(WAIT) == 0
        assert b"ended unexpectedly" not in terminal.screen, terminal.screen.decode(errors="replace")
    finally:
        terminal.close()
