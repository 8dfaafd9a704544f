"""ENVELOPE (RFC 3501 7.4.2): field choice, address structures, groups and damaged headers."""

from __future__ import annotations

import pytest

from imapd.mime import analyze
from imapd.mime.addresses import parse_address_list
from tests.imapd.mime import corpus


def _envelope(header: bytes) -> list[object]:
    return analyze(header.replace(b"\n", b"\r\n") + b"\r\nbody\r\n").envelope


def test_groups_routes_and_comments_give_rfc3501_address_structures() -> None:
    envelope = analyze(corpus.load("groups.eml")).envelope
    assert envelope == [
        "21 Nov 1997 09:55:06 -0600",
        "groups and routes",
        [["Joe Q. Public", None, "john.q.public", "example.com"]],
        [["Secretary", "@relay1.example,@relay2.example", "secy", "example.com"]],
        [["Replies go here", None, "reply-here", "example.com"]],
        [
            [None, None, "A Group", None],
            ["Ed Jones", None, "c", "a.test"],
            [None, None, "joe", "where.test"],
            ["John", None, "jdoe", "one.test"],
            [None, None, None, None],
            ["Mary Smith", None, "mary", "x.test"],
        ],
        [[None, None, "Undisclosed recipients", None], [None, None, None, None]],
        [
            ['strange "quoted" name', None, "odd local", "example.net"],
            [None, None, "plain", "example.net"],
        ],
        "<1234@local.machine.example> <3456@example.net>",
        "<5678.21-Nov-1997@example.com>",
    ]


def test_encoded_words_stay_encoded_in_the_envelope() -> None:
    envelope = analyze(corpus.load("alternative-in-mixed.eml")).envelope
    assert envelope[1] == "=?utf-8?q?Caf=C3=A9_menu?="
    assert envelope[2] == [["=?ISO-8859-1?Q?Andr=E9?= Pirard", None, "PIRARD", "vm1.ulg.ac.be"]]


def test_message_without_envelope_headers_is_all_nil() -> None:
    assert analyze(corpus.load("missing-headers.eml")).envelope == [None] * 10


def test_sender_and_reply_to_copy_from_when_absent_or_empty() -> None:
    envelope = _envelope(b"From: a@example.org\nReply-To:\n")
    assert envelope[2] == envelope[3] == envelope[4] == [[None, None, "a", "example.org"]]


def test_explicit_sender_is_not_replaced_by_from() -> None:
    envelope = _envelope(b"From: a@example.org\nSender: s@example.org\n")
    assert envelope[3] == [[None, None, "s", "example.org"]]
    assert envelope[4] == [[None, None, "a", "example.org"]]


def test_repeated_subject_reports_the_last_and_repeated_from_concatenates() -> None:
    envelope = _envelope(b"Subject: one\nSubject: two\nFrom: a@x.org\nFrom: B <b@y.org>\n")
    assert envelope[1] == "two"
    assert envelope[2] == [[None, None, "a", "x.org"], ["B", None, "b", "y.org"]]


def test_empty_subject_is_an_empty_string_not_nil() -> None:
    assert _envelope(b"Subject:\nFrom: a@x.org\n")[1] == ""


def test_folded_values_are_unfolded_keeping_the_blanks_and_trailing_space() -> None:
    envelope = _envelope(b"Subject: a\n  folded\n\tsubject\nMessage-ID:   <id@x>  \n")
    assert envelope[1] == "a  folded\tsubject"
    assert envelope[9] == "<id@x>  "


def test_utf8_and_latin1_raw_header_bytes_become_text() -> None:
    envelope = analyze(corpus.load("eight-bit-headers.eml")).envelope
    assert envelope[1] == "Grüße aus Köln \u2013 été"
    assert envelope[2] == [["Jürgen Groß", None, "juergen", "example.de"]]
    assert envelope[5] == [["François", None, "francois", "example.fr"]]  # latin-1 bytes


def test_nul_in_a_header_becomes_the_replacement_character() -> None:
    assert analyze(corpus.load("nul-bytes.eml")).envelope[1] == "has a \ufffd NUL"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Name Only", [["Name Only", None, "MISSING_MAILBOX", "MISSING_DOMAIN"]]),
        ("user", [[None, None, "user", "MISSING_DOMAIN"]]),
        ("@nowhere", [[None, None, "MISSING_MAILBOX", "nowhere"]]),
        ("<>", [[None, None, "MISSING_MAILBOX", "MISSING_DOMAIN"]]),
        ("Broken <a@example.com", [["Broken", None, "a", "SYNTAX_ERROR"]]),
        ('"A"@[192.0.2.1]', [[None, None, "A", "[192.0.2.1]"]]),
        ("Bob    Smith <bob(c)@example.com> (x)", [["Bob Smith", None, "bob", "example.com"]]),
        ("<root@host> (not a name)", [[None, None, "root", "host"]]),
        ("a@b (the (nested) name)", [["the (nested) name", None, "a", "b"]]),
        ("first.last@example.com", [[None, None, "first.last", "example.com"]]),
        ("a@b, ,, c@d", [[None, None, "a", "b"], [None, None, "c", "d"]]),
        ("G: a@b", [[None, None, "G", None], [None, None, "a", "b"], [None, None, None, None]]),
        ("", None),
        (" (just a comment) ", None),
    ],
)
def test_address_list_parsing(text: str, expected: list[object] | None) -> None:
    assert parse_address_list(text) == expected


def test_encapsulated_message_has_its_own_envelope() -> None:
    bodystructure = analyze(corpus.load("nested-rfc822.eml")).bodystructure
    inner_envelope = bodystructure[1][7]  # part 2 is message/rfc822
    assert inner_envelope[1] == "inner multipart"
    assert inner_envelope[8] == "<parent@example.com>"
    assert inner_envelope[9] == "<inner-1@example.com>"
