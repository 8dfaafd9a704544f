"""Shared fixtures: users of each role and a domain layout for permission tests, and
`shared_database` for tests whose servers run in other threads or processes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection, connections

from accounts import services
from accounts.models import Account, Domain, User


@pytest.fixture(autouse=True)
def _recipient_cache_emptied() -> None:
    """Account ids and addresses repeat between tests, each on a fresh database: what the
    mail daemon's recipient cache learnt in one test is wrong in the next."""
    from imapd.smtp.recipient_cache import recipients

    recipients.clear()


@pytest.fixture
def superadmin(db) -> User:
    return User.objects.create_superuser("root", "root@example.org", "root-password-1")


@pytest.fixture
def domain(db) -> Domain:
    return services.domain_create(name="example.org", acting_user=None)


@pytest.fixture
def other_domain(db) -> Domain:
    return services.domain_create(name="example.net", acting_user=None)


@pytest.fixture
def domain_admin(db, domain: Domain) -> User:
    user = User.objects.create_user("dadmin", password="dadmin-password-1")
    user.managed_domains.add(domain)
    return user


@pytest.fixture
def owner(db) -> User:
    return User.objects.create_user("owner", password="owner-password-1")


@pytest.fixture
def account(domain: Domain, owner: User) -> Account:
    return services.account_create(
        domain=domain, local_part="alice", password="alice-pw-1", acting_user=None, owner=owner
    )


@dataclass(frozen=True)
class SharedDatabase:
    """Where the shared test database is: `env` is what a subprocess needs to open it."""

    env: dict[str, str]


_sqlite_templates: dict[str, Path] = {}


def _migrated_sqlite_template(base_settings: dict, directory: Path) -> Path:
    """A migrated SQLite file made once per test process, copied for each test (migrating
    takes seconds; copying a few hundred kilobytes does not)."""
    template = _sqlite_templates.get("default")
    if template is not None and template.exists():
        return template
    template = directory / "template.sqlite3"
    settings_dict = {**base_settings, "NAME": str(template)}
    previous = connections["default"]
    builder = previous.__class__(settings_dict, "default")
    connections["default"] = builder
    try:
        call_command("migrate", verbosity=0, interactive=False)
    finally:
        builder.close()
        connections["default"] = previous
    _sqlite_templates["default"] = template
    return template


@pytest.fixture
def shared_database(
    transactional_db, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SharedDatabase]:
    """A test database with committed data that server threads and subprocesses can open.

    For tests that run a server (the mail daemon in a thread, a `manage.py` subprocess).
    pytest-django's SQLite test database lives in memory, shared-cache, where other threads
    meet table locks that fail at once and subprocesses cannot reach it; so on SQLite every
    connection (this thread's and any new thread's) is pointed at a migrated file for the test,
    with the real settings' options (WAL, IMMEDIATE transactions, busy timeout). The in-memory
    database's connection is set aside meanwhile, not closed (that would destroy it). On
    PostgreSQL the test database already serves every connection.
    """
    original_settings = connections.settings["default"]
    if connection.vendor != "sqlite":
        yield SharedDatabase(env={"DATABASE_URL": _postgres_url(original_settings)})
        return
    template_dir = tmp_path_factory.getbasetemp() / "shared-db"
    template_dir.mkdir(exist_ok=True)
    template = _migrated_sqlite_template(original_settings, template_dir)
    path = tmp_path / "shared.sqlite3"
    shutil.copyfile(template, path)
    original_connection = connections["default"]
    file_settings = {**original_settings, "NAME": str(path)}
    connections.settings["default"] = file_settings
    connections["default"] = original_connection.__class__(file_settings, "default")
    try:
        yield SharedDatabase(env={"DATABASE_URL": f"sqlite:///{path}"})
    finally:
        connections["default"].close()
        connections.settings["default"] = original_settings
        connections["default"] = original_connection


def _postgres_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"
