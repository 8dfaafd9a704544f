"""Change notification: every committed store change reaches the sessions watching it.

Services call `publish_on_commit(change)`; after the transaction commits the process-wide hub
(`get_hub()`) hands the change to local subscribers and to its cross-process backend, chosen by
`settings.NOTIFY_URL`: empty for in-process only, `redis://...` for Redis pub/sub. A rolled back
transaction publishes nothing.

An IMAP session on an event loop subscribes with its loop, and the hub crosses threads with
`loop.call_soon_threadsafe`, so the callback always runs on the session's loop:

    queue: asyncio.Queue[MailboxChange] = asyncio.Queue()
    listener = get_hub().subscribe(mailbox_id=mid, callback=queue.put_nowait,
                                   loop=asyncio.get_running_loop())
    ...
    listener.close()

A change only says *that* a mailbox moved on to `modseq`; the session reads what changed from
the store (messages and tombstones with a greater modseq).

The hub also carries `DirectoryChange`: who receives mail at which address may have changed
(`accounts.directory`), so that every daemon process forgets the recipients it has cached
(`subscribe_directory`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

logger = logging.getLogger(__name__)


class ChangeKind(StrEnum):
    APPEND = "append"
    FLAGS = "flags"
    EXPUNGE = "expunge"
    # The mailbox itself: created, renamed, deleted (or became a \Noselect placeholder).
    MAILBOX = "mailbox"


@dataclass(frozen=True)
class MailboxChange:
    account_id: int
    mailbox_id: int
    modseq: int
    kind: ChangeKind

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "mailbox_id": self.mailbox_id,
            "modseq": self.modseq,
            "kind": self.kind.value,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MailboxChange:
        return cls(
            account_id=int(data["account_id"]),
            mailbox_id=int(data["mailbox_id"]),
            modseq=int(data["modseq"]),
            kind=ChangeKind(data["kind"]),
        )


@dataclass(frozen=True)
class DirectoryChange:
    """Domains, accounts or aliases changed: cached recipient lookups are out of date."""


Change = MailboxChange | DirectoryChange
Callback = Callable[[MailboxChange], None]


@dataclass(eq=False)
class Listener:
    """One subscription; `close()` ends it (also safe to call twice)."""

    hub: Hub
    callback: Callback
    loop: asyncio.AbstractEventLoop | None
    mailbox_id: int | None = None
    account_id: int | None = None
    closed: bool = field(default=False, init=False)

    def close(self) -> None:
        self.closed = True
        self.hub._remove(self)

    def _deliver(self, change: MailboxChange) -> None:
        if self.closed:
            return
        if self.loop is None:
            self.callback(change)
            return
        try:
            self.loop.call_soon_threadsafe(self._on_loop, change)
        except RuntimeError:  # the loop is closed: its session is gone
            self.close()

    def _on_loop(self, change: MailboxChange) -> None:
        if not self.closed:
            self.callback(change)


class Backend(Protocol):
    """Carries changes between processes; the hub delivers what it receives locally."""

    def start(self, deliver: Callable[[Change], None]) -> None: ...

    def publish(self, change: Change) -> None: ...

    def close(self) -> None: ...


class Hub:
    """Fans changes out to listeners by mailbox and by account; thread-safe."""

    def __init__(self, backend: Backend | None = None) -> None:
        self._lock = threading.Lock()
        self._by_mailbox: dict[int, list[Listener]] = {}
        self._by_account: dict[int, list[Listener]] = {}
        self._directory: list[Callable[[], None]] = []
        self.backend = backend
        if backend is not None:
            backend.start(self.deliver)

    def subscribe(
        self,
        *,
        callback: Callback,
        mailbox_id: int | None = None,
        account_id: int | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> Listener:
        """Listen to one mailbox, or to every mailbox of an account (mailbox list changes)."""
        if (mailbox_id is None) == (account_id is None):
            raise ValueError("Subscribe to exactly one of mailbox_id or account_id.")
        listener = Listener(
            hub=self, callback=callback, loop=loop, mailbox_id=mailbox_id, account_id=account_id
        )
        with self._lock:
            if mailbox_id is not None:
                self._by_mailbox.setdefault(mailbox_id, []).append(listener)
            elif account_id is not None:
                self._by_account.setdefault(account_id, []).append(listener)
        return listener

    def subscribe_directory(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` on every `DirectoryChange`, in the thread that publishes or relays
        it; returns the function that ends the subscription."""
        with self._lock:
            self._directory.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._directory:
                    self._directory.remove(callback)

        return unsubscribe

    def _remove(self, listener: Listener) -> None:
        with self._lock:
            for table, key in (
                (self._by_mailbox, listener.mailbox_id),
                (self._by_account, listener.account_id),
            ):
                if key is None:
                    continue
                listeners = table.get(key, [])
                if listener in listeners:
                    listeners.remove(listener)
                if not listeners:
                    table.pop(key, None)

    def publish(self, change: Change) -> None:
        self.deliver(change)
        if self.backend is not None:
            try:
                self.backend.publish(change)
            except Exception:
                # The change is committed; other processes catch up at their next poll.
                logger.warning("Could not publish %s to other processes", change, exc_info=True)

    def deliver(self, change: Change) -> None:
        """Hand a change to this process's listeners only."""
        if isinstance(change, DirectoryChange):
            with self._lock:
                callbacks = list(self._directory)
            for callback in callbacks:
                try:
                    callback()
                except Exception:
                    logger.exception("A directory listener failed")
            return
        with self._lock:
            targets = [
                *self._by_mailbox.get(change.mailbox_id, ()),
                *self._by_account.get(change.account_id, ()),
            ]
        for listener in targets:
            try:
                listener._deliver(change)
            except Exception:
                logger.exception("A change listener failed on %s", change)

    def listener_count(self) -> int:
        with self._lock:
            return sum(map(len, self._by_mailbox.values())) + sum(
                map(len, self._by_account.values())
            )

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()


