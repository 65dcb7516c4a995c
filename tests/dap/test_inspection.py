"""Looking at and changing a stopped program through the server: variables, expressions,
memory, disassembly, modules and sources. One launch of types.c, stopped in main once
everything is initialised, serves the whole module (the tests run in file order; each
changes only values no other test reads)."""

from __future__ import annotations

import base64
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from dap_server.transport import MESSAGE_LOG_VARIABLE
from tests.dap.client import DapClient, StdioServer
from tests.dap.schema import REPO, check_message_log
from tests.dap.session_helpers import (
    FIXTURE_SOURCES,
    evaluate,
    launch_to_breakpoint,
    scope_reference,
    set_breakpoints,
    stack,
    variables,
)

TYPES_SOURCE = FIXTURE_SOURCES / "types.c"
WASM_PAGE = 65536


@dataclass
class Stopped:
    client: DapClient
    frame: dict  # main's frame, stopped at all_initialised

    def locals(self) -> dict[str, dict]:
        """main's locals by name (fetched again: a write may void earlier references)."""
        return variables(self.client, scope_reference(self.client, self.frame["id"], "Locals"))


@pytest.fixture(scope="module")
def stopped(tmp_path_factory, fixtures, markers) -> Iterator[Stopped]:
    log = tmp_path_factory.mktemp("inspection") / "server-messages.jsonl"
    server = StdioServer({**os.environ, MESSAGE_LOG_VARIABLE: str(log), "PYTHONPATH": str(REPO)})
    client = server.client
    client.ok(
        "initialize",
        {
            "adapterID": "wasmtime",
            "clientID": "pytest",
            "supportsInvalidatedEvent": True,
            "supportsMemoryEvent": True,
        },
    )
    line = markers("types.c")["all_initialised"]
    launch_to_breakpoint(client, fixtures["types"], TYPES_SOURCE, [line])
    frame = stack(client)[0]
    yield Stopped(client, frame)
    client.ok("disconnect", {})
    assert server.close() == 0
    assert not client.schema_failures, client.schema_failures
    assert check_message_log(log) > 0


def test_set_variable_on_a_local_and_a_struct_member(stopped: Stopped) -> None:
    client, frame = stopped.client, stopped.frame
    locals_reference = scope_reference(client, frame["id"], "Locals")
    changed = client.ok(
        "setVariable",
        {"variablesReference": locals_reference, "name": "small", "value": "-99"},
    )
    assert changed["value"] == "-99" and changed["type"] == "short"
    assert variables(client, locals_reference)["small"]["value"] == "-99"

    point = variables(client, locals_reference)["p"]
    member = client.ok(
        "setVariable",
        {"variablesReference": point["variablesReference"], "name": "x", "value": "77"},
    )
    assert member["value"] == "77"
    assert evaluate(client, "p.x", frame["id"])["body"]["result"] == "77"
    in_hex = client.request(
        "setVariable",
        {
            "variablesReference": point["variablesReference"],
            "name": "x",
            "value": "78",
            "format": {"hex": True},
        },
    )
    assert in_hex["body"]["value"] == "0x4e"


def test_set_variable_refuses_what_cannot_be_written(stopped: Stopped) -> None:
    client, frame = stopped.client, stopped.frame
    locals_reference = scope_reference(client, frame["id"], "Locals")
    unknown = client.request(
        "setVariable",
        {"variablesReference": locals_reference, "name": "nope", "value": "1"},
    )
    assert not unknown["success"] and "nope" in unknown["message"]
    not_a_number = client.request(
        "setVariable",
        {"variablesReference": locals_reference, "name": "small", "value": "twelve"},
    )
    assert not not_a_number["success"] and "twelve" in not_a_number["message"]

    wasm_locals = scope_reference(client, frame["id"], "Wasm Locals")
    first = next(iter(variables(client, wasm_locals).values()))
    refused = client.request(
        "setVariable",
        {"variablesReference": wasm_locals, "name": first["name"], "value": "1"},
    )
    assert not refused["success"] and "cannot change a Wasm local" in refused["message"], refused["message"]
    assert variables(client, wasm_locals)[first["name"]]["value"] == first["value"]


