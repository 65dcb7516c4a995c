"""The extension's launch.json schema and the adapter's configuration models must agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from dap_server.launch_config import AttachConfig, LaunchConfig

REPO = Path(__file__).resolve().parents[2]
DEBUGGER = json.loads((REPO / "vscode-extension" / "package.json").read_text())["contributes"]["debuggers"][0]
MODELS: dict[str, type[BaseModel]] = {"launch": LaunchConfig, "attach": AttachConfig}
NOT_FOR_USERS = {"noDebug"}  # set by the editor ("Run Without Debugging"), not written in launch.json


def wire_names(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


def required_wire_names(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items() if field.is_required()}


@pytest.mark.parametrize("request_kind", ["launch", "attach"])
def test_every_attribute_is_one_the_adapter_reads(request_kind: str) -> None:
    attributes = DEBUGGER["configurationAttributes"][request_kind]
    model = MODELS[request_kind]
    assert set(attributes["properties"]) == wire_names(model) - NOT_FOR_USERS
    assert set(attributes["required"]) == required_wire_names(model)


@pytest.mark.parametrize("request_kind", ["launch", "attach"])
def test_attribute_defaults_are_accepted_by_the_adapter(request_kind: str) -> None:
    properties = DEBUGGER["configurationAttributes"][request_kind]["properties"]
    config = {name: schema["default"] for name, schema in properties.items()}
    model = MODELS[request_kind].model_validate(config)
    if request_kind == "launch":
        assert model.program == properties["program"]["default"]
    else:
        assert model.port == properties["port"]["default"]


@pytest.mark.parametrize("language", ["c", "cpp", "rust", "zig"])
def test_example_launch_configurations_are_accepted_by_the_adapter(language: str) -> None:
    launch = json.loads((REPO / "examples" / language / ".vscode" / "launch.json").read_text())
    for config in launch["configurations"]:
        fields = {key: value for key, value in config.items() if key not in ("type", "request", "name")}
        model = MODELS[config["request"]].model_validate(fields)
        assert model.program.endswith(".wasm")
