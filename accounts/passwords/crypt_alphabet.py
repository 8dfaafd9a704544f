"""The 64-character alphabet of crypt(3) strings and its little-endian 24-bit packing.

MD5-crypt and SHA-crypt write their digests as groups of three bytes, each group read as a
24-bit number and written six bits at a time, least significant first.
"""

from __future__ import annotations

import secrets
from typing import Final

ALPHABET: Final = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
INDEX: Final = {char: value for value, char in enumerate(ALPHABET)}


def _encode_word(word: int, chars: int) -> str:
    out = []
    for _ in range(chars):
        out.append(ALPHABET[word & 0x3F])
        word >>= 6
    return "".join(out)


def encode_permuted(digest: bytes, groups: tuple[tuple[int, ...], ...]) -> str:
    """Encode `digest` in the byte order the algorithm prescribes.

    A group of three indexes is a full 24-bit word (4 characters); a shorter final group is
    right-aligned in a word padded with zero bytes and uses only as many characters as it needs.
    """
    out = []
    for group in groups:
        word = 0
        for index in group:
            word = (word << 8) | digest[index]
        out.append(_encode_word(word, len(group) + 1))
    return "".join(out)


def random_salt(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
