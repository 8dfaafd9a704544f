"""Verify-only schemes that compare a plain or salted digest: PLAIN, SHA*, SSHA*, MD5 digests.

Each check takes the password and the decoded raw bytes of the stored string and compares in
constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable

_TRUNC_LENGTH = re.compile(rb"([0-9]{1,9})-")


def verify_plain(password: bytes, raw: bytes) -> bool:
    return hmac.compare_digest(password, raw)


def verify_plain_trunc(password: bytes, raw: bytes) -> bool:
    """`{PLAIN-TRUNC}N-text`: text is the password cut to N bytes when it is exactly N long.

    A stored text shorter or longer than N was not truncated and must match the whole password,
    which is how Dovecot decides it.
    """
    match = _TRUNC_LENGTH.match(raw)
    if match is None:
        return False
    length = int(match[1])
    text = raw[match.end() :]
    candidate = password[:length] if len(text) == length else password
    return hmac.compare_digest(candidate, text)


def digest_verifier(name: str) -> Callable[[bytes, bytes], bool]:
    """A check of `raw == H(password)` for the hashlib algorithm `name`."""

    def verify(password: bytes, raw: bytes) -> bool:
        return hmac.compare_digest(hashlib.new(name, password).digest(), raw)

    return verify


def salted_digest_verifier(name: str) -> Callable[[bytes, bytes], bool]:
    """A check of `raw == H(password + salt) + salt`, the LDAP-style salted digest."""
    size = hashlib.new(name).digest_size

    def verify(password: bytes, raw: bytes) -> bool:
        if len(raw) <= size:
            return False
        expected, salt = raw[:size], raw[size:]
        return hmac.compare_digest(hashlib.new(name, password + salt).digest(), expected)

    return verify
