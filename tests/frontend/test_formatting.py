"""How the console renders frames, memory and colour."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from dap_server.frontend.commands import Examine
from dap_server.frontend.formatting import (
    SourceCache,
    Style,
    backtrace_line,
    c_string,
    frame_location,
    memory_dump,
    source_line,
)
from dap_server.frontend.printing import reformat_integer, type_definition

PLAIN = Style(enabled=False)


def test_frame_with_source_shows_function_file_and_line() -> None:
    frame = {"id": 1, "name": "order_total", "line": 46, "source": {"path": "/src/inventory.c"}}
    frame["instructionPointerReference"] = "0x1ade"
    assert frame_location(frame, "orders=0x1010030", PLAIN) == "order_total (orders=0x1010030) at inventory.c:46"
    assert backtrace_line(0, frame, "", PLAIN) == "#0  order_total () at inventory.c:46"
    assert backtrace_line(3, frame, "", PLAIN) == "#3  0x1ade in order_total () at inventory.c:46"  # a caller's PC


def test_frame_without_source_shows_its_address() -> None:
    frame = {"id": 2, "name": "__original_main", "line": 0, "instructionPointerReference": "0x1f64"}
    assert frame_location(frame, None, PLAIN) == "0x1f64 in __original_main ()"


def test_source_line_is_read_from_the_file(tmp_path: Path) -> None:
    source = tmp_path / "a.c"
    source.write_text("int main(void) {\n    return 7;\n}\n")
    frame = {"line": 2, "source": {"path": str(source)}}
    assert source_line(frame, SourceCache()) == "2\t    return 7;"
    missing = {"line": 2, "source": {"path": str(tmp_path / "gone.c")}}
    assert source_line(missing, SourceCache()) == f"2\tin {tmp_path / 'gone.c'}"


def test_memory_dump_of_bytes_shows_eight_per_row() -> None:
    rows = memory_dump(0x1000, b"apple\x00\x00\x00\x0c", Examine(9, "x", 1, "x"), PLAIN)
    assert rows == [
        "0x00001000:\t0x61\t0x70\t0x70\t0x6c\t0x65\t0x00\t0x00\t0x00",
        "0x00001008:\t0x0c",
    ]


def test_memory_dump_of_words_is_little_endian() -> None:
    data = (12).to_bytes(4, "little") + (-3).to_bytes(4, "little", signed=True)
    assert memory_dump(0x20, data, Examine(2, "d", 4, "x"), PLAIN) == ["0x00000020:\t12\t-3"]
    assert memory_dump(0x20, data, Examine(2, "x", 4, "x"), PLAIN) == ["0x00000020:\t0x0000000c\t0xfffffffd"]
    assert memory_dump(0x20, data[:4], Examine(1, "t", 4, "x"), PLAIN) == [f"0x00000020:\t{12:032b}"]


def test_c_strings_are_escaped_as_gdb_does() -> None:
    assert c_string(b'say "hi"\n\x01\0rest') == '"say \\"hi\\"\\n\\001"'


def test_integers_in_print_formats() -> None:
    assert reformat_integer("-1", 4, "x") == "0xffffffff"
    assert reformat_integer("10", 4, "t") == "1010"
    assert reformat_integer("8", 4, "o") == "010"
    assert reformat_integer("65", 1, "c") == "65 'A'"
    assert reformat_integer("255", 1, "d") == "-1"
    assert reformat_integer("2.5", 8, "x") == "2.5"  # not an integer: as it was


def test_ptype_shape_of_a_struct_and_a_pointer_to_one() -> None:
    fields = [{"name": "name", "type": "char [16]"}, {"name": "next", "type": "struct item *"}]
    assert type_definition("struct item *", fields) == (
        "type = struct item {\n    char name[16];\n    struct item *next;\n} *"
    )
    assert type_definition("int", []) == "type = int"


def test_memory_dump_of_chars() -> None:
    assert memory_dump(0, b"a\n", Examine(2, "c", 1, "x"), PLAIN) == ["0x00000000:\t97 'a'\t10 '\\x0a'"]


def test_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert not Style.for_stream(io.StringIO()).enabled
    leader, follower = os.openpty()
    try:
        with os.fdopen(follower, "w", closefd=False) as terminal:
            assert Style.for_stream(terminal).enabled
            monkeypatch.setenv("NO_COLOR", "1")
            assert not Style.for_stream(terminal).enabled
    finally:
        os.close(leader)
        os.close(follower)
    assert Style(enabled=True).paint("error", "bad") == "\x1b[31mbad\x1b[0m"
    assert PLAIN.paint("error", "bad") == "bad"
