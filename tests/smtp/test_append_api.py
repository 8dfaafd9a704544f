"""POST /api/v1/accounts/<address>/messages: pymap-admin's `append` over the REST API."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Account
from imapd.models import Mailbox, Message
from tests.smtp.conftest import inbox_messages, message

URL = "/api/v1/accounts/alice@example.org/messages"


def client_for(principal) -> APIClient:
    _token, secret = services.api_token_create(principal=principal)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def post(client: APIClient, data: bytes, query: str = "", url: str = URL):
    # DRF's stubs say str; the test client sends bytes as they are, which a message needs.
    return client.generic("POST", url + query, data, content_type="message/rfc822")  # type: ignore[arg-type]


@pytest.mark.parametrize("who", ["superadmin", "domain_admin", "owner", "account"])
def test_admin_owner_and_the_account_itself_may_append(request, account, who):
    response = post(client_for(request.getfixturevalue(who)), message("Appended"))
    assert response.status_code == 201, response.content
    body = response.json()
    inbox = Mailbox.objects.get(account=account, name="INBOX")
    assert body == {
        "mailbox": "INBOX",
        "uidvalidity": inbox.uidvalidity,
        "uid": 1,
        "result": "2.0.0 Message delivered",
    }
    assert inbox_messages(account) == [message("Appended")]  # no trace fields unless asked


def test_others_get_the_same_404_as_for_a_missing_account(account, other_domain):
    stranger = services.account_create(
        domain=other_domain, local_part="eve", password="eve-pw-1", acting_user=None
    )
    response = post(client_for(stranger), message())
    missing = post(
        client_for(stranger), message(), url="/api/v1/accounts/nobody@example.org/messages"
    )
    assert response.status_code == 404
    assert missing.status_code == 404
    assert response.json()["reason"] == "No account alice@example.org."
    assert not Message.objects.exists()


def test_anonymous_callers_are_refused(account):
    assert post(APIClient(), message()).status_code == 401


def test_mailbox_flags_date_and_trace_fields(account, superadmin):
    response = post(
        client_for(superadmin),
        message("Filed"),
        "?mailbox=Archive&flag=%5CSeen&flag=%5CFlagged&date=2024-05-01T12:00:00%2B00:00"
        "&sender=zed@example.com&recipient=alice@example.org",
    )
    assert response.status_code == 201, response.content
    assert response.json()["mailbox"] == "Archive"
    stored = Message.objects.get(mailbox__name="Archive")
    assert stored.internal_date == 1714564800
    (raw,) = inbox_messages(account, "Archive")
    assert raw.startswith(b"Return-Path: <zed@example.com>\r\nDelivered-To: alice@example.org\r\n")
    fallback = post(client_for(superadmin), message("x"), "?mailbox=Nowhere")
    assert fallback.json()["mailbox"] == "INBOX"


def test_refusals_are_json_errors(account, superadmin, settings):
    client = client_for(superadmin)
    assert post(client, b"").status_code == 400
    assert post(client, message(), "?flag=%5CBogus").status_code == 400
    assert post(client, message(), "?date=yesterday").status_code == 400
    Account.objects.filter(pk=account.pk).update(quota_bytes=10)
    over = post(client, message())
    assert over.status_code == 409
    assert over.json()["code"] == "OVERQUOTA"
    settings.MAX_MESSAGE_SIZE = 100
    too_big = post(client, message("big", "x" * 200))
    assert too_big.status_code == 409
    assert too_big.json()["code"] == "TOOBIG"
    assert not Message.objects.exists()
