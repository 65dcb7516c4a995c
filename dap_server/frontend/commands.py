"""The console's command language: gdb-style lines parsed into small command objects.

Command names follow gdb's rules: a fixed set of short aliases (``b``, ``n``, ``bt`` ...), otherwise any
unambiguous prefix of a command's name. A ``/FMT`` glued to the name (``p/x``, ``x/16xb``, ``display/x``)
is the command's format.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass


class CommandError(ValueError):
    """A command line that cannot be understood; the text says why."""


@dataclass(frozen=True)
class Command:
    name: str  # canonical name, e.g. "next" for "n"
    argument: str  # the rest of the line, stripped
    format: str = ""  # what followed a "/" glued to the name: "x" for p/x, "16xb" for x/16xb


@dataclass(frozen=True)
class SourceLocation:
    path: str
    line: int


@dataclass(frozen=True)
class FunctionLocation:
    name: str


@dataclass(frozen=True)
class LineInCurrentFile:
    line: int


Location = SourceLocation | FunctionLocation | LineInCurrentFile


@dataclass(frozen=True)
class BreakSpec:
    location: Location
    condition: str | None


@dataclass(frozen=True)
class Examine:
    count: int
    format: str  # one of EXAMINE_FORMATS
    unit_size: int  # bytes per unit
    address: str  # an expression


COMMANDS = (
    "advance", "backtrace", "break", "catch", "continue", "delete", "disassemble", "display", "down", "echo",
    "finish",
    "frame", "help", "info", "kill", "list", "next", "nexti", "print", "ptype", "quit", "run", "set", "start",
    "step", "stepi", "tbreak", "undisplay", "until", "up", "watch", "whatis", "x",
)  # fmt: skip
ALIASES = {
    "b": "break", "br": "break", "brea": "break", "tb": "tbreak", "c": "continue", "cont": "continue",
    "fg": "continue", "n": "next", "s": "step", "si": "stepi", "ni": "nexti", "fin": "finish", "bt": "backtrace",
    "where": "backtrace", "p": "print", "inspect": "print", "call": "print", "i": "info", "d": "delete",
    "f": "frame", "u": "until", "l": "list", "disas": "disassemble", "q": "quit", "exit": "quit", "h": "help",
    "r": "run", "k": "kill",
}  # fmt: skip
INFO_TOPICS = (
    "args", "breakpoints", "display", "frame", "locals", "registers", "sharedlibrary", "source", "watchpoints",
)  # fmt: skip
INFO_ALIASES = {"b": "breakpoints", "all-registers": "registers", "modules": "sharedlibrary", "dll": "sharedlibrary"}
PRINT_FORMATS = {
    "x": "hexadecimal", "d": "signed decimal", "u": "unsigned decimal", "o": "octal", "t": "binary",
    "c": "character", "a": "address", "z": "zero-padded hexadecimal", "s": "string", "f": "float",
}  # fmt: skip
EXAMINE_FORMATS = {**PRINT_FORMATS, "i": "instruction"}
UNIT_SIZES = {"b": 1, "h": 2, "w": 4, "g": 8}
_EXAMINE = re.compile(r"^(?P<count>\d+)?(?P<letters>[a-z]*)$")
_WORD = re.compile(r"^(?P<word>[A-Za-z-]+)(?:/(?P<format>\S*))?(?P<rest>.*)$")


def parse_command(line: str) -> Command | None:
    """The command on a line, or None for a blank line or a comment."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    match = _WORD.match(text)
    if match is None:
        raise CommandError(f'Undefined command: "{text.split()[0]}". Try "help".')
    return Command(command_name(match["word"]), match["rest"].strip(), match["format"] or "")


def command_name(word: str) -> str:
    """The canonical command for what was typed: an alias, a whole name, or an unambiguous prefix."""
    if word in ALIASES:
        return ALIASES[word]
    if word in COMMANDS:
        return word
    candidates = [name for name in COMMANDS if name.startswith(word)]
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        raise CommandError(f'Ambiguous command "{word}": {", ".join(candidates)}.')
    raise CommandError(f'Undefined command: "{word}". Try "help".')


def command_name_or_none(word: str) -> str | None:
    try:
        return command_name(word)
    except CommandError:
        return None


def parse_break(argument: str) -> BreakSpec:
    """``FILE:LINE``, ``LINE`` or ``FUNCTION``, each optionally followed by ``if CONDITION``."""
    match = re.match(r"^(?P<location>\S+)(?:\s+if\s+(?P<condition>.+))?$", argument.strip())
    if match is None:
        raise CommandError("usage: break FILE:LINE | LINE | FUNCTION  [if CONDITION]")
    condition = (match["condition"] or "").strip()
    return BreakSpec(parse_location(match["location"]), condition or None)


