"""SEARCH programs: every RFC 3501 key, CHARSET, ESEARCH RETURN, CONDSTORE and OBJECTID keys."""

from __future__ import annotations

from datetime import date

import pytest

from imapd.imap.commands import SearchCommand
from imapd.imap.parser import ParseError, parse_command
from imapd.imap.search import (
    AgeKey,
    AllKey,
    AndKey,
    DateKey,
    FlagKey,
    HeaderKey,
    ModSeqKey,
    NotKey,
    ObjectIdKey,
    OrKey,
    SequenceKey,
    SizeKey,
    TextKey,
)
from imapd.imap.sequence import SequenceSet
from tests.imapd.imap.helpers import parse


def key_of(program: bytes):
    command = parse(b"s SEARCH " + program + b"\r\n")
    assert isinstance(command, SearchCommand)
    return command.key


@pytest.mark.parametrize(
    ("program", "key"),
    [
        (b"ALL", AllKey()),
        (b"ANSWERED", FlagKey("\\Answered")),
        (b"DELETED", FlagKey("\\Deleted")),
        (b"DRAFT", FlagKey("\\Draft")),
        (b"FLAGGED", FlagKey("\\Flagged")),
        (b"RECENT", FlagKey("\\Recent")),
        (b"SEEN", FlagKey("\\Seen")),
        (b"UNANSWERED", FlagKey("\\Answered", False)),
        (b"UNDELETED", FlagKey("\\Deleted", False)),
        (b"UNDRAFT", FlagKey("\\Draft", False)),
        (b"UNFLAGGED", FlagKey("\\Flagged", False)),
        (b"UNSEEN", FlagKey("\\Seen", False)),
        (b"OLD", FlagKey("\\Recent", False)),
        (b"NEW", AndKey((FlagKey("\\Recent"), FlagKey("\\Seen", False)))),
        (b"KEYWORD $Forwarded", FlagKey("$Forwarded")),
        (b"UNKEYWORD Junk", FlagKey("Junk", False)),
        (b"BCC bob", HeaderKey("bcc", "bob")),
        (b'CC "Bob Smith"', HeaderKey("cc", "Bob Smith")),
        (b"FROM alice@example.org", HeaderKey("from", "alice@example.org")),
        (b'TO {3}\r\nb"b', HeaderKey("to", 'b"b')),
        (b'SUBJECT "\\"quoted\\" \\\\ text"', HeaderKey("subject", '"quoted" \\ text')),
        (b'HEADER X-Spam-Flag "YES"', HeaderKey("x-spam-flag", "YES")),
        (b'HEADER Message-ID ""', HeaderKey("message-id", "")),
        (b"BODY invoice", TextKey("invoice", body_only=True)),
        (b"TEXT {6}\r\nh\xc3\xa9llo", TextKey("héllo", body_only=False)),
        (b"BEFORE 1-Feb-2024", DateKey("before", date(2024, 2, 1))),
        (b'ON "15-mar-2023"', DateKey("on", date(2023, 3, 15))),
        (b"SINCE 01-Jan-2000", DateKey("since", date(2000, 1, 1))),
        (b"SENTBEFORE 1-Feb-2024", DateKey("before", date(2024, 2, 1), sent=True)),
        (b"SENTON 29-Feb-2024", DateKey("on", date(2024, 2, 29), sent=True)),
        (b"SENTSINCE 1-Dec-1999", DateKey("since", date(1999, 12, 1), sent=True)),
        (b"LARGER 1024", SizeKey("larger", 1024)),
        (b"SMALLER 0", SizeKey("smaller", 0)),
        (b"UID 1:5,*", SequenceKey(SequenceSet.parse("1:5,*"), uid=True)),
        (b"2:4", SequenceKey(SequenceSet.parse("2:4"))),
        (b"*", SequenceKey(SequenceSet.parse("*"))),
        (b"$", SequenceKey(SequenceSet(saved=True))),
        (b"NOT SEEN", NotKey(FlagKey("\\Seen"))),
        (b"OR SEEN FLAGGED", OrKey(FlagKey("\\Seen"), FlagKey("\\Flagged"))),
        (b"(SEEN)", FlagKey("\\Seen")),
        (b"(SEEN FLAGGED)", AndKey((FlagKey("\\Seen"), FlagKey("\\Flagged")))),
        (b"MODSEQ 720162338", ModSeqKey(720162338)),
        (b'MODSEQ "/flags/\\\\draft" all 620162338', ModSeqKey(620162338, "/flags/\\draft", "all")),
        (b"EMAILID M6d99ac3275bb4e", ObjectIdKey("emailid", "M6d99ac3275bb4e")),
        (b"THREADID T64b478a75b7ea9", ObjectIdKey("threadid", "T64b478a75b7ea9")),
        (b"OLDER 3600", AgeKey(3600, older=True)),
        (b"YOUNGER 60", AgeKey(60, older=False)),
        (b"unseen", FlagKey("\\Seen", False)),
    ],
)
def test_every_search_key(program, key):
    assert key_of(program) == key


