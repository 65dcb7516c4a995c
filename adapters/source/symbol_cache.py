"""A disk cache of decoded symbol indexes, keyed by the SHA-256 of a module's bytes.

An entry is ``MAGIC``, a JSON header, raw array bytes, and a SHA-256 of all of that:
no pickle, so a damaged or foreign file can only fail the checksum or the parse, and is
then ignored (and rewritten by the next build).
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import tempfile
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from adapters.source.dwarf_index import NameIndex
from adapters.source.functions import FunctionRecord
from adapters.source.lines import LineProgram, Sequence, StatementIndex

MAGIC = b"WDAPSYM\x02"
_ARRAY_COLUMNS = (("addresses", "Q"), ("files", "L"), ("lines", "L"), ("columns", "L"), ("flags", "B"))


def default_directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "wasmtime-dap"


def module_key(bytecode: bytes) -> str:
    return hashlib.sha256(bytecode).hexdigest()


class SymbolCache:
    """Reads and writes cache entries; every failure is treated as a miss."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else default_directory()

    def _path(self, key: str, kind: str) -> Path:
        return self.directory / f"{key}.{kind}"

    def has(self, key: str, kind: str) -> bool:
        """Whether an entry exists (it may still prove damaged when read)."""
        return self._path(key, kind).exists()

    def _read(self, key: str, kind: str) -> tuple[dict, bytes] | None:
        try:
            data = self._path(key, kind).read_bytes()
        except OSError:
            return None
        if len(data) < len(MAGIC) + 8 + 32 or not data.startswith(MAGIC):
            return None
        body, digest = data[:-32], data[-32:]
        if hashlib.sha256(body).digest() != digest:
            return None
        (header_size,) = struct.unpack_from("<Q", body, len(MAGIC))
        start = len(MAGIC) + 8
        try:
            header = json.loads(body[start : start + header_size])
        except ValueError:
            return None
        return (header, body[start + header_size :]) if isinstance(header, dict) else None

    def _write(self, key: str, kind: str, header: dict, blob: bytes = b"") -> None:
        encoded = json.dumps(header, separators=(",", ":")).encode()
        body = MAGIC + struct.pack("<Q", len(encoded)) + encoded + blob
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.directory, delete=False, suffix=".tmp") as handle:
                handle.write(body + hashlib.sha256(body).digest())
            os.replace(handle.name, self._path(key, kind))
        except OSError:
            pass  # a read-only or full disk only costs speed

    # line tables
    def store_lines(self, key: str, programs: list[LineProgram], warnings: list[str]) -> None:
        header = {
            "warnings": warnings,
            "programs": [
                {
                    "offset": p.offset,
                    "version": p.version,
                    "files": [[i, f] for i, f in p.files.items()],
                    "sequences": [len(s) for s in p.sequences],
                }
                for p in programs
            ],
        }
        blob = b"".join(
            getattr(sequence, column).tobytes()
            for program in programs
            for sequence in program.sequences
            for column, _ in _ARRAY_COLUMNS
        )
        self._write(key, "lines", header, blob)

    def load_lines(self, key: str) -> tuple[list[LineProgram], list[str]] | None:
        entry = self._read(key, "lines")
        if entry is None:
            return None
        header, blob = entry
        try:
            programs, position = [], 0
            for index, item in enumerate(header["programs"]):
                sequences = []
                for count in item["sequences"]:
                    sequence = Sequence(index)
                    for column, code in _ARRAY_COLUMNS:
                        values = array(code)
                        size = values.itemsize * count
                        values.frombytes(blob[position : position + size])
                        position += size
                        setattr(sequence, column, values)
                    sequences.append(sequence)
                files = {int(i): str(f) for i, f in item["files"]}
                programs.append(LineProgram(int(item["offset"]), int(item["version"]), files, sequences))
            if position != len(blob):
                return None
            return programs, [str(w) for w in header["warnings"]]
        except (KeyError, TypeError, ValueError):
            return None

    # what a first breakpoint needs: compile units and where each file's statements begin
    def store_statements(self, key: str, entry: StatementsEntry) -> None:
        spans: dict[str, list[int]] = {}
        numbers = array("I")
        for path in sorted(entry.index.files):
            lines = entry.index.lines_in(path)
            if not lines:
                continue
            start = len(numbers)
            for line in sorted(lines):
                for address in lines[line]:
                    numbers.extend((line, address))
            spans[path] = [start, len(numbers) - start]
        header = {
            "warnings": entry.warnings,
            "units": [[offset, directory, cu] for offset, (directory, cu) in entry.units.items()],
            "files": entry.index.files,
            "spans": spans,
        }
        self._write(key, "statements", header, numbers.tobytes())

    def load_statements(self, key: str) -> StatementsEntry | None:
        """The entry, with each file's statements decoded only when first asked for."""
        read = self._read(key, "statements")
        if read is None:
            return None
        header, blob = read
        numbers = array("I")
        if len(blob) % numbers.itemsize:
            return None
        numbers.frombytes(blob)
        try:
            spans = {str(path): (int(start), int(count)) for path, (start, count) in header["spans"].items()}
            if any(
                start < 0 or count < 0 or count % 2 or start + count > len(numbers) for start, count in spans.values()
            ):
                return None
            units = {int(offset): (str(directory), int(cu)) for offset, directory, cu in header["units"]}
            files = [str(path) for path in header["files"]]
            warnings = [str(warning) for warning in header["warnings"]]
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        loaders = {path: _statement_loader(numbers, start, count) for path, (start, count) in spans.items()}
        return StatementsEntry(units, StatementIndex(files, {}, loaders), warnings)

    # function index
    def store_functions(self, key: str, records: list[FunctionRecord], warnings: list[str]) -> None:
        header = {
            "warnings": warnings,
            "functions": [
                [r.die_offset, r.cu_offset, r.name, r.qualified_name, r.short_name, [list(span) for span in r.ranges]]
                for r in records
            ],
        }
        self._write(key, "functions", header)

    def load_functions(self, key: str) -> tuple[list[FunctionRecord], list[str]] | None:
        entry = self._read(key, "functions")
        if entry is None:
            return None
        header, _ = entry
        try:
            records = [
                FunctionRecord(int(d), int(c), str(n), str(q), str(s), tuple((int(lo), int(hi)) for lo, hi in r))
                for d, c, n, q, s, r in header["functions"]
            ]
            return records, [str(w) for w in header["warnings"]]
        except (KeyError, TypeError, ValueError):
            return None

    # names: type definitions, enumerators, globals, statics
    def store_names(self, key: str, index: NameIndex) -> None:
        self._write(key, "names", index.to_json())

    def load_names(self, key: str) -> NameIndex | None:
        entry = self._read(key, "names")
        if entry is None:
            return None
        try:
            return NameIndex.from_json(entry[0])
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class StatementsEntry:
    units: dict[int, tuple[str, int]]  # stmt_list offset -> (comp_dir, CU offset)
    index: StatementIndex
    warnings: list[str]  # everything found damaged while loading DWARF and line tables


def _statement_loader(numbers: array, start: int, count: int) -> Callable[[], dict[int, list[int]]]:
    def load() -> dict[int, list[int]]:
        lines: dict[int, list[int]] = {}
        pairs = numbers[start : start + count]
        for index in range(0, count, 2):
            lines.setdefault(pairs[index], []).append(pairs[index + 1])
        return lines

    return load
