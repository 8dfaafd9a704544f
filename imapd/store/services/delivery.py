"""Final delivery into the store: many messages, for many accounts, in one transaction.

Delivery is split in two so that the mail daemon can commit concurrent deliveries together
(group commit, `imapd.smtp.delivery_worker`):

- `deliveries_prepare` does everything that needs no lock: checks, the MIME analysis,
  sealing for encrypted accounts, and writing each blob (fsynced, with its directory);
- `deliveries_commit` runs one transaction for any number of prepared messages: it locks the
  accounts' store rows and target mailboxes, checks again that each account takes mail (it
  may have been disabled since RCPT), applies quotas message by message, and inserts the rows.

Each message gets its own result: one over quota or for a disabled account is refused alone
while the others are stored. A transaction that fails stores nothing and removes every blob;
a refused message's blob is removed as well, so only committed rows keep blobs.

Sealing needs each account's current key pair before the blob is written. The mail daemon's
preparer takes it from `AccountMemory` (what its last commits read under their locks) instead
of reading it for every batch; the commit checks it again under the lock, so a guess gone
stale costs time, never secrecy: a content prepared in clear for an account that has keys by
then is sealed again in the commit, and one sealed to a pair since replaced is wrapped to the
new one (`sealing.seals_for_pair`).

`deliveries_store` is both halves for one caller (the `deliver` command, the REST append,
bounces). The reads here are plain SQL for the reason given in `rows`.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from typing import Any, Final, TypeVar

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Account, Domain
from accounts.selectors import DeliveryState, delivery_state_columns
from imapd.crypto import sealing
from imapd.crypto.models import AccountKeyPair, KeyPairState
from imapd.models import AccountStore, Mailbox
from imapd.store import names
from imapd.store.flags import ParsedFlags, keyword_mask, parse_flags
from imapd.store.quota import accounts_usage, quota_refusal, usage_of_rows, usage_query
from imapd.store.services._common import lock_store, register_keywords, unix_seconds
from imapd.store.services.contents import (
    PreparedContent,
    content_prepare,
    contents_discard,
    size_check,
)
from imapd.store.services.mailboxes import mailboxes_create_defaults
from imapd.store.services.rows import (
    NewContent,
    NewMessage,
    contents_insert,
    mailboxes_messages_insert,
)
from mailplatform.errors import (
    NotFound,
    NotPermitted,
    ServiceError,
    TemporaryFailure,
    ValidationFailed,
)
from mailplatform.sql import (
    Query,
    column,
    columns,
    for_update,
    pipelined,
    placeholders,
    rows_together,
    table,
)


@dataclass(frozen=True)
class DeliveryItem:
    """One message for one account: `raw` is what is stored (trace fields included);
    `mailbox` is used when it exists and can hold messages, else INBOX."""

    account_id: int
    raw: bytes
    mailbox: str = names.INBOX
    flags: tuple[str, ...] = ()
    internal_date: datetime | None = None


@dataclass(frozen=True)
class Delivered:
    account_id: int
    mailbox: str
    uidvalidity: int
    uid: int


DeliveryResult = Delivered | ServiceError
E = TypeVar("E")
R = TypeVar("R")


@dataclass(frozen=True)
class PreparedDelivery:
    """A message whose blob is written (its flush perhaps still running), waiting for
    `deliveries_commit`."""

    item: DeliveryItem
    flags: ParsedFlags
    content: PreparedContent


def deliveries_store(items: Sequence[DeliveryItem]) -> list[DeliveryResult]:
    """Prepare and commit `items` in one transaction; one result per item, in order."""
    prepared = deliveries_prepare(items)
    return committed_merge(prepared, deliveries_commit(prepared_only(prepared)))


def delivery_store(item: DeliveryItem) -> Delivered:
    """`deliveries_store` for one message; raises what refused it."""
    result = deliveries_store([item])[0]
    if isinstance(result, ServiceError):
        raise result
    return result


def prepared_only(prepared: Sequence[PreparedDelivery | E]) -> list[PreparedDelivery]:
    """What `deliveries_prepare` made ready for `deliveries_commit`, without its refusals."""
    return [p for p in prepared if isinstance(p, PreparedDelivery)]


def committed_merge(
    prepared: Sequence[PreparedDelivery | E], committed: Iterable[R]
) -> list[E | R]:
    """One result per item: the refusals of `prepared`, and in the places of the prepared
    messages what became of them (`committed`, in their order)."""
    results = iter(committed)
    return [next(results) if isinstance(p, PreparedDelivery) else p for p in prepared]


class AccountMemory:
    """The current key pair (or none) of the accounts recent commits stored mail for, as
    each commit read it under its lock; shared by the daemon's preparer and committer."""

    MAX_ENTRIES: Final = 10_000  # accounts remembered; the oldest are forgotten first

    def __init__(self) -> None:
        self._pairs: dict[int, sealing.CurrentPair | None] = {}
        self._lock = threading.Lock()

    def pairs(self, account_ids: Iterable[int]) -> dict[int, sealing.CurrentPair | None]:
        """What is remembered of these accounts (the others are missing)."""
        with self._lock:
            return {pk: self._pairs[pk] for pk in account_ids if pk in self._pairs}

    def learn(self, pairs: Mapping[int, sealing.CurrentPair | None], gone: Iterable[int]) -> None:
        with self._lock:
            for pk in gone:
                self._pairs.pop(pk, None)
            for pk, pair in pairs.items():
                self._pairs.pop(pk, None)  # to the end: most recently seen
                self._pairs[pk] = pair
            while len(self._pairs) > self.MAX_ENTRIES:
                self._pairs.pop(next(iter(self._pairs)))


