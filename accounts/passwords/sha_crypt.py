"""SHA-256-crypt and SHA-512-crypt (`$5$`, `$6$`), from Ulrich Drepper's public specification
"Unix crypt using SHA-256 and SHA-512" (the algorithm glibc and libxcrypt implement).

`sha_crypt(password, setting)` behaves like crypt(3): it returns the full string for the
setting's salt and rounds, so a stored string verifies when `sha_crypt(pw, stored) == stored`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from accounts.passwords.crypt_alphabet import encode_permuted, random_salt

DEFAULT_ROUNDS: Final = 5000
MIN_ROUNDS: Final = 1000
MAX_ROUNDS: Final = 999_999_999
# The specification allows up to MAX_ROUNDS, which would keep this pure-Python code busy for
# hours; no real installation goes near this limit (passlib's defaults are about 600,000).
MAX_VERIFY_ROUNDS: Final = 2_000_000
SALT_MAX: Final = 16


@dataclass(frozen=True)
class _Variant:
    digest: Callable[[bytes], hashlib._Hash]
    size: int
    groups: tuple[tuple[int, ...], ...]


# The byte orders of the specification's final encoding step.
_SHA256_ORDER: Final = (
    (0, 10, 20), (21, 1, 11), (12, 22, 2), (3, 13, 23), (24, 4, 14),
    (15, 25, 5), (6, 16, 26), (27, 7, 17), (18, 28, 8), (9, 19, 29),
    (31, 30),
)  # fmt: skip
_SHA512_ORDER: Final = (
    (0, 21, 42), (22, 43, 1), (44, 2, 23), (3, 24, 45), (25, 46, 4),
    (47, 5, 26), (6, 27, 48), (28, 49, 7), (50, 8, 29), (9, 30, 51),
    (31, 52, 10), (53, 11, 32), (12, 33, 54), (34, 55, 13), (56, 14, 35),
    (15, 36, 57), (37, 58, 16), (59, 17, 38), (18, 39, 60), (40, 61, 19),
    (62, 20, 41), (63,),
)  # fmt: skip
_VARIANTS: Final = {
    "5": _Variant(hashlib.sha256, 32, _SHA256_ORDER),
    "6": _Variant(hashlib.sha512, 64, _SHA512_ORDER),
}

_SETTING = re.compile(r"\$(?P<id>[56])\$(?:rounds=(?P<rounds>[0-9]{1,10})\$)?(?P<salt>[^$]*)")


@dataclass(frozen=True)
class Setting:
    variant: str
    rounds: int
    custom_rounds: bool
    salt: str


def parse_setting(setting: str) -> Setting | None:
    """The variant, rounds and salt of a `$5$`/`$6$` string (or bare setting); None if not one."""
    match = _SETTING.match(setting)
    if match is None or not setting.isascii():
        return None
    rounds_text = match["rounds"]
    rounds = DEFAULT_ROUNDS if rounds_text is None else int(rounds_text)
    return Setting(
        variant=match["id"],
        rounds=min(max(rounds, MIN_ROUNDS), MAX_ROUNDS),
        custom_rounds=rounds_text is not None,
        salt=match["salt"][:SALT_MAX],
    )


def _repeat(block: bytes, length: int) -> bytes:
    return (block * (length // len(block) + 1))[:length]


def _digest(variant: _Variant, password: bytes, salt: bytes, rounds: int) -> bytes:
    h = variant.digest
    size = variant.size
    length = len(password)
    alternate = h(password + salt + password).digest()
    tail = bytearray(_repeat(alternate, length))
    bits = length
    while bits:
        tail += alternate if bits & 1 else password
        bits >>= 1
    current = h(password + salt + bytes(tail)).digest()
    p_bytes = _repeat(h(password * length).digest(), length)
    s_bytes = _repeat(h(salt * (16 + current[0])).digest(), len(salt))
    for i in range(rounds):
        ctx = h(p_bytes if i & 1 else current)
        if i % 3:
            ctx.update(s_bytes)
        if i % 7:
            ctx.update(p_bytes)
        ctx.update(current if i & 1 else p_bytes)
        current = ctx.digest()
    assert len(current) == size
    return current


def sha_crypt(password: bytes, setting: str) -> str | None:
    """crypt(3) of `password` for a `$5$`/`$6$` setting; None for another or excessive one."""
    parsed = parse_setting(setting)
    if parsed is None or parsed.rounds > MAX_VERIFY_ROUNDS:
        return None
    variant = _VARIANTS[parsed.variant]
    digest = _digest(variant, password, parsed.salt.encode("ascii"), parsed.rounds)
    prefix = f"${parsed.variant}$"
    if parsed.custom_rounds:
        prefix += f"rounds={parsed.rounds}$"
    return f"{prefix}{parsed.salt}${encode_permuted(digest, variant.groups)}"


def sha_crypt_generate(password: bytes, *, variant: str, rounds: int = DEFAULT_ROUNDS) -> str:
    """A new string with a random 16-character salt; `rounds=` is written only when not 5000."""
    rounds_part = "" if rounds == DEFAULT_ROUNDS else f"rounds={rounds}$"
    result = sha_crypt(password, f"${variant}${rounds_part}{random_salt(SALT_MAX)}$")
    if result is None:
        raise ValueError(f"Cannot generate SHA-crypt ${variant}$ with {rounds} rounds.")
    return result
