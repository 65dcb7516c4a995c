"""Fuzzing the DAP server over a real TCP connection: it answers, never dies, never leaks.

After every fuzzed message a probe request (with a seq the fuzzer never uses) must be
answered: requests are handled in order, so any answer to the fuzzed message comes
first, and a request with a usable seq must have had one. Framing errors are only
generated in self-delimiting forms (a body shorter than its Content-Length would, by
the protocol's nature, swallow the next message).
"""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.dap.client import DapClient, frame
from tests.reliability import figures
from tests.reliability.servers import TcpServer, launch

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NOT_DAP_LOG = "closing a connection that does not speak DAP"
PROBE_SEQ = 10**9  # probes count up from here; fuzzed seqs stay below
ANSWER_TIMEOUT = 20.0
EXAMPLES = 80  # per test in the default run; -m slow runs SOAK_FACTOR times as many
SOAK_FACTOR = 20

COMMANDS = [
    "initialize", "launch", "attach", "setBreakpoints", "setFunctionBreakpoints", "setExceptionBreakpoints",
    "setInstructionBreakpoints", "breakpointLocations", "configurationDone", "threads", "stackTrace", "scopes",
    "variables", "setVariable", "setExpression", "evaluate", "completions", "exceptionInfo", "source", "modules",
    "loadedSources", "readMemory", "writeMemory", "disassemble", "cancel", "stepBack", "goto", "terminateThreads",
]  # fmt: skip
# Never fuzzed: they end or move the session (disconnect, terminate, restart, continue and steps, pause).

json_scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)
# Never 0: the server echoes a seq of 0, which the schema's minimum of 1 forbids (tests/dap covers it).
fuzzed_seqs = (st.integers(-5, 2**70) | json_scalars).filter(
    lambda seq: seq != 0 and not (type(seq) is int and PROBE_SEQ <= seq < 2 * PROBE_SEQ)
)
ARGUMENT_KEYS = [
    "threadId", "frameId", "variablesReference", "expression", "memoryReference", "count", "offset",
    "instructionCount", "instructionOffset", "source", "breakpoints", "lines", "line", "column", "filters",
    "name", "value", "text", "start", "levels", "startFrame", "format", "context", "data", "requestId",
    "program", "args", "cwd", "port",
]  # fmt: skip
arguments = st.dictionaries(st.sampled_from(ARGUMENT_KEYS) | st.text(max_size=10), json_values, max_size=6)
NUMERIC_KEYS = [
    "threadId", "frameId", "variablesReference", "count", "offset", "instructionCount", "instructionOffset",
    "start", "levels", "startFrame", "startModule", "moduleCount",
]  # fmt: skip
huge_integers = st.sampled_from([2**31 - 1, 2**31, 2**32, 2**53 + 1, 2**63 - 1, 2**64, -(2**63), 10**30])


def request_messages() -> st.SearchStrategy[dict[str, Any]]:
    well_formed = st.fixed_dictionaries(
        {"seq": st.integers(1, PROBE_SEQ - 1), "type": st.just("request"), "command": st.sampled_from(COMMANDS)},
        optional={"arguments": arguments},
    )
    odd_envelope = st.fixed_dictionaries(
        {},
        optional={
            "seq": fuzzed_seqs,
            "type": st.sampled_from(["request", "response", "event", "Request", ""]) | json_scalars,
            "command": st.sampled_from(COMMANDS) | json_values,
            "arguments": json_values,
            "request_seq": json_values,
            "success": json_values,
            "unknownField": json_values,
        },
    )
    extreme = st.fixed_dictionaries(
        {
            "seq": st.integers(1, PROBE_SEQ - 1),
            "type": st.just("request"),
            "command": st.sampled_from(["stackTrace", "variables", "readMemory", "disassemble", "modules", "scopes"]),
            "arguments": st.fixed_dictionaries(
                {},
                optional={key: huge_integers for key in NUMERIC_KEYS}
                | {"memoryReference": st.sampled_from(["0x0", "0xffffffff", "-1", "1e9", "0x" + "f" * 40, ""])},
            ),
        }
    )
    return well_formed | odd_envelope | extreme


