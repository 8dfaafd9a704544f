"""Query building shared by services and selectors: UID sets as SQL, in bounded statements."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final, TypeVar

from django.db.models import Q

from imapd.store.dto import UidSet

# Keep every statement well under the bound-parameter limits of SQLite and PostgreSQL.
_SINGLES_PER_QUERY: Final = 900
_RANGES_PER_QUERY: Final = 300

T = TypeVar("T")


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def uid_filters(uids: UidSet, field: str = "uid") -> list[Q]:
    """Filters that together select `uids`: usually one (`1:*`, a range, a short list).

    Long sets of scattered UIDs become several filters, one statement each, so a huge
    `UID STORE` costs a few statements rather than one per message or one too large to run.
    """
    singles = [first for first, last in uids.ranges if first == last]
    spans = [(first, last) for first, last in uids.ranges if first != last]
    filters = [Q(**{f"{field}__in": list(chunk)}) for chunk in chunked(singles, _SINGLES_PER_QUERY)]
    for chunk in chunked(spans, _RANGES_PER_QUERY):
        combined = Q()
        for first, last in chunk:
            combined |= Q(**{f"{field}__range": (first, last)})
        filters.append(combined)
    return filters
