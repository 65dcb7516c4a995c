"""Components, precompiled and stale programs through the DAP server: modules, loadedSources, frames."""

from __future__ import annotations

from tests.components.build_components import SOURCES
from tests.components.test_components import plain_exit_code
from tests.components.test_precompiled import FOR_DEBUGGING, precompile
from tests.components.test_stale import private_build, touch_later
from tests.dap.client import DapClient
from tests.dap.test_debugging import launch_to_breakpoint, locals_of

GREET = SOURCES / "greet.c"
SCALE = SOURCES / "scale.c"


def modules_by_name(client: DapClient) -> dict[str, dict]:
    body = client.ok("modules", {})
    assert body["totalModules"] == len(body["modules"])
    return {module["name"]: module for module in body["modules"]}


def console_text(client: DapClient) -> str:
    return "".join(
        e["body"]["output"] for e in client.events if e["event"] == "output" and e["body"].get("category") == "console"
    )


def test_component_modules_sources_breakpoint_and_exit_code(client: DapClient, components, source_markers):
    lines = source_markers("greet.c")
    program = components["greet.component"]
    stopped = launch_to_breakpoint(client, program, GREET, [lines["weigh_loop"]], args=["abc"])
    assert stopped["body"]["reason"] == "breakpoint"

    modules = modules_by_name(client)
    main = modules["greet.component.wasm#main"]
    assert main["symbolStatus"] == "DWARF"
    assert modules["greet.component.wasm#wit-component:adapter:wasi_snapshot_preview1"]["symbolStatus"] != "DWARF"
    announced = {e["body"]["module"]["name"] for e in client.events if e["event"] == "module"}
    assert announced == set(modules)
    sources = {source["path"] for source in client.ok("loadedSources")["sources"]}
    assert str(GREET) in sources

    frame = client.ok("stackTrace", {"threadId": 1})["stackFrames"][0]
    assert (frame["name"].split("(")[0], frame["line"], frame["moduleId"]) == ("weigh", lines["weigh_loop"], main["id"])
    assert locals_of(client, frame["id"])["weight"] == "0"

    client.ok("setBreakpoints", {"source": {"path": str(GREET)}, "breakpoints": []})
    client.ok("continue", {"threadId": 1})
    assert client.event("exited")["body"]["exitCode"] == plain_exit_code(program, "abc")


def test_frames_name_the_module_of_each_instance_call(client: DapClient, components, source_markers):
    line = source_markers("scale.c")["scale_return"]
    launch_to_breakpoint(client, components["twice.component"], SCALE, [line])
    modules = modules_by_name(client)
    scale, twice = modules["twice.component.wasm#scale"], modules["twice.component.wasm#twice"]
    results = []
    for _ in range(3):
        frames = client.ok("stackTrace", {"threadId": 1})["stackFrames"]
        assert [f["moduleId"] for f in frames] == [scale["id"], twice["id"]]
        assert frames[1]["source"]["path"] == str(SOURCES / "twice.c")
        results.append(locals_of(client, frames[0]["id"])["result"])
        client.ok("continue", {"threadId": 1})
        if len(results) < 3:
            assert client.event("stopped")["body"]["reason"] == "breakpoint"
    assert results == ["21", "31", "42"]
    assert client.event("exited")["body"]["exitCode"] == 0


def test_stale_module_shows_in_modules_and_console(client: DapClient, tmp_path):
    source, module = private_build(tmp_path)
    touch_later(source, module)
    seq = client.send_request("launch", {"program": str(module)})
    assert client.response(seq)["success"]
    client.event("initialized")
    [info] = modules_by_name(client).values()
    assert info["symbolStatus"].startswith("stale: source changed after greet.wasm was built: greet.c")
    assert "stale debug info" in console_text(client)
    client.ok("configurationDone")
    client.event("exited")


def test_precompiled_launch_needs_allow_precompiled(client: DapClient, components, source_markers, tmp_path):
    cwasm = precompile(components["greet"], tmp_path, *FOR_DEBUGGING)
    refused = client.request("launch", {"program": str(cwasm)})
    assert not refused["success"] and "allowPrecompiled" in refused["message"]

    line = source_markers("greet.c")["weigh_loop"]
    stopped = launch_to_breakpoint(client, cwasm, GREET, [line], allowPrecompiled=True, args=["a"])
    assert stopped["body"]["reason"] == "breakpoint"
    [module] = modules_by_name(client).values()
    assert module["symbolStatus"] == "DWARF"
    assert client.ok("stackTrace", {"threadId": 1})["stackFrames"][0]["line"] == line
    client.ok("terminate")
    client.event("terminated")


def test_wasm_file_of_a_precompiled_program_flags_a_different_build(client: DapClient, tmp_path):
    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    old_dir.mkdir(), new_dir.mkdir()
    _, old = private_build(old_dir)
    _, new = private_build(new_dir, edit=("total % 2", "total % 3"))
    cwasm = precompile(old, tmp_path, *FOR_DEBUGGING)
    launched = client.request("launch", {"program": str(cwasm), "allowPrecompiled": True, "wasmFile": str(new)})
    assert launched["success"], launched.get("message")
    client.event("initialized")
    [info] = modules_by_name(client).values()
    assert info["name"] == "greet.wasm"  # named from the wasmFile, though only the .cwasm is run
    assert info["symbolStatus"].startswith("stale: the running module differs from greet.wasm")
    client.ok("configurationDone")
    client.event("exited")


def test_wasm_file_that_does_not_exist_is_refused(client: DapClient, tmp_path):
    _, module = private_build(tmp_path)
    refused = client.request("launch", {"program": str(module), "wasmFile": str(tmp_path / "nope.wasm")})
    assert not refused["success"] and "wasmFile not found" in refused["message"]
