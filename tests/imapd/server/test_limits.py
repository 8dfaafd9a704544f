"""Limits and robustness: long lines, big literals, LITERAL+, bare LF, malformed commands,
the bad-command limit and autologout."""

from __future__ import annotations

import pytest

from imapd.daemon import DaemonThread
from tests.imapd.server.clients import Wire
from tests.imapd.server.conftest import PASSWORD


@pytest.fixture
def restart(daemon):
    """Restart the daemon after changing settings it reads when it starts."""
    started: list[DaemonThread] = []

    def again() -> DaemonThread:
        daemon.stop()
        thread = DaemonThread(daemon.options).start()
        started.append(thread)
        return thread

    yield again
    for thread in started:
        thread.stop()


def test_a_line_too_long_is_bad_and_the_connection_lives(daemon, alice):
    wire = Wire.connect(daemon)
    wire.send(b"a NOOP " + b"x" * 70_000 + b"\r\n")
    assert wire.line() == b"a BAD Line too long\r\n"
    assert wire.command(b"b", b"NOOP")[-1].startswith(b"b OK")


def test_a_literal_too_big_is_refused_before_it_is_sent(daemon, alice, settings):
    wire = Wire.connect(daemon)
    wire.login("alice@example.org", PASSWORD)
    size = settings.MAX_MESSAGE_SIZE + 1
    lines = wire.command(b"a", b"APPEND INBOX {%d}" % size)
    assert lines == [b"a NO [TOOBIG] Literal too big\r\n"]
    assert wire.command(b"b", b"NOOP")[-1].startswith(b"b OK")


def test_a_non_synchronising_literal_too_big_ends_the_connection(daemon, alice, settings):
    wire = Wire.connect(daemon)
    wire.login("alice@example.org", PASSWORD)
    wire.send(b"a APPEND INBOX {%d+}\r\n" % (settings.MAX_MESSAGE_SIZE + 1))
    assert wire.rest() == [b"* BYE [TOOBIG] Literal too big.\r\n"]


def test_literal_plus_needs_no_continuation(daemon, alice):
    wire = Wire.connect(daemon)
    wire.login("alice@example.org", PASSWORD)
    body = b"Subject: plus\r\n\r\nhello\r\n"
    wire.send(b"a APPEND INBOX {%d+}\r\n" % len(body) + body + b"\r\n")
    assert wire.line().startswith(b"a OK [APPENDUID ")


def test_synchronising_literal_gets_a_continuation(daemon, alice):
    wire = Wire.connect(daemon)
    wire.login("alice@example.org", PASSWORD)
    body = b"Subject: sync\r\n\r\nhello\r\n"
    wire.send(b"a APPEND INBOX (\\Seen) {%d}\r\n" % len(body))
    assert wire.line() == b"+ OK\r\n"
    wire.send(body + b"\r\n")
    assert wire.line().startswith(b"a OK [APPENDUID ")


def test_lines_ending_in_a_bare_lf_are_accepted(daemon, alice):
    wire = Wire.connect(daemon)
    wire.send(b'a LOGIN "alice@example.org" "' + PASSWORD.encode() + b'"\n')
    assert wire.line().startswith(b"a OK")
    body = b"Subject: lf\n\nhello\n"
    wire.send(b"b APPEND INBOX {%d+}\n" % len(body) + body + b"\n")
    assert wire.line().startswith(b"b OK [APPENDUID ")


def test_malformed_commands_get_bad_with_a_reason_and_the_connection_lives(daemon, alice):
    wire = Wire.connect(daemon)
    assert wire.command(b"a", b"FROB") == [b"a BAD Unknown command\r\n"]
    assert wire.command(b"b", b'LOGIN "unterminated')[-1].startswith(b"b BAD ")
    wire.send(b"\r\n")  # a blank line is ignored
    wire.send(b"(((\r\n")
    assert wire.line().startswith(b"* BAD ")
    assert wire.command(b"c", b"NOOP")[-1].startswith(b"c OK")


def test_too_many_bad_commands_close_the_connection(daemon, alice, settings, restart):
    settings.IMAP_MAX_BAD_COMMANDS = 3
    daemon = restart()
    wire = Wire.connect(daemon)
    wire.command(b"a", b"FROB")
    wire.command(b"b", b"FROB")
    assert wire.command(b"ok", b"NOOP")[-1].startswith(b"ok OK")  # resets the count
    wire.command(b"c", b"FROB")
    wire.command(b"d", b"FROB")
    wire.send(b"e FROB\r\n")
    assert wire.rest() == [
        b"e BAD Unknown command\r\n",
        b"* BYE Too many invalid IMAP commands.\r\n",
    ]


def test_idle_client_is_logged_out_before_login(daemon, alice, settings, restart):
    settings.IMAP_TIMEOUT_NOT_AUTHENTICATED = 1
    wire = Wire.connect(restart())
    assert wire.rest() == [b"* BYE Disconnected for inactivity.\r\n"]


def test_idle_client_is_logged_out_after_login(daemon, alice, settings, restart):
    settings.IMAP_TIMEOUT_AUTHENTICATED = 1
    wire = Wire.connect(restart())
    wire.login("alice@example.org", PASSWORD)
    assert wire.rest() == [b"* BYE Disconnected for inactivity.\r\n"]


def test_sort_and_thread_are_not_offered(daemon, alice):
    wire = Wire.connect(daemon)
    wire.login("alice@example.org", PASSWORD)
    wire.command(b"s", b"SELECT INBOX")
    assert wire.command(b"t", b"SORT (DATE) UTF-8 ALL")[-1].startswith(b"t BAD")


def test_a_line_too_long_sent_in_pieces_is_dropped_as_it_arrives(daemon, alice):
    wire = Wire.connect(daemon)
    wire.send(b"a NOOP ")
    for _ in range(10):
        wire.send(b"x" * 10_000)
    wire.send(b"\r\n")
    assert wire.line() == b"a BAD Line too long\r\n"
    assert wire.command(b"b", b"NOOP")[-1].startswith(b"b OK")


def test_a_large_message_arrives_whole(daemon, alice):
    """A literal far beyond the read-ahead buffer (1 MiB) is read in many pieces."""
    wire = Wire.connect(daemon)
    wire.login("alice@example.org", PASSWORD)
    body = b"Subject: large\r\n\r\n" + (b"x" * 998 + b"\r\n") * 3000
    wire.send(b"a APPEND INBOX {%d+}\r\n" % len(body) + body + b"\r\n")
    assert wire.line().startswith(b"a OK [APPENDUID ")
    wire.command(b"s", b"SELECT INBOX")
    assert wire.command(b"f", b"FETCH 1 RFC822.SIZE")[0] == b"* 1 FETCH (RFC822.SIZE %d)\r\n" % len(
        body
    )
    fetched = wire.command(b"b", b"FETCH 1 BODY.PEEK[]")[0]
    assert fetched.endswith(body + b")\r\n")
