"""Mailbox hierarchy services: defaults, CREATE, DELETE, RENAME, subscriptions (RFC 3501 6.3)."""

from __future__ import annotations

import pytest

from accounts import services as account_services
from accounts.models import Account, Domain
from imapd.models import Mailbox, Message, Subscription, Tombstone
from imapd.store import selectors, services
from imapd.store.dto import UidSet
from mailplatform.errors import Conflict, LimitExceeded, NotFound, ValidationFailed
from tests.imapd.store.conftest import items


def names_of(account: Account) -> dict[str, bool]:
    """name -> noselect."""
    return dict(Mailbox.objects.filter(account=account).values_list("name", "noselect"))


def test_new_account_gets_default_mailboxes_with_special_use_and_subscriptions(account):
    uses = dict(Mailbox.objects.filter(account=account).values_list("name", "special_use"))
    assert uses == {
        "INBOX": "",
        "Drafts": "\\Drafts",
        "Sent": "\\Sent",
        "Trash": "\\Trash",
        "Junk": "\\Junk",
        "Archive": "\\Archive",
    }
    assert set(selectors.subscriptions_list(account=account)) == set(uses)


def test_default_mailboxes_are_created_once(account):
    assert services.mailboxes_create_defaults(account=account) == []
    assert Mailbox.objects.filter(account=account).count() == 6


def test_each_mailbox_gets_distinct_uidvalidity_and_mailboxid(account):
    rows = list(Mailbox.objects.filter(account=account).values_list("uidvalidity", "object_id"))
    assert len({u for u, _ in rows}) == len(rows)
    assert len({o for _, o in rows}) == len(rows)
    assert all(u > 0 for u, _ in rows)


def test_create_makes_missing_superiors(account):
    services.mailbox_create(account=account, name="Work/2025/Q1")
    names = names_of(account)
    assert names["Work"] is False
    assert names["Work/2025"] is False
    assert names["Work/2025/Q1"] is False


def test_create_drops_a_trailing_separator(account):
    mailbox = services.mailbox_create(account=account, name="Projects/")
    assert mailbox.name == "Projects"


def test_create_of_existing_name_is_refused_with_alreadyexists(account):
    with pytest.raises(Conflict) as caught:
        services.mailbox_create(account=account, name="Sent")
    assert caught.value.code == "ALREADYEXISTS"


@pytest.mark.parametrize("spelling", ["INBOX", "inbox", "InBox"])
def test_create_inbox_in_any_case_is_refused(account, spelling):
    with pytest.raises(Conflict):
        services.mailbox_create(account=account, name=spelling)


def test_inbox_children_are_spelled_with_canonical_inbox(account):
    mailbox = services.mailbox_create(account=account, name="inbox/Lists")
    assert mailbox.name == "INBOX/Lists"


def test_names_are_case_sensitive_except_inbox(account):
    services.mailbox_create(account=account, name="sent")
    assert {"Sent", "sent"} <= set(names_of(account))


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "/lead",
        "trail//double",
        "a//b",
        "star*",
        "per%cent",
        "ctl\x01x",
        "user/bob/x",
        "x" * 513,
    ],
)
def test_invalid_names_are_refused(account, bad):
    with pytest.raises(ValidationFailed):
        services.mailbox_create(account=account, name=bad)


def test_too_deep_names_are_refused(account):
    with pytest.raises(ValidationFailed):
        services.mailbox_create(account=account, name="/".join(["d"] * 33))


def test_unknown_special_use_is_refused_with_useattr(account):
    with pytest.raises(ValidationFailed) as caught:
        services.mailbox_create(account=account, name="Stuff", special_use="\\Bogus")
    assert caught.value.code == "USEATTR"


def test_create_with_special_use(account):
    mailbox = services.mailbox_create(account=account, name="All Mail", special_use="\\All")
    assert mailbox.special_use == "\\All"


def test_mailbox_count_is_limited(account, monkeypatch):
    monkeypatch.setattr(services.mailboxes, "MAX_MAILBOXES_PER_ACCOUNT", 7)
    services.mailbox_create(account=account, name="Seventh")
    with pytest.raises(LimitExceeded):
        services.mailbox_create(account=account, name="Eighth")


def test_inbox_cannot_be_deleted(inbox):
    with pytest.raises(ValidationFailed):
        services.mailbox_delete(mailbox=inbox)


def test_delete_removes_mailbox_messages_and_tombstones(account):
    mailbox = services.mailbox_create(account=account, name="Old")
    services.messages_append(mailbox=mailbox, items=items(2, flags=("\\Deleted",)))
    services.messages_expunge(mailbox=mailbox, uids=UidSet.of([1]))
    services.mailbox_delete(mailbox=mailbox)
    assert "Old" not in names_of(account)
    assert not Message.objects.filter(mailbox_id=mailbox.pk).exists()
    assert not Tombstone.objects.filter(mailbox_id=mailbox.pk).exists()