def test_set_expression(stopped: Stopped) -> None:
    client, frame = stopped.client, stopped.frame
    point_reference = stopped.locals()["p"]["variablesReference"]
    changed = client.ok("setExpression", {"expression": "p.y", "value": "12", "frameId": frame["id"]})
    assert changed["value"] == "12"
    assert client.event("invalidated")["body"]["areas"] == ["variables"]
    voided = client.request("variables", {"variablesReference": point_reference})
    assert not voided["success"] and "no longer valid" in voided["message"]
    assert variables(client, stopped.locals()["p"]["variablesReference"])["y"]["value"] == "12"
    assert evaluate(client, "p.y", frame["id"])["body"]["result"] == "12"
    array_element = client.ok(
        "setExpression",
        {"expression": "numbers[3]", "value": "p.y * 2", "frameId": frame["id"]},
    )
    assert array_element["value"] == "24"
    refused = client.request("setExpression", {"expression": "p.y + 1", "value": "3", "frameId": frame["id"]})
    assert not refused["success"] and refused["message"]


def test_evaluate_assigns_only_in_the_console(stopped: Stopped) -> None:
    client, frame_id = stopped.client, stopped.frame["id"]
    assigned = evaluate(client, "big = 7", frame_id, "repl")
    assert assigned["success"] and assigned["body"]["result"] == "7"
    for context in ("watch", "hover"):
        refused = evaluate(client, "big = 8", frame_id, context)
        assert not refused["success"] and "assignment" in refused["message"]
    assert evaluate(client, "big", frame_id, "hover")["body"]["result"] == "7"  # nothing was changed
    clipboard = evaluate(client, "global_table", frame_id, "clipboard")["body"]
    assert clipboard["result"] == "{1, 1, 2, 3, 5}"
    assert clipboard["indexedVariables"] == 5


def test_hex_display_by_suffix_and_by_format(stopped: Stopped) -> None:
    client, frame_id = stopped.client, stopped.frame["id"]
    assert evaluate(client, "global_counter,x", frame_id)["body"]["result"] == "0x2a"
    assert evaluate(client, "global_counter", frame_id, format={"hex": True})["body"]["result"] == "0x2a"
    assert evaluate(client, "global_counter", frame_id)["body"]["result"] == "42"
    table = evaluate(client, "global_table", frame_id)["body"]
    in_hex = variables(client, table["variablesReference"], format={"hex": True})
    assert in_hex["[4]"]["value"] == "0x5"


def test_variables_paging_over_an_array(stopped: Stopped) -> None:
    client = stopped.client
    numbers = stopped.locals()["numbers"]
    assert numbers["indexedVariables"] == 4
    page = client.ok(
        "variables",
        {"variablesReference": numbers["variablesReference"], "start": 1, "count": 2},
    )
    assert [(v["name"], v["value"]) for v in page["variables"]] == [
        ("[1]", "20"),
        ("[2]", "30"),
    ]
    assert page["variables"][0]["evaluateName"] == "numbers[1]"
    rest = client.ok("variables", {"variablesReference": numbers["variablesReference"], "start": 2})
    assert [v["name"] for v in rest["variables"]] == ["[2]", "[3]"]


def test_completions_offer_locals(stopped: Stopped) -> None:
    client, frame_id = stopped.client, stopped.frame["id"]
    labels = [
        t["label"] for t in client.ok("completions", {"text": "tri", "column": 4, "frameId": frame_id})["targets"]
    ]
    assert "triangle" in labels
    members = client.ok("completions", {"text": "p.", "column": 3, "frameId": frame_id})["targets"]
    assert {"x", "y"} <= {t["label"] for t in members}


