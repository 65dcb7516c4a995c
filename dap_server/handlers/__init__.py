"""Request handlers, grouped by what they deal with; importing this fills ``HANDLERS``."""

from dap_server.handlers import (  # noqa: F401
    breakpoints,
    execution,
    inspection,
    lifecycle,
    memory,
    program,
)
from dap_server.handlers.registry import HANDLERS

__all__ = ["HANDLERS"]
