"""SELECT / EXAMINE and FETCH: every item, sections of nested multiparts and message/rfc822
parts, partials, BINARY, and the implicit \\Seen."""

from __future__ import annotations

import re

import pytest
from imapclient import IMAPClient

from tests.imapd.server.clients import TIMEOUT, Wire, message
from tests.imapd.server.conftest import PASSWORD

NESTED = (
    b"From: Ann <ann@example.net>\r\nTo: alice@example.org\r\nSubject: Nested\r\n"
    b"Date: Tue, 03 Jun 2025 08:00:00 +0000\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="outer"\r\n\r\n'
    b"--outer\r\n"
    b'Content-Type: multipart/alternative; boundary="inner"\r\n\r\n'
    b"--inner\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain body\r\n"
    b"--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html body</p>\r\n"
    b"--inner--\r\n"
    b"--outer\r\nContent-Type: message/rfc822\r\n\r\n"
    b"From: Cy <cy@example.com>\r\nSubject: Inner message\r\nContent-Type: text/plain\r\n\r\n"
    b"inner text\r\n"
    b"--outer\r\n"
    b'Content-Type: application/octet-stream; name="f.bin"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nAAECAw==\r\n"
    b"--outer--\r\n"
)


@pytest.fixture
def wire(daemon, alice) -> Wire:
    wire = Wire.connect(daemon)
    wire.login("alice@example.org", PASSWORD)
    return wire


def _append(wire: Wire, raw: bytes, flags: bytes = b"") -> None:
    flags = b"(" + flags + b") " if flags else b""
    wire.command(b"ap", b"APPEND INBOX " + flags + b"{%d+}\r\n" % len(raw) + raw)


def test_select_reports_the_mailbox(wire):
    _append(wire, message("one"), b"\\Seen")
    _append(wire, message("two"), b"$Important")
    lines = wire.command(b"s", b"SELECT INBOX")
    assert lines[0] == b"* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $Important)\r\n"
    assert lines[1] == (
        b"* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $Important \\*)]"
        b" Flags permitted.\r\n"
    )
    assert lines[2:5] == [
        b"* 2 EXISTS\r\n",
        b"* 2 RECENT\r\n",
        b"* OK [UNSEEN 2] First unseen.\r\n",
    ]
    assert re.match(rb"\* OK \[UIDVALIDITY \d+\]", lines[5])
    assert lines[6] == b"* OK [UIDNEXT 3] Predicted next UID\r\n"
    assert re.match(rb"\* OK \[MAILBOXID \(F[0-9a-f]+\)\]", lines[7])
    assert lines[-1] == b"s OK [READ-WRITE] Select completed.\r\n"


def test_recent_belongs_to_the_first_session_only(daemon, wire):
    _append(wire, message("one"))
    assert b"* 1 RECENT\r\n" in wire.command(b"s", b"SELECT INBOX")
    other = Wire.connect(daemon)
    other.login("alice@example.org", PASSWORD)
    assert b"* 0 RECENT\r\n" in other.command(b"s", b"SELECT INBOX")
    assert wire.command(b"f", b"FETCH 1 FLAGS")[0] == b"* 1 FETCH (FLAGS (\\Recent))\r\n"
    assert other.command(b"f", b"FETCH 1 FLAGS")[0] == b"* 1 FETCH (FLAGS ())\r\n"


def test_examine_is_read_only(wire):
    _append(wire, message("one"))
    lines = wire.command(b"e", b"EXAMINE INBOX")
    assert b"* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n" in lines
    assert lines[-1] == b"e OK [READ-ONLY] Examine completed.\r\n"
    wire.command(b"f", b"FETCH 1 BODY[]")
    # Nothing changed: BODY[] sets \Seen only in a read-write mailbox.
    assert wire.command(b"f2", b"FETCH 1 FLAGS")[0] == b"* 1 FETCH (FLAGS (\\Recent))\r\n"


def test_select_of_a_missing_mailbox_leaves_nothing_selected(wire):
    wire.command(b"s", b"SELECT INBOX")
    lines = wire.command(b"s2", b"SELECT Nowhere")
    assert lines[0] == b"* OK [CLOSED] Previous mailbox closed.\r\n"
    assert lines[-1].startswith(b"s2 NO [NONEXISTENT]")
    assert wire.command(b"f", b"FETCH 1 FLAGS")[-1] == b"f BAD No mailbox selected.\r\n"


