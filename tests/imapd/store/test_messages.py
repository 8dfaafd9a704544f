"""Message services: APPEND, COPY, MOVE, EXPUNGE, STORE, with UIDs, modseqs and counters."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from imapd import mime
from imapd.models import AccountStore, Mailbox, Message, MessageContent, Tombstone
from imapd.store import selectors, services
from imapd.store.dto import AppendItem, UidSet, internal_datetime
from imapd.store.flags import DELETED, FLAGGED, SEEN, FlagNames
from imapd.store.services import StoreMode
from mailplatform.errors import LimitExceeded, NotFound, ValidationFailed
from tests.imapd.store.conftest import items, make_message


def assert_counters_consistent(mailbox: Mailbox) -> None:
    """The counters STATUS reads equal what the message rows say."""
    row = Mailbox.objects.get(pk=mailbox.pk)
    messages = list(Message.objects.filter(mailbox=row).values_list("uid", "flags", "size"))
    assert row.message_count == len(messages)
    assert row.unseen_count == sum(1 for _, f, _ in messages if not f & SEEN)
    assert row.deleted_count == sum(1 for _, f, _ in messages if f & DELETED)
    assert row.total_size == sum(s for _, _, s in messages)
    assert row.recent_count == sum(1 for u, _, _ in messages if u >= row.first_recent_uid)
    assert all(u < row.uidnext for u, _, _ in messages)
    status = selectors.mailbox_status_by_id(account=row.account, mailbox_id=row.pk)
    assert (status.messages, status.unseen, status.deleted, status.size, status.recent) == (
        row.message_count,
        row.unseen_count,
        row.deleted_count,
        row.total_size,
        row.recent_count,
    )


def uids_of(mailbox: Mailbox) -> list[int]:
    return list(
        Message.objects.filter(mailbox=mailbox).order_by("uid").values_list("uid", flat=True)
    )


def flags_of(mailbox: Mailbox) -> dict[int, tuple[str, ...]]:
    render = FlagNames(selectors.keyword_names(account_id=mailbox.account_id))
    return {
        row.uid: render(row.flags, row.keywords)
        for row in selectors.message_index(mailbox_id=mailbox.pk)
    }


# --- APPEND and UIDs --------------------------------------------------------------------------


def test_append_allocates_ascending_uids_and_advances_uidnext(inbox):
    first = services.messages_append(mailbox=inbox, items=items(2))
    second = services.messages_append(mailbox=inbox, items=items(3))
    assert first.uids == (1, 2)
    assert second.uids == (3, 4, 5)
    assert first.uidvalidity == second.uidvalidity == inbox.uidvalidity
    assert Mailbox.objects.get(pk=inbox.pk).uidnext == 6
    assert_counters_consistent(inbox)


def test_uids_are_never_reused_after_expunge(inbox):
    services.messages_append(mailbox=inbox, items=items(3, flags=("\\Deleted",)))
    assert services.messages_expunge(mailbox=inbox) == [1, 2, 3]
    result = services.messages_append(mailbox=inbox, items=items(1))
    assert result.uids == (4,)
    assert uids_of(inbox) == [4]
    assert_counters_consistent(inbox)


def test_append_keeps_flags_internal_date_and_analysis(inbox):
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    raw = make_message("Quarterly Report", sender="Carol <carol@example.com>")
    services.messages_append(
        mailbox=inbox,
        items=[AppendItem(raw=raw, flags=("\\Seen", "$Important", "\\Recent"), internal_date=when)],
    )
    message = Message.objects.select_related("content").get(mailbox=inbox, uid=1)
    assert message.internal_date == int(when.timestamp())
    assert internal_datetime(message.internal_date) == when
    assert message.size == len(raw) == message.content.size
    assert message.content.subject_search == "quarterly report"
    assert "carol@example.com" in message.content.from_search
    assert message.content.sent_date is not None
    assert message.content.sent_date.isoformat() == "2025-06-02"
    assert message.content.email_id.startswith("M")
    assert flags_of(inbox)[1] == ("\\Seen", "$Important")


def test_append_gives_each_message_a_distinct_emailid(inbox):
    services.messages_append(mailbox=inbox, items=items(3))
    assert MessageContent.objects.values("email_id").distinct().count() == 3


def test_multi_append_is_atomic_when_the_database_write_fails(inbox, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services.messages, "messages_insert", broken)
    with pytest.raises(RuntimeError):
        services.messages_append(mailbox=inbox, items=items(3))
    assert not Message.objects.filter(mailbox=inbox).exists()
    assert not MessageContent.objects.exists()
    assert Mailbox.objects.get(pk=inbox.pk).uidnext == 1
    assert_counters_consistent(inbox)


def test_multi_append_with_one_bad_message_appends_none(inbox):
    batch = [*items(2), AppendItem(raw=make_message("bad"), flags=("\\Bogus",))]
    with pytest.raises(ValidationFailed):
        services.messages_append(mailbox=inbox, items=batch)
    assert uids_of(inbox) == []


def test_append_of_an_oversized_message_is_refused_with_toobig(inbox, settings):
    settings.MAX_MESSAGE_SIZE = 1024
    with pytest.raises(LimitExceeded) as caught:
        services.messages_append(mailbox=inbox, items=[AppendItem(raw=b"x" * 2048)])
    assert caught.value.code == "TOOBIG"


def test_append_to_a_placeholder_is_refused(account):
    parent = services.mailbox_create(account=account, name="Holder")
    services.mailbox_create(account=account, name="Holder/Child")
    services.mailbox_delete(mailbox=parent)
    placeholder = Mailbox.objects.get(account=account, name="Holder")
    with pytest.raises(ValidationFailed):
        services.messages_append(mailbox=placeholder, items=items(1))


def test_append_to_a_deleted_mailbox_says_trycreate(account):
    mailbox = services.mailbox_create(account=account, name="Gone")
    services.mailbox_delete(mailbox=mailbox)
    with pytest.raises(NotFound) as caught:
        services.messages_append(mailbox=mailbox, items=items(1))
    assert caught.value.code == "TRYCREATE"


def test_append_advances_highest_modseq_and_stamps_messages(inbox):
    before = Mailbox.objects.get(pk=inbox.pk).highest_modseq
    services.messages_append(mailbox=inbox, items=items(2))
    after = Mailbox.objects.get(pk=inbox.pk).highest_modseq
    assert after == before + 1
    assert set(Message.objects.filter(mailbox=inbox).values_list("modseq", flat=True)) == {after}


def test_deliver_goes_to_inbox_when_the_folder_is_missing(account, inbox):
    result = services.message_deliver(account=account, raw=make_message(), mailbox_name="Nope")
    assert result.uidvalidity == inbox.uidvalidity
    assert uids_of(inbox) == [1]


# --- \Recent ------------------------------------------------------------------------------------


def test_recent_messages_are_claimed_by_one_session_only(inbox):
    services.messages_append(mailbox=inbox, items=items(2))
    first_recent = services.mailbox_claim_recent(mailbox=inbox)
    assert first_recent == 1  # UIDs 1 and 2 are recent to this session
    assert Mailbox.objects.get(pk=inbox.pk).recent_count == 0
    services.messages_append(mailbox=inbox, items=items(1))
    assert Mailbox.objects.get(pk=inbox.pk).recent_count == 1
    assert services.mailbox_claim_recent(mailbox=inbox) == 3
    assert_counters_consistent(inbox)


# --- COPY and MOVE ------------------------------------------------------------------------------


def test_copy_returns_copyuid_data_and_keeps_flags_and_dates(account, inbox):
    archive = Mailbox.objects.get(account=account, name="Archive")
    services.messages_append(mailbox=archive, items=items(1))  # dest UIDs will not start at 1
    services.messages_append(mailbox=inbox, items=items(4, flags=("\\Flagged", "Work")))
    result = services.messages_copy(source=inbox, uids=UidSet.of([2, 4, 99]), dest=archive)
    assert result.uidvalidity == archive.uidvalidity
    assert result.source_uids == (2, 4)
    assert result.dest_uids == (2, 3)
    assert flags_of(archive)[2] == ("\\Flagged", "Work")
    src = Message.objects.get(mailbox=inbox, uid=4)
    dst = Message.objects.get(mailbox=archive, uid=3)
    assert (dst.internal_date, dst.size, dst.content_id) == (
        src.internal_date,
        src.size,
        src.content_id,
    )
    assert uids_of(inbox) == [1, 2, 3, 4]
    assert_counters_consistent(inbox)
    assert_counters_consistent(archive)


def test_copy_of_nothing_changes_nothing(account, inbox):
    archive = Mailbox.objects.get(account=account, name="Archive")
    before = Mailbox.objects.get(pk=archive.pk).highest_modseq
    result = services.messages_copy(source=inbox, uids=UidSet.of([7]), dest=archive)
    assert result.source_uids == result.dest_uids == ()
    assert Mailbox.objects.get(pk=archive.pk).highest_modseq == before


def test_copy_into_the_same_mailbox_duplicates(inbox):
    services.messages_append(mailbox=inbox, items=items(2))
    result = services.messages_copy(source=inbox, uids=UidSet.all(), dest=inbox)
    assert result.dest_uids == (3, 4)
    assert_counters_consistent(inbox)


def test_move_expunges_sources_with_tombstones(account, inbox):
    trash = Mailbox.objects.get(account=account, name="Trash")
    services.messages_append(mailbox=inbox, items=items(3, flags=("\\Seen",)))
    before = Mailbox.objects.get(pk=inbox.pk).highest_modseq
    result = services.messages_move(source=inbox, uids=UidSet.span(1, 2), dest=trash)
    assert result.source_uids == (1, 2)
    assert result.dest_uids == (1, 2)
    assert uids_of(inbox) == [3]
    assert uids_of(trash) == [1, 2]
    tombstones = dict(Tombstone.objects.filter(mailbox=inbox).values_list("uid", "modseq"))
    assert tombstones == {1: before + 1, 2: before + 1}
    assert selectors.uids_expunged_since(mailbox_id=inbox.pk, modseq=before) == [1, 2]
    assert_counters_consistent(inbox)
    assert_counters_consistent(trash)
    # The moved messages keep their content (and EMAILID): nothing was released.
    assert MessageContent.objects.count() == 3


def test_move_to_the_same_mailbox_is_refused(inbox):
    services.messages_append(mailbox=inbox, items=items(1))
    with pytest.raises(ValidationFailed):
        services.messages_move(source=inbox, uids=UidSet.all(), dest=inbox)


# --- EXPUNGE --------------------------------------------------------------------------------


def test_expunge_removes_only_deleted_messages_and_records_modseq(inbox):
    services.messages_append(mailbox=inbox, items=items(4))
    services.flags_store(
        mailbox=inbox, uids=UidSet.of([1, 3]), mode=StoreMode.ADD, flags=["\\Deleted"]
    )
    before = Mailbox.objects.get(pk=inbox.pk).highest_modseq
    assert services.messages_expunge(mailbox=inbox) == [1, 3]
    after = Mailbox.objects.get(pk=inbox.pk).highest_modseq
    assert after == before + 1
    assert dict(Tombstone.objects.filter(mailbox=inbox).values_list("uid", "modseq")) == {
        1: after,
        3: after,
    }
    assert uids_of(inbox) == [2, 4]
    assert_counters_consistent(inbox)


def test_uid_expunge_is_limited_to_the_given_uids(inbox):
    services.messages_append(mailbox=inbox, items=items(3, flags=("\\Deleted",)))
    assert services.messages_expunge(mailbox=inbox, uids=UidSet.of([2, 9])) == [2]
    assert uids_of(inbox) == [1, 3]
    assert_counters_consistent(inbox)


def test_expunge_without_deleted_messages_changes_nothing(inbox):
    services.messages_append(mailbox=inbox, items=items(2))
    before = Mailbox.objects.get(pk=inbox.pk).highest_modseq
    assert services.messages_expunge(mailbox=inbox) == []
    assert Mailbox.objects.get(pk=inbox.pk).highest_modseq == before


# --- STORE --------------------------------------------------------------------------------------


def test_store_add_remove_replace_system_flags(inbox):
    services.messages_append(mailbox=inbox, items=items(3))
    services.flags_store(mailbox=inbox, uids=UidSet.all(), mode=StoreMode.ADD, flags=["\\Seen"])
    assert_counters_consistent(inbox)
    services.flags_store(
        mailbox=inbox, uids=UidSet.of([2]), mode=StoreMode.ADD, flags=["\\flagged", "\\deleted"]
    )
    assert_counters_consistent(inbox)
    services.flags_store(
        mailbox=inbox, uids=UidSet.of([1]), mode=StoreMode.REMOVE, flags=["\\Seen"]
    )
    assert_counters_consistent(inbox)
    services.flags_store(
        mailbox=inbox, uids=UidSet.of([3]), mode=StoreMode.REPLACE, flags=["\\Answered"]
    )
    assert_counters_consistent(inbox)
    assert flags_of(inbox) == {
        1: (),
        2: ("\\Seen", "\\Flagged", "\\Deleted"),
        3: ("\\Answered",),
    }


def test_store_keywords_add_remove_replace_case_insensitively(inbox):
    services.messages_append(mailbox=inbox, items=items(2))
    services.flags_store(
        mailbox=inbox, uids=UidSet.all(), mode=StoreMode.ADD, flags=["$Label1", "Work"]
    )
    services.flags_store(mailbox=inbox, uids=UidSet.of([1]), mode=StoreMode.REMOVE, flags=["work"])
    services.flags_store(
        mailbox=inbox, uids=UidSet.of([2]), mode=StoreMode.REPLACE, flags=["WORK", "\\Seen"]
    )
    assert flags_of(inbox) == {1: ("$Label1",), 2: ("\\Seen", "Work")}
    assert selectors.keyword_names(account_id=inbox.account_id) == ("$Label1", "Work")
    assert_counters_consistent(inbox)


def test_store_returns_only_changed_rows_with_the_new_modseq(inbox):
    services.messages_append(mailbox=inbox, items=items(3))
    services.flags_store(mailbox=inbox, uids=UidSet.of([2]), mode=StoreMode.ADD, flags=["\\Seen"])
    result = services.flags_store(
        mailbox=inbox, uids=UidSet.all(), mode=StoreMode.ADD, flags=["\\Seen"]
    )
    assert [row.uid for row in result.changed] == [1, 3]
    assert all(row.modseq == result.modseq and row.flags & SEEN for row in result.changed)
    assert Mailbox.objects.get(pk=inbox.pk).highest_modseq == result.modseq
    assert Message.objects.get(mailbox=inbox, uid=2).modseq < result.modseq


def test_store_that_changes_nothing_keeps_modseq(inbox):
    services.messages_append(mailbox=inbox, items=items(2, flags=("\\Seen",)))
    before = Mailbox.objects.get(pk=inbox.pk).highest_modseq
    result = services.flags_store(
        mailbox=inbox, uids=UidSet.all(), mode=StoreMode.ADD, flags=["\\Seen"]
    )
    assert result.changed == ()
    assert result.modseq == before == Mailbox.objects.get(pk=inbox.pk).highest_modseq


def test_store_unchangedsince_refuses_messages_modified_later(inbox):
    services.messages_append(mailbox=inbox, items=items(3))
    base = Mailbox.objects.get(pk=inbox.pk).highest_modseq
    services.flags_store(
        mailbox=inbox, uids=UidSet.of([2]), mode=StoreMode.ADD, flags=["\\Flagged"]
    )
    result = services.flags_store(
        mailbox=inbox, uids=UidSet.all(), mode=StoreMode.ADD, flags=["\\Seen"], unchangedsince=base
    )
    assert result.modified == (2,)
    assert [row.uid for row in result.changed] == [1, 3]
    assert not Message.objects.get(mailbox=inbox, uid=2).flags & SEEN
    assert Message.objects.get(mailbox=inbox, uid=2).flags & FLAGGED
    assert_counters_consistent(inbox)


def test_store_of_an_unknown_system_flag_is_refused(inbox):
    services.messages_append(mailbox=inbox, items=items(1))
    with pytest.raises(ValidationFailed):
        services.flags_store(mailbox=inbox, uids=UidSet.all(), mode=StoreMode.ADD, flags=["\\Nope"])


def test_keywords_beyond_the_account_limit_are_refused(inbox):
    AccountStore.objects.filter(account_id=inbox.account_id).update(
        keywords=[f"k{i}" for i in range(63)]
    )
    services.messages_append(mailbox=inbox, items=items(1))
    with pytest.raises(LimitExceeded) as caught:
        services.flags_store(
            mailbox=inbox, uids=UidSet.all(), mode=StoreMode.ADD, flags=["one-more"]
        )
    assert caught.value.code == "LIMIT"
    services.flags_store(mailbox=inbox, uids=UidSet.all(), mode=StoreMode.ADD, flags=["k62"])
    assert flags_of(inbox)[1] == ("k62",)


def test_store_over_many_scattered_uids_touches_exactly_those(inbox):
    services.messages_append(mailbox=inbox, items=items(40))
    chosen = list(range(1, 41, 2))
    result = services.flags_store(
        mailbox=inbox, uids=UidSet.of(chosen), mode=StoreMode.ADD, flags=["\\Seen"]
    )
    assert [row.uid for row in result.changed] == chosen
    assert_counters_consistent(inbox)


# --- selectors ----------------------------------------------------------------------------------


def test_changes_since_report_new_and_changed_messages(inbox):
    services.messages_append(mailbox=inbox, items=items(3))
    mark = Mailbox.objects.get(pk=inbox.pk).highest_modseq
    services.flags_store(mailbox=inbox, uids=UidSet.of([1]), mode=StoreMode.ADD, flags=["\\Seen"])
    services.messages_append(mailbox=inbox, items=items(1))
    changed = selectors.messages_changed_since(mailbox_id=inbox.pk, modseq=mark)
    assert [row.uid for row in changed] == [1, 4]


def test_snapshot_and_fetch_rows(account, inbox):
    services.messages_append(mailbox=inbox, items=items(3, flags=("Work",)))
    snapshot = selectors.mailbox_snapshot(account=account, mailbox_id=inbox.pk)
    assert list(snapshot.index.uids) == [1, 2, 3]
    assert snapshot.index.sequence_of(3) == 3
    assert snapshot.index.sequence_of(9) is None
    assert snapshot.keyword_names == ("Work",)
    assert snapshot.status.messages == 3
    rows = selectors.messages_fetch(
        mailbox_id=inbox.pk, uids=UidSet.of([1, 3]), envelope=True, structure=True
    )
    assert [r.uid for r in rows] == [1, 3]
    raw = selectors.message_bytes(account_id=account.pk, blob_key=rows[0].blob_key)
    assert raw == make_message("Message 0")
    expected = mime.analyze(raw)
    assert rows[0].envelope is not None
    assert rows[0].structure is not None
    assert json.loads(rows[0].envelope) == expected.envelope
    assert json.loads(rows[0].structure) == {
        "body": expected.body,
        "bodystructure": expected.bodystructure,
    }
    assert rows[0].size == len(raw)
    lean = selectors.messages_fetch(mailbox_id=inbox.pk, uids=UidSet.all())
    assert [(r.uid, r.envelope, r.structure) for r in lean] == [
        (1, None, None),
        (2, None, None),
        (3, None, None),
    ]


def test_the_stored_summary_is_what_analysis_said(inbox):
    raw = make_message("Ünïcode subject", sender="Zoë <zoe@example.com>")
    services.messages_append(mailbox=inbox, items=[AppendItem(raw=raw)])
    assert selectors.message_summary(mailbox_id=inbox.pk, uid=1) == mime.analyze(raw)
    with pytest.raises(NotFound):
        selectors.message_summary(mailbox_id=inbox.pk, uid=2)


def test_status_by_name_is_one_row_read(account, inbox, django_assert_num_queries):
    services.messages_append(mailbox=inbox, items=items(2))
    with django_assert_num_queries(1):
        status = selectors.mailbox_status(account=account, name="inbox")
    assert (status.messages, status.unseen, status.uidnext) == (2, 2, 3)
