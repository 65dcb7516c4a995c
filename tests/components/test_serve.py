"""Attach to `wasmtime serve -g`: an HTTP request hits a breakpoint in the component's handler."""

from __future__ import annotations

import threading
import urllib.request

from tests.dap.client import DapClient
from tests.dap.session_helpers import stack
from tests.wasm.user_stub import free_port, user_started_stub

HANDLER = "wasi:http/incoming-handler@0.2.12#handle"  # the core function the component exports


def test_a_request_to_wasmtime_serve_stops_in_the_handler(client: DapClient, components) -> None:
    http_port = free_port()
    serve = ("serve", "-S", "cli=y", "--addr", f"127.0.0.1:{http_port}")
    with user_started_stub(components["http.component"], serve) as (wasmtime, port):
        reply = client.request("attach", {"host": "127.0.0.1", "port": port})
        assert reply["success"], reply.get("message")
        client.event("initialized")
        (breakpoint,) = client.ok("setFunctionBreakpoints", {"breakpoints": [{"name": HANDLER}]})["breakpoints"]
        assert breakpoint["verified"], breakpoint
        client.ok("configurationDone")
        while b"Serving HTTP" not in (line := wasmtime.stderr.readline()):  # it listens once let run
            assert line, "wasmtime serve ended without serving"

        response: dict[str, bytes] = {}
        url = f"http://127.0.0.1:{http_port}/"
        request = threading.Thread(target=lambda: response.setdefault("body", urllib.request.urlopen(url).read()))
        request.start()
        stopped = client.event("stopped")
        assert stopped["body"]["reason"] == "function breakpoint"
        assert stack(client)[0]["name"] == HANDLER
        assert "body" not in response  # the request waits at the breakpoint

        client.ok("setFunctionBreakpoints", {"breakpoints": []})
        client.ok("continue", {"threadId": 1})
        request.join(timeout=60)
        assert response["body"] == b"hello from wasm\n"
        client.ok("disconnect", {})
