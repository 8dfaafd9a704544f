"""Traditional crypt(3) (13 characters: 2 of salt, 11 of DES output), verify only.

The Seventh Edition Unix algorithm: the first 8 bytes of the password (7 bits each) are the DES
key; a 12-bit salt swaps pairs of bits of the expansion E; a zero block is encrypted 25 times.
DES and its tables are those of FIPS 46-3. Bit positions in the tables are 1-based from the
most significant bit, as the standard writes them.
"""

from __future__ import annotations

import re
from typing import Final

from accounts.passwords.crypt_alphabet import ALPHABET, INDEX

_IP: Final = (
    58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4,
    62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8,
    57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3,
    61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7,
)  # fmt: skip
_FP: Final = tuple(_IP.index(position) + 1 for position in range(1, 65))
# E: eight overlapping 6-bit windows of R, starting one bit before each 4-bit nibble.
_E: Final = tuple((4 * box + offset - 1) % 32 + 1 for box in range(8) for offset in range(6))
_P: Final = (
    16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10,
    2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
)  # fmt: skip
_PC1: Final = (
    57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18,
    10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36,
    63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22,
    14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4,
)  # fmt: skip
_PC2: Final = (
    14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4,
    26, 8, 16, 7, 27, 20, 13, 2, 41, 52, 31, 37, 47, 55, 30, 40,
    51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32,
)  # fmt: skip
_SHIFTS: Final = (1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1)
_SBOXES: Final = (
    (
        14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7,
        0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
        4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0,
        15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13,
    ),
    (
        15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10,
        3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
        0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15,
        13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9,
    ),
    (
        10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8,
        13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
        13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7,
        1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12,
    ),
    (
        7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15,
        13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
        10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4,
        3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14,
    ),
    (
        2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9,
        14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
        4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14,
        11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3,
    ),
    (
        12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11,
        10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
        9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6,
        4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13,
    ),
    (
        4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1,
        13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
        1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2,
        6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12,
    ),
    (
        13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7,
        1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
        7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8,
        2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11,
    ),
)  # fmt: skip

_DES_CRYPT = re.compile(r"[./0-9A-Za-z]{13}")


def _permute(value: int, table: tuple[int, ...], width: int) -> int:
    out = 0
    for position in table:
        out = (out << 1) | ((value >> (width - position)) & 1)
    return out


def _subkeys(key: int) -> list[int]:
    permuted = _permute(key, _PC1, 64)
    left, right = permuted >> 28, permuted & 0xFFFFFFF
    keys = []
    for shift in _SHIFTS:
        left = ((left << shift) | (left >> (28 - shift))) & 0xFFFFFFF
        right = ((right << shift) | (right >> (28 - shift))) & 0xFFFFFFF
        keys.append(_permute((left << 28) | right, _PC2, 56))
    return keys


def _salted_expansion(salt: int) -> tuple[int, ...]:
    """E with entries k and k+24 exchanged for every set bit k of the 12-bit salt."""
    table = list(_E)
    for k in range(12):
        if salt >> k & 1:
            table[k], table[k + 24] = table[k + 24], table[k]
    return tuple(table)


def _feistel(half: int, subkey: int, expansion: tuple[int, ...]) -> int:
    mixed = _permute(half, expansion, 32) ^ subkey
    out = 0
    for box in range(8):
        six = (mixed >> (42 - 6 * box)) & 0x3F
        row = ((six >> 4) & 0b10) | (six & 1)
        out = (out << 4) | _SBOXES[box][row * 16 + ((six >> 1) & 0xF)]
    return _permute(out, _P, 32)


def des_encrypt_block(block: int, key: int, *, salt: int = 0, times: int = 1) -> int:
    """DES (salt 0) or crypt(3)'s salted variant of one 64-bit block, chained `times` times."""
    subkeys = _subkeys(key)
    expansion = _salted_expansion(salt)
    for _ in range(times):
        permuted = _permute(block, _IP, 64)
        left, right = permuted >> 32, permuted & 0xFFFFFFFF
        for subkey in subkeys:
            left, right = right, left ^ _feistel(right, subkey, expansion)
        block = _permute((right << 32) | left, _FP, 64)
    return block


def des_crypt(password: bytes, setting: str) -> str | None:
    """crypt(3) of `password` for a 13-character traditional string; None if not one."""
    if _DES_CRYPT.fullmatch(setting) is None:
        return None
    salt = INDEX[setting[0]] | INDEX[setting[1]] << 6
    key = 0
    # A C string ends at NUL; each byte's low seven bits fill a key byte, parity bit left 0.
    for byte in password.split(b"\0", 1)[0][:8].ljust(8, b"\0"):
        key = (key << 8) | ((byte << 1) & 0xFF)
    result = des_encrypt_block(0, key, salt=salt, times=25) << 2  # 66 bits: 11 characters
    chars = [ALPHABET[(result >> (60 - 6 * i)) & 0x3F] for i in range(11)]
    return setting[:2] + "".join(chars)
