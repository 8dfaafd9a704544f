"""Several sessions on one mailbox (RFC 3501 5.2, 7.4.1; RFC 2180; RFC 2177 IDLE): each hears
of the others' changes, and never of an expunge while a FETCH, STORE or SEARCH by sequence
number runs."""

from __future__ import annotations

import pytest

from imapd.daemon import DaemonThread
from imapd.store import notifier
from tests.imapd.server.clients import Wire, message
from tests.imapd.server.conftest import PASSWORD


def _session(daemon) -> Wire:
    wire = Wire.connect(daemon)
    wire.login("alice@example.org", PASSWORD)
    return wire


def _append(wire: Wire, subject: str) -> list[bytes]:
    raw = message(subject)
    return wire.command(b"ap", b"APPEND INBOX {%d+}\r\n" % len(raw) + raw)


@pytest.fixture
def pair(daemon, alice) -> tuple[Wire, Wire]:
    """Sessions A and B with INBOX selected (three messages, \\Recent to B, which selected
    first)."""
    a, b = _session(daemon), _session(daemon)
    for n in range(1, 4):
        _append(b, f"m{n}")
    b.command(b"s", b"SELECT INBOX")
    a.command(b"s", b"SELECT INBOX")
    return a, b


def _idle(wire: Wire) -> None:
    wire.send(b"i IDLE\r\n")
    assert wire.line() == b"+ idling\r\n"


def _done(wire: Wire) -> list[bytes]:
    wire.send(b"DONE\r\n")
    return wire.until(b"i")


def test_idle_hears_of_a_new_message(pair):
    a, b = pair
    b.command(b"u", b"UNSELECT")
    _idle(a)
    _append(b, "news")
    assert a.line() == b"* 4 EXISTS\r\n"
    assert a.line() == b"* 1 RECENT\r\n"  # A is the first session to see it
    assert _done(a) == [b"i OK Idle completed.\r\n"]
    assert a.command(b"f", b"FETCH 4 FLAGS")[0] == b"* 4 FETCH (FLAGS (\\Recent))\r\n"


def test_idle_hears_of_flag_changes(pair):
    a, b = pair
    _idle(a)
    b.command(b"st", b"STORE 2 +FLAGS.SILENT (\\Seen $Done)")
    # A new keyword: the flag list is announced again first.
    assert a.line().endswith(b" \\Draft $Done)\r\n")
    assert a.line().startswith(b"* OK [PERMANENTFLAGS (")
    assert a.line() == b"* 2 FETCH (FLAGS (\\Seen $Done))\r\n"
    _done(a)


def test_idle_hears_of_expunges(pair):
    a, b = pair
    _idle(a)
    b.command(b"st", b"STORE 1,3 +FLAGS.SILENT (\\Deleted)")
    assert a.line() == b"* 1 FETCH (FLAGS (\\Deleted))\r\n"
    assert a.line() == b"* 3 FETCH (FLAGS (\\Deleted))\r\n"
    b.command(b"x", b"EXPUNGE")
    assert [a.line(), a.line()] == [b"* 1 EXPUNGE\r\n", b"* 2 EXPUNGE\r\n"]
    _done(a)
    assert a.command(b"q", b"UID SEARCH ALL")[0] == b"* SEARCH 2\r\n"


def test_idle_of_a_session_without_mailbox_ends_on_done(daemon, alice):
    a = _session(daemon)
    _idle(a)
    assert _done(a) == [b"i OK Idle completed.\r\n"]


def test_anything_but_done_ends_idle_with_bad(pair):
    a, _ = pair
    _idle(a)
    a.send(b"NOOP\r\n")
    assert a.until(b"i") == [b"i BAD Expected DONE.\r\n"]


