"""Final delivery of many messages in one transaction (the mail daemon's group commit)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from accounts import services as account_services
from accounts.models import Account, Domain
from imapd.models import Message, MessageContent
from imapd.store import blobs
from imapd.store.services import delivery
from imapd.store.services.delivery import Delivered, DeliveryItem, deliveries_store
from mailplatform.errors import LimitExceeded, NotFound, NotPermitted, ValidationFailed
from tests.imapd.store.conftest import make_message


def _account(domain: Domain, local: str, **options: Any) -> Account:
    return account_services.account_create(
        domain=domain, local_part=local, password=None, acting_user=None, **options
    )


def _blob_files(account: Account) -> set[str]:
    return {key for key, _, temp in blobs.blob_files(account_id=account.pk) if not temp}


def test_each_message_is_stored_or_refused_on_its_own(domain):
    alice = _account(domain, "alice")
    bob = _account(domain, "bob", quota_bytes=500)
    carol = _account(domain, "carol")
    account_services.account_update(account=carol, acting_user=None, is_active=False)
    big = make_message("Big", body="x" * 600 + "\r\n")
    results = deliveries_store(
        [
            DeliveryItem(alice.pk, make_message("One")),
            DeliveryItem(bob.pk, big),
            DeliveryItem(carol.pk, make_message("Refused")),
            DeliveryItem(alice.pk, make_message("Two"), mailbox="No such folder"),
            DeliveryItem(999_999, make_message("Nobody")),
            DeliveryItem(alice.pk, b"\r\n"),
        ]
    )
    first, over, disabled, second, unknown, empty = results
    assert isinstance(first, Delivered)
    assert isinstance(second, Delivered)
    assert (first.mailbox, second.mailbox) == ("INBOX", "INBOX")  # the fallback for a bad name
    assert second.uid == first.uid + 1
    assert isinstance(over, LimitExceeded)
    assert over.code == "OVERQUOTA"
    assert isinstance(disabled, NotPermitted)
    assert isinstance(unknown, NotFound)
    assert isinstance(empty, ValidationFailed)
    assert Message.objects.filter(mailbox__account=alice).count() == 2
    assert not Message.objects.filter(mailbox__account__in=[bob, carol]).exists()
    # Only stored messages keep their files.
    assert _blob_files(bob) == set()
    assert _blob_files(carol) == set()
    assert len(_blob_files(alice)) == 2


def test_quota_counts_the_messages_before_it_in_the_same_transaction(domain):
    dave = _account(domain, "dave", quota_messages=2)
    results = deliveries_store([DeliveryItem(dave.pk, make_message(f"M{n}")) for n in range(3)])
    assert [type(r) for r in results] == [Delivered, Delivered, LimitExceeded]


def test_a_failed_transaction_stores_nothing_and_removes_every_blob(domain, monkeypatch):
    alice, bob = _account(domain, "alice"), _account(domain, "bob")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(delivery, "mailboxes_messages_insert", broken)
    with pytest.raises(RuntimeError):
        deliveries_store(
            [DeliveryItem(alice.pk, make_message("A")), DeliveryItem(bob.pk, make_message("B"))]
        )
    assert not MessageContent.objects.exists()
    assert _blob_files(alice) == set()
    assert _blob_files(bob) == set()


@pytest.mark.django_db(transaction=True)
def test_blobs_are_flushed_before_the_rows_are_committed(monkeypatch, settings, tmp_path: Path):
    settings.BLOB_DIR = tmp_path / "blobs"  # the fixture puts the setting back afterwards
    domain = account_services.domain_create(name="example.org", acting_user=None)
    alice, bob = _account(domain, "alice"), _account(domain, "bob")
    events: list[str] = []
    real_fsync, real_commit = os.fsync, connection.commit

    def fsync(fd: int) -> None:
        real_fsync(fd)
        events.append("fsync")

    def commit() -> None:
        events.append("commit")
        real_commit()

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(connection, "commit", commit)
    deliveries_store(
        [DeliveryItem(alice.pk, make_message("A")), DeliveryItem(bob.pk, make_message("B"))]
    )
    # Each blob's file and directory, all of them before the one commit.
    assert events.count("commit") == 1
    assert events.index("commit") >= 4
    assert events[-1] == "commit"
