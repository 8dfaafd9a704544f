"""STORE, COPY, MOVE, EXPUNGE, CLOSE, UNSELECT and their UID forms."""

from __future__ import annotations

import re

import pytest

from tests.imapd.server.clients import Wire, found, message
from tests.imapd.server.conftest import PASSWORD


@pytest.fixture
def wire(daemon, alice) -> Wire:
    wire = Wire.connect(daemon)
    wire.login("alice@example.org", PASSWORD)
    for n in range(1, 5):
        raw = message(f"m{n}")
        wire.command(b"ap", b"APPEND INBOX {%d+}\r\n" % len(raw) + raw)
    wire.command(b"s", b"SELECT INBOX")
    return wire


def _flags(wire: Wire, which: bytes = b"1:*") -> list[bytes]:
    lines = wire.command(b"ff", b"FETCH " + which + b" FLAGS")[:-1]
    return [found(rb"FLAGS \(([^)]*)\)", line).group(1) for line in lines]


def test_store_add_remove_replace(wire):
    assert wire.command(b"a", b"STORE 1 +FLAGS (\\Flagged \\Seen)") == [
        b"* 1 FETCH (FLAGS (\\Seen \\Flagged \\Recent))\r\n",
        b"a OK Store completed.\r\n",
    ]
    assert wire.command(b"b", b"STORE 1 -FLAGS (\\Seen)")[0] == (
        b"* 1 FETCH (FLAGS (\\Flagged \\Recent))\r\n"
    )
    assert wire.command(b"c", b"STORE 1 FLAGS (\\Answered)")[0] == (
        b"* 1 FETCH (FLAGS (\\Answered \\Recent))\r\n"
    )
    # Nothing changes: no FETCH, as Dovecot.
    assert wire.command(b"d", b"STORE 1 +FLAGS (\\Answered)") == [b"d OK Store completed.\r\n"]


def test_store_silent_sends_no_fetch(wire):
    assert wire.command(b"a", b"STORE 1:2 +FLAGS.SILENT (\\Deleted)") == [
        b"a OK Store completed.\r\n"
    ]
    assert _flags(wire, b"1:2") == [b"\\Deleted \\Recent", b"\\Deleted \\Recent"]


def test_uid_store_includes_the_uid(wire):
    assert wire.command(b"a", b"UID STORE 2 +FLAGS (\\Seen)")[0] == (
        b"* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent))\r\n"
    )


def test_arbitrary_keywords_are_kept_and_announced(wire):
    lines = wire.command(b"a", b"STORE 1 +FLAGS ($Label1 NonJunk)")
    assert (
        lines[0] == b"* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $Label1 NonJunk)\r\n"
    )
    assert lines[1].startswith(b"* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted")
    assert b"$Label1 NonJunk \\*)]" in lines[1]
    assert lines[2] == b"* 1 FETCH (FLAGS ($Label1 NonJunk \\Recent))\r\n"
    assert wire.command(b"s", b"SELECT INBOX")[1].endswith(b"$Label1 NonJunk)\r\n")


def test_recent_cannot_be_stored(wire):
    assert wire.command(b"a", b"STORE 1 +FLAGS (\\Recent)")[-1].startswith(b"a BAD")


def test_store_in_a_read_only_mailbox_changes_nothing(wire):
    wire.command(b"e", b"EXAMINE INBOX")
    assert wire.command(b"a", b"STORE 1 +FLAGS (\\Seen)") == [
        b"a OK Store ignored with read-only mailbox.\r\n"
    ]
    assert _flags(wire, b"1") == [b""]


def test_copy_answers_with_copyuid(wire):
    line = wire.command(b"c", b"COPY 2:3 Archive")[-1]
    match = re.match(rb"c OK \[COPYUID (\d+) 2:3 1:2\] Copy completed", line)
    assert match is not None
    assert wire.command(b"s", b"STATUS Archive (MESSAGES)")[0] == (
        b"* STATUS Archive (MESSAGES 2)\r\n"
    )
    assert wire.command(b"c2", b"COPY 1 Nowhere")[-1].startswith(b"c2 NO [TRYCREATE]")
    assert wire.command(b"c3", b"UID COPY 99 Archive")[-1] == b"c3 OK No messages found.\r\n"


