"""Paths that cross the platform's parts, over real sockets: delivery wakes IDLE, and a
Delta Chat account made by a token logs in over IMAP and SMTP at once."""

from __future__ import annotations

import imaplib
import smtplib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from accounts import services as account_services
from imapd.daemon import DaemonOptions, DaemonThread
from imapd.store import notifier
from provisioning import services as provisioning_services

PASSWORD = "e2e-password-1"


@pytest.fixture
def daemon(shared_database, settings, tmp_path: Path) -> Iterator[DaemonThread]:
    """IMAP, LMTP and submission on free ports, over the shared test database."""
    settings.BLOB_DIR = tmp_path / "blobs"
    settings.PASSWORD_SCHEME = "SHA512-CRYPT"
    cache.clear()
    previous = notifier.hub_replace(notifier.Hub())
    options = DaemonOptions(
        host="127.0.0.1",
        imap_port=None,
        imaps_port=0,
        imap_unix_socket="",
        lmtp_port=None,
        lmtp_unix_socket="",
        submission_port=None,
        submissions_port=0,
        smtp_port=0,
    )
    thread = DaemonThread(options).start()
    yield thread
    thread.stop()
    notifier.hub_replace(previous)


@pytest.fixture
def domain(daemon):
    return account_services.domain_create(name="example.org", acting_user=None)


def _read_until(sock: socket.socket, marker: bytes) -> bytes:
    data = b""
    while marker not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before {marker!r}; got {data!r}")
        data += chunk
    return data


def test_an_lmtp_delivery_reaches_an_idle_session_at_once(daemon, domain):
    account_services.account_create(
        domain=domain, local_part="alice", password=PASSWORD, acting_user=None
    )
    sock = socket.create_connection(("127.0.0.1", daemon.port("imap")), timeout=10)
    _read_until(sock, b"\r\n")
    sock.sendall(f'a LOGIN alice@example.org "{PASSWORD}"\r\n'.encode())
    assert b"a OK" in _read_until(sock, b"a ")
    sock.sendall(b"b SELECT INBOX\r\n")
    assert b"* 0 EXISTS" in _read_until(sock, b"b OK")
    sock.sendall(b"c IDLE\r\n")
    _read_until(sock, b"+ ")

    with smtplib.LMTP("127.0.0.1", daemon.port("lmtp")) as lmtp:
        refused = lmtp.sendmail(
            "sender@elsewhere.net", ["Alice+news@Example.org"], b"Subject: hello\r\n\r\nwake up\r\n"
        )
    assert refused == {}

    # No polling and no sleep: the socket timeout bounds the wait.
    assert b"* 1 EXISTS" in _read_until(sock, b"EXISTS\r\n")
    sock.sendall(b"DONE\r\n")
    assert b"c OK" in _read_until(sock, b"c OK")
    sock.close()


def test_a_token_account_logs_in_over_imap_and_smtp_at_once(daemon, domain):
    token = provisioning_services.token_create(name="dc", domain=domain, acting_user=None)
    # Exactly what Delta Chat sends: POST, empty body, no content type.
    response = Client().post(f"/new_email?t={token.secret}", data=b"", content_type="")
    assert response.status_code == 200, response.content
    created = response.json()
    address, password = created["email"], created["password"]
    assert address.startswith("tmp.")

    imap = imaplib.IMAP4("127.0.0.1", daemon.port("imap"))
    assert imap.login(address, password)[0] == "OK"
    assert imap.select("INBOX")[0] == "OK"
    with smtplib.SMTP("127.0.0.1", daemon.port("submission")) as smtp:
        smtp.login(address, password)
        assert smtp.sendmail(address, [address], b"Subject: note to self\r\n\r\nhi\r\n") == {}
    imap.noop()
    status, data = imap.search(None, "SUBJECT", "note")
    assert status == "OK"
    assert data[0].split() == [b"1"]
    imap.logout()


def test_a_wrong_password_is_refused_on_both_doors(daemon, domain):
    account_services.account_create(
        domain=domain, local_part="bob", password=PASSWORD, acting_user=None
    )
    imap = imaplib.IMAP4("127.0.0.1", daemon.port("imap"))
    with pytest.raises(imaplib.IMAP4.error):
        imap.login("bob@example.org", "not-the-password")
    imap.logout()
    with (
        smtplib.SMTP("127.0.0.1", daemon.port("submission")) as smtp,
        pytest.raises(smtplib.SMTPAuthenticationError),
    ):
        smtp.login("bob@example.org", "not-the-password")
