"""Fixtures for the folder and quota endpoints and commands.

The API tests' principals and layout (tests/api/conftest.py) plus an account with the admin
role and a way to put messages into a folder:
  example.org  admin: dadmin   alice (owner: owner), carol, root-role (role "admin")
  example.net  admin: nadmin   bob
"""

from __future__ import annotations

from pathlib import Path

import pytest

from accounts import services
from accounts.models import Account, Domain
from imapd.models import Mailbox
from imapd.store.dto import AppendItem
from imapd.store.services import messages_append
from tests.api.conftest import (  # noqa: F401  (fixtures used by these tests)
    account_api,
    admin_api,
    anon,
    client_for,
    colleague,
    other_account,
    other_admin,
    owner_api,
    root_api,
)


@pytest.fixture(autouse=True)
def blob_dir(settings, tmp_path: Path) -> Path:
    """A blob directory per test: account ids repeat between tests, their files must not."""
    settings.BLOB_DIR = tmp_path / "blobs"
    return settings.BLOB_DIR


@pytest.fixture
def role_admin(domain: Domain) -> Account:
    """An account with pymap-admin's "admin" role: it administers every account."""
    return services.account_create(
        domain=domain,
        local_part="postmaster",
        password="postmaster-pw-1",
        roles=["admin"],
        acting_user=None,
    )


def put_messages(account: Account, folder: str, count: int = 1, size: int = 100) -> None:
    """`count` messages of about `size` octets into the account's `folder`."""
    mailbox = Mailbox.objects.get(account=account, name=folder)
    body = "x" * size
    messages_append(
        mailbox=mailbox,
        items=[
            AppendItem(raw=f"Subject: {folder} {i}\r\n\r\n{body}\r\n".encode())
            for i in range(count)
        ],
    )
