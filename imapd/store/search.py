"""SEARCH over what the store keeps (RFC 3501 6.4.4): one query, UIDs out.

The IMAP session maps its parsed search keys onto these criteria. Keys that need a message's
bytes (BODY, TEXT, HEADER other than the stored ones) are not here: the session narrows with
a criterion first, then reads and tests the remaining candidates with `imapd.mime`. \\Recent
belongs to the session too, which turns it into a `UidIn`.

Text criteria match a casefolded substring of the stored header text, as RFC 3501 asks
("case-insensitive substring"); dates compare whole days, the internal date in UTC and the
Date: header in its own timezone.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce
from typing import Final, Literal

from django.db.models import F, Q
from django.db.models.lookups import Exact

from imapd.crypto.keyring import Keyring
from imapd.models import Message
from imapd.store.dto import UidSet
from imapd.store.flags import SYSTEM_FLAGS, keyword_mask, parse_flags
from imapd.store.queries import uid_filters
from imapd.store.selectors import keyword_names

TextField = Literal["subject", "from", "to", "cc", "bcc"]
DateOp = Literal["before", "on", "since"]
_SYSTEM_FOLDED: Final = frozenset(name.casefold() for name in SYSTEM_FLAGS)
_NOTHING: Final = Q(pk__in=[])
_TEXT_COLUMNS: Final[dict[str, str]] = {
    "subject": "content__subject_search",
    "from": "content__from_search",
    "to": "content__to_search",
    "cc": "content__cc_search",
    "bcc": "content__bcc_search",
}


class Criterion:
    """Base of the search criteria."""


@dataclass(frozen=True)
class All(Criterion):
    pass


@dataclass(frozen=True)
class UidIn(Criterion):
    uids: UidSet


@dataclass(frozen=True)
class HasFlag(Criterion):
    """A system flag (`\\Seen`...) or keyword set (or, with present=False, not set)."""

    flag: str
    present: bool = True


@dataclass(frozen=True)
class Text(Criterion):
    field: TextField
    needle: str


@dataclass(frozen=True)
class Size(Criterion):
    """LARGER (larger=True) or SMALLER than `octets`."""

    octets: int
    larger: bool


@dataclass(frozen=True)
class InternalDate(Criterion):
    op: DateOp
    day: date


@dataclass(frozen=True)
class SentDate(Criterion):
    op: DateOp
    day: date


@dataclass(frozen=True)
class ModSeqAtLeast(Criterion):
    """RFC 7162 MODSEQ."""

    modseq: int


@dataclass(frozen=True)
class EmailId(Criterion):
    """RFC 8474 EMAILID."""

    value: str


@dataclass(frozen=True)
class ThreadId(Criterion):
    """RFC 8474 THREADID."""

    value: str


@dataclass(frozen=True)
class And(Criterion):
    parts: tuple[Criterion, ...]


@dataclass(frozen=True)
class Or(Criterion):
    parts: tuple[Criterion, ...]


@dataclass(frozen=True)
class Not(Criterion):
    part: Criterion


def messages_search(
    *, account_id: int, mailbox_id: int, criterion: Criterion, keyring: Keyring | None = None
) -> list[int]:
    """UIDs of the mailbox's messages matching `criterion`, ascending: one query, plus one
    for the account's keyword names when a keyword is searched.

    An encrypted account's header texts are out of SQL's reach: with its session's `keyring`
    (which a login of an account with keys always yields), text criteria are matched on the
    decrypted contents (imapd.crypto.search); without one, only contents in clear can match.
    """
    registry = keyword_names(account_id=account_id) if _names_keyword(criterion) else ()
    # Imported here: imapd.crypto.search builds on this module's criteria.
    from imapd.crypto import search as encrypted

    if keyring is not None and encrypted.names_text(criterion):
        return encrypted.EncryptedTextSearch(
            mailbox_id=mailbox_id,
            keyring=keyring,
            condition=lambda part: _condition(part, registry),
        ).run(criterion)
    condition = _condition(criterion, registry)
    return list(
        Message.objects.filter(condition, mailbox_id=mailbox_id)
        .order_by("uid")
        .values_list("uid", flat=True)
    )


def _names_keyword(criterion: Criterion) -> bool:
    match criterion:
        case HasFlag(flag):
            return not flag.startswith("\\")
        case And(parts) | Or(parts):
            return any(map(_names_keyword, parts))
        case Not(part):
            return _names_keyword(part)
    return False


def _day_start(day: date) -> int:
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp())


def _date_q(column: str, op: DateOp, start: object, end: object) -> Q:
    if op == "before":
        return Q(**{f"{column}__lt": start})
    if op == "since":
        return Q(**{f"{column}__gte": start})
    return Q(**{f"{column}__gte": start, f"{column}__lt": end})


def _flag_q(flag: str, present: bool, registry: tuple[str, ...]) -> Q:
    if flag.startswith("\\") and flag.casefold() not in _SYSTEM_FOLDED:
        raise ValueError(f"{flag} is not a stored flag; the session resolves it to UIDs.")
    parsed = parse_flags([flag])
    if parsed.system:
        column, mask = "flags", parsed.system
    else:
        column, mask = "keywords", keyword_mask(registry, parsed.keywords)
        if not mask:  # a keyword nobody in the account ever set
            return _NOTHING if present else Q()
    has = Q(Exact(F(column).bitand(mask), mask))
    return has if present else ~has


def _any_of(conditions: list[Q]) -> Q:
    return reduce(operator.or_, conditions) if conditions else _NOTHING


def _condition(criterion: Criterion, registry: tuple[str, ...]) -> Q:
    match criterion:
        case All():
            return Q()
        case UidIn(uids):
            return _any_of(uid_filters(uids))
        case HasFlag(flag, present):
            return _flag_q(flag, present, registry)
        case Text(field, needle):
            return Q(**{f"{_TEXT_COLUMNS[field]}__contains": needle.casefold()})
        case Size(octets, larger):
            return Q(size__gt=octets) if larger else Q(size__lt=octets)
        case InternalDate(op, day):
            start = _day_start(day)
            return _date_q("internal_date", op, start, start + 86400)
        case SentDate(op, day):
            return _date_q("content__sent_date", op, day, day + timedelta(days=1))
        case ModSeqAtLeast(modseq):
            return Q(modseq__gte=modseq)
        case EmailId(value):
            return Q(content__email_id=value)
        case ThreadId(value):
            return Q(content__thread_id=value) & ~Q(content__thread_id="")
        case And(parts):
            return reduce(operator.and_, (_condition(p, registry) for p in parts), Q())
        case Or(parts):
            return _any_of([_condition(p, registry) for p in parts])
        case Not(part):
            return ~_condition(part, registry)
    raise TypeError(f"Unknown search criterion {criterion!r}")
