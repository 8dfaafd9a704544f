"""The SEARCH key tree (RFC 3501 6.4.4, with RFC 7162 MODSEQ, RFC 8474 EMAILID/THREADID and
RFC 5032 OLDER/YOUNGER).

The parser folds synonyms into a few node types so the session evaluates fewer cases:
ANSWERED/UNANSWERED and friends become `FlagKey`, KEYWORD/UNKEYWORD too, NEW becomes
RECENT AND UNSEEN, OLD becomes NOT RECENT, FROM/TO/CC/BCC/SUBJECT/HEADER become `HeaderKey`,
and several keys in a row (or in parentheses) become one `AndKey`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from imapd.imap.sequence import SequenceSet

DateOperator = Literal["before", "on", "since"]
SizeOperator = Literal["larger", "smaller"]


@dataclass(frozen=True, slots=True)
class SearchKey:
    """Base of every search key."""


@dataclass(frozen=True, slots=True)
class AllKey(SearchKey):
    """ALL: every message."""


@dataclass(frozen=True, slots=True)
class FlagKey(SearchKey):
    """A system flag (canonical spelling, e.g. `\\Seen`, `\\Recent`) or keyword set or not."""

    flag: str
    present: bool = True


@dataclass(frozen=True, slots=True)
class SequenceKey(SearchKey):
    """A sequence set of message numbers, or of UIDs (the UID key)."""

    sequence_set: SequenceSet
    uid: bool = False


@dataclass(frozen=True, slots=True)
class HeaderKey(SearchKey):
    """Substring of a header field; `field` is lower-case. An empty value means "has the field"."""

    field: str
    value: str


@dataclass(frozen=True, slots=True)
class TextKey(SearchKey):
    """BODY (`body_only`) or TEXT (header and body) substring."""

    value: str
    body_only: bool


@dataclass(frozen=True, slots=True)
class DateKey(SearchKey):
    """BEFORE/ON/SINCE on the internal date, or SENT* on the Date: header (`sent`)."""

    operator: DateOperator
    day: date
    sent: bool = False


@dataclass(frozen=True, slots=True)
class SizeKey(SearchKey):
    operator: SizeOperator
    size: int


@dataclass(frozen=True, slots=True)
class AgeKey(SearchKey):
    """RFC 5032: OLDER (`older`) or YOUNGER than `seconds` by internal date."""

    seconds: int
    older: bool


@dataclass(frozen=True, slots=True)
class ModSeqKey(SearchKey):
    """RFC 7162 MODSEQ: messages whose modseq is >= `modseq`.

    `entry` / `entry_type` carry the optional metadata item (e.g. "/flags/\\seen", "all"),
    which a server may ignore and use the message's modseq.
    """

    modseq: int
    entry: str | None = None
    entry_type: str | None = None


@dataclass(frozen=True, slots=True)
class ObjectIdKey(SearchKey):
    """RFC 8474 EMAILID / THREADID."""

    kind: Literal["emailid", "threadid"]
    object_id: str


@dataclass(frozen=True, slots=True)
class NotKey(SearchKey):
    key: SearchKey


@dataclass(frozen=True, slots=True)
class OrKey(SearchKey):
    left: SearchKey
    right: SearchKey


@dataclass(frozen=True, slots=True)
class AndKey(SearchKey):
    keys: tuple[SearchKey, ...]


ReturnOption = Literal["MIN", "MAX", "ALL", "COUNT", "SAVE"]
RETURN_OPTIONS: frozenset[str] = frozenset({"MIN", "MAX", "ALL", "COUNT", "SAVE"})