def test_delete_with_children_leaves_a_noselect_placeholder(account):
    parent = services.mailbox_create(account=account, name="Clients")
    services.mailbox_create(account=account, name="Clients/Acme")
    services.messages_append(mailbox=parent, items=items(2))
    services.mailbox_delete(mailbox=parent)
    placeholder = Mailbox.objects.get(account=account, name="Clients")
    assert placeholder.noselect is True
    assert placeholder.pk != parent.pk
    assert placeholder.message_count == 0
    assert not Message.objects.filter(mailbox_id=parent.pk).exists()
    entries = {e.name: e for e in selectors.mailboxes_list(account=account)}
    assert entries["Clients"].noselect
    assert entries["Clients"].has_children


def test_placeholder_with_children_cannot_be_deleted(account):
    parent = services.mailbox_create(account=account, name="Clients")
    services.mailbox_create(account=account, name="Clients/Acme")
    services.mailbox_delete(mailbox=parent)
    placeholder = Mailbox.objects.get(account=account, name="Clients")
    with pytest.raises(ValidationFailed) as caught:
        services.mailbox_delete(mailbox=placeholder)
    assert caught.value.code == "HASCHILDREN"


def test_placeholder_disappears_with_its_last_child(account):
    parent = services.mailbox_create(account=account, name="A")
    child = services.mailbox_create(account=account, name="A/B")
    grandchild = services.mailbox_create(account=account, name="A/B/C")
    sibling = services.mailbox_create(account=account, name="A/D")
    services.mailbox_delete(mailbox=parent)
    services.mailbox_delete(mailbox=child)
    assert names_of(account)["A"] is True
    assert names_of(account)["A/B"] is True
    services.mailbox_delete(mailbox=grandchild)
    assert "A/B" not in names_of(account)
    assert names_of(account)["A"] is True  # A/D still lives under it
    services.mailbox_delete(mailbox=sibling)
    assert "A" not in names_of(account)


def test_creating_a_placeholder_name_makes_it_a_mailbox_again(account):
    parent = services.mailbox_create(account=account, name="P")
    services.mailbox_create(account=account, name="P/Q")
    services.mailbox_delete(mailbox=parent)
    revived = services.mailbox_create(account=account, name="P")
    assert revived.noselect is False
    assert revived.uidvalidity not in (0, parent.uidvalidity)
    assert revived.object_id != parent.object_id


def test_recreated_name_gets_a_new_uidvalidity_and_uids_restart(account):
    first = services.mailbox_create(account=account, name="Again")
    services.messages_append(mailbox=first, items=items(3))
    services.mailbox_delete(mailbox=first)
    second = services.mailbox_create(account=account, name="Again")
    assert second.uidvalidity > first.uidvalidity
    assert second.object_id != first.object_id
    result = services.messages_append(mailbox=second, items=items(1))
    assert result.uids == (1,)


def test_rename_moves_inferiors_and_keeps_identity(account):
    work = services.mailbox_create(account=account, name="Work")
    child = services.mailbox_create(account=account, name="Work/Reports")
    services.messages_append(mailbox=work, items=items(2))
    renamed = services.mailbox_rename(mailbox=work, new_name="Archive/Work")
    assert renamed.pk == work.pk
    assert renamed.name == "Archive/Work"
    assert renamed.uidvalidity == work.uidvalidity
    assert renamed.object_id == work.object_id
    assert Mailbox.objects.get(pk=child.pk).name == "Archive/Work/Reports"
    assert "Work" not in names_of(account)
    assert renamed.message_count == 2


def test_rename_creates_missing_superiors(account):
    mailbox = services.mailbox_create(account=account, name="Loose")
    services.mailbox_rename(mailbox=mailbox, new_name="New/Place/Loose")
    assert names_of(account)["New"] is False
    assert names_of(account)["New/Place"] is False


def test_rename_to_an_existing_name_is_refused(account):
    mailbox = services.mailbox_create(account=account, name="Mine")
    with pytest.raises(Conflict):
        services.mailbox_rename(mailbox=mailbox, new_name="Sent")
    with pytest.raises(Conflict):
        services.mailbox_rename(mailbox=mailbox, new_name="inbox")


def test_rename_into_itself_is_refused(account):
    mailbox = services.mailbox_create(account=account, name="Loop")
    with pytest.raises(ValidationFailed):
        services.mailbox_rename(mailbox=mailbox, new_name="Loop/Inner")


def test_rename_out_of_a_placeholder_removes_the_empty_placeholder(account):
    parent = services.mailbox_create(account=account, name="Box")
    child = services.mailbox_create(account=account, name="Box/Only")
    services.mailbox_delete(mailbox=parent)
    services.mailbox_rename(mailbox=child, new_name="Only")
    assert "Box" not in names_of(account)


