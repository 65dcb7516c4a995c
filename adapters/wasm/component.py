"""What the debugger needs to know about WebAssembly components.

Wasmtime's debugger sees only the core modules inside a component, each with
its own id and bytecode. To show them under names a user can tell apart, this
module reads a component's binary: every core module it embeds (nested
components included, in definition order) and the names its
``component-name`` section gives them (wit-component names the program's own
module ``main`` and the WASI adapter ``wit-component:adapter:...``).

A core module the debuggee runs is matched to the artifact on disk by its
bytes, which also tells whether the file still holds what is running.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from adapters.wasm.binary import CORE_VERSION, MAGIC, Reader, WasmFormatError

SECTION_CUSTOM = 0
SECTION_CORE_MODULE = 1
SECTION_COMPONENT = 4
SECTION_ALIAS = 6
NAME_SECTION = "component-name"
NAMES_SUBSECTION_SORTS = 1
SORT_CORE = 0x00
CORE_SORT_MODULE = 0x11
ALIAS_TARGET_OUTER = 0x02
STALE_SOURCES_SHOWN = 3


@dataclass(frozen=True)
class CoreModule:
    """One core module held by an artifact.

    ``index`` counts the artifact's core modules in definition order (nested
    components depth-first); ``name`` comes from the component-name section.
    """

    index: int
    name: str | None
    bytecode: bytes


def is_component(data: bytes) -> bool:
    return data[:4] == MAGIC and data[4:8] != CORE_VERSION


def core_modules(data: bytes) -> list[CoreModule]:
    """The core modules of a component binary, or the module itself for a core module."""
    if data[:4] != MAGIC:
        raise WasmFormatError("not a WebAssembly binary (no \\0asm header)")
    if not is_component(data):
        return [CoreModule(0, None, data)]
    found: list[CoreModule] = []
    _collect(data, found)
    return found


def _collect(data: bytes, found: list[CoreModule]) -> None:
    """Append the core modules of one component (and its nested ones) to ``found``."""
    defined: list[tuple[int, bytes]] = []  # (index in this component's core module space, bytes)
    nested: list[bytes] = []
    names: dict[int, str] = {}
    module_space = 0
    reader = Reader(data, 8)
    while not reader.at_end():
        section_id = reader.byte()
        size = reader.u32()
        payload = reader.bytes(size)
        if section_id == SECTION_CORE_MODULE:
            defined.append((module_space, payload))
            module_space += 1
        elif section_id == SECTION_COMPONENT:
            nested.append(payload)
        elif section_id == SECTION_ALIAS:
            module_space += _aliased_core_modules(payload)
        elif section_id == SECTION_CUSTOM:
            section = Reader(payload)
            if section.name() == NAME_SECTION:
                names = _core_module_names(section)
    for index, payload in defined:
        found.append(CoreModule(len(found), names.get(index), payload))
    for payload in nested:
        _collect(payload, found)


def _aliased_core_modules(payload: bytes) -> int:
    """How many core modules an alias section adds (``alias outer`` of a core module)."""
    reader = Reader(payload)
    count = 0
    for _ in range(reader.u32()):
        sort = reader.byte()
        core_sort = reader.byte() if sort == SORT_CORE else None
        target = reader.byte()
        if target == ALIAS_TARGET_OUTER:
            reader.u32()
            reader.u32()
            count += core_sort == CORE_SORT_MODULE
        elif target in (0x00, 0x01):  # an (instance) export: index and name
            reader.u32()
            reader.name()
        else:
            raise WasmFormatError(f"unknown alias target {target:#x}")
    return count


def _core_module_names(reader: Reader) -> dict[int, str]:
    """Core module index -> name, from a component-name section (after its name)."""
    names: dict[int, str] = {}
    while not reader.at_end():
        subsection = reader.byte()
        size = reader.u32()
        end = reader.offset + size
        if subsection == NAMES_SUBSECTION_SORTS:
            sort = reader.byte()
            core_sort = reader.byte() if sort == SORT_CORE else None
            if core_sort == CORE_SORT_MODULE:
                for _ in range(reader.u32()):
                    index = reader.u32()
                    names[index] = reader.name()
        reader.offset = end
    return names


def artifact_modules(path: Path) -> list[CoreModule]:
    """The core modules a ``.wasm`` file holds; WasmFormatError if it is not Wasm."""
    return core_modules(path.read_bytes())


class Artifact:
    """The files a session was launched from, as opposed to the modules Wasmtime runs.

    ``program`` is the launched file; ``module_file`` optionally names the ``.wasm`` it
    was built as (the source of a precompiled ``.cwasm``). The one of them that holds
    Wasm bytecode gives module names and is what a running module is checked against.
    """

    def __init__(self, program: Path, module_file: Path | None = None) -> None:
        self.program = program
        self.reference = module_file or program
        self._modules: list[CoreModule] | None = None
        with contextlib.suppress(OSError, WasmFormatError):  # a .cwasm or .wat: nothing to compare with
            self._modules = artifact_modules(self.reference)

    def find(self, bytecode: bytes) -> CoreModule | None:
        """The artifact's core module with exactly these bytes, if any."""
        return next((module for module in self._modules or () if module.bytecode == bytecode), None)

    def module_name(self, bytecode: bytes, own_name: str | None, module_id: int, only_module: bool) -> str:
        """A display name: ``app.wasm#main`` inside a component, else the module's own name or the file's."""
        known = self.find(bytecode)
        if known is not None and known.name:
            return f"{self.program.name}#{known.name}"
        if own_name:
            return own_name
        if only_module:
            return self.program.name
        number = known.index if known is not None else module_id
        return f"{self.program.name}#module{number}"

    def stale_reason(self, bytecode: bytes, source_files: Iterable[str]) -> str | None:
        """Why the module's debug info may not match its sources, or None when it looks current."""
        if self._modules is not None and self.find(bytecode) is None:
            return f"the running module differs from {self.reference.name} (rebuilt since?)"
        newer = _sources_newer_than(self.reference, source_files)
        if newer:
            shown = ", ".join(Path(path).name for path in newer[:STALE_SOURCES_SHOWN])
            more = f" and {len(newer) - STALE_SOURCES_SHOWN} more" if len(newer) > STALE_SOURCES_SHOWN else ""
            return f"source changed after {self.reference.name} was built: {shown}{more}"
        return None


def _sources_newer_than(artifact: Path, source_files: Iterable[str]) -> list[str]:
    """The existing source files modified after ``artifact``, sorted."""
    try:
        built = artifact.stat().st_mtime
    except OSError:
        return []
    newer = []
    for path in source_files:
        try:
            if Path(path).stat().st_mtime > built:
                newer.append(path)
        except OSError:
            continue  # a source that is not on this machine
    return sorted(newer)
