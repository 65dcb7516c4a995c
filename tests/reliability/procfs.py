"""What a process holds, read from /proc: descendants, file descriptors, memory, listening sockets.

Waiting for a process to end uses a pidfd, so it works for processes that are not our
children (Wasmtime is the server's child, not the test's) without polling.
"""

from __future__ import annotations

import os
import select
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TCP_LISTEN = "0A"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _parent_of(pid: int) -> int | None:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: fields start after the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[1])


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid`` (children, grandchildren, ...)."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            parent = _parent_of(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def command_line(pid: int) -> list[str]:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def processes_mentioning(text: str) -> set[int]:
    """Every process with ``text`` in one of its command-line arguments."""
    return {
        int(entry.name)
        for entry in PROC.iterdir()
        if entry.name.isdigit() and any(text in argument for argument in command_line(int(entry.name)))
    }


def is_wasmtime(pid: int) -> bool:
    arguments = command_line(pid)
    return bool(arguments) and Path(arguments[0]).name == "wasmtime"


def open_fds(pid: int) -> int:
    return len(os.listdir(PROC / str(pid) / "fd"))


def rss_bytes(pid: int) -> int:
    """Resident set size: the second field of /proc/PID/statm, in pages."""
    return int((PROC / str(pid) / "statm").read_text().split()[1]) * PAGE_SIZE


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    directory = PROC / str(pid) / "fd"
    try:
        entries = os.listdir(directory)
    except OSError:
        return inodes
    for entry in entries:
        try:
            target = os.readlink(directory / entry)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


@dataclass(frozen=True)
class Listener:
    address: str  # dotted IPv4 or full IPv6 text
    port: int


def _decode_address(hex_address: str) -> str:
    raw = bytes.fromhex(hex_address)
    if len(raw) == 4:
        return ".".join(str(b) for b in reversed(raw))
    words = [raw[i : i + 4][::-1] for i in range(0, 16, 4)]  # four little-endian 32-bit words
    joined = b"".join(words)
    return ":".join(joined[i : i + 2].hex() for i in range(0, 16, 2))


def listening_sockets(pids: set[int]) -> set[Listener]:
    """TCP sockets in LISTEN state held by any of ``pids``."""
    inodes: set[int] = set()
    for pid in pids:
        inodes |= _socket_inodes(pid)
    found = set()
    for table in ("tcp", "tcp6"):
        for line in (PROC / "net" / table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], int(fields[9])
            if state == TCP_LISTEN and inode in inodes:
                address, port = local.split(":")
                found.add(Listener(_decode_address(address), int(port, 16)))
    return found


def wait_for_exit(pid: int, timeout: float) -> bool:
    """Whether ``pid`` ended within ``timeout`` seconds (True at once if it is already gone)."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([handle], [], [], timeout)
        return bool(readable)
    finally:
        os.close(handle)


@dataclass(frozen=True)
class Footprint:
    """What a server process holds at one moment."""

    descendants: frozenset[int]
    fds: int
    rss: int
    listeners: frozenset[Listener]

    @classmethod
    def of(cls, pid: int) -> Footprint:
        below = descendants(pid)
        return cls(frozenset(below), open_fds(pid), rss_bytes(pid), frozenset(listening_sockets({pid, *below})))
