"""Per-client attempt counters in the shared cache (registration; web logins use accounts.login).

A fixed window starting at the first attempt: simple, shared by every process through the
platform's cache, and enough to stop a script from filling the moderation queue.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache


def _key(scope: str, client: str) -> str:
    # Hashed: cache keys must be short and safe, and client addresses need not sit in the cache.
    return f"rate:{scope}:{hashlib.sha256(client.encode()).hexdigest()[:32]}"


def rate_limit_hit(*, scope: str, client: str | None, limit: int, window: int) -> bool:
    """Count one attempt by `client`; whether it goes past `limit` in the window (0: no limit)."""
    if not limit or not client:
        return False
    key = _key(scope, client)
    try:
        count = cache.incr(key)
    except ValueError:  # first attempt in this window (or the window expired)
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit
