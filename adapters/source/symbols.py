"""One module's source-level knowledge: lines, functions, inlined frames, source files.

``ModuleSymbols.load`` never raises on damaged DWARF: it records ``status`` and
``warnings`` and answers what it still can, down to the Wasm ``name`` section.
All PCs here are module PCs (file offsets); DWARF addresses are converted at this boundary.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from elftools.dwarf.compileunit import CompileUnit
from elftools.dwarf.die import DIE
from elftools.dwarf.dwarfinfo import DWARFInfo

from adapters.source.dwarf_index import DwarfIndexError, DwarfSections, NameIndex, build_name_index, scan_dwarf
from adapters.source.dwarf_loader import load_dwarf
from adapters.source.functions import (
    FunctionIndex,
    FunctionRecord,
    build_function_index,
    die_ranges,
    index_functions,
    inlined_calls_at,
)
from adapters.source.lines import (
    PROLOGUE_END,
    LineProgram,
    LineTable,
    StatementIndex,
    StringSections,
    decode_line_table,
)
from adapters.source.model import SourceLocation
from adapters.source.paths import PathMapper, match_path
from adapters.source.symbol_cache import StatementsEntry, SymbolCache, module_key
from adapters.wasm.binary import SECTION_CODE, WasmFormatError, WasmModule, parse_module
from adapters.wasm.disassembly import DisassembledRow, function_listing
from adapters.wasm.instructions import decode

STATUS_DWARF = "DWARF"
STATUS_NAMES_ONLY = "names only"
STATUS_NONE = "no symbols"
STATUS_DAMAGED = "DWARF damaged"
_DAMAGED_PREFIX = f"{STATUS_DAMAGED}: "


@dataclass(frozen=True)
class FunctionInfo:
    """A function as the debugger sees it. ``die``/``cu`` are None without DWARF."""

    name: str
    entry_pc: int  # where a function breakpoint goes: after the prologue
    ranges: tuple[tuple[int, int], ...]  # module PCs, [low, high)
    die: DIE | None = None
    cu: CompileUnit | None = None
    qualified_name: str = ""
    function_index: int | None = None  # in the Wasm function index space

    @property
    def low_pc(self) -> int:
        return self.ranges[0][0]

    def contains(self, pc: int) -> bool:
        return any(low <= pc < high for low, high in self.ranges)


@dataclass(frozen=True)
class InlineFrame:
    """One source-level frame at a PC; inlined calls are frames of their own."""

    name: str
    location: SourceLocation | None
    die: DIE | None
    inlined: bool


@dataclass(frozen=True)
class FunctionListing:
    """A function's disassembly, shown as the source of code without line information."""

    body_offset: int  # the function body's file offset: it names the function in its module
    name: str
    rows: list[DisassembledRow]


@dataclass(frozen=True)
class StatementRow:
    pc: int
    location: SourceLocation


@dataclass(frozen=True)
class LineRow:
    """A line-table row of a function: ``location`` is None for line 0 (code of no line)."""

    pc: int
    location: SourceLocation | None
    is_stmt: bool