class RedisBackend:
    """Redis pub/sub on one channel; a daemon thread relays other processes' changes."""

    def __init__(self, url: str, *, channel: str = "mailplatform:store-changes") -> None:
        import redis

        self._redis = redis
        self._client = redis.Redis.from_url(url)
        self.channel = channel
        self._origin = uuid.uuid4().hex
        self._stopped = threading.Event()
        self.ready = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, deliver: Callable[[Change], None]) -> None:
        self._thread = threading.Thread(
            target=self._run, args=(deliver,), name="store-notify-redis", daemon=True
        )
        self._thread.start()

    def publish(self, change: Change) -> None:
        body: dict[str, Any] = (
            {"directory": True}
            if isinstance(change, DirectoryChange)
            else {"change": change.to_json()}
        )
        payload = json.dumps({"origin": self._origin, **body})
        self._client.publish(self.channel, payload)

    def close(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._client.close()

    def _run(self, deliver: Callable[[Change], None]) -> None:
        backoff = 0.5
        while not self._stopped.is_set():
            try:
                pubsub = self._client.pubsub(ignore_subscribe_messages=True)
                try:
                    pubsub.subscribe(self.channel)
                    self.ready.set()
                    backoff = 0.5
                    while not self._stopped.is_set():
                        message = pubsub.get_message(timeout=0.5)
                        if message is not None:
                            self._relay(message.get("data"), deliver)
                finally:
                    pubsub.close()
            except self._redis.RedisError:
                self.ready.clear()
                logger.warning("Redis notification channel lost; retrying", exc_info=True)
                self._stopped.wait(backoff)
                backoff = min(backoff * 2, 10.0)

    def _relay(self, data: object, deliver: Callable[[Change], None]) -> None:
        if not isinstance(data, bytes | str):
            return
        try:
            decoded = json.loads(data)
            if decoded.get("origin") == self._origin:
                return  # delivered locally when published
            change: Change = (
                DirectoryChange()
                if decoded.get("directory") is True
                else MailboxChange.from_json(decoded["change"])
            )
        except (ValueError, KeyError, TypeError):
            logger.warning("Ignoring a malformed store notification")
            return
        deliver(change)


def backend_from_url(url: str) -> Backend | None:
    """The backend NOTIFY_URL names: none (in-process) or Redis; `?channel=` names the channel."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss", "unix"):
        query = dict(parse_qsl(parts.query))
        channel = query.pop("channel", "mailplatform:store-changes")
        clean = urlunsplit(parts._replace(query=urlencode(query)))
        return RedisBackend(clean, channel=channel)
    raise ImproperlyConfigured(
        f"Invalid setting NOTIFY_URL: unsupported scheme {parts.scheme!r} (use redis://)"
    )


_hub: Hub | None = None
_hub_lock = threading.Lock()


def get_hub() -> Hub:
    """The process-wide hub, created on first use from settings.NOTIFY_URL."""
    global _hub
    with _hub_lock:
        if _hub is None:
            _hub = Hub(backend_from_url(settings.NOTIFY_URL))
        return _hub


def hub_replace(hub: Hub | None) -> Hub | None:
    """Install another hub (tests, a daemon wanting its own); returns the previous one."""
    global _hub
    with _hub_lock:
        previous, _hub = _hub, hub
        return previous


def _forget_hub_after_fork() -> None:
    # A forked worker has the parent's hub but not its relay thread: it builds its own.
    global _hub
    _hub = None


os.register_at_fork(after_in_child=_forget_hub_after_fork)


def _publish_committed(change: Change) -> None:
    try:
        get_hub().publish(change)
    except Exception:
        # The change is committed whatever happens here; the caller's success must stand.
        logger.exception("Could not publish %s", change)


def directory_change_publish(**signal_kwargs: Any) -> None:
    """Receiver of `accounts.directory.directory_changed` (sent once the change committed)."""
    _publish_committed(DirectoryChange())


def publish_on_commit(change: Change) -> None:
    """Publish once the current transaction commits; nothing if it rolls back."""
    transaction.on_commit(lambda: _publish_committed(change))
