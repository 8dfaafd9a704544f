"""Reads of accounts data that other parts of the platform build on."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts.addresses import SUBADDRESS_SEPARATOR, split_address
from accounts.models import Account, Alias, Domain
from accounts.permissions import accounts_visible_to
from accounts.principals import Actor
from mailplatform.errors import NotFound, ValidationFailed


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


def recipient_resolve(address: str) -> RecipientResolution:
    """Resolve an envelope recipient: account, then alias, then the domain's catch-all.

    Case-insensitive; `user+tag@domain` is delivered as `user@domain` (subaddressing).
    """
    local, _, domain_name = address.strip().lower().rpartition("@")
    local = local.split(SUBADDRESS_SEPARATOR, 1)[0]
    domain = Domain.objects.filter(name=domain_name.rstrip(".")).first()
    if domain is None or not local:
        return RecipientResolution(address=address, is_local_domain=domain is not None)
    account = (
        Account.objects.select_related("domain").filter(domain=domain, local_part=local).first()
    )
    if account is not None:
        return RecipientResolution(address=address, is_local_domain=True, accounts=[account])
    aliases = {
        a.local_part: a
        for a in Alias.objects.filter(
            domain=domain, local_part__in=[local, ""], is_active=True
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
