"""Functions from DWARF: PC ranges, names, DIEs, and inlined-call chains.

The index (``FunctionRecord``s) is plain data so the symbol cache can store it; DIEs are
re-read from their offsets on demand.
"""

from __future__ import annotations

import difflib
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from elftools.dwarf.compileunit import CompileUnit
from elftools.dwarf.die import DIE
from elftools.dwarf.dwarfinfo import DWARFInfo
from elftools.dwarf.ranges import BaseAddressEntry, RangeEntry

from adapters.source.demangle import demangle, strip_parameters, without_templates
from adapters.source.dwarf_index import FunctionScan

Range = tuple[int, int]  # [low, high) in DWARF addresses

_SCOPES = ("DW_TAG_namespace", "DW_TAG_class_type", "DW_TAG_structure_type", "DW_TAG_union_type")
_ADDRESS_FORMS = (
    "DW_FORM_addr",
    "DW_FORM_addrx",
    "DW_FORM_addrx1",
    "DW_FORM_addrx2",
    "DW_FORM_addrx3",
    "DW_FORM_addrx4",
)
_MAX_REFERENCE_DEPTH = 8


@dataclass(frozen=True)
class FunctionRecord:
    """A function with code: what the index keeps (plain data, cacheable)."""

    die_offset: int
    cu_offset: int
    name: str  # demangled linkage name, else DW_AT_name
    qualified_name: str  # ``ns::Class::method`` (no parameters)
    short_name: str  # DW_AT_name
    ranges: tuple[Range, ...]


@dataclass(frozen=True)
class InlinedCall:
    """One DW_TAG_inlined_subroutine containing a PC."""

    name: str
    die: DIE
    call_file: int  # index into the CU's line table file names (0: unknown)
    call_line: int
    call_column: int


def _attribute(die: DIE, name: str) -> object | None:
    """An attribute value, following DW_AT_specification / DW_AT_abstract_origin."""
    for _ in range(_MAX_REFERENCE_DEPTH):
        if name in die.attributes:
            return die.attributes[name].value
        for reference in ("DW_AT_specification", "DW_AT_abstract_origin"):
            if reference in die.attributes:
                die = die.get_DIE_from_attribute(reference)
                break
        else:
            return None
    return None


def _text(value: object | None) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else ""


def die_names(die: DIE) -> tuple[str, str, str]:
    """(display name, qualified name, short name) of a subprogram or inlined subroutine."""
    short = _text(_attribute(die, "DW_AT_name"))
    linkage = _text(_attribute(die, "DW_AT_linkage_name") or _attribute(die, "DW_AT_MIPS_linkage_name"))
    return display_names(short, linkage)


def display_names(short: str, linkage: str) -> tuple[str, str, str]:
    """(display name, qualified name, short name) from DW_AT_name and the linkage name."""
    display = demangle(linkage) if linkage else linkage
    if not display or display == linkage and short:  # not mangled (e.g. __main_argc_argv for main)
        return short or linkage or "<unnamed>", short or linkage, short or linkage
    qualified = strip_parameters(display)
    return display, qualified, short or without_templates(qualified).rsplit("::", 1)[-1]


def die_ranges(die: DIE, dwarf: DWARFInfo) -> list[Range]:
    """A DIE's address ranges from low/high pc or DW_AT_ranges (DWARF 4 and 5)."""
    attributes = die.attributes
    if "DW_AT_low_pc" in attributes and "DW_AT_high_pc" in attributes:
        low = attributes["DW_AT_low_pc"].value
        high_attribute = attributes["DW_AT_high_pc"]
        high = high_attribute.value if high_attribute.form in _ADDRESS_FORMS else low + high_attribute.value
        return [(low, high)]
    if "DW_AT_ranges" not in attributes:
        return []
    range_lists = dwarf.range_lists()
    if range_lists is None:
        return []
    offset = attributes["DW_AT_ranges"].value  # pyelftools resolves DW_FORM_rnglistx to an offset
    top = die.cu.get_top_DIE()
    base = top.attributes["DW_AT_low_pc"].value if "DW_AT_low_pc" in top.attributes else 0
    ranges = []
    for entry in range_lists.get_range_list_at_offset(offset, cu=die.cu):
        if isinstance(entry, BaseAddressEntry):
            base = entry.base_address
        elif isinstance(entry, RangeEntry):
            if entry.is_absolute:
                ranges.append((entry.begin_offset, entry.end_offset))
            else:
                ranges.append((base + entry.begin_offset, base + entry.end_offset))
    return ranges


def _live(ranges: list[Range], code_size: int) -> tuple[Range, ...]:
    """Ranges of code the linker kept (dropped code has tombstone addresses)."""
    return tuple(sorted((low, high) for low, high in ranges if 0 < low < high <= code_size))