@dataclass
class ModuleSymbols:
    module: WasmModule | None
    status: str
    warnings: list[str] = field(default_factory=list)
    dwarf: DWARFInfo | None = None
    mapper: PathMapper = field(default_factory=PathMapper)
    _units: dict[int, tuple[str, int]] = field(default_factory=dict)  # stmt_list offset -> (comp_dir, CU)
    _statements: StatementIndex = field(default_factory=lambda: StatementIndex([], {}))
    _lines: LineTable | None = None
    _programs_by_cu: dict[int, LineProgram] = field(default_factory=dict)
    _functions: FunctionIndex | None = None
    _cache: SymbolCache | None = None
    _key: str = ""
    _dwarf_to_user: dict[str, str] | None = None
    _names: NameIndex | None = None
    _loading: threading.RLock = field(default_factory=threading.RLock)  # the lazy indexes, for ``prefetch``
    _infos: dict[int, FunctionInfo] = field(default_factory=dict)  # by DIE offset

    # loading
    @classmethod
    def load(
        cls,
        bytecode: bytes,
        path_mappings: tuple[tuple[str, str], ...] | list = (),
        cache: SymbolCache | None = None,
        use_cache: bool = True,
    ) -> ModuleSymbols:
        """Index a module's symbols. ``cache`` defaults to the per-user disk cache."""
        mapper = PathMapper(path_mappings)
        try:
            module = parse_module(bytecode)
        except WasmFormatError as error:
            return cls(None, STATUS_NONE, [f"not a readable core Wasm module: {error}"], mapper=mapper)
        symbols = cls(module, STATUS_NONE, mapper=mapper)
        if use_cache:
            symbols._cache = cache or SymbolCache()
            symbols._key = module_key(bytecode)
        symbols._load_dwarf()
        if symbols.status == STATUS_NONE and module.function_names:
            symbols.status = STATUS_NAMES_ONLY
        return symbols

    def _damaged(self, why: str) -> None:
        warning = f"{_DAMAGED_PREFIX}{why}"
        if warning in self.warnings:  # the line table can be decoded after its cached warnings were read
            return
        self.warnings.append(warning)
        if not self.status.startswith(STATUS_DAMAGED):
            self.status = f"{STATUS_DAMAGED}: {why}"

    def _load_dwarf(self) -> None:
        module = self.module
        assert module is not None
        if module.custom_section(".debug_info") is None:
            return
        try:
            self.dwarf = load_dwarf(module)
        except Exception as error:  # noqa: BLE001 - pyelftools raises many kinds on bad input
            self._damaged(f"cannot read the DWARF sections ({error})")
            return
        self.status = STATUS_DWARF
        cached = self._cache.load_statements(self._key) if self._cache else None
        if cached is not None:  # warm: the line table itself is only decoded when a PC is looked up
            self._units, self._statements = cached.units, cached.index
            for warning in cached.warnings:
                self._damaged(warning)
            return
        before = len(self.warnings)
        self._scan_units()
        self._statements = self._line_table().statement_index()
        if self._cache:
            warnings = [warning.removeprefix(_DAMAGED_PREFIX) for warning in self.warnings[before:]]
            self._cache.store_statements(self._key, StatementsEntry(self._units, self._statements, warnings))

    def _line_table(self) -> LineTable:
        """The module's line table: from the disk cache, else decoded (and then cached)."""
        if self._lines is not None:
            return self._lines
        assert self.module is not None
        programs: list[LineProgram] = []
        cached = self._cache.load_lines(self._key) if self._cache else None
        if cached is not None:
            programs = cached[0]
            for warning in cached[1]:
                self._damaged(warning)
        elif self.dwarf is not None:
            module = self.module
            strings = StringSections(
                module.custom_section(".debug_str") or b"", module.custom_section(".debug_line_str") or b""
            )
            table, warnings = decode_line_table(
                module.custom_section(".debug_line") or b"",
                {offset: d for offset, (d, _) in self._units.items()},
                strings,
                self._code_size(),
            )
            programs = table.programs
            for warning in warnings:
                self._damaged(warning)
            if self._cache:
                self._cache.store_lines(self._key, programs, warnings)
        self._lines = LineTable(programs, self._code_size())
        by_offset = {program.offset: program for program in programs}
        self._programs_by_cu = {cu: by_offset[offset] for offset, (_, cu) in self._units.items() if offset in by_offset}
        return self._lines

    def _scan_units(self) -> None:
        """Fill ``_units``: stmt_list offset -> (comp_dir, CU offset) for each CU with a line table."""
        units = self._units
        assert self.dwarf is not None
        try:
            info_size = self.dwarf.debug_info_sec.size
            for cu in self.dwarf.iter_CUs():
                if cu.cu_offset + cu.size > info_size:
                    self._damaged(f"compilation unit at offset {cu.cu_offset} runs past the end of .debug_info")
                    break
                top = cu.get_top_DIE()
                if "DW_AT_stmt_list" not in top.attributes:
                    continue
                comp_dir = top.attributes.get("DW_AT_comp_dir")
                directory = comp_dir.value.decode("utf-8", errors="replace") if comp_dir else ""
                units[top.attributes["DW_AT_stmt_list"].value] = (directory, cu.cu_offset)
        except Exception as error:  # noqa: BLE001 - pyelftools raises many kinds on bad input
            self._damaged(f"compilation units unreadable after {len(units)} ({type(error).__name__}: {error})")

    def _code_size(self) -> int:
        assert self.module is not None
        return next((s.size for s in self.module.sections if s.id == SECTION_CODE), 0)

    @property
    def _code_offset(self) -> int:
        if self.module is None or self.module.code_offset is None:
            return 0
        return self.module.code_offset

    def prefetch(self) -> None:
        """Read the function and name indexes from the disk cache in the background (the
        program runs to its first stop meanwhile); what is not cached is built when asked."""
        if self.dwarf is not None and self._cache is not None:
            threading.Thread(target=self._load_cached_indexes, name="symbols-prefetch", daemon=True).start()

    def _load_cached_indexes(self) -> None:
        assert self._cache is not None
        if self._cache.has(self._key, "functions"):
            self._function_index()
        if self._cache.has(self._key, "names"):
            self.name_index()

    def _function_index(self) -> FunctionIndex:
        with self._loading:
            return self._load_function_index()

    def _load_function_index(self) -> FunctionIndex:
        if self._functions is None:
            records: list[FunctionRecord] = []
            if self.dwarf is not None:
                cached = self._cache.load_functions(self._key) if self._cache else None
                if cached is not None:
                    records, warnings = cached
                else:
                    warnings = []

                    def report(cu: CompileUnit | None, error: Exception) -> None:
                        where = f"compilation unit at {cu.cu_offset}" if cu is not None else "compilation units"
                        warnings.append(f"{where}: {type(error).__name__}: {error}")

                    records = self._scan_functions(report)
                    if self._cache:
                        self._cache.store_functions(self._key, records, warnings)
                for warning in warnings:
                    self._damaged(warning)
            self._functions = FunctionIndex(records)
        return self._functions

    def _scan_functions(self, report: Callable[[CompileUnit | None, Exception], None]) -> list[FunctionRecord]:
        """The function index from one raw walk of ``.debug_info`` (which also gives the name
        index); through pyelftools, DIE by DIE, if the walk fails."""
        assert self.dwarf is not None
        dwarf = self.dwarf
        try:
            names, scan = scan_dwarf(self._sections())
        except DwarfIndexError:
            return build_function_index(dwarf, self._code_size(), report)
        if self._names is None:
            self._names = names
            if self._cache:
                self._cache.store_names(self._key, names)

        def ranges_at(offset: int, cu_offset: int) -> list[tuple[int, int]]:
            try:
                return die_ranges(dwarf.get_CU_at(cu_offset).get_DIE_from_refaddr(offset), dwarf)
            except Exception as error:  # noqa: BLE001 - pyelftools raises many kinds on bad input
                report(None, error)
                return []

        return index_functions(scan, self._code_size(), ranges_at)

    def _sections(self) -> DwarfSections:
        assert self.module is not None
        section = self.module.custom_section
        names = (".debug_info", ".debug_abbrev", ".debug_str", ".debug_line_str", ".debug_str_offsets", ".debug_addr")
        return DwarfSections(*(section(name) or b"" for name in names))

    def name_index(self) -> NameIndex:
        """Type definitions, enumerators, globals and statics: from the disk cache, else one
        pass over ``.debug_info`` (then cached)."""
        with self._loading:
            return self._load_name_index()

    def _load_name_index(self) -> NameIndex:
        if self._names is None:
            names = self._cache.load_names(self._key) if self._cache and self.dwarf is not None else None
            if names is None and self.dwarf is not None and self.module is not None:
                try:
                    names = build_name_index(self._sections())
                except DwarfIndexError as error:
                    self._damaged(f"names not indexed ({error})")
                else:
                    if self._cache:
                        self._cache.store_names(self._key, names)
            self._names = names or NameIndex()
        return self._names

    # paths
    def _user_path(self, dwarf_path: str) -> str:
        return self.mapper.apply(dwarf_path)

    def _user_paths(self) -> dict[str, str]:
        if self._dwarf_to_user is None:
            self._dwarf_to_user = {self._user_path(path): path for path in self._statements.files}
        return self._dwarf_to_user

    def source_files(self) -> list[str]:
        """Every source file with line information, after path mappings."""
        return sorted(self._user_paths())

    def _dwarf_path(self, path: str) -> str | None:
        user_paths = self._user_paths()
        matched = match_path(path, list(user_paths))
        return user_paths[matched] if matched is not None else None

    def _location(self, dwarf_path: str, line: int, column: int) -> SourceLocation:
        return SourceLocation(self._user_path(dwarf_path), line, column)

    # lines
    def location_at(self, pc: int) -> SourceLocation | None:
        """The source location of the row containing module PC ``pc`` (None for line 0)."""
        row = self._line_table().row_at(pc - self._code_offset)
        if row is None or row.line == 0 or not row.file:
            return None
        return self._location(row.file, row.line, row.column)

    def resolve_line(self, path: str, line: int) -> tuple[int, list[int]] | None:
        """(actual line, module PCs) for a breakpoint at ``path:line``; a line without code
        slides to the next line with code in the same file."""
        dwarf_path = self._dwarf_path(path)
        if dwarf_path is None:
            return None
        resolved = self._statements.resolve_line(dwarf_path, line)
        if resolved is None:
            return None
        actual, addresses = resolved
        return actual, [address + self._code_offset for address in addresses]

    def breakpoint_locations(self, path: str, line: int, end_line: int | None = None) -> list[SourceLocation]:
        """Statement starts in ``path`` between ``line`` and ``end_line`` (inclusive)."""
        dwarf_path = self._dwarf_path(path)
        if dwarf_path is None:
            return []
        last = line if end_line is None else end_line
        found: set[SourceLocation] = set()
        for candidate, addresses in self._statements.lines_in(dwarf_path).items():
            if line <= candidate <= last:
                for address in addresses:
                    row = self._line_table().row_at(address)
                    column = row.column if row is not None and row.line == candidate else 0
                    found.add(self._location(dwarf_path, candidate, column))
        return sorted(found, key=lambda location: (location.line, location.column))

    def statement_rows(self, function: FunctionInfo) -> list[StatementRow]:
        """The function's is_stmt rows with a source line, by PC (for stepping plans)."""
        rows = []
        offset = self._code_offset
        for low, high in function.ranges:
            for row in self._line_table().rows_between(low - offset, high - offset):
                if row.is_stmt and row.line > 0 and row.file:
                    rows.append(StatementRow(row.address + offset, self._location(row.file, row.line, row.column)))
        rows.sort(key=lambda r: r.pc)
        return rows

    def line_rows(self, function: FunctionInfo) -> list[LineRow]:
        """All the function's rows, line 0 and non-statement rows included, by PC."""
        offset = self._code_offset
        rows = [
            LineRow(
                row.address + offset,
                self._location(row.file, row.line, row.column) if row.line and row.file else None,
                row.is_stmt,
            )
            for low, high in function.ranges
            for row in self._line_table().rows_between(low - offset, high - offset)
        ]
        rows.sort(key=lambda r: r.pc)
        return rows

    # functions
    def _info(self, record: FunctionRecord) -> FunctionInfo:
        """The function of a DWARF record, built once (its entry PC reads the line table)."""
        info = self._infos.get(record.die_offset)
        if info is None:
            info = self._infos[record.die_offset] = self._new_info(record)
        return info

    def _new_info(self, record: FunctionRecord) -> FunctionInfo:
        offset = self._code_offset
        ranges = tuple((low + offset, high + offset) for low, high in record.ranges)
        die = cu = None
        if self.dwarf is not None:
            try:
                cu = self.dwarf.get_CU_at(record.cu_offset)
                die = cu.get_DIE_from_refaddr(record.die_offset)
            except Exception as error:  # noqa: BLE001 - pyelftools raises many kinds on bad input
                self._damaged(f"function {record.name}: {error}")
                die = cu = None
        body = self.module.function_at(ranges[0][0]) if self.module else None
        return FunctionInfo(
            record.name,
            self._entry_pc(ranges[0], body.locals_end if body else None),
            ranges,
            die,
            cu,
            record.qualified_name,
            body.index if body else None,
        )

    def _entry_pc(self, entry_range: tuple[int, int], first_instruction: int | None) -> int:
        """After the prologue: the row flagged prologue_end (or, on the function's own line, the
        next line's statement), else the second row, else the first instruction (DWARF's
        low_pc points at the locals declarations)."""
        offset = self._code_offset
        rows = [
            row
            for row in self._line_table().rows_between(entry_range[0] - offset, entry_range[1] - offset)
            if row.line > 0
        ]
        for index, row in enumerate(rows):
            if row.flags & PROLOGUE_END:
                body = next((r for r in rows[index + 1 :] if r.is_stmt and r.line != row.line), row)
                if row.line == rows[0].line and self._straight(row.address + offset, body.address + offset):
                    # Zig flags the end of the prologue before the arguments are stored, still on
                    # the function's own line: they are readable from the next line's statement.
                    return body.address + offset
                return row.address + offset
        later = [row for row in rows[1:] if row.address > rows[0].address]
        if later:
            return later[0].address + offset
        return first_instruction if first_instruction is not None else entry_range[0]

    def _straight(self, low: int, high: int) -> bool:
        """Whether the code in ``[low, high)`` runs straight through, once per call (no loop
        header, branch or call in it)."""
        if self.module is None or high <= low:
            return False
        try:
            return all(
                not (i.is_branch or i.is_call or i.is_return or i.mnemonic in ("block", "loop", "if"))
                for i in decode(self.module.data, low, high)
            )
        except WasmFormatError:
            return False

    def _wasm_function(self, pc: int) -> FunctionInfo | None:
        body = self.module.function_at(pc) if self.module else None
        if body is None or self.module is None:
            return None
        name = self.module.function_name(body.index)
        return FunctionInfo(
            name, body.locals_end, ((body.offset, body.end),), qualified_name=name, function_index=body.index
        )

    def function_at(self, pc: int) -> FunctionInfo | None:
        """The function containing module PC ``pc``: from DWARF, else the name section."""
        record = self._function_index().at(pc - self._code_offset)
        return self._info(record) if record is not None else self._wasm_function(pc)

    def function_listing(self, pc: int) -> FunctionListing | None:
        """The disassembly of the function holding module PC ``pc``."""
        body = self.module.function_at(pc) if self.module else None
        if self.module is None or body is None:
            return None
        name = self.module.function_name(body.index) or f"function {body.index}"
        return FunctionListing(body.offset, name, function_listing(self.module, body))

    def similar_function_names(self, name: str) -> list[str]:
        """Functions with DWARF spelled like ``name``: what a misspelled function breakpoint suggests."""
        return self._function_index().similar_names(name) if self.dwarf is not None else []

    def functions_named(self, name: str) -> list[FunctionInfo]:
        """Functions matching a plain (``area``), qualified (``geometry::Rectangle::area``)
        or full demangled name; functions without DWARF match by their name-section name."""
        found = [self._info(record) for record in self._function_index().named(name)]
        if found or self.module is None:
            return found
        wanted = name.strip()
        # A name-section name (Zig's "file.function") of a function DWARF describes: its DWARF
        # view, whose entry is after the prologue (the body's first instruction is before it).
        return [
            info
            for body in self.module.functions
            if self.module.function_names.get(body.index) == wanted
            and (info := self.function_at(body.locals_end)) is not None
        ]

    def inline_chain(self, pc: int) -> list[InlineFrame]:
        """Source frames at ``pc``, innermost first: each inlined call, then the function.
        An outer frame's location is the call site of the frame inside it."""
        function = self.function_at(pc)
        if function is None:
            return []
        location = self.location_at(pc)
        if function.die is None or self.dwarf is None:
            return [InlineFrame(function.name, location, None, False)]
        try:
            calls = inlined_calls_at(function.die, pc - self._code_offset, self.dwarf)
        except Exception as error:  # noqa: BLE001 - pyelftools raises many kinds on bad input
            self._damaged(f"inlined calls in {function.name}: {error}")
            calls = []
        self._line_table()
        program = self._programs_by_cu.get(function.cu.cu_offset) if function.cu is not None else None
        frames = []
        for call in reversed(calls):
            frames.append(InlineFrame(call.name, location, call.die, True))
            call_path = program.files.get(call.call_file) if program is not None else None
            location = (
                self._location(call_path, call.call_line, call.call_column) if call_path and call.call_line else None
            )
        frames.append(InlineFrame(function.name, location, function.die, False))
        return frames
