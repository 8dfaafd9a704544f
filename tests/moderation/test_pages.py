"""The server-rendered pages, through Django's test client: access rules, forms, throttling."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core import mail
from django.test import Client

from accounts.models import Account, Alias
from moderation import services
from moderation.models import ActionState, PendingAction, Registration, RegistrationState
from moderation.selectors import domains_for_new_mailbox
from provisioning import services as provisioning_services

from .conftest import MAILBOX_PASSWORD, WEB_PASSWORD, confirm_secret_from_outbox, put_mail


def test_the_landing_page_answers_get_and_offers_registration(client, open_domain):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="/account/login/"' in body
    assert 'href="/register/"' in body


def test_provisioning_still_creates_accounts_with_a_post_to_the_root(client, domain):
    token = provisioning_services.token_create(
        name="oneday", domain=domain, acting_user=None, expiry="1d"
    )
    response = client.generic("POST", f"/?t={token.secret}")
    assert response.status_code == 200
    assert response.json()["email"].endswith("@example.org")
    assert client.put("/").status_code == 405


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"] == "/account/login/?next=/account/"


def test_logging_in_and_out(client, member):
    response = client.post(
        "/account/login/", {"username": "member", "password": WEB_PASSWORD, "next": "/account/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert client.get("/account/").status_code == 200
    assert client.get("/account/logout/").status_code == 405  # logging out takes a POST
    client.post("/account/logout/")
    assert client.get("/account/").status_code == 302


def test_a_login_does_not_follow_a_next_url_to_another_site(client, member):
    response = client.post(
        "/account/login/",
        {"username": "member", "password": WEB_PASSWORD, "next": "https://evil.test/"},
    )
    assert response["Location"] == "/account/"


def test_repeated_failed_logins_lock_out_even_the_right_password(client, member, settings):
    settings.LOGIN_LOCKOUT_ACCOUNT_AFTER = 3
    for _ in range(3):
        response = client.post("/account/login/", {"username": "member", "password": "nope"})
        assert response.status_code == 200
        assert "Wrong username or password." in response.content.decode()
    response = client.post("/account/login/", {"username": "member", "password": WEB_PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failed_logins_from_one_address_lock_it_out_for_every_name(member, settings):
    settings.LOGIN_LOCKOUT_IP_AFTER = 2
    attacker = Client(REMOTE_ADDR="198.51.100.9")
    for name in ("a", "b"):
        attacker.post("/account/login/", {"username": name, "password": "x"})
    response = attacker.post("/account/login/", {"username": "member", "password": WEB_PASSWORD})
    assert response.status_code == 429
    other = Client(REMOTE_ADDR="198.51.100.10")
    response = other.post("/account/login/", {"username": "member", "password": WEB_PASSWORD})
    assert response.status_code == 302


def test_the_dashboard_lists_own_mailboxes_with_quota_use(
    member_client, members_mailbox, strangers_mailbox
):
    put_mail(members_mailbox)
    body = member_client.get("/account/").content.decode()
    assert "mina@example.org" in body
    assert "1 message" in body
    assert re.search(r"Used: [1-9]\d*\xa0bytes of 1.0\xa0GB \(0%\)", body)
    assert "sam@example.net" not in body


FOREIGN_PAGES = [
    ("get", "/account/mailboxes/sam@example.net/"),
    ("post", "/account/mailboxes/sam@example.net/"),
    ("get", "/account/mailboxes/sam@example.net/password"),
    ("post", "/account/mailboxes/sam@example.net/password"),
    ("get", "/account/mailboxes/sam@example.net/delete"),
    ("post", "/account/mailboxes/sam@example.net/delete"),
    ("get", "/account/mailboxes/sam@example.net/export"),
]


@pytest.mark.parametrize(("method", "path"), FOREIGN_PAGES)
def test_another_owners_mailbox_is_not_found_on_any_page(
    member_client, strangers_mailbox, method, path
):
    response = getattr(member_client, method)(
        path,
        {"local_part": "x", "old_password": MAILBOX_PASSWORD, "new_password": "n3w-Secret-pw"},
    )
    assert response.status_code == 404
    strangers_mailbox.refresh_from_db()
    assert strangers_mailbox.deletion_pending_since is None
    assert not Alias.objects.exists()
    assert not PendingAction.objects.exists()


def test_another_owners_alias_and_request_are_not_found(
    member_client, members_mailbox, stranger, strangers_mailbox
):
    alias = services.mailbox_alias_add(
        account=strangers_mailbox, local_part="s1", acting_user=stranger
    )
    action = services.deletion_request(account=strangers_mailbox, acting_user=stranger)
    # Even through the member's own mailbox in the URL.
    response = member_client.post(
        f"/account/mailboxes/{members_mailbox.address}/aliases/{alias.pk}/remove"
    )
    assert response.status_code == 404
    assert member_client.post(f"/account/requests/{action.pk}/cancel").status_code == 404
    assert Alias.objects.filter(pk=alias.pk).exists()
    action.refresh_from_db()
    assert action.state == ActionState.PENDING


def test_creating_a_mailbox_on_the_page(member_client, member):
    response = member_client.post(
        "/account/mailboxes/new",
        {
            "local_part": "Nina",
            "domain": _granted_domain_pk(member),
            "password": MAILBOX_PASSWORD,
            "password_again": MAILBOX_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/account/mailboxes/nina@example.org/"
    assert Account.objects.get(local_part="nina").owner == member


def _granted_domain_pk(member) -> int:
    return domains_for_new_mailbox(user=member).get().pk


def test_a_taken_address_is_shown_on_its_field(member_client, member, members_mailbox):
    response = member_client.post(
        "/account/mailboxes/new",
        {
            "local_part": "mina",
            "domain": _granted_domain_pk(member),
            "password": MAILBOX_PASSWORD,
            "password_again": MAILBOX_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["local_part"] == ["This address is already taken."]


def test_mismatched_passwords_are_refused_by_the_form(member_client, member):
    response = member_client.post(
        "/account/mailboxes/new",
        {
            "local_part": "nina",
            "domain": _granted_domain_pk(member),
            "password": MAILBOX_PASSWORD,
            "password_again": MAILBOX_PASSWORD + "x",
        },
    )
    assert response.status_code == 400
    assert not Account.objects.filter(local_part="nina").exists()


def test_the_alias_limit_is_shown_as_a_clear_message(member_client, members_mailbox, settings):
    settings.MAX_ALIASES_PER_MAILBOX = 1
    page = f"/account/mailboxes/{members_mailbox.address}/"
    assert member_client.post(page, {"local_part": "first"}).status_code == 302
    response = member_client.post(page, {"local_part": "second"})
    assert response.status_code == 400
    assert "mina@example.org has reached its limit of 1 alias." in response.content.decode()


def test_changing_the_password_on_the_page_needs_the_old_one(member_client, members_mailbox):
    page = f"/account/mailboxes/{members_mailbox.address}/password"
    new = "brand-new-secret-77"
    response = member_client.post(
        page, {"old_password": "wrong", "new_password": new, "password_again": new}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["old_password"] == ["The current password is wrong."]
    response = member_client.post(
        page, {"old_password": MAILBOX_PASSWORD, "new_password": new, "password_again": new}
    )
    assert response.status_code == 302
    assert PendingAction.objects.get().kind == "rekey"


def test_requesting_and_cancelling_a_deletion_on_the_pages(member_client, members_mailbox):
    member_client.post(f"/account/mailboxes/{members_mailbox.address}/delete")
    action = PendingAction.objects.get()
    dashboard = member_client.get("/account/").content.decode()
    assert "Deletion pending" in dashboard
    assert f"/account/requests/{action.pk}/cancel" in dashboard
    member_client.post(f"/account/requests/{action.pk}/cancel")
    action.refresh_from_db()
    assert action.state == ActionState.CANCELLED
    members_mailbox.refresh_from_db()
    assert members_mailbox.deletion_pending_since is None


def test_the_owner_downloads_the_mail_as_mbox_files(member_client, members_mailbox):
    put_mail(members_mailbox, subject="Archive me", body="From the start\r\n")
    response = member_client.get(f"/account/mailboxes/{members_mailbox.address}/export")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="mina@example.org-')
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "INBOX.mbox" in archive.namelist()
    inbox = archive.read("INBOX.mbox")
    assert inbox.startswith(b"From MAILER-DAEMON ")
    assert b"Subject: Archive me\n" in inbox
    assert b"\n>From the start\n" in inbox


def test_registration_through_the_pages(client, open_domain):
    page = client.get("/register/")
    assert page.status_code == 200
    response = client.post(
        "/register/",
        {
            "username": "walker",
            "password": WEB_PASSWORD,
            "password_again": WEB_PASSWORD,
            "contact_email": "walker@elsewhere.test",
            "domains": [open_domain.pk],
            "reason": "For my family.",
        },
        REMOTE_ADDR="203.0.113.5",
    )
    assert response.status_code == 302
    assert response["Location"] == "/register/sent"
    registration = Registration.objects.get()
    assert registration.remote_addr == "203.0.113.5"
    secret = confirm_secret_from_outbox()
    # Opening the link (as a mail scanner would) confirms nothing.
    assert client.get(f"/register/confirm/{secret}").status_code == 200
    registration.refresh_from_db()
    assert registration.state == RegistrationState.UNCONFIRMED
    assert client.post(f"/register/confirm/{secret}").status_code == 200
    registration.refresh_from_db()
    assert registration.state == RegistrationState.PENDING
    assert client.post(f"/register/confirm/{secret}").status_code == 404
    assert len(mail.outbox) == 1


def test_registration_is_closed_without_an_open_domain(client, domain):
    response = client.get("/register/")
    assert "Registration closed" in response.content.decode()
    assert 'href="/register/"' not in client.get("/").content.decode()
