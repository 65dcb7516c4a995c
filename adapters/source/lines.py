"""DWARF line tables (``.debug_line``, versions 2 to 5), decoded by our own state machine.

pyelftools decodes line programs one Python object per opcode, far too slowly for modules
with hundreds of thousands of rows; this decoder keeps each sequence as compact arrays.
Addresses here are DWARF addresses (Code-section-relative on Wasm); the facade converts.
"""

from __future__ import annotations

import struct
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from adapters.source.paths import join_dwarf_path
from adapters.wasm.leb128 import WasmFormatError, decode_signed, decode_unsigned

# Row flag bits
IS_STMT = 1
END_SEQUENCE = 2
PROLOGUE_END = 4
EPILOGUE_BEGIN = 8

# DW_LNCT content types and the DW_FORMs line table headers use
_LNCT_PATH, _LNCT_DIRECTORY_INDEX = 1, 2
_FORM_BLOCK, _FORM_BLOCK1, _FORM_BLOCK2, _FORM_BLOCK4 = 0x09, 0x0A, 0x03, 0x04
_FORM_DATA1, _FORM_DATA2, _FORM_DATA4, _FORM_DATA8, _FORM_DATA16 = 0x0B, 0x05, 0x06, 0x07, 0x1E
_FORM_STRING, _FORM_STRP, _FORM_LINE_STRP, _FORM_UDATA, _FORM_SDATA = 0x08, 0x0E, 0x1F, 0x0F, 0x0D
_FORM_STRX, _FORM_STRX1, _FORM_STRX2, _FORM_STRX3, _FORM_STRX4 = 0x1A, 0x25, 0x26, 0x27, 0x28


class LineTableError(ValueError):
    """A line program is malformed (truncated, unknown header form, ...)."""


@dataclass(frozen=True)
class Row:
    address: int
    file: str  # resolved path ("" when the file index is unknown)
    line: int
    column: int
    flags: int

    @property
    def is_stmt(self) -> bool:
        return bool(self.flags & IS_STMT)


@dataclass
class Sequence:
    """Rows of one contiguous address range, ending with an end_sequence row."""

    program: int  # index of the LineProgram it came from
    addresses: array = field(default_factory=lambda: array("Q"))
    files: array = field(default_factory=lambda: array("L"))
    lines: array = field(default_factory=lambda: array("L"))
    columns: array = field(default_factory=lambda: array("L"))
    flags: array = field(default_factory=lambda: array("B"))

    @property
    def start(self) -> int:
        return self.addresses[0]

    @property
    def end(self) -> int:
        return self.addresses[-1]

    def __len__(self) -> int:
        return len(self.addresses)


@dataclass
class LineProgram:
    """One CU's line program: its file table (resolved paths) and its sequences."""

    offset: int
    version: int
    files: dict[int, str]  # DWARF file index -> resolved path
    sequences: list[Sequence]


class _Cursor:
    __slots__ = ("data", "end", "pos")

    def __init__(self, data: bytes, pos: int, end: int) -> None:
        self.data, self.pos, self.end = data, pos, end

    def need(self, count: int) -> None:
        if self.pos + count > self.end:
            raise LineTableError(f"line program truncated at offset {self.pos}")

    def u8(self) -> int:
        self.need(1)
        self.pos += 1
        return self.data[self.pos - 1]

    def unsigned(self, size: int) -> int:
        self.need(size)
        value = int.from_bytes(self.data[self.pos : self.pos + size], "little")
        self.pos += size
        return value

    def uleb(self) -> int:
        try:
            value, self.pos = decode_unsigned(self.data, self.pos, self.end)
        except WasmFormatError as error:
            raise LineTableError(f"line program: {error}") from None
        return value

    def sleb(self) -> int:
        try:
            value, self.pos = decode_signed(self.data, self.pos, self.end)
        except WasmFormatError as error:
            raise LineTableError(f"line program: {error}") from None
        return value

    def cstring(self) -> str:
        end = self.data.find(b"\0", self.pos, self.end)
        if end < 0:
            raise LineTableError(f"unterminated string at offset {self.pos}")
        value = self.data[self.pos : end].decode("utf-8", errors="replace")
        self.pos = end + 1
        return value


@dataclass(frozen=True)
class StringSections:
    debug_str: bytes = b""
    debug_line_str: bytes = b""


def _string_at(section: bytes, offset: int, name: str) -> str:
    end = section.find(b"\0", offset)
    if offset >= len(section) or end < 0:
        raise LineTableError(f"string offset {offset} is outside {name}")
    return section[offset:end].decode("utf-8", errors="replace")


