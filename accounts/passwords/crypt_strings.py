"""The crypt(3) family: {BLF-CRYPT}, {SHA512-CRYPT}, {SHA256-CRYPT}, {MD5-CRYPT}, {CRYPT}.

A string verifies when crypt(password, stored) reproduces it. {CRYPT} (and its alias
{DES-CRYPT}) is whatever the system's crypt(3) accepts; here that is traditional DES, `$1$`,
`$5$`, `$6$` and bcrypt's `$2a$`/`$2b$`/`$2y$`, but not yescrypt (`$y$`) or other libxcrypt
formats. Like Dovecot, which hands them to crypt(3), {SHA512-CRYPT} and {SHA256-CRYPT} accept
any of these too (`needs_rehash` then replaces a string that is not what its name says);
{BLF-CRYPT} and {MD5-CRYPT} accept only their own format.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from typing import Final

import bcrypt

from accounts.passwords.des_crypt import des_crypt
from accounts.passwords.md5_crypt import md5_crypt
from accounts.passwords.sha_crypt import parse_setting, sha_crypt, sha_crypt_generate

# bcrypt reads at most 72 bytes of password; Dovecot truncates silently, the bcrypt package
# refuses longer input, so truncate here to agree with Dovecot.
BCRYPT_MAX_BYTES: Final = 72
# Dovecot writes cost 5 by default, far too cheap today; 12 is the bcrypt package's default.
BCRYPT_COST: Final = 12
# Each step doubles the work; past 16 one check would block a login thread for many seconds.
BCRYPT_MAX_VERIFY_COST: Final = 16
SHA_CRYPT_ROUNDS: Final = 5000
_BCRYPT = re.compile(r"\$2[aby]\$(?P<cost>[0-9]{2})\$[./A-Za-z0-9]{53}")


def _matches(computed: str | None, stored: str) -> bool:
    return computed is not None and hmac.compare_digest(computed.encode(), stored.encode())


def bcrypt_crypt(password: bytes, stored: str) -> str | None:
    cost = bcrypt_cost(stored)
    if cost is None or cost > BCRYPT_MAX_VERIFY_COST:
        return None
    try:
        computed = bcrypt.hashpw(password[:BCRYPT_MAX_BYTES], stored.encode("ascii"))
    except ValueError:
        return None
    return computed.decode("ascii")


def bcrypt_generate(password: bytes, *, cost: int = BCRYPT_COST) -> str:
    salt = bcrypt.gensalt(rounds=cost, prefix=b"2b")
    # $2y$ and $2b$ are the same algorithm; Dovecot writes $2y$.
    return "$2y$" + bcrypt.hashpw(password[:BCRYPT_MAX_BYTES], salt).decode("ascii")[4:]


def bcrypt_cost(encoded: str) -> int | None:
    match = _BCRYPT.fullmatch(encoded)
    return int(match["cost"]) if match else None


def crypt_verifier(*crypts: Callable[[bytes, str], str | None]) -> Callable[[bytes, bytes], bool]:
    """A check that some of `crypts` reproduces the stored string."""

    def verify(password: bytes, raw: bytes) -> bool:
        try:
            stored = raw.decode("ascii")
        except UnicodeDecodeError:
            return False
        return any(_matches(crypt(password, stored), stored) for crypt in crypts)

    return verify


any_crypt = crypt_verifier(des_crypt, md5_crypt, sha_crypt, bcrypt_crypt)


def sha_crypt_generator(variant: str) -> Callable[[bytes], str]:
    def generate(password: bytes) -> str:
        return sha_crypt_generate(password, variant=variant, rounds=SHA_CRYPT_ROUNDS)

    return generate


def sha_crypt_is_weaker(encoded: str, *, variant: str) -> bool:
    setting = parse_setting(encoded)
    return setting is None or setting.variant != variant or setting.rounds < SHA_CRYPT_ROUNDS


def bcrypt_is_weaker(encoded: str) -> bool:
    cost = bcrypt_cost(encoded)
    return cost is None or cost < BCRYPT_COST
