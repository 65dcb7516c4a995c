"""The layer rule: ``adapters.wasm`` < ``adapters.source`` < ``dap_server``, each importing only from below.

Every import counts, wherever it is written: at the top, inside a function, under
``if TYPE_CHECKING``, or as a literal name handed to ``importlib.import_module``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAYERS = ("adapters.wasm", "adapters.source", "dap_server")  # lowest first
IMPORTERS = {"import_module", "__import__"}


def layer_of(module: str) -> int | None:
    for index, package in enumerate(LAYERS):
        if module == package or module.startswith(package + "."):
            return index
    return None


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, importer: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, module) for every module ``source`` (the text of module ``importer``) imports."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importer's package
                package = importer.split(".")
                package = package[: len(package) - node.level + (1 if is_package else 0)]
                base = ".".join([*package, *([base] if base else [])])
            # ``from adapters import wasm`` imports adapters.wasm: count each name as a module too.
            found += [(node.lineno, base)] + [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
        elif isinstance(node, ast.Call) and _called_name(node.func) in IMPORTERS and node.args:
            argument = node.args[0]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found.append((node.lineno, argument.value))
    return found


def _called_name(function: ast.expr) -> str | None:
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else None


def upward_imports(source: str, importer: str, is_package: bool = False) -> list[str]:
    """The imports in ``source`` that break the rule, as ``line: module``."""
    own = layer_of(importer)
    if own is None:
        return []
    broken = []
    for line, module in imported_modules(source, importer, is_package):
        layer = layer_of(module)
        if layer is not None and layer not in (own, own - 1):
            broken.append(f"{line}: {module}")
    return sorted(set(broken))


def layer_files() -> list[Path]:
    roots = [REPO / "adapters" / "wasm", REPO / "adapters" / "source", REPO / "dap_server"]
    return sorted(path for root in roots for path in root.rglob("*.py"))


def test_every_layer_imports_only_from_the_one_below():
    broken = {}
    for path in layer_files():
        found = upward_imports(path.read_text(), module_name(path), path.name == "__init__.py")
        if found:
            broken[str(path.relative_to(REPO))] = found
    assert broken == {}


def test_the_layers_are_where_the_rule_looks():
    names = {module_name(path) for path in layer_files()}
    assert {"adapters.wasm.debuggee", "adapters.source.debugger", "dap_server.session"} <= names


@pytest.mark.parametrize(
    ("importer", "source"),
    [
        ("dap_server.session", "from adapters.wasm.debuggee import DebuggeeError\n"),
        ("dap_server.session", "from adapters import wasm\n"),
        ("dap_server.handlers.lifecycle", "def start():\n    import adapters.wasm.process\n"),
        ("dap_server.session", "if TYPE_CHECKING:\n    from adapters.wasm import debuggee\n"),
        ("adapters.source.values", "def f():\n    from dap_server.convert import source\n"),
        ("adapters.source.values", "import importlib\nimportlib.import_module('dap_server.session')\n"),
        ("adapters.wasm.process", "from adapters.source.model import Stop\n"),
        ("adapters.wasm.gdbremote.debuggee", "from ...source import model\n"),
        ("adapters.wasm.process", "import dap_server\n"),
    ],
)
def test_an_upward_import_is_caught(importer, source):
    assert upward_imports(source, importer)


@pytest.mark.parametrize(
    ("importer", "source"),
    [
        ("dap_server.session", "from adapters.source.launching import LaunchOptions\n"),
        ("adapters.source.values", "from adapters.wasm.debuggee import DebuggeeError\n"),
        ("adapters.wasm.gdbremote.debuggee", "from ..debuggee import Debuggee\n"),
        ("adapters.wasm.agent.guest.app", "import wire\nfrom wit_world import exports\n"),
    ],
)
def test_a_downward_import_is_allowed(importer, source):
    assert upward_imports(source, importer) == []


def test_the_server_leaves_the_dwarf_machinery_until_a_program_starts():
    """``adapters.source.launching`` imports it while Wasmtime starts; the server must not import it before."""
    heavy = "{'adapters.source.debugger', 'elftools'}"
    probe = f"import sys, dap_server.cli, dap_server.handlers; print(sorted({heavy} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True)
    assert result.stdout.strip() == "[]"
