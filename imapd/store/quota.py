"""Quota accounting (RFC 9208): one quota root per account, usage summed from mailbox counters.

STORAGE counts the RFC822.SIZE of every message (a copy counts again, as clients expect), in
units of 1024 octets, limited by `Account.quota_bytes` (None: no limit). MESSAGE counts
messages, limited by `Account.quota_messages`. Callers that add messages hold the account's
`AccountStore` row lock, so concurrent deliveries cannot overshoot together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from accounts.models import Account
from imapd.models import Mailbox
from imapd.store.dto import QuotaResource, QuotaRoot
from mailplatform.errors import LimitExceeded
from mailplatform.sql import Query, column, placeholders, rows_together, table

ROOT_NAME: Final = ""
# How quota roots are named to clients (IMAP and the REST API): after the account.
QUOTA_ROOT_PREFIX: Final = "user/"


def quota_root_name(address: str) -> str:
    return QUOTA_ROOT_PREFIX + address


def account_usage(*, account_id: int) -> tuple[int, int]:
    """(bytes, messages) stored by the account, from its mailboxes' counters: one query."""
    return accounts_usage([account_id]).get(account_id, (0, 0))


def accounts_usage(account_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """(bytes, messages) stored by each account that has mailboxes, in one query (plain SQL:
    it runs in every delivery to an account with a quota, see `mailplatform.sql`)."""
    if not account_ids:
        return {}
    return usage_of_rows(rows_together([usage_query(account_ids)])[0])


def usage_query(account_ids: Sequence[int]) -> Query:
    """The query `accounts_usage` runs, for callers sending it along with others."""
    m, account = Mailbox, column(Mailbox, "account")
    return (
        f"SELECT {account}, SUM({column(m, 'total_size')}), "  # noqa: S608
        f"SUM({column(m, 'message_count')}) FROM {table(m)} "
        f"WHERE {account} IN ({placeholders(len(account_ids))}) GROUP BY {account}",
        list(account_ids),
    )


def usage_of_rows(rows: Sequence[Sequence[Any]]) -> dict[int, tuple[int, int]]:
    return {pk: (int(size or 0), int(count or 0)) for pk, size, count in rows}


def quota_check(*, account_id: int, add_bytes: int, add_messages: int = 0) -> None:
    """Refuse with OVERQUOTA when adding this much would exceed one of the account's limits."""
    if add_bytes <= 0 and add_messages <= 0:
        return
    limit_bytes, limit_messages = (
        Account.objects.filter(pk=account_id).values_list("quota_bytes", "quota_messages").get()
    )
    if limit_bytes is None and limit_messages is None:
        return
    used, messages = account_usage(account_id=account_id)
    refusal = quota_refusal(
        limits=(limit_bytes, limit_messages),
        usage=(used, messages),
        add_bytes=add_bytes,
        add_messages=add_messages,
    )
    if refusal is not None:
        raise refusal


def quota_refusal(
    *,
    limits: tuple[int | None, int | None],
    usage: tuple[int, int],
    add_bytes: int,
    add_messages: int,
) -> LimitExceeded | None:
    """The OVERQUOTA error for adding this much to `usage` (bytes, messages) under `limits`
    (bytes, messages; None is no limit), or None when it fits."""
    (limit_bytes, limit_messages), (used, messages) = limits, usage
    if limit_bytes is not None and used + add_bytes > limit_bytes:
        return LimitExceeded(
            f"Quota exceeded: {used + add_bytes} bytes of {limit_bytes} allowed.",
            code="OVERQUOTA",
        )
    if limit_messages is not None and messages + add_messages > limit_messages:
        return LimitExceeded(
            f"Quota exceeded: {messages + add_messages} messages of {limit_messages} allowed.",
            code="OVERQUOTA",
        )
    return None


def quota_root(*, account: Account) -> QuotaRoot:
    used, messages = account_usage(account_id=account.pk)
    limit = account.quota_bytes
    return QuotaRoot(
        name=ROOT_NAME,
        resources=(
            QuotaResource(
                name="STORAGE",
                usage=(used + 1023) // 1024,
                limit=None if limit is None else limit // 1024,
            ),
            QuotaResource(name="MESSAGE", usage=messages, limit=account.quota_messages),
        ),
    )
