"""Starting ``wasmtime run -g`` (or finding a stub a user started) and connecting to it.

A launched Wasmtime runs in its own process group and gets SIGKILL if the adapter
dies; ``kill``/``close`` end the whole group, so no process outlives the session.
"""

from __future__ import annotations

import codecs
import os
import queue
import socket
import subprocess
import threading
import time
from collections.abc import Callable

from adapters.wasm.debuggee import DebuggeeError
from adapters.wasm.gdbremote.connection import GdbConnection
from adapters.wasm.gdbremote.debuggee import GdbRemoteDebuggee
from adapters.wasm.process import LaunchOptions, keep_on_one_cpu, kill_group, run_arguments, spawn
from adapters.wasm.program import check_program
from adapters.wasm.wasmtime_cli import find_wasmtime

OutputCallback = Callable[[str, str], None]  # (category: stdout | stderr | console, text)

LISTEN_TIMEOUT = 60.0  # Wasmtime compiles the program before its stub listens
EXIT_TIMEOUT = 30.0  # for Wasmtime to exit once the program has ended
LAUNCH_ATTEMPTS = 3  # another process may take the chosen port before Wasmtime binds it
LISTENING = "Debugger listening on"
STUB_PREFIX = "Debugger: "


def attach(host: str, port: int, on_output: OutputCallback | None = None) -> GdbRemoteDebuggee:
    """Connect to a stub a user started with ``wasmtime run -g HOST:PORT``.

    Wasmtime is not ours to stop: ``kill`` only disconnects, which aborts a running
    program and lets a paused one run to its end.
    """
    report = on_output or (lambda category, text: None)
    connection = GdbConnection.connect(host, port, lambda text: report("console", text))
    try:
        return GdbRemoteDebuggee(connection)
    except BaseException:
        connection.close()
        raise


def launch(options: LaunchOptions, on_output: OutputCallback | None = None) -> GdbRemoteDebuggee:
    """Start the program under Wasmtime's gdbstub, paused before its first instruction."""
    report = on_output or (lambda category, text: None)
    kind = check_program(options.program, options.allow_precompiled)
    wasmtime = find_wasmtime(options.wasmtime)
    for attempt in range(LAUNCH_ATTEMPTS):
        port = _free_port()
        command = [str(wasmtime.path), "run", "-g", f"127.0.0.1:{port}"]
        process = spawn([*command, *run_arguments(options, kind == "precompiled")], options)
        try:
            _await_listening(process, report)
            break
        except DebuggeeError:
            kill_group(process)
            if attempt + 1 == LAUNCH_ATTEMPTS or not _port_taken(port):
                raise
    launched = _Launched(process, report)
    try:
        connection = GdbConnection.connect("127.0.0.1", port, lambda text: report("console", text))
        keep_on_one_cpu(process)  # the stub listens: Wasmtime has compiled everything
        return GdbRemoteDebuggee(connection, options.program.name, launched.finish, launched.end(connection), process)
    except BaseException:
        kill_group(process)
        raise


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _await_listening(process: subprocess.Popen, report: OutputCallback) -> None:
    """Read Wasmtime's stderr until its stub says it listens (its lines go to the console).

    A thread reads, as Windows cannot select on a pipe; it stops at the line that says so,
    and at the end of the stream when the caller gives up and kills Wasmtime."""
    chunks: queue.SimpleQueue[bytes] = queue.SimpleQueue()

    def read() -> None:
        seen = b""
        while LISTENING.encode() not in seen or not seen.endswith(b"\n"):
            chunk = os.read(process.stderr.fileno(), 65536)
            chunks.put(chunk)
            if not chunk:
                return
            seen += chunk

    threading.Thread(target=read, name="gdbstub-listening", daemon=True).start()
    seen = ""
    deadline = time.monotonic() + LISTEN_TIMEOUT
    while LISTENING not in seen or not seen.endswith("\n"):
        try:
            chunk = chunks.get(timeout=max(deadline - time.monotonic(), 0))
        except queue.Empty:
            raise DebuggeeError(f"Wasmtime's gdbstub did not start listening within {LISTEN_TIMEOUT:.0f} s") from None
        if not chunk:
            process.wait()
            raise DebuggeeError(f"Wasmtime exited before its gdbstub listened: {seen.strip()}")
        seen += chunk.decode(errors="replace")
    report("console", seen)


class _Launched:
    """The Wasmtime process behind a launched session, and its output pumps."""

    def __init__(self, process: subprocess.Popen, report: OutputCallback) -> None:
        self.process = process
        self._pumps = [
            threading.Thread(target=_pump, args=(process.stdout, "stdout", report), daemon=True),
            threading.Thread(target=_pump, args=(process.stderr, "stderr", report), daemon=True),
        ]
        for pump in self._pumps:
            pump.start()

    def finish(self, chosen: int | None) -> int | None:
        """Wait for Wasmtime to exit (its exit code is the truth, whatever the program chose)."""
        try:
            self.process.wait(timeout=EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            kill_group(self.process)
        for pump in self._pumps:
            pump.join(timeout=5)  # the program's output is all delivered before its exit
        return self.process.returncode

    def end(self, connection: GdbConnection) -> Callable[[], None]:
        def end() -> None:
            kill_group(self.process)
            connection.close()

        return end


def _pump(stream, category: str, report: OutputCallback) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    route = _StderrRouter(report) if category == "stderr" else None
    while chunk := os.read(stream.fileno(), 65536):
        text = decoder.decode(chunk)
        if route is not None:
            route.feed(text)
        elif text:
            report(category, text)
    if route is not None:
        route.flush()
    stream.close()


class _StderrRouter:
    """Passes Wasmtime's stderr on, with its stub's own ``Debugger: `` lines as console
    output. The stub writes such a line in pieces, so a line that may yet turn out to be
    one of them is held back until it is complete; anything else goes on at once."""

    def __init__(self, report: OutputCallback) -> None:
        self._report = report
        self._held = ""
        self._at_line_start = True

    def feed(self, text: str) -> None:
        text, self._held = self._held + text, ""
        while text:
            newline = text.find("\n") + 1
            line, text = (text[:newline], text[newline:]) if newline else (text, "")
            stub_line = self._at_line_start and line.startswith(STUB_PREFIX)
            if not newline and self._at_line_start and (stub_line or STUB_PREFIX.startswith(line)):
                self._held = line
                return
            self._report("console" if stub_line else "stderr", line)
            self._at_line_start = bool(newline)

    def flush(self) -> None:
        if self._held:
            self._report("console" if self._held.startswith(STUB_PREFIX) else "stderr", self._held)
            self._held = ""