def test_copy_keeps_flags_and_internal_date(wire):
    wire.command(b"a", b"STORE 1 +FLAGS (\\Flagged $Kept)")
    date = found(rb'INTERNALDATE "[^"]+"', wire.command(b"d", b"FETCH 1 INTERNALDATE")[0])
    wire.command(b"c", b"COPY 1 Archive")
    wire.command(b"s", b"SELECT Archive")
    line = wire.command(b"f", b"FETCH 1 (FLAGS INTERNALDATE)")[0]
    assert b"\\Flagged $Kept" in line
    assert date.group() in line


def test_move_expunges_in_the_source_and_reports_copyuid_first(wire):
    lines = wire.command(b"m", b"MOVE 2:3 Trash")
    assert re.match(rb"\* OK \[COPYUID \d+ 2:3 1:2\]", lines[0])
    assert lines[1:] == [b"* 2 EXPUNGE\r\n", b"* 2 EXPUNGE\r\n", b"m OK Move completed.\r\n"]
    assert wire.command(b"s", b"STATUS Trash (MESSAGES)")[0] == b"* STATUS Trash (MESSAGES 2)\r\n"
    assert len(_flags(wire)) == 2


def test_uid_move(wire):
    lines = wire.command(b"m", b"UID MOVE 4 Junk")
    assert lines[1:] == [b"* 4 EXPUNGE\r\n", b"m OK Move completed.\r\n"]


def test_expunge_removes_deleted_messages(wire):
    wire.command(b"a", b"STORE 2,4 +FLAGS.SILENT (\\Deleted)")
    assert wire.command(b"x", b"EXPUNGE") == [
        b"* 2 EXPUNGE\r\n",
        b"* 3 EXPUNGE\r\n",
        b"x OK Expunge completed.\r\n",
    ]
    uids = wire.command(b"u", b"UID SEARCH ALL")[0]
    assert uids == b"* SEARCH 1 3\r\n"


def test_uid_expunge_only_touches_the_given_uids(wire):
    wire.command(b"a", b"STORE 1:4 +FLAGS.SILENT (\\Deleted)")
    assert wire.command(b"x", b"UID EXPUNGE 3:4") == [
        b"* 3 EXPUNGE\r\n",
        b"* 3 EXPUNGE\r\n",
        b"x OK Expunge completed.\r\n",
    ]
    assert wire.command(b"u", b"UID SEARCH ALL")[0] == b"* SEARCH 1 2\r\n"


def test_close_expunges_silently_and_unselect_does_not(wire):
    wire.command(b"a", b"STORE 1 +FLAGS.SILENT (\\Deleted)")
    assert wire.command(b"u", b"UNSELECT") == [b"u OK Unselect completed.\r\n"]
    assert wire.command(b"s", b"STATUS INBOX (MESSAGES)")[0] == b"* STATUS INBOX (MESSAGES 4)\r\n"
    wire.command(b"s2", b"SELECT INBOX")
    assert wire.command(b"c", b"CLOSE") == [b"c OK Close completed.\r\n"]
    assert wire.command(b"s3", b"STATUS INBOX (MESSAGES)")[0] == b"* STATUS INBOX (MESSAGES 3)\r\n"
    assert wire.command(b"f", b"FETCH 1 FLAGS")[-1] == b"f BAD No mailbox selected.\r\n"


def test_close_in_examine_mode_does_not_expunge(wire):
    wire.command(b"a", b"STORE 1 +FLAGS.SILENT (\\Deleted)")
    wire.command(b"e", b"EXAMINE INBOX")
    wire.command(b"c", b"CLOSE")
    assert wire.command(b"s", b"STATUS INBOX (MESSAGES)")[0] == b"* STATUS INBOX (MESSAGES 4)\r\n"


def test_check_and_noop_complete(wire):
    assert wire.command(b"c", b"CHECK") == [b"c OK Check completed.\r\n"]
    assert wire.command(b"n", b"NOOP") == [b"n OK NOOP completed.\r\n"]


def test_append_to_the_selected_mailbox_reports_exists(wire):
    raw = message("new")
    lines = wire.command(b"ap", b"APPEND INBOX {%d+}\r\n" % len(raw) + raw)
    assert lines[:2] == [b"* 5 EXISTS\r\n", b"* 5 RECENT\r\n"]
    assert lines[-1].startswith(b"ap OK [APPENDUID ")