def test_keys_in_a_row_are_anded_and_nest_with_or_not_and_parentheses():
    key = key_of(b"OR (FROM a SUBJECT b) NOT (TO c OR CC d BCC e) UNDELETED 1:10")
    assert key == AndKey(
        (
            OrKey(
                AndKey((HeaderKey("from", "a"), HeaderKey("subject", "b"))),
                NotKey(
                    AndKey(
                        (HeaderKey("to", "c"), OrKey(HeaderKey("cc", "d"), HeaderKey("bcc", "e")))
                    )
                ),
            ),
            FlagKey("\\Deleted", False),
            SequenceKey(SequenceSet.parse("1:10")),
        )
    )


def test_charset_and_return_options():
    command = parse(b"a UID SEARCH RETURN (min MAX COUNT ALL SAVE) CHARSET utf-8 ALL\r\n")
    assert command == SearchCommand(
        "a", AllKey(), True, "UTF-8", ("MIN", "MAX", "COUNT", "ALL", "SAVE")
    )
    assert parse(b"a SEARCH RETURN () ALL\r\n").return_options == ("ALL",)
    assert parse(b'a SEARCH CHARSET "US-ASCII" SEEN\r\n').charset == "US-ASCII"
    assert parse(b"a SEARCH SEEN\r\n").return_options is None


def test_unsupported_charset_is_refused_with_badcharset():
    with pytest.raises(ParseError) as excinfo:
        parse_command(b"a SEARCH CHARSET ISO-8859-1 SUBJECT x\r\n")
    error = excinfo.value
    assert (error.tag, error.status) == ("a", "NO")
    assert error.code == "BADCHARSET (US-ASCII UTF-8)"


@pytest.mark.parametrize(
    "program",
    [
        b"",
        b"FOO",
        b"FROM",
        b"BEFORE 2024-01-01",
        b"BEFORE 30-Feb-2024",
        b"SINCE 1-Foo-2024",
        b"LARGER x",
        b"LARGER 99999999999",
        b"OR SEEN",
        b"NOT",
        b"(SEEN",
        b"SEEN)",
        b"()",
        b"UID",
        b"UID 0:3",
        b"1:2:3",
        b"KEYWORD \\Seen",
        b"HEADER Bad:Name x",
        b"MODSEQ x",
        b'MODSEQ "/flags/\\\\seen" bogus 5',
        b"EMAILID bad!id",
        b"OLDER 0",
        b"CHARSET UTF-8 RETURN (MIN) ALL",
        b"CHARSET",
        b"SUBJECT \xff\xfe",
    ],
)
def test_search_errors_carry_the_tag(program):
    with pytest.raises(ParseError) as excinfo:
        parse_command(b"z9 SEARCH " + program + b"\r\n")
    assert excinfo.value.tag == "z9"


def test_unknown_return_option_is_rejected():
    with pytest.raises(ParseError) as excinfo:
        parse_command(b"a SEARCH RETURN (PARTIAL) ALL\r\n")
    assert "RETURN" in excinfo.value.message


def test_hostile_nesting_is_a_parse_error_not_a_crash():
    with pytest.raises(ParseError) as excinfo:
        parse_command(b"a SEARCH " + b"NOT " * 5000 + b"SEEN\r\n")
    assert excinfo.value.message == "Too deeply nested"
    with pytest.raises(ParseError):
        parse_command(b"a SEARCH " + b"(" * 5000 + b"SEEN" + b")" * 5000 + b"\r\n")
    with pytest.raises(ParseError):
        parse_command(b"a SEARCH " + b"OR " * 5000 + b"SEEN SEEN\r\n")
    assert key_of(b"NOT " * 20 + b"SEEN") is not None
