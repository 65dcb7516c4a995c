"""What the program is made of: modules, loadedSources, source."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from dap_server import convert
from dap_server.handlers.registry import RequestError, handles
from dap_server.protocol.arguments import (
    ModulesArguments,
    NoArguments,
    SourceRequestArguments,
)
from dap_server.protocol.types import LoadedSourcesBody, ModulesBody, SourceBody
from dap_server.state import WITH_DEBUGGEE

if TYPE_CHECKING:
    from dap_server.session import Session


@handles("modules", ModulesArguments, states=WITH_DEBUGGEE)
async def modules(session: Session, arguments: ModulesArguments) -> ModulesBody:
    found = await session.call(session.require_debugger().modules)
    end = arguments.start_module + arguments.module_count if arguments.module_count else None
    page = found[arguments.start_module : end]
    return ModulesBody(modules=[convert.module(info) for info in page], total_modules=len(found))


@handles("loadedSources", states=WITH_DEBUGGEE)
async def loaded_sources(session: Session, _: NoArguments) -> LoadedSourcesBody:
    paths = await session.call(session.require_debugger().loaded_sources)
    return LoadedSourcesBody(sources=[convert.source(path) for path in paths])


@handles("source", SourceRequestArguments, states=WITH_DEBUGGEE)
async def source(session: Session, arguments: SourceRequestArguments) -> SourceBody:
    """The text of a source the client cannot open itself: a disassembly listing handed out
    by reference for a frame without source, or by path a file the session announced (one
    the loaded modules' debug info names, after path mappings), never any other file."""
    source = arguments.source
    reference = (source.source_reference if source else None) or arguments.source_reference
    if reference:
        text = await session.call(session.disassembly_sources.text, session.require_debugger(), reference)
        if text is None:
            raise RequestError(f"no source with reference {reference}")
        return SourceBody(content=text)
    path = source.path if source else None
    if not path:
        raise RequestError("the source names neither a path nor a sourceReference")
    announced = await session.call(session.require_debugger().loaded_sources)
    if os.path.normpath(path) not in {os.path.normpath(known) for known in announced}:
        raise RequestError(f"not a source of this program: {path}")
    try:
        return SourceBody(content=Path(path).read_text(errors="replace"))
    except OSError as error:
        raise RequestError(f"source not available: {error.strerror}: {path}") from None
