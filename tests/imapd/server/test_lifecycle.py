"""What a session leaves behind and how the daemon ends: no listener or connection count left
after a disconnect, BYE on shutdown, IDLE and DONE pipelined."""

from __future__ import annotations

from imapd.store.notifier import get_hub
from tests.imapd.server.clients import Wire, imap_server
from tests.imapd.server.conftest import PASSWORD


def _selected(daemon) -> Wire:
    wire = Wire.connect(daemon)
    wire.login("alice@example.org", PASSWORD)
    wire.command(b"s", b"SELECT INBOX")
    return wire


def test_a_closed_session_leaves_no_listener_and_no_connection_count(daemon, alice):
    wires = [_selected(daemon) for _ in range(3)]
    assert get_hub().listener_count() == 3
    assert imap_server(daemon).connections_of(alice.pk) == 3
    wires[0].send(b"z LOGOUT\r\n")
    wires[0].rest()
    wires[1].close()  # dropped without LOGOUT
    wires[2].command(b"n", b"NOOP")  # the server has seen the drop by now or soon
    for _ in range(100):
        if imap_server(daemon).connections_of(alice.pk) == 1:
            break
        wires[2].command(b"n", b"NOOP")
    assert imap_server(daemon).connections_of(alice.pk) == 1
    assert get_hub().listener_count() == 1


def test_unselect_and_reselect_keep_one_listener(daemon, alice):
    wire = _selected(daemon)
    wire.command(b"s2", b"SELECT Trash")
    wire.command(b"e", b"EXAMINE INBOX")
    assert get_hub().listener_count() == 1
    wire.command(b"u", b"UNSELECT")
    assert get_hub().listener_count() == 0


def test_shutdown_says_bye_to_connected_clients(daemon, alice):
    wire = _selected(daemon)
    idle = _selected(daemon)
    idle.send(b"i IDLE\r\n")
    assert idle.line() == b"+ idling\r\n"
    daemon.stop()
    assert wire.rest() == [b"* BYE Server shutting down.\r\n"]
    assert idle.rest() == [b"* BYE Server shutting down.\r\n"]


def test_idle_and_done_pipelined_in_one_packet(daemon, alice):
    wire = _selected(daemon)
    wire.send(b"i IDLE\r\nDONE\r\nn NOOP\r\n")
    assert wire.until(b"n") == [
        b"+ idling\r\n",
        b"i OK Idle completed.\r\n",
        b"n OK NOOP completed.\r\n",
    ]


def test_pipelined_commands_are_answered_in_order(daemon, alice):
    wire = Wire.connect(daemon)
    wire.send(
        b'a LOGIN "alice@example.org" "' + PASSWORD.encode() + b'"\r\n'
        b"b SELECT INBOX\r\nc APPEND INBOX {12+}\r\nSubject: p\r\n\r\nd FETCH 1 UID\r\ne LOGOUT\r\n"
    )
    tags = [line.split(b" ", 1)[0] for line in wire.rest() if not line.startswith(b"*")]
    assert tags == [b"a", b"b", b"c", b"d", b"e"]
