"""Fixtures for the mail delivery tests: the daemon's mail listeners on free ports, over a
database their threads share, and a layout of accounts and aliases.

Layout (example.org is local; example.com is not):
  alice@example.org   password alice-pw-1, no quota
  bob@example.org     password bob-pw-1, quota 3000 bytes
  carol@example.org   disabled
  team@example.org    alias -> alice, bob
  sales@example.org   alias -> alice
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from accounts import services as account_services
from accounts.models import Account, Domain
from imapd.daemon import DaemonOptions, DaemonThread
from imapd.models import Mailbox, Message
from imapd.store import blobs
from imapd.tls import certificate_paths


@pytest.fixture(autouse=True)
def blob_dir(settings, tmp_path: Path) -> Path:
    """A blob directory per test: account ids repeat between tests, their files must not."""
    settings.BLOB_DIR = tmp_path / "blobs"
    return settings.BLOB_DIR


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    """Rate-limit and login-throttle counters are keyed by account id, which repeat between
    tests (each gets a fresh database); the cache must not carry them over."""
    cache.clear()


@dataclass(frozen=True)
class Layout:
    domain: Domain
    alice: Account
    bob: Account
    carol: Account


@pytest.fixture
def layout(shared_database) -> Layout:
    domain = account_services.domain_create(name="example.org", acting_user=None)

    def make(local: str, **options) -> Account:
        return account_services.account_create(
            domain=domain,
            local_part=local,
            password=f"{local}-pw-1",
            acting_user=None,
            **options,
        )

    alice = make("alice", quota_bytes=None)
    bob = make("bob", quota_bytes=3000)
    carol = make("carol", quota_bytes=None, is_active=False)
    account_services.alias_create(
        domain=domain,
        local_part="team",
        targets=["alice@example.org", "bob@example.org"],
        acting_user=None,
    )
    account_services.alias_create(
        domain=domain, local_part="sales", targets=["alice@example.org"], acting_user=None
    )
    return Layout(domain=domain, alice=alice, bob=bob, carol=carol)


def daemon_options(**ports: int | None) -> DaemonOptions:
    """Only the listeners named, each on a free port (None); everything else off (0)."""
    base: dict[str, Any] = {
        "imap_port": 0,
        "imaps_port": 0,
        "lmtp_port": 0,
        "submission_port": 0,
        "submissions_port": 0,
        "smtp_port": 0,
    }
    return DaemonOptions(
        host="127.0.0.1", imap_unix_socket="", lmtp_unix_socket="", **{**base, **ports}
    )


@pytest.fixture
def mail_daemon(layout) -> Iterator[DaemonThread]:
    """LMTP, submission (both kinds) and inbound SMTP, on free loopback ports."""
    daemon = DaemonThread(
        daemon_options(lmtp_port=None, submission_port=None, submissions_port=None, smtp_port=None)
    ).start()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def client_tls() -> ssl.SSLContext:
    """A client context trusting the daemon's self-signed certificate."""
    cert, _key = certificate_paths()
    return ssl.create_default_context(cafile=str(cert))


def inbox_messages(account: Account, mailbox: str = "INBOX") -> list[bytes]:
    """The stored bytes of a mailbox's messages, in UID order."""
    box = Mailbox.objects.get(account=account, name=mailbox)
    rows = Message.objects.filter(mailbox=box).order_by("uid").select_related("content")
    return [blobs.blob_read(account_id=account.pk, key=m.content.blob_key) for m in rows]


def inbox_uids(account: Account, mailbox: str = "INBOX") -> list[int]:
    box = Mailbox.objects.get(account=account, name=mailbox)
    return list(Message.objects.filter(mailbox=box).order_by("uid").values_list("uid", flat=True))


def body_of(stored: bytes) -> bytes:
    """A stored copy without the trace fields delivery put on top (in the order it puts them:
    Return-Path, Delivered-To, Received with its continuation lines), each at most once."""
    lines = stored.split(b"\r\n")
    index = 0
    for name in (b"return-path:", b"delivered-to:", b"received:"):
        if lines[index].lower().startswith(name):
            index += 1
            while name == b"received:" and lines[index].startswith(b"\t"):
                index += 1
    return b"\r\n".join(lines[index:])


def message(
    subject: str = "Hello", body: str = "Hi there.\r\n", *, to: str = "alice@example.org"
) -> bytes:
    return (
        f"From: Zed <zed@example.com>\r\nTo: {to}\r\nSubject: {subject}\r\n"
        "Date: Mon, 02 Jun 2025 10:00:00 +0200\r\n"
        f"Message-ID: <{subject.replace(' ', '.')}@example.com>\r\n"
        f"\r\n{body}"
    ).encode()


def error_text(error: smtplib.SMTPResponseException) -> bytes:
    """The text of a refusal smtplib raised (typed bytes or str)."""
    text = error.smtp_error
    return text if isinstance(text, bytes) else text.encode()
