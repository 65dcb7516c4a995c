"""One DAP session with either adapter, driven by the same client and the same request sequence.

``wasmtime-dap`` is our adapter (``python -m dap_server`` over stdio), which launches the
program itself. ``lldb-dap`` attaches to ``wasmtime run -g`` started here, with
``process connect --plugin wasm`` as its attach command; Wasmtime's gdbstub starts stopped
before any Wasm runs, so breakpoints set before ``configurationDone`` are all honoured.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from adapters.source.symbol_cache import default_directory, module_key
from dap_server.frontend.client import ADAPTER_COMMAND, DapClient, DapError

OURS, LLDB = "wasmtime-dap", "lldb-dap"
ADAPTERS = (OURS, LLDB)
LLDB_DAP = "lldb-dap-22"
STOP_TIMEOUT = 600.0  # a slow conditional breakpoint may take minutes
GDBSTUB_READY = "Debugger listening on"

Message = dict[str, Any]
Breakpoints = dict[Path, list[Message]]  # source -> DAP SourceBreakpoints


class SessionError(RuntimeError):
    """The adapter failed, crashed or showed something other than what the scenario expects."""


def lldb_dap_missing() -> str | None:
    """Why lldb-dap cannot be measured, or None when it is installed."""
    if shutil.which(LLDB_DAP) is None:
        return f"{LLDB_DAP} is not installed (Debian: apt-get install lldb-22)"
    return None


@dataclass
class Stop:
    reason: str
    line: int | None
    function: str


class Session:
    """A started debug session, stopped at its first breakpoint."""

    def __init__(self, adapter: str, client: DapClient, adapter_pid: int, debuggee: subprocess.Popen | None) -> None:
        self.adapter = adapter
        self.client = client
        self.adapter_pid = adapter_pid
        self._debuggee = debuggee  # the Wasmtime process we started ourselves (lldb-dap only)
        self.thread_id = 1
        self.started = self.configured = 0.0  # perf_counter times, set by ``start``
        self.important_output: list[str] = []  # lldb-dap reports assertion failures this way

    # -- running ---------------------------------------------------------------------
    def wait_stop(self) -> Message:
        """The body of the next ``stopped`` event; SessionError if the program ends first."""
        while True:
            event = self.client.next_event(timeout=STOP_TIMEOUT)
            assert event is not None
            name = event.get("event")
            body = event.get("body") or {}
            if name == "stopped":
                self.thread_id = body.get("threadId", self.thread_id)
                return body
            if name == "output" and body.get("category") == "important":
                self.important_output.append(body.get("output", ""))
            if name in ("terminated", "exited"):
                raise SessionError(f"{self.adapter}: the program ended instead of stopping")

    def wait_end(self) -> None:
        """Wait until the program has ended (``terminated`` or ``exited``) or stopped."""
        while True:
            event = self.client.next_event(timeout=STOP_TIMEOUT)
            if event is not None and event.get("event") in ("terminated", "exited", "stopped"):
                return

    def run(self, command: str) -> Message:
        """``next``, ``continue``... and the stop it leads to."""
        self.client.request(command, {"threadId": self.thread_id})
        return self.wait_stop()

    def set_breakpoints(self, source: Path, breakpoints: list[Message]) -> list[Message]:
        body = self.client.request("setBreakpoints", {"source": {"path": str(source)}, "breakpoints": breakpoints})
        return body.get("breakpoints", [])

    # -- looking -----------------------------------------------------------------------
    def top_frame(self) -> Message:
        frames = self.client.request("stackTrace", {"threadId": self.thread_id, "startFrame": 0, "levels": 20})
        if not frames.get("stackFrames"):
            raise SessionError(f"{self.adapter}: no stack frames at a stop")
        return frames["stackFrames"][0]

    def stop_location(self) -> Stop:
        frame = self.top_frame()
        return Stop("", frame.get("line"), frame.get("name", ""))

    def local_scopes(self, frame_id: int) -> list[Message]:
        """The scopes holding the frame's source variables (arguments and locals)."""
        scopes = self.client.request("scopes", {"frameId": frame_id})["scopes"]
        return [scope for scope in scopes if scope.get("presentationHint") in ("arguments", "locals")]

    def variables(self, reference: int) -> list[Message]:
        return self.client.request("variables", {"variablesReference": reference}).get("variables", [])

    def flat_locals(self, depth: int = 2) -> dict[str, str]:
        """Arguments and locals of the top frame, members as ``s.x`` / ``a[0]``, to ``depth`` levels."""
        values: dict[str, str] = {}
        for scope in self.local_scopes(self.top_frame()["id"]):
            self._flatten(scope["variablesReference"], "", depth, values)
        return values

    def _flatten(self, reference: int, prefix: str, depth: int, into: dict[str, str]) -> None:
        for variable in self.variables(reference):
            name = variable["name"]
            path = f"{prefix}{name}" if name.startswith("[") or not prefix else f"{prefix}.{name}"
            into.setdefault(path, variable.get("value", ""))
            if depth > 1 and variable.get("variablesReference"):
                self._flatten(variable["variablesReference"], path, depth - 1, into)

    # -- the processes ---------------------------------------------------------------------
    def peak_rss(self) -> tuple[int, int]:
        """(adapter, adapter + Wasmtime) peak resident set sizes in bytes (Linux VmHWM)."""
        processes = [self.adapter_pid, *descendants(self.adapter_pid)]
        if self._debuggee is not None:
            processes += [self._debuggee.pid, *descendants(self._debuggee.pid)]
        return peak_rss(self.adapter_pid), sum(peak_rss(pid) for pid in set(processes))

    def close(self) -> None:
        with contextlib.suppress(DapError):  # the adapter may be gone already
            self.client.send("disconnect", {"terminateDebuggee": True})
        self.client.close()
        if self._debuggee is not None:
            if self._debuggee.poll() is None:
                self._debuggee.kill()
            self._debuggee.wait()