def _walk_scopes(die: DIE) -> Iterator[DIE]:
    """Subprograms under a CU, inside namespaces and classes too."""
    for child in die.iter_children():
        if child.tag == "DW_TAG_subprogram":
            yield child
        elif child.tag in _SCOPES:
            yield from _walk_scopes(child)


def index_cu(cu: CompileUnit, dwarf: DWARFInfo, code_size: int) -> list[FunctionRecord]:
    """The functions with code in one CU."""
    records = []
    for die in _walk_scopes(cu.get_top_DIE()):
        ranges = _live(die_ranges(die, dwarf), code_size)
        if not ranges:
            continue
        display, qualified, short = die_names(die)
        records.append(FunctionRecord(die.offset, cu.cu_offset, display, qualified, short, ranges))
    return records


class FunctionIndex:
    """Functions by PC and by name."""

    def __init__(self, records: list[FunctionRecord]) -> None:
        self.records = records
        spans = sorted((low, high, index) for index, record in enumerate(records) for low, high in record.ranges)
        self._lows = [span[0] for span in spans]
        self._spans = spans
        self._by_name: dict[str, list[FunctionRecord]] = {}
        for record in records:
            for key in {
                record.name,
                record.qualified_name,
                record.short_name,
                without_templates(record.qualified_name),
                without_templates(record.short_name),
            }:
                if key:
                    self._by_name.setdefault(key, []).append(record)

    def at(self, address: int) -> FunctionRecord | None:
        index = bisect_right(self._lows, address) - 1
        if index >= 0:
            low, high, record = self._spans[index]
            if low <= address < high:
                return self.records[record]
        return None

    def named(self, name: str) -> list[FunctionRecord]:
        """Functions matching a plain, qualified or full (demangled) name."""
        return list(self._by_name.get(name.strip(), []))

    def similar_names(self, name: str, count: int = 3) -> list[str]:
        """Names of functions spelled like ``name`` (for "did you mean"), the closest first."""
        return difflib.get_close_matches(name.strip(), self._by_name, n=count, cutoff=0.75)


def _contains(ranges: list[Range], address: int) -> bool:
    return any(low <= address < high for low, high in ranges)


def inlined_calls_at(function: DIE, address: int, dwarf: DWARFInfo) -> list[InlinedCall]:
    """Inlined calls containing ``address`` inside ``function``, outermost first."""
    chain: list[InlinedCall] = []
    scope = function
    while True:
        for child in scope.iter_children():
            if child.tag not in ("DW_TAG_inlined_subroutine", "DW_TAG_lexical_block"):
                continue
            ranges = die_ranges(child, dwarf)
            if ranges and _contains(ranges, address):
                if child.tag == "DW_TAG_inlined_subroutine":
                    attributes = child.attributes
                    chain.append(
                        InlinedCall(
                            die_names(child)[0],
                            child,
                            int(attributes["DW_AT_call_file"].value) if "DW_AT_call_file" in attributes else 0,
                            int(attributes["DW_AT_call_line"].value) if "DW_AT_call_line" in attributes else 0,
                            int(attributes["DW_AT_call_column"].value) if "DW_AT_call_column" in attributes else 0,
                        )
                    )
                scope = child
                break
        else:
            return chain


def index_functions(
    scan: FunctionScan, code_size: int, ranges_at: Callable[[int, int], list[Range]]
) -> list[FunctionRecord]:
    """The function index from the raw walk of ``dwarf_index``; ``ranges_at(DIE offset, CU offset)``
    reads the few DW_AT_ranges lists the walk leaves to pyelftools."""
    records = []
    for offset, cu_offset, ranges in scan.functions:
        live = _live(list(ranges) if ranges is not None else ranges_at(offset, cu_offset), code_size)
        if live:
            display, qualified, short = display_names(scan.attribute(offset, 0), scan.attribute(offset, 1))
            records.append(FunctionRecord(offset, cu_offset, display, qualified, short, live))
    return records


def build_function_index(
    dwarf: DWARFInfo, code_size: int, on_error: Callable[[CompileUnit | None, Exception], None]
) -> list[FunctionRecord]:
    """Index every CU; a CU that fails to parse is reported and skipped."""
    records: list[FunctionRecord] = []
    try:
        for cu in dwarf.iter_CUs():
            try:
                records.extend(index_cu(cu, dwarf, code_size))
            except Exception as error:  # noqa: BLE001 - pyelftools raises many kinds on bad input
                on_error(cu, error)
    except Exception as error:  # noqa: BLE001 - a broken CU header stops the walk
        on_error(None, error)
    return records
