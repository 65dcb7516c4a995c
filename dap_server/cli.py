"""The ``wasmtime-dap`` command: a DAP server on stdio (default) or TCP."""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
from collections.abc import Sequence

import anyio

from dap_server.session import Session
from dap_server.transport import serve_stdio, serve_tcp

FRONTEND_MODULE = "dap_server.frontend"


async def serve_one(receive, send) -> None:
    await Session().serve(receive, send)


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="wasmtime-dap",
        description="Debug Adapter Protocol server for WebAssembly programs running in Wasmtime.",
        epilog="'wasmtime-dap debug PROGRAM.wasm' starts the terminal debugger, where installed; "
        "'wasmtime-dap setup' builds the debugger agent and has Wasmtime compile it (pip install does it).",
    )
    parser.add_argument("--port", type=int, help="serve DAP over TCP on this port (0: any free port), not stdio")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on with --port (default 127.0.0.1)")
    parser.add_argument("--log-level", default="WARNING", help="log to stderr at this level (default WARNING)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["debug"]:
        return run_frontend(argv[1:])
    if argv[:1] == ["setup"]:
        return run_setup()
    options = parse_arguments(argv)
    logging.basicConfig(level=options.log_level.upper(), stream=sys.stderr)
    try:
        if options.port is None:
            anyio.run(serve_stdio, serve_one)
        else:
            anyio.run(serve_tcp, serve_one, options.host, options.port, announce_listening)
    except KeyboardInterrupt:
        return 130
    except OSError as error:
        print(f"wasmtime-dap: {error}", file=sys.stderr)
        return 1
    return 0


def announce_listening(host: str, port: int) -> None:
    print(f"wasmtime-dap listening on {host}:{port}", flush=True)


def run_setup() -> int:
    """Build the debugger agent and have Wasmtime compile it now, not at the first launch
    (``pip install`` does it; this is for an install that could not)."""
    from adapters.wasm.agent.build import AgentBuildError, prepare_agent
    from adapters.wasm.wasmtime_cli import WasmtimeNotFound

    try:
        agent = prepare_agent(report=lambda text: print(text, flush=True))
    except (AgentBuildError, WasmtimeNotFound, OSError) as error:
        print(f"wasmtime-dap: {error}", file=sys.stderr)
        return 1
    print(f"The debugger agent is ready: {agent}")
    return 0


def run_frontend(argv: list[str]) -> int:
    if importlib.util.find_spec(FRONTEND_MODULE) is None:
        print("wasmtime-dap: the terminal debugger (dap_server.frontend) is not installed", file=sys.stderr)
        return 2
    from dap_server import frontend

    return frontend.main(argv)