def start(adapter: str, program: Path, breakpoints: Breakpoints, args: Sequence[str] = ()) -> Session:
    """Start ``program`` under ``adapter`` with ``breakpoints`` set, and let it run.

    ``Session.started`` is when the processes were started, ``Session.configured`` when
    ``configurationDone`` was answered (the program runs from then on).
    """
    started = time.perf_counter()
    if adapter == OURS:
        debuggee, command = None, ADAPTER_COMMAND
        arguments: Message = {"program": str(program), "args": list(args)}
        request = "launch"
    else:
        debuggee, port = _start_gdbstub(program, args)
        command = (LLDB_DAP,)
        arguments = {"attachCommands": [f"process connect --plugin wasm connect://127.0.0.1:{port}"]}
        request = "attach"
    earlier_children = set(children(os.getpid()))
    client = DapClient(command)
    # The client does not expose its process: the adapter is our one new child.
    adapter_pid = (set(children(os.getpid())) - earlier_children).pop()
    session = Session(adapter, client, adapter_pid, debuggee)
    session.started = started
    try:
        client.request(
            "initialize", {"adapterID": "bench", "linesStartAt1": True, "columnsStartAt1": True, "pathFormat": "path"}
        )
        pending = client.send(request, arguments)
        while (event := client.next_event(timeout=STOP_TIMEOUT, until_response=pending)) is not None:
            if event.get("event") == "initialized":
                break
        for source, specs in breakpoints.items():
            for placed in session.set_breakpoints(source, specs):
                if not placed.get("verified"):
                    raise SessionError(f"{adapter}: breakpoint not verified: {placed.get('message', placed)}")
        client.request("configurationDone")
        client.response(pending, timeout=STOP_TIMEOUT)
        session.configured = time.perf_counter()
    except BaseException:
        session.close()
        raise
    return session


def forget_symbols(program: Path) -> None:
    """Empty our adapter's on-disk symbol cache for ``program``: the next launch is cold."""
    for entry in default_directory().glob(f"{module_key(program.read_bytes())}.*"):
        entry.unlink()


def _start_gdbstub(program: Path, args: Sequence[str]) -> tuple[subprocess.Popen, int]:
    """``wasmtime run -g`` on a free loopback port, once it listens."""
    port = _free_port()
    process = subprocess.Popen(
        ["wasmtime", "run", "-g", f"127.0.0.1:{port}", str(program), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if GDBSTUB_READY in line:
            break
    else:
        process.wait()
        raise SessionError(f"wasmtime -g exited before listening (status {process.returncode})")
    threading.Thread(target=_drain, args=(process.stderr,), daemon=True).start()
    return process, port


def _drain(stream) -> None:
    for _ in stream:
        pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _process_tree() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def children(pid: int) -> list[int]:
    return _process_tree().get(pid, [])


def descendants(pid: int) -> list[int]:
    """All processes below ``pid``."""
    tree = _process_tree()
    found, queue = [], [pid]
    while queue:
        for child in tree.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def peak_rss(pid: int) -> int:
    """A process's peak resident set size in bytes (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0