def deliveries_prepare(
    items: Sequence[DeliveryItem], memory: AccountMemory | None = None
) -> list[PreparedDelivery | ServiceError]:
    """Check each message, write its blob and analyse it (`content_prepare`); an error for
    those refused. The blobs are made durable meanwhile; `deliveries_commit` waits for that.

    The accounts' key pairs come from `memory` where it knows them (the commit checks them
    again), else from one query."""
    wanted = {i.account_id for i in items}
    pairs = memory.pairs(wanted) if memory is not None else {}
    if missing := wanted - pairs.keys():
        pairs.update((pk, state.current_pair) for pk, state in _account_states(missing).items())
    results: list[PreparedDelivery | ServiceError] = []
    for item in items:
        try:
            if item.account_id not in pairs:
                raise NotFound("No such account.")
            flags = _checked(item)
            content = _content_of(item, pairs[item.account_id])
        except ServiceError as error:
            results.append(error)
            continue
        except OSError as error:
            results.append(TemporaryFailure(f"The message store cannot write: {error.strerror}."))
            continue
        results.append(PreparedDelivery(item=item, flags=flags, content=content))
    return results


def message_is_empty(raw: bytes) -> bool:
    """Nothing but line ends: no message to deliver."""
    return not raw.strip(b"\r\n")


def _checked(item: DeliveryItem) -> ParsedFlags:
    flags = parse_flags(item.flags)
    size_check(item.raw)
    if message_is_empty(item.raw):
        raise ValidationFailed("An empty message cannot be delivered.", code="CANNOT")
    return flags


def deliveries_commit(
    prepared: Sequence[PreparedDelivery], memory: AccountMemory | None = None
) -> list[DeliveryResult]:
    """Store prepared messages in one transaction; one result per message, in order. What
    the commit reads of the accounts under its lock is taught to `memory`.

    Raises (a database error) when the transaction fails: then nothing is stored, every blob
    is removed, and each message may be tried again.
    """
    if not prepared:
        return []
    stored = list(prepared)  # a content sealed again in the commit takes its message's place
    superseded: list[PreparedDelivery] = []
    try:
        with transaction.atomic():
            results = _commit(stored, superseded, memory)
            # The rows are written; before they are committed, every blob must be durable.
            for p in stored:
                p.content.blob.wait()
    except BaseException:
        _discard([*stored, *superseded])
        raise
    _discard(
        [
            *superseded,
            *(p for p, r in zip(stored, results, strict=True) if not isinstance(r, Delivered)),
        ]
    )
    return results


def _discard(prepared: Iterable[PreparedDelivery]) -> None:
    by_account: dict[int, list[PreparedContent]] = defaultdict(list)
    for p in prepared:
        by_account[p.item.account_id].append(p.content)
    for account_id, contents in by_account.items():
        contents_discard(account_id=account_id, prepared=contents)


