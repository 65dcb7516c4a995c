"""Wasmtime processes outlive the thread that started them, and die with the adapter."""

from __future__ import annotations

import threading

from adapters.wasm.agent_backend import launch
from adapters.wasm.debuggee import StopReason
from adapters.wasm.process import LaunchOptions
from tests.wasm.wat_programs import LOOP, write_wat


def test_the_program_outlives_the_thread_that_launched_it(tmp_path):
    # The DAP server launches from worker threads that anyio retires when idle;
    # PR_SET_PDEATHSIG is tied to the forking thread, so this once killed Wasmtime.
    program = write_wat(tmp_path, "loop", LOOP)
    launched = []
    starter = threading.Thread(target=lambda: launched.append(launch(LaunchOptions(program))))
    starter.start()
    starter.join()
    (debuggee,) = launched
    try:
        assert debuggee.modules()  # still there to answer
        debuggee.resume()
        stop = debuggee.wait(30)
        assert (stop.reason, stop.exit_code) == (StopReason.EXITED, 0)
    finally:
        debuggee.close()
