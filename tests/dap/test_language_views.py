"""Language views through the server: what a DAP client's variables and watch panes show for
C++ strings and static members and for Rust trait objects, on the compiled fixtures."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLE_SOURCES, line_of, require_built
from tests.dap.client import DapClient
from tests.dap.session_helpers import (
    FIXTURE_SOURCES,
    evaluate,
    launch_to_breakpoint,
    scope_reference,
    top_frame,
    variables,
)

LANG = FIXTURE_SOURCES / "lang"


def test_cpp_strings_and_static_members(client: DapClient, fixtures, markers) -> None:
    line = markers("lang/cpp_values.cpp")["cpp_main"]
    launch_to_breakpoint(client, fixtures["cpp_values"], LANG / "cpp_values.cpp", [line])
    frame = top_frame(client)
    found = variables(client, scope_reference(client, frame["id"], "Locals"))
    assert found["short_text"]["value"] == '"lion"'
    assert found["long_text"]["value"] == '"a pride of lions, \\"Leo\\" and\\tfriends"'
    assert found["wide_text"]["value"] == 'L"Löwe"'
    assert found["names"]["value"] == '(2) {"Leo", "Nala"}'

    lion = variables(client, found["lion"]["variablesReference"])
    animal = variables(client, lion["zoo::Animal"]["variablesReference"])
    static = animal["static population"]
    assert static["value"] == "1"
    watched = evaluate(client, static["evaluateName"], frame["id"])  # what "Add to Watch" sends
    assert watched["success"] and watched["body"]["result"] == "1"


def test_rust_trait_object_shows_the_value_behind_it(client: DapClient, fixtures, markers) -> None:
    line = markers("lang/rust_values.rs")["inspect"]
    launch_to_breakpoint(client, require_built(fixtures, "rust_values"), LANG / "rust_values.rs", [line])
    frame = top_frame(client)
    arguments = variables(client, scope_reference(client, frame["id"], "Arguments"))
    shape = arguments["shape"]
    assert shape["type"] == "&dyn rust_values::Describe" and shape["value"] == "Point { x: 1, y: 2 }"
    assert {name: child["value"] for name, child in variables(client, shape["variablesReference"]).items()} == {
        "x": "1",
        "y": "2",
    }


def test_a_rust_line_that_owns_dead_code_stops_there_once_through_dap(client: DapClient, examples) -> None:
    """The `match` line of the Rust example owns an `unreachable` after main's `return`: the client
    sees one stop, on that line, for the breakpoint it set, and then the program's end."""
    source = EXAMPLE_SOURCES["library"]
    line = line_of("library", 'match find_by_author(&books, "Sagan")')
    stopped = launch_to_breakpoint(client, require_built(examples, "library"), source, [line])
    assert stopped["body"]["reason"] == "breakpoint" and stopped["body"]["hitBreakpointIds"]
    assert top_frame(client)["line"] == line
    client.ok("continue", {"threadId": 1})
    assert client.event("exited")["body"]["exitCode"] == 0


def test_a_user_formatter_from_the_launch_configuration_shows_the_programs_own_types(
    client: DapClient, fixtures, markers, tmp_path
) -> None:
    """docs/formatters.md's example: `formatters` names a Python file whose views the Variables
    pane, paging and expressions use."""
    line = markers("lang/user_views.c")["user_views"]
    formatters = LANG / "user_views_formatters.py"
    launch_to_breakpoint(client, fixtures["user_views"], LANG / "user_views.c", [line], formatters=[str(formatters)])
    frame = top_frame(client)
    found = variables(client, scope_reference(client, frame["id"], "Locals"))
    primes, price = found["primes"], found["price"]
    assert primes["value"] == "(30) {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, ...}" and primes["indexedVariables"] == 30
    assert price["value"] == "19.99 EUR"
    page = client.ok("variables", {"variablesReference": primes["variablesReference"], "start": 28, "count": 5})
    shown = [(item["name"], item["value"], item["evaluateName"]) for item in page["variables"]]
    assert shown == [("[28]", "109", "primes.items[28]"), ("[29]", "113", "primes.items[29]")]
    for expression, value in (("primes.items[29]", "113"), ("primes[29]", "113"), ("primes.size()", "30")):
        reply = evaluate(client, expression, frame["id"])
        assert reply["success"] and reply["body"]["result"] == value, (expression, reply)


def test_a_formatters_file_that_fails_to_load_fails_the_launch_with_why(client: DapClient, fixtures, tmp_path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("def register(formatters):\n    formatters.add('(', None)\n")
    missing = client.request("launch", {"program": str(fixtures["user_views"]), "formatters": ["nowhere.py"]})
    assert not missing["success"] and "formatters file not found" in missing["message"]  # checked before starting
    reply = client.request("launch", {"program": str(fixtures["user_views"]), "formatters": [str(broken)]})
    assert not reply["success"] and "broken.py: register failed: error" in reply["message"]


def test_rust_containers_page_and_their_children_evaluate_through_the_server(client: DapClient, fixtures, markers):
    if "rust_std" not in fixtures:
        pytest.skip("rustc with the wasm32-wasi standard library is not installed")
    line = markers("lang/rust_std.rs")["views"]
    launch_to_breakpoint(client, fixtures["rust_std"], LANG / "rust_std.rs", [line])
    frame = top_frame(client)
    found = variables(client, scope_reference(client, frame["id"], "Locals"))
    tree = found["tree"]
    assert tree["indexedVariables"] == 20
    page = client.ok("variables", {"variablesReference": tree["variablesReference"], "start": 18, "count": 2})
    assert [(item["name"], item["evaluateName"]) for item in page["variables"]] == [
        ("[180]", "tree[180]"),
        ("[190]", "tree[190]"),
    ]
    orders = variables(client, found["orders"]["variablesReference"], filter="indexed")
    first = variables(client, orders["[0]"]["variablesReference"])
    skus = variables(client, first["skus"]["variablesReference"], filter="indexed")
    for child in (orders["[0]"], first["skus"], skus["[1]"], page["variables"][1]):  # what Add to Watch sends
        reply = evaluate(client, child["evaluateName"], frame["id"])
        assert reply["success"] and reply["body"]["result"] == child["value"], child
