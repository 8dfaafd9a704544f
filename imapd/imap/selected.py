"""The selected mailbox as one session sees it, and the one place that turns store changes into
untagged EXISTS, RECENT, EXPUNGE / VANISHED and FETCH FLAGS responses (RFC 3501 7.3-7.4,
RFC 7162 3.2.10), for IDLE, NOOP and every other command alike.

State is columnar (the `array`s of the store's MessageIndex: a few bytes per message, no
per-message objects). The session's view changes only when the session says so: a change
published by the store merely records its modseq (`on_change`); the next command, or IDLE,
calls `updates()`, which reads what changed since the view's modseq in one trip to the store
(shared by the sessions the same change woke, `SharedRefresh`) and applies it. Expunges are
withheld while a command that must not see them runs (RFC 3501 7.4.1, RFC 2180 4.1: FETCH,
STORE and SEARCH by sequence number), and sent at the next command that may.
"""

from __future__ import annotations

import asyncio
import bisect
import sys
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from itertools import compress

from imapd.imap.backend import Backend, RefreshData, SelectData
from imapd.imap.responses import (
    Raw,
    encode_flags,
    exists_response,
    flags_response,
    permanent_flags_code,
    recent_response,
    untagged_status,
    vanished_response,
)
from imapd.store.dto import FlagRow
from imapd.store.flags import SEEN, SYSTEM_FLAGS, FlagNames
from imapd.store.notifier import ChangeKind, Listener, MailboxChange, get_hub

RECENT = "\\Recent"
_SYSTEM_FLAG_NAMES = tuple(SYSTEM_FLAGS)
_SEEN_TABLE = bytes(value & SEEN for value in range(256))
_FEW = 32  # expunges up to this many are deleted in place; more rebuild the arrays


class MailboxGone(Exception):
    """The selected mailbox was deleted (or renamed away as INBOX's messages were)."""


class SharedRefresh:
    """One store read for every session that needs the same refresh at the same time.

    A delivery wakes every session that has the mailbox selected, typically all at the same
    modseq: the first asks the store, the others wait for its answer instead of running the
    same queries. A session joins a read only if that read started after the change the session
    was told about had committed (the reader had been told of it too); otherwise it would get
    an answer from before the change. The \\Recent claim stays with the session that asked.
    """

    def __init__(self) -> None:
        self._pending: dict[tuple[int, int, int], tuple[asyncio.Future[RefreshData], int]] = {}

    async def refresh(
        self,
        backend: Backend,
        mailbox_id: int,
        *,
        since: int,
        claim_recent: bool,
        keywords: int,
        seen: int | None,
    ) -> RefreshData:
        """`seen`: the highest modseq the session was notified of (None: never share)."""
        key = (mailbox_id, since, keywords)
        pending = self._pending.get(key)
        if pending is not None and seen is not None and seen <= pending[1]:
            data = await asyncio.shield(pending[0])
            return replace(data, recent=None)
        future: asyncio.Future[RefreshData] = asyncio.get_running_loop().create_future()
        if pending is None:
            self._pending[key] = (future, since if seen is None else seen)
        try:
            data = await backend.refresh(
                mailbox_id, since=since, claim_recent=claim_recent, keyword_count=keywords
            )
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: there may be no follower
            raise
        else:
            future.set_result(data)
            return data
        finally:
            if self._pending.get(key, (None,))[0] is future:
                del self._pending[key]


