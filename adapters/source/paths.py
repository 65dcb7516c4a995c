"""Source paths: resolving DWARF file entries, user path mappings, and matching a path the
user asks for against the paths DWARF knows."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable, Sequence


def normalise(path: str) -> str:
    """Collapse ``.``/``..`` and duplicate separators, with ``/`` as separator."""
    if not path:
        return path
    path = path.replace("\\", "/")
    drive = ""
    if len(path) >= 2 and path[1] == ":":  # a Windows drive letter from a cross-compiled module
        drive, path = path[:2], path[2:]
    return drive + posixpath.normpath(path)


def is_absolute(path: str) -> bool:
    return path.startswith(("/", "\\")) or (len(path) >= 3 and path[1] == ":" and path[2] in "/\\")


def join_dwarf_path(comp_dir: str, directory: str, name: str) -> str:
    """A file entry's full path: ``name`` under its directory entry, under the CU's comp_dir."""
    if is_absolute(name):
        return normalise(name)
    if directory and not is_absolute(directory):
        directory = posixpath.join(comp_dir, directory) if comp_dir else directory
    elif not directory:
        directory = comp_dir
    return normalise(posixpath.join(directory, name) if directory else name)


class PathMapper:
    """Rewrites DWARF paths with user mappings: a list of (from-prefix, to-prefix).

    The longest matching prefix wins; prefixes match whole path components.
    """

    def __init__(self, mappings: Iterable[tuple[str, str]] = ()) -> None:
        pairs = [(normalise(source).rstrip("/"), normalise(target).rstrip("/")) for source, target in mappings]
        self.mappings = sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)

    def apply(self, path: str) -> str:
        for source, target in self.mappings:
            if path == source or path.startswith(source + "/"):
                return target + path[len(source) :]
        return path


def _real(path: str) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError):
        return path


def match_path(requested: str, known: Sequence[str]) -> str | None:
    """The known (resolved, mapped) path a user's path means: exact, then the same real
    file, then the unique known path ending with the requested path's components."""
    wanted = normalise(requested)
    if wanted in known:
        return wanted
    real = _real(wanted)
    same_file = [path for path in known if is_absolute(path) and _real(path) == real]
    if len(same_file) == 1:
        return same_file[0]
    components = wanted.strip("/").split("/")
    for length in range(len(components), 0, -1):
        suffix = "/" + "/".join(components[-length:])
        candidates = [path for path in known if ("/" + path.lstrip("/")).endswith(suffix)]
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            return None  # ambiguous even with the longest suffix: refuse to guess
    return None
