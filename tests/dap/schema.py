"""Validating server messages against the official DAP JSON schema."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator

REPO = Path(__file__).resolve().parents[2]
SCHEMA = Path(__file__).resolve().parent / "dap-schema" / "debugAdapterProtocol.json"  # vendored, MIT


@cache
def _definitions() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text())["definitions"]


@cache
def _validator(definition: str) -> Draft4Validator:
    return Draft4Validator({"definitions": _definitions(), "$ref": f"#/definitions/{definition}"})


def definition_for(message: dict[str, Any]) -> str:
    """The schema definition a message must satisfy (``stopped`` event -> ``StoppedEvent``)."""
    kind = message.get("type")
    if kind == "response":
        if not message.get("success"):
            return "ErrorResponse"
        name = str(message.get("command", ""))
        return name[:1].upper() + name[1:] + "Response"
    if kind == "event":
        name = str(message.get("event", ""))
        return name[:1].upper() + name[1:] + "Event"
    return "ProtocolMessage"


def schema_errors(message: dict[str, Any]) -> list[str]:
    definition = definition_for(message)
    if definition not in _definitions():
        return [f"{definition} is not in the DAP schema: {message}"]
    return [
        f"{definition}: {'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in _validator(definition).iter_errors(message)
    ]


def check_message_log(log: Path) -> int:
    """Validate every message in a server message log; the number checked. AssertionError on failures."""
    if not log.exists():
        return 0
    failures, count = [], 0
    for line in log.read_text().splitlines():
        count += 1
        message = json.loads(line)
        failures += [f"{error}\n  in {line[:300]}" for error in schema_errors(message)]
    assert not failures, "server messages that break the DAP schema:\n" + "\n".join(failures[:20])
    return count
