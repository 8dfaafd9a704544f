"""Quota (RFC 9208): STORAGE from Account.quota_bytes, refusals with OVERQUOTA."""

from __future__ import annotations

import pytest

from imapd.models import Mailbox, Message
from imapd.store import quota, services
from imapd.store.dto import AppendItem, QuotaResource, UidSet
from mailplatform.errors import LimitExceeded


def sized(count: int, size: int) -> list[AppendItem]:
    return [
        AppendItem(raw=f"Subject: {i}\r\n\r\n".encode().ljust(size, b"x")) for i in range(count)
    ]


def set_quota(account, quota_bytes: int | None) -> None:
    account.quota_bytes = quota_bytes
    account.save(update_fields=["quota_bytes"])


def test_append_beyond_the_quota_is_refused_with_overquota(account, inbox):
    set_quota(account, 3000)
    services.messages_append(mailbox=inbox, items=sized(2, 1000))
    with pytest.raises(LimitExceeded) as caught:
        services.messages_append(mailbox=inbox, items=sized(2, 1000))
    assert caught.value.code == "OVERQUOTA"
    assert Message.objects.filter(mailbox=inbox).count() == 2
    services.messages_append(mailbox=inbox, items=sized(1, 1000))  # exactly at the limit


def test_quota_counts_every_mailbox_of_the_account(account, inbox):
    set_quota(account, 2500)
    sent = Mailbox.objects.get(account=account, name="Sent")
    services.messages_append(mailbox=sent, items=sized(2, 1000))
    with pytest.raises(LimitExceeded):
        services.messages_append(mailbox=inbox, items=sized(1, 1000))


def test_copy_beyond_the_quota_is_refused_but_move_is_not(account, inbox):
    set_quota(account, 2500)
    archive = Mailbox.objects.get(account=account, name="Archive")
    services.messages_append(mailbox=inbox, items=sized(2, 1000))
    with pytest.raises(LimitExceeded) as caught:
        services.messages_copy(source=inbox, uids=UidSet.all(), dest=archive)
    assert caught.value.code == "OVERQUOTA"
    assert not Message.objects.filter(mailbox=archive).exists()
    result = services.messages_move(source=inbox, uids=UidSet.all(), dest=archive)
    assert result.dest_uids == (1, 2)


def test_expunge_frees_quota(account, inbox):
    set_quota(account, 2000)
    services.messages_append(mailbox=inbox, items=sized(2, 1000))
    services.flags_store(
        mailbox=inbox, uids=UidSet.of([1]), mode=services.StoreMode.ADD, flags=["\\Deleted"]
    )
    services.messages_expunge(mailbox=inbox)
    services.messages_append(mailbox=inbox, items=sized(1, 1000))
    assert quota.account_usage(account_id=account.pk) == (2000, 2)


def test_no_limit_means_no_refusal(account, inbox):
    set_quota(account, None)
    services.messages_append(mailbox=inbox, items=sized(3, 5000))
    assert quota.account_usage(account_id=account.pk) == (15000, 3)


def test_quota_root_reports_storage_in_kilobytes_and_message_count(account, inbox):
    set_quota(account, 10 * 1024)
    services.messages_append(mailbox=inbox, items=sized(2, 1500))
    root = quota.quota_root(account=account)
    assert root.name == ""
    assert root.resources == (
        QuotaResource(name="STORAGE", usage=3, limit=10),
        QuotaResource(name="MESSAGE", usage=2, limit=None),
    )


def test_message_limit_counts_messages_across_mailboxes_and_appends(account, inbox):
    set_quota(account, None)
    account.quota_messages = 3
    account.save(update_fields=["quota_messages"])
    sent = Mailbox.objects.get(account=account, name="Sent")
    services.messages_append(mailbox=sent, items=sized(2, 100))
    with pytest.raises(LimitExceeded) as caught:
        services.messages_append(mailbox=inbox, items=sized(2, 100))  # one too many, all refused
    assert caught.value.code == "OVERQUOTA"
    assert Message.objects.filter(mailbox=inbox).count() == 0
    services.messages_append(mailbox=inbox, items=sized(1, 100))
    assert quota.quota_root(account=account).resources[1] == QuotaResource(
        name="MESSAGE", usage=3, limit=3
    )
