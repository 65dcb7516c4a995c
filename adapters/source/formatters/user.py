"""User formatters: Python files the user names in the launch configuration
(``"formatters": ["tools/my_views.py"]``), as gdb auto-loads Python pretty-printers.

A file is user code run inside the adapter, with the adapter's rights: it is only ever
loaded from a path the user's own launch configuration names. It defines
``register(formatters)``, which calls ``formatters.add(pattern, view)``; see
docs/formatters.md.
"""

from __future__ import annotations

import runpy
from pathlib import Path

from adapters.source.formatters import Formatters
from adapters.source.model import UserError


class FormatterLoadError(UserError):
    """A formatters file could not be loaded; the message names the file and why."""


def load_user_formatters(formatters: Formatters, path: Path) -> None:
    """Run the file at ``path`` and let its ``register(formatters)`` add its formatters."""
    if not path.is_file():
        raise FormatterLoadError(f"formatters file not found: {path}")
    try:
        namespace = runpy.run_path(str(path), run_name=f"wasmtime_dap_formatters.{path.stem}")
    except Exception as error:  # noqa: BLE001 - whatever the user's file raises, say so
        raise FormatterLoadError(f"formatters file {path}: {type(error).__name__}: {error}") from error
    register = namespace.get("register")
    if not callable(register):
        raise FormatterLoadError(f"formatters file {path} defines no register(formatters) function")
    try:
        register(formatters)
    except Exception as error:  # noqa: BLE001 - as above
        raise FormatterLoadError(f"formatters file {path}: register failed: {type(error).__name__}: {error}") from error
