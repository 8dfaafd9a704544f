"""Message flags as integers: system flags in a small bitmask, keywords in a per-account one.

A keyword's bit position is its index in the account's registry (`AccountStore.keywords`), the
same in every mailbox of the account, so COPY and MOVE carry the bits over unchanged and
`STORE 1:* +FLAGS ($Label)` is a single `keywords = keywords | mask` UPDATE. Bit 63 is never
used, so the column stays a non-negative 64-bit integer on every database.

Flag names are case-insensitive (RFC 3501 2.3.2); a keyword keeps the spelling it was first
registered with.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from mailplatform.errors import LimitExceeded, ValidationFailed

SEEN: Final = 1
ANSWERED: Final = 2
FLAGGED: Final = 4
DELETED: Final = 8
DRAFT: Final = 16

SYSTEM_FLAGS: Final[dict[str, int]] = {
    "\\Seen": SEEN,
    "\\Answered": ANSWERED,
    "\\Flagged": FLAGGED,
    "\\Deleted": DELETED,
    "\\Draft": DRAFT,
}
ALL_SYSTEM_FLAGS: Final = SEEN | ANSWERED | FLAGGED | DELETED | DRAFT
_SYSTEM_BY_FOLDED: Final = {name.casefold(): bit for name, bit in SYSTEM_FLAGS.items()}
# \Recent belongs to a session, not to the message: the store ignores it (RFC 3501 2.3.2).
RECENT: Final = "\\Recent"

MAX_KEYWORDS: Final = 63
MAX_KEYWORD_LENGTH: Final = 100
ALL_KEYWORD_BITS: Final = (1 << MAX_KEYWORDS) - 1
# RFC 3501 atom-specials (plus ']' which flag-keyword atoms exclude via resp-specials).
_ATOM_SPECIALS: Final = frozenset('(){ %*"\\]')


@dataclass(frozen=True)
class ParsedFlags:
    system: int
    keywords: tuple[str, ...]


def parse_flags(names: Iterable[str]) -> ParsedFlags:
    """Split flag names into the system bitmask and keyword names; refuse malformed ones."""
    system = 0
    keywords: dict[str, str] = {}
    for name in names:
        if name.startswith("\\"):
            if name.casefold() == RECENT.casefold():
                continue
            bit = _SYSTEM_BY_FOLDED.get(name.casefold())
            if bit is None:
                raise ValidationFailed(f"Unknown system flag {name}.", code="CANNOT")
            system |= bit
            continue
        _validate_keyword(name)
        keywords.setdefault(name.casefold(), name)
    return ParsedFlags(system=system, keywords=tuple(keywords.values()))


def _validate_keyword(name: str) -> None:
    if (
        not name
        or len(name) > MAX_KEYWORD_LENGTH
        or any(ord(c) <= 0x20 or ord(c) >= 0x7F or c in _ATOM_SPECIALS for c in name)
    ):
        raise ValidationFailed(f"Invalid keyword {name!r}.", code="CANNOT")


def keyword_mask(registry: Sequence[str], names: Iterable[str]) -> int:
    """The bits of the registered keywords among `names` (unknown names have no bit)."""
    positions = {kw.casefold(): i for i, kw in enumerate(registry)}
    mask = 0
    for name in names:
        position = positions.get(name.casefold())
        if position is not None:
            mask |= 1 << position
    return mask


def keywords_register(registry: Sequence[str], names: Iterable[str]) -> list[str]:
    """The registry with `names` added; refuses to grow past MAX_KEYWORDS."""
    result = list(registry)
    known = {kw.casefold() for kw in result}
    for name in names:
        if name.casefold() not in known:
            known.add(name.casefold())
            result.append(name)
    if len(result) > MAX_KEYWORDS:
        raise LimitExceeded(
            f"An account may use at most {MAX_KEYWORDS} different keywords.", code="LIMIT"
        )
    return result


class FlagNames:
    """Renders (flags, keywords) integers as flag names, memoized: mailboxes reuse few sets."""

    def __init__(self, registry: Sequence[str]) -> None:
        self.registry = tuple(registry)
        self._cache: dict[tuple[int, int], tuple[str, ...]] = {}

    def __call__(self, flags: int, keywords: int) -> tuple[str, ...]:
        key = (flags, keywords)
        names = self._cache.get(key)
        if names is None:
            names = tuple(name for name, bit in SYSTEM_FLAGS.items() if flags & bit) + tuple(
                kw for i, kw in enumerate(self.registry) if keywords >> i & 1
            )
            self._cache[key] = names
        return names
