"""Checking credentials for LOGIN and AUTHENTICATE (RFC 3501 6.2, SASL PLAIN RFC 4616, LOGIN,
CRAM-MD5 RFC 2195).

Passwords are checked by `accounts.login`, which also counts failures and locks out per account
and per IP; these functions run in the ORM thread pool and return plain data. The caller sleeps
`delay` on the event loop before answering a failure.

CRAM-MD5 needs the password itself on the server, which the hashed schemes we store cannot give.
It works for accounts whose stored string is a cleartext one, `{PLAIN}`, `{CLEAR}` or
`{CLEARTEXT}` followed by the password (as imported from a Dovecot passdb), and is advertised
only while at least one such account exists. The same throttle applies to it.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from accounts.login import login_attempt, throttle_failure, throttle_is_locked, throttle_success
from accounts.models import Account
from accounts.services import account_get
from imapd.crypto.keyring import Keyring
from imapd.crypto.services import keyring_unlock
from mailplatform.errors import ServiceError

CLEARTEXT_PREFIXES = ("{PLAIN}", "{CLEAR}", "{CLEARTEXT}")
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{32}")


@dataclass(frozen=True, slots=True)
class AccountRef:
    """The logged-in account as the session keeps it: no model instance, a few fields."""

    id: int
    address: str
    is_admin: bool


@dataclass(frozen=True, slots=True)
class LoginResult:
    account: AccountRef | None
    delay: float = 0.0
    locked_out: bool = False
    # The account's private keys opened with the password (imapd.crypto), for this session's
    # reads of encrypted mail; None for an account without keys.
    keyring: Keyring | None = None


def _ref(account: Account) -> AccountRef:
    return AccountRef(id=account.pk, address=account.address, is_admin=account.is_admin)


def password_login(*, address: str, password: str, remote_addr: str | None) -> LoginResult:
    """LOGIN, AUTHENTICATE PLAIN and LOGIN: throttle, check, record (runs in the ORM pool)."""
    outcome = login_attempt(
        address=address,
        password=password,
        remote_addr=remote_addr,
        protocol="imap",
        unlock_keys=True,
    )
    if outcome.account is None:
        return LoginResult(None, outcome.delay, outcome.locked_out)
    return LoginResult(_ref(outcome.account), keyring=outcome.keyring)


def cleartext_secret(stored: str) -> str | None:
    """The password of a cleartext stored string, None for any hashed scheme."""
    upper = stored[:12].upper()
    for prefix in CLEARTEXT_PREFIXES:
        if upper.startswith(prefix):
            return stored[len(prefix) :]
    return None


def cram_md5_digest(secret: str, challenge: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), challenge, "md5").hexdigest()


def cram_md5_login(
    *, username: str, challenge: bytes, digest: str, remote_addr: str | None
) -> LoginResult:
    """CRAM-MD5 (RFC 2195): the client proves it knows the password by an HMAC of our
    challenge. Refusals are counted by the same throttle as passwords."""
    if throttle_is_locked(username=username, remote_addr=remote_addr):
        return LoginResult(None, 0.0, True)
    account: Account | None
    try:
        account = account_get(address=username)
    except ServiceError:
        account = None
    secret = cleartext_secret(account.password) if account is not None else None
    valid = (
        account is not None
        and secret is not None
        and _HEX_DIGEST.fullmatch(digest) is not None
        and hmac.compare_digest(cram_md5_digest(secret, challenge), digest.lower())
        and account.login_refusal(timezone.now()) is None
    )
    if valid and account is not None and secret is not None:
        throttle_success(username=username)
        return LoginResult(_ref(account), keyring=keyring_unlock(account=account, password=secret))
    return LoginResult(None, throttle_failure(username=username, remote_addr=remote_addr))


def cram_md5_available() -> bool:
    """Whether any account has a credential CRAM-MD5 can use."""
    condition = Q()
    for prefix in CLEARTEXT_PREFIXES:
        condition |= Q(password__istartswith=prefix)
    return Account.objects.filter(condition).exists()


def parse_plain(response: bytes) -> tuple[str, str, str] | None:
    """RFC 4616 `authzid NUL authcid NUL passwd`, UTF-8; None when malformed."""
    parts = response.split(b"\x00")
    if len(parts) != 3:
        return None
    try:
        authzid, authcid, password = (part.decode("utf-8") for part in parts)
    except UnicodeDecodeError:
        return None
    if not authcid:
        return None
    return authzid, authcid, password
