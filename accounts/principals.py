"""Who is acting: a web user, a mail account (API token from an address login), or the system.

`Actor = User | AccountPrincipal | None`; None is the local operator (management commands,
Celery jobs, the daemon acting on its own behalf) and may do everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from accounts.models import Account, User


@dataclass(frozen=True)
class AccountPrincipal:
    """A mail account acting through the API. Duck-types the parts of a Django user DRF reads."""

    account: Account
    is_authenticated: bool = True
    is_anonymous: bool = False
    is_staff: bool = False

    @property
    def is_active(self) -> bool:
        return self.account.is_active

    @property
    def is_superuser(self) -> bool:
        # pymap-admin's "admin" role: such an account may administer everything.
        return self.account.is_admin

    @property
    def username(self) -> str:
        return self.account.address

    def __str__(self) -> str:
        return self.account.address


Actor = Union["User", AccountPrincipal, None]


def actor_name(actor: Actor) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, AccountPrincipal):
        return actor.account.address
    return actor.get_username()
