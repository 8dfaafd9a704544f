"""The session's only door to the store: async methods, each one `run_orm` call.

Each method runs a small synchronous function in the ORM thread pool that calls the store's
services and selectors and returns plain data (the dataclasses of `imapd.store.dto` or the
ones below). Store errors (`mailplatform.errors.ServiceError`) propagate unchanged; the session
turns their `code` into the response code.

The session keeps no model instances (an idle session should cost little memory): calls that
take an Account get a handle with only its primary key, which is all the store's selectors and
services use of it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from django.db import connection, transaction

from accounts.models import Account
from accounts.principals import AccountPrincipal
from accounts.services import account_get, account_update
from imapd.crypto.keyring import Keyring
from imapd.imap.auth import AccountRef
from imapd.models import Mailbox
from imapd.orm_pool import run_orm
from imapd.store import quota, search, selectors, services
from imapd.store.dto import (
    AppendItem,
    AppendResult,
    CopyResult,
    FetchRow,
    FlagRow,
    MailboxEntry,
    MailboxStatus,
    MessageIndex,
    QuotaRoot,
    StoreResult,
    UidSet,
)
from imapd.store.flags import parse_flags
from mailplatform.errors import NotFound, NotPermitted, ValidationFailed

T = TypeVar("T")
P = ParamSpec("P")

QUOTA_ROOT_PREFIX = "user/"


@dataclass(frozen=True, slots=True)
class SelectData:
    status: MailboxStatus
    index: MessageIndex
    keyword_names: tuple[str, ...]
    # UIDs in [recent_first, recent_end) are \Recent to this session.
    recent_first: int
    recent_end: int


@dataclass(frozen=True, slots=True)
class RefreshData:
    """What changed in a selected mailbox after a modseq (see SelectedMailbox.refresh)."""

    gone: bool = False
    highest_modseq: int = 0
    changed: tuple[FlagRow, ...] = ()
    expunged: tuple[int, ...] = ()
    keyword_names: tuple[str, ...] | None = None
    recent: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class StoreOutcome:
    result: StoreResult
    keyword_names: tuple[str, ...] | None


class StoreReader:
    """Read access for FETCH and SEARCH, used inside the ORM thread (fetch_exec, search_eval).

    Encrypted contents (imapd.crypto) are opened with the session's keyring."""

    def __init__(self, account_id: int, mailbox_id: int, keyring: Keyring | None) -> None:
        self.account_id = account_id
        self.mailbox_id = mailbox_id
        self.keyring = keyring

    def matching_uids(self, criterion: search.Criterion) -> list[int]:
        return search.messages_search(
            account_id=self.account_id,
            mailbox_id=self.mailbox_id,
            criterion=criterion,
            keyring=self.keyring,
        )

    def rows(
        self, uids: Sequence[int], *, envelope: bool = False, structure: bool = False
    ) -> list[FetchRow]:
        if not uids:
            return []
        return selectors.messages_fetch(
            mailbox_id=self.mailbox_id,
            uids=UidSet.of(uids),
            envelope=envelope,
            structure=structure,
            keyring=self.keyring,
        )

    def raw(self, row: FetchRow) -> bytes | None:
        """The message's bytes; None when its blob is gone (expunged meanwhile)."""
        try:
            return selectors.message_bytes_of(
                account_id=self.account_id, row=row, keyring=self.keyring
            )
        except NotFound:
            return None


def _account(account_id: int) -> Account:
    return Account(pk=account_id)


_sqlite_writer = threading.Lock()


@contextmanager
def _one_writer() -> Iterator[None]:
    """SQLite has one writer at a time, and a writer that finds the database locked sleeps in
    growing steps (up to 100 ms) before trying again: under load most of a write's time. The
    daemon's own writers queue on a lock instead, which wakes the next one at once; other
    processes still meet SQLite's busy timeout. Nothing to do on other databases."""
    if connection.vendor != "sqlite":
        yield
        return
    with _sqlite_writer:
        yield


