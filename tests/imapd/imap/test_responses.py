"""Response encoding: values, status responses, codes and untagged data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from imapd.imap import responses as r
from imapd.imap.fetch import BodySection, FetchItem, Partial, Section
from imapd.imap.parser import ParseError, parse_command


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (None, b"NIL"),
        (0, b"0"),
        (4294967295, b"4294967295"),
        ("", b'""'),
        ("plain text", b'"plain text"'),
        ('say "hi" \\o/', b'"say \\"hi\\" \\\\o/"'),
        ("two\r\nlines", b"{10}\r\ntwo\r\nlines"),
        ("caf\u00e9", b"{5}\r\ncaf\xc3\xa9"),
        ("nul\x00", b"{4}\r\nnul\x00"),
        (b"raw bytes", b"{9}\r\nraw bytes"),
        (b"", b"{0}\r\n"),
        (r.Atom("TEXT"), b"TEXT"),
        (r.Raw(b"(\\Seen)"), b"(\\Seen)"),
        (
            ["TEXT", "PLAIN", ["CHARSET", "UTF-8"], None, None, "7BIT", 42, 3],
            b'("TEXT" "PLAIN" ("CHARSET" "UTF-8") NIL NIL "7BIT" 42 3)',
        ),
        ((), b"()"),
        ([[None, None, "alice", "example.org"]], b'((NIL NIL "alice" "example.org"))'),
        (r.Binary(b"ab"), b"{2}\r\nab"),
        (r.Binary(b"a\x00b"), b"~{3}\r\na\x00b"),
    ],
)
def test_encode_value(value, encoded):
    assert r.encode_value(value) == encoded


def test_encode_value_refuses_unknown_types_and_booleans():
    with pytest.raises(TypeError):
        r.encode_value(True)
    with pytest.raises(TypeError):
        r.encode_value(object())


def test_datetimes_are_quoted_date_times_with_space_padded_day():
    assert (
        r.encode_value(datetime(2024, 3, 5, 7, 8, 9, tzinfo=UTC)) == b'" 5-Mar-2024 07:08:09 +0000"'
    )
    zone = timezone(-timedelta(hours=3, minutes=30))
    assert (
        r.encode_datetime(datetime(1996, 7, 17, 2, 44, 25, tzinfo=zone))
        == b'"17-Jul-1996 02:44:25 -0330"'
    )
    assert r.encode_datetime(datetime(2024, 12, 31, 23, 59, 59)) == b'"31-Dec-2024 23:59:59 +0000"'


def test_astring_nstring_and_flags():
    assert r.encode_astring("abc]") == b"abc]"
    assert r.encode_astring("a b") == b'"a b"'
    assert r.encode_astring("") == b'""'
    assert r.encode_astring("x%") == b'"x%"'
    assert r.encode_nstring(None) == b"NIL"
    assert r.encode_nstring(b"x") == b"{1}\r\nx"
    assert r.encode_flags(["\\Seen", "$Work"]) == b"(\\Seen $Work)"
    assert r.encode_flags(()) == b"()"
    assert isinstance(r.encode_flags(("\\Seen",)), r.Raw)


def test_mailbox_names_are_modified_utf7_atoms_or_quoted_never_literals():
    assert r.encode_mailbox("inbox") == b"INBOX"
    assert r.encode_mailbox("Archive/2024") == b"Archive/2024"
    assert r.encode_mailbox("Sent Items") == b'"Sent Items"'
    assert r.encode_mailbox("été") == b"&AOk-t&AOk-"
    assert r.encode_mailbox("a\r\nb") == b"a&AA0ACg-b"
    assert r.encode_mailbox('q"uote') == b'"q\\"uote"'
    assert r.encode_mailbox("star*") == b'"star*"'
    assert r.encode_mailbox("") == b'""'


def test_tagged_and_untagged_status_responses_with_codes():
    assert r.tagged("a1", "OK", "LOGIN completed") == b"a1 OK LOGIN completed\r\n"
    assert (
        r.tagged("a2", "NO", "No such mailbox", r.TRYCREATE)
        == b"a2 NO [TRYCREATE] No such mailbox\r\n"
    )
    assert r.tagged("a3", "NO", "Too big", "TOOBIG") == b"a3 NO [TOOBIG] Too big\r\n"
    assert r.untagged_status("OK", "Still here") == b"* OK Still here\r\n"
    assert r.untagged_status("BYE", "Logging out") == b"* BYE Logging out\r\n"
    assert (
        r.untagged_status("OK", "x", r.uidvalidity_code(3857529045))
        == b"* OK [UIDVALIDITY 3857529045] x\r\n"
    )
    with pytest.raises(ValueError, match="tagged status"):
        r.tagged("a", "BYE", "x")
    with pytest.raises(ValueError, match="untagged status"):
        r.untagged_status("MAYBE", "x")


def test_response_text_cannot_inject_lines():
    line = r.tagged("a1", "NO", "Mailbox x\r\na2 OK forged\x00 é")
    assert line == b"a1 NO Mailbox x  a2 OK forged   \r\n"
    assert line.count(b"\r\n") == 1
    assert r.tagged("a1", "OK", "") == b"a1 OK Done\r\n"
    assert r.tagged("a1", "NO", "x", "BAD]CODE\r\n") == b"a1 NO [BAD CODE  ] x\r\n"


def test_parse_error_maps_onto_a_tagged_response():
    with pytest.raises(ParseError) as excinfo:
        parse_command(b"a SEARCH CHARSET KOI8-R ALL\r\n")
    error = excinfo.value
    assert error.tag is not None
    line = r.tagged(error.tag, error.status, error.message, error.code)
    assert line == b"a NO [BADCHARSET (US-ASCII UTF-8)] Unsupported charset\r\n"


def test_continuations():
    assert r.continuation("Ready for literal") == b"+ Ready for literal\r\n"
    assert r.continuation() == b"+ \r\n"
    assert r.continuation_base64(b"\x00challenge") == b"+ AGNoYWxsZW5nZQ==\r\n"
    assert r.continuation_base64(b"") == b"+ \r\n"


@pytest.mark.parametrize(
    ("code", "encoded"),
    [
        (r.ALERT, b"[ALERT]"),
        (r.READ_ONLY, b"[READ-ONLY]"),
        (r.AUTHENTICATIONFAILED, b"[AUTHENTICATIONFAILED]"),
        (r.OVERQUOTA, b"[OVERQUOTA]"),
        (r.UNKNOWN_CTE, b"[UNKNOWN-CTE]"),
        (r.capability_code(["IMAP4rev1", "IDLE"]), b"[CAPABILITY IMAP4rev1 IDLE]"),
        (r.permanent_flags_code(["\\Seen", "\\*"]), b"[PERMANENTFLAGS (\\Seen \\*)]"),
        (r.uidnext_code(4392), b"[UIDNEXT 4392]"),
        (r.unseen_code(12), b"[UNSEEN 12]"),
        (r.highest_modseq_code(715194045007), b"[HIGHESTMODSEQ 715194045007]"),
        (r.appendlimit_code(None), b"[APPENDLIMIT NIL]"),
        (r.appendlimit_code(1024), b"[APPENDLIMIT 1024]"),
        (r.appenduid_code(38505, [3955]), b"[APPENDUID 38505 3955]"),
        (r.appenduid_code(38505, [7, 5, 6, 9]), b"[APPENDUID 38505 5:7,9]"),
        (
            r.copyuid_code(
                38505, [(305, 3957), (304, 3956), (309, 3958), (310, 3959), (300, 3955)]
            ),
            b"[COPYUID 38505 300,304:305,309:310 3955:3959]",
        ),
        (r.copyuid_code(1, [(1, 20), (2, 10)]), b"[COPYUID 1 1:2 20,10]"),
        (r.badcharset_code(["UTF-8", "US-ASCII"]), b"[BADCHARSET (UTF-8 US-ASCII)]"),
        (
            r.mailboxid_code("F2212ea87-6097-4256-9d51-71338625"),
            b"[MAILBOXID (F2212ea87-6097-4256-9d51-71338625)]",
        ),
        (r.modified_code([7, 9, 8, 12]), b"[MODIFIED 7:9,12]"),
    ],
)
def test_response_codes(code, encoded):
    assert code.encode() == encoded


def test_mailbox_data_responses():
    assert (
        r.capability_response(["IMAP4rev1", "LITERAL+"]) == b"* CAPABILITY IMAP4rev1 LITERAL+\r\n"
    )
    assert r.enabled_response([]) == b"* ENABLED\r\n"
    assert r.enabled_response(["CONDSTORE"]) == b"* ENABLED CONDSTORE\r\n"
    assert r.exists_response(18) == b"* 18 EXISTS\r\n"
    assert r.recent_response(2) == b"* 2 RECENT\r\n"
    assert r.expunge_response(3) == b"* 3 EXPUNGE\r\n"
    assert r.vanished_response([41, 43, 42]) == b"* VANISHED 41:43\r\n"
    assert r.vanished_response([5], earlier=True) == b"* VANISHED (EARLIER) 5\r\n"
    assert r.flags_response(["\\Answered", "\\Seen"]) == b"* FLAGS (\\Answered \\Seen)\r\n"


def test_list_and_lsub_responses():
    assert (
        r.list_response(["\\HasNoChildren"], "/", "INBOX")
        == b'* LIST (\\HasNoChildren) "/" INBOX\r\n'
    )
    assert r.list_response([], None, "") == b'* LIST () NIL ""\r\n'
    assert (
        r.list_response(["\\Sent"], "/", "Gesendete Objekte")
        == b'* LIST (\\Sent) "/" "Gesendete Objekte"\r\n'
    )
    assert r.list_response([], "\\", "a", lsub=True) == b'* LSUB () "\\\\" a\r\n'
    line = r.list_response(["\\NonExistent"], "/", "Foo", childinfo=["SUBSCRIBED"])
    assert line == b'* LIST (\\NonExistent) "/" Foo ("CHILDINFO" ("SUBSCRIBED"))\r\n'
    line = r.list_response([], "/", "New", oldname="Old Name")
    assert line == b'* LIST () "/" New ("OLDNAME" ("Old Name"))\r\n'


def test_status_search_esearch_sort_and_thread_responses():
    line = r.status_response(
        "blurdybloop", [("MESSAGES", 231), ("UIDNEXT", 44292), ("MAILBOXID", "F12")]
    )
    assert line == b"* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292 MAILBOXID (F12))\r\n"
    assert r.search_response([2, 84, 882]) == b"* SEARCH 2 84 882\r\n"
    assert r.search_response([]) == b"* SEARCH\r\n"
    assert r.search_response([2], highest_modseq=917162500) == b"* SEARCH 2 (MODSEQ 917162500)\r\n"
    line = r.esearch_response(
        "A282", uid=True, minimum=2, maximum=9, all_numbers=[2, 3, 4, 9], count=4
    )
    assert line == b'* ESEARCH (TAG "A282") UID MIN 2 MAX 9 ALL 2:4,9 COUNT 4\r\n'
    assert (
        r.esearch_response("A1", uid=False, all_numbers=[], count=0)
        == b'* ESEARCH (TAG "A1") COUNT 0\r\n'
    )
    assert r.sort_response([5, 3, 4]) == b"* SORT 5 3 4\r\n"
    threads: list[r.ThreadNode] = [(2, []), (3, [(6, [(4, [(23, [])]), (44, [(7, [(96, [])])])])])]
    assert r.thread_response(threads) == b"* THREAD (2)(3 6 (4 23)(44 7 96))\r\n"
    assert r.thread_response([(None, [(1, []), (2, [])])]) == b"* THREAD ((1)(2))\r\n"


def test_namespace_id_quota_and_acl_responses():
    assert r.namespace_response([("", "/")], None, None) == b'* NAMESPACE (("" "/")) NIL NIL\r\n'
    line = r.namespace_response([("", "/")], [("Other Users/", "/")], [("Öffentlich/", "/")])
    assert line == b'* NAMESPACE (("" "/")) (("Other Users/" "/")) (("&ANY-ffentlich/" "/"))\r\n'
    assert r.id_response(None) == b"* ID NIL\r\n"
    assert (
        r.id_response([("name", "mailplatform"), ("version", None)])
        == b'* ID ("name" "mailplatform" "version" NIL)\r\n'
    )
    assert r.quota_response("", [("STORAGE", 10, 512)]) == b'* QUOTA "" (STORAGE 10 512)\r\n'
    assert r.quotaroot_response("INBOX", [""]) == b'* QUOTAROOT INBOX ""\r\n'
    assert r.quotaroot_response("INBOX", []) == b"* QUOTAROOT INBOX\r\n"
    assert (
        r.acl_response("INBOX", [("Fred", "rwipslxetad"), ("-anyone", "r")])
        == b"* ACL INBOX Fred rwipslxetad -anyone r\r\n"
    )
    assert (
        r.listrights_response("~/Mail/saved", "smith", "la", ["r", "swicdkxte"])
        == b'* LISTRIGHTS ~/Mail/saved smith "la" r swicdkxte\r\n'
    )
    assert r.myrights_response("INBOX", "rwiptsldaex") == b'* MYRIGHTS INBOX "rwiptsldaex"\r\n'


def test_fetch_response_uses_attribute_response_names():
    peek = BodySection(
        Section((), "HEADER.FIELDS", ("From", "Sub ject")), peek=True, partial=Partial(0, 10)
    )
    line = r.fetch_response(
        12,
        [
            (FetchItem("UID").response_name, 5),
            (b"FLAGS", r.encode_flags(["\\Seen"])),
            (b"INTERNALDATE", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)),
            (peek.response_name, b"From: a\r\n"),
            (b"ENVELOPE", [None, "subj", None]),
        ],
    )
    assert line == (
        b'* 12 FETCH (UID 5 FLAGS (\\Seen) INTERNALDATE " 2-Jan-2024 03:04:05 +0000" '
        b'BODY[HEADER.FIELDS (From "Sub ject")]<0> {9}\r\nFrom: a\r\n '
        b'ENVELOPE (NIL "subj" NIL))\r\n'
    )


def test_fast_uid_flags_line_matches_the_generic_builder():
    flags = r.encode_flags(("\\Seen", "$Label"))
    fast = r.fetch_uid_flags_response(3, 17, flags)
    assert fast == r.fetch_response(3, [(b"UID", 17), (b"FLAGS", flags)])
    assert fast == b"* 3 FETCH (UID 17 FLAGS (\\Seen $Label))\r\n"
