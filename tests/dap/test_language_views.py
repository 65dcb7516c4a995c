"""Language views through the server: what a DAP client's variables and watch panes show for
C++ strings and static members and for Rust trait objects, on the compiled fixtures."""

from __future__ import annotations

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
    assert shape["type"] == "&dyn rust_values::Describe" and shape["value"] == "{x=1, y=2}"
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
