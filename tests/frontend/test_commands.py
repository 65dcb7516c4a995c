"""Parsing of the console's gdb-style commands."""

from __future__ import annotations

import pytest

from dap_server.frontend.commands import (
    BreakSpec,
    Command,
    CommandError,
    Examine,
    FunctionLocation,
    SourceLocation,
    parse_break,
    parse_command,
    parse_examine,
    parse_index,
    parse_info,
    parse_numbers,
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("b main", Command("break", "main")),
        ("  next  ", Command("next", "")),
        ("n", Command("next", "")),
        ("s", Command("step", "")),
        ("c", Command("continue", "")),
        ("fin", Command("finish", "")),
        ("bt", Command("backtrace", "")),
        ("where", Command("backtrace", "")),
        ("p shelf[1].quantity", Command("print", "shelf[1].quantity")),
        ("x/16xb 0x1000", Command("x", "/16xb 0x1000")),
        ("x &shelf", Command("x", "&shelf")),
        ("info locals", Command("info", "locals")),
        ("q", Command("quit", "")),
    ],
)
def test_commands_and_abbreviations(line: str, expected: Command) -> None:
    assert parse_command(line) == expected


@pytest.mark.parametrize("line", ["", "   ", "# a comment"])
def test_blank_lines_and_comments_are_no_commands(line: str) -> None:
    assert parse_command(line) is None


def test_unknown_command_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match='Undefined command: "frobnicate"'):
        parse_command("frobnicate now")


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("inventory.c:46", BreakSpec(SourceLocation("inventory.c", 46), None)),
        ("src/a b.c:3", None),  # a space ends the location: "b.c:3" is not a condition
        ("restock", BreakSpec(FunctionLocation("restock"), None)),
        ("Rectangle::area", BreakSpec(FunctionLocation("Rectangle::area"), None)),
        ("inventory.c:70 if i == 3", BreakSpec(SourceLocation("inventory.c", 70), "i == 3")),
        ("restock if target > 5", BreakSpec(FunctionLocation("restock"), "target > 5")),
    ],
)
def test_break_locations(argument: str, expected: BreakSpec | None) -> None:
    if expected is None:
        with pytest.raises(CommandError):
            parse_break(argument)
    else:
        assert parse_break(argument) == expected


@pytest.mark.parametrize("argument", ["", "inventory.c:0", "inventory.c:abc", "inventory.c:-4"])
def test_bad_break_arguments(argument: str) -> None:
    with pytest.raises(CommandError):
        parse_break(argument)


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("/16xb 0x1000", Examine(16, "x", 1, "0x1000")),
        ("/4dw &shelf[1].quantity", Examine(4, "d", 4, "&shelf[1].quantity")),
        ("/2xg orders", Examine(2, "x", 8, "orders")),
        ("/8c shelf[0].name", Examine(8, "c", 1, "shelf[0].name")),
        ("/3 &total", Examine(3, "x", 4, "&total")),
        ("&total", Examine(1, "x", 4, "&total")),
    ],
)
def test_examine_formats(argument: str, expected: Examine) -> None:
    assert parse_examine(argument) == expected


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("/16qb 0x10", "invalid letter 'q'"),
        ("/x", "usage: x/NFU ADDRESS"),
        ("/0xb 0x10", "at least 1"),
        ("/-3xb 0x10", "invalid examine format"),
    ],
)
def test_bad_examine_formats(argument: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        parse_examine(argument)


def test_numbers_and_indices() -> None:
    assert parse_numbers("1 3", "breakpoint") == [1, 3]
    assert parse_numbers("", "breakpoint") == []
    assert parse_index("0", "frame") == 0
    with pytest.raises(CommandError, match="expected breakpoint numbers"):
        parse_numbers("1 x", "breakpoint")
    with pytest.raises(CommandError, match="expected a frame number"):
        parse_index("up", "frame")


def test_info_topics_accept_unique_prefixes() -> None:
    assert parse_info("locals") == "locals"
    assert parse_info("b") == "breakpoints"
    assert parse_info("ar") == "args"
    with pytest.raises(CommandError, match="usage: info"):
        parse_info("")
    with pytest.raises(CommandError, match="usage: info"):
        parse_info("registers")