def test_read_and_write_memory_behind_a_variable(stopped: Stopped) -> None:
    client, frame_id = stopped.client, stopped.frame["id"]
    table = evaluate(client, "global_table", frame_id)["body"]
    read = client.ok("readMemory", {"memoryReference": table["memoryReference"], "count": 20})
    assert struct.unpack("<5i", base64.b64decode(read["data"])) == (1, 1, 2, 3, 5)
    written = client.ok(
        "writeMemory",
        {
            "memoryReference": table["memoryReference"],
            "offset": 8,
            "data": base64.b64encode(struct.pack("<i", 9)).decode(),
        },
    )
    assert written["bytesWritten"] == 4
    changed = client.event("memory")["body"]
    assert changed == {
        "memoryReference": table["memoryReference"],
        "offset": 8,
        "count": 4,
    }
    assert evaluate(client, "global_table[2]", frame_id)["body"]["result"] == "9"
    with_offset = client.ok(
        "readMemory",
        {"memoryReference": table["memoryReference"], "offset": 8, "count": 4},
    )
    assert base64.b64decode(with_offset["data"]) == struct.pack("<i", 9)
    bad = client.request(
        "writeMemory",
        {"memoryReference": table["memoryReference"], "data": "not base64!"},
    )
    assert not bad["success"] and "base64" in bad["message"]


def test_reading_past_the_end_of_memory_reports_unreadable_bytes(
    stopped: Stopped,
) -> None:
    client = stopped.client
    start, count = (
        0x1000000,
        0x40000,
    )  # from the data after the stack into the unmapped space above
    read = client.ok("readMemory", {"memoryReference": hex(start), "count": count})
    readable = len(base64.b64decode(read["data"]))
    assert readable > 0 and read["unreadableBytes"] == count - readable
    assert (start + readable) % WASM_PAGE == 0  # memory ends at a page boundary
    beyond = client.ok("readMemory", {"memoryReference": "0xfffffff0", "count": 32})
    assert beyond["unreadableBytes"] == 32 and base64.b64decode(beyond["data"]) == b""
    not_a_reference = client.request("readMemory", {"memoryReference": "somewhere", "count": 4})
    assert not not_a_reference["success"] and "somewhere" in not_a_reference["message"]


def test_disassemble_around_the_pc_with_source_lines(stopped: Stopped) -> None:
    client, frame = stopped.client, stopped.frame
    pc = frame["instructionPointerReference"]
    around = client.ok(
        "disassemble",
        {
            "memoryReference": pc,
            "instructionOffset": -3,
            "instructionCount": 7,
            "resolveSymbols": True,
        },
    )["instructions"]
    assert len(around) == 7 and around[3]["address"] == pc
    addresses = [int(row["address"], 16) for row in around]
    assert addresses == sorted(addresses) and len(set(addresses)) == 7
    assert around[3]["line"] == frame["line"] and around[3]["location"]["path"] == str(TYPES_SOURCE)
    assert all(row["symbol"] == around[3]["symbol"] for row in around)
    ahead = client.ok(
        "disassemble",
        {"memoryReference": pc, "instructionOffset": 2, "instructionCount": 2},
    )
    assert [row["address"] for row in ahead["instructions"]] == [
        around[5]["address"],
        around[6]["address"],
    ]
    by_offset = client.ok("disassemble", {"memoryReference": around[0]["address"], "instructionCount": 1})
    assert by_offset["instructions"][0]["instruction"] == around[0]["instruction"]


