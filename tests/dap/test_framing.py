"""The DAP framing shared by the server, the terminal front end and the tests (pure logic, no server)."""

from __future__ import annotations

import io

import pytest

from dap_server.framing import MAX_BODY_BYTES, MAX_HEADER_BYTES, Decoder, FramingError, NotDap, encode, read_messages

REQUEST = {"seq": 1, "type": "request", "command": "initialize", "arguments": {"clientName": "éditeur"}}


def decode_all(data: bytes, chunk: int) -> list:
    decoder = Decoder()
    items = []
    for start in range(0, len(data), chunk):
        decoder.feed(data[start : start + chunk])
        while (item := decoder.next()) is not None:
            items.append(item)
    return items


@pytest.mark.parametrize("chunk", [1, 7, 1 << 16])
def test_messages_split_anywhere_decode_whole(chunk: int) -> None:
    second = {**REQUEST, "seq": 2}
    assert decode_all(encode(REQUEST) + encode(second), chunk) == [REQUEST, second]


def test_content_type_and_any_case_are_dap() -> None:
    data = b"content-length:2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}"
    assert decode_all(data, 64) == [{}]


def test_a_body_that_is_not_an_object_is_skipped_and_reading_goes_on() -> None:
    (not_json, not_object, request) = decode_all(
        b"Content-Length: 3\r\n\r\n{x}" + b"Content-Length: 2\r\n\r\n[]" + encode(REQUEST), 5
    )
    assert isinstance(not_json, FramingError) and "not valid JSON" in str(not_json)
    assert isinstance(not_object, FramingError) and not_object.fragment == []
    assert request == REQUEST


@pytest.mark.parametrize(
    "header",
    [
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2",
        b"Content-Length: 2\r\nOrigin: http://example.com",
        b"Content-Length: 2\r\nContent-Length: 2",
        b"Content-Type: text/plain",
        b"Content-Length: -2",
        b"Content-Length: 0x2",
        b"",
        b"Content-Length: %d" % (MAX_BODY_BYTES + 1),
    ],
)
def test_any_other_header_block_is_not_dap(header: bytes) -> None:
    decoder = Decoder()
    decoder.feed(header + b"\r\n\r\n{}")
    with pytest.raises(NotDap):
        decoder.next()


def test_a_header_without_end_is_not_dap_as_soon_as_it_passes_the_limit() -> None:
    decoder = Decoder()
    decoder.feed(b"X" * (MAX_HEADER_BYTES + 3))
    assert decoder.next() is None  # the end could still come
    decoder.feed(b"X")
    with pytest.raises(NotDap, match="no end of the header"):
        decoder.next()


def test_read_messages_reads_a_blocking_source_to_its_end() -> None:
    source = io.BytesIO(encode(REQUEST) * 3)
    assert list(read_messages(source.read, chunk_size=10)) == [REQUEST] * 3
