"""The ``wasmtime-dap`` command: a DAP server on stdio (default) or TCP."""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import logging
import os
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import anyio

from dap_server.access import TOKEN_ATTRIBUTE, TOKEN_VARIABLE, server_token, write_token_file
from dap_server.session import Session
from dap_server.transport import serve_stdio, serve_tcp

FRONTEND_MODULE = "dap_server.frontend"


async def serve_one(receive, send, token: str | None = None) -> None:
    await Session(token).serve(receive, send)


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="wasmtime-dap",
        description="Debug Adapter Protocol server for WebAssembly programs running in Wasmtime.",
        epilog="'wasmtime-dap debug PROGRAM.wasm' starts the terminal debugger, where installed.",
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
    parser.add_argument("--log-level", default="WARNING", help="log to stderr at this level (default WARNING)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["debug"]:
        return run_frontend(argv[1:])
    options = parse_arguments(argv)
    logging.basicConfig(level=options.log_level.upper(), stream=sys.stderr)
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
    anyio.run(serve_tcp, partial(serve_one, token=token), options.host, options.port, announce)


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


def run_frontend(argv: list[str]) -> int:
    if importlib.util.find_spec(FRONTEND_MODULE) is None:
        print("wasmtime-dap: the terminal debugger (dap_server.frontend) is not installed", file=sys.stderr)
        return 2
    from dap_server import frontend

    return frontend.main(argv)
