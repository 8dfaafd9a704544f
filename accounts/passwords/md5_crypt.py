"""MD5-crypt (`$1$`), Poul-Henning Kamp's FreeBSD algorithm, as crypt(3) computes it.

Verify only: it is weak (1000 MD5 rounds) and Dovecot keeps it for old installations.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

from accounts.passwords.crypt_alphabet import encode_permuted

MAGIC: Final = "$1$"
SALT_MAX: Final = 8
_GROUPS: Final = ((0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5), (11,))
_SETTING = re.compile(r"\$1\$(?P<salt>[^$]{0,8})")


def md5_crypt(password: bytes, setting: str) -> str | None:
    """crypt(3) of `password` for a `$1$` setting; None when `setting` is not one."""
    match = _SETTING.match(setting)
    if match is None or not setting.isascii():
        return None
    salt = match["salt"].encode("ascii")
    final = hashlib.md5(password + salt + password).digest()  # noqa: S324 (the algorithm)
    ctx = hashlib.md5(password + MAGIC.encode() + salt)  # noqa: S324
    remaining = len(password)
    while remaining > 0:
        ctx.update(final[: min(16, remaining)])
        remaining -= 16
    bits = len(password)
    while bits:
        ctx.update(b"\0" if bits & 1 else password[:1])
        bits >>= 1
    final = ctx.digest()
    for i in range(1000):
        ctx = hashlib.md5(password if i & 1 else final)  # noqa: S324
        if i % 3:
            ctx.update(salt)
        if i % 7:
            ctx.update(password)
        ctx.update(final if i & 1 else password)
        final = ctx.digest()
    return f"{MAGIC}{match['salt']}${encode_permuted(final, _GROUPS)}"
