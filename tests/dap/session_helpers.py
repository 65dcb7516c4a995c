"""Steps most end-to-end DAP tests share: launching to a breakpoint, reading frames and locals."""

from __future__ import annotations

import os
from pathlib import Path

from tests.dap.client import DapClient

FIXTURE_SOURCES = Path(__file__).resolve().parents[1] / "fixtures"


def launch(client: DapClient, program: Path, **config) -> None:
    """Launch (stopped until configurationDone) and wait for ``initialized``."""
    reply = client.request("launch", {"program": str(program), **config})
    assert reply["success"], reply.get("message")
    client.event("initialized")


def set_breakpoints(client: DapClient, source: Path, lines: list[int], **extra) -> list[dict]:
    body = client.ok(
        "setBreakpoints",
        {
            "source": {"path": str(source)},
            "breakpoints": [{"line": line, **extra} for line in lines],
        },
    )
    return body["breakpoints"]


def launch_to_breakpoint(client: DapClient, program: Path, source: Path, lines: list[int], **config) -> dict:
    """Launch, set breakpoints once ``initialized`` arrives, and return the first stopped event."""
    launch(client, program, **config)
    assert all(item["verified"] for item in set_breakpoints(client, source, lines))
    client.ok("configurationDone")
    return client.event("stopped")


def stack(client: DapClient) -> list[dict]:
    return client.ok("stackTrace", {"threadId": 1})["stackFrames"]


def top_frame(client: DapClient) -> dict:
    return stack(client)[0]


def scope_reference(client: DapClient, frame_id: int, name: str) -> int:
    scopes = client.ok("scopes", {"frameId": frame_id})["scopes"]
    return next(scope["variablesReference"] for scope in scopes if scope["name"] == name)


def variables(client: DapClient, reference: int, **arguments) -> dict[str, dict]:
    found = client.ok("variables", {"variablesReference": reference, **arguments})["variables"]
    return {variable["name"]: variable for variable in found}


def locals_of(client: DapClient, frame_id: int) -> dict[str, str]:
    scopes = client.ok("scopes", {"frameId": frame_id})["scopes"]
    found: dict[str, str] = {}
    for scope in scopes:
        for name, variable in variables(client, scope["variablesReference"]).items():
            found.setdefault(name, variable["value"])
    return found


def evaluate(client: DapClient, expression: str, frame_id: int, context: str = "watch", **extra) -> dict:
    return client.request(
        "evaluate",
        {"expression": expression, "frameId": frame_id, "context": context, **extra},
    )


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # ended meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found
