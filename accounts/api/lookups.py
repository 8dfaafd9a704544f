"""Turning names in URLs and request bodies into objects the caller may see.

Everything is looked up inside the caller's visible scope (accounts.permissions), so an object
that exists but is not the caller's gives the same NotFound as one that does not exist.
"""

from __future__ import annotations

from accounts.addresses import normalize_domain, normalize_local_part
from accounts.models import Domain, User
from accounts.permissions import domains_visible_to
from accounts.principals import AccountPrincipal
from mailplatform.errors import NotFound, ValidationFailed


def split_alias_address(address: str, *, field: str = "address") -> tuple[str, str]:
    """`local@domain`, or `@domain` for the catch-all, as normalised (local_part, domain)."""
    local, sep, domain = address.strip().rpartition("@")
    if not sep:
        raise ValidationFailed(f"{address!r} is not an alias address", field=field)
    return (
        normalize_local_part(local, field=field) if local else "",
        normalize_domain(domain, field=field),
    )


def visible_domain(actor: User | AccountPrincipal, name: str, *, field: str = "domain") -> Domain:
    """The named domain when the actor may see it; NotFound for unknown and hidden alike.

    Used for the domain of a new account or alias: a domain admin naming another domain learns
    nothing about whether it exists, while a visible but unmanaged domain is refused (403) by the
    service itself.
    """
    normalized = normalize_domain(name, field=field)
    domain = domains_visible_to(actor).filter(name=normalized).first()
    if domain is None:
        raise NotFound(f"No domain {normalized}.", field=field)
    return domain


def web_user(username: str | None, *, field: str = "owner") -> User | None:
    """The web user with this username, None for None; ValidationFailed when unknown."""
    if username is None:
        return None
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValidationFailed(f"No web user {username!r}.", field=field)
    return user