def _read_form(cursor: _Cursor, form: int, offset_size: int, strings: StringSections) -> int | str | bytes:
    if form == _FORM_STRING:
        return cursor.cstring()
    if form == _FORM_LINE_STRP:
        return _string_at(strings.debug_line_str, cursor.unsigned(offset_size), ".debug_line_str")
    if form == _FORM_STRP:
        return _string_at(strings.debug_str, cursor.unsigned(offset_size), ".debug_str")
    if form == _FORM_UDATA:
        return cursor.uleb()
    if form == _FORM_SDATA:
        return cursor.sleb()
    sizes = {
        _FORM_DATA1: 1,
        _FORM_DATA2: 2,
        _FORM_DATA4: 4,
        _FORM_DATA8: 8,
        _FORM_STRX1: 1,
        _FORM_STRX2: 2,
        _FORM_STRX3: 3,
        _FORM_STRX4: 4,
    }
    if form in sizes:
        return cursor.unsigned(sizes[form])
    if form == _FORM_DATA16:
        cursor.need(16)
        cursor.pos += 16
        return b""
    if form == _FORM_STRX:
        return cursor.uleb()
    block_sizes = {_FORM_BLOCK1: 1, _FORM_BLOCK2: 2, _FORM_BLOCK4: 4}
    if form in block_sizes or form == _FORM_BLOCK:
        length = cursor.uleb() if form == _FORM_BLOCK else cursor.unsigned(block_sizes[form])
        cursor.need(length)
        cursor.pos += length
        return b""
    raise LineTableError(f"unsupported form 0x{form:x} in a line table header")


def _entry_table(cursor: _Cursor, offset_size: int, strings: StringSections) -> list[dict[int, object]]:
    """A DWARF 5 directory or file name table: entries of (content type -> value)."""
    formats = [(cursor.uleb(), cursor.uleb()) for _ in range(cursor.u8())]
    return [
        {content: _read_form(cursor, form, offset_size, strings) for content, form in formats}
        for _ in range(cursor.uleb())
    ]


def decode_program(
    data: bytes, offset: int, comp_dir: str, strings: StringSections, program_index: int = 0
) -> tuple[LineProgram, int]:
    """Decode the line program at ``offset``; returns it and the offset of the next one."""
    cursor = _Cursor(data, offset, len(data))
    unit_length = cursor.unsigned(4)
    offset_size = 4
    if unit_length == 0xFFFFFFFF:
        unit_length, offset_size = cursor.unsigned(8), 8
    end = cursor.pos + unit_length
    if end > len(data):
        raise LineTableError(f"line program at offset {offset} runs past the end of .debug_line")
    cursor.end = end
    version = cursor.unsigned(2)
    if not 2 <= version <= 5:
        raise LineTableError(f"unsupported line table version {version} at offset {offset}")
    address_size = 4
    if version >= 5:
        address_size = cursor.u8()
        cursor.u8()  # segment selector size
    header_length = cursor.unsigned(offset_size)
    program_start = cursor.pos + header_length
    min_length = cursor.u8()
    if version >= 4:
        cursor.u8()  # maximum operations per instruction: VLIW only
    default_is_stmt = cursor.u8()
    line_base = cursor.u8()
    line_base -= 256 if line_base >= 128 else 0
    line_range = cursor.u8()
    opcode_base = cursor.u8()
    if line_range == 0:
        raise LineTableError(f"line program at offset {offset} has line_range 0")
    opcode_lengths = [0] + [cursor.u8() for _ in range(max(opcode_base - 1, 0))]

    if version >= 5:
        directories = [str(entry.get(_LNCT_PATH, "")) for entry in _entry_table(cursor, offset_size, strings)]
        files: dict[int, str] = {}
        for index, entry in enumerate(_entry_table(cursor, offset_size, strings)):
            directory_index = int(entry.get(_LNCT_DIRECTORY_INDEX, 0))  # type: ignore[arg-type]
            directory = directories[directory_index] if directory_index < len(directories) else ""
            files[index] = join_dwarf_path(comp_dir, directory, str(entry.get(_LNCT_PATH, "")))
    else:
        directories = [comp_dir]
        while (name := cursor.cstring()) != "":
            directories.append(name)
        files = {}
        while (name := cursor.cstring()) != "":
            directory_index = cursor.uleb()
            cursor.uleb()  # modification time
            cursor.uleb()  # length
            directory = directories[directory_index] if directory_index < len(directories) else ""
            files[len(files) + 1] = join_dwarf_path(comp_dir, directory, name)

    program = LineProgram(offset, version, files, [])
    cursor.pos = program_start
    _run_program(
        cursor,
        program,
        program_index,
        address_size,
        min_length,
        default_is_stmt,
        line_base,
        line_range,
        opcode_base,
        opcode_lengths,
        comp_dir,
        directories,
    )
    return program, end


