"""Who may manage an account's folders and quota over the API.

Admins (superadmin, the domain's admin, an account with the admin role), the owner and the
account itself manage its folders and read its quota; only admins change the limit. Anyone
else gets the same 404 as for an address that does not exist, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Account
from imapd.models import Mailbox, Subscription

ALICE = "/api/v1/accounts/alice@example.org"
NOBODY = "/api/v1/accounts/nobody@example.org"

# Every folder and quota operation, as (method, path under the account, JSON body).
OPERATIONS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/folders/", None),
    ("post", "/folders/", {"name": "Intruder"}),
    ("get", "/folders/Sent", None),
    ("delete", "/folders/Sent", None),
    ("delete", "/folders/Archive?recursive=true", None),
    ("post", "/folders/Sent/rename", {"new_name": "Stolen"}),
    ("put", "/folders/Trash/subscription", None),
    ("delete", "/folders/Sent/subscription", None),
    ("get", "/quota", None),
    ("put", "/quota", {"storage_bytes": 1}),
    ("delete", "/quota", None),
]


def call(client: APIClient, method: str, url: str, body: dict[str, Any] | None) -> Any:
    return getattr(client, method)(url, body, format="json")


def snapshot(account: Account) -> tuple[object, ...]:
    account.refresh_from_db()
    return (
        sorted(Mailbox.objects.filter(account=account).values_list("name", "object_id")),
        sorted(Subscription.objects.filter(account=account).values_list("name", flat=True)),
        account.quota_bytes,
    )


@pytest.fixture
def stranger_client(request, client_for) -> Callable[[str], APIClient]:
    return lambda fixture: client_for(request.getfixturevalue(fixture))


@pytest.mark.parametrize("stranger", ["other_admin", "other_account", "colleague"])
@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_others_get_the_same_404_as_for_an_unknown_account_and_change_nothing(
    account, stranger_client, stranger, method, path, body
):
    client = stranger_client(stranger)
    before = snapshot(account)
    hidden = call(client, method, ALICE + path, body)
    missing = call(client, method, NOBODY + path, body)
    assert hidden.status_code == missing.status_code == 404, hidden.content
    assert hidden.json() == {
        **missing.json(),
        "reason": missing.json()["reason"].replace("nobody@", "alice@"),
    }
    assert snapshot(account) == before


@pytest.mark.parametrize("who", ["root_api", "admin_api", "owner_api", "account_api"])
def test_admins_the_owner_and_the_account_itself_manage_its_folders(request, account, who):
    client: APIClient = request.getfixturevalue(who)
    assert client.post(ALICE + "/folders/", {"name": "Mine/Sub"}, format="json").status_code == 201
    renamed = client.post(ALICE + "/folders/Mine/rename", {"new_name": "Ours"}, format="json")
    assert renamed.status_code == 200
    assert client.put(ALICE + "/folders/Ours/subscription").status_code == 204
    assert client.delete(ALICE + "/folders/Ours?recursive=true").status_code == 200
    assert client.get(ALICE + "/quota").status_code == 200
    assert not Mailbox.objects.filter(account=account, name__startswith="Ours").exists()


def test_an_account_with_the_admin_role_manages_other_accounts(account, client_for, role_admin):
    client = client_for(role_admin)
    assert client.post(ALICE + "/folders/", {"name": "Audit"}, format="json").status_code == 201
    response = client.put(ALICE + "/quota", {"storage_kib": 2048}, format="json")
    assert response.status_code == 200, response.content
    account.refresh_from_db()
    assert account.quota_bytes == 2048 * 1024


@pytest.mark.parametrize("who", ["owner_api", "account_api"])
def test_the_owner_and_the_account_may_read_but_not_change_the_quota(request, account, who):
    client: APIClient = request.getfixturevalue(who)
    limit = account.quota_bytes
    set_response = client.put(ALICE + "/quota", {"storage_bytes": 10**12}, format="json")
    remove_response = client.delete(ALICE + "/quota")
    for response in (set_response, remove_response):
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "permission_denied"
    account.refresh_from_db()
    assert account.quota_bytes == limit


def test_anonymous_callers_are_refused(account, anon):
    for method, path, body in OPERATIONS:
        assert call(anon, method, ALICE + path, body).status_code == 401
