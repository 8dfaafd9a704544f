"""Dovecot-compatible password strings: `{SCHEME}encoded`.

The public interface (other modules import only these):
- `hash_password(password, scheme=None) -> str`: a new string in `scheme` (default: the
  PASSWORD_SCHEME setting);
- `verify_password(password, stored) -> bool`: constant-time check of any supported string;
- `needs_rehash(stored) -> bool`: True when `stored` is not in the configured default scheme,
  so a successful login can upgrade it.
"""

from __future__ import annotations

from accounts.passwords.schemes import (
    SCHEMES,
    UnknownScheme,
    hash_password,
    needs_rehash,
    scheme_of,
    verify_password,
)

__all__ = [
    "SCHEMES",
    "UnknownScheme",
    "hash_password",
    "needs_rehash",
    "scheme_of",
    "verify_password",
]