def _writes(fn: Callable[P, T]) -> Callable[P, T]:
    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        with _one_writer():
            return fn(*args, **kwargs)

    return run


# -- functions run in the ORM pool ---------------------------------------------------------


def _select(account_id: int, name: str, claim: bool) -> SelectData:
    account = _account(account_id)
    mailbox = selectors.mailbox_get_for_account(account=account, name=name)
    if mailbox.noselect:
        raise ValidationFailed(f"{mailbox.name} cannot be selected.", code="CANNOT")
    first, end = mailbox.first_recent_uid, mailbox.uidnext
    if claim and first < end:
        # The claim and the read of where it ended must see the same row: one transaction.
        with _one_writer(), transaction.atomic():
            first = services.mailbox_claim_recent(mailbox=mailbox)
            end = selectors.mailbox_status_by_id(account=account, mailbox_id=mailbox.pk).uidnext
    # The snapshot is read outside the claim's (write) transaction: it may see more than the
    # claim did, which the session's first refresh reconciles.
    snapshot = selectors.mailbox_snapshot(account=account, mailbox_id=mailbox.pk)
    return SelectData(snapshot.status, snapshot.index, snapshot.keyword_names, first, end)


def _refresh(
    account_id: int, mailbox_id: int, since: int, claim: bool, keyword_count: int
) -> RefreshData:
    account = _account(account_id)
    try:
        status = selectors.mailbox_status_by_id(account=account, mailbox_id=mailbox_id)
    except NotFound:
        return RefreshData(gone=True)
    if status.highest_modseq == since:
        return RefreshData(highest_modseq=since)
    # Read the counter first: everything up to it is committed and visible to the reads
    # below; anything newer they also see is read again next time, which is harmless.
    changed = tuple(selectors.messages_changed_since(mailbox_id=mailbox_id, modseq=since))
    expunged = tuple(selectors.uids_expunged_since(mailbox_id=mailbox_id, modseq=since))
    names = None
    if any(row.keywords >> keyword_count for row in changed):
        names = selectors.keyword_names(account_id=account_id)
    recent = None
    if claim and status.first_recent_uid < status.uidnext:
        with _one_writer(), transaction.atomic():
            mailbox = Mailbox(pk=mailbox_id, account_id=account_id)
            first = services.mailbox_claim_recent(mailbox=mailbox)
            end = selectors.mailbox_status_by_id(account=account, mailbox_id=mailbox_id).uidnext
        recent = (first, end)
    return RefreshData(False, status.highest_modseq, changed, expunged, names, recent)


@_writes
def _store(
    account_id: int,
    mailbox_id: int,
    uids: UidSet,
    mode: str,
    flags: tuple[str, ...],
    unchangedsince: int | None,
) -> StoreOutcome:
    mailbox = selectors.mailbox_get_by_id(account=_account(account_id), mailbox_id=mailbox_id)
    result = services.flags_store(
        mailbox=mailbox,
        uids=uids,
        mode=services.StoreMode(mode),
        flags=flags,
        unchangedsince=unchangedsince,
    )
    names = None
    if parse_flags(flags).keywords:
        names = selectors.keyword_names(account_id=account_id)
    return StoreOutcome(result, names)


@_writes
def _append(account_id: int, name: str, items: Sequence[AppendItem]) -> AppendResult:
    mailbox = _target(account_id, name)
    return services.messages_append(mailbox=mailbox, items=items)


def _target(account_id: int, name: str) -> Mailbox:
    """The destination of APPEND/COPY/MOVE: a missing one is TRYCREATE (RFC 3501 6.3.11)."""
    try:
        return selectors.mailbox_get_for_account(account=_account(account_id), name=name)
    except NotFound:
        raise NotFound(f"Mailbox doesn't exist: {name}", code="TRYCREATE") from None