def test_rename_is_case_sensitive(account):
    mailbox = services.mailbox_create(account=account, name="lists")
    renamed = services.mailbox_rename(mailbox=mailbox, new_name="Lists")
    assert renamed.name == "Lists"


def test_rename_moves_subscriptions_of_renamed_names(account):
    mailbox = services.mailbox_create(account=account, name="Team")
    services.mailbox_create(account=account, name="Team/News")
    services.mailbox_subscribe(account=account, name="Team")
    services.mailbox_subscribe(account=account, name="Team/News")
    services.mailbox_rename(mailbox=mailbox, new_name="Crew")
    subscribed = set(selectors.subscriptions_list(account=account))
    assert {"Crew", "Crew/News"} <= subscribed
    assert not {"Team", "Team/News"} & subscribed


def test_renaming_inbox_moves_its_messages_and_leaves_it_empty(account, inbox):
    services.mailbox_create(account=account, name="INBOX/Child")
    services.messages_append(mailbox=inbox, items=items(3, flags=("\\Seen",)))
    services.messages_expunge(mailbox=inbox)  # nothing \Deleted: no change
    before = Mailbox.objects.get(pk=inbox.pk)
    moved = services.mailbox_rename(mailbox=inbox, new_name="Old Mail")
    inbox_after = Mailbox.objects.get(pk=inbox.pk)
    assert inbox_after.name == "INBOX"
    assert inbox_after.message_count == 0
    assert inbox_after.total_size == 0
    assert inbox_after.uidvalidity == before.uidvalidity
    assert inbox_after.object_id == before.object_id
    assert inbox_after.uidnext == before.uidnext  # INBOX never reuses those UIDs
    assert inbox_after.highest_modseq > before.highest_modseq
    assert sorted(Tombstone.objects.filter(mailbox=inbox).values_list("uid", flat=True)) == [
        1,
        2,
        3,
    ]
    assert moved.pk != inbox.pk
    assert moved.name == "Old Mail"
    assert moved.uidvalidity != before.uidvalidity
    assert moved.object_id != before.object_id
    assert list(
        Message.objects.filter(mailbox=moved).order_by("uid").values_list("uid", flat=True)
    ) == [1, 2, 3]
    assert moved.message_count == 3
    assert moved.unseen_count == 0
    assert names_of(account)["INBOX/Child"] is False  # inferiors of INBOX stay
    result = services.messages_append(mailbox=inbox_after, items=items(1))
    assert result.uids == (4,)


def test_subscriptions_may_name_missing_mailboxes_and_survive_delete(account):
    services.mailbox_subscribe(account=account, name="Does/Not/Exist")
    mailbox = services.mailbox_create(account=account, name="Temp")
    services.mailbox_subscribe(account=account, name="Temp")
    services.mailbox_delete(mailbox=mailbox)
    subscribed = set(selectors.subscriptions_list(account=account))
    assert {"Does/Not/Exist", "Temp"} <= subscribed
    assert "Does/Not/Exist" not in names_of(account)


def test_subscribe_twice_keeps_one_and_unsubscribe_reports_presence(account):
    services.mailbox_subscribe(account=account, name="Twice")
    services.mailbox_subscribe(account=account, name="Twice")
    assert Subscription.objects.filter(account=account, name="Twice").count() == 1
    assert services.mailbox_unsubscribe(account=account, name="Twice") is True
    assert services.mailbox_unsubscribe(account=account, name="Twice") is False


def test_subscription_may_name_a_shared_mailbox(account):
    services.mailbox_subscribe(account=account, name="user/bob@example.org/Lists")
    assert "user/bob@example.org/Lists" in selectors.subscriptions_list(account=account)


def test_selectors_hide_other_accounts_mailboxes_as_missing(account, domain: Domain):
    other = account_services.account_create(
        domain=domain, local_part="mallory", password=None, acting_user=None
    )
    theirs = Mailbox.objects.get(account=other, name="Sent")
    with pytest.raises(NotFound) as by_id:
        selectors.mailbox_get_by_id(account=account, mailbox_id=theirs.pk)
    with pytest.raises(NotFound) as by_missing_id:
        selectors.mailbox_get_by_id(account=account, mailbox_id=10**9)
    assert by_id.value.code == by_missing_id.value.code == "NONEXISTENT"
    assert str(by_id.value).startswith("No mailbox")
    with pytest.raises(NotFound):
        selectors.mailbox_get_for_account(account=account, name="Nope")
    assert selectors.mailbox_get_for_account(account=account, name="inbox").name == "INBOX"


def test_list_reports_children_and_subscription(account):
    services.mailbox_create(account=account, name="Sent/2024")
    entries = {e.name: e for e in selectors.mailboxes_list(account=account)}
    assert entries["Sent"].has_children is True
    assert entries["Sent/2024"].has_children is False
    assert entries["Sent"].subscribed is True
    assert entries["Sent/2024"].subscribed is False
    assert entries["Sent"].special_use == "\\Sent"
