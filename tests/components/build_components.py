#!/usr/bin/env python3
"""Build the component test fixtures from ``sources/`` into ``sources/build/``.

- ``greet.component.wasm``: ``greet.c`` compiled for wasm32-wasi (by ``examples/build.py``),
  made a WASI command component by ``jco new --wasi-command``, which adds the
  wasi_snapshot_preview1 adapter and wit-component's shim modules.
- ``twice.wasm``: ``twice.wat``, a component instantiating one core module twice. The
  text format cannot embed a compiled module, so the template's placeholder core modules
  are replaced, byte for byte, by ``scale.wasm`` and ``twice.wasm`` compiled from C.

jco comes from npm (``npm ci`` in this directory, run here when needed). Outputs are
rebuilt only when an input is newer. Usage: ``python tests/components/build_components.py``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SOURCES = HERE / "sources"
BUILD = SOURCES / "build"
JCO = HERE / "node_modules" / ".bin" / "jco"
JCO_WIT = HERE / "node_modules" / "@bytecodealliance" / "jco" / "lib" / "wit" / "builtin" / "0.2.12"
SECTION_CORE_MODULE = 1
C_SOURCES = ("greet.c", "scale.c", "twice.c")

sys.path.insert(0, str(REPO / "examples"))
sys.path.insert(0, str(REPO))
from build import BuildError, build_all, is_up_to_date, run  # noqa: E402 - examples/build.py is a script, not a package

from adapters.wasm.agent.build import componentize  # noqa: E402
from adapters.wasm.binary import Reader  # noqa: E402
from adapters.wasm.leb128 import encode_unsigned  # noqa: E402


def install_jco() -> None:
    if JCO.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm is needed to install jco for the component fixtures (apt-get install npm)")
    run([npm, "ci", "--no-audit", "--no-fund"], HERE, "installing jco")


def replace_core_modules(component: bytes, modules: list[bytes]) -> bytes:
    """The component with its top-level core module sections' contents replaced, in order."""
    remaining = list(modules)
    reader = Reader(component, 8)
    out = bytearray(component[:8])
    while not reader.at_end():
        section_id = reader.byte()
        payload = reader.bytes(reader.u32())
        if section_id == SECTION_CORE_MODULE:
            if not remaining:
                raise BuildError("the template has more core modules than were given")
            payload = remaining.pop(0)
        out += bytes([section_id]) + encode_unsigned(len(payload)) + payload
    if remaining:
        raise BuildError(f"the template has {len(modules) - len(remaining)} core modules, not {len(modules)}")
    return bytes(out)


def build_components() -> dict[str, Path]:
    """Name -> path of every fixture: the core modules and the components."""
    built = build_all(SOURCES / name for name in C_SOURCES)
    install_jco()
    greet = BUILD / "greet.component.wasm"
    if not is_up_to_date(greet, [built["greet"], Path(__file__)]):
        run([str(JCO), "new", str(built["greet"]), "--wasi-command", "-o", str(greet)], HERE, "jco new")
    built["greet.component"] = greet

    twice = BUILD / "twice.component.wasm"
    template = SOURCES / "twice.wat"
    if not is_up_to_date(twice, [template, built["scale"], built["twice"], Path(__file__)]):
        parsed = BUILD / "twice.template.wasm"
        run([str(JCO), "parse", str(template), "-o", str(parsed)], HERE, "jco parse")
        modules = [built["scale"].read_bytes(), built["twice"].read_bytes()]
        twice.write_bytes(replace_core_modules(parsed.read_bytes(), modules))
        parsed.unlink()
    built["twice.component"] = twice
    built["http.component"] = build_http_component()
    return built


def build_http_component() -> Path:
    """A wasi:http proxy component (Python, componentize-py) for `wasmtime serve -g`; its
    WASI 0.2.12 WIT comes from the jco package installed for the other fixtures."""
    http = SOURCES / "http"
    output = BUILD / "http.component.wasm"
    if is_up_to_date(output, [http / "handler.py", http / "world.wit", Path(__file__)]):
        return output
    wit = BUILD / "http-wit"
    shutil.rmtree(wit, ignore_errors=True)
    for package in ("cli", "clocks", "filesystem", "http", "io", "random", "sockets"):
        shutil.copytree(JCO_WIT / f"wasi-{package}", wit / "deps" / package)
    shutil.copy(http / "world.wit", wit / "world.wit")
    componentize(wit, "wasmtime-dap:http-fixture/handler", http, "handler", output)
    return output


def main() -> int:
    try:
        built = build_components()
    except BuildError as error:
        print(error, file=sys.stderr)
        return 1
    for name, path in sorted(built.items()):
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
