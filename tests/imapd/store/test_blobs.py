"""Message bytes: durable before the rows commit, removed after the last reference goes."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from accounts import services as account_services
from imapd import tasks
from imapd.models import Mailbox, MessageContent
from imapd.store import blobs, services
from imapd.store.dto import UidSet
from imapd.store.services import StoreMode
from mailplatform.celery import app as celery_app
from mailplatform.errors import NotFound
from tests.imapd.store.conftest import items, make_message


def blob_files(account_id: int) -> set[str]:
    return {key for key, _, temporary in blobs.blob_files(account_id=account_id) if not temporary}


def test_blob_round_trip_and_layout(account):
    key = blobs.blob_write(account_id=account.pk, data=b"raw bytes")
    path = Path(settings.BLOB_DIR) / str(account.pk) / key[:2] / key
    assert path.read_bytes() == b"raw bytes"
    assert blobs.blob_read(account_id=account.pk, key=key) == b"raw bytes"
    assert path.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("key", ["../../etc/passwd", "A" * 32, "", "0" * 31])
def test_malformed_keys_are_refused(account, key):
    with pytest.raises(NotFound):
        blobs.blob_read(account_id=account.pk, key=key)


def test_blobs_are_fsynced_and_in_place_before_rows_are_written(inbox, monkeypatch):
    synced: list[int] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    seen_at_insert: list[tuple[set[str], int]] = []

    def watch(execute, sql, params, many, context):
        if sql.startswith('INSERT INTO "imapd_messagecontent"'):
            seen_at_insert.append((blob_files(inbox.account_id), len(synced)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        services.messages_append(mailbox=inbox, items=items(2))
    keys = set(MessageContent.objects.values_list("blob_key", flat=True))
    assert seen_at_insert, "the content rows were never inserted"
    files_then, fsyncs_then = seen_at_insert[0]
    assert keys <= files_then
    assert fsyncs_then >= 3  # two files and at least their directory


def test_failed_append_leaves_no_blob(inbox, monkeypatch):
    monkeypatch.setattr(services.messages, "messages_insert", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        services.messages_append(mailbox=inbox, items=items(2))
    assert blob_files(inbox.account_id) == set()


def test_expunge_removes_blob_after_commit(inbox, django_capture_on_commit_callbacks):
    services.messages_append(mailbox=inbox, items=items(1, flags=("\\Deleted",)))
    (key,) = blob_files(inbox.account_id)
    with django_capture_on_commit_callbacks() as callbacks:
        services.messages_expunge(mailbox=inbox)
        assert key in blob_files(inbox.account_id)  # still there until commit
    for callback in callbacks:
        callback()
    assert blob_files(inbox.account_id) == set()
    assert not MessageContent.objects.exists()


def test_a_copied_message_shares_its_blob_until_the_last_copy_goes(
    account, inbox, django_capture_on_commit_callbacks
):
    archive = Mailbox.objects.get(account=account, name="Archive")
    services.messages_append(mailbox=inbox, items=items(1))
    services.messages_copy(source=inbox, uids=UidSet.all(), dest=archive)
    assert len(blob_files(account.pk)) == 1
    for mailbox, remaining in ((inbox, 1), (archive, 0)):
        services.flags_store(
            mailbox=mailbox, uids=UidSet.all(), mode=StoreMode.ADD, flags=["\\Deleted"]
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.messages_expunge(mailbox=mailbox)
        assert len(blob_files(account.pk)) == remaining
        assert MessageContent.objects.count() == remaining


def test_deleting_a_mailbox_removes_its_blobs(account, django_capture_on_commit_callbacks):
    mailbox = services.mailbox_create(account=account, name="Bin")
    services.messages_append(mailbox=mailbox, items=items(2))
    with django_capture_on_commit_callbacks(execute=True):
        services.mailbox_delete(mailbox=mailbox)
    assert blob_files(account.pk) == set()


def test_deleting_the_account_removes_all_its_mail_and_blobs(
    account, inbox, django_capture_on_commit_callbacks
):
    services.messages_append(mailbox=inbox, items=items(2))
    account_id = account.pk
    with django_capture_on_commit_callbacks(execute=True):
        account_services.account_delete(account=account, acting_user=None)
    assert not (Path(settings.BLOB_DIR) / str(account_id)).exists()
    assert not Mailbox.objects.filter(account_id=account_id).exists()
    assert not MessageContent.objects.filter(account_id=account_id).exists()


def test_orphan_collection_removes_only_old_unreferenced_blobs(inbox):
    services.messages_append(mailbox=inbox, items=items(1))
    (kept,) = blob_files(inbox.account_id)
    old_orphan = blobs.blob_write(account_id=inbox.account_id, data=make_message("lost"))
    young_orphan = blobs.blob_write(account_id=inbox.account_id, data=make_message("in flight"))
    an_hour_ago = time.time() - 7200
    for key in (kept, old_orphan):
        path = Path(settings.BLOB_DIR) / str(inbox.account_id) / key[:2] / key
        os.utime(path, (an_hour_ago, an_hour_ago))
    temp = Path(settings.BLOB_DIR) / str(inbox.account_id) / "ab" / f".{'ab' * 16}.tmp"
    temp.parent.mkdir(parents=True, exist_ok=True)
    temp.write_bytes(b"half")
    os.utime(temp, (an_hour_ago, an_hour_ago))
    removed = services.orphan_blobs_delete(older_than=timedelta(hours=1))
    assert removed == 2
    assert blob_files(inbox.account_id) == {kept, young_orphan}
    assert not temp.exists()


def test_beat_collects_orphans_with_the_task(inbox, settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "imapd.tasks.orphan_blobs_sweep" in scheduled
    assert "imapd.tasks.orphan_blobs_sweep" in celery_app.tasks
    orphan = blobs.blob_write(account_id=inbox.account_id, data=make_message("lost"))
    path = Path(settings.BLOB_DIR) / str(inbox.account_id) / orphan[:2] / orphan
    os.utime(path, (time.time() - 7200, time.time() - 7200))
    assert tasks.orphan_blobs_sweep() == 1
    assert not path.exists()
