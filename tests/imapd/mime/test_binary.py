"""BINARY[part] and BINARY.SIZE[part] (RFC 3516): transfer encodings removed."""

from __future__ import annotations

import base64

from imapd.mime import binary_size, get_binary_section, get_section
from tests.imapd.mime import corpus

ALTERNATIVE = corpus.load("alternative-in-mixed.eml")


def test_quoted_printable_part_is_decoded_to_its_charset_bytes() -> None:
    expected = "Le café est prêt. Bientôt le déjeuner, mon ami très cher.".encode("iso-8859-1")
    assert get_binary_section(ALTERNATIVE, (1, 1)) == expected


def test_base64_part_is_decoded() -> None:
    png = get_binary_section(ALTERNATIVE, (2,))
    assert png is not None
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert binary_size(ALTERNATIVE, (2,)) == len(png) == 70


def test_unknown_transfer_encoding_gives_none_for_unknown_cte() -> None:
    raw = corpus.load("bad-base64.eml")
    assert get_binary_section(raw, (2,)) is None
    assert binary_size(raw, (2,)) is None
    assert get_binary_section(raw, ()) is None  # the whole message contains that part


def test_damaged_base64_is_decoded_as_far_as_possible() -> None:
    assert get_binary_section(corpus.load("bad-base64.eml"), (1,)) == b"Hello world"


def test_multipart_is_returned_with_every_leaf_decoded_and_declared_binary() -> None:
    alternative = get_binary_section(ALTERNATIVE, (1,))
    assert alternative is not None
    assert b"quoted-printable" not in alternative
    assert alternative.count(b"Content-Transfer-Encoding: binary\r\n\r\n") == 2
    assert "<b>prêt</b>".encode() in alternative


def test_whole_message_without_encoded_parts_is_unchanged() -> None:
    raw = corpus.load("nested-rfc822.eml")
    assert get_binary_section(raw, ()) == raw


def test_binary_keeps_nul_while_body_sections_replace_it() -> None:
    raw = corpus.load("nul-bytes.eml")
    assert get_binary_section(raw, (1,)) == b"before\x00after\r\nsecond line\r\n"
    assert get_section(raw, corpus.section_spec("1")) == b"before\x80after\r\nsecond line\r\n"


def test_missing_part_is_empty() -> None:
    assert get_binary_section(ALTERNATIVE, (7,)) == b""
    assert binary_size(ALTERNATIVE, (7,)) == 0


def test_base64_body_of_a_single_part_message_is_part_1() -> None:
    payload = bytes(range(256))
    encoded = base64.encodebytes(payload).replace(b"\n", b"\r\n")
    raw = b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: Base64\r\n\r\n"
    assert get_binary_section(raw + encoded, (1,)) == payload
