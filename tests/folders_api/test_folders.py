"""/api/v1/accounts/<address>/folders/...: listing, create, delete (recursive), rename,
subscriptions, and folder names in URLs."""

from __future__ import annotations

import pytest

from imapd.models import Mailbox, Message, MessageContent, Subscription
from tests.api.helpers import assert_error
from tests.folders_api.conftest import put_messages

BASE = "/api/v1/accounts/alice@example.org/folders/"


def folder_names(account) -> set[str]:
    return set(Mailbox.objects.filter(account=account).values_list("name", flat=True))


def test_list_shows_every_folder_with_attributes_subscription_and_counters(account, account_api):
    put_messages(account, "INBOX", count=2, size=500)
    response = account_api.get(BASE)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["address"] == "alice@example.org"
    by_name = {f["name"]: f for f in body["folders"]}
    assert set(by_name) == {"INBOX", "Drafts", "Sent", "Trash", "Junk", "Archive"}
    inbox, sent = by_name["INBOX"], by_name["Sent"]
    assert (inbox["messages"], inbox["unseen"]) == (2, 2)
    assert inbox["size"] > 1000
    assert inbox["special_use"] is None
    assert inbox["attributes"] == ["\\HasNoChildren", "\\Subscribed"]
    assert sent["special_use"] == "\\Sent"
    assert sent["attributes"] == ["\\HasNoChildren", "\\Subscribed", "\\Sent"]
    assert sent["selectable"]
    assert sent["subscribed"]
    assert sent["mailbox_id"].startswith("F")


