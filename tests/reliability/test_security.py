"""Security: where the server listens, who can drive it (framing, token), what expressions can reach, what
launch configurations may run, which files `source` serves."""

from __future__ import annotations

import http.client
import http.server
import json
import os
import queue
import signal
import socket
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest

from dap_server.access import TOKEN_VARIABLE
from tests.dap.client import TIMEOUT, DapClient, frame
from tests.reliability import figures, procfs
from tests.reliability.servers import TcpServer, end_cleanly, launch, server_environment

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EVALUATION_TIME_LIMIT = 5.0  # seconds, for the worst expression below (the longest one is 200 kB)

HOSTILE_EXPRESSIONS = [
    "__import__('os')",
    '__import__("os").system("id")',
    "x.__class__.__mro__[1].__subclasses__()",
    "().__class__.__bases__[0]",
    "globals()",
    'open("/etc/passwd")',
    "lambda: 1",
    "[i for i in range(10)]",
    "x ** 99999999",
    "1 << 99999999",
    "x << 4000000000",
    "-1 >> 99999999999",
    "9" * 5000,
    "0x" + "f" * 10000,
    "x * 99999999999999999999999999999",
    "1 / 0",
    "(" * 100_000 + "1" + ")" * 100_000,
    "-" * 100_000 + "1",
    "*" * 100_000 + "x",
    "x" + "+x" * 50_000,
    "sizeof(int[1000000000])",
    "*(int*)0xFFFFFFFF",
]

# Extreme but valid C: evaluated as C does, promptly.
EXTREME_ARITHMETIC = [
    ("1e999999", "inf"),
    ("-2147483648 / -1", "2147483648"),  # 2147483648 is a long long in C
    ("'a' * 1000000000", "-1784247808"),  # int arithmetic wraps
    ("(" * 60 + "x" + ")" * 60, "120"),  # deep nesting, within the nesting limit
]


def test_the_tcp_listener_binds_loopback_by_default(tcp_server: TcpServer) -> None:
    assert tcp_server.host == "127.0.0.1"
    assert procfs.listening_sockets({tcp_server.pid}) == {procfs.Listener("127.0.0.1", tcp_server.port)}


def test_a_debugged_program_opens_no_listener(tcp_server: TcpServer, fixtures, markers) -> None:
    """The agent connects back to the adapter on loopback; nothing else listens while a program is debugged."""
    client, connection = tcp_server.connect()
    launch(client, fixtures["basics"], breakpoints={FIXTURES / "basics.c": [markers("basics.c")["square_body"]]})
    client.event("stopped")
    footprint = tcp_server.footprint()
    assert footprint.descendants and footprint.listeners == {procfs.Listener("127.0.0.1", tcp_server.port)}
    end_cleanly(client, connection)


@pytest.fixture(scope="module")
def stopped_client(tcp_server: TcpServer, fixtures, markers) -> tuple[DapClient, int]:
    """A client stopped in basics.c's square(), and the frame id to evaluate in."""
    client, _ = tcp_server.connect()
    launch(client, fixtures["basics"], breakpoints={FIXTURES / "basics.c": [markers("basics.c")["square_body"]]})
    client.event("stopped")
    frame = client.ok("stackTrace", {"threadId": 1})["stackFrames"][0]
    return client, frame["id"]


@pytest.mark.parametrize("expression", HOSTILE_EXPRESSIONS, ids=range(len(HOSTILE_EXPRESSIONS)))
def test_expressions_cannot_reach_python_or_the_host(stopped_client, expression) -> None:
    client, frame_id = stopped_client
    started = time.monotonic()
    reply = client.request("evaluate", {"expression": expression, "frameId": frame_id, "context": "repl"})
    assert time.monotonic() - started < EVALUATION_TIME_LIMIT
    assert not reply["success"], f"{expression[:60]!r} gave {reply.get('body')}"
    message = reply["message"]
    assert message and "Traceback" not in message, message
    figures.add("hostile expressions refused")
    # The session is intact: the same frame still evaluates.
    assert client.ok("evaluate", {"expression": "x", "frameId": frame_id, "context": "watch"})["result"]


