#!/usr/bin/env python3
"""Build every example and test fixture into a wasm32-wasi module with DWARF.

A source is a ``.c``, ``.cpp``, ``.zig`` or ``.rs`` file, or a directory of ``.c``/``.cpp``
files linked into one module named after the directory. Outputs go to ``build/`` beside
the sources; a module is rebuilt only when a source (or this script) is newer.

Per-source options are comment lines at the top of a source (in any file of a directory):

    // build: -O2          also build a variant with these flags, named ``NAME.O2.wasm``
    // build-base: no      do not build the plain ``-O0`` module (only the variants)
    // cflags: -DFOO=1     extra flags for every module built from this source

Usage: ``python examples/build.py [paths...]`` (default: ``examples/`` and
``tests/fixtures/``), or ``build_all(paths)`` from Python.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PATHS = (REPO / "examples", REPO / "tests" / "fixtures")
BUILD_DIR = "build"
C_SUFFIXES = (".c", ".cpp")
SOURCE_SUFFIXES = (*C_SUFFIXES, ".zig", ".rs")
BASE_C_FLAGS = ("--target=wasm32-wasi", "-g", "-O0", "-fno-sanitize=undefined")
CXX_EXTRA_FLAGS = ("-fno-exceptions",)
HEADER_LINES = 30  # options must appear within a source's first lines
_OPTION = re.compile(r"^\s*(?://|/\*|#)\s*(build|build-base|cflags)\s*:\s*(.*?)\s*(?:\*/)?\s*$")


class BuildError(RuntimeError):
    """A compiler failed; the message holds its command line and output."""


@dataclass(frozen=True)
class Target:
    """One module to build: a name, its sources, and the flags of its variant."""

    name: str
    sources: tuple[Path, ...]
    flags: tuple[str, ...]
    output: Path

    @property
    def language(self) -> str:
        suffixes = {source.suffix for source in self.sources}
        if ".rs" in suffixes:
            return "rust"
        if ".zig" in suffixes:
            return "zig"
        return "c++" if ".cpp" in suffixes else "c"


@dataclass(frozen=True)
class Options:
    variants: tuple[tuple[str, ...], ...]
    build_base: bool
    extra_flags: tuple[str, ...]


def read_options(sources: Iterable[Path]) -> Options:
    """The ``// build:`` style options written at the top of the sources."""
    variants: list[tuple[str, ...]] = []
    build_base = True
    extra: list[str] = []
    for source in sources:
        with source.open(encoding="utf-8", errors="replace") as handle:
            for line in itertools.islice(handle, HEADER_LINES):
                match = _OPTION.match(line)
                if not match:
                    continue
                key, value = match.groups()
                if key == "build":
                    variants.append(tuple(shlex.split(value)))
                elif key == "build-base":
                    build_base = value.lower() not in ("no", "off", "false", "0")
                else:
                    extra.extend(shlex.split(value))
    return Options(tuple(variants), build_base, tuple(extra))


def variant_suffix(flags: tuple[str, ...]) -> str:
    """``("-O2", "-gdwarf-5")`` -> ``"O2.gdwarf-5"``: a file-name-safe variant tag."""
    parts = [re.sub(r"[^A-Za-z0-9_+-]", "_", flag.lstrip("-")) for flag in flags]
    return ".".join(part for part in parts if part)


def targets_for(source: Path) -> list[Target]:
    """The modules one source file or directory builds into."""
    if source.is_dir():
        files = tuple(sorted(p for p in source.iterdir() if p.suffix in C_SUFFIXES))
        name = source.name
    else:
        files = (source,)
        name = source.stem
    if not files:
        return []
    options = read_options(files)
    out_dir = source.parent / BUILD_DIR
    targets = []
    if options.build_base:
        targets.append(Target(name, files, options.extra_flags, out_dir / f"{name}.wasm"))
    for flags in options.variants:
        variant = f"{name}.{variant_suffix(flags)}"
        targets.append(Target(variant, files, options.extra_flags + flags, out_dir / f"{variant}.wasm"))
    return targets


def discover(paths: Iterable[Path]) -> list[Target]:
    """Targets for the given files and directories.

    A directory of C/C++ files holding exactly one ``main`` is one multi-file module; any
    other directory is walked: each source file in it is a module, and so is each such
    multi-file subdirectory; other subdirectories are walked in turn.
    """
    targets: list[Target] = []
    for path in paths:
        path = Path(path).resolve()
        if path.is_file() or (path.is_dir() and _is_multi_file_module(path)):
            targets.extend(targets_for(path))
        elif path.is_dir():
            targets.extend(_walk(path))
        else:
            raise BuildError(f"no such source file or directory: {path}")
    return targets


def _walk(directory: Path) -> list[Target]:
    targets: list[Target] = []
    for child in sorted(directory.iterdir()):
        if child.name == BUILD_DIR or child.name.startswith("."):
            continue
        is_source = child.is_file() and child.suffix in SOURCE_SUFFIXES
        if is_source or (child.is_dir() and _is_multi_file_module(child)):
            targets.extend(targets_for(child))
        elif child.is_dir():
            targets.extend(_walk(child))
    return targets


def _is_multi_file_module(directory: Path) -> bool:
    """A directory of two or more C/C++ sources (no Rust or Zig) exactly one of which defines ``main``.

    A directory holding a single program (``examples/c``) is not one: its program is built
    into ``build/`` beside its source, named after the source, as when the file is named."""
    sources = list(directory.iterdir())
    if any(source.suffix in (".rs", ".zig") for source in sources):
        return False
    c_sources = [source for source in sources if source.suffix in C_SUFFIXES]
    mains = sum(
        bool(re.search(r"\bint\s+main\s*\(", source.read_text(encoding="utf-8", errors="replace")))
        for source in c_sources
    )
    return len(c_sources) > 1 and mains == 1


