"""The ``launch`` and ``attach`` configurations, checked before anything is started."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator

from adapters.source.launching import DebuggeeError, LaunchOptions, check_program
from dap_server.protocol.base import ClientInput


class ConfigurationError(ValueError):
    """A launch or attach configuration that cannot work; the text says why."""


class PathMapping(ClientInput):
    local_root: str
    remote_root: str


class CommonConfig(ClientInput):
    stop_on_entry: bool = False
    # Rewrite source paths from the build machine: {"/build/dir": "/local/dir"}.
    source_map: dict[str, str] = Field(default_factory=dict)
    path_mappings: list[PathMapping] = Field(default_factory=list)
    no_debug: bool = False
    auth_token: str | None = None  # the TCP server's token (dap_server.access)
    # Python files of the user's own formatters (docs/formatters.md): user code the adapter runs.
    formatters: list[str] = Field(default_factory=list)

    def formatter_paths(self) -> list[Path]:
        """``formatters`` relative to the launch's ``cwd`` (or the adapter's, for an attach)."""
        base = Path(getattr(self, "cwd", None) or Path.cwd())
        return [base / Path(path).expanduser() for path in self.formatters]

    def path_rewrites(self) -> list[tuple[str, str]]:
        """(compiled-in prefix, local prefix) pairs, longest prefix first."""
        pairs = list(self.source_map.items())
        pairs += [(mapping.remote_root, mapping.local_root) for mapping in self.path_mappings]
        return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)


class LaunchConfig(CommonConfig):
    program: str
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    dirs: list[str] = Field(default_factory=list)  # Wasmtime --dir specs: HOST[::GUEST]
    preopens: dict[str, str] = Field(default_factory=dict)  # guest path -> host path
    stdin: str | None = None  # a file fed to the program's standard input
    wasmtime_path: str | None = None
    wasmtime_args: list[str] = Field(default_factory=list)  # e.g. ["-W", "threads=n", "-S", "http"]
    allow_precompiled: bool = False
    # The .wasm the program was built from (e.g. for a .cwasm): names its modules, and a module that
    # differs from it (or sources newer than it) is reported as stale instead of showing wrong lines.
    wasm_file: str | None = None
    backend: Literal["agent", "gdb"] = "agent"

    @field_validator("wasmtime_args")
    @classmethod
    def _options_only(cls, arguments: list[str]) -> list[str]:
        if arguments and not arguments[0].startswith("-"):
            raise ValueError(f"must start with an option such as -W or -S, not {arguments[0]!r}")
        return arguments

    def base_directory(self) -> Path:
        return Path(self.cwd) if self.cwd else Path.cwd()

    def program_path(self) -> Path:
        return self.base_directory() / Path(self.program).expanduser()

    def dir_specs(self) -> list[str]:
        """``dirs`` and ``preopens`` as Wasmtime --dir specs."""
        return [*self.dirs, *(f"{host}::{guest}" for guest, host in self.preopens.items())]

    def launch_options(self) -> LaunchOptions:
        base = self.base_directory()
        return LaunchOptions(
            program=self.program_path(),
            args=self.args,
            env=self.env,
            cwd=base,
            dirs=self.dir_specs(),
            stdin=base / self.stdin if self.stdin else None,
            wasmtime=self.wasmtime_path,
            wasmtime_args=self.wasmtime_args,
            allow_precompiled=self.allow_precompiled,
            module_file=base / self.wasm_file if self.wasm_file else None,
        )

    def check(self) -> None:
        """Raise ConfigurationError naming the first thing that cannot work."""
        self._check_no_nul_characters()
        if self.cwd is not None and not Path(self.cwd).is_dir():
            raise ConfigurationError(f"cwd is not a directory: {self.cwd}")
        try:
            check_program(self.program_path(), self.allow_precompiled)
        except DebuggeeError as error:
            raise ConfigurationError(str(error)) from error
        except RuntimeError as error:  # expanduser: "~someone" with no such user
            raise ConfigurationError(f"program {self.program}: {error}") from error
        if self.stdin is not None and not (self.base_directory() / self.stdin).is_file():
            raise ConfigurationError(f"stdin file not found: {self.stdin}")
        for formatters in self.formatter_paths():
            if not formatters.is_file():
                raise ConfigurationError(f"formatters file not found: {formatters}")
        if self.wasm_file and not (self.base_directory() / self.wasm_file).is_file():
            raise ConfigurationError(f"wasmFile not found: {self.wasm_file}")
        for spec in self.dir_specs():
            host = spec.split("::", 1)[0]
            if not (self.base_directory() / host).is_dir():
                raise ConfigurationError(f"directory to preopen not found: {host}")
        if self.wasmtime_path is not None:
            wasmtime = Path(self.wasmtime_path)
            if not wasmtime.is_file() or not os.access(wasmtime, os.X_OK):
                raise ConfigurationError(f"wasmtimePath is not an executable file: {self.wasmtime_path}")
        for name in self.env:
            if not name or "=" in name:
                raise ConfigurationError(f"env: not a variable name: {name!r}")

    def _check_no_nul_characters(self) -> None:
        """Paths, arguments and variables end up in system calls, which cannot take a NUL."""
        fields = {"program": [self.program], "cwd": [self.cwd or ""], "stdin": [self.stdin or ""], "args": self.args}
        fields["wasmFile"] = [self.wasm_file or ""]
        fields |= {"env": [*self.env, *self.env.values()], "dirs": self.dir_specs(), "wasmtimeArgs": self.wasmtime_args}
        for name, texts in fields.items():
            if any("\0" in text for text in texts):
                raise ConfigurationError(f"{name} contains a NUL character")


class AttachConfig(CommonConfig):
    host: str = "127.0.0.1"
    port: int = Field(ge=1, le=65535)
