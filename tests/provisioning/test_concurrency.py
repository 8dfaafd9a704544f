"""Token exhaustion under concurrent requests: never more accounts than the token allows.

Threads need a database they can all open: tests/conftest.py's `shared_database` (a migrated
SQLite file, whose locks wait like production's, or the PostgreSQL test database).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from django.db import connections

from accounts import services as account_services
from accounts.models import Account
from mailplatform.errors import ServiceError
from provisioning import services
from provisioning.models import Token

T = TypeVar("T")
THREADS = 8
MAXUSE = 3


def in_thread(work: Callable[[], T]) -> T:
    """Run `work` on a fresh thread (its own connection), closing the connection after."""

    def run() -> T:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


@pytest.mark.slow
def test_concurrent_requests_never_create_more_accounts_than_maxuse(shared_database, settings):
    settings.PROVISIONING_RATE_LIMIT = 0

    def set_up() -> str:
        domain = account_services.domain_create(name="race.example", acting_user=None)
        token = services.token_create(name="race", domain=domain, acting_user=None, maxuse=MAXUSE)
        return token.secret

    secret = in_thread(set_up)
    start = threading.Barrier(THREADS)

    def attempt() -> str:
        start.wait()  # all threads ask at once
        try:
            services.token_redeem(secret=secret, remote_addr="192.0.2.1")
            return "created"
        except ServiceError as error:
            return type(error).__name__
        finally:
            connections.close_all()

    with ThreadPoolExecutor(THREADS) as pool:
        results = [f.result() for f in [pool.submit(attempt) for _ in range(THREADS)]]

    accounts, usecount = in_thread(
        lambda: (
            Account.objects.filter(domain__name="race.example").count(),
            Token.objects.get(name="race").usecount,
        )
    )
    assert results.count("created") == MAXUSE
    assert sorted(set(results) - {"created"}) == ["TokenUnusable"]
    assert (accounts, usecount) == (MAXUSE, MAXUSE)