def test_modules_loaded_sources_and_source_requests(stopped: Stopped) -> None:
    client = stopped.client
    modules = client.ok("modules", {})
    assert modules["totalModules"] == 1
    (module,) = modules["modules"]
    assert module["name"] == "types.wasm" and module["symbolStatus"].startswith("DWARF")
    assert module["id"] == stopped.frame["moduleId"]
    sources = [source["path"] for source in client.ok("loadedSources")["sources"]]
    assert str(TYPES_SOURCE) in sources

    on_disk = client.ok("source", {"source": {"path": str(TYPES_SOURCE)}, "sourceReference": 0})
    assert "struct shape" in on_disk["content"]
    missing = client.request("source", {"source": {"path": "/build/elsewhere/gone.c"}, "sourceReference": 0})
    assert not missing["success"] and "/build/elsewhere/gone.c" in missing["message"]
    unknown = client.request("source", {"sourceReference": 4242})
    assert not unknown["success"] and "4242" in unknown["message"]


def test_breakpoint_locations(stopped: Stopped, markers) -> None:
    client = stopped.client
    line = markers("types.c")["walk_body"]
    found = client.ok(
        "breakpointLocations",
        {"source": {"path": str(TYPES_SOURCE)}, "line": line - 2, "endLine": line},
    )
    lines = [location["line"] for location in found["breakpoints"]]
    assert line in lines and all(line - 2 <= number <= line for number in lines)
    assert all(location["column"] >= 1 for location in found["breakpoints"])
    comment = client.ok("breakpointLocations", {"source": {"path": str(TYPES_SOURCE)}, "line": 1})
    assert comment["breakpoints"] == []
    elsewhere = client.ok("breakpointLocations", {"source": {"path": "/nowhere/else.c"}, "line": 3})
    assert elsewhere["breakpoints"] == []


def test_stack_trace_paging(stopped: Stopped) -> None:
    client = stopped.client
    whole = client.ok("stackTrace", {"threadId": 1})
    assert whole["totalFrames"] == len(whole["stackFrames"]) >= 2
    second = client.ok("stackTrace", {"threadId": 1, "startFrame": 1, "levels": 1})
    assert second["stackFrames"] == whole["stackFrames"][1:2] and second["totalFrames"] == whole["totalFrames"]
    past_the_end = client.ok("stackTrace", {"threadId": 1, "startFrame": 50, "levels": 5})
    assert past_the_end["stackFrames"] == []


def test_requests_that_do_not_fit_this_stop(stopped: Stopped) -> None:
    client = stopped.client
    no_exception = client.request("exceptionInfo", {"threadId": 1})
    assert not no_exception["success"] and "not stopped on an exception" in no_exception["message"]
    wrong_thread = client.request("stackTrace", {"threadId": 7})
    assert not wrong_thread["success"] and "unknown thread 7" in wrong_thread["message"]
    unknown_frame = client.request("scopes", {"frameId": 9999})
    assert not unknown_frame["success"] and "unknown frame id 9999" in unknown_frame["message"]


def test_references_go_stale_after_a_step(stopped: Stopped, markers) -> None:
    """Last: it moves the program on."""
    client, frame = stopped.client, stopped.frame
    numbers_reference = stopped.locals()["numbers"]["variablesReference"]
    client.ok("next", {"threadId": 1})
    assert client.event("stopped")["body"]["reason"] == "step"
    for command, arguments in [
        ("scopes", {"frameId": frame["id"]}),
        ("variables", {"variablesReference": numbers_reference}),
        (
            "setVariable",
            {"variablesReference": numbers_reference, "name": "[0]", "value": "1"},
        ),
        ("evaluate", {"expression": "numbers", "frameId": frame["id"]}),
    ]:
        reply = client.request(command, arguments)
        assert not reply["success"] and "no longer valid" in reply["message"], (
            command,
            reply,
        )
    now = stack(client)[0]
    assert now["line"] == markers("types.c")["all_initialised"] + 1
    assert set_breakpoints(client, TYPES_SOURCE, []) == []


def test_a_bad_expression_is_a_plain_error_not_a_server_failure(stopped: Stopped) -> None:
    refused = evaluate(stopped.client, "1 +", stack(stopped.client)[0]["id"], "repl")
    assert not refused["success"]
    assert refused["message"].startswith("expected") and "failed" not in refused["message"], refused["message"]
