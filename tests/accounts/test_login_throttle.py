"""Failed logins slow down and then lock out, per account and per IP."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from accounts.login import login_attempt, login_failures, login_unlock

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache(settings):
    settings.LOGIN_SLOWDOWN_AFTER = 2
    settings.LOGIN_MAX_DELAY = 4
    settings.LOGIN_LOCKOUT_ACCOUNT_AFTER = 4
    settings.LOGIN_LOCKOUT_IP_AFTER = 6
    cache.clear()
    yield
    cache.clear()


def _try(password, ip="192.0.2.1", address="alice@example.org"):
    return login_attempt(address=address, password=password, remote_addr=ip, protocol="test")


def test_right_password_logs_in_without_delay(account):
    outcome = _try("alice-pw-1")
    assert outcome.account == account
    assert outcome.delay == 0


def test_failures_are_delayed_increasingly_up_to_the_maximum(account):
    delays = [_try("wrong").delay for _ in range(3)]
    assert delays == [0.0, 1.0, 2.0]
    assert login_failures(address="alice@example.org") == 3


def test_account_locks_out_even_for_the_right_password(account):
    for _ in range(4):
        assert not _try("wrong").ok
    locked = _try("alice-pw-1", ip="198.51.100.7")  # another IP: the account itself is locked
    assert not locked.ok
    assert locked.locked_out
    login_unlock(address="alice@example.org")
    assert _try("alice-pw-1").ok


def test_ip_locks_out_across_addresses(account):
    for n in range(6):
        _try("wrong", address=f"guess{n}@example.org")
    assert _try("alice-pw-1").locked_out
    assert _try("alice-pw-1", ip="198.51.100.7").ok


def test_success_resets_the_account_count(account):
    _try("wrong")
    _try("wrong")
    assert _try("alice-pw-1").ok
    assert login_failures(address="alice@example.org") == 0


def test_exempt_ip_is_never_throttled(account, settings):
    settings.LOGIN_THROTTLE_EXEMPT_IPS = ["192.0.2.1"]
    for _ in range(10):
        assert _try("wrong").delay == 0
    assert _try("alice-pw-1").ok