class SelectedMailbox:
    __slots__ = (
        "_flag_cache",
        "_listener",
        "flag_names",
        "flags",
        "keyword_names",
        "keywords",
        "mailbox_event",
        "mailbox_id",
        "modseq",
        "modseqs",
        "name",
        "notified_modseq",
        "object_id",
        "on_notify",
        "pending_expunge",
        "readonly",
        "recent",
        "refresher",
        "saved_uids",
        "uids",
        "uidvalidity",
    )

    def __init__(
        self, name: str, data: SelectData, *, readonly: bool, refresher: SharedRefresh
    ) -> None:
        status = data.status
        self.refresher = refresher
        self.mailbox_id = status.id
        self.name = status.name if status.name else name
        self.object_id = status.object_id
        self.readonly = readonly
        self.uidvalidity = status.uidvalidity
        index = data.index
        self.uids: array[int] = index.uids
        self.flags: array[int] = index.flags
        self.keywords: array[int] = index.keywords
        self.modseqs: array[int] = index.modseqs
        self.modseq = status.highest_modseq
        self.notified_modseq = status.highest_modseq
        self.mailbox_event = False
        self.keyword_names = data.keyword_names
        self.flag_names = FlagNames(data.keyword_names)
        self._flag_cache: dict[tuple[int, int, bool], Raw] = {}
        self.recent: list[tuple[int, int]] = []
        if data.recent_first < data.recent_end:
            self.recent.append((data.recent_first, data.recent_end))
        self.pending_expunge: set[int] = set()
        self.saved_uids: list[int] = []
        self.on_notify: Callable[[], None] | None = None
        self._listener: Listener | None = None

    # -- change notification -----------------------------------------------------------------

    def listen(self, loop: asyncio.AbstractEventLoop) -> None:
        self._listener = get_hub().subscribe(
            mailbox_id=self.mailbox_id, callback=self.on_change, loop=loop
        )

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        self.on_notify = None

    def on_change(self, change: MailboxChange) -> None:
        """Called on the event loop for every committed change of this mailbox."""
        if change.kind == ChangeKind.MAILBOX:
            self.mailbox_event = True
        elif change.modseq > self.notified_modseq:
            self.notified_modseq = change.modseq
        if self.on_notify is not None and self.needs_refresh:
            self.on_notify()

    @property
    def needs_refresh(self) -> bool:
        return self.mailbox_event or self.notified_modseq > self.modseq

    def advance(self, modseq: int) -> None:
        """The session's own change took the mailbox from its modseq to `modseq`: when nothing
        else happened in between, there is nothing to read back."""
        if modseq == self.modseq + 1:
            self.modseq = modseq

    # -- what the view holds -----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.uids)

    def index_of(self, uid: int) -> int | None:
        i = bisect.bisect_left(self.uids, uid)
        return i if i < len(self.uids) and self.uids[i] == uid else None

    def is_recent(self, uid: int) -> bool:
        return any(first <= uid < end for first, end in self.recent)

    def recent_count(self) -> int:
        uids = self.uids
        return sum(
            bisect.bisect_left(uids, end) - bisect.bisect_left(uids, first)
            for first, end in self.recent
        )

    def recent_mask(self) -> bytes:
        """One octet per message, 1 where the message is \\Recent (for SEARCH)."""
        mask = bytearray(len(self.uids))
        for first, end in self.recent:
            start, stop = bisect.bisect_left(self.uids, first), bisect.bisect_left(self.uids, end)
            mask[start:stop] = b"\x01" * (stop - start)
        return bytes(mask)

    def first_unseen(self) -> int | None:
        """Sequence number of the first message without \\Seen (SELECT's [UNSEEN n])."""
        raw = self.flags.tobytes()
        low = raw[0::2] if sys.byteorder == "little" else raw[1::2]
        position = low.translate(_SEEN_TABLE).find(0)
        return None if position < 0 else position + 1

    def flags_raw(self, index: int) -> Raw:
        """`(\\Seen $Label)` of one message, pre-encoded and cached per flag combination."""
        recent = bool(self.recent) and self.is_recent(self.uids[index])
        key = (self.flags[index], self.keywords[index], recent)
        raw = self._flag_cache.get(key)
        if raw is None:
            names = self.flag_names(key[0], key[1])
            raw = encode_flags((*names, RECENT) if recent else names)
            if len(self._flag_cache) < 4096:
                self._flag_cache[key] = raw
        return raw

    def defined_flags(self) -> tuple[str, ...]:
        return (*_SYSTEM_FLAG_NAMES, *self.keyword_names)

    def flags_announcement(self) -> list[bytes]:
        """`* FLAGS` and `* OK [PERMANENTFLAGS]`, as SELECT sends them."""
        permanent = () if self.readonly else (*self.defined_flags(), "\\*")
        return [
            flags_response(self.defined_flags()),
            untagged_status(
                "OK",
                "Flags permitted." if not self.readonly else "Read-only mailbox.",
                permanent_flags_code(permanent),
            ),
        ]

    def set_keyword_names(self, names: Sequence[str]) -> bool:
        """Adopt a grown keyword registry; True when it changed (the client should hear)."""
        names = tuple(names)
        if names == self.keyword_names:
            return False
        self.keyword_names = names
        self.flag_names = FlagNames(names)
        self._flag_cache.clear()
        return True

    # -- applying changes --------------------------------------------------------------------

    def remove(self, uids: Iterable[int], *, qresync: bool) -> list[bytes]:
        """Drop messages from the view: EXPUNGE responses (VANISHED with QRESYNC)."""
        positions = sorted(i for uid in uids if (i := self.index_of(uid)) is not None)
        if not positions:
            return []
        removed_uids = [self.uids[i] for i in positions]
        self.pending_expunge.difference_update(removed_uids)
        if len(positions) <= _FEW:
            for i in reversed(positions):
                del self.uids[i], self.flags[i], self.keywords[i], self.modseqs[i]
        else:
            keep = bytearray(b"\x01") * len(self.uids)
            for i in positions:
                keep[i] = 0
            self.uids = array("Q", compress(self.uids, keep))
            self.flags = array("H", compress(self.flags, keep))
            self.keywords = array("q", compress(self.keywords, keep))
            self.modseqs = array("Q", compress(self.modseqs, keep))
        if qresync:
            return [vanished_response(removed_uids)]
        return [b"* %d EXPUNGE\r\n" % (i - k + 1) for k, i in enumerate(positions)]

    def update_rows(self, rows: Iterable[FlagRow]) -> list[int]:
        """Take new flags and modseqs of messages in the view; indices whose flags changed."""
        changed: list[int] = []
        uids = self.uids
        count = len(uids)
        for row in rows:
            i = bisect.bisect_left(uids, row.uid)
            if i >= count or uids[i] != row.uid:
                continue
            if self.flags[i] != row.flags or self.keywords[i] != row.keywords:
                self.flags[i] = row.flags
                self.keywords[i] = row.keywords
                changed.append(i)
            self.modseqs[i] = row.modseq
        return changed

    def fetch_flags_line(self, index: int, *, uid: bool, modseq: bool) -> bytes:
        parts = [b"UID %d" % self.uids[index]] if uid else []
        parts.append(b"FLAGS " + self.flags_raw(index))
        if modseq:
            parts.append(b"MODSEQ (%d)" % self.modseqs[index])
        return b"* %d FETCH (%s)\r\n" % (index + 1, b" ".join(parts))

    def _apply(
        self, data: RefreshData, *, expunge_ok: bool, condstore: bool, qresync: bool
    ) -> list[bytes]:
        out: list[bytes] = []
        if data.keyword_names is not None and self.set_keyword_names(data.keyword_names):
            out.extend(self.flags_announcement())
        if data.recent is not None and data.recent[0] < data.recent[1]:
            self.recent.append(data.recent)
        for uid in data.expunged:
            if self.index_of(uid) is not None:
                self.pending_expunge.add(uid)
        if expunge_ok and self.pending_expunge:
            out.extend(self.remove(list(self.pending_expunge), qresync=qresync))
        old_count = len(self.uids)
        old_recent = self.recent_count()
        last = self.uids[-1] if old_count else 0
        existing: list[FlagRow] = []
        for row in data.changed:
            if row.uid > last:
                self.uids.append(row.uid)
                self.flags.append(row.flags)
                self.keywords.append(row.keywords)
                self.modseqs.append(row.modseq)
                last = row.uid
            else:
                existing.append(row)
        changed = self.update_rows(existing)
        if len(self.uids) != old_count:
            out.append(exists_response(len(self.uids)))
            out.append(recent_response(self.recent_count()))
        elif self.recent_count() != old_recent:
            out.append(recent_response(self.recent_count()))
        out.extend(self.fetch_flags_line(i, uid=qresync, modseq=condstore) for i in sorted(changed))
        self.modseq = max(self.modseq, data.highest_modseq)
        return out

    async def updates(
        self,
        backend: Backend,
        *,
        expunge_ok: bool,
        condstore: bool,
        qresync: bool,
        force: bool = False,
    ) -> list[bytes]:
        """The untagged responses that bring the client up to date (possibly none).

        Reads the store only when a change was announced (or `force`, for NOOP, CHECK and
        IDLE, which also catch changes the notifier did not carry)."""
        if force or self.needs_refresh:
            shareable = not self.mailbox_event
            self.mailbox_event = False
            data = await self.refresher.refresh(
                backend,
                self.mailbox_id,
                since=self.modseq,
                claim_recent=not self.readonly,
                keywords=len(self.keyword_names),
                seen=self.notified_modseq if shareable else None,
            )
            if data.gone:
                raise MailboxGone
            return self._apply(data, expunge_ok=expunge_ok, condstore=condstore, qresync=qresync)
        if expunge_ok and self.pending_expunge:
            return self.remove(list(self.pending_expunge), qresync=qresync)
        return []
