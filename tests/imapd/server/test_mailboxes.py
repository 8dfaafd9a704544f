"""Mailbox commands: CREATE, DELETE, RENAME, SUBSCRIBE, LIST/LSUB, NAMESPACE, STATUS, APPEND."""

from __future__ import annotations

import re

import pytest

from tests.imapd.server.clients import Wire, imap, message
from tests.imapd.server.conftest import PASSWORD


@pytest.fixture
def wire(daemon, alice) -> Wire:
    wire = Wire.connect(daemon)
    wire.login("alice@example.org", PASSWORD)
    return wire


def _list_names(lines: list[bytes]) -> list[bytes]:
    return [line.rsplit(b" ", 1)[1].strip() for line in lines if line.startswith(b"* LIST")]


def test_create_answers_with_the_mailbox_id(wire):
    line = wire.command(b"c", b"CREATE Projects")[-1]
    assert re.match(rb"c OK \[MAILBOXID \(F[0-9a-f]+\)\] Create completed", line)
    assert wire.command(b"c2", b"CREATE Projects")[-1].startswith(b"c2 NO [ALREADYEXISTS]")
    assert wire.command(b"c3", b"CREATE INBOX")[-1].startswith(b"c3 NO [ALREADYEXISTS]")


def test_create_with_special_use_shows_in_list(wire):
    assert wire.command(b"c", b"CREATE Stuff (USE (\\Flagged))")[-1].startswith(b"c OK")
    lines = wire.command(b"l", b'LIST "" Stuff')
    assert lines[0] == b'* LIST (\\HasNoChildren \\Flagged) "/" Stuff\r\n'
    assert wire.command(b"c2", b"CREATE Bad (USE (\\Nonsense))")[-1].startswith(b"c2 NO [USEATTR]")


def test_create_makes_superiors_and_list_shows_children(wire):
    wire.command(b"c", b"CREATE a/b/c")
    lines = wire.command(b"l", b'LIST "" a*')
    assert lines[:-1] == [
        b'* LIST (\\HasChildren) "/" a\r\n',
        b'* LIST (\\HasChildren) "/" a/b\r\n',
        b'* LIST (\\HasNoChildren) "/" a/b/c\r\n',
    ]


def test_list_percent_stops_at_the_separator(wire):
    wire.command(b"c", b"CREATE a/b/c")
    assert _list_names(wire.command(b"l", b'LIST "" %'))[:2] == [b"INBOX", b"Archive"]
    assert b"a/b" not in _list_names(wire.command(b"l2", b'LIST "" %'))
    assert _list_names(wire.command(b"l3", b'LIST "a/" %')) == [b"a/b"]
    assert _list_names(wire.command(b"l4", b'LIST "" a/%/%')) == [b"a/b/c"]


def test_list_matches_inbox_in_any_case(wire):
    assert _list_names(wire.command(b"l", b'LIST "" inbox')) == [b"INBOX"]
    assert _list_names(wire.command(b"l2", b'LIST "" InBoX*')) == [b"INBOX"]


def test_list_empty_pattern_gives_the_delimiter(wire):
    assert wire.command(b"l", b'LIST "" ""')[0] == b'* LIST (\\Noselect) "/" ""\r\n'


def test_list_special_use_attributes_of_defaults(wire):
    lines = wire.command(b"l", b'LIST "" *')
    assert b'* LIST (\\HasNoChildren \\Sent) "/" Sent\r\n' in lines
    assert b'* LIST (\\HasNoChildren \\Trash) "/" Trash\r\n' in lines
    assert lines[0] == b'* LIST (\\HasNoChildren) "/" INBOX\r\n'


def test_mailbox_names_travel_in_modified_utf7(wire):
    assert wire.command(b"c", b"CREATE &AMk-t&AOk-")[-1].startswith(b"c OK")
    assert _list_names(wire.command(b"l", b'LIST "" &AMk-*')) == [b"&AMk-t&AOk-"]
    client_side = wire.command(b"s", b"STATUS &AMk-t&AOk- (MESSAGES)")
    assert client_side[0] == b"* STATUS &AMk-t&AOk- (MESSAGES 0)\r\n"