def is_up_to_date(output: Path, inputs: Iterable[Path]) -> bool:
    """``output`` exists and is newer than every input and than this script."""
    if not output.exists():
        return False
    built = output.stat().st_mtime
    return all(path.stat().st_mtime <= built for path in (*inputs, Path(__file__)))


def target_inputs(target: Target) -> list[Path]:
    """A target's sources and the headers beside them."""
    inputs = list(target.sources)
    for directory in {source.parent for source in target.sources}:
        inputs.extend(directory.glob("*.h"))
    return inputs


def run(command: list[str], cwd: Path, what: str) -> None:
    """Run a build command; BuildError with its command line and output when it fails."""
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd, check=False, timeout=600)
    if result.returncode != 0:
        raise BuildError(f"{what} failed:\n$ {shlex.join(command)}\n{result.stderr}{result.stdout}")


RUST_TARGETS = ("wasm32-wasip1", "wasm32-wasi")  # the target's name since Rust 1.78, and before
RUST_MISSING = (
    "rustc with a wasm32 WASI standard library is not installed (rustup: `rustup target add wasm32-wasip1`; "
    "Debian 12: `apt-get install rustc libstd-rust-dev-wasm32`)"
)


@functools.cache
def rust_toolchain() -> tuple[str, str] | None:
    """(rustc, target) for a rustc that can build a wasm32 WASI program, or None.

    rustup's ``rustc`` usually comes first on PATH but often lacks the wasm32 std, and
    Debian's ``rustc-web`` (1.96) replaces ``/usr/bin/rustc`` while the wasm32 std of
    Debian's ``rustc`` (1.63, ``wasm32-wasi``) stays behind: every ``rustc`` on PATH, then
    ``/usr/bin/rustc``, builds an empty program for each target name until one works.
    """
    path_directories = os.environ.get("PATH", "").split(os.pathsep)
    candidates = [str(Path(directory) / "rustc") for directory in path_directories if directory]
    candidates.append("/usr/bin/rustc")
    seen: set[Path] = set()
    for candidate in candidates:
        path = Path(candidate)
        if not (path.is_file() and os.access(path, os.X_OK)) or path.resolve() in seen:
            continue
        seen.add(path.resolve())
        for target in RUST_TARGETS:
            if _rustc_builds_for(candidate, target):
                return candidate, target
    return None


def _rustc_builds_for(rustc: str, target: str) -> bool:
    with tempfile.TemporaryDirectory() as scratch:
        probe = Path(scratch) / "probe.rs"
        probe.write_text("fn main() {}\n")
        command = [rustc, "--target", target, str(probe), "-o", str(Path(scratch) / "probe.wasm")]
        return subprocess.run(command, capture_output=True, cwd=scratch, check=False).returncode == 0


def compile_command(target: Target) -> list[str] | None:
    """The compiler command line for a target, or None when its toolchain is missing."""
    output = str(target.output)
    sources = [str(source) for source in target.sources]
    if target.language in ("c", "c++"):
        driver = "c++" if target.language == "c++" else "cc"
        flags = [*BASE_C_FLAGS, *(CXX_EXTRA_FLAGS if driver == "c++" else ()), *target.flags]
        return [sys.executable, "-m", "ziglang", driver, *flags, *sources, "-o", output]
    if target.language == "zig":
        optimize = "Debug"
        for flag in target.flags:
            if flag.startswith("-O") and flag[2:] in ("ReleaseSafe", "ReleaseFast", "ReleaseSmall"):
                optimize = flag[2:]
        return [
            sys.executable,
            "-m",
            "ziglang",
            "build-exe",
            "-target",
            "wasm32-wasi",
            "-O",
            optimize,
            *sources,
            f"-femit-bin={output}",
        ]
    toolchain = rust_toolchain()
    if toolchain is None:
        return None
    rustc, wasm_target = toolchain
    return [rustc, "--target", wasm_target, "-g", "-C", "opt-level=0", *target.flags, *sources, "-o", output]


def build_target(target: Target) -> Path | None:
    """Build one target if it is out of date; None when its toolchain is not installed."""
    if is_up_to_date(target.output, target_inputs(target)):
        return target.output
    command = compile_command(target)
    if command is None:
        return None
    target.output.parent.mkdir(parents=True, exist_ok=True)
    # Zig writes its cache beside the output unless told otherwise; keep it out of the tree.
    run(command, target.output.parent, f"building {target.name}")
    for leftover in target.output.parent.glob(f"{target.output.stem}.o"):
        leftover.unlink()
    return target.output


def build_all(
    paths: Iterable[Path | str] = DEFAULT_PATHS, report: Callable[[str], None] | None = None
) -> dict[str, Path]:
    """Build every target under ``paths``; name -> built ``.wasm`` path.

    Targets whose toolchain is missing (Rust without Debian's wasm32 std) are left out and
    reported through ``report``. Raises BuildError when a compiler fails.
    """
    targets = discover(Path(p) for p in paths)
    names = [t.name for t in targets]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise BuildError(f"several sources build a module with the same name: {sorted(duplicates)}")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        outputs = list(pool.map(build_target, targets))
    built: dict[str, Path] = {}
    for target, output in zip(targets, outputs, strict=True):
        if output is None:
            if report:
                report(f"skipped {target.name}: {RUST_MISSING}")
        else:
            built[target.name] = output
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="source files or directories")
    args = parser.parse_args(argv)
    try:
        built = build_all(args.paths or DEFAULT_PATHS, report=lambda message: print(message, file=sys.stderr))
    except BuildError as error:
        print(error, file=sys.stderr)
        return 1
    for name, path in sorted(built.items()):
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
