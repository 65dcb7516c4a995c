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
    command_name,
    parse_break,
    parse_command,
    parse_examine,
    parse_index,
    parse_info,
    parse_numbers,
    split_artificial_array,
    split_assignment,
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
        ("x/16xb 0x1000", Command("x", "0x1000", "16xb")),
        ("x &shelf", Command("x", "&shelf")),
        ("p/x total", Command("print", "total", "x")),
        ("display/i $pc", Command("display", "$pc", "i")),
        ("disas", Command("disassemble", "")),
        ("tb 60", Command("tbreak", "60")),
        ("wat total", Command("watch", "total")),  # an unambiguous prefix, as gdb allows
        ("si", Command("stepi", "")),
        ("u", Command("until", "")),
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
    command = parse_command(f"x{argument}")
    assert command is not None
    assert parse_examine(command.format, command.argument) == expected


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("/16qb 0x10", "invalid letter 'q'"),
        ("/x", "Argument required"),
        ("/0xb 0x10", "at least 1"),
        ("/-3xb 0x10", "invalid examine format"),
    ],
)
def test_bad_examine_formats(argument: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        command = parse_command(f"x{argument}")
        assert command is not None
        parse_examine(command.format, command.argument)


def test_ambiguous_prefix_names_the_candidates() -> None:
    with pytest.raises(CommandError, match='Ambiguous command "st": '):
        command_name("st")  # start, step, stepi
    assert command_name("s") == "step"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a.b = 3", ("a.b", "3")), ("a == 3", ("a == 3", None)), ("x <= 1", ("x <= 1", None)),
     ("s[\"=\"] = 1", ('s["="]', "1")), ("f(a = 1)", ("f(a = 1)", None))],
)  # fmt: skip
def test_assignment_is_split_at_its_top_level_equals(text: str, expected: tuple) -> None:
    assert split_assignment(text) == expected


def test_artificial_arrays_split_at_the_last_top_level_at() -> None:
    assert split_artificial_array("shelf[0].name[0]@3") == ("shelf[0].name[0]", "3")
    assert split_artificial_array('strchr("a@b", 64)') is None


def test_numbers_and_indices() -> None:
    assert parse_numbers("1 3", "breakpoint") == [1, 3]
    assert parse_numbers("", "breakpoint") == []
    assert parse_index("0", "frame") == 0
    with pytest.raises(CommandError, match="expected breakpoint numbers"):
        parse_numbers("1 x", "breakpoint")
    with pytest.raises(CommandError, match="expected a frame number"):
        parse_index("up", "frame")


def test_info_topics_accept_unique_prefixes() -> None:
    assert parse_info("locals") == ("locals", "")
    assert parse_info("b") == ("breakpoints", "")
    assert parse_info("ar") == ("args", "")
    assert parse_info("sharedlibrary") == ("sharedlibrary", "")
    assert parse_info("frame 2") == ("frame", "2")
    with pytest.raises(CommandError, match='"info" must be followed'):
        parse_info("")
    with pytest.raises(CommandError, match='"info" must be followed'):
        parse_info("nosuch")