def _commit(
    prepared: list[PreparedDelivery],
    superseded: list[PreparedDelivery],
    memory: AccountMemory | None,
) -> list[DeliveryResult]:
    """The transaction's work; a content prepared in clear for an account that has a key pair
    now is sealed again: its new form replaces it in `prepared`, the old goes to `superseded`."""
    account_ids = sorted({p.item.account_id for p in prepared})
    states, targets, usage = _locked_reads(
        account_ids, {_wanted_name(p.item.mailbox) for p in prepared}
    )
    if memory is not None:
        memory.learn(
            {pk: state.current_pair for pk, state in states.items()},
            gone=(pk for pk in account_ids if pk not in states),
        )
    now = timezone.now()
    results: list[DeliveryResult | None] = [None] * len(prepared)
    accepted: dict[int, list[tuple[int, Mailbox]]] = defaultdict(list)  # account -> (index, mb)
    for index, p in enumerate(prepared):
        state = states.get(p.item.account_id)
        if state is None:
            results[index] = NotFound("No such account.")
            continue
        refusal = state.account.refusal(now)
        if refusal is not None:
            results[index] = NotPermitted(f"The account does not take mail ({refusal}).")
            continue
        if state.current_pair is not None and p.content.seal is None:
            try:
                p = _sealed_again(p, state.current_pair)
            except OSError as error:
                results[index] = TemporaryFailure(
                    f"The message store cannot write: {error.strerror}."
                )
                continue
            superseded.append(prepared[index])
            prepared[index] = p
        if state.limits != (None, None):
            used = usage.get(p.item.account_id, (0, 0))
            size = p.content.fields.size
            over = quota_refusal(limits=state.limits, usage=used, add_bytes=size, add_messages=1)
            if over is not None:
                results[index] = over
                continue
            usage[p.item.account_id] = (used[0] + size, used[1] + 1)
        mailbox = _target(targets, p.item.account_id, _wanted_name(p.item.mailbox))
        accepted[p.item.account_id].append((index, mailbox))
    stored: list[_Accepted] = []
    for account_id, entries in accepted.items():
        registry = _keywords_registered(account_id, [prepared[i].flags for i, _ in entries])
        try:
            seals = sealing.seals_for_pair(
                account_id,
                [prepared[i].content.seal for i, _ in entries],
                states[account_id].current_pair,
            )
        except TemporaryFailure as error:
            for i, _ in entries:
                results[i] = error
            continue
        stored += [(i, mb, seal, registry) for (i, mb), seal in zip(entries, seals, strict=True)]
    if stored:
        _insert(prepared, stored, results)
    return [r if r is not None else TemporaryFailure("Not stored.") for r in results]


def _content_of(item: DeliveryItem, pair: sealing.CurrentPair | None) -> PreparedContent:
    """The item's blob written (sealed to `pair` when there is one) and its fields."""
    return content_prepare(account_id=item.account_id, raw=item.raw, sealer=sealing.sealer_of(pair))


def _sealed_again(p: PreparedDelivery, pair: sealing.CurrentPair) -> PreparedDelivery:
    """`p` prepared once more, sealed to `pair` (its account got keys after it was prepared):
    slow, in the transaction, but rare, and no message of an encrypted account is stored in
    clear for want of a read."""
    return replace(p, content=_content_of(p.item, pair))


# An accepted message: its index in the batch, its mailbox, its seal, its account's keywords.
_Accepted = tuple[int, Mailbox, sealing.ContentSeal | None, list[str]]


def _insert(
    prepared: Sequence[PreparedDelivery],
    stored: list[_Accepted],
    results: list[DeliveryResult | None],
) -> None:
    """Insert the accepted messages: all their contents in one statement, then their rows
    in every mailbox (on PostgreSQL, all in one round trip)."""
    with pipelined():
        email_ids = contents_insert(
            [
                NewContent(
                    account_id=prepared[i].item.account_id,
                    blob_key=prepared[i].content.blob.key,
                    fields=prepared[i].content.fields,
                    seal=seal,
                )
                for i, _, seal, _ in stored
            ]
        )
        _messages_insert(prepared, stored, email_ids, results)


