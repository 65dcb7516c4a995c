"""The console's command language: gdb-style lines parsed into small command objects."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass


class CommandError(ValueError):
    """A command line that cannot be understood; the text says why."""


@dataclass(frozen=True)
class Command:
    name: str  # canonical name, e.g. "next" for "n"
    argument: str  # the rest of the line, stripped


@dataclass(frozen=True)
class SourceLocation:
    path: str
    line: int


@dataclass(frozen=True)
class FunctionLocation:
    name: str


@dataclass(frozen=True)
class BreakSpec:
    location: SourceLocation | FunctionLocation
    condition: str | None


@dataclass(frozen=True)
class Examine:
    count: int
    format: str  # one of FORMATS
    unit_size: int  # bytes per unit
    address: str  # an expression


ALIASES = {
    "b": "break", "br": "break", "break": "break",
    "r": "run", "run": "run",
    "c": "continue", "cont": "continue", "continue": "continue",
    "n": "next", "next": "next",
    "s": "step", "step": "step",
    "fin": "finish", "finish": "finish",
    "bt": "backtrace", "backtrace": "backtrace", "where": "backtrace",
    "p": "print", "print": "print",
    "i": "info", "info": "info",
    "x": "x",
    "display": "display", "undisplay": "undisplay",
    "d": "delete", "delete": "delete",
    "f": "frame", "frame": "frame", "up": "up", "down": "down",
    "q": "quit", "quit": "quit", "exit": "quit",
    "h": "help", "help": "help",
}  # fmt: skip
INFO_TOPICS = ("locals", "args", "breakpoints", "display")
FORMATS = {"x": "hex", "d": "signed decimal", "u": "unsigned decimal", "o": "octal", "t": "binary", "c": "char"}
UNIT_SIZES = {"b": 1, "h": 2, "w": 4, "g": 8}
_EXAMINE = re.compile(r"^(?P<count>\d+)?(?P<letters>[a-z]*)$")


def parse_command(line: str) -> Command | None:
    """The command on a line, or None for a blank line or a comment."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    if text.startswith("x/"):  # x/16xb ADDR: the format is glued to the command name
        return Command("x", text[1:])
    word, _, rest = text.partition(" ")
    name = ALIASES.get(word)
    if name is None:
        raise CommandError(f'Undefined command: "{word}". Try "help".')
    return Command(name, rest.strip())


def parse_break(argument: str) -> BreakSpec:
    """``FILE:LINE`` or ``FUNCTION``, either optionally followed by ``if CONDITION``."""
    match = re.match(r"^(?P<location>\S+)(?:\s+if\s+(?P<condition>.+))?$", argument.strip())
    if match is None:
        raise CommandError("usage: break FILE:LINE | break FUNCTION  [if CONDITION]")
    condition = (match["condition"] or "").strip()
    return BreakSpec(parse_location(match["location"]), condition or None)


def parse_location(text: str) -> SourceLocation | FunctionLocation:
    if not text:
        raise CommandError("usage: break FILE:LINE | break FUNCTION  [if CONDITION]")
    path, colon, line = text.rpartition(":")
    if colon and path and not path.endswith(":"):  # C++ names such as Shape::area have "::"
        if not line.isdigit() or int(line) < 1:
            raise CommandError(f"invalid line number {line!r} in {text!r}")
        return SourceLocation(path, int(line))
    return FunctionLocation(text)


def parse_examine(argument: str) -> Examine:
    """``/NFU ADDRESS`` (each of N, F, U optional) or ``ADDRESS``; defaults: 1, x, w."""
    spec, address = "", argument.strip()
    if address.startswith("/"):
        spec, _, address = address[1:].partition(" ")
        address = address.strip()
    match = _EXAMINE.match(spec)
    if match is None:
        raise CommandError(f"invalid examine format /{spec}: use /COUNT FORMAT SIZE, e.g. x/16xb ADDRESS")
    count = int(match["count"] or 1)
    format_letter, unit_size = "x", 4
    for letter in match["letters"]:
        if letter in FORMATS:
            format_letter = letter
        elif letter in UNIT_SIZES:
            unit_size = UNIT_SIZES[letter]
        else:
            raise CommandError(f"invalid letter {letter!r} in /{spec}: formats are {''.join(FORMATS)}, sizes bhwg")
    if format_letter == "c":
        unit_size = 1
    if count < 1:
        raise CommandError("the count must be at least 1")
    if not address:
        raise CommandError("usage: x/NFU ADDRESS, e.g. x/16xb &shelf")
    return Examine(count, format_letter, unit_size, address)


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


def parse_info(argument: str) -> str:
    topic = argument.split()[0] if argument.split() else ""
    matches = [name for name in INFO_TOPICS if topic and name.startswith(topic)]
    if len(matches) != 1:
        raise CommandError(f"usage: info {'|'.join(INFO_TOPICS)}")
    return matches[0]
