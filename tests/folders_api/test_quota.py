"""GET/PUT/DELETE /api/v1/accounts/<address>/quota: RFC 9208's shape over Account.quota_bytes."""

from __future__ import annotations

import pytest

from tests.api.helpers import assert_error
from tests.folders_api.conftest import put_messages

URL = "/api/v1/accounts/alice@example.org/quota"


def test_get_reports_the_root_storage_in_kib_and_messages(account, admin_api, settings):
    account.quota_bytes = 1024 * 1024
    account.save()
    put_messages(account, "INBOX", count=3, size=700)
    response = admin_api.get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["root"] == "user/alice@example.org"
    storage, messages = body["resources"]
    assert storage["name"] == "STORAGE"
    assert storage["limit"] == 1024
    assert storage["usage"] == (body["usage_bytes"] + 1023) // 1024  # RFC 9208 rounds up
    assert body["usage_bytes"] > 3 * 700
    assert body["limit_bytes"] == 1024 * 1024
    assert messages == {"name": "MESSAGE", "usage": 3, "limit": None}


@pytest.mark.parametrize(
    ("body", "expected"),
    [({"storage_kib": 10}, 10 * 1024), ({"storage_bytes": 12345}, 12345), ({"storage_kib": 0}, 0)],
)
def test_put_sets_the_limit_in_kib_or_bytes(account, admin_api, body, expected):
    response = admin_api.put(URL, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["limit_bytes"] == expected
    assert response.json()["resources"][0]["limit"] == expected // 1024
    account.refresh_from_db()
    assert account.quota_bytes == expected


@pytest.mark.parametrize(
    "body",
    [{}, {"storage_kib": 1, "storage_bytes": 1024}, {"storage_bytes": -1}, {"storage_kib": "x"}],
)
def test_put_needs_exactly_one_non_negative_limit(account, admin_api, body):
    limit = account.quota_bytes
    response = admin_api.put(URL, body, format="json")
    assert_error(response, 400, "invalid")
    account.refresh_from_db()
    assert account.quota_bytes == limit


def test_delete_removes_the_limit(account, admin_api):
    assert account.quota_bytes is not None
    assert admin_api.delete(URL).status_code == 204
    account.refresh_from_db()
    assert account.quota_bytes is None
    body = admin_api.get(URL).json()
    assert body["limit_bytes"] is None
    assert body["resources"][0]["limit"] is None