def _messages_insert(
    prepared: Sequence[PreparedDelivery],
    stored: list[_Accepted],
    email_ids: list[str],
    results: list[DeliveryResult | None],
) -> None:
    arrival = unix_seconds()
    by_mailbox: dict[int, list[tuple[int, NewMessage]]] = defaultdict(list)
    mailboxes: dict[int, Mailbox] = {}
    for (i, mailbox, _, registry), email_id in zip(stored, email_ids, strict=True):
        p = prepared[i]
        mailboxes[mailbox.pk] = mailbox
        by_mailbox[mailbox.pk].append(
            (
                i,
                NewMessage(
                    flags=p.flags.system,
                    keywords=keyword_mask(registry, p.flags.keywords),
                    internal_date=(
                        unix_seconds(p.item.internal_date) if p.item.internal_date else arrival
                    ),
                    size=p.content.fields.size,
                    content=email_id,
                ),
            )
        )
    groups = list(by_mailbox.items())
    allocated = mailboxes_messages_insert(
        [(mailboxes[pk], [row for _, row in rows]) for pk, rows in groups]
    )
    for (pk, rows), uids in zip(groups, allocated, strict=True):
        mailbox = mailboxes[pk]
        for (i, _), uid in zip(rows, uids, strict=True):
            results[i] = Delivered(mailbox.account_id, mailbox.name, mailbox.uidvalidity, uid)


def _keywords_registered(account_id: int, flags: Sequence[ParsedFlags]) -> list[str]:
    """The account's keyword registry with these messages' keywords added (rare: only the
    `deliver --flag` and REST append callers set keywords)."""
    keywords = [kw for f in flags for kw in f.keywords]
    if not keywords:
        return []
    return register_keywords(lock_store(account_id), keywords)


def _wanted_name(name: str) -> str:
    try:
        return names.mailbox_name_normalize(name)
    except ValidationFailed:
        return names.INBOX


def _target(targets: dict[tuple[int, str], Mailbox], account_id: int, wanted: str) -> Mailbox:
    """The wanted mailbox when it can hold messages, else INBOX (made for an account older
    than its store)."""
    mailbox = targets.get((account_id, wanted))
    if mailbox is not None and not mailbox.noselect:
        return mailbox
    inbox = targets.get((account_id, names.INBOX))
    if inbox is None:
        mailboxes_create_defaults(account=Account.objects.get(pk=account_id))
        locked = _targets_lock([account_id], {names.INBOX})
        targets.update(locked)
        inbox = locked[(account_id, names.INBOX)]
    return inbox


# --- reads under the transaction's locks (plain SQL, see `rows`) ---------------------------


@dataclass(frozen=True)
class _AccountState:
    account: DeliveryState
    limits: tuple[int | None, int | None]  # quota bytes, messages
    current_pair: sealing.CurrentPair | None


@cache
def _account_state_sql(locked: bool) -> str:
    """The accounts' delivery state, quota and current key pair; `locked` also locks their
    `AccountStore` rows in id order (what every writer locks first) where rows lock."""
    a, d, k, store = Account, Domain, AccountKeyPair, AccountStore
    wanted = [
        *delivery_state_columns("a", "d"),
        f"a.{column(a, 'quota_bytes')}",
        f"a.{column(a, 'quota_messages')}",
        f"k.{column(k, 'id')}",
        f"k.{column(k, 'public_key')}",
    ]
    lock_rows = locked and connection.features.has_select_for_update
    joins = (
        f"JOIN {table(store)} s ON s.{column(store, 'account')} = a.{column(a, 'id')} "
        if lock_rows
        else ""
    )
    return (
        f"SELECT {', '.join(wanted)} FROM {table(a)} a "  # noqa: S608
        f"JOIN {table(d)} d ON d.{column(d, 'id')} = a.{column(a, 'domain')} {joins}"
        f"LEFT JOIN {table(k)} k ON k.{column(k, 'account')} = a.{column(a, 'id')} "
        f"AND k.{column(k, 'state')} = %s WHERE a.{column(a, 'id')} IN ({{ids}})"
        + (f" ORDER BY a.{column(a, 'id')} FOR UPDATE OF s" if lock_rows else "")
    )


