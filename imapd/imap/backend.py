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
from imapd.imap import admin_namespace
from imapd.imap.auth import AccountRef
from imapd.models import Mailbox
from imapd.orm_pool import run_orm
from imapd.store import acl, quota, search, selectors, services
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
from imapd.store.services import acl as acl_services
from mailplatform.errors import NotFound, NotPermitted, ValidationFailed

T = TypeVar("T")
P = ParamSpec("P")


@dataclass(frozen=True, slots=True)
class SelectData:
    status: MailboxStatus
    index: MessageIndex
    keyword_names: tuple[str, ...]
    # UIDs in [recent_first, recent_end) are \Recent to this session.
    recent_first: int
    recent_end: int
    # The session's rights on it (RFC 4314): all of them on its own account's mailboxes.
    rights: str = acl.ALL_RIGHTS


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


async def run_writing(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """`run_orm` for work that writes outside a Backend method (encryption at rest's key
    maintenance): queued with the daemon's other writers, as above."""
    return await run_orm(_writes(fn), *args, **kwargs)


# -- functions run in the ORM pool ---------------------------------------------------------


def _select(me: AccountRef, wire_name: str, claim: bool) -> SelectData:
    target = admin_namespace.resolve(me, wire_name)
    target.require("r")
    account = _account(target.account_id)
    mailbox = selectors.mailbox_get_for_account(account=account, name=target.name)
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
    return SelectData(
        snapshot.status, snapshot.index, snapshot.keyword_names, first, end, target.rights
    )


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


def _require(rights: str, wanted: str) -> None:
    if any(right not in rights for right in wanted):
        raise NotPermitted("Permission denied.", code="NOPERM")


def _flag_rights(flags: tuple[str, ...], mode: str) -> str:
    """RFC 4314 4: \\Seen needs `s`, \\Deleted `t`, any other flag `w`; replacing all flags
    touches every kind."""
    if mode == "replace":
        return "stw"
    wanted = ""
    for flag in flags:
        lowered = flag.lower()
        wanted += "s" if lowered == "\\seen" else "t" if lowered == "\\deleted" else "w"
    return wanted


@_writes
def _store(
    account_id: int,
    rights: str,
    mailbox_id: int,
    uids: UidSet,
    mode: str,
    flags: tuple[str, ...],
    unchangedsince: int | None,
) -> StoreOutcome:
    _require(rights, _flag_rights(flags, mode))
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
def _append(me: AccountRef, name: str, items: Sequence[AppendItem]) -> AppendResult:
    target = admin_namespace.resolve(me, name)
    target.require("i")
    mailbox = _target(target.account_id, target.name)
    return services.messages_append(mailbox=mailbox, items=items)


def _target(account_id: int, name: str) -> Mailbox:
    """The destination of APPEND/COPY/MOVE: a missing one is TRYCREATE (RFC 3501 6.3.11)."""
    try:
        return selectors.mailbox_get_for_account(account=_account(account_id), name=name)
    except NotFound:
        raise NotFound(f"Mailbox doesn't exist: {name}", code="TRYCREATE") from None


@_writes
def _copy(
    me: AccountRef,
    owner_id: int,
    rights: str,
    source_id: int,
    uids: UidSet,
    dest: str,
    move: bool,
) -> CopyResult:
    if move:
        # MOVE expunges from the source (RFC 6851 3.3).
        _require(rights, "te")
    source = selectors.mailbox_get_by_id(account=_account(owner_id), mailbox_id=source_id)
    where = admin_namespace.resolve(me, dest)
    where.require("i")
    target = _target(where.account_id, where.name)
    if move:
        return services.messages_move(source=source, uids=uids, dest=target)
    return services.messages_copy(source=source, uids=uids, dest=target)


@_writes
def _expunge(account_id: int, rights: str, mailbox_id: int, uids: UidSet | None) -> list[int]:
    _require(rights, "e")
    mailbox = selectors.mailbox_get_by_id(account=_account(account_id), mailbox_id=mailbox_id)
    return services.messages_expunge(mailbox=mailbox, uids=uids)


@_writes
def _create(me: AccountRef, name: str, special_use: str | None) -> str:
    if admin_namespace.account_provision(me, name):
        target = admin_namespace.resolve(me, name)
        return selectors.mailbox_status(
            account=_account(target.account_id), name=target.name
        ).object_id
    target = admin_namespace.resolve(me, name)
    admin_namespace.parent_of(me, target).require("k")
    mailbox = services.mailbox_create(
        account=_account(target.account_id), name=target.name, special_use=special_use
    )
    return mailbox.object_id


@_writes
def _delete(me: AccountRef, name: str) -> None:
    if admin_namespace.account_remove(me, name):
        return
    target = admin_namespace.resolve(me, name)
    target.require("x")
    mailbox = selectors.mailbox_get_for_account(
        account=_account(target.account_id), name=target.name
    )
    services.mailbox_delete(mailbox=mailbox)


@_writes
def _rename(me: AccountRef, name: str, new_name: str) -> None:
    source, dest = admin_namespace.same_owner(me, name, new_name)
    mailbox = selectors.mailbox_get_for_account(
        account=_account(source.account_id), name=source.name
    )
    services.mailbox_rename(mailbox=mailbox, new_name=dest.name)


def _list(me: AccountRef) -> tuple[list[MailboxEntry], list[str]]:
    account = _account(me.id)
    subscriptions = selectors.subscriptions_list(account=account)
    entries = selectors.mailboxes_list(account=account)
    entries += admin_namespace.other_entries(me, set(subscriptions))
    return entries, subscriptions


def _status(me: AccountRef, name: str) -> MailboxStatus:
    target = admin_namespace.resolve(me, name)
    target.require("r")
    return selectors.mailbox_status(account=_account(target.account_id), name=target.name)


def _statuses(me: AccountRef, mailbox_ids: Iterable[int]) -> dict[int, MailboxStatus]:
    wanted = list(mailbox_ids)
    # An admin's LIST shows every account's mailboxes (admin_namespace); others only their own.
    owners: dict[int, int] = {}
    if me.is_admin:
        owners = dict(Mailbox.objects.filter(pk__in=wanted).values_list("pk", "account_id"))
    found: dict[int, MailboxStatus] = {}
    for mailbox_id in wanted:
        account = _account(owners.get(mailbox_id, me.id))
        try:
            found[mailbox_id] = selectors.mailbox_status_by_id(
                account=account, mailbox_id=mailbox_id
            )
        except NotFound:
            continue
    return found


def _quota_target(account: AccountRef, root: str) -> Account:
    """The account a quota root names: the caller's own, or any for an admin."""
    if not root.startswith(quota.QUOTA_ROOT_PREFIX):
        raise NotFound(f"No quota root {root}.", code="NONEXISTENT")
    address = root[len(quota.QUOTA_ROOT_PREFIX) :]
    if address.lower() != account.address.lower() and not account.is_admin:
        raise NotPermitted("You may not see that quota root.", code="NOPERM")
    try:
        return account_get(address=address)
    except (NotFound, ValidationFailed):
        raise NotFound(f"No quota root {root}.", code="NONEXISTENT") from None


def _quota(account: AccountRef, root: str) -> QuotaRoot:
    target = _quota_target(account, root)
    found = quota.quota_root(account=target)
    return QuotaRoot(name=quota.quota_root_name(target.address), resources=found.resources)


def _quota_of_mailbox(account: AccountRef, name: str) -> QuotaRoot:
    target = admin_namespace.resolve(account, name)
    target.require("l")
    selectors.mailbox_get_for_account(account=_account(target.account_id), name=target.name)
    return _quota(account, quota.quota_root_name(target.address))


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


def _acl_mailbox(me: AccountRef, name: str, rights: str) -> tuple[Mailbox, admin_namespace.Target]:
    """The mailbox an ACL command names, once `me` holds one of `rights` on it."""
    target = admin_namespace.resolve(me, name)
    if not any(right in target.rights for right in rights):
        target.require(rights[:1])
    mailbox = selectors.mailbox_get_for_account(
        account=_account(target.account_id), name=target.name
    )
    return mailbox, target


def _get_acl(me: AccountRef, name: str) -> list[tuple[str, str]]:
    """RFC 4314 3.3 (needs `a`): the owner's implicit entry first, then the stored ones."""
    mailbox, target = _acl_mailbox(me, name, "a")
    return acl.acl_entries(mailbox=mailbox, owner_address=target.address)


@_writes
def _set_acl(me: AccountRef, name: str, identifier: str, rights: str, mode: str) -> None:
    mailbox, _ = _acl_mailbox(me, name, "a")
    acl_services.acl_set(mailbox=mailbox, identifier=identifier, rights=rights, mode=mode)


@_writes
def _delete_acl(me: AccountRef, name: str, identifier: str) -> None:
    mailbox, _ = _acl_mailbox(me, name, "a")
    acl_services.acl_delete(mailbox=mailbox, identifier=identifier)


def _list_rights(me: AccountRef, name: str, identifier: str) -> tuple[str, tuple[str, ...]]:
    """RFC 4314 3.7: (always granted, grantable one by one); the owner holds everything."""
    _, target = _acl_mailbox(me, name, "lrikxa")
    if identifier.removeprefix(acl.NEGATIVE).lower() == target.address.lower():
        return acl.rights_display(acl.ALL_RIGHTS), ()
    return "", (*acl.ALL_RIGHTS, *acl.OBSOLETE)


def _my_rights(me: AccountRef, name: str) -> str:
    """RFC 4314 3.5: any right lets one ask."""
    _, target = _acl_mailbox(me, name, acl.ALL_RIGHTS)
    return acl.rights_display(target.rights)


# -- the interface the session uses --------------------------------------------------------


class Backend:
    """Store operations for one logged-in account."""

    __slots__ = ("_owners", "account", "keyring")

    def __init__(self, account: AccountRef, keyring: Keyring | None = None) -> None:
        self.account = account
        self.keyring = keyring
        # Other accounts' mailboxes this session selected (admin_namespace):
        # id -> (owner's id, the session's rights on it).
        self._owners: dict[int, tuple[int, str]] = {}

    def _owner_of(self, mailbox_id: int) -> int:
        return self._owners.get(mailbox_id, (self.account.id, ""))[0]

    def rights_on(self, mailbox_id: int) -> str:
        """The session's rights on a mailbox it selected."""
        return self._owners.get(mailbox_id, (0, acl.ALL_RIGHTS))[1]

    def forget_keys(self) -> None:
        """The session ended: drop the unlocked keys from memory."""
        if self.keyring is not None:
            self.keyring.forget()
            self.keyring = None

    @property
    def account_id(self) -> int:
        return self.account.id

    async def select(self, name: str, *, claim_recent: bool) -> SelectData:
        data = await run_orm(_select, self.account, name, claim_recent)
        if data.status.account_id != self.account_id:
            self._owners[data.status.id] = (data.status.account_id, data.rights)
        return data

    async def refresh(
        self, mailbox_id: int, *, since: int, claim_recent: bool, keyword_count: int
    ) -> RefreshData:
        return await run_orm(
            _refresh, self._owner_of(mailbox_id), mailbox_id, since, claim_recent, keyword_count
        )

    async def status(self, name: str) -> MailboxStatus:
        return await run_orm(_status, self.account, name)

    async def statuses(self, mailbox_ids: Iterable[int]) -> dict[int, MailboxStatus]:
        return await run_orm(_statuses, self.account, list(mailbox_ids))

    async def create(self, name: str, special_use: str | None) -> str:
        """CREATE; returns the new mailbox's MAILBOXID."""
        return await run_orm(_create, self.account, name, special_use)

    async def delete(self, name: str) -> None:
        await run_orm(_delete, self.account, name)

    async def rename(self, name: str, new_name: str) -> None:
        await run_orm(_rename, self.account, name, new_name)

    async def subscribe(self, name: str) -> None:
        await run_orm(
            _writes(services.mailbox_subscribe), account=_account(self.account_id), name=name
        )

    async def unsubscribe(self, name: str) -> None:
        await run_orm(
            _writes(services.mailbox_unsubscribe), account=_account(self.account_id), name=name
        )

    async def mailboxes(self) -> tuple[list[MailboxEntry], list[str]]:
        return await run_orm(_list, self.account)

    async def append(self, name: str, items: Sequence[AppendItem]) -> AppendResult:
        return await run_orm(_append, self.account, name, items)

    async def copy(self, source_id: int, uids: UidSet, dest: str, *, move: bool) -> CopyResult:
        owner, rights = self._owner_of(source_id), self.rights_on(source_id)
        return await run_orm(_copy, self.account, owner, rights, source_id, uids, dest, move)

    async def expunge(self, mailbox_id: int, uids: UidSet | None) -> list[int]:
        owner, rights = self._owner_of(mailbox_id), self.rights_on(mailbox_id)
        return await run_orm(_expunge, owner, rights, mailbox_id, uids)

    async def store(
        self,
        mailbox_id: int,
        uids: UidSet,
        mode: str,
        flags: tuple[str, ...],
        unchangedsince: int | None,
    ) -> StoreOutcome:
        owner, rights = self._owner_of(mailbox_id), self.rights_on(mailbox_id)
        return await run_orm(_store, owner, rights, mailbox_id, uids, mode, flags, unchangedsince)

    async def expunged_since(self, mailbox_id: int, modseq: int) -> list[int]:
        return await run_orm(selectors.uids_expunged_since, mailbox_id=mailbox_id, modseq=modseq)

    async def changed_since(self, mailbox_id: int, modseq: int) -> list[FlagRow]:
        return await run_orm(selectors.messages_changed_since, mailbox_id=mailbox_id, modseq=modseq)

    async def read(self, mailbox_id: int, work: Callable[[StoreReader], T]) -> T:
        """Run `work` (FETCH rendering, SEARCH evaluation) in the pool with read access."""
        reader = StoreReader(self._owner_of(mailbox_id), mailbox_id, self.keyring)
        return await run_orm(work, reader)

    async def quota(self, root: str) -> QuotaRoot:
        return await run_orm(_quota, self.account, root)

    async def quota_of_mailbox(self, name: str) -> QuotaRoot:
        return await run_orm(_quota_of_mailbox, self.account, name)

    async def set_quota(self, root: str, limits: tuple[tuple[str, int], ...]) -> QuotaRoot:
        return await run_orm(_set_quota, self.account, root, limits)

    async def get_acl(self, name: str) -> list[tuple[str, str]]:
        return await run_orm(_get_acl, self.account, name)

    async def set_acl(self, name: str, identifier: str, rights: str, mode: str) -> None:
        await run_orm(_set_acl, self.account, name, identifier, rights, mode)

    async def delete_acl(self, name: str, identifier: str) -> None:
        await run_orm(_delete_acl, self.account, name, identifier)

    async def list_rights(self, name: str, identifier: str) -> tuple[str, tuple[str, ...]]:
        return await run_orm(_list_rights, self.account, name, identifier)

    async def my_rights(self, name: str) -> str:
        return await run_orm(_my_rights, self.account, name)
