"""Fixtures and message factories for the store tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from accounts import services as account_services
from accounts.models import Account, Domain
from imapd.models import Mailbox
from imapd.store import notifier
from imapd.store.dto import AppendItem


def make_message(
    subject: str = "Hello",
    *,
    sender: str = "Bob <bob@example.net>",
    to: str = "alice@example.org",
    body: str = "Hi there.\r\n",
    date: str = "Mon, 02 Jun 2025 10:00:00 +0200",
) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\n"
        f"Message-ID: <{abs(hash((subject, body)))}@example.net>\r\n\r\n{body}"
    ).encode()


def items(count: int, *, flags: tuple[str, ...] = (), prefix: str = "Message") -> list[AppendItem]:
    return [AppendItem(raw=make_message(f"{prefix} {i}"), flags=flags) for i in range(count)]


@pytest.fixture(autouse=True)
def blob_dir(settings, tmp_path: Path) -> Path:
    """A blob directory per test: account ids repeat between tests, their files must not."""
    settings.BLOB_DIR = tmp_path / "blobs"
    return settings.BLOB_DIR


@pytest.fixture
def account(domain: Domain) -> Account:
    """An account made by the real service (so it has its default mailboxes), without a
    password: hashing one is slow and the store never looks at it."""
    return account_services.account_create(
        domain=domain, local_part="alice", password=None, acting_user=None
    )


@pytest.fixture
def inbox(account: Account) -> Mailbox:
    return Mailbox.objects.get(account=account, name="INBOX")


@pytest.fixture
def hub() -> Iterator[notifier.Hub]:
    """A fresh in-process hub for the test, restored afterwards."""
    fresh = notifier.Hub()
    previous = notifier.hub_replace(fresh)
    yield fresh
    notifier.hub_replace(previous)
