"""{ARGON2ID} and {ARGON2I}: PHC strings (`$argon2id$v=19$m=...,t=...,p=...$salt$hash`).

The parameters are those `doveadm pw` writes by default (Dovecot 2.3, libsodium's
"interactive" limits): one lane, a 16-byte salt and a 32-byte hash.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Final

from argon2 import Type, exceptions, extract_parameters, low_level


@dataclass(frozen=True)
class Cost:
    time_cost: int
    memory_kib: int
    parallelism: int = 1
    hash_len: int = 32
    salt_len: int = 16


COSTS: Final = {
    Type.ID: Cost(time_cost=3, memory_kib=65536),
    Type.I: Cost(time_cost=4, memory_kib=32768),
}
_PREFIX: Final = {Type.ID: "$argon2id$", Type.I: "$argon2i$"}


def argon2_generate(password: bytes, *, kind: Type) -> str:
    cost = COSTS[kind]
    return low_level.hash_secret(
        password,
        secrets.token_bytes(cost.salt_len),
        time_cost=cost.time_cost,
        memory_cost=cost.memory_kib,
        parallelism=cost.parallelism,
        hash_len=cost.hash_len,
        type=kind,
    ).decode("ascii")


def argon2_verify(password: bytes, raw: bytes) -> bool:
    """Check an argon2i or argon2id string, whichever {ARGON2I*} names it, as Dovecot does.

    A mismatched name is then rehashed: `argon2_is_weaker` refuses the other type.
    """
    kind = next((k for k, prefix in _PREFIX.items() if raw.startswith(prefix.encode())), None)
    if kind is None:
        return False
    try:
        return low_level.verify_secret(raw, password, kind)
    except (exceptions.VerificationError, exceptions.InvalidHashError, ValueError):
        return False


def argon2_is_weaker(encoded: str, *, kind: Type) -> bool:
    """True when `encoded` costs less than what `argon2_generate` would write now."""
    cost = COSTS[kind]
    try:
        params = extract_parameters(encoded)
    except exceptions.InvalidHashError:
        return True
    return (
        params.type is not kind
        or params.version < low_level.ARGON2_VERSION
        or params.time_cost < cost.time_cost
        or params.memory_cost < cost.memory_kib
        or params.hash_len < cost.hash_len
        or params.salt_len < cost.salt_len
    )
