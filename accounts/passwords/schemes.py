"""TEMPORARY minimal implementation (ARGON2ID only); the full set of schemes replaces it."""

from __future__ import annotations

import argon2
from django.conf import settings

SCHEMES: tuple[str, ...] = ("ARGON2ID",)
_hasher = argon2.PasswordHasher(time_cost=3, memory_cost=65536, parallelism=1)


class UnknownScheme(ValueError):
    pass


def scheme_of(stored: str) -> str:
    if not stored.startswith("{") or "}" not in stored:
        raise UnknownScheme("no {SCHEME} prefix")
    return stored[1 : stored.index("}")].upper()


def hash_password(password: str, scheme: str | None = None) -> str:
    scheme = (scheme or settings.PASSWORD_SCHEME).upper()
    if scheme != "ARGON2ID":
        raise UnknownScheme(scheme)
    return "{ARGON2ID}" + _hasher.hash(password)


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme = scheme_of(stored)
    except UnknownScheme:
        return False
    if scheme != "ARGON2ID":
        return False
    try:
        return _hasher.verify(stored[len("{ARGON2ID}") :], password)
    except argon2.exceptions.VerificationError:
        return False
    except argon2.exceptions.InvalidHashError:
        return False


def needs_rehash(stored: str) -> bool:
    try:
        return scheme_of(stored) != settings.PASSWORD_SCHEME
    except UnknownScheme:
        return True