def _account_states_query(account_ids: list[int], *, locked: bool) -> Query:
    sql = _account_state_sql(locked).format(ids=placeholders(len(account_ids)))
    return sql, [KeyPairState.CURRENT, *account_ids]


def _account_states_of_rows(rows: Sequence[Sequence[Any]]) -> dict[int, _AccountState]:
    states: dict[int, _AccountState] = {}
    for row in rows:
        account = DeliveryState.from_row(row)
        q_bytes, q_messages, k_pk, k_public = row[5:]
        pair = None if k_pk is None else (int(k_pk), bytes(k_public))
        states[account.pk] = _AccountState(account, (q_bytes, q_messages), pair)
    return states


def _account_states(
    account_ids: Iterable[int], *, locked: bool = False
) -> dict[int, _AccountState]:
    """Whether each account takes mail, its quota and its current key pair: one query;
    `locked` also locks their store rows (in the commit's transaction)."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    return _account_states_of_rows(rows_together([_account_states_query(ids, locked=locked)])[0])


def _missing_stores_lock(missing: list[int]) -> dict[int, _AccountState]:
    """Accounts older than their store row: make and lock the rows of those that exist (an
    account deleted meanwhile stays missing: NotFound for its messages). On SQLite, whose
    query joins no store row, missing accounts do not exist."""
    if not connection.features.has_select_for_update:
        return {}
    existing = list(_account_states(missing))
    for account_id in existing:
        lock_store(account_id)
    return _account_states(existing, locked=True)


def _locked_reads(
    account_ids: list[int], wanted: set[str]
) -> tuple[dict[int, _AccountState], dict[tuple[int, str], Mailbox], dict[int, tuple[int, int]]]:
    """What the commit reads under its locks, in one round trip on PostgreSQL: the accounts'
    states (their store rows locked), the target mailboxes (locked) and their usage."""
    state_rows, mailbox_rows, usage_rows = rows_together(
        [
            _account_states_query(account_ids, locked=True),
            _targets_query(account_ids, wanted),
            usage_query(account_ids),
        ]
    )
    states = _account_states_of_rows(state_rows)
    missing = [pk for pk in account_ids if pk not in states]
    if missing and (found := _missing_stores_lock(missing)):
        # Rare: those store rows are locked only now; read again what they guard.
        states.update(found)
        return states, _targets_lock(account_ids, wanted), accounts_usage(account_ids)
    return states, _targets_of_rows(mailbox_rows), usage_of_rows(usage_rows)


@cache
def _mailbox_columns() -> str:
    return columns(
        Mailbox, "id", "account", "name", "noselect", "uidvalidity", "uidnext", "highest_modseq"
    )


def _targets_query(account_ids: list[int], wanted: set[str]) -> Query:
    mailbox_names = sorted(wanted | {names.INBOX})
    return (
        f"SELECT {_mailbox_columns()} FROM {table(Mailbox)} "  # noqa: S608
        f"WHERE {column(Mailbox, 'account')} IN ({placeholders(len(account_ids))}) "
        f"AND {column(Mailbox, 'name')} IN ({placeholders(len(mailbox_names))}) "
        f"ORDER BY {column(Mailbox, 'id')}{for_update()}",
        [*account_ids, *mailbox_names],
    )


def _targets_of_rows(rows: Sequence[Sequence[Any]]) -> dict[tuple[int, str], Mailbox]:
    found: dict[tuple[int, str], Mailbox] = {}
    for pk, account_id, name, noselect, uidvalidity, uidnext, highest_modseq in rows:
        found[(account_id, name)] = Mailbox(
            pk=pk,
            account_id=account_id,
            name=name,
            noselect=bool(noselect),
            uidvalidity=uidvalidity,
            uidnext=uidnext,
            highest_modseq=highest_modseq,
        )
    return found


def _targets_lock(account_ids: list[int], wanted: set[str]) -> dict[tuple[int, str], Mailbox]:
    """Lock the accounts' mailboxes that deliveries may go to (the wanted ones and INBOX)."""
    return _targets_of_rows(rows_together([_targets_query(account_ids, wanted)])[0])
