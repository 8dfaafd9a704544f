"""RFC 2047 encoded-words, charset decoding, header bytes and line-end normalisation."""

from __future__ import annotations

import pytest

from imapd.mime import normalize_line_ends
from imapd.mime.charsets import decode_text
from imapd.mime.encoded_words import decode_encoded_words
from imapd.mime.headers import header_text
from imapd.mime.mime_params import parse_disposition, parse_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=?utf-8?q?caf=C3=A9?= =?utf-8?q?_au_lait?=", "café au lait"),
        ("=?utf-8?b?4oI=?= =?utf-8?b?rA==?=", "€"),  # a character split across two words
        ("a =?ISO-8859-1?Q?J=F8rn?= b", "a Jørn b"),  # blanks next to plain text stay
        ("=?KOI8-R?B?8NLJ18XU?=", "Привет"),
        ("=?iso-2022-jp?B?GyRCJUYlOSVIGyhC?=", "テスト"),
        ("=?utf-8*en?Q?hi?=", "hi"),  # RFC 2231 language suffix
        ("=?x-unknown?Q?caf=C3=A9?=", "café"),  # unknown charset: UTF-8 fallback
        ("=?utf-8?B?w6k?=", "é"),  # missing padding
        ("=?utf-8?B?!!!?=", ""),
        ("no words here", "no words here"),
        ("=?broken", "=?broken"),
    ],
)
def test_decode_encoded_words(text: str, expected: str) -> None:
    assert decode_encoded_words(text) == expected


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("é".encode(), "us-ascii", "é"),  # mislabelled UTF-8
        (b"\xe9", None, "é"),  # neither UTF-8 nor labelled: latin-1
        (b"\x80", "windows-1252", "€"),
        (b"\xe9", "base64", "é"),  # not a text codec: treated as unlabelled
        (b"\xe9", "no-such-charset", "é"),
        (b"\xff\xfe", "utf-8", "\ufffd\ufffd"),
        (b"x", '"UTF-8"', "x"),
    ],
)
def test_decode_text(data: bytes, charset: str | None, expected: str) -> None:
    assert decode_text(data, charset) == expected


def test_header_bytes_are_utf8_else_latin1_and_never_hold_nul() -> None:
    assert header_text("Grüße".encode()) == "Grüße"
    assert header_text(b"Fran\xe7ois") == "François"
    assert header_text(b"a\x00b") == "a\ufffdb"


def test_disposition_and_language_parsing() -> None:
    assert parse_disposition('attachment; filename="a b.txt" (c)') == (
        "attachment",
        [("filename", "a b.txt")],
    )
    assert parse_disposition("  ") is None
    assert parse_language("en-GB, (comment) de ,, fr") == ["en-GB", "de", "fr"]
    assert parse_language("") is None


def test_normalize_line_ends_turns_bare_lf_into_crlf_only() -> None:
    assert normalize_line_ends(b"a\nb\r\nc\rd\n") == b"a\r\nb\r\nc\rd\r\n"
    crlf = b"a\r\nb\r\n"
    assert normalize_line_ends(crlf) is crlf