def test_expunge_is_withheld_during_fetch_store_and_search(pair):
    a, b = pair
    b.command(b"st", b"STORE 2 +FLAGS.SILENT (\\Deleted)")
    b.command(b"x", b"EXPUNGE")
    # A still numbers three messages; none of these commands may report the expunge.
    fetched = a.command(b"f", b"FETCH 1:3 (UID)")
    assert fetched[:3] == [
        b"* 1 FETCH (UID 1)\r\n",
        b"* 2 FETCH (UID 2)\r\n",
        b"* 3 FETCH (UID 3)\r\n",
    ]
    assert not any(b"EXPUNGE" in line for line in fetched)
    assert a.command(b"q", b"SEARCH ALL") == [b"* SEARCH 1 2 3\r\n", b"q OK Search completed.\r\n"]
    stored = a.command(b"st", b"STORE 3 +FLAGS (\\Flagged)")
    assert stored == [b"* 3 FETCH (FLAGS (\\Flagged))\r\n", b"st OK Store completed.\r\n"]
    # Its data is gone: RFC 2180 4.1.2 lets the server say so.
    gone = a.command(b"g", b"FETCH 2 BODY.PEEK[]")
    assert gone == [b"g NO [EXPUNGEISSUED] Some of the requested messages no longer exist.\r\n"]
    # A command that may report it does so, and the numbers then shift.
    assert a.command(b"n", b"NOOP") == [b"* 2 EXPUNGE\r\n", b"n OK NOOP completed.\r\n"]
    assert a.command(b"f2", b"FETCH 2 (UID)")[0] == b"* 2 FETCH (UID 3)\r\n"


def test_uid_commands_may_report_expunges(pair):
    a, b = pair
    b.command(b"st", b"STORE 1 +FLAGS.SILENT (\\Deleted)")
    b.command(b"x", b"EXPUNGE")
    lines = a.command(b"f", b"UID FETCH 1:* (FLAGS)")
    assert lines[-2:] == [b"* 1 EXPUNGE\r\n", b"f OK Fetch completed.\r\n"]


def test_noop_reports_changes_of_other_sessions(pair):
    a, b = pair
    b.command(b"u", b"UNSELECT")
    _append(b, "four")
    b.command(b"st", b"APPEND INBOX {12+}\r\nSubject: 5\r\n")
    b.command(b"s", b"SELECT INBOX")
    b.command(b"st", b"STORE 1 +FLAGS.SILENT (\\Answered)")
    assert a.command(b"n", b"NOOP") == [
        b"* 5 EXISTS\r\n",
        b"* 0 RECENT\r\n",  # B selected again first and took them
        b"* 1 FETCH (FLAGS (\\Answered))\r\n",
        b"n OK NOOP completed.\r\n",
    ]


def test_move_elsewhere_is_an_expunge_for_the_other_session(pair):
    a, b = pair
    b.command(b"m", b"MOVE 1 Archive")
    assert a.command(b"n", b"NOOP")[0] == b"* 1 EXPUNGE\r\n"


def test_own_changes_are_not_reported_twice(pair):
    a, _ = pair
    assert a.command(b"st", b"STORE 1 +FLAGS (\\Seen)") == [
        b"* 1 FETCH (FLAGS (\\Seen))\r\n",
        b"st OK Store completed.\r\n",
    ]
    assert a.command(b"n", b"NOOP") == [b"n OK NOOP completed.\r\n"]


def test_deleting_the_selected_mailbox_elsewhere_ends_the_session(daemon, alice):
    a, b = _session(daemon), _session(daemon)
    b.command(b"c", b"CREATE Temp")
    a.command(b"s", b"SELECT Temp")
    b.command(b"d", b"DELETE Temp")
    a.send(b"n NOOP\r\n")
    assert a.rest() == [b"* BYE Selected mailbox was deleted, have to disconnect.\r\n"]


def test_idle_keepalive_also_finds_changes_the_notifier_missed(daemon, alice, settings):
    """A change made by another process reaches an IDLE session at the next keepalive."""
    settings.IMAP_IDLE_KEEPALIVE = 1
    daemon.stop()
    restarted = DaemonThread(daemon.options).start()
    try:
        a, b = _session(restarted), _session(restarted)
        a.command(b"s", b"SELECT INBOX")
        _idle(a)
        # B's change is published to a hub no session listens to: another process's.
        previous = notifier.hub_replace(notifier.Hub())
        try:
            _append(b, "from afar")
        finally:
            notifier.hub_replace(previous)
        assert a.line() == b"* OK Still here\r\n"
        assert a.line() == b"* 1 EXISTS\r\n"
        _done(a)
    finally:
        restarted.stop()


def test_imapclient_idle_sees_a_delivery(daemon, alice):
    from imapclient import IMAPClient

    with IMAPClient("127.0.0.1", port=daemon.port("imap"), ssl=False, timeout=10) as client:
        client.login("alice@example.org", PASSWORD)
        client.select_folder("INBOX")
        client.idle()
        other = _session(daemon)
        _append(other, "for imapclient")
        responses = client.idle_check(timeout=10)
        client.idle_done()
        assert (1, b"EXISTS") in responses
