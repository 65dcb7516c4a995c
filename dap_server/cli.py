"""The ``wasmtime-dap`` command: a DAP server on stdio (default) or TCP."""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import logging
import os
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import anyio
from anyio.abc import ByteReceiveStream, ByteSendStream

from dap_server.access import TOKEN_ATTRIBUTE, TOKEN_VARIABLE, server_token, write_token_file
from dap_server.session import Session
from dap_server.transport import ConnectionHandler, serve_stdio, serve_tcp

FRONTEND_MODULE = "dap_server.frontend"


async def serve_one(receive, send, token: str | None = None) -> None:
    await Session(token).serve(receive, send)


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="wasmtime-dap",
        description="Debug Adapter Protocol server for WebAssembly programs running in Wasmtime.",
        epilog="'wasmtime-dap debug PROGRAM.wasm' starts the terminal debugger, where installed; "
        "'wasmtime-dap setup' builds the debugger agent and has Wasmtime compile it (pip install does it).",
    )
    parser.add_argument("--port", type=int, help="serve DAP over TCP on this port (0: any free port), not stdio")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on with --port (default 127.0.0.1)")
    parser.add_argument(
        "--token-file",
        type=Path,
        help="with --port: write the token clients must send (authToken) to this file, readable only by you, "
        f"instead of printing it (${TOKEN_VARIABLE}, if set, is the token)",
    )
    parser.add_argument(
        "--no-token",
        action="store_true",
        help="with --port: let clients in without a token. Any local process, of any user, can then run "
        "programs as you",
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="with --port: serve one client, then exit; also exit if the process that started this one ends "
        "(for an editor that starts the adapter on a port, such as nvim-dap's ${port} adapters)",
    )
    parser.add_argument(
        "--log-level", default="WARNING", help="log to stderr at this level (default WARNING; DEBUG: the DAP trace too)"
    )
    parser.add_argument(
        "--log-file",
        type=Path,
        help="append everything to this file: the full DAP trace (every message in and out) and the adapter's "
        "decisions (the Wasmtime command line, each stop), for a bug report",
    )
    return parser.parse_args(argv)


def configure_logging(level: str, log_file: Path | None) -> None:
    """Log to stderr at ``level``, and everything (DEBUG) to ``log_file`` if given."""
    to_stderr = logging.StreamHandler(sys.stderr)
    to_stderr.setLevel(level.upper())
    handlers: list[logging.Handler] = [to_stderr]
    if log_file is not None:
        to_file = logging.FileHandler(log_file, encoding="utf-8")
        to_file.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        handlers.append(to_file)
    logging.basicConfig(level=logging.DEBUG if log_file else level.upper(), handlers=handlers)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["debug"]:
        return run_frontend(argv[1:])
    if argv[:1] == ["setup"]:
        return run_setup()
    options = parse_arguments(argv)
    configure_logging(options.log_level, options.log_file)
    try:
        if options.port is None:
            anyio.run(serve_stdio, serve_one)
        else:
            serve_over_tcp(options)
    except KeyboardInterrupt:
        return 130
    except OSError as error:
        print(f"wasmtime-dap: {error}", file=sys.stderr)
        return 1
    return 0


async def serve_first_client(
    handle: ConnectionHandler, host: str, port: int, on_listening: Callable[[str, int], None]
) -> None:
    """``serve_tcp`` for the first client to connect only, then return; later connections are
    closed unserved."""
    with anyio.CancelScope() as listening:
        served = False

        async def first_only(receive: ByteReceiveStream, send: ByteSendStream) -> None:
            nonlocal served
            if served:
                return  # the connection closes: this adapter belongs to another client
            served = True
            try:
                await handle(receive, send)
            finally:
                listening.cancel()

        await serve_tcp(first_only, host, port, on_listening)


def serve_over_tcp(options: argparse.Namespace) -> None:
    """Serve the clients that show the token handed to the user at start (see dap_server.access)."""
    if not is_loopback(options.host):
        print(
            f"wasmtime-dap: {options.host} is reachable from the network, and the token crosses it in clear text; "
            "an SSH tunnel to 127.0.0.1 is safer",
            file=sys.stderr,
        )
    token, shown = (None, None) if options.no_token else tcp_token(options.token_file)
    announce = partial(announce_listening, token=shown)
    if options.once:
        from adapters.source.launching import end_with_parent  # the process layer, only for --once

        end_with_parent()
    serve = serve_first_client if options.once else serve_tcp
    anyio.run(serve, partial(serve_one, token=token), options.host, options.port, announce)


def announce_listening(host: str, port: int, token: str | None = None) -> None:
    print(f"wasmtime-dap listening on {host}:{port}", flush=True)
    if token is not None:
        print(f"wasmtime-dap token (send it as {TOKEN_ATTRIBUTE!r} in launch or attach): {token}", flush=True)


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name
        return host == "localhost"


def tcp_token(token_file: Path | None) -> tuple[str, str | None]:
    """The token TCP clients must show, and the token to print: none when it is written to
    ``token_file`` or was chosen by whoever started the server (in the environment)."""
    chosen = bool(os.environ.get(TOKEN_VARIABLE))
    token = server_token()
    if token_file is not None:
        write_token_file(token_file, token)
    return token, None if chosen or token_file is not None else token


def run_setup() -> int:
    """Build the debugger agent and have Wasmtime compile it now, not at the first launch
    (``pip install`` does it; this is for an install that could not)."""
    from adapters.source.launching import DebuggeeError, prepare_agent

    try:
        agent = prepare_agent(report=lambda text: print(text, flush=True))
    except DebuggeeError as error:
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
