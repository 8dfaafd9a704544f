"""Reads of accounts data that other parts of the platform build on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

from django.db import connection

from accounts.addresses import SUBADDRESS_SEPARATOR, split_address
from accounts.models import Account, Alias, Domain
from accounts.permissions import accounts_visible_to
from accounts.principals import Actor
from mailplatform.errors import NotFound, ValidationFailed
from mailplatform.sql import aware_datetime, column, table


@dataclass(frozen=True)
class RecipientResolution:
    """Where mail for one envelope recipient goes."""

    address: str
    is_local_domain: bool
    accounts: list[Account] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    @property
    def is_known(self) -> bool:
        return bool(self.accounts or self.external)


# --- what delivery reads of an account, in plain SQL (it runs at every RCPT and DATA) -------

_DELIVERY_ACCOUNT_FIELDS: Final = ("id", "is_active", "deletion_pending_since", "expires_at")


def delivery_state_columns(account: str, domain: str) -> list[str]:
    """The columns `account_from_delivery_state` reads, for a query that names the account
    and domain tables `account` and `domain`."""
    return [
        *(f"{account}.{column(Account, f)}" for f in _DELIVERY_ACCOUNT_FIELDS),
        f"{domain}.{column(Domain, 'id')}",
        f"{domain}.{column(Domain, 'is_active')}",
    ]


def account_from_delivery_state(row: Sequence[Any]) -> Account:
    """An Account holding what `Account.delivery_refusal` reads (and its domain's flag),
    from the first values of a row selected with `delivery_state_columns`."""
    pk, active, pending, expires, domain_pk, domain_active = row[:6]
    return Account(
        pk=pk,
        is_active=bool(active),
        deletion_pending_since=aware_datetime(pending),
        expires_at=aware_datetime(expires),
        domain=Domain(pk=domain_pk, is_active=bool(domain_active)),
    )


@cache
def _recipient_sql() -> str:
    a, d = Account, Domain
    return (
        f"SELECT {', '.join(delivery_state_columns('a', 'd'))} FROM {table(d)} d "  # noqa: S608
        f"LEFT JOIN {table(a)} a ON a.{column(a, 'domain')} = d.{column(d, 'id')} "
        f"AND a.{column(a, 'local_part')} = %s WHERE d.{column(d, 'name')} = %s"
    )


def recipient_resolve(address: str) -> RecipientResolution:
    """Resolve an envelope recipient: account, then alias, then the domain's catch-all.

    Case-insensitive; `user+tag@domain` is delivered as `user@domain` (subaddressing). The
    accounts hold what delivery checks (`account_from_delivery_state`), not whole rows.
    """
    local, _, domain_name = address.strip().lower().rpartition("@")
    local = local.split(SUBADDRESS_SEPARATOR, 1)[0]
    with connection.cursor() as cursor:
        cursor.execute(_recipient_sql(), [local, domain_name.rstrip(".")])
        row = cursor.fetchone()
    if row is None or not local:
        return RecipientResolution(address=address, is_local_domain=row is not None)
    if row[0] is not None:
        account = account_from_delivery_state(row)
        return RecipientResolution(address=address, is_local_domain=True, accounts=[account])
    domain = row[4]
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
        accounts=[t.account for t in targets if t.account is not None],
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
