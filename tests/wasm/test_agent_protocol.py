"""The agent's protocol, declared once in ``protocol.py``: checked on both ends, and its version at connect."""

from __future__ import annotations

import ast
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from adapters.wasm import agent_backend
from adapters.wasm.agent import build
from adapters.wasm.agent.guest import protocol
from adapters.wasm.debuggee import DebuggeeError
from adapters.wasm.process import LaunchOptions
from tests.reliability.procfs import descendants, is_wasmtime
from tests.wasm.wat_programs import LOOP, write_wat

APP = build.GUEST_DIR / "app.py"


def test_a_request_is_checked_and_completed_with_its_defaults():
    message = protocol.READ_MEMORY.request(7, {"instance": 1, "address": 16, "length": 4})
    assert message == {"id": 7, "op": "read_memory", "instance": 1, "address": 16, "length": 4, "memory": 0}


@pytest.mark.parametrize(
    ("arguments", "why"),
    [
        ({"instance": 1, "address": 16}, "read_memory: missing argument 'length'"),
        ({"instance": 1, "address": "16", "length": 4}, "read_memory: argument 'address' must be int, not str"),
        ({"instance": True, "address": 16, "length": 4}, "read_memory: argument 'instance' must be int, not bool"),
        ({"instance": 1, "address": 16, "length": 4, "size": 4}, "read_memory: unknown arguments ['size']"),
    ],
)
def test_a_request_out_of_protocol_is_refused_saying_why(arguments, why):
    with pytest.raises(protocol.ProtocolError) as refused:
        protocol.READ_MEMORY.request(1, arguments)
    assert str(refused.value) == why


def test_results_and_events_are_checked():
    assert protocol.MEMORY_SIZE.results.check({"id": 3, "ok": True, "size": 65536})["size"] == 65536
    with pytest.raises(protocol.ProtocolError, match="memory_size: missing result 'size'"):
        protocol.MEMORY_SIZE.results.check({"id": 3, "ok": True})
    assert protocol.STOPPED.event(reason="step") == {"event": "stopped", "reason": "step", "breakpoints": ()}
    with pytest.raises(protocol.ProtocolError, match="stopped: field 'reason' must be str, not int"):
        protocol.STOPPED.event(reason=5)


def _agent_handlers() -> set[str]:
    """The ``op_<name>`` methods of the agent's ``Agent`` class (read: app.py imports Wasmtime's bindings)."""
    agent = next(
        node for node in ast.parse(APP.read_text()).body if isinstance(node, ast.ClassDef) and node.name == "Agent"
    )
    return {node.name[3:] for node in agent.body if isinstance(node, ast.FunctionDef) and node.name.startswith("op_")}


def test_the_agent_serves_exactly_the_declared_operations():
    assert _agent_handlers() == set(protocol.OPERATIONS)


def test_an_argument_of_the_wrong_type_is_refused_by_the_real_agent(start, tmp_path):
    debuggee, _ = start(write_wat(tmp_path, "loop", LOOP))
    lenient = protocol.Operation("memory_size", {"instance": str}, {"size": int})  # an adapter out of step
    with pytest.raises(DebuggeeError, match="memory_size: argument 'instance' must be int, not str"):
        debuggee._request(lenient, instance="first")
    assert debuggee.modules()  # the agent serves on


def _stale_agent(on_progress: object = None) -> Path:
    """The agent built from today's sources but speaking another protocol version (built once, cached)."""
    target = build.cache_dir() / f"test-stale-{build.agent_path().stem}.wasm"
    if not target.is_file():
        with tempfile.TemporaryDirectory(dir=target.parent) as scratch:  # another session may build it too
            sources = Path(scratch) / "guest"
            shutil.copytree(build.GUEST_DIR, sources, ignore=shutil.ignore_patterns("__pycache__"))
            declared = (sources / "protocol.py").read_text()
            current = f"PROTOCOL_VERSION = {protocol.PROTOCOL_VERSION}\n"
            assert current in declared
            (sources / "protocol.py").write_text(declared.replace(current, "PROTOCOL_VERSION = 999\n"))
            output = Path(scratch) / "agent.wasm"
            build.componentize(build.WIT_DIR, build.WORLD, sources, "app", output)
            output.replace(target)
    return target


def test_an_agent_speaking_another_version_is_refused_at_connect(tmp_path, monkeypatch):
    monkeypatch.setattr(agent_backend, "agent_path", _stale_agent)
    program = write_wat(tmp_path, "loop", LOOP)
    with pytest.raises(DebuggeeError) as refused:
        agent_backend.launch(LaunchOptions(program))
    message = str(refused.value)
    assert f"speaks protocol version 999, this adapter version {protocol.PROTOCOL_VERSION}" in message
    assert "agent-*.wasm" in message and str(build.cache_dir()) in message  # what to do about it
    assert [pid for pid in descendants(os.getpid()) if is_wasmtime(pid)] == []  # nothing left running
