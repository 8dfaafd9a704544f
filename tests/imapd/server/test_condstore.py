"""CONDSTORE and QRESYNC (RFC 7162): MODSEQ, CHANGEDSINCE, UNCHANGEDSINCE, HIGHESTMODSEQ,
ENABLE, SELECT (QRESYNC ...) and VANISHED."""

from __future__ import annotations

import re

import pytest

from tests.imapd.server.clients import Wire, found, message
from tests.imapd.server.conftest import PASSWORD


def _login(daemon) -> Wire:
    wire = Wire.connect(daemon)
    wire.login("alice@example.org", PASSWORD)
    return wire


@pytest.fixture
def wire(daemon, alice) -> Wire:
    wire = _login(daemon)
    for n in range(1, 4):
        raw = message(f"c{n}")
        wire.command(b"ap", b"APPEND INBOX {%d+}\r\n" % len(raw) + raw)
    return wire


def _modseq(line: bytes) -> int:
    return int(found(rb"MODSEQ \((\d+)\)", line).group(1))


def _highest(lines: list[bytes]) -> int:
    for line in lines:
        match = re.search(rb"HIGHESTMODSEQ (\d+)", line)
        if match:
            return int(match.group(1))
    raise AssertionError(lines)


def test_select_condstore_reports_highestmodseq(daemon, wire):
    assert _highest(wire.command(b"s", b"SELECT INBOX (CONDSTORE)")) > 0
    # Without CONDSTORE a SELECT says nothing of modseqs (as Dovecot).
    plain = _login(daemon).command(b"s", b"SELECT INBOX")
    assert not any(b"HIGHESTMODSEQ" in line for line in plain)


def test_enable_condstore_then_store_reports_modseq(wire):
    assert wire.command(b"e", b"ENABLE CONDSTORE")[0] == b"* ENABLED CONDSTORE\r\n"
    before = _highest(wire.command(b"s", b"SELECT INBOX"))
    line = wire.command(b"a", b"STORE 1 +FLAGS (\\Seen)")[0]
    assert line.startswith(b"* 1 FETCH (FLAGS (\\Seen \\Recent) MODSEQ (")
    assert _modseq(line) > before


def test_fetch_modseq_and_changedsince(wire):
    wire.command(b"s", b"SELECT INBOX")
    first = wire.command(b"f", b"FETCH 1:* (MODSEQ)")
    # Asking for MODSEQ turns CONDSTORE on: HIGHESTMODSEQ is announced once.
    assert first[0].startswith(b"* OK [HIGHESTMODSEQ ")
    since = max(_modseq(line) for line in first if b"FETCH" in line)
    wire.command(b"a", b"STORE 2 +FLAGS.SILENT (\\Flagged)")
    changed = wire.command(b"c", b"FETCH 1:* (FLAGS) (CHANGEDSINCE %d)" % since)
    assert len(changed) == 2
    assert changed[0].startswith(b"* 2 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ (")


def test_store_unchangedsince_refuses_changed_messages(wire):
    wire.command(b"s", b"SELECT INBOX (CONDSTORE)")
    modseqs = {
        int(line.split()[1]): _modseq(line) for line in wire.command(b"f", b"FETCH 1:3 MODSEQ")[:-1]
    }
    wire.command(b"a", b"STORE 2 +FLAGS.SILENT (\\Seen)")
    lines = wire.command(
        b"c", b"STORE 1:3 (UNCHANGEDSINCE %d) +FLAGS (\\Flagged)" % max(modseqs.values())
    )
    assert lines[-1] == b"c OK [MODIFIED 2] Conditional store failed.\r\n"
    flagged = wire.command(b"q", b"SEARCH FLAGGED")[0]
    assert flagged == b"* SEARCH 1 3\r\n"
    assert wire.command(b"u", b"UID STORE 1:3 (UNCHANGEDSINCE 1) +FLAGS (\\Draft)")[-1] == (
        b"u OK [MODIFIED 1:3] Conditional store failed.\r\n"
    )


def test_search_modseq(wire):
    wire.command(b"s", b"SELECT INBOX")
    since = _highest(wire.command(b"h", b"STATUS INBOX (HIGHESTMODSEQ)"))
    wire.command(b"a", b"STORE 3 +FLAGS.SILENT (\\Answered)")
    line = wire.command(b"q", b"SEARCH MODSEQ %d" % (since + 1))
    found = next(x for x in line if x.startswith(b"* SEARCH"))
    assert re.match(rb"\* SEARCH 3 \(MODSEQ \d+\)\r\n", found)


def test_qresync_select_reports_what_was_missed(daemon, wire):
    wire.command(b"e", b"ENABLE QRESYNC")
    lines = wire.command(b"s", b"SELECT INBOX")
    uidvalidity = int(found(rb"UIDVALIDITY (\d+)", b"".join(lines)).group(1))
    known = _highest(lines)
    wire.command(b"a", b"STORE 1 +FLAGS.SILENT (\\Deleted)")
    wire.command(b"b", b"STORE 3 +FLAGS.SILENT (\\Seen)")
    assert wire.command(b"x", b"EXPUNGE")[0] == b"* VANISHED 1\r\n"
    wire.command(b"u", b"UNSELECT")
    again = wire.command(b"s2", b"SELECT INBOX (QRESYNC (%d %d 1:3))" % (uidvalidity, known))
    assert b"* VANISHED (EARLIER) 1\r\n" in again
    fetches = [line for line in again if b"FETCH" in line]
    assert len(fetches) == 1
    assert fetches[0].startswith(b"* 2 FETCH (UID 3 FLAGS (\\Seen) MODSEQ (")


def test_qresync_needs_enable(wire):
    assert wire.command(b"s", b"SELECT INBOX (QRESYNC (1 1))")[-1].startswith(b"s BAD")


def test_uid_fetch_vanished(wire):
    wire.command(b"e", b"ENABLE QRESYNC")
    known = _highest(wire.command(b"s", b"SELECT INBOX"))
    wire.command(b"a", b"STORE 2 +FLAGS.SILENT (\\Deleted)")
    wire.command(b"x", b"EXPUNGE")
    lines = wire.command(b"f", b"UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)" % known)
    assert lines[0] == b"* VANISHED (EARLIER) 2\r\n"
