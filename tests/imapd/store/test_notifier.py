"""Change notification: after commit only, onto the subscriber's loop, across processes."""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from imapd.models import Mailbox
from imapd.store import notifier, services
from imapd.store.dto import UidSet
from imapd.store.notifier import (
    Change,
    ChangeKind,
    DirectoryChange,
    Hub,
    MailboxChange,
    RedisBackend,
)
from imapd.store.services import StoreMode
from tests.imapd.store.conftest import items

REDIS_URL = "redis://127.0.0.1:6379/0"


def collect(
    hub: Hub, *, mailbox_id: int | None = None, account_id: int | None = None
) -> list[MailboxChange]:
    received: list[MailboxChange] = []
    hub.subscribe(callback=received.append, mailbox_id=mailbox_id, account_id=account_id)
    return received


def test_changes_are_published_once_committed(hub, inbox, django_capture_on_commit_callbacks):
    received = collect(hub, mailbox_id=inbox.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        result = services.messages_append(mailbox=inbox, items=items(2))
        assert received == []  # nothing before the commit
    for callback in callbacks:
        callback()
    modseq = Mailbox.objects.get(pk=inbox.pk).highest_modseq
    assert received == [MailboxChange(inbox.account_id, inbox.pk, modseq, ChangeKind.APPEND)]
    assert result.uids == (1, 2)


def test_each_kind_of_change_is_published(hub, account, inbox, django_capture_on_commit_callbacks):
    received = collect(hub, mailbox_id=inbox.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.messages_append(mailbox=inbox, items=items(1))
    with django_capture_on_commit_callbacks(execute=True):
        services.flags_store(
            mailbox=inbox, uids=UidSet.all(), mode=StoreMode.ADD, flags=["\\Deleted"]
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.messages_expunge(mailbox=inbox)
    assert [c.kind for c in received] == [ChangeKind.APPEND, ChangeKind.FLAGS, ChangeKind.EXPUNGE]
    assert [c.modseq for c in received] == sorted(c.modseq for c in received)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_publishes_nothing(hub, domain):
    from accounts import services as account_services

    account = account_services.account_create(
        domain=domain, local_part="carol", password=None, acting_user=None
    )
    inbox = Mailbox.objects.get(account=account, name="INBOX")
    received = collect(hub, mailbox_id=inbox.pk)

    def append_then_fail() -> None:
        with transaction.atomic():
            services.messages_append(mailbox=inbox, items=items(1))
            raise RuntimeError("the caller changes its mind")

    with pytest.raises(RuntimeError):
        append_then_fail()
    assert received == []
    assert Mailbox.objects.get(pk=inbox.pk).message_count == 0
    services.messages_append(mailbox=inbox, items=items(1))  # a real commit
    assert [c.kind for c in received] == [ChangeKind.APPEND]


def test_account_listeners_hear_mailbox_list_changes(
    hub, account, django_capture_on_commit_callbacks
):
    received = collect(hub, account_id=account.pk)
    with django_capture_on_commit_callbacks(execute=True):
        created = services.mailbox_create(account=account, name="News")
    assert [(c.mailbox_id, c.kind) for c in received] == [(created.pk, ChangeKind.MAILBOX)]


def test_a_closed_listener_hears_nothing():
    hub = Hub()
    received: list[MailboxChange] = []
    listener = hub.subscribe(mailbox_id=1, callback=received.append)
    assert hub.listener_count() == 1
    listener.close()
    listener.close()
    hub.publish(MailboxChange(1, 1, 5, ChangeKind.APPEND))
    assert received == []
    assert hub.listener_count() == 0


def test_subscribing_needs_exactly_one_target():
    with pytest.raises(ValueError, match="exactly one"):
        Hub().subscribe(callback=print)
    with pytest.raises(ValueError, match="exactly one"):
        Hub().subscribe(callback=print, mailbox_id=1, account_id=1)


def test_changes_published_from_a_worker_thread_run_on_the_subscribers_loop():
    hub = Hub()
    change = MailboxChange(7, 3, 12, ChangeKind.FLAGS)

    async def session() -> tuple[MailboxChange, threading.Thread]:
        loop = asyncio.get_running_loop()
        arrived: asyncio.Queue[tuple[MailboxChange, threading.Thread]] = asyncio.Queue()
        hub.subscribe(
            mailbox_id=3,
            callback=lambda c: arrived.put_nowait((c, threading.current_thread())),
            loop=loop,
        )
        publisher = threading.Thread(target=hub.publish, args=(change,))
        publisher.start()
        result = await asyncio.wait_for(arrived.get(), timeout=10)
        publisher.join()
        return result

    received, thread = asyncio.run(session())
    assert received == change
    assert thread is threading.main_thread()


def test_a_listener_whose_loop_is_closed_is_dropped():
    hub = Hub()
    loop = asyncio.new_event_loop()
    hub.subscribe(mailbox_id=1, callback=print, loop=loop)
    loop.close()
    hub.publish(MailboxChange(1, 1, 2, ChangeKind.APPEND))
    assert hub.listener_count() == 0


def test_backend_is_chosen_from_notify_url():
    assert notifier.backend_from_url("") is None
    with pytest.raises(ImproperlyConfigured):
        notifier.backend_from_url("amqp://127.0.0.1/")


def _redis_available() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@contextmanager
def redis_hubs() -> Iterator[tuple[Hub, Hub]]:
    """Two hubs, as in two processes, on a channel of their own, both listening."""
    channel = f"test-store-{secrets.token_hex(8)}"
    hubs = (
        Hub(RedisBackend(REDIS_URL, channel=channel)),
        Hub(RedisBackend(REDIS_URL, channel=channel)),
    )
    try:
        for hub in hubs:
            assert isinstance(hub.backend, RedisBackend)
            assert hub.backend.ready.wait(10)
        yield hubs
    finally:
        for hub in hubs:
            hub.close()


@pytest.mark.skipif(not _redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_redis_backend_carries_changes_between_hubs_without_echo():
    with redis_hubs() as (publisher_hub, listener_hub):
        local: list[MailboxChange] = []
        remote_arrived = threading.Event()
        remote: list[MailboxChange] = []

        def on_remote(change: MailboxChange) -> None:
            remote.append(change)
            remote_arrived.set()

        publisher_hub.subscribe(mailbox_id=9, callback=local.append)
        listener_hub.subscribe(mailbox_id=9, callback=on_remote)
        change = MailboxChange(4, 9, 33, ChangeKind.EXPUNGE)
        publisher_hub.publish(change)
        assert remote_arrived.wait(10)
        assert remote == [change]
        # A marker published afterwards proves the publisher's own echo was skipped.
        marker = MailboxChange(4, 9, 34, ChangeKind.FLAGS)
        marker_seen = threading.Event()

        def on_marker(change: MailboxChange) -> None:
            if change == marker:
                marker_seen.set()

        publisher_hub.subscribe(mailbox_id=9, callback=on_marker)
        listener_hub.publish(marker)
        assert marker_seen.wait(10)
        assert local == [change, marker]


class _BrokenBackend:
    def start(self, deliver) -> None:
        pass

    def publish(self, change: Change) -> None:
        raise ConnectionError("channel down")

    def close(self) -> None:
        pass


def test_a_failing_channel_still_delivers_locally():
    hub = Hub(_BrokenBackend())
    received: list[MailboxChange] = []
    hub.subscribe(mailbox_id=2, callback=received.append)
    change = MailboxChange(1, 2, 3, ChangeKind.APPEND)
    hub.publish(change)
    assert received == [change]


def test_a_publishing_failure_after_commit_does_not_fail_the_writer(
    inbox, monkeypatch, django_capture_on_commit_callbacks
):
    def broken_hub() -> Hub:
        raise ImproperlyConfigured("Invalid setting NOTIFY_URL")

    monkeypatch.setattr(notifier, "get_hub", broken_hub)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.messages_append(mailbox=inbox, items=items(1))
    assert result.uids == (1,)


def test_directory_changes_reach_directory_listeners_only_until_they_leave():
    hub = Hub()
    heard: list[str] = []
    stop = hub.subscribe_directory(lambda: heard.append("directory"))
    mailboxes = collect(hub, mailbox_id=2)
    hub.publish(DirectoryChange())
    hub.publish(MailboxChange(1, 2, 3, ChangeKind.APPEND))
    assert heard == ["directory"]
    assert len(mailboxes) == 1
    stop()
    hub.publish(DirectoryChange())
    assert heard == ["directory"]


def test_a_committed_alias_change_is_published_as_a_directory_change(
    domain, account, django_capture_on_commit_callbacks
):
    from accounts.services import alias_create

    hub = Hub()
    previous = notifier.hub_replace(hub)
    heard: list[str] = []
    hub.subscribe_directory(lambda: heard.append("directory"))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            alias_create(
                domain=domain, local_part="team", targets=[account.address], acting_user=None
            )
            assert heard == []  # not before the commit
        assert heard  # once committed (the alias and its target rows each say so)
    finally:
        notifier.hub_replace(previous)


@pytest.mark.skipif(not _redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_redis_backend_carries_directory_changes():
    with redis_hubs() as (publisher_hub, listener_hub):
        heard = threading.Event()
        listener_hub.subscribe_directory(heard.set)
        publisher_hub.publish(DirectoryChange())
        assert heard.wait(10)
