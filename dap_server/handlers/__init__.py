"""Request handlers, grouped by what they deal with; importing this fills ``HANDLERS``."""

from dap_server.handlers import breakpoints, execution, inspection, lifecycle, memory, program  # noqa: F401
from dap_server.handlers.registry import HANDLERS

__all__ = ["HANDLERS"]
