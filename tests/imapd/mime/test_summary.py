"""analyze(): the stored summary's header strings, date and its JSON round trip."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from imapd.mime import MessageSummary, analyze, parse_sent_date
from tests.imapd.mime import corpus


def test_header_strings_are_decoded_and_keep_their_case() -> None:
    summary = analyze(corpus.load("encoded-headers.eml"))
    assert summary.subject == "If you can read this you understand the example. and € plain"
    assert summary.from_ == "Élodie Müller <elodie@example.fr>"
    assert summary.to == "Привет <privet@example.ru>, テスト <test@example.jp>"
    assert summary.cc == '"Quoted éncoded" <quoted@example.org>'
    assert summary.bcc == ""
    assert summary.message_id == "<enc@example.org>"
    assert summary.references == "<a@example.org> <b@example.org>"
    assert summary.in_reply_to == ""


def test_sent_date_is_timezone_aware() -> None:
    summary = analyze(corpus.load("encoded-headers.eml"))
    assert summary.sent_date == datetime(2023, 8, 4, 1, 2, 3, tzinfo=timezone(timedelta(hours=9)))


def test_size_is_the_length_of_the_raw_message() -> None:
    raw = corpus.load("mixed-attachment.eml")
    assert analyze(raw).size == len(raw) == 896


def test_repeated_address_fields_are_joined_and_subject_is_the_last() -> None:
    raw = b"From: a@x.org\r\nFrom: b@y.org\r\nSubject: one\r\nSubject: two\r\n\r\n"
    summary = analyze(raw)
    assert summary.from_ == "a@x.org, b@y.org"
    assert summary.subject == "two"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 7 Feb 1994 21:52:25 -0800 (PST)", datetime(1994, 2, 8, 5, 52, 25, tzinfo=UTC)),
        ("21 Nov 1997 09:55:06 -0000", datetime(1997, 11, 21, 9, 55, 6, tzinfo=UTC)),
        ("Sat, 5 Aug 2023 10:11:12", datetime(2023, 8, 5, 10, 11, 12, tzinfo=UTC)),
        ("not a date at all", None),
        ("Mon, 99 Foo 2023 99:99:99 +9999", None),
    ],
)
def test_parse_sent_date(value: str, expected: datetime | None) -> None:
    assert parse_sent_date(value) == expected


def test_unparsable_or_missing_date_gives_none() -> None:
    assert analyze(corpus.load("duplicate-and-odd.eml")).sent_date is None
    assert analyze(corpus.load("missing-headers.eml")).sent_date is None


@pytest.mark.parametrize("name", corpus.names())
def test_summary_survives_a_json_round_trip(name: str) -> None:
    summary = analyze(corpus.load(name))
    stored = json.loads(json.dumps(summary.to_json()))
    assert MessageSummary.from_json(stored) == summary