@pytest.mark.parametrize(("expression", "result"), EXTREME_ARITHMETIC)
def test_extreme_arithmetic_is_evaluated_as_c_does(stopped_client, expression, result) -> None:
    client, frame_id = stopped_client
    started = time.monotonic()
    body = client.ok("evaluate", {"expression": expression, "frameId": frame_id, "context": "repl"})
    assert time.monotonic() - started < EVALUATION_TIME_LIMIT
    assert body["result"] == result


def test_precompiled_code_runs_only_when_allowed(tcp_server: TcpServer, fixtures, tmp_path) -> None:
    """A .cwasm is native code: refused without allowPrecompiled, debugged with it."""
    artifact = tmp_path / "traps.cwasm"
    compile_options = ["-D", "guest-debug=y", "-W", "epoch-interruption=y"]
    subprocess.run(["wasmtime", "compile", *compile_options, str(fixtures["traps"]), "-o", str(artifact)], check=True)
    client, connection = tcp_server.connect()
    client.initialize({"adapterID": "wasmtime"})
    already_running = tcp_server.wasmtime_children()
    refused = client.request("launch", {"program": str(artifact)})
    assert not refused["success"] and "allowPrecompiled" in refused["message"]
    assert tcp_server.wasmtime_children() == already_running
    end_cleanly(client, connection)

    client, connection = tcp_server.connect()
    launch(client, artifact, ["exit", "7"], allowPrecompiled=True)
    assert client.event("exited")["body"]["exitCode"] == 7
    end_cleanly(client, connection)


def bad_configurations(program: str) -> list[tuple[dict, str]]:
    """(launch arguments, what the error must say)."""
    return [
        ({"program": str(FIXTURES)}, "program is not a file"),
        ({"program": program + ".missing"}, "program not found"),
        ({"program": "~no-such-user-here/x.wasm"}, "~no-such-user-here"),
        ({"program": program, "cwd": "/nonexistent-dir"}, "cwd is not a directory"),
        ({"program": program, "stdin": "/nonexistent-dir/input.txt"}, "stdin file not found"),
        ({"program": program, "dirs": ["/nonexistent-dir"]}, "directory to preopen not found: /nonexistent-dir"),
        ({"program": program, "preopens": {"/data": "/nonexistent-dir"}}, "directory to preopen not found"),
        ({"program": program, "wasmtimePath": "/nonexistent-dir/wasmtime"}, "/nonexistent-dir/wasmtime"),
        ({"program": program, "wasmtimePath": str(FIXTURES)}, "wasmtimePath is not an executable file"),
        ({"program": program, "wasmtimePath": str(FIXTURES / "basics.c")}, "wasmtimePath is not an executable file"),
        ({"program": program, "env": {"A=B": "c"}}, "env: not a variable name: 'A=B'"),
        ({"program": program, "wasmtimeArgs": ["run"]}, "must start with an option"),
        ({"program": "a\0b.wasm"}, "program contains a NUL character"),
        ({"program": program, "args": ["a\0b"]}, "args contains a NUL character"),
        ({"program": program, "env": {"NAME": "a\0b"}}, "env contains a NUL character"),
        ({"program": program, "dirs": ["/tmp\0"]}, "dirs contains a NUL character"),
        ({"program": program, "cwd": 7}, "arguments.cwd"),
    ]


def test_launch_paths_are_checked_and_errors_say_what_is_wrong(tcp_server: TcpServer, fixtures) -> None:
    client, connection = tcp_server.connect()
    client.initialize({"adapterID": "wasmtime"})
    already_running = tcp_server.wasmtime_children()
    for arguments, expected in bad_configurations(str(fixtures["basics"])):
        reply = client.request("launch", arguments)
        assert not reply["success"] and expected in reply["message"], (arguments, reply.get("message"))
        assert tcp_server.wasmtime_children() == already_running
        figures.add("bad launch configurations refused")
    end_cleanly(client, connection)


