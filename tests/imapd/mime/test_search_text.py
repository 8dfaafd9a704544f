"""SEARCH BODY / TEXT / HEADER text (RFC 3501 6.4.4): decoded like Dovecot decodes it.

Which message each search finds was checked against Dovecot 2.3 on the same corpus, except
the two places where we find more: damaged base64 and latin-1 raw header bytes.
"""

from __future__ import annotations

import pytest

from imapd.mime import body_contains, header_contains, search_text, text_contains
from tests.imapd.mime import corpus

ALTERNATIVE = corpus.load("alternative-in-mixed.eml")
ATTACHMENT = corpus.load("mixed-attachment.eml")
NESTED = corpus.load("nested-rfc822.eml")
ENCODED = corpus.load("encoded-headers.eml")


def test_quoted_printable_iso_8859_1_body_is_found_by_its_utf8_text() -> None:
    assert body_contains(ALTERNATIVE, "café est prêt")
    assert body_contains(ALTERNATIVE, "ami très cher")  # across a soft line break
    assert not body_contains(ALTERNATIVE, "caf=E9")


def test_windows_1252_body_is_decoded() -> None:
    assert body_contains(ENCODED, "5 € for a café")


def test_matching_is_case_insensitive_by_case_folding() -> None:
    assert body_contains(ALTERNATIVE, "CAFÉ EST PRÊT")
    assert body_contains(corpus.load("eight-bit-headers.eml"), "KÖLNER DOM")
    assert header_contains(corpus.load("eight-bit-headers.eml"), "From", "GROSS")


def test_html_is_searched_as_written() -> None:
    assert body_contains(ALTERNATIVE, "<b>prêt</b>")


def test_body_skips_parts_that_are_not_text() -> None:
    assert not body_contains(ATTACHMENT, "PDF-1.4")  # the decoded application/pdf part
    assert not body_contains(ATTACHMENT, "JVBERi0x")  # nor its base64 form
    assert not body_contains(corpus.load("rfc2231-params.eml"), "data")


def test_body_skips_headers_preamble_and_epilogue() -> None:
    assert not body_contains(ATTACHMENT, "receiver@example.net")
    assert not body_contains(ATTACHMENT, "quarterly report")  # a MIME header
    assert not body_contains(ATTACHMENT, "multi-part message")  # preamble
    assert not body_contains(ATTACHMENT, "epilogue")
    assert not body_contains(NESTED, "inner multipart")  # an encapsulated header


def test_body_reaches_text_inside_encapsulated_messages() -> None:
    assert body_contains(NESTED, "inner plain text")
    assert body_contains(NESTED, "Just a body")


def test_text_adds_every_header_decoded() -> None:
    assert text_contains(NESTED, "inner multipart")
    assert text_contains(ATTACHMENT, "quarterly report")
    assert text_contains(ENCODED, "Élodie Müller")
    assert text_contains(ENCODED, "Привет")
    assert text_contains(ENCODED, "テスト")
    assert not text_contains(ENCODED, "8NLJ18XU")


def test_damaged_base64_text_is_still_searchable() -> None:
    assert body_contains(corpus.load("bad-base64.eml"), "hello world")


def test_search_text_joins_the_decoded_chunks() -> None:
    body = search_text(NESTED, headers=False)
    assert body == (
        "See the forwarded messages.\ninner plain text\r\nsecond line\n<p>inner html</p>\n"
        "Just a body."
    )
    assert search_text(NESTED).startswith("From: forwarder@example.org\nTo: list@example.net")


@pytest.mark.parametrize(
    ("field", "needle", "found"),
    [
        ("Subject", "you understand the example. and € plain", True),
        ("X-Mixed", "café au lait", True),  # whitespace between encoded-words is dropped
        ("x-mixed", "CAFÉ", True),
        ("Subject", "", True),  # an empty string matches a field that is present
        ("X-Absent", "", False),
        ("To", "Привет", True),
        ("Content-Type", "windows-1252", True),
        ("From", "elodie@example.fr", True),
        ("From", "privet", False),
    ],
)
def test_header_contains(field: str, needle: str, found: bool) -> None:
    assert header_contains(ENCODED, field, needle) is found


def test_header_search_looks_at_the_message_header_only() -> None:
    assert header_contains(ATTACHMENT, "Content-Type", "multipart/mixed")
    assert not header_contains(ATTACHMENT, "Content-Type", "report.pdf")


def test_latin1_raw_header_is_searchable_as_text() -> None:
    assert header_contains(corpus.load("eight-bit-headers.eml"), "To", "François")


def test_every_occurrence_of_a_repeated_field_is_searched() -> None:
    raw = corpus.load("duplicate-and-odd.eml")
    assert header_contains(raw, "Subject", "first subject")
    assert header_contains(raw, "Subject", "second subject")
