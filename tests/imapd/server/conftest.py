"""A real mail daemon per test, on free ports and a unix socket.

The daemon answers from its own threads (the event loop and the ORM pool), which see only
committed data: tests/conftest.py's `shared_database` gives them a database they can share
(a migrated SQLite file copied per test, or the PostgreSQL test database).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache

from accounts import services as account_services
from accounts.models import Account, Domain
from imapd.daemon import DaemonOptions, DaemonThread
from imapd.store import notifier
from tests.conftest import SharedDatabase

PASSWORD = "secret-pw-1"
OTHER_PASSWORD = "other-pw-1"


@pytest.fixture
def imap_db(shared_database) -> SharedDatabase:
    """Committed data visible to the daemon's threads (see tests/conftest.py)."""
    return shared_database


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path: Path) -> Iterator[None]:
    """Per test: blobs, a fresh notifier hub, no login failures counted by earlier tests, and a
    fast password scheme (ARGON2ID costs 0.2 s a check, and would be rehashed to on login)."""
    settings.BLOB_DIR = tmp_path / "blobs"
    settings.PASSWORD_SCHEME = "SHA512-CRYPT"
    cache.clear()
    previous = notifier.hub_replace(notifier.Hub())
    yield
    notifier.hub_replace(previous)
    cache.clear()


@pytest.fixture
def domain(imap_db) -> Domain:
    return account_services.domain_create(name="example.org", acting_user=None)


@pytest.fixture
def alice(domain: Domain) -> Account:
    return account_services.account_create(
        domain=domain, local_part="alice", password=PASSWORD, acting_user=None
    )


@pytest.fixture
def bob(domain: Domain) -> Account:
    return account_services.account_create(
        domain=domain, local_part="bob", password=OTHER_PASSWORD, acting_user=None
    )


@pytest.fixture
def socket_dir() -> Iterator[Path]:
    """A short directory for the unix socket (paths are limited to about 100 characters)."""
    directory = Path(tempfile.mkdtemp(prefix="imap-"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def daemon(imap_db, socket_dir: Path) -> Iterator[DaemonThread]:
    """The real daemon with IMAP on free ports (plain, TLS) and a unix socket; nothing else."""
    options = DaemonOptions(
        host="127.0.0.1",
        imap_port=None,
        imaps_port=None,
        imap_unix_socket=str(socket_dir / "imap.sock"),
        lmtp_port=0,
        lmtp_unix_socket="",
        submission_port=0,
        submissions_port=0,
        smtp_port=0,
    )
    thread = DaemonThread(options).start()
    yield thread
    thread.stop()
