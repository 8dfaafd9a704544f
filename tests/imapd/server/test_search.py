"""SEARCH: every kind of key, CHARSET, ESEARCH (RFC 4731) and SEARCHRES `$` (RFC 5182)."""

from __future__ import annotations

import pytest

from tests.imapd.server.clients import Wire, message
from tests.imapd.server.conftest import PASSWORD

MULTIPART = (
    b"From: Zed <zed@example.com>\r\nTo: alice@example.org\r\nCc: Carol <carol@example.com>\r\n"
    b"Subject: =?utf-8?q?R=C3=A9union?= planning\r\nDate: Wed, 04 Jun 2025 09:00:00 +0000\r\n"
    b"X-Tracker: ticket-4711\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
    b"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"Q2Fmw6kgYXZlYyBsZXMgY29sbMOoZ3Vlcw==\r\n"
    b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>agenda attached</p>\r\n--b--\r\n"
)


@pytest.fixture
def wire(daemon, alice) -> Wire:
    """Messages: 1 seen+flagged from Bob (small), 2 unseen, 3 the multipart, 4 answered."""
    wire = Wire.connect(daemon)
    wire.login("alice@example.org", PASSWORD)
    fixtures = [
        (message("Weekly report", body="numbers inside\r\n"), b"(\\Seen \\Flagged) "),
        (message("Lunch", sender="Dora <dora@example.net>", body="x" * 3000 + "\r\n"), b""),
        (MULTIPART, b"($Todo) "),
        (message("Re: Weekly report"), b"(\\Answered \\Seen) "),
    ]
    for raw, flags in fixtures:
        wire.command(b"ap", b"APPEND INBOX " + flags + b"{%d+}\r\n" % len(raw) + raw)
    wire.command(b"s", b"SELECT INBOX")
    return wire


def search(wire: Wire, criteria: bytes) -> bytes:
    lines = wire.command(b"q", b"SEARCH " + criteria)
    assert lines[-1].startswith(b"q OK"), lines
    return lines[0]


SEARCH_CASES = [
    (b"ALL", b"1 2 3 4"),
    (b"SEEN", b"1 4"),
    (b"UNSEEN", b"2 3"),
    (b"FLAGGED", b"1"),
    (b"UNFLAGGED", b"2 3 4"),
    (b"ANSWERED", b"4"),
    (b"UNANSWERED", b"1 2 3"),
    (b"DELETED", b""),
    (b"UNDELETED", b"1 2 3 4"),
    (b"DRAFT", b""),
    (b"KEYWORD $Todo", b"3"),
    (b"UNKEYWORD $Todo", b"1 2 4"),
    (b"KEYWORD $NeverUsed", b""),
    (b"RECENT", b"1 2 3 4"),
    (b"NEW", b"2 3"),
    (b"OLD", b""),
    (b"2:3", b"2 3"),
    (b"UID 3:*", b"3 4"),
    (b"*", b"4"),
    (b"NOT 1:2", b"3 4"),
    (b"OR FLAGGED ANSWERED", b"1 4"),
    (b"SEEN NOT FLAGGED", b"4"),
    (b"(OR 1 2) UNSEEN", b"2"),
    (b"FROM dora", b"2"),
    (b"FROM example.com", b"3"),
    (b"TO alice", b"1 2 3 4"),
    (b"CC carol", b"3"),
    (b"BCC anyone", b""),
    (b"SUBJECT weekly", b"1 4"),
    (b"SUBJECT r\xc3\xa9union", b"3"),
    (b"HEADER X-Tracker 4711", b"3"),
    (b'HEADER X-Tracker ""', b"3"),
    (b"BODY numbers", b"1"),
    (b"BODY coll\xc3\xa8gues", b"3"),
    (b"BODY agenda", b"3"),
    (b"TEXT zed", b"3"),
    (b"TEXT numbers", b"1"),
    (b"LARGER 2000", b"2"),
    (b"SMALLER 300", b"1 4"),
    (b"SENTON 4-Jun-2025", b"3"),
    (b"SENTBEFORE 3-Jun-2025", b"1 2 4"),
    (b"SENTSINCE 3-Jun-2025", b"3"),
    (b"SINCE 1-Jan-2020", b"1 2 3 4"),
    (b"BEFORE 1-Jan-2020", b""),
    (b"YOUNGER 3600", b"1 2 3 4"),
    (b"OLDER 3600", b""),
    (b"UNSEEN SUBJECT planning BODY agenda", b"3"),
    (b"OR SUBJECT lunch BODY numbers", b"1 2"),
    (b"NOT BODY agenda", b"1 2 4"),
]