# --- who can drive the server ---------------------------------------------------------------

NOT_DAP_LOG = "closing a connection that does not speak DAP"
INITIALIZE_BODY = json.dumps({"seq": 1, "type": "request", "command": "initialize", "arguments": {}})
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_TIMEOUT = 90.0  # seconds: a cold headless Chromium on a loaded 2-core machine


def test_a_dap_request_inside_http_is_refused_unanswered(tcp_server: TcpServer) -> None:
    """What a web page's fetch sends (issue 18): the request line and HTTP fields close the connection."""
    logged = tcp_server.stderr_text().count(NOT_DAP_LOG)
    request = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{tcp_server.port}\r\nOrigin: http://attacker.example\r\n"
        f"Content-Type: text/plain;charset=UTF-8\r\nContent-Length: {len(INITIALIZE_BODY)}\r\n\r\n{INITIALIZE_BODY}"
    )
    with socket.create_connection(("127.0.0.1", tcp_server.port), timeout=TIMEOUT) as connection:
        connection.sendall(request.encode())
        assert connection.recv(65536) == b"", "the server answered an HTTP request"
    said = tcp_server.stderr_text()
    assert said.count(NOT_DAP_LOG) == logged + 1 and "b'POST / HTTP/1.1'" in said, said


def test_an_http_client_gets_no_response(tcp_server: TcpServer) -> None:
    """Python's own HTTP client: the server closes the connection without a byte (RemoteDisconnected,
    where any answer at all would have been a BadStatusLine)."""
    connection = http.client.HTTPConnection("127.0.0.1", tcp_server.port, timeout=TIMEOUT)
    try:
        connection.request(
            "POST", "/", body=bytes(frame(INITIALIZE_BODY.encode())), headers={"Content-Type": "text/plain"}
        )
        with pytest.raises(http.client.RemoteDisconnected):
            connection.getresponse()
    finally:
        connection.close()


class ReportingPage(http.server.BaseHTTPRequestHandler):
    """Serves the attacking page, then takes its report of how its fetch ended."""

    page = b""
    reports: queue.Queue[str]

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(self.page)

    def do_POST(self) -> None:
        self.reports.put(self.rfile.read(int(self.headers["Content-Length"])).decode())
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


ATTACKING_PAGE = """<!doctype html><script>
const body = %(body)s;
fetch("http://127.0.0.1:%(port)d/", {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"},
                                    body: "Content-Length: " + body.length + "\\r\\n\\r\\n" + body})
  .then(response => "answered " + response.type, error => "failed " + error)
  .then(outcome => fetch("/report", {method: "POST", body: outcome}));
</script>"""


