"""Building a pyelftools DWARFInfo from a Wasm module's ``.debug_*`` custom sections."""

from __future__ import annotations

import io

from elftools.dwarf.dwarfinfo import DebugSectionDescriptor, DwarfConfig, DWARFInfo

from adapters.wasm.binary import WasmModule

# DWARFInfo keyword -> Wasm custom section name
_SECTIONS = {
    "debug_info_sec": ".debug_info",
    "debug_aranges_sec": ".debug_aranges",
    "debug_abbrev_sec": ".debug_abbrev",
    "debug_frame_sec": ".debug_frame",
    "eh_frame_sec": None,
    "debug_str_sec": ".debug_str",
    "debug_loc_sec": ".debug_loc",
    "debug_ranges_sec": ".debug_ranges",
    "debug_line_sec": ".debug_line",
    "debug_pubtypes_sec": ".debug_pubtypes",
    "debug_pubnames_sec": ".debug_pubnames",
    "debug_addr_sec": ".debug_addr",
    "debug_str_offsets_sec": ".debug_str_offsets",
    "debug_line_str_sec": ".debug_line_str",
    "debug_loclists_sec": ".debug_loclists",
    "debug_rnglists_sec": ".debug_rnglists",
    "debug_sup_sec": None,
    "gnu_debugaltlink_sec": None,
    "debug_types_sec": ".debug_types",
}


def load_dwarf(module: WasmModule) -> DWARFInfo | None:
    """The module's DWARF, or None if it has no ``.debug_info``.

    Code addresses in it are offsets from ``module.code_offset`` (the Code section's
    payload), per the WebAssembly tool conventions.
    """
    custom = module.custom_sections()
    if ".debug_info" not in custom:
        return None
    descriptors = {}
    for keyword, name in _SECTIONS.items():
        data = custom.get(name) if name else None
        descriptors[keyword] = (
            DebugSectionDescriptor(io.BytesIO(data), name, None, len(data), 0) if data is not None else None
        )
    config = DwarfConfig(little_endian=True, machine_arch="wasm", default_address_size=4)
    return DWARFInfo(config=config, **descriptors)