def unreadable_bodies() -> st.SearchStrategy[bytes]:
    """Well-framed messages whose body is not a request: answered, and the session goes on."""
    bodies = st.binary(max_size=200) | st.text(max_size=100).map(str.encode)
    return st.one_of(
        bodies.map(frame),  # bytes that are not JSON
        st.sampled_from([b"content-length:2\r\n\r\n{}", b"Content-Length: 2\r\nContent-Type: x\r\n\r\n[]"]),
        json_values.map(lambda value: frame(json.dumps(value).encode())),
    )


INITIALIZE_BODY = json.dumps({"seq": 1, "type": "request", "command": "initialize", "arguments": {}}).encode()
INITIALIZE = frame(INITIALIZE_BODY)
DAP_FIELDS = {"content-length", "content-type"}
field_names = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,20}", fullmatch=True).filter(lambda n: n.lower() not in DAP_FIELDS)
field_values = st.from_regex(r"[ -~]{0,40}", fullmatch=True)


@st.composite
def http_requests(draw) -> bytes:
    """What a browser or any HTTP client sends: a request line, then fields, a DAP body."""
    method = draw(st.sampled_from(["POST", "GET", "PUT", "OPTIONS"]))
    fields = [("Host", "127.0.0.1"), *draw(st.lists(st.tuples(field_names, field_values), max_size=4))]
    fields.append(("Content-Length", str(len(INITIALIZE_BODY))))
    header = "".join(f"{name}: {value}\r\n" for name, value in draw(st.permutations(fields)))
    return f"{method} / HTTP/1.1\r\n{header}\r\n".encode() + INITIALIZE_BODY


@st.composite
def extra_fields(draw) -> bytes:
    """A DAP header with one more field, anywhere."""
    lines = [b"Content-Length: 2", f"{draw(field_names)}: {draw(field_values)}".encode()]
    return b"\r\n".join(draw(st.permutations(lines))) + b"\r\n\r\n{}"


