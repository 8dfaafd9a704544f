"""The admin pages for tokens and token accounts: QR codes, scoping, writes via services."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs

import pytest
from django.contrib.admin import helpers
from django.test import Client
from django.urls import reverse

from accounts import passwords
from accounts.models import Account, AuditEvent, User
from provisioning import services
from provisioning.models import Token, TokenAccount
from tests.provisioning.conftest import decode_qr


@pytest.fixture
def as_superadmin(client: Client, superadmin: User) -> Client:
    client.force_login(superadmin)
    return client


@pytest.fixture
def as_domain_admin(client: Client, domain_admin: User) -> Client:
    domain_admin.is_staff = True
    domain_admin.save(update_fields=["is_staff"])
    client.force_login(domain_admin)
    return client


def _embedded_pngs(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'src="data:image/png;base64,([^"]+)"', html)]


def _token_form(**overrides: str) -> dict[str, str]:
    data = {
        "prefix": "tmp.",
        "expiry": "1d",
        "maxuse": "50",
        "is_active": "on",
        "fixed_local_part": "",
        "valid_until_0": "",
        "valid_until_1": "",
    }
    data.update(overrides)
    return data


def test_token_page_shows_its_qr_code_url_and_download(as_superadmin, token):
    response = as_superadmin.get(reverse("admin:provisioning_token_change", args=[token.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    (png,) = _embedded_pngs(html)
    (text,) = decode_qr(png)
    assert text.startswith("DCACCOUNT:")
    assert f"t={token.secret}" in text
    assert text.removeprefix("DCACCOUNT:").replace("&", "&amp;") in html
    download = as_superadmin.get(reverse("admin:provisioning_token_qr", args=[token.pk]))
    assert download["Content-Type"] == "image/png"
    assert decode_qr(download.content) == [text]


def test_adding_a_token_goes_through_the_service(as_superadmin, domain):
    response = as_superadmin.post(
        reverse("admin:provisioning_token_add"),
        _token_form(name="fromadmin", domain=str(domain.pk), secret=""),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    token = Token.objects.get(name="fromadmin")
    assert len(token.secret) == 32
    assert AuditEvent.objects.get(action="token.create").actor == "root"


def test_admin_form_refuses_a_bad_expiry(as_superadmin, domain):
    response = as_superadmin.post(
        reverse("admin:provisioning_token_add"),
        _token_form(name="x", domain=str(domain.pk), expiry="tomorrow"),
    )
    assert response.status_code == 200
    assert "not an expiry" in response.content.decode()
    assert not Token.objects.exists()


def test_changing_a_token_goes_through_the_service(as_superadmin, token):
    response = as_superadmin.post(
        reverse("admin:provisioning_token_change", args=[token.pk]),
        _token_form(maxuse="7"),
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.maxuse == 7
    assert AuditEvent.objects.get(action="token.update").detail == {"maxuse": 7}


def test_domain_admin_sees_only_their_domains_tokens(
    as_domain_admin, token, make_token, other_domain
):
    foreign = make_token("foreign", domain=other_domain)
    listing = as_domain_admin.get(reverse("admin:provisioning_token_changelist")).content.decode()
    assert "oneday" in listing
    assert "foreign" not in listing
    response = as_domain_admin.get(reverse("admin:provisioning_token_change", args=[foreign.pk]))
    assert response.status_code == 302  # "does not exist", back to the index
    assert (
        as_domain_admin.get(reverse("admin:provisioning_token_qr", args=[foreign.pk])).status_code
        == 404
    )


def test_owner_without_domains_cannot_see_tokens(client, owner, token):
    owner.is_staff = True
    owner.save(update_fields=["is_staff"])
    client.force_login(owner)
    assert client.get(reverse("admin:provisioning_token_changelist")).status_code == 403


def test_login_qr_action_asks_then_shows_a_code_with_a_new_password(as_domain_admin, token):
    created = services.token_redeem(secret=token.secret)
    url = reverse("admin:provisioning_tokenaccount_changelist")
    data = {"action": "login_qr", helpers.ACTION_CHECKBOX_NAME: [str(created.account.pk)]}
    confirm = as_domain_admin.post(url, data)
    assert confirm.status_code == 200
    assert b"Set a new password" in confirm.content
    created.account.refresh_from_db()
    assert passwords.verify_password(created.password, created.account.password)  # unchanged
    shown = as_domain_admin.post(url, {**data, "confirm": "yes"})
    (png,) = _embedded_pngs(shown.content.decode())
    (text,) = decode_qr(png)
    password = parse_qs(text.partition("?")[2])["p"][0]
    created.account.refresh_from_db()
    assert passwords.verify_password(password, created.account.password)
    assert password not in shown.content.decode().replace(base64.b64encode(png).decode(), "")


def test_deleting_a_token_account_uses_the_deletion_service(as_superadmin, token):
    created = services.token_redeem(secret=token.secret)
    response = as_superadmin.post(
        reverse("admin:provisioning_tokenaccount_changelist"),
        {
            "action": "delete_selected",
            helpers.ACTION_CHECKBOX_NAME: [str(created.account.pk)],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Account.objects.filter(pk=created.account.pk).exists()
    assert not TokenAccount.objects.exists()
    assert AuditEvent.objects.filter(action="account.delete", actor="root").exists()
