"""Logging in with an address and a password, for every protocol (IMAP, SMTP, API).

Failed attempts are counted per address and per client IP in the shared cache: past
LOGIN_SLOWDOWN_AFTER failures the answer is delayed (the caller sleeps, so an event loop is not
blocked), past the lockout counts every attempt is refused for LOGIN_LOCKOUT_DURATION, even with
the right password. Passwords are never logged.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from accounts.models import Account
from accounts.services import account_authenticate
from imapd.crypto.keyring import Keyring
from imapd.crypto.services import keyring_unlock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoginOutcome:
    account: Account | None
    # Seconds the caller should wait before answering a failure (slow-down).
    delay: float = 0.0
    locked_out: bool = False
    # With unlock_keys: the account's private keys, opened with the password (imapd.crypto),
    # for the session that asked and no one else; None for an account without keys.
    keyring: Keyring | None = None

    @property
    def ok(self) -> bool:
        return self.account is not None


def _key(kind: str, value: str) -> str:
    # Hash the value: cache keys must be short and safe, and addresses need not sit in the cache.
    return f"login-fail:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def _failures(key: str) -> int:
    return int(cache.get(key, 0))


def _count_failure(key: str) -> int:
    try:
        return cache.incr(key)
    except ValueError:  # not there yet (or expired)
        cache.set(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)
        return 1


def _lock(key: str) -> None:
    cache.set(key + ":locked", True, timeout=settings.LOGIN_LOCKOUT_DURATION)


def _is_locked(key: str) -> bool:
    return bool(cache.get(key + ":locked", False))


def _keys(username: str, remote_addr: str | None) -> list[str]:
    keys = [_key("account", username.strip().lower())]
    if remote_addr and remote_addr not in settings.LOGIN_THROTTLE_EXEMPT_IPS:
        keys.append(_key("ip", remote_addr))
    return keys


def _exempt(remote_addr: str | None) -> bool:
    return remote_addr in settings.LOGIN_THROTTLE_EXEMPT_IPS


def throttle_is_locked(*, username: str, remote_addr: str | None) -> bool:
    """Whether this username or this client IP is locked out now."""
    return not _exempt(remote_addr) and any(_is_locked(k) for k in _keys(username, remote_addr))


def throttle_failure(*, username: str, remote_addr: str | None) -> float:
    """Count a failed login; returns the seconds the answer should be delayed."""
    if _exempt(remote_addr):
        return 0.0
    keys = _keys(username, remote_addr)
    counts = [_count_failure(k) for k in keys]
    if counts[0] >= settings.LOGIN_LOCKOUT_ACCOUNT_AFTER:
        _lock(keys[0])
    if len(counts) > 1 and counts[1] >= settings.LOGIN_LOCKOUT_IP_AFTER:
        _lock(keys[1])
    excess = max(counts) - settings.LOGIN_SLOWDOWN_AFTER
    return 0.0 if excess < 0 else float(min(2**excess, settings.LOGIN_MAX_DELAY))


def throttle_success(*, username: str) -> None:
    cache.delete(_key("account", username.strip().lower()))


def login_attempt(
    *,
    address: str,
    password: str,
    remote_addr: str | None,
    protocol: str,
    unlock_keys: bool = False,
) -> LoginOutcome:
    """Check the throttle, then the credentials; record the result for the throttle.

    `unlock_keys` (a session that reads mail: IMAP): on success, also open the account's
    private keys while the password is at hand (a key derivation's worth of time).
    """
    if throttle_is_locked(username=address, remote_addr=remote_addr):
        log.info("%s login refused (locked out) for %s from %s", protocol, address, remote_addr)
        return LoginOutcome(account=None, locked_out=True, delay=float(settings.LOGIN_MAX_DELAY))
    account = account_authenticate(address=address, password=password)
    if account is not None:
        throttle_success(username=address)
        keyring = keyring_unlock(account=account, password=password) if unlock_keys else None
        return LoginOutcome(account=account, keyring=keyring)
    log.info("%s login failed for %s from %s", protocol, address, remote_addr)
    return LoginOutcome(
        account=None, delay=throttle_failure(username=address, remote_addr=remote_addr)
    )


def login_failures(*, address: str) -> int:
    """Failures counted for an address in the current window (for admin display and tests)."""
    return _failures(_key("account", address.strip().lower()))


def login_unlock(*, address: str) -> None:
    """Lift a lockout of an address (an admin action)."""
    key = _key("account", address.strip().lower())
    cache.delete_many([key, key + ":locked"])
