"""A real mail daemon per test, on free ports and a unix socket, over a real SQLite file.

Why a file: the daemon answers from its own threads (the event loop and the ORM pool), which
can only see committed data (hence `transactional_db`), and pytest-django's SQLite test
database lives in memory in shared-cache mode, where table locks fail at once instead of
waiting for the busy timeout. Setting DATABASES["default"]["TEST"]["NAME"] to a file would
change the whole suite; instead these tests swap the default connection to a copy of one
migrated file (migrated once per run, copied per test: a millisecond, against seconds for a
migrate), which has the real settings' locking (WAL, IMMEDIATE transactions, busy timeout).
On PostgreSQL the test database already serves every thread, and nothing is swapped.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from accounts import services as account_services
from accounts.models import Account, Domain
from imapd.daemon import DaemonOptions, DaemonThread
from imapd.store import notifier

PASSWORD = "secret-pw-1"
OTHER_PASSWORD = "other-pw-1"


def _swap_default_database(name: str) -> tuple[dict[str, Any], BaseDatabaseWrapper]:
    original_settings = connections.settings["default"]
    original_connection = connections["default"]
    file_settings = {**original_settings, "NAME": name}
    connections.settings["default"] = file_settings
    connections["default"] = original_connection.__class__(file_settings, "default")
    return original_settings, original_connection


def _restore_default_database(saved: tuple[dict[str, Any], BaseDatabaseWrapper]) -> None:
    connections["default"].close()
    connections.settings["default"] = saved[0]
    connections["default"] = saved[1]


@pytest.fixture(scope="session")
def migrated_sqlite_file(django_db_setup, django_db_blocker) -> Iterator[Path | None]:
    """A migrated database file to copy for each test (None on other databases)."""
    if connection.vendor != "sqlite":
        yield None
        return
    directory = Path(tempfile.mkdtemp(prefix="imap-test-db-"))
    path = directory / "template.sqlite3"
    with django_db_blocker.unblock():
        saved = _swap_default_database(str(path))
        try:
            call_command("migrate", verbosity=0)
            with connections["default"].cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            _restore_default_database(saved)
    yield path
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def imap_db(transactional_db, migrated_sqlite_file, tmp_path: Path) -> Iterator[None]:
    """Committed data visible to the daemon's threads (see the module docstring)."""
    if migrated_sqlite_file is None:
        yield
        return
    path = tmp_path / "db.sqlite3"
    shutil.copyfile(migrated_sqlite_file, path)
    saved = _swap_default_database(str(path))
    try:
        yield
    finally:
        _restore_default_database(saved)


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
