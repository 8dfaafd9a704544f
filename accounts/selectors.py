"""Reads of accounts data that other parts of the platform build on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Final

from accounts.addresses import SUBADDRESS_SEPARATOR, split_address
from accounts.models import Account, Alias, Domain, delivery_refusal_of
from accounts.permissions import accounts_visible_to
from accounts.principals import Actor
from mailplatform.errors import NotFound, ValidationFailed
from mailplatform.sql import aware_datetime, column, hot_cursor, table


@dataclass(frozen=True, slots=True)
class DeliveryState:
    """What delivery needs to know of an account: whether it takes mail now."""

    pk: int
    is_active: bool  # the account and its domain
    deletion_pending_since: datetime | None
    expires_at: datetime | None

    @classmethod
    def of(cls, account: Account) -> DeliveryState:
        return cls(
            account.pk,
            account.is_active and account.domain.is_active,
            account.deletion_pending_since,
            account.expires_at,
        )

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> DeliveryState:
        """From the first values of a row selected with `delivery_state_columns`."""
        pk, active, pending, expires, domain_active = row[:5]
        return cls(
            pk,
            bool(active) and bool(domain_active),
            aware_datetime(pending),
            aware_datetime(expires),
        )

    def refusal(self, now: datetime) -> str | None:
        """Why the account may not receive mail now, or None (`Account.delivery_refusal`)."""
        return delivery_refusal_of(
            is_active=self.is_active,
            deletion_pending_since=self.deletion_pending_since,
            expires_at=self.expires_at,
            now=now,
        )


@dataclass(frozen=True)
class RecipientResolution:
    """Where mail for one envelope recipient goes."""

    address: str
    is_local_domain: bool
    accounts: list[DeliveryState] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    @property
    def is_known(self) -> bool:
        return bool(self.accounts or self.external)


# --- what delivery reads of an account, in plain SQL (it runs at every RCPT and DATA) -------

_DELIVERY_ACCOUNT_FIELDS: Final = ("id", "is_active", "deletion_pending_since", "expires_at")


def delivery_state_columns(account: str, domain: str) -> list[str]:
    """The columns `DeliveryState.from_row` reads, for a query that names the account and
    domain tables `account` and `domain`."""
    return [
        *(f"{account}.{column(Account, f)}" for f in _DELIVERY_ACCOUNT_FIELDS),
        f"{domain}.{column(Domain, 'is_active')}",
    ]


@cache
def _recipient_sql() -> str:
    a, d = Account, Domain
    return (
        f"SELECT {', '.join(delivery_state_columns('a', 'd'))}, d.{column(d, 'id')} "  # noqa: S608
        f"FROM {table(d)} d "
        f"LEFT JOIN {table(a)} a ON a.{column(a, 'domain')} = d.{column(d, 'id')} "
        f"AND a.{column(a, 'local_part')} = %s WHERE d.{column(d, 'name')} = %s"
    )


def recipient_resolve(address: str) -> RecipientResolution:
    """Resolve an envelope recipient: account, then alias, then the domain's catch-all.

    Case-insensitive; `user+tag@domain` is delivered as `user@domain` (subaddressing). The
    accounts are what delivery checks of them (`DeliveryState`), not whole rows.
    """
    local, _, domain_name = address.strip().lower().rpartition("@")
    local = local.split(SUBADDRESS_SEPARATOR, 1)[0]
    with hot_cursor() as cursor:
        cursor.execute(_recipient_sql(), [local, domain_name.rstrip(".")])
        row = cursor.fetchone()
    if row is None or not local:
        return RecipientResolution(address=address, is_local_domain=row is not None)
    if row[0] is not None:
        state = DeliveryState.from_row(row)
        return RecipientResolution(address=address, is_local_domain=True, accounts=[state])
    domain = row[5]
    aliases = {
        a.local_part: a
        for a in Alias.objects.filter(
            domain_id=domain, local_part__in=[local, ""], is_active=True
        ).prefetch_related("targets__account__domain")
    }
    alias = aliases.get(local) or aliases.get("")
    if alias is None:
        return RecipientResolution(address=address, is_local_domain=True)
    targets = list(alias.targets.all())
    return RecipientResolution(
        address=address,
        is_local_domain=True,
        accounts=[DeliveryState.of(t.account) for t in targets if t.account is not None],
        external=[t.external_address for t in targets if t.account is None],
    )


def account_get_for_actor(*, actor: Actor, address: str) -> Account:
    """The account at `address` when `actor` may see it; NotFound for unknown and hidden alike."""
    try:
        local_part, domain = split_address(address)
    except ValidationFailed:
        raise NotFound(f"No account {address}.") from None
    found = accounts_visible_to(actor).filter(local_part=local_part, domain__name=domain).first()
    if found is None:
        raise NotFound(f"No account {address}.")
    return found
