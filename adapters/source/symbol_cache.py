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
from pathlib import Path

from adapters.source.functions import FunctionRecord
from adapters.source.lines import LineProgram, Sequence

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
                {"offset": p.offset, "version": p.version, "files": [[i, f] for i, f in p.files.items()],
                 "sequences": [len(s) for s in p.sequences]}
                for p in programs
            ],
        }
        blob = b"".join(
            getattr(sequence, column).tobytes()
            for program in programs for sequence in program.sequences for column, _ in _ARRAY_COLUMNS
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

    # function index
    def store_functions(self, key: str, records: list[FunctionRecord], warnings: list[str]) -> None:
        header = {
            "warnings": warnings,
            "functions": [[r.die_offset, r.cu_offset, r.name, r.qualified_name, r.short_name,
                           [list(span) for span in r.ranges]] for r in records],
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
