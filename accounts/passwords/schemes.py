"""The registry of Dovecot password schemes and the public functions built on it.

A stored string is `{SCHEME}encoded`, optionally `{SCHEME.B64}`/`{SCHEME.HEX}` to override how
`encoded` is written. Scheme names are case-insensitive. `SCHEMES` lists the schemes this
module can generate (it must equal settings.PASSWORD_SCHEMES, which a test checks); the others
are verify-only, for passwords imported from existing Dovecot installations.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from argon2 import Type
from django.conf import settings

from accounts.passwords.argon2_strings import argon2_generate, argon2_is_weaker, argon2_verify
from accounts.passwords.crypt_strings import (
    any_crypt,
    bcrypt_crypt,
    bcrypt_generate,
    bcrypt_is_weaker,
    crypt_verifier,
    sha_crypt_generator,
    sha_crypt_is_weaker,
)
from accounts.passwords.digests import (
    digest_verifier,
    salted_digest_verifier,
    verify_plain,
    verify_plain_trunc,
)
from accounts.passwords.dovecot_pbkdf2 import pbkdf2_generate, pbkdf2_is_weaker, pbkdf2_verify
from accounts.passwords.md5_crypt import md5_crypt
from accounts.passwords.stored_encoding import (
    Encoding,
    decode,
    decode_fixed_size,
    split_suffix,
)


class UnknownScheme(ValueError):
    """The string has no `{SCHEME}` prefix, or the scheme cannot be generated."""


@dataclass(frozen=True)
class _Scheme:
    # (password bytes, raw stored bytes after decoding) -> whether they match
    verify: Callable[[bytes, bytes], bool]
    encoding: Encoding = Encoding.NONE
    # A fixed raw length lets an unsuffixed string be read as hex or base64, as Dovecot does.
    raw_size: int | None = None
    generate: Callable[[bytes], str] | None = None
    # Whether a stored string of this scheme costs less than a newly generated one.
    is_weaker: Callable[[str], bool] | None = None


_REGISTRY: Final[dict[str, _Scheme]] = {
    # Generatable, in the order of settings.PASSWORD_SCHEMES.
    "ARGON2ID": _Scheme(
        verify=argon2_verify,
        generate=functools.partial(argon2_generate, kind=Type.ID),
        is_weaker=functools.partial(argon2_is_weaker, kind=Type.ID),
    ),
    "ARGON2I": _Scheme(
        verify=argon2_verify,
        generate=functools.partial(argon2_generate, kind=Type.I),
        is_weaker=functools.partial(argon2_is_weaker, kind=Type.I),
    ),
    "BLF-CRYPT": _Scheme(
        verify=crypt_verifier(bcrypt_crypt), generate=bcrypt_generate, is_weaker=bcrypt_is_weaker
    ),
    "SHA512-CRYPT": _Scheme(
        verify=any_crypt,
        generate=sha_crypt_generator("6"),
        is_weaker=functools.partial(sha_crypt_is_weaker, variant="6"),
    ),
    "SHA256-CRYPT": _Scheme(
        verify=any_crypt,
        generate=sha_crypt_generator("5"),
        is_weaker=functools.partial(sha_crypt_is_weaker, variant="5"),
    ),
    "PBKDF2": _Scheme(verify=pbkdf2_verify, generate=pbkdf2_generate, is_weaker=pbkdf2_is_weaker),
    # Verify only.
    "CRYPT": _Scheme(verify=any_crypt),
    "MD5-CRYPT": _Scheme(verify=crypt_verifier(md5_crypt)),
    "PLAIN": _Scheme(verify=verify_plain),
    "PLAIN-TRUNC": _Scheme(verify=verify_plain_trunc),
    "SHA1": _Scheme(verify=digest_verifier("sha1"), encoding=Encoding.BASE64, raw_size=20),
    "SHA256": _Scheme(verify=digest_verifier("sha256"), encoding=Encoding.BASE64, raw_size=32),
    "SHA512": _Scheme(verify=digest_verifier("sha512"), encoding=Encoding.BASE64, raw_size=64),
    "SSHA": _Scheme(verify=salted_digest_verifier("sha1"), encoding=Encoding.BASE64),
    "SSHA256": _Scheme(verify=salted_digest_verifier("sha256"), encoding=Encoding.BASE64),
    "SSHA512": _Scheme(verify=salted_digest_verifier("sha512"), encoding=Encoding.BASE64),
    "PLAIN-MD5": _Scheme(verify=digest_verifier("md5"), encoding=Encoding.HEX, raw_size=16),
    "LDAP-MD5": _Scheme(verify=digest_verifier("md5"), encoding=Encoding.BASE64, raw_size=16),
    "SMD5": _Scheme(verify=salted_digest_verifier("md5"), encoding=Encoding.BASE64),
}
# Other names Dovecot accepts for the same schemes ({MD5} is MD5-crypt there, for history).
_ALIASES: Final = {
    "CLEAR": "PLAIN",
    "CLEARTEXT": "PLAIN",
    "SHA": "SHA1",
    "MD5": "MD5-CRYPT",
    "DES-CRYPT": "CRYPT",
}

SCHEMES: Final[tuple[str, ...]] = tuple(
    name for name, scheme in _REGISTRY.items() if scheme.generate is not None
)

_PREFIX = re.compile(r"\{(?P<name>[A-Za-z0-9._-]{1,40})\}")


@dataclass(frozen=True)
class _Parsed:
    name: str  # canonical: upper case, alias resolved, suffix removed
    suffix: Encoding | None
    encoded: str


def _parse(stored: str) -> _Parsed:
    match = _PREFIX.match(stored) if isinstance(stored, str) else None
    if match is None:
        raise UnknownScheme("The password string has no {SCHEME} prefix.")
    name, suffix = split_suffix(match["name"].upper())
    return _Parsed(_ALIASES.get(name, name), suffix, stored[match.end() :])


def scheme_of(stored: str) -> str:
    """The canonical scheme name of `stored` (`{cleartext}x` -> `PLAIN`); it may be unknown."""
    return _parse(stored).name


def hash_password(password: str, scheme: str | None = None) -> str:
    """A new `{SCHEME}` string for `password`; `scheme` defaults to settings.PASSWORD_SCHEME."""
    name = (scheme or settings.PASSWORD_SCHEME).upper()
    entry = _REGISTRY.get(name)
    if entry is None or entry.generate is None:
        raise UnknownScheme(
            f"Cannot generate passwords in scheme {name!r}; choose one of {', '.join(SCHEMES)}."
        )
    return "{" + name + "}" + entry.generate(password.encode("utf-8"))


def _raw(entry: _Scheme, parsed: _Parsed) -> bytes | None:
    if parsed.suffix is not None:
        return decode(parsed.encoded, parsed.suffix)
    if entry.raw_size is not None:
        return decode_fixed_size(parsed.encoded, entry.raw_size)
    return decode(parsed.encoded, entry.encoding)


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` matches `stored`; False (never an exception) for anything malformed."""
    if not isinstance(password, str) or not isinstance(stored, str):
        return False
    try:
        parsed = _parse(stored)
        entry = _REGISTRY.get(parsed.name)
        if entry is None:
            return False
        raw = _raw(entry, parsed)
        return raw is not None and entry.verify(password.encode("utf-8"), raw)
    except ValueError:  # also UnknownScheme, UnicodeError, binascii.Error
        return False


def needs_rehash(stored: str) -> bool:
    """True unless `stored` is in settings.PASSWORD_SCHEME, as written, at today's cost."""
    try:
        parsed = _parse(stored)
    except UnknownScheme:
        return True
    if parsed.name != settings.PASSWORD_SCHEME.upper() or parsed.suffix is not None:
        return True
    entry = _REGISTRY.get(parsed.name)
    if entry is None or entry.is_weaker is None:
        return True
    return entry.is_weaker(parsed.encoded)