@_writes
def _copy(account_id: int, source_id: int, uids: UidSet, dest: str, move: bool) -> CopyResult:
    account = _account(account_id)
    source = selectors.mailbox_get_by_id(account=account, mailbox_id=source_id)
    target = _target(account_id, dest)
    if move:
        return services.messages_move(source=source, uids=uids, dest=target)
    return services.messages_copy(source=source, uids=uids, dest=target)


@_writes
def _expunge(account_id: int, mailbox_id: int, uids: UidSet | None) -> list[int]:
    mailbox = selectors.mailbox_get_by_id(account=_account(account_id), mailbox_id=mailbox_id)
    return services.messages_expunge(mailbox=mailbox, uids=uids)


@_writes
def _create(account_id: int, name: str, special_use: str | None) -> str:
    mailbox = services.mailbox_create(
        account=_account(account_id), name=name, special_use=special_use
    )
    return mailbox.object_id


@_writes
def _delete(account_id: int, name: str) -> None:
    mailbox = selectors.mailbox_get_for_account(account=_account(account_id), name=name)
    services.mailbox_delete(mailbox=mailbox)


@_writes
def _rename(account_id: int, name: str, new_name: str) -> None:
    mailbox = selectors.mailbox_get_for_account(account=_account(account_id), name=name)
    services.mailbox_rename(mailbox=mailbox, new_name=new_name)


def _list(account_id: int) -> tuple[list[MailboxEntry], list[str]]:
    account = _account(account_id)
    return selectors.mailboxes_list(account=account), selectors.subscriptions_list(account=account)


def _statuses(account_id: int, mailbox_ids: Iterable[int]) -> dict[int, MailboxStatus]:
    account = _account(account_id)
    found: dict[int, MailboxStatus] = {}
    for mailbox_id in mailbox_ids:
        try:
            found[mailbox_id] = selectors.mailbox_status_by_id(
                account=account, mailbox_id=mailbox_id
            )
        except NotFound:
            continue
    return found


def _quota_target(account: AccountRef, root: str) -> Account:
    """The account a quota root names: the caller's own, or any for an admin."""
    if not root.startswith(QUOTA_ROOT_PREFIX):
        raise NotFound(f"No quota root {root}.", code="NONEXISTENT")
    address = root[len(QUOTA_ROOT_PREFIX) :]
    if address.lower() != account.address.lower() and not account.is_admin:
        raise NotPermitted("You may not see that quota root.", code="NOPERM")
    try:
        return account_get(address=address)
    except (NotFound, ValidationFailed):
        raise NotFound(f"No quota root {root}.", code="NONEXISTENT") from None


def quota_root_name(address: str) -> str:
    return QUOTA_ROOT_PREFIX + address


def _quota(account: AccountRef, root: str) -> QuotaRoot:
    target = _quota_target(account, root)
    found = quota.quota_root(account=target)
    return QuotaRoot(name=quota_root_name(target.address), resources=found.resources)


def _quota_of_mailbox(account: AccountRef, name: str) -> QuotaRoot:
    selectors.mailbox_get_for_account(account=_account(account.id), name=name)
    return _quota(account, quota_root_name(account.address))


@_writes
def _set_quota(account: AccountRef, root: str, limits: tuple[tuple[str, int], ...]) -> QuotaRoot:
    """RFC 9208 SETQUOTA: administrators only; STORAGE is in units of 1024 octets, MESSAGE in
    messages. The listed limits replace the root's limits: an unlisted resource has none."""
    if not account.is_admin:
        raise NotPermitted("Only administrators may change quotas.", code="NOPERM")
    target = _quota_target(account, root)
    new: dict[str, int | None] = {"STORAGE": None, "MESSAGE": None}
    for resource, limit in limits:
        if resource not in new:
            raise ValidationFailed(f"The {resource} limit cannot be set.", code="CANNOT")
        new[resource] = limit
    storage = new["STORAGE"]
    actor = AccountPrincipal(account=account_get(address=account.address))
    account_update(
        account=target,
        acting_user=actor,
        quota_bytes=None if storage is None else storage * 1024,
        quota_messages=new["MESSAGE"],
    )
    return _quota(account, root)