def test_every_search_key_finds_what_it_should(wire):
    """All cases on one mailbox; every mismatch is reported at once."""
    wrong = {}
    for criteria, expected in SEARCH_CASES:
        found = search(wire, criteria)
        if found != b"* SEARCH" + (b" " + expected if expected else b"") + b"\r\n":
            wrong[criteria] = found
    assert wrong == {}


def test_charset_utf8_and_literal_strings(wire):
    term = "réunion".encode()
    wire.send(b"q SEARCH CHARSET UTF-8 SUBJECT {%d}\r\n" % len(term))
    assert wire.line() == b"+ OK\r\n"
    wire.send(term + b"\r\n")
    assert wire.until(b"q")[0] == b"* SEARCH 3\r\n"


def test_unknown_charset_is_refused(wire):
    assert wire.command(b"q", b"SEARCH CHARSET KOI8-R ALL")[-1].startswith(
        b"q NO [BADCHARSET (US-ASCII UTF-8)]"
    )


def test_uid_search_returns_uids(wire):
    wire.command(b"a", b"STORE 1 +FLAGS.SILENT (\\Deleted)")
    wire.command(b"x", b"EXPUNGE")
    assert wire.command(b"q", b"UID SEARCH UNSEEN")[0] == b"* SEARCH 2 3\r\n"
    assert wire.command(b"q2", b"SEARCH UNSEEN")[0] == b"* SEARCH 1 2\r\n"


def test_esearch_return_options(wire):
    assert wire.command(b"e", b"SEARCH RETURN (MIN MAX COUNT ALL) NOT FLAGGED")[0] == (
        b'* ESEARCH (TAG "e") MIN 2 MAX 4 ALL 2:4 COUNT 3\r\n'
    )
    assert wire.command(b"e2", b"UID SEARCH RETURN () SEEN")[0] == (
        b'* ESEARCH (TAG "e2") UID ALL 1,4\r\n'
    )
    assert wire.command(b"e3", b"SEARCH RETURN (COUNT) DELETED")[0] == (
        b'* ESEARCH (TAG "e3") COUNT 0\r\n'
    )


def test_saved_search_result_is_usable_as_dollar(wire):
    assert wire.command(b"s", b"SEARCH RETURN (SAVE) UNSEEN") == [b"s OK Search completed.\r\n"]
    assert wire.command(b"f", b"FETCH $ (UID)")[:-1] == [
        b"* 2 FETCH (UID 2)\r\n",
        b"* 3 FETCH (UID 3)\r\n",
    ]
    wire.command(b"st", b"STORE $ +FLAGS.SILENT (\\Flagged)")
    assert search(wire, b"FLAGGED") == b"* SEARCH 1 2 3\r\n"
    wire.command(b"s2", b"SEARCH RETURN (SAVE MIN) ALL")
    assert wire.command(b"f2", b"UID FETCH $ (FLAGS)")[:-1] == [
        b"* 1 FETCH (UID 1 FLAGS (\\Seen \\Flagged \\Recent))\r\n"
    ]


def test_search_with_a_bad_key_is_bad(wire):
    assert wire.command(b"q", b"SEARCH FROBNICATE")[-1].startswith(b"q BAD")