@pytest.mark.skipif(not CHROMIUM.is_file(), reason=f"no browser at {CHROMIUM}")
def test_a_web_page_cannot_reach_the_server(tmp_path: Path) -> None:
    """A page served on loopback, in headless Chromium, fetches the server with mode no-cors (no
    preflight needed): the server refuses it unanswered, and sends no DAP message at all."""
    log = tmp_path / "messages.jsonl"
    server = TcpServer(server_environment(log))
    reports: queue.Queue[str] = queue.Queue()
    page = ATTACKING_PAGE % {"body": json.dumps(INITIALIZE_BODY), "port": server.port}
    handler = type("Page", (ReportingPage,), {"page": page.encode(), "reports": reports})
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    browser_flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions"]
    browser = subprocess.Popen(
        [
            str(CHROMIUM),
            *browser_flags,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"http://127.0.0.1:{web.server_port}/",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        outcome = reports.get(timeout=BROWSER_TIMEOUT)
    finally:
        os.killpg(browser.pid, signal.SIGKILL)
        browser.wait()
        web.shutdown()
        web.server_close()
        said = server.stderr_text()
        server.close()
    assert outcome.startswith("failed"), outcome
    assert NOT_DAP_LOG in said and "b'POST / HTTP/1.1'" in said, said
    assert not log.exists() or log.read_text() == "", "the server sent a DAP message to the page"


def test_a_tcp_session_without_the_token_starts_nothing(tcp_server: TcpServer, fixtures) -> None:
    client, connection = tcp_server.connect()
    client.ok("initialize", {"adapterID": "wasmtime"})  # editors cannot add fields here: allowed
    already_running = tcp_server.wasmtime_children()
    refused = client.request("launch", {"program": str(fixtures["basics"])})
    assert not refused["success"] and "authToken" in refused["message"], refused
    client.wait_closed()  # and the session is over
    connection.close()
    assert tcp_server.wasmtime_children() == already_running


def test_a_wrong_token_ends_the_session(tcp_server: TcpServer) -> None:
    client, connection = tcp_server.connect()
    refused = client.request("initialize", {"adapterID": "wasmtime", "authToken": "guess"})
    assert not refused["success"] and "authToken" in refused["message"], refused
    client.wait_closed()
    connection.close()


def test_the_token_file_is_the_users_alone(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("stale, readable by all\n")
    token_file.chmod(0o644)
    server = TcpServer(server_environment(), ["--token-file", str(token_file)])
    try:
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        server.token = token_file.read_text().strip()
        assert server.token and server.token not in server.stderr_text()
        client, connection = server.connect()
        assert client.initialize({"adapterID": "wasmtime"})["supportsLogPoints"]
        connection.close()
    finally:
        server.close()


def test_a_token_chosen_by_the_launcher_is_neither_printed_nor_inherited(tmp_path: Path, fixtures) -> None:
    """An editor starting the server picks the token and passes it in the environment; the server
    does not print it, and Wasmtime (so the program) does not inherit it."""
    server = TcpServer({**server_environment(), TOKEN_VARIABLE: "chosen-by-the-editor"})
    try:
        client, connection = server.connect()
        launch(client, fixtures["basics"], stopOnEntry=True)
        client.event("stopped")
        (wasmtime,) = server.wasmtime_children()
        assert f"{TOKEN_VARIABLE}=".encode() not in Path(f"/proc/{wasmtime}/environ").read_bytes()
        end_cleanly(client, connection)
        assert server.process.stdout is not None
        server.process.terminate()
        assert "chosen-by-the-editor" not in server.process.stdout.read()
    finally:
        server.close()


def test_no_token_lets_any_client_launch(tmp_path: Path) -> None:
    server = TcpServer(server_environment(), ["--no-token"])
    try:
        client, connection = server.connect()
        client.ok("initialize", {"adapterID": "wasmtime"})
        reply = client.request("launch", {"program": str(tmp_path / "missing.wasm")})
        assert not reply["success"] and "program not found" in reply["message"], reply  # past the gate
        connection.close()
    finally:
        server.close()


# --- what a session can read ----------------------------------------------------------------


def test_source_serves_only_what_the_session_announced(stopped_client) -> None:
    client, _ = stopped_client
    announced = {source["path"] for source in client.ok("loadedSources")["sources"]}
    assert str(FIXTURES / "basics.c") in announced
    assert (
        "square"
        in client.ok("source", {"source": {"path": str(FIXTURES / "basics.c")}, "sourceReference": 0})["content"]
    )
    for path in ["/etc/passwd", str(FIXTURES / "traps.c"), str(FIXTURES / "basics.c") + ".missing"]:
        reply = client.request("source", {"source": {"path": path}, "sourceReference": 0})
        assert not reply["success"] and "not a source of this program" in reply["message"], (path, reply)
        assert "content" not in reply.get("body", {})