# -- the interface the session uses --------------------------------------------------------


class Backend:
    """Store operations for one logged-in account."""

    __slots__ = ("account", "keyring")

    def __init__(self, account: AccountRef, keyring: Keyring | None = None) -> None:
        self.account = account
        self.keyring = keyring

    def forget_keys(self) -> None:
        """The session ended: drop the unlocked keys from memory."""
        if self.keyring is not None:
            self.keyring.forget()
            self.keyring = None

    @property
    def account_id(self) -> int:
        return self.account.id

    async def select(self, name: str, *, claim_recent: bool) -> SelectData:
        return await run_orm(_select, self.account_id, name, claim_recent)

    async def refresh(
        self, mailbox_id: int, *, since: int, claim_recent: bool, keyword_count: int
    ) -> RefreshData:
        return await run_orm(
            _refresh, self.account_id, mailbox_id, since, claim_recent, keyword_count
        )

    async def status(self, name: str) -> MailboxStatus:
        return await run_orm(selectors.mailbox_status, account=_account(self.account_id), name=name)

    async def statuses(self, mailbox_ids: Iterable[int]) -> dict[int, MailboxStatus]:
        return await run_orm(_statuses, self.account_id, list(mailbox_ids))

    async def create(self, name: str, special_use: str | None) -> str:
        """CREATE; returns the new mailbox's MAILBOXID."""
        return await run_orm(_create, self.account_id, name, special_use)

    async def delete(self, name: str) -> None:
        await run_orm(_delete, self.account_id, name)

    async def rename(self, name: str, new_name: str) -> None:
        await run_orm(_rename, self.account_id, name, new_name)

    async def subscribe(self, name: str) -> None:
        await run_orm(
            _writes(services.mailbox_subscribe), account=_account(self.account_id), name=name
        )

    async def unsubscribe(self, name: str) -> None:
        await run_orm(
            _writes(services.mailbox_unsubscribe), account=_account(self.account_id), name=name
        )

    async def mailboxes(self) -> tuple[list[MailboxEntry], list[str]]:
        return await run_orm(_list, self.account_id)

    async def append(self, name: str, items: Sequence[AppendItem]) -> AppendResult:
        return await run_orm(_append, self.account_id, name, items)

    async def copy(self, source_id: int, uids: UidSet, dest: str, *, move: bool) -> CopyResult:
        return await run_orm(_copy, self.account_id, source_id, uids, dest, move)

    async def expunge(self, mailbox_id: int, uids: UidSet | None) -> list[int]:
        return await run_orm(_expunge, self.account_id, mailbox_id, uids)

    async def store(
        self,
        mailbox_id: int,
        uids: UidSet,
        mode: str,
        flags: tuple[str, ...],
        unchangedsince: int | None,
    ) -> StoreOutcome:
        return await run_orm(_store, self.account_id, mailbox_id, uids, mode, flags, unchangedsince)

    async def expunged_since(self, mailbox_id: int, modseq: int) -> list[int]:
        return await run_orm(selectors.uids_expunged_since, mailbox_id=mailbox_id, modseq=modseq)

    async def changed_since(self, mailbox_id: int, modseq: int) -> list[FlagRow]:
        return await run_orm(selectors.messages_changed_since, mailbox_id=mailbox_id, modseq=modseq)

    async def read(self, mailbox_id: int, work: Callable[[StoreReader], T]) -> T:
        """Run `work` (FETCH rendering, SEARCH evaluation) in the pool with read access."""
        return await run_orm(work, StoreReader(self.account_id, mailbox_id, self.keyring))

    async def quota(self, root: str) -> QuotaRoot:
        return await run_orm(_quota, self.account, root)

    async def quota_of_mailbox(self, name: str) -> QuotaRoot:
        return await run_orm(_quota_of_mailbox, self.account, name)

    async def set_quota(self, root: str, limits: tuple[tuple[str, int], ...]) -> QuotaRoot:
        return await run_orm(_set_quota, self.account, root, limits)