def foreign_headers() -> st.SearchStrategy[bytes]:
    """Header blocks that are not DAP's: the connection is closed unanswered."""
    return st.one_of(
        st.sampled_from([b"Content-Length: -1\r\n\r\n", b"Content-Length: x\r\n\r\n", b"Content-Type: a\r\n\r\n"]),
        st.sampled_from([b"Content-Length: 99999999999\r\n\r\n", b"Content-Length: 67108865\r\n\r\n"]),
        st.sampled_from([b"\r\n\r\n", b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"]),
        st.just(b"X" * 20_000 + b"\r\n\r\n"),  # a header with no end within the limit
        http_requests(),
        extra_fields(),
    )


class Prober:
    """Sends fuzzed bytes to one session and checks, with a probe, that it still answers."""

    def __init__(self, client: DapClient) -> None:
        self.client = client
        self._next_probe = PROBE_SEQ

    def with_token(self, message: Any) -> Any:
        """``message`` showing the server's token if it may start something: the fuzz is about
        what an admitted client can send (a session without the token ends at launch)."""
        starts = isinstance(message, dict) and message.get("command") in ("initialize", "launch", "attach")
        if starts and isinstance(message.get("arguments"), dict):
            return {**message, "arguments": {**message["arguments"], "authToken": self.client.token}}
        return message

    def send(self, data: bytes, answer_expected_for: int | None = None) -> None:
        self.client.send_raw(data)
        self._next_probe += 1
        probe = self._next_probe
        self.client.send_raw(frame({"seq": probe, "type": "request", "command": "threads"}))
        answer = self.client.response(probe, timeout=ANSWER_TIMEOUT)
        assert answer["command"] == "threads"
        if answer_expected_for is not None:
            reply = self.client.responses.pop(answer_expected_for, None)
            assert reply is not None, f"no response to request {answer_expected_for}"
            assert reply["success"] or reply.get("message"), reply
        self.client.responses.clear()
        self.client.events.clear()


def answerable_seq(message: Any) -> int | None:
    """The seq a response must echo, for a message the server can read as a request."""
    if not isinstance(message, dict) or message.get("type") != "request":
        return None
    seq = message.get("seq")
    if type(seq) is not int or not 0 <= seq < PROBE_SEQ or not isinstance(message.get("command"), str):
        return None
    return seq


@pytest.fixture(scope="module")
def fresh_session(tcp_server: TcpServer) -> Iterator[Prober]:
    """A connection that has not initialized: the server sees the fuzz in its first state."""
    before = tcp_server.footprint()
    client, connection = tcp_server.connect()
    yield Prober(client)
    connection.shutdown(socket.SHUT_RDWR)
    connection.close()
    after = tcp_server.footprint()
    assert after.descendants == frozenset() and after.listeners == before.listeners


@pytest.fixture(scope="module")
def stopped_session(tcp_server: TcpServer, fixtures, markers) -> Iterator[Prober]:
    """A connection whose program is stopped at a breakpoint in basics.c's square()."""
    client, connection = tcp_server.connect()
    launch(client, fixtures["basics"], breakpoints={FIXTURES / "basics.c": [markers("basics.c")["square_body"]]})
    client.event("stopped")
    top = client.ok("stackTrace", {"threadId": 1})["stackFrames"][0]
    yield Prober(client)
    # After all the fuzz the program is where it was, and it still runs to its end.
    assert client.ok("stackTrace", {"threadId": 1})["stackFrames"][0]["line"] == top["line"]
    client.ok("disconnect", {"terminateDebuggee": True})
    client.wait_closed()
    connection.close()
    assert tcp_server.footprint().descendants == frozenset()


def fuzz_requests(prober: Prober, message: dict[str, Any]) -> None:
    message = prober.with_token(message)
    prober.send(frame(json.dumps(message).encode()), answer_expected_for=answerable_seq(message))
    figures.add("DAP messages fuzzed")


def fuzz_framing(prober: Prober, data: bytes) -> None:
    prober.send(data)
    figures.add("DAP messages fuzzed")


SCALES = [pytest.param(1, id="fast"), pytest.param(SOAK_FACTOR, marks=pytest.mark.slow, id="soak")]


def run(body, prober: Prober, strategy, examples: int) -> None:
    @settings(max_examples=examples, deadline=None, database=None)
    @given(strategy)
    def fuzz(value) -> None:
        body(prober, value)

    fuzz()


@pytest.mark.parametrize("scale", SCALES)
def test_unreadable_bodies_before_initialize(fresh_session, scale) -> None:
    run(fuzz_framing, fresh_session, unreadable_bodies(), EXAMPLES * scale)


@pytest.mark.parametrize("scale", SCALES)
def test_foreign_headers_close_the_connection_unanswered(tcp_server: TcpServer, scale) -> None:
    """Each on a new connection, followed by an initialize request: not one byte comes back,
    the server says why on stderr, and goes on serving others."""

    def refused(server: TcpServer, data: bytes) -> None:
        logged = server.stderr_text().count(NOT_DAP_LOG)
        with socket.create_connection(("127.0.0.1", server.port), timeout=ANSWER_TIMEOUT) as connection:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # closed before all was sent
                connection.sendall(data + INITIALIZE)
            assert receive_all(connection) == b""
        assert server.stderr_text().count(NOT_DAP_LOG) == logged + 1
        figures.add("foreign header blocks refused")

    run(refused, tcp_server, foreign_headers(), EXAMPLES * scale)
    client, connection = tcp_server.connect()
    assert client.initialize({"adapterID": "wasmtime"})["supportsLogPoints"]
    connection.close()


def receive_all(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    try:
        while data := connection.recv(65536):
            received += data
    except ConnectionResetError:  # closed with our bytes unread: nothing more was coming
        pass
    return received


@pytest.mark.parametrize("scale", SCALES)
def test_requests_before_launch(fresh_session, scale) -> None:
    run(fuzz_requests, fresh_session, request_messages(), EXAMPLES * scale)


@pytest.mark.parametrize("scale", SCALES)
def test_requests_while_stopped(stopped_session, scale) -> None:
    run(fuzz_requests, stopped_session, request_messages(), EXAMPLES * scale)


def test_huge_message_is_answered(stopped_session) -> None:
    """A 4 MB expression: refused promptly, the session goes on."""
    fuzz_requests(
        stopped_session,
        {"seq": 7, "type": "request", "command": "evaluate", "arguments": {"expression": "x+" * 2_000_000 + "x"}},
    )
