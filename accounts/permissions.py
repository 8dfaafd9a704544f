"""The one place that says who may see and change which domains, accounts and aliases.

Selectors use the querysets so that lists are scoped in the database; services use the
predicates before writing. Both read the same rules from here.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Account, Alias, Domain, User
from accounts.principals import AccountPrincipal, Actor


def is_superadmin(actor: Actor) -> bool:
    return actor is None or bool(actor.is_superuser)


def domains_managed_by(actor: Actor) -> QuerySet[Domain]:
    if is_superadmin(actor):
        return Domain.objects.all()
    if isinstance(actor, User):
        return actor.managed_domains.all()
    return Domain.objects.none()


def can_manage_domain(actor: Actor, domain: Domain) -> bool:
    return is_superadmin(actor) or domains_managed_by(actor).filter(pk=domain.pk).exists()


def account_scope(actor: Actor) -> Q:
    """A filter on Account selecting what `actor` may see and change."""
    if is_superadmin(actor):
        return Q()
    if isinstance(actor, AccountPrincipal):
        return Q(pk=actor.account.pk)
    assert actor is not None
    return Q(domain__in=actor.managed_domains.all()) | Q(owner=actor)


def accounts_visible_to(actor: Actor) -> QuerySet[Account]:
    return Account.objects.filter(account_scope(actor)).select_related("domain")


def domains_visible_to(actor: Actor) -> QuerySet[Domain]:
    """Managed domains, plus for owners the domains their accounts live in (read only)."""
    if is_superadmin(actor):
        return Domain.objects.all()
    if isinstance(actor, AccountPrincipal):
        return Domain.objects.filter(pk=actor.account.domain_id)
    assert actor is not None
    return Domain.objects.filter(
        Q(pk__in=actor.managed_domains.all()) | Q(accounts__owner=actor)
    ).distinct()


def aliases_visible_to(actor: Actor) -> QuerySet[Alias]:
    """Aliases of managed domains, plus aliases that deliver to an account the actor owns."""
    base = Alias.objects.select_related("domain").prefetch_related("targets__account__domain")
    if is_superadmin(actor):
        return base
    if isinstance(actor, AccountPrincipal):
        return base.filter(targets__account=actor.account).distinct()
    assert actor is not None
    return base.filter(
        Q(domain__in=actor.managed_domains.all()) | Q(targets__account__owner=actor)
    ).distinct()


def can_use_account(actor: Actor, account: Account) -> bool:
    """Owner-level rights: see it, change its password, manage its aliases within limits."""
    return is_superadmin(actor) or accounts_visible_to(actor).filter(pk=account.pk).exists()


def can_administer_account(actor: Actor, account: Account) -> bool:
    """Admin-level rights: quota, roles, params, expiry, enable/disable, delete."""
    return can_manage_domain(actor, account.domain)
