"""BODY and BODYSTRUCTURE trees (RFC 3501 7.4.2), with the defaults Dovecot reports."""

from __future__ import annotations

from imapd.mime import analyze, normalize_line_ends
from tests.imapd.mime import corpus

TEXT_DEFAULTS = ["text", "plain", ["charset", "us-ascii"]]
HTML_DEFAULTS = ["text", "html", ["charset", "us-ascii"]]


def _structure(raw: bytes) -> list[object]:
    return analyze(raw.replace(b"\n", b"\r\n")).bodystructure


def test_nested_message_rfc822_with_its_own_multipart() -> None:
    assert analyze(corpus.load("nested-rfc822.eml")).bodystructure == [
        [*TEXT_DEFAULTS, None, None, "7bit", 27, 0, None, None, None, None],
        [
            "message",
            "rfc822",
            None,
            None,
            "first forwarded",
            "7bit",
            446,
            [
                "Wed, 02 Aug 2023 09:00:00 +0100",
                "inner multipart",
                [["Original Sender", None, "orig", "example.com"]],
                [["Original Sender", None, "orig", "example.com"]],
                [["Original Sender", None, "orig", "example.com"]],
                [[None, None, "forwarder", "example.org"]],
                None,
                None,
                "<parent@example.com>",
                "<inner-1@example.com>",
            ],
            [
                [*TEXT_DEFAULTS, None, None, "7bit", 29, 1, None, None, None, None],
                [*HTML_DEFAULTS, None, None, "7bit", 17, 0, None, None, None, None],
                "alternative",
                ["boundary", "in-b"],
                None,
                None,
                None,
            ],
            19,
            None,
            None,
            None,
            None,
        ],
        [
            "message",
            "rfc822",
            None,
            None,
            None,
            "7bit",
            58,
            [None, "inner simple"]
            + [[[None, None, "x", "example.com"]]] * 3
            + [None, None, None, None, None],
            [*TEXT_DEFAULTS, None, None, "7bit", 12, 0, None, None, None, None],
            3,
            None,
            None,
            None,
            None,
        ],
        "mixed",
        ["boundary", "fwd-b"],
        None,
        None,
        None,
    ]


def test_body_is_bodystructure_without_extension_data() -> None:
    summary = analyze(corpus.load("mixed-attachment.eml"))
    assert summary.body == [
        ["text", "plain", ["charset", "utf-8"], None, None, "8bit", 40, 0],
        [
            "application",
            "pdf",
            ["name", "report.pdf"],
            "<part2.report@example.org>",
            "The quarterly report",
            "base64",
            66,
        ],
        "mixed",
    ]


def test_extension_data_md5_disposition_language_location() -> None:
    attachment = analyze(corpus.load("mixed-attachment.eml")).bodystructure[1]
    assert attachment[7:] == [
        "Q2hlY2sgSW50ZWdyaXR5IQ==",
        ["attachment", ["filename", "report.pdf", "size", "24"]],
        ["en", "de"],
        "http://example.org/report.pdf",
    ]


def test_part_without_content_type_is_text_plain_us_ascii_7bit() -> None:
    structure = _structure(b"Subject: x\n\nhello\nworld\n")
    assert structure == [*TEXT_DEFAULTS, None, None, "7bit", 14, 2, None, None, None, None]


def test_case_of_the_message_is_kept() -> None:
    structure = _structure(b"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\n\nx\n")
    assert structure[:3] == ["TEXT", "PLAIN", ["CHARSET", "US-ASCII"]]


def test_text_part_without_charset_gets_us_ascii_appended() -> None:
    structure = _structure(b"Content-Type: text/plain; format=flowed\n\nx\n")
    assert structure[2] == ["format", "flowed", "charset", "us-ascii"]


def test_first_content_type_wins_and_comments_are_dropped() -> None:
    raw = b"Content-Type: text/plain; charset=us-ascii (Plain)\nContent-Type: text/html\n\nx\n"
    assert _structure(raw)[:3] == TEXT_DEFAULTS


def test_parameter_with_unterminated_quote_is_dropped() -> None:
    structure = _structure(b'Content-Type: text/plain; charset="utf-8\n\nx\n')
    assert structure[2] == ["charset", "us-ascii"]


def test_rfc2231_continuations_are_merged_after_plain_parameters() -> None:
    raw = (
        b'Content-Type: application/x-thing; b*1=" two"; a=1; b*0=one;'
        b" c*0*=utf-8''%41; c*1*=%42\n\nx\n"
    )
    assert _structure(raw)[2] == ["a", "1", "b", "one two", "c*", "utf-8''%41%42"]


def test_type_without_subtype_and_non_text_type_get_no_charset() -> None:
    assert _structure(b"Content-Type: text\n\nx\n")[:3] == ["text", "", ["charset", "us-ascii"]]
    assert _structure(b"Content-Type: garbage\n\nx\n")[:3] == ["garbage", "", None]


def test_lines_count_line_feeds_of_the_body() -> None:
    summary = analyze(corpus.load("simple.eml"))
    assert summary.body[6:] == [47, 4]


def test_multipart_without_boundary_reports_one_empty_text_part() -> None:
    structure = analyze(corpus.load("multipart-without-boundary.eml")).bodystructure
    assert structure == [
        [*TEXT_DEFAULTS, None, None, "7bit", 0, 0, None, None, None, None],
        "mixed",
        None,
        None,
        None,
        None,
    ]


def test_digest_parts_default_to_message_rfc822() -> None:
    first = analyze(corpus.load("digest.eml")).body[0]
    assert first[:7] == ["message", "rfc822", None, None, None, "7bit", 54]
    assert first[7][1] == "first in digest"


def test_missing_close_delimiter_ends_the_last_part_at_the_end_of_the_message() -> None:
    body = analyze(corpus.load("no-closing-boundary.eml")).body
    assert body[1] == ["text", "plain", ["charset", "utf-8"], None, None, "7bit", 29, 1]


def test_boundary_that_prefixes_an_inner_one_does_not_split_the_inner_multipart() -> None:
    body = analyze(corpus.load("prefix-boundaries.eml")).body
    assert body[0][2] == "alternative"
    assert [part[6] for part in body[0][:2]] == [9, 9]
    assert body[1][6] == 9


def test_base64_message_rfc822_is_opened_like_dovecot_and_has_an_empty_envelope() -> None:
    part = analyze(corpus.load("rfc822-base64.eml")).body[0]
    assert part[:7] == ["message", "rfc822", None, None, None, "base64", 38]
    assert part[7] == [None] * 10


def test_bare_lf_sizes_count_stored_octets_and_crlf_after_normalising() -> None:
    raw = corpus.load("bare-lf.lf.eml")
    assert analyze(raw).body[0][6:] == [17, 1]
    assert analyze(normalize_line_ends(raw)).body[0][6:] == [18, 1]  # what Dovecot reports
