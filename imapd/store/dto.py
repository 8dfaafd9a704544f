"""Plain immutable data the store hands to the IMAP server and the listeners.

Nothing here touches the ORM, so these values can cross from the thread pool to the event loop.
Per-message rows are NamedTuples (cheap to build by the hundred thousand); the per-mailbox
message index is columnar (`array`), a few bytes per message for a session's whole life.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, NamedTuple

MAX_UID: Final = 2**32 - 1


@dataclass(frozen=True)
class UidSet:
    """UIDs as sorted, disjoint, inclusive ranges; `UidSet.all()` is the whole UID space."""

    ranges: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, uids: Iterable[int]) -> UidSet:
        ranges: list[tuple[int, int]] = []
        for uid in sorted(set(uids)):
            if ranges and uid == ranges[-1][1] + 1:
                ranges[-1] = (ranges[-1][0], uid)
            else:
                ranges.append((uid, uid))
        return cls(tuple(ranges))

    @classmethod
    def span(cls, first: int, last: int) -> UidSet:
        low, high = sorted((first, last))
        return cls(((max(low, 1), min(high, MAX_UID)),))

    @classmethod
    def all(cls) -> UidSet:
        return cls(((1, MAX_UID),))

    def __contains__(self, uid: object) -> bool:
        if not isinstance(uid, int):
            return False
        i = bisect.bisect_right(self.ranges, (uid, MAX_UID + 1)) - 1
        return i >= 0 and self.ranges[i][0] <= uid <= self.ranges[i][1]

    def __bool__(self) -> bool:
        return bool(self.ranges)


class FlagRow(NamedTuple):
    uid: int
    flags: int
    keywords: int
    modseq: int


@dataclass(frozen=True)
class MessageIndex:
    """UID, flags and modseq of every message of a mailbox, in UID order."""

    uids: array[int] = field(default_factory=lambda: array("Q"))
    flags: array[int] = field(default_factory=lambda: array("H"))
    keywords: array[int] = field(default_factory=lambda: array("q"))
    modseqs: array[int] = field(default_factory=lambda: array("Q"))

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, int, int, int]]) -> MessageIndex:
        index = cls()
        for uid, flags, keywords, modseq in rows:
            index.uids.append(uid)
            index.flags.append(flags)
            index.keywords.append(keywords)
            index.modseqs.append(modseq)
        return index

    def __len__(self) -> int:
        return len(self.uids)

    def __iter__(self) -> Iterator[FlagRow]:
        return map(FlagRow, self.uids, self.flags, self.keywords, self.modseqs)

    def sequence_of(self, uid: int) -> int | None:
        """The 1-based message sequence number of `uid`, or None when absent."""
        i = bisect.bisect_left(self.uids, uid)
        return i + 1 if i < len(self.uids) and self.uids[i] == uid else None


@dataclass(frozen=True)
class MailboxStatus:
    """A mailbox's counters (RFC 3501 STATUS, RFC 7162 HIGHESTMODSEQ, RFC 8474 MAILBOXID)."""

    id: int
    account_id: int
    name: str
    object_id: str
    special_use: str
    noselect: bool
    uidvalidity: int
    uidnext: int
    highest_modseq: int
    first_recent_uid: int
    messages: int
    unseen: int
    recent: int
    deleted: int
    size: int


@dataclass(frozen=True)
class MailboxSnapshot:
    """What SELECT needs: the counters, the message index and the keyword names."""

    status: MailboxStatus
    index: MessageIndex
    keyword_names: tuple[str, ...]


@dataclass(frozen=True)
class MailboxEntry:
    """One LIST line."""

    id: int
    name: str
    object_id: str
    special_use: str
    noselect: bool
    has_children: bool
    subscribed: bool


class FetchRow(NamedTuple):
    """Per-message data for FETCH.

    `internal_date` is in Unix seconds (`internal_datetime` converts). `envelope` and
    `structure` are JSON texts (the envelope tree; {"body", "bodystructure"}) when asked for,
    else None: the server decodes, or transcribes, only what it sends.
    """

    uid: int
    flags: int
    keywords: int
    modseq: int
    internal_date: int
    size: int
    email_id: str
    thread_id: str
    blob_key: str
    envelope: str | None
    structure: str | None
    # Encryption at rest (imapd.crypto): the key pair and wrapped key of an encrypted content,
    # None for one in clear. The bytes are read with `selectors.message_bytes_of(row, ...)`.
    key_pair_id: int | None = None
    sealed_key: bytes | None = None


def internal_datetime(seconds: int) -> datetime:
    """An INTERNALDATE as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class AppendItem:
    """One message to append: its bytes, flag names and internal date (None: now)."""

    raw: bytes
    flags: Sequence[str] = ()
    internal_date: datetime | None = None


@dataclass(frozen=True)
class AppendResult:
    """RFC 4315 APPENDUID data."""

    uidvalidity: int
    uids: tuple[int, ...]


@dataclass(frozen=True)
class CopyResult:
    """RFC 4315 COPYUID data: source UIDs and the destination UIDs, pairwise."""

    uidvalidity: int
    source_uids: tuple[int, ...]
    dest_uids: tuple[int, ...]


@dataclass(frozen=True)
class StoreResult:
    """Rows whose flags changed (new flags and modseq), and UIDs refused by UNCHANGEDSINCE."""

    modseq: int
    changed: tuple[FlagRow, ...]
    modified: tuple[int, ...]


@dataclass(frozen=True)
class QuotaResource:
    """RFC 9208: STORAGE in units of 1024 octets, MESSAGE in messages; limit None = none."""

    name: str
    usage: int
    limit: int | None


@dataclass(frozen=True)
class QuotaRoot:
    name: str
    resources: tuple[QuotaResource, ...]
