"""The per-account sending rate of submission: SUBMISSION_RATE_LIMIT messages a minute.

Counted in the shared cache (every daemon process sees the same count) in fixed one-minute
windows; checked at MAIL, counted once a message is accepted.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

_WINDOW = 60


def _key(account_id: int, now: float | None) -> str:
    return f"smtp-rate:{account_id}:{int((now or time.time()) // _WINDOW)}"


def rate_limit_reached(*, account_id: int, now: float | None = None) -> bool:
    limit = settings.SUBMISSION_RATE_LIMIT
    return bool(limit) and int(cache.get(_key(account_id, now), 0)) >= limit


def rate_limit_count(*, account_id: int, now: float | None = None) -> None:
    key = _key(account_id, now)
    if not cache.add(key, 1, timeout=_WINDOW * 2):
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, timeout=_WINDOW * 2)