def _run_program(
    cursor: _Cursor,
    program: LineProgram,
    program_index: int,
    address_size: int,
    min_length: int,
    default_is_stmt: int,
    line_base: int,
    line_range: int,
    opcode_base: int,
    opcode_lengths: list[int],
    comp_dir: str,
    directories: list[str],
) -> None:
    """The line-number state machine (DWARF 5 section 6.2.5), appending finished sequences."""
    data, end = cursor.data, cursor.end
    stmt_flag = IS_STMT if default_is_stmt else 0
    address, file, line, column, flags = 0, 1, 1, 0, stmt_flag
    sequence = Sequence(program_index)
    append_address, append_file = sequence.addresses.append, sequence.files.append
    append_line, append_column, append_flags = sequence.lines.append, sequence.columns.append, sequence.flags.append
    while cursor.pos < end:
        opcode = data[cursor.pos]
        cursor.pos += 1
        if opcode >= opcode_base:
            adjusted = opcode - opcode_base
            address += (adjusted // line_range) * min_length
            line += line_base + adjusted % line_range
            append_address(address), append_file(file), append_line(max(line, 0))
            append_column(column), append_flags(flags)
            flags &= IS_STMT
        elif opcode == 0:
            length = cursor.uleb()
            if length == 0:
                continue
            sub_start = cursor.pos
            cursor.need(length)
            sub_opcode = data[cursor.pos]
            cursor.pos += 1
            if sub_opcode == 1:  # end_sequence
                append_address(address), append_file(file), append_line(max(line, 0))
                append_column(column), append_flags(flags | END_SEQUENCE)
                program.sequences.append(sequence)
                sequence = Sequence(program_index)
                append_address, append_file = sequence.addresses.append, sequence.files.append
                append_line, append_column = sequence.lines.append, sequence.columns.append
                append_flags = sequence.flags.append
                address, file, line, column, flags = 0, 1, 1, 0, stmt_flag
            elif sub_opcode == 2:  # set_address
                address = cursor.unsigned(length - 1)
            elif sub_opcode == 3:  # define_file (DWARF <= 4)
                name = cursor.cstring()
                directory_index = cursor.uleb()
                directory = directories[directory_index] if directory_index < len(directories) else ""
                program.files[len(program.files) + 1] = join_dwarf_path(comp_dir, directory, name)
            cursor.pos = sub_start + length
        elif opcode == 1:  # copy
            append_address(address), append_file(file), append_line(max(line, 0))
            append_column(column), append_flags(flags)
            flags &= IS_STMT
        elif opcode == 2:
            address += cursor.uleb() * min_length
        elif opcode == 3:
            line += cursor.sleb()
        elif opcode == 4:
            file = cursor.uleb()
        elif opcode == 5:
            column = cursor.uleb()
        elif opcode == 6:
            flags ^= IS_STMT
        elif opcode == 7:
            pass  # basic_block
        elif opcode == 8:
            address += ((255 - opcode_base) // line_range) * min_length
        elif opcode == 9:
            address += cursor.unsigned(2)
        elif opcode == 10:
            flags |= PROLOGUE_END
        elif opcode == 11:
            flags |= EPILOGUE_BEGIN
        else:  # set_isa, or an opcode this version does not know: skip its operands
            for _ in range(opcode_lengths[opcode] if opcode < len(opcode_lengths) else 0):
                cursor.uleb()
    if cursor.pos > end:
        raise LineTableError(f"line program at offset {program.offset} is truncated")


class LineTable:
    """All line programs of a module, indexed both ways.

    ``code_size`` bounds valid addresses: sequences of code the linker dropped carry a
    tombstone address (0, -1 or -2) and are left out.
    """

    def __init__(self, programs: list[LineProgram], code_size: int) -> None:
        self.programs = programs
        live = [
            s for p in programs for s in p.sequences if len(s) > 1 and 0 < s.start < code_size and s.end <= code_size
        ]
        live.sort(key=lambda s: s.start)
        self.sequences = live
        self._starts = [s.start for s in live]
        self._statements: StatementIndex | None = None

    # PC -> location
    def row_at(self, address: int) -> Row | None:
        """The row whose address range contains ``address``."""
        index = bisect_right(self._starts, address) - 1
        if index < 0 or address >= self.sequences[index].end:
            return None
        sequence = self.sequences[index]
        return self._row(sequence, bisect_right(sequence.addresses, address) - 1)

    def _row(self, sequence: Sequence, index: int) -> Row:
        files = self.programs[sequence.program].files
        return Row(
            sequence.addresses[index],
            files.get(sequence.files[index], ""),
            sequence.lines[index],
            sequence.columns[index],
            sequence.flags[index],
        )

    def rows_between(self, low: int, high: int) -> Iterator[Row]:
        """Rows (end_sequence rows excluded) with ``low <= address < high``, by address."""
        first = max(bisect_right(self._starts, low) - 1, 0)
        for sequence in self.sequences[first:]:
            if sequence.start >= high:
                break
            if sequence.end <= low:
                continue
            start = bisect_left(sequence.addresses, low)
            for index in range(start, len(sequence) - 1):
                if sequence.addresses[index] >= high:
                    break
                yield self._row(sequence, index)

    # file:line -> PCs
    def statement_index(self) -> StatementIndex:
        """Where each line's statements begin, per file (built once, then kept)."""
        if self._statements is None:
            by_file: dict[str, dict[int, list[int]]] = {}
            used: dict[int, set[int]] = {}
            for sequence in self.sequences:
                files = self.programs[sequence.program].files
                used.setdefault(sequence.program, set()).update(sequence.files)
                previous_key = None
                rows = zip(sequence.addresses, sequence.files, sequence.lines, sequence.flags, strict=True)
                for address, file, line, flags in rows:
                    key = (file, line)
                    if key != previous_key and flags & IS_STMT and not flags & END_SEQUENCE and line > 0:
                        path = files.get(file)
                        if path is not None:
                            by_file.setdefault(path, {}).setdefault(line, []).append(address)
                    previous_key = key
            for lines_of_file in by_file.values():
                for addresses_of_line in lines_of_file.values():
                    addresses_of_line.sort()
            paths = {
                self.programs[program].files[index]
                for program, indexes in used.items()
                for index in indexes
                if index in self.programs[program].files
            }
            self._statements = StatementIndex(sorted(paths), by_file)
        return self._statements

    def files(self) -> list[str]:
        """Resolved paths of every file that has rows."""
        return self.statement_index().files

    def lines_in(self, path: str) -> Mapping[int, list[int]]:
        return self.statement_index().lines_in(path)

    def resolve_line(self, path: str, line: int) -> tuple[int, list[int]] | None:
        return self.statement_index().resolve_line(path, line)


class StatementIndex:
    """path -> line -> addresses where a statement of that line begins, and every file with rows.

    Built from a ``LineTable``, or read back from the symbol cache, where each file's part
    is only decoded when that file is first asked about (``loaders``).
    """

    def __init__(
        self,
        files: list[str],
        by_file: dict[str, dict[int, list[int]]],
        loaders: Mapping[str, Callable[[], dict[int, list[int]]]] | None = None,
    ) -> None:
        self.files = files
        self._by_file = by_file
        self._loaders = dict(loaders or {})

    def lines_in(self, path: str) -> Mapping[int, list[int]]:
        if path not in self._by_file and path in self._loaders:
            self._by_file[path] = self._loaders.pop(path)()
        return self._by_file.get(path, {})

    def resolve_line(self, path: str, line: int) -> tuple[int, list[int]] | None:
        """The addresses of ``line`` in ``path``, sliding to the next line with code."""
        lines = self.lines_in(path)
        if not lines:
            return None
        if line in lines:
            return line, lines[line]
        later = [candidate for candidate in lines if candidate > line]
        if not later:
            return None
        actual = min(later)
        return actual, lines[actual]


def decode_line_table(
    debug_line: bytes, comp_dirs: Mapping[int, str], strings: StringSections, code_size: int
) -> tuple[LineTable, list[str]]:
    """Decode the line programs CUs refer to (``comp_dirs``: stmt_list offset -> comp_dir).

    A malformed program is skipped with a warning; the others still load.
    """
    programs: list[LineProgram] = []
    warnings: list[str] = []
    for offset in sorted(comp_dirs):
        try:
            program, _ = decode_program(debug_line, offset, comp_dirs[offset], strings, len(programs))
        except (LineTableError, IndexError, OverflowError, struct.error) as error:
            warnings.append(f"line table at offset {offset}: {error}")
            continue
        programs.append(program)
    return LineTable(programs, code_size), warnings
