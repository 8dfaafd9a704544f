"""Implicit TLS, STARTTLS (with pipelined plaintext discarded) and the unix socket."""

from __future__ import annotations

import imaplib
import socket

import pytest

from tests.imapd.server.clients import TIMEOUT, Wire, unverified_context
from tests.imapd.server.conftest import PASSWORD


def test_implicit_tls_serves_imap(daemon, alice):
    client = imaplib.IMAP4_SSL(
        "127.0.0.1", daemon.port("imaps"), ssl_context=unverified_context(), timeout=TIMEOUT
    )
    assert "STARTTLS" not in client.capabilities
    assert "AUTH=PLAIN" in client.capabilities
    assert client.login("alice@example.org", PASSWORD)[0] == "OK"
    assert client.select("INBOX")[0] == "OK"
    client.logout()


def test_starttls_upgrades_and_then_stops_offering_it(daemon, alice):
    client = imaplib.IMAP4("127.0.0.1", daemon.port("imap"), timeout=TIMEOUT)
    assert "STARTTLS" in client.capabilities
    client.starttls(unverified_context())
    assert "STARTTLS" not in client.capabilities
    assert client.login("alice@example.org", PASSWORD)[0] == "OK"
    client.logout()


def test_starttls_is_refused_once_tls_is_on(daemon, alice):
    wire = Wire.connect(daemon)
    assert wire.command(b"T", b"STARTTLS")[-1].startswith(b"T OK")
    tls = unverified_context().wrap_socket(wire.sock, server_hostname="localhost")
    secure = Wire(tls)
    assert secure.command(b"T2", b"STARTTLS")[-1] == b"T2 BAD TLS is already active.\r\n"


def test_plaintext_pipelined_after_starttls_is_discarded(daemon, alice):
    wire = Wire.connect(daemon)
    # An attacker's injected command rides after STARTTLS in the same packet.
    wire.send(b"a STARTTLS\r\nb LOGIN alice@example.org " + PASSWORD.encode() + b"\r\n")
    assert wire.line().startswith(b"a OK")
    secure = Wire(unverified_context().wrap_socket(wire.sock, server_hostname="localhost"))
    lines = secure.command(b"c", b"CAPABILITY")
    assert all(not line.startswith(b"b ") for line in lines)
    assert b"AUTH=PLAIN" in lines[0]
    # Not logged in: the injected LOGIN never ran.
    assert secure.command(b"d", b"SELECT INBOX")[-1].startswith(b"d BAD Please log in")


def test_failed_tls_handshake_closes_only_that_connection(daemon, alice):
    wire = Wire.connect(daemon)
    wire.send(b"a STARTTLS\r\n")
    wire.line()
    wire.send(b"this is not a TLS client hello\r\n" * 4)
    assert wire.rest() == []
    assert Wire.connect(daemon).command(b"n", b"NOOP")[-1].startswith(b"n OK")


def test_unix_socket_serves_imap_and_counts_as_secure(daemon, alice, monkeypatch):
    path = daemon.bound["imap-unix"].address.removeprefix("unix:")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(TIMEOUT)
    sock.connect(path)
    wire = Wire(sock)
    greeting = wire.line()
    assert greeting.startswith(b"* OK [CAPABILITY IMAP4rev1")
    assert b"STARTTLS" not in greeting
    assert b"LOGINDISABLED" not in greeting
    assert wire.login("alice@example.org", PASSWORD)[-1].startswith(b"L OK")
    assert wire.command(b"s", b"SELECT INBOX")[-1].startswith(b"s OK [READ-WRITE]")


@pytest.mark.parametrize("listener", ["imap", "imaps"])
def test_listeners_bind_where_asked(daemon, listener):
    assert daemon.bound[listener].address.startswith("127.0.0.1:")
    assert daemon.port(listener) > 0


def test_a_large_message_travels_over_tls_both_ways(daemon, alice):
    client = imaplib.IMAP4_SSL(
        "127.0.0.1", daemon.port("imaps"), ssl_context=unverified_context(), timeout=TIMEOUT
    )
    client.login("alice@example.org", PASSWORD)
    body = b"Subject: big over TLS\r\n\r\n" + (b"0123456789" * 99 + b"\r\n") * 300
    assert client.append("INBOX", "", "", body)[0] == "OK"
    client.select("INBOX")
    typ, data = client.fetch("1", "(BODY.PEEK[])")
    assert typ == "OK"
    assert isinstance(data[0], tuple)
    assert data[0][1] == body
