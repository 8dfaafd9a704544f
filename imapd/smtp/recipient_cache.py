"""Accepted recipients remembered for a few seconds (setting RECIPIENT_CACHE_SECONDS).

Why: looking a recipient up at RCPT costs a trip to an ORM thread and the database and back,
and under load each such hand-over waits for the GIL. bench/lmtp_delivery.py on PostgreSQL
delivered about a fifth more messages a second with the answers cached. Busy addresses (lists,
notification senders, one MTA's queue for a popular mailbox) ask the same question again and
again; Dovecot's `auth_cache` exists for the same reason.

Why it is safe:
- only acceptances are kept: an address that did not exist, or an account that did not take
  mail, is looked up again at its next RCPT, so a new account or alias receives at once;
- a cached acceptance never stores mail an account no longer takes: the commit checks every
  account again under its lock (deleted, disabled, expired, pending deletion, over quota) and
  refuses that recipient alone;
- what a cached answer could get wrong is where an address leads (an alias pointed elsewhere,
  a new account in a catch-all domain). Every such change (`accounts.directory`) empties the
  cache of this process at once, and of the other daemon processes through NOTIFY_URL's Redis.
  A process that hears of no change (no NOTIFY_URL, the change made by the web or a worker)
  forgets its answers when they expire.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Final

from django.conf import settings

from imapd.orm_pool import run_orm
from imapd.smtp.delivery import RecipientCheck, recipient_check
from imapd.store.notifier import Hub, get_hub

# Distinct addresses kept at most; the oldest answer goes first.
MAX_ENTRIES: Final = 10_000


def _key(address: str) -> str:
    return address.strip().lower()


class RecipientCache:
    """Used on the daemon's event loop; `clear` may come from any thread."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, max_entries: int = MAX_ENTRIES
    ) -> None:
        self._clock = clock
        self._max_entries = max_entries
        self._entries: dict[str, tuple[float, RecipientCheck]] = {}
        self._generation = 0
        self._lock = threading.Lock()
        self._hub: Hub | None = None

    async def check(self, address: str) -> RecipientCheck:
        """`recipient_check` of `address`, from the cache when it was accepted lately (the
        mail listeners call `listen` when they start)."""
        cached = self.get(address)
        if cached is not None:
            return cached
        generation = self._generation
        check = await run_orm(recipient_check, address)
        self.put(check, generation=generation)
        return check

    def get(self, address: str) -> RecipientCheck | None:
        key = _key(address)
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, check = entry
        if expires <= self._clock():
            self._entries.pop(key, None)
            return None
        # The address as this RCPT gave it: it is the copy's Delivered-To.
        return check if check.address == address else replace(check, address=address)

    @property
    def generation(self) -> int:
        return self._generation

    def put(self, check: RecipientCheck, *, generation: int) -> None:
        """Keep an accepted local recipient, unless the directory changed since `generation`
        was read (the lookup may have seen the old state)."""
        ttl = settings.RECIPIENT_CACHE_SECONDS
        if ttl <= 0 or not check.accepted or not check.is_local_domain:
            return
        with self._lock:
            if generation != self._generation:
                return
            entries = self._entries
            while len(entries) >= self._max_entries:
                entries.pop(next(iter(entries)))
            entries[_key(check.address)] = (self._clock() + ttl, check)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries = {}

    def __len__(self) -> int:
        return len(self._entries)

    def listen(self) -> None:
        """Hear directory changes from the process's hub (a new one after a fork or in tests)."""
        hub = get_hub()
        if hub is not self._hub:
            self._hub = hub
            hub.subscribe_directory(self.clear)
            self.clear()


recipients = RecipientCache()
