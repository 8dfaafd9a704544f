"""BODY[section] contents (RFC 3501 6.4.5) on nested parts, and the SectionSpec rules."""

from __future__ import annotations

import pytest

from imapd.mime import SectionSpec, get_section, partial
from tests.imapd.mime import corpus

NESTED = corpus.load("nested-rfc822.eml")
INNER_HEADER = (
    b"From: Original Sender <orig@example.com>\r\nTo: forwarder@example.org\r\n"
    b"Subject: inner multipart\r\nDate: Wed, 02 Aug 2023 09:00:00 +0100\r\n"
    b"Message-ID: <inner-1@example.com>\r\nIn-Reply-To: <parent@example.com>\r\n"
    b'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="in-b"\r\n\r\n'
)
INNER_TEXT = (
    b"--in-b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\ninner plain text\r\n"
    b"second line\r\n--in-b\r\nContent-Type: text/html; charset=us-ascii\r\n\r\n"
    b"<p>inner html</p>\r\n--in-b--\r\n"
)


def _section(raw: bytes, part: tuple[int, ...], text: str | None = None, *names: str) -> bytes:
    return get_section(raw, SectionSpec(part, text, names))


def test_whole_message_header_and_text() -> None:
    header = _section(NESTED, (), "HEADER")
    assert header.startswith(b"From: forwarder@example.org\r\n")
    assert header.endswith(b'boundary="fwd-b"\r\n\r\n')
    assert _section(NESTED, ()) == NESTED
    assert header + _section(NESTED, (), "TEXT") == NESTED


def test_message_rfc822_part_is_the_whole_encapsulated_message() -> None:
    assert _section(NESTED, (2,)) == INNER_HEADER + INNER_TEXT
    assert _section(NESTED, (2,), "HEADER") == INNER_HEADER
    assert _section(NESTED, (2,), "TEXT") == INNER_TEXT


def test_mime_header_of_a_message_rfc822_part_is_its_own_header() -> None:
    expected = b"Content-Type: message/rfc822\r\nContent-Description: first forwarded\r\n\r\n"
    assert _section(NESTED, (2,), "MIME") == expected


def test_subparts_of_an_encapsulated_multipart() -> None:
    assert _section(NESTED, (2, 1)) == b"inner plain text\r\nsecond line"
    assert _section(NESTED, (2, 2)) == b"<p>inner html</p>"
    assert _section(NESTED, (2, 2), "MIME") == b"Content-Type: text/html; charset=us-ascii\r\n\r\n"


def test_part_1_of_an_encapsulated_single_part_message_is_its_body() -> None:
    header = b"Subject: inner simple\r\nFrom: x@example.com\r\n\r\n"
    assert _section(NESTED, (3,)) == header + b"Just a body."
    assert _section(NESTED, (3, 1)) == b"Just a body."
    assert _section(NESTED, (3, 1), "MIME") == header
    assert _section(NESTED, (3, 2)) == b""


def test_part_1_of_a_single_part_message_is_its_body_and_its_mime_is_the_header() -> None:
    raw = corpus.load("simple.eml")
    assert _section(raw, (1,)) == b"Hello Bob,\r\ncould we meet at 3pm?\r\n-- \r\nAlice\r\n"
    assert _section(raw, (1,), "MIME") == _section(raw, (), "HEADER")
    assert _section(raw, (1, 1)) == b""
    assert _section(raw, (2,)) == b""


def test_leaf_inside_a_multipart_answers_to_one_extra_1_like_dovecot() -> None:
    assert _section(NESTED, (1, 1)) == _section(NESTED, (1,)) == b"See the forwarded messages."
    assert _section(NESTED, (2, 1, 1)) == _section(NESTED, (2, 1))
    assert _section(NESTED, (1, 1, 1)) == b""


def test_header_and_text_of_a_part_that_is_not_a_message_are_empty() -> None:
    assert _section(NESTED, (1,), "HEADER") == b""
    assert _section(NESTED, (1,), "TEXT") == b""
    assert _section(NESTED, (1,), "HEADER.FIELDS", "Content-Type") == b""


def test_missing_parts_are_empty() -> None:
    assert _section(NESTED, (4,)) == b""
    assert _section(NESTED, (9,), "MIME") == b""
    assert _section(NESTED, (2, 3)) == b""


def test_top_level_message_rfc822_body_is_the_encapsulated_message() -> None:
    raw = corpus.load("top-level-rfc822.eml")
    assert _section(raw, (1,)).startswith(b"From: wrapped@example.org\r\n")
    assert _section(raw, (1,), "HEADER").endswith(b"boundary=w\r\n\r\n")
    assert _section(raw, (1, 2)) == b"wrapped part two"


def test_header_fields_keeps_folded_lines_and_message_order() -> None:
    raw = corpus.load("encoded-headers.eml")
    assert _section(raw, (), "HEADER.FIELDS", "references", "SUBJECT") == (
        b"Subject: =?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
        b" =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?= and =?utf-8?Q?=E2=82=AC?="
        b" plain\r\nReferences: <a@example.org>\r\n <b@example.org>\r\n\r\n"
    )


def test_header_fields_not_returns_every_other_field() -> None:
    raw = corpus.load("duplicate-and-odd.eml")
    assert _section(raw, (), "HEADER.FIELDS.NOT", "subject", "from", "to", "date") == (
        b"Message-ID:    <spaced@example.org>   \r\nContent-Type: text\r\n"
        b"Content-Transfer-Encoding: QUOTED-PRINTABLE\r\n\r\n"
    )


def test_header_fields_on_an_encapsulated_message() -> None:
    fields = _section(NESTED, (2,), "HEADER.FIELDS", "Subject", "X-Absent")
    assert fields == b"Subject: inner multipart\r\n\r\n"


def test_header_fields_without_a_match_is_a_blank_line_or_nothing_without_one() -> None:
    assert _section(NESTED, (), "HEADER.FIELDS", "X-Absent") == b"\r\n"
    headers_only = corpus.load("headers-only.eml")
    assert _section(headers_only, (), "HEADER.FIELDS", "X-Absent") == b""
    assert _section(headers_only, (), "HEADER.FIELDS", "From") == (
        b"From: nobody@example.org\r\n\r\n"
    )


def test_empty_part_header_gives_its_blank_line_to_the_delimiter() -> None:
    raw = corpus.load("empty-parts.eml")
    assert _section(raw, (1,), "MIME") == b""
    assert _section(raw, (2,), "MIME") == b"Content-Type: text/plain\r\n"
    assert _section(raw, (2,)) == b""


def test_bare_lf_message_sections_keep_their_line_ends() -> None:
    raw = corpus.load("bare-lf.lf.eml")
    assert _section(raw, (1,)) == b"line one\nline two"
    assert _section(raw, (1,), "MIME") == b"Content-Type: text/plain\n\n"
    assert _section(raw, (), "HEADER.FIELDS", "Subject") == b"Subject: bare LF line ends\n\n"


def test_nul_is_sent_as_0x80_in_body_sections() -> None:
    raw = corpus.load("nul-bytes.eml")
    assert _section(raw, (), "TEXT") == b"before\x80after\r\nsecond line\r\n"
    assert b"\x00" not in _section(raw, ())
    assert len(_section(raw, ())) == len(raw)


@pytest.mark.parametrize(
    ("part", "text", "names"),
    [
        ((), "MIME", ()),
        ((0,), None, ()),
        ((1,), "BODY", ()),
        ((), "HEADER.FIELDS", ()),
        ((), "HEADER", ("From",)),
    ],
)
def test_invalid_section_specs_are_refused(
    part: tuple[int, ...], text: str | None, names: tuple[str, ...]
) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies with the rule broken
        SectionSpec(part, text, names)


def test_partial_slices_and_is_empty_past_the_end() -> None:
    assert partial(b"0123456789", 2, 3) == b"234"
    assert partial(b"0123456789", 8, 100) == b"89"
    assert partial(b"0123456789", 10, 1) == b""
    assert partial(b"0123456789", 4) == b"456789"


def test_section_text_is_accepted_in_any_case() -> None:
    spec = SectionSpec((), "header.fields", ("from",))
    assert spec == SectionSpec((), "HEADER.FIELDS", ("from",))
    assert get_section(NESTED, spec) == b"From: forwarder@example.org\r\n\r\n"
