"""Dovecot's own {PBKDF2} format: `$1$<salt>$<rounds>$<hex digest>`.

PBKDF2-HMAC-SHA1 over the password, with the salt's characters themselves (not decoded) as the
salt and a 20-byte key written in lower-case hex. Confirmed against `doveadm pw -s PBKDF2`,
which writes a 16-character salt and 5000 rounds.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Final

from accounts.passwords.crypt_alphabet import random_salt

# Dovecot's default of 5000 rounds is far below current advice for PBKDF2-HMAC-SHA1; this
# raises the cost while keeping a login well under a second. Argon2id is the default scheme.
ROUNDS: Final = 200_000
MAX_VERIFY_ROUNDS: Final = 10_000_000
SALT_LENGTH: Final = 16
_KEY_LENGTH: Final = 20
_STRING = re.compile(r"\$1\$(?P<salt>[^$]+)\$(?P<rounds>[0-9]{1,9})\$(?P<hex>[0-9a-fA-F]{40})")


def _derive(password: bytes, salt: str, rounds: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha1", password, salt.encode("utf-8"), rounds, _KEY_LENGTH)


def pbkdf2_generate(password: bytes, *, rounds: int = ROUNDS) -> str:
    salt = random_salt(SALT_LENGTH)
    return f"$1${salt}${rounds}${_derive(password, salt, rounds).hex()}"


def pbkdf2_is_weaker(encoded: str) -> bool:
    match = _STRING.fullmatch(encoded)
    return match is None or int(match["rounds"]) < ROUNDS


def pbkdf2_verify(password: bytes, raw: bytes) -> bool:
    match = _STRING.fullmatch(raw.decode("utf-8", "replace"))
    if match is None:
        return False
    rounds = int(match["rounds"])
    if not 1 <= rounds <= MAX_VERIFY_ROUNDS:
        return False
    expected = bytes.fromhex(match["hex"])
    return hmac.compare_digest(_derive(password, match["salt"], rounds), expected)