def parse_location(text: str) -> Location:
    if not text:
        raise CommandError("usage: break FILE:LINE | LINE | FUNCTION  [if CONDITION]")
    if text.isdigit():
        return LineInCurrentFile(_line_number(text, text))
    path, colon, line = text.rpartition(":")
    if colon and path and not path.endswith(":"):  # C++ names such as Shape::area have "::"
        return SourceLocation(path, _line_number(line, text))
    return FunctionLocation(text)


def _line_number(text: str, whole: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise CommandError(f"invalid line number {text!r} in {whole!r}")
    return int(text)


def parse_print_format(spec: str) -> str:
    """The format letter of ``print/FMT``, ``display/FMT`` or ``output/FMT`` (empty: natural)."""
    if spec and (len(spec) != 1 or spec not in PRINT_FORMATS):
        letters = "".join(PRINT_FORMATS)
        raise CommandError(f"Undefined output format {spec!r}: use one of {letters}, e.g. print/x EXPR")
    return spec


def parse_examine(spec: str, address: str) -> Examine:
    """``x/NFU ADDRESS`` (each of N, F, U optional) or ``x ADDRESS``; defaults: 1, x, w."""
    match = _EXAMINE.match(spec)
    if match is None:
        raise CommandError(f"invalid examine format /{spec}: use /COUNT FORMAT SIZE, e.g. x/16xb ADDRESS")
    count = int(match["count"] or 1)
    format_letter, unit_size = "x", 4
    for letter in match["letters"]:
        if letter in EXAMINE_FORMATS:
            format_letter = letter
        elif letter in UNIT_SIZES:
            unit_size = UNIT_SIZES[letter]
        else:
            formats = "".join(EXAMINE_FORMATS)
            raise CommandError(f"invalid letter {letter!r} in /{spec}: formats are {formats}, sizes bhwg")
    if format_letter in ("c", "s", "i"):
        unit_size = 1
    if count < 1:
        raise CommandError("the count must be at least 1")
    if not address.strip():
        raise CommandError("Argument required (starting display address).")
    return Examine(count, format_letter, unit_size, address.strip())


def parse_numbers(argument: str, what: str) -> list[int]:
    """Space-separated positive numbers, e.g. the breakpoints of ``delete 1 3``."""
    try:
        words = shlex.split(argument)
    except ValueError as error:
        raise CommandError(str(error)) from None
    if not all(word.isdigit() and int(word) > 0 for word in words):
        raise CommandError(f"expected {what} numbers, got {argument!r}")
    return [int(word) for word in words]


def parse_index(argument: str, what: str) -> int:
    """A single number from 0 up, e.g. the level of ``frame 2``."""
    if not argument.strip().isdigit():
        raise CommandError(f"expected a {what} number, got {argument!r}")
    return int(argument)


def parse_count(argument: str) -> int:
    """The optional count of ``up N`` and ``down N`` (1 without one)."""
    if not argument.strip():
        return 1
    if not argument.strip().isdigit():
        raise CommandError(f"expected a number of frames, got {argument!r}")
    return int(argument)


def parse_info(argument: str) -> tuple[str, str]:
    """``info TOPIC [REST]``: the topic by unambiguous prefix, and the rest of the line."""
    topic, _, rest = argument.strip().partition(" ")
    if topic in INFO_ALIASES:
        return INFO_ALIASES[topic], rest.strip()
    matches = [name for name in INFO_TOPICS if topic and name.startswith(topic)]
    if len(matches) != 1:
        raise CommandError(f'"info" must be followed by the name of an info command: {", ".join(INFO_TOPICS)}.')
    return matches[0], rest.strip()


def parse_assignment(argument: str) -> tuple[str, str]:
    """``set var LVALUE = VALUE`` (also ``set variable`` and plain ``set``): the two sides."""
    text = re.sub(r"^(var|variable)\s+", "", argument.strip())
    left, value = split_assignment(text)
    if value is None:
        raise CommandError("usage: set var VARIABLE = VALUE")
    return left, value


def split_assignment(text: str) -> tuple[str, str | None]:
    """``a.b = 3`` -> ("a.b", "3"); an expression without a top-level ``=`` -> (text, None)."""
    for index in _top_level(text, "="):
        before, after = text[index - 1 : index], text[index + 1 : index + 2]
        if before not in ("=", "!", "<", ">") and after != "=":
            return text[:index].strip(), text[index + 1 :].strip()
    return text, None


def split_artificial_array(text: str) -> tuple[str, str] | None:
    """gdb's ``LEFT@COUNT`` (an array of COUNT objects starting at LEFT): the two sides, or None."""
    found = list(_top_level(text, "@"))
    return (text[: found[-1]].strip(), text[found[-1] + 1 :].strip()) if found else None


def _top_level(text: str, wanted: str) -> Iterator[int]:
    """Where ``wanted`` stands in ``text`` outside brackets and quoted text."""
    depth, quote = 0, ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote and text[index - 1] != "\\" else quote
        elif char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == wanted and depth == 0:
            yield index