def test_delete_and_rename(wire):
    wire.command(b"c", b"CREATE Old/Child")
    assert wire.command(b"r", b"RENAME Old New")[-1].startswith(b"r OK")
    assert _list_names(wire.command(b"l", b'LIST "" New*')) == [b"New", b"New/Child"]
    assert wire.command(b"r2", b"RENAME Missing Other")[-1].startswith(b"r2 NO [NONEXISTENT]")
    assert wire.command(b"d", b"DELETE New/Child")[-1].startswith(b"d OK")
    assert wire.command(b"d2", b"DELETE New/Child")[-1].startswith(b"d2 NO [NONEXISTENT]")
    assert wire.command(b"d3", b"DELETE INBOX")[-1].startswith(b"d3 NO")


def test_delete_with_children_leaves_a_noselect_placeholder(wire):
    wire.command(b"c", b"CREATE P/Q")
    assert wire.command(b"d", b"DELETE P")[-1].startswith(b"d OK")
    lines = wire.command(b"l", b'LIST "" P*')
    assert lines[0] == b'* LIST (\\Noselect \\HasChildren) "/" P\r\n'
    assert wire.command(b"s", b"SELECT P")[-1].startswith(b"s NO")


def test_rename_inbox_moves_its_messages(daemon, alice):
    client = imap(daemon, password=PASSWORD)
    client.append("INBOX", "", "", message("moved"))
    assert client.rename("INBOX", "Old-Inbox")[0] == "OK"
    assert client.status("INBOX", "(MESSAGES)")[1] == [b"INBOX (MESSAGES 0)"]
    assert client.status("Old-Inbox", "(MESSAGES)")[1] == [b"Old-Inbox (MESSAGES 1)"]


def test_subscribe_unsubscribe_and_lsub(wire):
    wire.command(b"c", b"CREATE Work/Reports")
    wire.command(b"s", b"SUBSCRIBE Work/Reports")
    lines = wire.command(b"l", b'LSUB "" Work/*')
    assert lines[:-1] == [b'* LSUB () "/" Work/Reports\r\n']
    # `%` shows the unsubscribed level above as \Noselect.
    assert wire.command(b"l2", b'LSUB "" Work')[0] == b'* LSUB (\\Noselect) "/" Work\r\n'
    wire.command(b"u", b"UNSUBSCRIBE Work/Reports")
    assert wire.command(b"l3", b'LSUB "" Work*')[:-1] == []


def test_list_extended_subscribed_and_return_options(wire):
    wire.command(b"c", b"CREATE Lists/One")
    wire.command(b"s", b"SUBSCRIBE Lists/One")
    wire.command(b"s2", b"SUBSCRIBE Gone")
    lines = wire.command(b"l", b'LIST (SUBSCRIBED) "" * RETURN (CHILDREN)')
    assert b'* LIST (\\HasNoChildren \\Subscribed) "/" Lists/One\r\n' in lines
    assert b'* LIST (\\NonExistent \\Subscribed) "/" Gone\r\n' in lines
    assert not any(line.endswith(b" Lists\r\n") for line in lines)
    recursive = wire.command(b"l2", b'LIST (SUBSCRIBED RECURSIVEMATCH) "" %')
    assert b'* LIST (\\HasChildren) "/" Lists ("CHILDINFO" ("SUBSCRIBED"))\r\n' in recursive


def test_list_return_status(wire):
    wire.command(b"a", b"APPEND Drafts {12+}\r\nSubject: x\r\n")
    lines = wire.command(b"l", b'LIST "" Drafts RETURN (STATUS (MESSAGES UNSEEN))')
    assert lines[:2] == [
        b'* LIST (\\HasNoChildren \\Drafts) "/" Drafts\r\n',
        b"* STATUS Drafts (MESSAGES 1 UNSEEN 1)\r\n",
    ]