def test_fetch_simple_items(wire):
    _append(wire, message("Items", body="12345\r\n"))
    wire.command(b"s", b"SELECT INBOX")
    line = wire.command(b"f", b"FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE UID)")[0]
    assert line.startswith(b'* 1 FETCH (FLAGS (\\Recent) INTERNALDATE "')
    size = len(message("Items", body="12345\r\n"))
    assert b"RFC822.SIZE %d ENVELOPE (" % size in line
    assert b'"Mon, 02 Jun 2025 10:00:00 +0200" "Items" (("Bob" NIL "bob" "example.net"))' in line
    assert line.endswith(b" UID 1)\r\n")


def test_uid_fetch_puts_uid_first(wire):
    _append(wire, message("u"))
    wire.command(b"s", b"SELECT INBOX")
    assert wire.command(b"f", b"UID FETCH 1 (FLAGS)")[0] == (
        b"* 1 FETCH (UID 1 FLAGS (\\Recent))\r\n"
    )
    assert (
        wire.command(b"f2", b"UID FETCH 1:* FLAGS")[0] == b"* 1 FETCH (UID 1 FLAGS (\\Recent))\r\n"
    )


def test_fetch_macros(wire):
    _append(wire, message("m"))
    wire.command(b"s", b"SELECT INBOX")
    full = wire.command(b"f", b"FETCH 1 FULL")[0]
    for item in (b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE", b"ENVELOPE", b"BODY ("):
        assert item in full
    assert b"BODYSTRUCTURE" not in full
    fast = wire.command(b"f2", b"FETCH 1 FAST")[0]
    assert b"ENVELOPE" not in fast
    assert b"RFC822.SIZE" in fast


def test_body_sections_of_nested_parts(wire):
    _append(wire, NESTED)
    wire.command(b"s", b"SELECT INBOX")

    def section(spec: bytes) -> bytes:
        line = wire.command(b"f", b"FETCH 1 BODY.PEEK[" + spec + b"]")[0]
        match = re.match(rb"\* 1 FETCH \(BODY\[[^\]]*\] (?:\{\d+\}\r\n)?(.*)\)\r\n$", line, re.S)
        assert match is not None, line
        return match.group(1)

    assert section(b"1.1") == b"plain body"
    assert section(b"1.2") == b"<p>html body</p>"
    assert section(b"1.1.MIME") == b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    assert b"Subject: Inner message" in section(b"2.HEADER")
    # The line end before a boundary belongs to the boundary (RFC 2046 5.1.1).
    assert section(b"2.TEXT") == b"inner text"
    assert section(b"2.1") == b"inner text"
    assert section(b"3") == b"AAECAw=="
    assert section(b"HEADER.FIELDS (SUBJECT FROM)") == (
        b"From: Ann <ann@example.net>\r\nSubject: Nested\r\n\r\n"
    )
    assert b"Subject" not in section(b"HEADER.FIELDS.NOT (Subject)")
    assert section(b"") == NESTED
    assert section(b"9") == b""  # a missing part is empty, as Dovecot answers


def test_partial_fetch(wire):
    _append(wire, NESTED)
    wire.command(b"s", b"SELECT INBOX")
    line = wire.command(b"f", b"FETCH 1 BODY.PEEK[]<6.3>")[0]
    assert line == b"* 1 FETCH (BODY[]<6> {3}\r\nAnn)\r\n"
    assert wire.command(b"f2", b"FETCH 1 BODY.PEEK[]<99999.5>")[0] == (
        b"* 1 FETCH (BODY[]<99999> {0}\r\n)\r\n"
    )


def test_binary_items_decode_the_transfer_encoding(wire):
    _append(wire, NESTED)
    wire.command(b"s", b"SELECT INBOX")
    assert wire.command(b"f", b"FETCH 1 (BINARY.PEEK[3] BINARY.SIZE[3])")[0] == (
        b"* 1 FETCH (BINARY[3] ~{4}\r\n\x00\x01\x02\x03 BINARY.SIZE[3] 4)\r\n"
    )


def test_unknown_transfer_encoding_is_refused_for_binary(wire):
    raw = b"Subject: x\r\nContent-Transfer-Encoding: x-unknown\r\n\r\ndata\r\n"
    _append(wire, raw)
    wire.command(b"s", b"SELECT INBOX")
    assert wire.command(b"f", b"FETCH 1 BINARY.PEEK[1]")[-1].startswith(b"f NO [UNKNOWN-CTE]")


def test_bodystructure_of_a_nested_message(daemon, alice):
    with IMAPClient("127.0.0.1", port=daemon.port("imap"), ssl=False, timeout=TIMEOUT) as c:
        c.login("alice@example.org", PASSWORD)
        c.append("INBOX", NESTED)
        c.select_folder("INBOX")
        structure = c.fetch([1], ["BODYSTRUCTURE"])[1][b"BODYSTRUCTURE"]
        assert structure.is_multipart
        alternative, forwarded, attachment = structure[0]
        assert structure[1] == b"mixed"
        assert [part[:2] for part in alternative[0]] == [(b"text", b"plain"), (b"text", b"html")]
        assert forwarded[:2] == (b"message", b"rfc822")
        assert forwarded[7][1] == b"Inner message"  # the encapsulated message's envelope
        assert attachment[:2] == (b"application", b"octet-stream")
        assert attachment[5] == b"base64"
        body = c.fetch([1], ["BODY"])[1][b"BODY"]
        assert body[1] == b"mixed"


def test_body_fetch_sets_seen_and_reports_the_flags(wire):
    _append(wire, message("seen"))
    wire.command(b"s", b"SELECT INBOX")
    lines = wire.command(b"f", b"FETCH 1 BODY[TEXT]")
    assert lines[0] == b"* 1 FETCH (FLAGS (\\Seen \\Recent) BODY[TEXT] {11}\r\nHi there.\r\n)\r\n"
    assert wire.command(b"f2", b"FETCH 1 FLAGS")[0] == b"* 1 FETCH (FLAGS (\\Seen \\Recent))\r\n"


def test_peek_and_rfc822_header_do_not_set_seen(wire):
    _append(wire, message("peek"))
    wire.command(b"s", b"SELECT INBOX")
    wire.command(b"f", b"FETCH 1 (BODY.PEEK[] RFC822.HEADER BINARY.PEEK[1])")
    assert wire.command(b"f2", b"FETCH 1 FLAGS")[0] == b"* 1 FETCH (FLAGS (\\Recent))\r\n"


def test_rfc822_items(wire):
    raw = message("rfc822")
    _append(wire, raw)
    wire.command(b"s", b"SELECT INBOX")
    line = wire.command(b"f", b"FETCH 1 (RFC822.HEADER RFC822.TEXT)")[0]
    header, text = raw.split(b"\r\n\r\n", 1)
    assert b"RFC822.HEADER {%d}\r\n%s\r\n\r\n" % (len(header) + 4, header) in line
    assert b"RFC822.TEXT {%d}\r\n%s" % (len(text), text) in line
    whole = wire.command(b"f2", b"FETCH 1 RFC822")[0]
    assert whole.endswith(b"RFC822 {%d}\r\n%s)\r\n" % (len(raw), raw))


def test_object_ids(wire):
    _append(wire, message("ids"))
    wire.command(b"s", b"SELECT INBOX")
    line = wire.command(b"f", b"FETCH 1 (EMAILID THREADID)")[0]
    assert re.match(rb"\* 1 FETCH \(EMAILID \(M[0-9a-f]+\) THREADID (NIL|\(\w+\))\)", line)


def test_fetch_beyond_the_last_message_is_bad(wire):
    _append(wire, message("x"))
    wire.command(b"s", b"SELECT INBOX")
    assert wire.command(b"f", b"FETCH 5 FLAGS")[-1] == b"f BAD Invalid messageset\r\n"
    assert wire.command(b"f2", b"UID FETCH 5 FLAGS") == [b"f2 OK Fetch completed.\r\n"]


def test_fetch_many_messages_in_one_response(wire):
    for n in range(30):
        _append(wire, message(f"bulk {n}"))
    wire.command(b"s", b"SELECT INBOX")
    lines = wire.command(b"f", b"FETCH 1:* (UID ENVELOPE BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    assert len(lines) == 31
    assert b"Subject: bulk 29" in lines[29]
