"""Moderation fixtures: an open domain, registrations in each state, owners with grants.

Layout (on top of tests/conftest.py): example.org (`domain`) is open for registration;
`member` is an approved owner with a grant for example.org and no mailbox yet; `stranger` is
another owner with a mailbox of their own (`strangers_mailbox`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from accounts import services as account_services
from accounts.models import Account, Domain, User
from imapd.store.services import message_deliver
from moderation import services
from moderation.models import Registration

WEB_PASSWORD = "correct-horse-battery-9"
MAILBOX_PASSWORD = "mailbox-secret-2024"


@pytest.fixture
def open_domain(domain: Domain) -> Domain:
    return account_services.domain_update(domain=domain, acting_user=None, registration_open=True)


def confirm_secret_from_outbox() -> str:
    """The secret of the last confirmation link sent (the path's last segment)."""
    match = re.search(r"/register/confirm/(\S+)", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return match.group(1)


@pytest.fixture
def submit(open_domain: Domain) -> Callable[..., Registration]:
    def make(username: str = "newcomer", **values: Any) -> Registration:
        values.setdefault("password", WEB_PASSWORD)
        values.setdefault("contact_email", f"{username}@elsewhere.test")
        values.setdefault("reason", "I would like a mailbox for my club.")
        values.setdefault("domains", [open_domain])
        return services.registration_submit(username=username, **values)

    return make


@pytest.fixture
def pending_registration(submit: Callable[..., Registration]) -> Registration:
    """A confirmed request waiting for moderation."""
    submit()
    return services.registration_confirm(secret=confirm_secret_from_outbox())


@pytest.fixture
def member(open_domain: Domain) -> User:
    user = User.objects.create_user("member", email="member@elsewhere.test", password=WEB_PASSWORD)
    services.domain_grant_create(user=user, domain=open_domain, acting_user=None)
    return user


@pytest.fixture
def members_mailbox(member: User, open_domain: Domain) -> Account:
    return services.mailbox_create(
        owner=member,
        domain=open_domain,
        local_part="mina",
        password=MAILBOX_PASSWORD,
        acting_user=member,
    )


@pytest.fixture
def stranger(other_domain: Domain) -> User:
    user = User.objects.create_user("stranger", password=WEB_PASSWORD)
    services.domain_grant_create(user=user, domain=other_domain, acting_user=None)
    return user


@pytest.fixture
def strangers_mailbox(stranger: User, other_domain: Domain) -> Account:
    return services.mailbox_create(
        owner=stranger,
        domain=other_domain,
        local_part="sam",
        password=MAILBOX_PASSWORD,
        acting_user=stranger,
    )


@pytest.fixture
def member_client(member: User) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle and rate-limit counters live in the (per-process) cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _blob_dir(settings, tmp_path):
    """A blob directory per test: account ids repeat between tests, their files must not."""
    settings.BLOB_DIR = tmp_path / "blobs"


def put_mail(account: Account, subject: str = "Hello", body: str = "Hi there.\r\n") -> None:
    """Deliver one message to the account's INBOX through the store's own service."""
    raw = (
        f"From: Bob <bob@example.net>\r\nTo: {account.address}\r\nSubject: {subject}\r\n"
        f"Date: Mon, 02 Jun 2025 10:00:00 +0200\r\n\r\n{body}"
    ).encode()
    message_deliver(account=account, raw=raw)