def test_list_selection_special_use(wire):
    names = _list_names(wire.command(b"l", b'LIST (SPECIAL-USE) "" *'))
    assert set(names) == {b"Archive", b"Drafts", b"Junk", b"Sent", b"Trash"}


def test_namespace(wire):
    namespace = wire.command(b"n", b"NAMESPACE")[0]
    assert namespace == b'* NAMESPACE (("" "/")) (("user/" "/")) NIL\r\n'


def test_status_reports_counters(daemon, alice):
    client = imap(daemon, password=PASSWORD)
    client.append("INBOX", "(\\Seen)", "", message("one"))
    client.append("INBOX", "", "", message("two"))
    typ, data = client.status(
        "INBOX", "(MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE HIGHESTMODSEQ MAILBOXID)"
    )
    assert typ == "OK"
    text = data[0].decode()
    for item in ("MESSAGES 2", "RECENT 2", "UIDNEXT 3", "UNSEEN 1"):
        assert item in text
    assert re.search(r"MAILBOXID \(F[0-9a-f]+\)", text)
    assert client.status("Nowhere", "(MESSAGES)")[0] == "NO"


def test_append_with_flags_and_internal_date(wire):
    raw = message("dated")
    line = wire.command(
        b"a",
        b'APPEND Drafts (\\Draft $Custom) "05-Jan-2024 10:20:30 +0100" {%d+}\r\n' % len(raw) + raw,
    )[-1]
    assert re.match(rb"a OK \[APPENDUID \d+ 1\]", line)
    wire.command(b"s", b"SELECT Drafts")
    fetched = wire.command(b"f", b"FETCH 1 (FLAGS INTERNALDATE)")[0]
    assert fetched == (
        b"* 1 FETCH (FLAGS (\\Draft $Custom \\Recent)"
        b' INTERNALDATE " 5-Jan-2024 09:20:30 +0000")\r\n'
    )


def test_append_to_a_missing_mailbox_says_trycreate(wire):
    assert wire.command(b"a", b"APPEND Nowhere {12+}\r\nSubject: x\r\n")[-1].startswith(
        b"a NO [TRYCREATE]"
    )


def test_multiappend_appends_all_messages_at_once(wire):
    one, two = b"Subject: one\r\n\r\n1\r\n", b"Subject: two\r\n\r\n2\r\n"
    line = wire.command(
        b"a",
        b"APPEND INBOX (\\Seen) {%d+}\r\n%s {%d+}\r\n%s" % (len(one), one, len(two), two),
    )[-1]
    assert re.match(rb"a OK \[APPENDUID \d+ 1:2\]", line)
    status = wire.command(b"s", b"STATUS INBOX (MESSAGES UNSEEN)")[0]
    assert status == b"* STATUS INBOX (MESSAGES 2 UNSEEN 1)\r\n"


def test_append_of_binary_literal8_keeps_the_octets(wire):
    body = b"Subject: bin\r\nContent-Transfer-Encoding: binary\r\n\r\nA\x00B\r\n"
    assert wire.command(b"a", b"APPEND INBOX ~{%d+}\r\n" % len(body) + body)[-1].startswith(b"a OK")
    wire.command(b"s", b"SELECT INBOX")
    lines = wire.command(b"f", b"FETCH 1 BINARY.PEEK[1]")
    assert lines[0] == b"* 1 FETCH (BINARY[1] ~{5}\r\nA\x00B\r\n)\r\n"
    # BODY[] cannot carry NUL: it becomes 0x80 there.
    assert b"A\x80B" in wire.command(b"f2", b"FETCH 1 BODY.PEEK[TEXT]")[0]


def test_empty_message_is_refused(wire):
    assert wire.command(b"a", b"APPEND INBOX {0+}\r\n")[-1].startswith(b"a NO")