def test_create_makes_missing_parents_and_sets_special_use(account, account_api):
    response = account_api.post(
        BASE, {"name": "Projects/2024/Q1", "special_use": "\\Flagged"}, format="json"
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["name"] == "Projects/2024/Q1"
    assert created["special_use"] == "\\Flagged"
    assert created["subscribed"] is False
    assert {"Projects", "Projects/2024", "Projects/2024/Q1"} <= folder_names(account)
    parent = account_api.get(BASE + "Projects").json()
    assert parent["has_children"] is True
    assert "\\HasChildren" in parent["attributes"]


def test_create_refuses_existing_and_malformed_names(account, account_api):
    assert_error(account_api.post(BASE, {"name": "Sent"}, format="json"), 409, "ALREADYEXISTS")
    assert_error(account_api.post(BASE, {"name": "a/*"}, format="json"), 400, "CANNOT", "name")
    assert_error(account_api.post(BASE, {"name": "user/x"}, format="json"), 400, "CANNOT")
    assert_error(
        account_api.post(BASE, {"name": "X", "special_use": "\\Nope"}, format="json"),
        400,
        "invalid",
        "special_use",
    )
    assert "X" not in folder_names(account)


@pytest.mark.parametrize(
    "path", ["Projects%2F2024", "Projects/2024", "Projects/2024/", "projects%2F2024"]
)
def test_folder_urls_take_encoded_or_plain_slashes(account, account_api, path):
    account_api.post(BASE, {"name": "Projects/2024"}, format="json")
    response = account_api.get(BASE + path)
    if path.startswith("projects"):
        # Only INBOX is case-insensitive.
        assert_error(response, 404, "NONEXISTENT")
    else:
        assert response.status_code == 200, response.content
        assert response.json()["name"] == "Projects/2024"


def test_non_ascii_names_round_trip(account, account_api):
    response = account_api.post(BASE, {"name": "Entwürfe/Größe"}, format="json")
    assert response.status_code == 201, response.content
    fetched = account_api.get(BASE + "Entw%C3%BCrfe%2FGr%C3%B6%C3%9Fe")
    assert fetched.json()["name"] == "Entwürfe/Größe"


def test_inbox_is_found_in_any_case(account, account_api):
    assert account_api.get(BASE + "inBox").json()["name"] == "INBOX"


def test_delete_of_a_folder_with_children_keeps_a_noselect_placeholder(account, account_api):
    account_api.post(BASE, {"name": "A/B"}, format="json")
    put_messages(account, "A")
    response = account_api.delete(BASE + "A")
    assert response.status_code == 200, response.content
    assert response.json() == {"deleted": ["A"]}
    placeholder = account_api.get(BASE + "A").json()
    assert placeholder["selectable"] is False
    assert placeholder["messages"] == 0
    assert placeholder["attributes"][0] == "\\Noselect"
    # The placeholder goes with its last child.
    assert account_api.delete(BASE + "A%2FB").status_code == 200
    assert not {"A", "A/B"} & folder_names(account)


def test_recursive_delete_removes_the_subtree_innermost_first_and_leaves_nothing(
    account, account_api
):
    for name in ("Old/Projects/2023", "Old/Mail", "Older"):
        account_api.post(BASE, {"name": name}, format="json")
    for name in ("Old", "Old/Projects/2023", "Old/Mail"):
        put_messages(account, name, count=2)
    contents_before = MessageContent.objects.filter(account=account).count()
    response = account_api.delete(BASE + "Old?recursive=true")
    assert response.status_code == 200, response.content
    assert response.json()["deleted"] == ["Old/Projects/2023", "Old/Mail", "Old/Projects", "Old"]
    remaining = folder_names(account)
    assert not {n for n in remaining if n == "Old" or n.startswith("Old/")}
    assert "Older" in remaining  # a sibling sharing the prefix is not a subfolder
    assert not Message.objects.filter(mailbox__account=account).exists()
    assert MessageContent.objects.filter(account=account).count() == contents_before - 6


def test_recursive_delete_of_inbox_is_refused_and_deletes_nothing(account, account_api):
    account_api.post(BASE, {"name": "INBOX/Sub"}, format="json")
    assert_error(account_api.delete(BASE + "INBOX?recursive=true"), 400, "CANNOT")
    assert {"INBOX", "INBOX/Sub"} <= folder_names(account)


def test_delete_of_a_missing_folder_is_404_and_a_bad_flag_is_400(account, account_api):
    assert_error(account_api.delete(BASE + "Nope"), 404, "NONEXISTENT")
    assert_error(account_api.delete(BASE + "Sent?recursive=perhaps"), 400, "invalid", "recursive")
    assert "Sent" in folder_names(account)


def test_rename_moves_subfolders_and_keeps_the_mailbox_id(account, account_api):
    created = account_api.post(BASE, {"name": "Work/Clients"}, format="json").json()
    response = account_api.post(BASE + "Work/rename", {"new_name": "Jobs/Work"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Jobs/Work"
    names = folder_names(account)
    assert {"Jobs", "Jobs/Work", "Jobs/Work/Clients"} <= names
    assert "Work" not in names
    moved = account_api.get(BASE + "Jobs%2FWork%2FClients").json()
    assert moved["mailbox_id"] == created["mailbox_id"]


def test_rename_onto_an_existing_name_is_a_conflict(account, account_api):
    assert_error(
        account_api.post(BASE + "Sent/rename", {"new_name": "Trash"}, format="json"),
        409,
        "ALREADYEXISTS",
    )


def test_subscription_put_and_delete(account, account_api):
    account_api.post(BASE, {"name": "News"}, format="json")
    assert account_api.put(BASE + "News/subscription").status_code == 204
    assert account_api.get(BASE + "News").json()["subscribed"] is True
    assert account_api.delete(BASE + "News/subscription").status_code == 204
    assert account_api.get(BASE + "News").json()["subscribed"] is False
    # RFC 3501: a name that does not exist may be subscribed; unsubscribing twice is fine.
    assert account_api.put(BASE + "Later/subscription").status_code == 204
    assert Subscription.objects.filter(account=account, name="Later").exists()
    assert account_api.delete(BASE + "News/subscription").status_code == 204


def test_a_folder_named_like_a_sub_resource_is_reached_with_a_trailing_slash(account, account_api):
    account_api.post(BASE, {"name": "Projects/acl"}, format="json")
    # Without the slash, `acl` is the ACL endpoint of the folder above.
    assert set(account_api.get(BASE + "Projects/acl").json()) == {"acl"}
    assert_error(account_api.post(BASE + "Projects/acl"), 405, "method_not_allowed")
    assert account_api.get(BASE + "Projects/acl/").json()["name"] == "Projects/acl"
    assert account_api.delete(BASE + "Projects%2Facl/").json() == {"deleted": ["Projects/acl"]}
    assert "Projects/acl" not in folder_names(account)
