"""The envelope every DAP message shares, and the base model of all protocol types."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel


class DapModel(BaseModel):
    """A protocol object: camelCase on the wire, unknown fields ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore", defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class ClientInput(DapModel):
    """What a client sends: strictly typed, so a string is never taken for a number."""

    model_config = ConfigDict(strict=True)


class ProtocolMessage(ClientInput):
    # The schema says seq >= 1, but some clients start at 0.
    seq: int = Field(ge=0)
    type: str


class Request(ProtocolMessage):
    type: Literal["request"]
    command: str
    arguments: dict[str, Any] | None = None


class ClientResponse(ProtocolMessage):
    """A client's answer to a reverse request (we send none, so these are ignored)."""

    type: Literal["response"]


def describe_validation_error(error: ValidationError, prefix: str = "") -> str:
    """One line naming every offending field, e.g. ``arguments.line: Input should be a valid integer``."""
    problems = []
    for detail in error.errors():
        location = ".".join(str(part) for part in (prefix, *detail["loc"]) if part != "")
        problems.append(f"{location}: {detail['msg']}" if location else detail["msg"])
    return "; ".join(problems)
